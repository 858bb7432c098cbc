"""One failover, switchover or switchback: plan, confirmation, the steps, the recorded roles."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regionkit.errors import InvalidInput, RegionkitError
from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.plan import Request, build_steps, home_dns, home_writers
from regionkit.ops.failover.roles import read_writers, record_writers, roles_path
from regionkit.ops.failover.steps import Clock, Mode, Outcome, Run, Step, run_steps


class Declined(RegionkitError):
    """The operator answered no: nothing was changed."""


@dataclass
class Operation:
    #: the stack's resolved deployments (`model.resolve(spec).deployments`)
    deployments: Sequence[Any]
    stack_path: Path
    environment: str
    mode: Mode
    to: str | None

    @property
    def roles_file(self) -> Path:
        return roles_path(self.stack_path, self.environment)

    def steps(self, clients: Clients) -> list[Step]:
        request = Request(self.mode, self.to, read_writers(self.roles_file))
        return build_steps(self.deployments, request, clients)


def plan_lines(operation: Operation, steps: list[Step]) -> list[str]:
    target = operation.to or "the writers of the stack file"
    lines = [f"{operation.mode} of {operation.environment} to {target}: {len(steps)} step(s)"]
    for index, step in enumerate(steps, 1):
        lines.append(f"  {index}. {step.title}")
        if step.note:
            lines.append(f"     note: {step.note}")
    return lines


def execute(
    operation: Operation,
    clients: Clients,
    *,
    confirm: Callable[[], bool] | None,
    progress: Callable[[str], None],
    clock: Clock | None = None,
) -> dict[str, Any]:
    """Plan, ask (`confirm` None means --yes), run, record; the result document."""
    steps = operation.steps(clients)
    for line in plan_lines(operation, steps):
        progress(line)
    if confirm is not None and not confirm():
        raise Declined("nothing was changed")
    run = run_steps(steps, progress, clock)
    writers = _record(operation, run)
    return {
        "apiVersion": "regionkit/v1",
        "operation": str(operation.mode),
        "stack": operation.environment,
        "to": operation.to,
        "ok": run.ok,
        "steps": [r.to_json() for r in run.results],
        "writers": writers,
        "rolesFile": str(operation.roles_file),
    }


def _record(operation: Operation, run: Run) -> dict[str, str]:
    succeeded = [r.step for r in run.results if r.outcome in (Outcome.DONE, Outcome.ALREADY)]
    made = dict(s.writer for s in succeeded if s.writer)
    pinned = dict(s.pin for s in succeeded if s.pin)
    if not made and not pinned and not operation.roles_file.is_file():
        return {}
    return record_writers(
        operation.roles_file,
        made,
        home_writers(operation.deployments),
        dns=pinned,
        home_dns=home_dns(operation.deployments),
    )


def no_terminal() -> InvalidInput:
    return InvalidInput(
        "this command changes live systems and asks first, but there is no terminal to ask: "
        "review the plan and pass --yes"
    )
