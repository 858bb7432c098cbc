"""DNS providers' health-check limits; `regionkit.model.timing` derives the failover timing."""

from __future__ import annotations

from dataclasses import dataclass

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
