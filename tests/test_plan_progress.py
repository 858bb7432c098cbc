"""A plan shows what it has done once it has taken a second, on a terminal only."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from regionkit.plan.progress import SHOW_AFTER_SECONDS, PlanProgress
from regionkit.plan.recorder import Registration
from regionkit.plan.runner import plan_stack
from regionkit.spec.loader import load_stack

STACKS = Path(__file__).resolve().parents[1] / "stacks"


class Clock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def planned() -> tuple[list[str], list[Registration], dict]:
    """aws-global's region ids, every registration as the recorder announced it, and its plan."""
    loaded = load_stack(STACKS / "aws-global.yaml")
    heard: list[Registration] = []
    plan = plan_stack(loaded, on_register=heard.append)
    return [region.id for _, region in loaded.spec.all_regions()], heard, plan


def _replay(
    console: Console, planned: tuple[list[str], list[Registration], dict], *, slow_after: int
) -> PlanProgress:
    """The announcements of a real plan, fed to a progress display whose clock jumps past the
    one-second mark after `slow_after` of them (never, for -1)."""
    region_ids, heard, _ = planned
    clock = Clock()
    progress = PlanProgress(console, prefix="acme-gc", region_ids=region_ids, clock=clock)
    with progress:
        for registration in heard:
            if progress.resources == slow_after:
                clock.now += SHOW_AFTER_SECONDS + 0.5
            progress.registered(registration)
    return progress


def test_the_recorder_announces_every_resource_it_registers(planned):
    _, heard, plan = planned
    assert len(heard) == len(plan["resources"]) > 10


def test_a_slow_plan_on_a_terminal_shows_resources_and_regions(planned):
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    progress = _replay(console, planned, slow_after=10)
    plan = planned[2]
    assert progress.resources == len(plan["resources"]) > 10
    assert progress.regions == {region["id"] for region in plan["regions"]}
    shown = out.getvalue()
    assert "resources registered" in shown
    assert f"{len(plan['regions'])}/{len(plan['regions'])} regions reached" in progress.line()


def test_a_fast_plan_shows_nothing(planned):
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    progress = _replay(console, planned, slow_after=-1)  # the clock never moves
    plan = planned[2]
    assert progress.resources == len(plan["resources"])
    assert out.getvalue() == ""


def test_nothing_is_shown_when_the_output_is_not_a_terminal(planned):
    out = io.StringIO()
    console = Console(file=out, force_terminal=False)
    progress = _replay(console, planned, slow_after=10)
    plan = planned[2]
    assert progress.resources == len(plan["resources"])
    assert out.getvalue() == ""
