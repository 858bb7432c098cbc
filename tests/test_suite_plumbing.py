"""The test suite's own plumbing: the schedule of its slow files, and the example plans its
xdist workers share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import example_plans
from tests.conftest import SCHEDULE_FIRST, STACKS

HERE = Path(__file__).parent


def test_every_file_scheduled_first_exists() -> None:
    missing = [name for name in SCHEDULE_FIRST if not (HERE / name).is_file()]
    assert not missing, f"renamed or removed: update SCHEDULE_FIRST in tests/conftest.py: {missing}"
    assert len(set(SCHEDULE_FIRST)) == len(SCHEDULE_FIRST)


def test_a_shared_example_is_planned_once_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = (STACKS / "dev.yaml").resolve()
    made: list[Path] = []
    real_make = example_plans._make

    def counting_make(path: Path) -> example_plans.Example:
        made.append(path)
        return real_make(path)

    monkeypatch.setattr(example_plans, "_make", counting_make)
    first = example_plans.shared_example(stack, tmp_path)
    second = example_plans.shared_example(stack, tmp_path)  # as another worker would
    assert made == [stack]
    assert second == first and second is not first
    assert [p.suffix for p in tmp_path.iterdir() if p.suffix != ".lock"] == [".pickle"]
    assert {r.urn for r in first.registrations} == {
        r["urn"] for r in example_plans.example_plan(stack)["resources"]
    }
