"""DNS failover timing derived from `failoverBudgetSeconds` within a provider's limits.

Failover time is about interval x failure threshold (detection) + TTL (resolver caches). The
timing computed here is what the GSLB configures as is: every value already lies within the
provider's limits (`regionkit.catalog.dns.LIMITS`), so no component clamps it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from regionkit.catalog.dns import LIMITS, minimum_budget
from regionkit.spec.models import DnsProvider


@dataclass(frozen=True)
class FailoverTiming:
    """DNS timing derived from `failoverBudgetSeconds` for one DNS provider."""

    interval_seconds: int
    failure_threshold: int
    ttl_seconds: int

    @property
    def detect_seconds(self) -> int:
        return self.interval_seconds * self.failure_threshold

    @property
    def worst_case_seconds(self) -> int:
        return self.detect_seconds + self.ttl_seconds

    def to_json(self) -> dict[str, int]:
        return {
            "detectSeconds": self.detect_seconds,
            "ttlSeconds": self.ttl_seconds,
            "worstCaseSeconds": self.worst_case_seconds,
            "intervalSeconds": self.interval_seconds,
            "failureThreshold": self.failure_threshold,
        }


def failover_timing(provider: DnsProvider, budget_seconds: int) -> FailoverTiming:
    """The TTL, interval and threshold that fit `budget_seconds`, or the fastest possible.

    Half the budget goes to caches (TTL), the rest to detection, preferring the longest interval
    and the highest threshold that fit (fewer false failovers). A budget below the provider's
    minimum yields the minimum; `meets_budget` tells whether the budget is met. The interval is
    always one the provider accepts (Cloud DNS health checks: never below 30 s).
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
