"""`plan --out DIR` owns what it writes: it removes only its own files and overwrites no other."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from regionkit.cli import app
from regionkit.errors import InvalidInput
from regionkit.plan.out_dir import MANIFEST
from regionkit.plan.render import write_outputs
from tests import plan_sample
from tests.conftest import ROOT

RUNTIME = "k8s/us-east/deployment-idsvr-runtime.yaml"


@pytest.fixture(scope="module")
def plan() -> dict[str, Any]:
    return plan_sample.plan()


@pytest.fixture(scope="module")
def smaller() -> dict[str, Any]:
    return plan_sample.plan(plan_sample.Options(regions=("us-east",)))


def _recorded(out: Path) -> list[str]:
    record = json.loads((out / MANIFEST).read_text())
    assert record["generator"] == "regionkit plan"
    return list(record["files"])


def test_the_record_lists_exactly_the_files_written(plan: dict[str, Any], tmp_path: Path) -> None:
    written = write_outputs(plan, tmp_path, runbook="# runbook\n")
    names = sorted(p.relative_to(tmp_path).as_posix() for p in written)
    assert {"plan.json", "plan.md", "topology.mmd", "runbook.md", RUNTIME} <= set(names)
    assert _recorded(tmp_path) == names


def test_a_new_plan_removes_only_files_an_earlier_plan_wrote(
    plan: dict[str, Any], smaller: dict[str, Any], tmp_path: Path
) -> None:
    write_outputs(plan, tmp_path, runbook="# runbook\n")
    eu_files = [n for n in _recorded(tmp_path) if n.startswith("k8s/eu-west/")]
    assert eu_files
    (tmp_path / "k8s" / "eu-west" / "mine.yaml").write_text("kind: Mine\n")
    (tmp_path / "notes.md").write_text("mine\n")

    write_outputs(smaller, tmp_path)

    for name in [*eu_files, "runbook.md"]:
        assert not (tmp_path / name).exists(), name
    assert (tmp_path / "k8s" / "eu-west" / "mine.yaml").read_text() == "kind: Mine\n"
    assert (tmp_path / "notes.md").read_text() == "mine\n"
    assert (tmp_path / RUNTIME).exists()
    assert "runbook.md" not in _recorded(tmp_path)


@pytest.mark.parametrize("name", ["runbook.md", "plan.json", RUNTIME])
def test_a_file_the_plan_did_not_write_in_its_way_is_refused(
    plan: dict[str, Any], tmp_path: Path, name: str
) -> None:
    theirs = tmp_path / name
    theirs.parent.mkdir(parents=True, exist_ok=True)
    theirs.write_text("not regionkit's\n")
    with pytest.raises(InvalidInput, match=f"did not write: {name}.*--force"):
        write_outputs(plan, tmp_path, runbook="# runbook\n")
    assert theirs.read_text() == "not regionkit's\n"
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*")) == [name]


def test_force_overwrites_and_then_owns_the_file(plan: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text("theirs\n")
    write_outputs(plan, tmp_path, force=True)
    assert json.loads((tmp_path / "plan.json").read_text())["stack"] == "test"
    assert "plan.json" in _recorded(tmp_path)
    write_outputs(plan, tmp_path)  # owned now: no --force needed


def test_a_record_cannot_send_a_removal_outside_the_directory(
    plan: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "keep.txt"
    outside.write_text("keep\n")
    record = {"generator": "regionkit plan", "files": ["../keep.txt", str(outside)]}
    (out / MANIFEST).write_text(json.dumps(record))
    write_outputs(plan, out)
    assert outside.read_text() == "keep\n"


def test_a_record_regionkit_did_not_write_is_in_the_way(
    plan: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(InvalidInput, match=f"did not write: {MANIFEST}"):
        write_outputs(plan, tmp_path)
    write_outputs(plan, tmp_path, force=True)
    assert "plan.json" in _recorded(tmp_path)


def test_force_replaces_a_symlink_without_writing_through_it(
    plan: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "target.txt"
    target.write_text("target\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.md").symlink_to(target)
    write_outputs(plan, out, force=True)
    assert target.read_text() == "target\n"
    assert not (out / "plan.md").is_symlink()


def test_the_cli_refuses_with_exit_2_and_writes_with_force(tmp_path: Path) -> None:
    (tmp_path / "runbook.md").write_text("ours\n")
    stack = str(ROOT / "stacks" / "dev.yaml")
    runner = CliRunner()
    refused = runner.invoke(app, ["plan", stack, "--out", str(tmp_path)])
    assert refused.exit_code == 2
    assert "did not write: runbook.md" in refused.stderr
    assert (tmp_path / "runbook.md").read_text() == "ours\n"
    assert not (tmp_path / "plan.json").exists()

    forced = runner.invoke(app, ["plan", stack, "--out", str(tmp_path), "--force"])
    assert forced.exit_code == 0, forced.stderr
    assert (tmp_path / "runbook.md").read_text() != "ours\n"
    assert "runbook.md" in _recorded(tmp_path)
