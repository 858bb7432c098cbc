"""A step of a failover, and the loop that runs a list of them.

Each step answers `done()` from the live system before it acts, so running a list again after a
failure skips what already happened and resumes at the step that failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from regionkit.errors import RegionkitError


class Mode(StrEnum):
    FAILOVER = "failover"
    SWITCHOVER = "switchover"
    SWITCHBACK = "switchback"

    @property
    def allows_data_loss(self) -> bool:
        return self is Mode.FAILOVER


class Outcome(StrEnum):
    DONE = "done"
    ALREADY = "already done"
    NOTHING = "nothing to do"
    FAILED = "failed"
    NOT_RUN = "not run"


class StepFailed(RegionkitError):
    """A step's action or wait failed; the message says which and what to do."""


def _never() -> bool:
    return False


def _nothing() -> None:
    return None


@dataclass
class Step:
    """One idempotent action on a live system."""

    #: a stable id, e.g. "aurora/acme-ap-accounts-audit-global"
    id: str
    #: what it does, one line for the plan
    title: str
    #: True when the live state already is what the step makes it
    done: Callable[[], bool] = _never
    act: Callable[[], None] = _nothing
    #: how long the action may take to show in `done()`
    timeout_seconds: float = 900.0
    #: a step that only informs (e.g. DynamoDB global tables need nothing)
    informational: bool = False
    #: what the operator should know (data loss, a restart of the nodes, ...)
    note: str = ""
    #: the region whose writer this step makes, for recording roles
    writer: tuple[str, str] | None = None
    #: (hostname, region id) the step pins a failover record to, for recording roles
    pin: tuple[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "note": self.note or None}


@dataclass
class StepResult:
    step: Step
    outcome: Outcome
    error: str | None = None
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {**self.step.to_json(), "outcome": str(self.outcome), "error": self.error}


@dataclass
class Clock:
    """Time, injectable: tests never sleep or read the wall clock."""

    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.monotonic
    poll_seconds: float = 10.0


@dataclass
class Run:
    results: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.outcome is not Outcome.FAILED for r in self.results)


def run_steps(
    steps: Sequence[Step],
    progress: Callable[[str], None],
    clock: Clock | None = None,
) -> Run:
    """Run `steps` in order; stop at the first failure, marking the rest not run."""
    clock = clock or Clock()
    run = Run()
    for index, step in enumerate(steps):
        progress(f"[{index + 1}/{len(steps)}] {step.title}")
        result = _run_one(step, clock)
        progress(f"    {result.outcome}" + (f": {result.error}" if result.error else ""))
        run.results.append(result)
        if result.outcome is Outcome.FAILED:
            run.results.extend(StepResult(s, Outcome.NOT_RUN) for s in steps[index + 1 :])
            break
    return run


def _run_one(step: Step, clock: Clock) -> StepResult:
    if step.informational:
        return StepResult(step, Outcome.NOTHING)
    start = clock.now()
    try:
        if step.done():
            return StepResult(step, Outcome.ALREADY)
        step.act()
        _wait(step, clock, start)
    except Exception as exc:  # any API error fails the step with its message, never a traceback
        return StepResult(step, Outcome.FAILED, error=_message(exc), seconds=clock.now() - start)
    return StepResult(step, Outcome.DONE, seconds=clock.now() - start)


def _wait(step: Step, clock: Clock, start: float) -> None:
    while not step.done():
        if clock.now() - start >= step.timeout_seconds:
            raise StepFailed(
                f"not done after {step.timeout_seconds:.0f} s; the action was sent: run the "
                "command again to keep waiting (it checks the state first)"
            )
        clock.sleep(clock.poll_seconds)


def _message(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0] if len(text) > 500 else text
