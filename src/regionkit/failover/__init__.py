"""The offline failure model: what the loss of one region does, before and after the failover
command, computed from the stack file alone (no cloud, no Pulumi).

    for failure in simulate(spec, fail="us-east"): ...   # routing, reads/writes, RPO, RTO
    scenarios(spec)                                      # the plan's write-aware scenarios
    runbook_markdown(spec, "prod")                       # runbook.md of `plan --out`

Engine facts (replication, promotion, their sources) live in `regionkit.catalog.failover`.
"""

from __future__ import annotations

from regionkit.failover.access import Access, Can, access, failover_target, writer_after
from regionkit.failover.records import DataAccess, Failure, RoutedUsers, Rto, StoreOutcome
from regionkit.failover.render import failures_markdown, simulation_json
from regionkit.failover.runbook import runbook_markdown
from regionkit.failover.scenarios import Check, Scenario, failover_command, scenarios
from regionkit.failover.simulate import simulate

__all__ = [
    "Access",
    "Can",
    "Check",
    "DataAccess",
    "Failure",
    "RoutedUsers",
    "Rto",
    "Scenario",
    "StoreOutcome",
    "access",
    "failover_command",
    "failover_target",
    "failures_markdown",
    "runbook_markdown",
    "scenarios",
    "simulate",
    "simulation_json",
    "writer_after",
]
