"""A plan shows what it has done once it has taken a second, on a terminal only."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from regionkit.plan.progress import SHOW_AFTER_SECONDS, PlanProgress
from regionkit.plan.runner import plan_stack
from regionkit.spec.loader import load_stack

STACKS = Path(__file__).resolve().parents[1] / "stacks"


class Clock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _plan_with(console: Console, clock: Clock, *, slow_after: int) -> tuple[PlanProgress, dict]:
    loaded = load_stack(STACKS / "aws-global.yaml")
    region_ids = [region.id for _, region in loaded.spec.all_regions()]
    progress = PlanProgress(console, prefix=loaded.spec.name, region_ids=region_ids, clock=clock)

    def registered(registration) -> None:
        if progress.resources == slow_after:  # the plan has now taken longer than a second
            clock.now += SHOW_AFTER_SECONDS + 0.5
        progress.registered(registration)

    with progress:
        plan = plan_stack(loaded, on_register=registered)
    return progress, plan


def test_a_slow_plan_on_a_terminal_shows_resources_and_regions():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    progress, plan = _plan_with(console, Clock(), slow_after=10)
    assert progress.resources == len(plan["resources"]) > 10
    assert progress.regions == {region["id"] for region in plan["regions"]}
    shown = out.getvalue()
    assert "resources registered" in shown
    assert f"{len(plan['regions'])}/{len(plan['regions'])} regions reached" in progress.line()


def test_a_fast_plan_shows_nothing():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    progress, plan = _plan_with(console, Clock(), slow_after=-1)  # the clock never moves
    assert progress.resources == len(plan["resources"])
    assert out.getvalue() == ""


def test_nothing_is_shown_when_the_output_is_not_a_terminal():
    out = io.StringIO()
    console = Console(file=out, force_terminal=False)
    progress, plan = _plan_with(console, Clock(), slow_after=10)
    assert progress.resources == len(plan["resources"])
    assert out.getvalue() == ""
