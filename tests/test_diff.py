"""Diff of two plans: added, removed and changed resources with the changed keys."""

from __future__ import annotations

import copy
import json

import pytest

from regionkit.findings import Finding, Level
from regionkit.plan.diff import diff_plans, has_changes, render_diff_markdown, render_diff_text
from regionkit.plan.model import plan_json
from tests import plan_sample

RUNTIME = "acme-id-us-east-workload-runtime"


@pytest.fixture(scope="module")
def base() -> dict:
    return plan_sample.plan()


def test_identical_plans_have_no_changes(base: dict) -> None:
    diff = diff_plans(base, copy.deepcopy(base))
    assert not has_changes(diff)
    assert diff["summary"] == {
        "added": 0,
        "removed": 0,
        "changed": 0,
        "unchanged": len(base["resources"]),
    }
    assert render_diff_text(diff).startswith("No changes")
    assert "No changes" in render_diff_markdown(diff)


def test_changed_keys_are_paths_with_old_and_new_values(base: dict) -> None:
    new = plan_sample.plan(plan_sample.Options(replicas=3, extra_env=(("FEATURE_X", "on"),)))
    diff = diff_plans(base, new)
    changed = {c["name"]: c for c in diff["changed"]}
    runtime = changed[RUNTIME]
    assert runtime["region"] == "us-east"
    assert runtime["type"] == "kubernetes:apps/v1:Deployment"
    paths = {c["path"]: c for c in runtime["changes"]}
    assert paths["inputs.spec.replicas"] == {"path": "inputs.spec.replicas", "old": 2, "new": 3}
    # list items with a unique name are matched by it: the new variable is added, not a shift
    added_env = "inputs.spec.template.spec.containers[name=idsvr].env[name=FEATURE_X]"
    assert paths[added_env] == {"path": added_env, "new": {"name": "FEATURE_X", "value": "on"}}
    assert len(runtime["changes"]) == 2
    assert "acme-id-us-east-workload-runtime-hpa" in changed  # minReplicas follows replicas
    assert diff["added"] == [] and diff["removed"] == []
    assert diff["summary"]["changed"] == len(diff["changed"]) == 4  # runtime + HPA in 2 regions


def test_added_and_removed_resources(base: dict) -> None:
    smaller = plan_sample.plan(plan_sample.Options(regions=("us-east",)))
    diff = diff_plans(smaller, base)
    added = {a["name"] for a in diff["added"]}
    assert "acme-id-eu-west-workload-runtime" in added
    assert all(a["region"] in ("eu-west", None) for a in diff["added"])
    assert diff_plans(base, smaller)["removed"] == diff["added"]
    # the global record set of the removed region goes too; the table's replicas change
    assert "acme-id-gslb-eu-west" in added
    table = next(c for c in diff["changed"] if c["name"] == "acme-id-gslb-tokens")
    assert table["changes"] == [{"path": "inputs.replicas[0]", "new": {"regionName": "eu-west-1"}}]


def test_secrets_stay_redacted_in_a_diff(base: dict) -> None:
    new = plan_sample.plan(plan_sample.Options(admin_password_length=32))
    diff = diff_plans(base, new)
    password = next(c for c in diff["changed"] if c["name"] == "acme-id-admin-password")
    assert password["changes"] == [{"path": "inputs.length", "old": 24, "new": 32}]
    text = render_diff_text(diff) + render_diff_markdown(diff)
    for secret in plan_sample.secret_values() + plan_sample.secret_values(
        plan_sample.Options(admin_password_length=32)
    ):
        assert secret not in text


def test_keys_with_dots_are_quoted(base: dict) -> None:
    new = plan_sample.plan(plan_sample.Options(labels={"app.kubernetes.io/part-of": "regionkit"}))
    runtime = next(c for c in diff_plans(base, new)["changed"] if c["name"] == RUNTIME)
    assert {
        "path": 'inputs.metadata.labels["app.kubernetes.io/part-of"]',
        "new": "regionkit",
    } in runtime["changes"]


def test_findings_and_failover_changes(base: dict) -> None:
    warning = Finding(Level.WARNING, "budget.dns", "dns.failoverBudgetSeconds", "too short")
    new = copy.deepcopy(base)
    new["findings"] = [warning.to_json()]
    new["failover"] = {**base["failover"], "ttlSeconds": 60, "worstCaseSeconds": 90}
    diff = diff_plans(base, new)
    assert has_changes(diff)
    assert diff["findings"]["added"] == [warning.to_json()]
    assert diff["failover"]["new"]["worstCaseSeconds"] == 90
    text = render_diff_text(diff)
    assert "+ warning: dns.failoverBudgetSeconds: too short [budget.dns]" in text
    assert "Failover: ttlSeconds 30 -> 60, worstCaseSeconds 60 -> 90" in text
    back = diff_plans(new, base)
    assert back["findings"]["removed"] == [warning.to_json()]


def test_text_rendering(base: dict) -> None:
    new = plan_sample.plan(plan_sample.Options(replicas=3, regions=("us-east",)))
    text = render_diff_text(diff_plans(base, new))
    lines = text.splitlines()
    assert lines[0].startswith("0 to add, ")
    assert f"~ kubernetes:apps/v1:Deployment  {RUNTIME}  [us-east]" in lines
    assert "    inputs.spec.replicas: 2 -> 3" in lines
    assert "- kubernetes:apps/v1:Deployment  acme-id-eu-west-workload-runtime  [eu-west]" in lines
    assert "- aws:route53/record:Record  acme-id-gslb-eu-west  [global]" in lines


def test_markdown_rendering_for_a_pull_request(base: dict) -> None:
    new = plan_sample.plan(plan_sample.Options(replicas=3, regions=("us-east",)))
    md = render_diff_markdown(diff_plans(base, new))
    assert md.startswith("### regionkit diff: `test` (single-region) from `test` (global-cluster)")
    assert "#### Removed (" in md
    assert (
        "| <code>kubernetes:apps/v1:Deployment</code> | acme-id-eu-west-workload-runtime | eu-west |"
        in md
    )
    assert "<code>inputs.spec.replicas</code> | <code>2</code> | <code>3</code>" in md
    assert md.count("<details>") == md.count("</details>") >= 1
    short = render_diff_markdown(diff_plans(base, new), limit=1500)
    assert len(short) <= 1500
    assert "more lines left out" in short
    assert short.count("<details>") == short.count("</details>")


def test_long_values_are_shortened(base: dict) -> None:
    new = plan_sample.plan(plan_sample.Options(config_xml="<config>" + "x" * 500 + "</config>"))
    text = render_diff_text(diff_plans(base, new))
    line = next(line for line in text.splitlines() if "inputs.data" in line)
    assert "…" in line and len(line) < 400


def test_two_environments_compare_resource_by_resource(base: dict) -> None:
    prod = json.loads(plan_json(base).replace("urn:pulumi:test::", "urn:pulumi:prod::"))
    prod["stack"] = "prod"
    diff = diff_plans(base, prod)
    assert not has_changes(diff)
    assert diff["new"]["stack"] == "prod"
    assert diff["summary"]["unchanged"] == len(base["resources"])
