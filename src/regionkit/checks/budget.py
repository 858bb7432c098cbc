"""Failover budget: can the DNS provider's health checks and TTLs move traffic in time?"""

from __future__ import annotations

from regionkit.catalog.dns import minimum_budget
from regionkit.findings import Finding, warning
from regionkit.model import resolve
from regionkit.spec.paths import Paths


def check(paths: Paths) -> list[Finding]:
    d = paths.deployment
    if len(d.regions) < 2:
        return []  # nowhere to fail over to
    resolved = resolve(d)
    if resolved.meets_budget:
        return []
    provider, budget, timing = d.dns.provider, d.dns.failover_budget_seconds, resolved.timing
    return [
        warning(
            "dns.budget",
            paths.of("dns.failoverBudgetSeconds"),
            f"{provider} cannot move traffic within {budget} s: its fastest failover takes "
            f"{timing.worst_case_seconds} s (a health check every {timing.interval_seconds} s x "
            f"{timing.failure_threshold} failure, then a TTL of {timing.ttl_seconds} s). Set "
            f"failoverBudgetSeconds to at least {minimum_budget(provider)}.",
        )
    ]
