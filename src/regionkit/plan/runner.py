"""Plan a stack offline: validate it, run its program under mocks, build the plan document."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from regionkit.errors import StackInvalid
from regionkit.findings import has_errors
from regionkit.model import type_token
from regionkit.plan.model import build_plan

if TYPE_CHECKING:
    from regionkit.plan.recorder import Registration
    from regionkit.spec.loader import LoadedStack

#: the type tokens of the topology components start so
TOPOLOGY_TOKEN_PREFIX = type_token("topology", "")
#: and those of the data-store components
DATA_TOKEN_PREFIX = type_token("data", "")


def plan_stack(
    loaded: LoadedStack,
    *,
    program: Callable[[], Any] | None = None,
    on_register: Callable[[Registration], None] | None = None,
) -> dict[str, Any]:
    """The plan of `loaded`; StackInvalid (and nothing registered) when a check fails.

    `program` defaults to the stack's own program; pass another to plan a custom one against
    the same stack file. `on_register` hears of each resource as the program registers it.
    """
    # Imported here: the checks and the program pull in every component and provider SDK,
    # which commands that never plan (`regionkit --help`) should not pay for.
    from regionkit.checks import validate
    from regionkit.failover import scenarios
    from regionkit.latency import latency_map
    from regionkit.plan.recorder import record

    findings = validate(loaded)
    if has_errors(findings):
        raise StackInvalid(findings)
    from regionkit.program import require_extras

    require_extras(loaded)  # here, not inside the program the mocks run
    registrations = record(
        program or _stack_program(loaded),
        project=loaded.spec.name,
        stack=loaded.environment,
        on_register=on_register,
    )
    return build_plan(
        stack=loaded.environment,
        spec=loaded.spec,
        registrations=registrations,
        findings=findings,
        failover=failover_summary(registrations),
        # with writes: a scenario whose writes fail is never reported as working
        scenarios=[s.to_json() for s in scenarios(loaded.spec, loaded.environment)],
        latency=latency_map(loaded.spec).to_json(),
        roles=roles_summary(registrations),
    )


def _stack_program(loaded: LoadedStack) -> Callable[[], None]:
    from regionkit.program import stack_program

    def program() -> None:
        # The recorder awaits what a program returns; the component is not an output. An
        # offline plan needs no secrets: unset backup key variables stand in as empty secrets.
        stack_program(loaded, deploying=False)

    return program


def roles_summary(registrations: Sequence[Registration]) -> dict[str, Any]:
    """The writers and DNS primaries the program registered (the stores' and topologies'
    inputs), each with its source: the stack file, or recorded by a failover (roles.json)."""
    from regionkit.components.data.base import WRITERS_INPUT
    from regionkit.topologies.base import DNS_PRIMARY_INPUT

    stores: list[dict[str, Any]] = []
    dns: list[dict[str, Any]] = []
    for reg in registrations:
        if reg.type.startswith(DATA_TOKEN_PREFIX):
            stores.extend(reg.inputs.get(WRITERS_INPUT) or [])
        elif reg.type.startswith(TOPOLOGY_TOKEN_PREFIX) and DNS_PRIMARY_INPUT in reg.inputs:
            dns.append(reg.inputs[DNS_PRIMARY_INPUT])
    return {
        "stores": sorted(stores, key=lambda s: str(s["key"])),
        "dns": sorted(dns, key=lambda d: str(d["hostname"])),
    }


def failover_summary(registrations: Sequence[Registration]) -> dict[str, Any] | None:
    """The DNS failover figures the program registered: one deployment's, or the worst
    sub-cluster's with each one's; None when no topology registered any.

    Read from each topology component's "failover" input, the timing its GSLB was given.
    """
    from regionkit.topologies.base import FAILOVER_INPUT

    timings = {
        reg.inputs.get("subCluster"): reg.inputs[FAILOVER_INPUT]
        for reg in registrations
        if reg.type.startswith(TOPOLOGY_TOKEN_PREFIX) and FAILOVER_INPUT in reg.inputs
    }
    if not timings:
        return None
    if list(timings) == [None]:
        return dict(timings[None])
    worst = max(timings.values(), key=lambda t: t["worstCaseSeconds"])
    return {**worst, "bySubCluster": {str(sub): timing for sub, timing in timings.items()}}
