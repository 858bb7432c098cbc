"""Plan a stack offline: validate it, run its program under mocks, build the plan document."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from regionkit.errors import StackInvalid
from regionkit.findings import has_errors
from regionkit.plan.model import build_plan

if TYPE_CHECKING:
    from regionkit.spec.loader import LoadedStack
    from regionkit.spec.models import StackSpec


def plan_stack(loaded: LoadedStack, *, program: Callable[[], Any] | None = None) -> dict[str, Any]:
    """The plan of `loaded`; StackInvalid (and nothing registered) when a check fails.

    `program` defaults to the stack's own program; pass another to plan a custom one against
    the same stack file.
    """
    # Imported here: the checks and the program pull in every component and provider SDK,
    # which commands that never plan (`regionkit --help`) should not pay for.
    from regionkit.checks import validate
    from regionkit.plan.recorder import record
    from regionkit.residency import scenarios

    findings = validate(loaded)
    if has_errors(findings):
        raise StackInvalid(findings)
    registrations = record(
        program or _stack_program(loaded), project=loaded.spec.name, stack=loaded.environment
    )
    return build_plan(
        stack=loaded.environment,
        spec=loaded.spec,
        registrations=registrations,
        findings=findings,
        failover=failover_summary(loaded.spec),
        scenarios=[s.to_json() for s in scenarios(loaded.spec)],
    )


def _stack_program(loaded: LoadedStack) -> Callable[[], None]:
    from regionkit.program import stack_program

    def program() -> None:
        # The recorder awaits what a program returns; the component is not an output. An
        # offline plan needs no secrets: unset backup key variables stand in as empty secrets.
        stack_program(loaded, deploying=False)

    return program


def failover_summary(spec: StackSpec) -> dict[str, Any]:
    """The DNS failover figures: one deployment's, or the worst sub-cluster's with each one's."""
    from regionkit.catalog.dns import failover_timing

    timings = {
        dep.sub_cluster: failover_timing(dep.dns.provider, dep.dns.failover_budget_seconds)
        for dep in spec.deployments()
    }
    if list(timings) == [None]:
        return timings[None].to_json()
    worst = max(timings.values(), key=lambda t: t.worst_case_seconds)
    return {
        **worst.to_json(),
        "bySubCluster": {str(sub): timing.to_json() for sub, timing in timings.items()},
    }
