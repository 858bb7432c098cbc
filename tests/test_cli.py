"""The real CLI commands on the example stacks and on bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regionkit import cli
from regionkit.cli import app
from tests.conftest import ROOT, example_stacks

runner = CliRunner()

DEV = ROOT / "stacks" / "dev.yaml"


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def write_variant(tmp_path: Path, old: str, new: str, name: str = "bad.yaml") -> Path:
    text = DEV.read_text()
    assert old in text, f"fixture text {old!r} not in dev.yaml"
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    return path


def test_help_lists_every_command() -> None:
    code, out, _ = invoke("--help")
    assert code == 0
    for command in (
        "validate",
        "plan",
        "diff",
        "preview",
        "up",
        "destroy",
        "refresh",
        "outputs",
        "cancel",
        "init",
        "schema",
        "config-sync",
    ):
        assert command in out


@pytest.mark.parametrize("stack", example_stacks(), ids=lambda p: p.stem)
def test_every_example_stack_validates(stack: Path) -> None:
    code, out, _ = invoke("validate", str(stack), "--json")
    document = json.loads(out)
    assert document["valid"] is True, document["findings"]
    assert code == 0


def test_environment_name_resolves_to_stacks_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, _ = invoke("validate", "dev", "--json")
    assert code == 0
    assert json.loads(out)["stack"] == "dev"


BAD_INPUT = [
    ("malformed-yaml", "topology: single-region", "topology: [single-region", "malformed YAML", 6),
    (
        "unknown-key",
        "    maxNodes: 4",
        "    maxNodes: 4\n    maxReplicas: 9",
        "unknown key 'maxReplicas'",
        11,
    ),
    ("wrong-type", "minNodes: 2", "minNodes: lots", "identityServer.runtime.minNodes", 9),
    ("bad-enum", "cloud: kubernetes", "cloud: azure", "regions[0].cloud", 41),
    ("unpinned-image", "idsvr:11.2", "idsvr:latest", "identityServer.image", 7),
    (
        "open-admin",
        "allowedCidrs: [10.0.0.0/8]",
        "allowedCidrs: [0.0.0.0/0]",
        "identityServer.admin.allowedCidrs",
        15,
    ),
]


@pytest.mark.parametrize(
    ("case", "old", "new", "expected", "line"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT]
)
def test_bad_input_exits_2_with_file_line_and_key(
    tmp_path: Path, case: str, old: str, new: str, expected: str, line: int
) -> None:
    path = write_variant(tmp_path, old, new)
    code, out, err = invoke("validate", str(path))
    assert code == 2
    text = out + err
    assert expected in text
    assert f"{path}:{line}" in text, text
    assert "Traceback" not in text


def test_duplicate_region_id_is_rejected(tmp_path: Path) -> None:
    text = (ROOT / "stacks" / "aws-ap.yaml").read_text().replace("id: us-west", "id: us-east")
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    code, out, _ = invoke("validate", str(path), "--json")
    assert code == 2
    document = json.loads(out)
    assert document["valid"] is False
    messages = [f for f in document["findings"] if f["level"] == "error"]
    assert any(
        "us-east" in f["message"] and f["path"].startswith("regions[1]") for f in messages
    ), messages


def test_missing_file_is_invalid_input(tmp_path: Path) -> None:
    code, _, err = invoke("validate", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "no such stack file" in err


def test_schema_errors_in_json_mode_are_one_document(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "cloud: kubernetes", "cloud: azure")
    code, out, _ = invoke("validate", str(path), "--json")
    assert code == 2
    document = json.loads(out)
    assert document["valid"] is False
    lines = path.read_text().splitlines()
    assert document["findings"][0]["line"] == lines.index("    cloud: azure") + 1


def test_plan_refuses_an_invalid_stack_and_plans_nothing(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "idsvr:11.2", "idsvr:latest")
    code, out, err = invoke("plan", str(path))
    assert code == 2
    assert out == ""
    assert "nothing was planned or deployed" in err
    for flags in (["--format", "json"], ["--json"]):  # the findings, as validate --json has them
        code, out, _ = invoke("plan", str(path), *flags)
        document = json.loads(out)
        assert code == 2 and "resources" not in document
        assert document["valid"] is False and document["file"] == str(path)
        assert "security.image-unpinned" in [f["rule"] for f in document["findings"]]


def test_schema_prints_one_json_document() -> None:
    code, out, _ = invoke("schema")
    assert code == 0
    document = json.loads(out)
    assert "topology" in document["properties"]
    assert "regions" in document["properties"]


def test_diff_rejects_a_file_that_is_not_a_plan(tmp_path: Path) -> None:
    bogus = tmp_path / "x.json"
    bogus.write_text('{"hello": 1}')
    code, _, err = invoke("diff", str(bogus), str(bogus))
    assert code == 2
    assert "not a regionkit plan" in err


def test_console_script_help_runs_without_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "regionkit", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "Usage" in result.stdout


def test_validate_says_what_a_deployment_still_needs(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "provider: route53", "provider: cloud-dns")
    # a copy: a symlink out of the stack's repository is refused (config.path)
    shutil.copytree(ROOT / "stacks" / "idsvr-config", tmp_path / "idsvr-config")
    code, out, err = invoke("validate", str(path))
    assert code == 0  # an offline plan needs no project: a warning
    assert "warning: clouds.gcp.project:" in out and "[deploy.gcp-project]" in out
    assert "0 error(s)" in err
    code, out, _ = invoke("validate", str(path), "--json")
    (finding,) = [f for f in json.loads(out)["findings"] if f["rule"].startswith("deploy.")]
    assert finding["rule"] == "deploy.gcp-project" and finding["file"] == str(path)


def test_preview_creates_stacks_only_when_asked() -> None:
    code, out, _ = invoke("preview", "--help")
    assert code == 0 and "--create" in out


def test_cancel_asks_before_it_cancels(monkeypatch: pytest.MonkeyPatch) -> None:
    import regionkit.deploy as deploy

    seen: dict[str, object] = {}

    def cancel_stack(loaded, options) -> str:
        seen["stack"] = loaded.environment
        seen["answer"] = options.yes or options.confirm("Cancel?")
        return "not confirmed: nothing was cancelled"

    monkeypatch.setattr(deploy, "cancel_stack", cancel_stack, raising=False)
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    result = runner.invoke(app, ["cancel", str(DEV)], input="n\n")
    assert result.exit_code == 0 and seen == {"stack": "dev", "answer": False}
    assert "nothing was cancelled" in result.stderr
    invoke("cancel", str(DEV), "--yes")
    assert seen["answer"] is True


def test_ctrl_c_outside_the_engine_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    import regionkit.deploy as deploy

    def interrupted(loaded, options) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(deploy, "cancel_stack", interrupted, raising=False)
    code, _, err = invoke("cancel", str(DEV), "--yes")
    assert code == 130 and "cancelled" in err
