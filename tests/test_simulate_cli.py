"""`regionkit simulate`, the plan's write-aware scenarios and `plan --out`'s runbook.md."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from regionkit.cli import app
from regionkit.failover import runbook_markdown
from regionkit.plan.render import scenarios_section
from regionkit.spec.loader import load_stack
from tests.conftest import ROOT, STACKS

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_simulate_json_is_one_document_per_failure() -> None:
    code, out, _ = invoke("simulate", str(STACKS / "gcp-ap.yaml"), "--fail", "eu-be", "--json")
    assert code == 0
    document = json.loads(out)
    (failure,) = document["failures"]
    assert failure["failed"] == "eu-be" and failure["target"] == "eu-nl"
    assert failure["failoverCommand"] == "regionkit failover gcp-ap --to eu-nl"
    rows = [a for a in failure["dataAccess"] if a["dataClass"] == "tokens"]
    assert rows[0]["beforeFailover"]["writes"] == "no"
    assert rows[0]["afterFailover"]["writes"] == "yes"
    (store,) = failure["stores"]
    assert store["promotion"]["documented"] is False
    assert failure["rto"]["writesSeconds"] > failure["rto"]["readsSeconds"] > 0
    assert failure["residency"] == {"holds": True, "breaks": []}


def test_simulate_without_fail_covers_every_region_in_markdown() -> None:
    code, out, _ = invoke("simulate", str(STACKS / "aws-ap.yaml"))
    assert code == 0
    assert "## us-east fails" in out and "## us-west fails" in out
    assert "`regionkit failover aws-ap --to us-west`" in out
    assert "| us-west | accounts | aurora-postgresql | ✅ / ❌ | ✅ / ✅ |" in out


def test_simulate_unknown_region_lists_the_regions_with_file_line_and_key() -> None:
    stack = STACKS / "aws-ap.yaml"
    code, out, err = invoke("simulate", str(stack), "--fail", "mars")
    assert code == 2 and out == ""
    assert f"{stack}:" in err and "(key regions)" in err
    assert "us-east, us-west" in err
    assert "Traceback" not in err


def test_simulate_refuses_an_invalid_stack_with_its_findings() -> None:
    broken = ROOT / "tests" / "fixtures" / "stacks" / "breaks-topology-shape-active-passive.yaml"
    code, out, _ = invoke("simulate", str(broken), "--json")
    assert code == 2
    assert json.loads(out)["valid"] is False


def test_scenarios_section_marks_what_works_only_after_the_failover_command() -> None:
    until = {"ok": False, "reason": "r", "fix": "f", "afterFailover": {"ok": True}}
    never = {"ok": False, "reason": "r", "fix": "f", "afterFailover": {"ok": False}}
    lines = scenarios_section(
        [
            {
                "deployment": "d",
                "from": "a",
                "to": "b",
                "when": "after a fails",
                "login": until,
                "session": never,
                "refresh": {"ok": True},
            }
        ]
    )
    assert "| d | a | b | after a fails | ❌ until failover | ❌ | ✅ |" in lines


def test_runbook_names_the_exact_commands_and_what_each_step_waits_for() -> None:
    text = runbook_markdown(load_stack(STACKS / "aws-ap.yaml").spec, "aws-ap")
    for command in (
        "regionkit status aws-ap",
        "regionkit failover aws-ap --to us-west",
        "regionkit switchover aws-ap --to us-west",
        "regionkit switchback aws-ap",
    ):
        assert f"`{command}`" in text
    assert "FailoverGlobalCluster with AllowDataLoss" in text
    assert "SwitchoverGlobalCluster" in text
    assert "waits until DescribeGlobalClusters lists" in text
    assert "dynamodb (tokens): nothing: every replica table already accepts writes" in text
    assert "global writer endpoint (GlobalCluster.endpoint" in text
    assert "a rollout of the runtime nodes" in text


def test_runbook_of_multi_writer_and_single_region_stacks() -> None:
    text = runbook_markdown(load_stack(STACKS / "aws-global.yaml").spec, "aws-global")
    assert "Nothing to run: DNS moves users to us-ohio" in text
    assert "regionkit failover" not in text
    dev = runbook_markdown(load_stack(STACKS / "dev.yaml").spec, "dev")
    assert "nowhere to fail over to" in dev
    sovereign = runbook_markdown(load_stack(STACKS / "sovereign.yaml").spec, "sovereign")
    assert "## sub-cluster eu" in sovereign
    assert "`regionkit failover sovereign --to eu-de`" in sovereign


def test_plan_out_writes_the_runbook_and_write_aware_scenarios(tmp_path: Path) -> None:
    code, _, err = invoke("plan", str(STACKS / "gcp-ap.yaml"), "--out", str(tmp_path))
    assert code == 0, err
    runbook = (tmp_path / "runbook.md").read_text()
    assert "`regionkit failover gcp-ap --to eu-nl`" in runbook
    plan = json.loads((tmp_path / "plan.json").read_text())
    (scenario,) = plan["scenarios"]
    assert scenario["login"]["ok"] is False
    assert scenario["login"]["afterFailover"]["ok"] is True
    assert "❌ until failover" in (tmp_path / "plan.md").read_text()
