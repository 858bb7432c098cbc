"""Failover budget: can the DNS provider's health checks and TTLs move traffic in time?"""

from __future__ import annotations

from regionkit.findings import Finding, warning
from regionkit.model import minimum_budget, resolve
from regionkit.spec.paths import Paths


def check(paths: Paths) -> list[Finding]:
    d = paths.deployment
    if len(d.regions) < 2:
        return []  # nowhere to fail over to
    resolved = resolve(d)
    if resolved.meets_budget:
        return []
    provider, budget, timing = d.dns.provider, d.dns.failover_budget_seconds, resolved.timing
    ttl = f"a TTL of {timing.ttl_seconds} s" + (
        " (fixed by Route 53 for alias records to a load balancer)" if timing.ttl_fixed else ""
    )
    return [
        warning(
            "dns.budget",
            paths.of("dns.failoverBudgetSeconds"),
            f"{provider} cannot promise a failover within {budget} s: its fastest failover "
            f"without flapping takes {timing.nominal_seconds} s nominally and "
            f"{timing.worst_case_seconds} s at worst (a health check every "
            f"{timing.interval_seconds} s, {timing.failure_threshold} failed checks, per-check "
            f"timeouts, propagation, then {ttl}; the plan's failover block lists each term). "
            f"Set failoverBudgetSeconds to at least {minimum_budget(provider, d.regions)}.",
        )
    ]
