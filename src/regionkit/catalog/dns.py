"""DNS providers' health-check limits and the failover timing derived from a budget.

Failover time is about interval x failure threshold (detection) + TTL (resolver caches).
"""

from __future__ import annotations

from dataclasses import dataclass

from regionkit.components.protocols import FailoverTiming
from regionkit.spec.models import DnsProvider


@dataclass(frozen=True)
class DnsLimits:
    intervals: tuple[int, ...]  # allowed health-check intervals, ascending
    max_threshold: int
    min_ttl: int
    max_ttl: int  # the longest TTL we set on health-checked records


LIMITS: dict[DnsProvider, DnsLimits] = {
    # Route 53: interval 10 s or 30 s, threshold 1..10; AWS recommends TTL <= 60 s.
    DnsProvider.ROUTE53: DnsLimits(intervals=(10, 30), max_threshold=10, min_ttl=5, max_ttl=60),
    # Cloud DNS health checks (compute HealthCheck): interval >= 30 s, threshold 1..10.
    DnsProvider.CLOUD_DNS: DnsLimits(intervals=(30, 60), max_threshold=10, min_ttl=5, max_ttl=60),
}


def minimum_budget(provider: DnsProvider) -> int:
    limits = LIMITS[provider]
    return limits.intervals[0] * 1 + limits.min_ttl


def failover_timing(provider: DnsProvider, budget_seconds: int) -> FailoverTiming:
    """The TTL, interval and threshold that fit `budget_seconds`, or the fastest possible.

    Half the budget goes to caches (TTL), the rest to detection, preferring the longest interval
    and the highest threshold that fit (fewer false failovers). A budget below the provider's
    minimum yields the minimum; `meets_budget` tells whether the budget is met.
    """
    limits = LIMITS[provider]
    if budget_seconds < minimum_budget(provider):
        return FailoverTiming(limits.intervals[0], 1, limits.min_ttl)
    ttl = max(limits.min_ttl, min(limits.max_ttl, budget_seconds // 2))
    detect_budget = budget_seconds - ttl
    if detect_budget < limits.intervals[0]:
        ttl = budget_seconds - limits.intervals[0]
        detect_budget = limits.intervals[0]
    interval = limits.intervals[0]
    for candidate in limits.intervals:
        if detect_budget >= candidate * 2:
            interval = candidate
    threshold = max(1, min(limits.max_threshold, detect_budget // interval))
    return FailoverTiming(interval, threshold, ttl)


def meets_budget(provider: DnsProvider, budget_seconds: int) -> bool:
    return failover_timing(provider, budget_seconds).worst_case_seconds <= budget_seconds
