"""Failover budget: can the DNS provider's health checks and TTLs move traffic in time?"""

from __future__ import annotations

from regionkit.catalog.dns import failover_timing, meets_budget, minimum_budget
from regionkit.checks._paths import Paths
from regionkit.findings import Finding, warning


def check(paths: Paths) -> list[Finding]:
    d = paths.deployment
    if len(d.regions) < 2:
        return []  # nowhere to fail over to
    provider, budget = d.dns.provider, d.dns.failover_budget_seconds
    if meets_budget(provider, budget):
        return []
    timing = failover_timing(provider, budget)
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
