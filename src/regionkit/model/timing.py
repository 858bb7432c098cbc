"""DNS failover timing: what the GSLB configures, and how long a failover takes with it.

A failover takes, after a region fails: the wait for the next check (its phase, across
checkers that are not synchronised), `threshold` failed checks, each as long as a check may
hang (the per-check timeout), the provider's propagation of the new verdict into its answers,
then resolver caches (the TTL). Each term has a nominal figure (a typical failure: a refused
connection, an average phase and cache age) and a worst case (a hung endpoint, the last
passing check just before the failure, a full TTL), and the source of its figures
(`regionkit.catalog.dns.LIMITS`). Resolvers that cache past the TTL are a caveat: nothing
bounds them.

Thresholds are sized against flapping first (`catalog.dns.flap_threshold`); the budget
(`failoverBudgetSeconds`) then picks the interval and TTL, and validation warns when even the
fastest configuration's worst case exceeds it, naming the smallest budget that fits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from regionkit.catalog.dns import (
    FLAP_SOURCE,
    LIMITS,
    RESOLVER_CAVEAT,
    ROUTE53_ALIAS_ELB_TTL,
    DnsLimits,
    Source,
    fixed_ttl,
    flap_threshold,
)
from regionkit.spec.models import DnsProvider, RegionSpec


@dataclass(frozen=True)
class TimingTerm:
    """One term of the failover time, nominal and worst case, with where its figures come from."""

    term: str
    nominal_seconds: int
    worst_case_seconds: int
    source: Source
    #: part of detection (before the provider changes its answers)
    detection: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "nominalSeconds": self.nominal_seconds,
            "worstCaseSeconds": self.worst_case_seconds,
            "source": self.source.text,
            "documented": self.source.documented,
        }


@dataclass(frozen=True)
class FailoverTiming:
    """The health checks and TTL one DNS provider is configured with, and what they cost."""

    interval_seconds: int
    failure_threshold: int
    ttl_seconds: int
    provider: DnsProvider = DnsProvider.ROUTE53
    #: the provider imposes `ttl_seconds` (alias records to a load balancer)
    ttl_fixed: bool = False

    @property
    def limits(self) -> DnsLimits:
        return LIMITS[self.provider]

    @property
    def check_timeout_seconds(self) -> int:
        """The per-check timeout; never longer than the interval on Cloud DNS."""
        return min(self.limits.check_timeout, self.interval_seconds)

    @property
    def terms(self) -> tuple[TimingTerm, ...]:
        limits, interval, n = self.limits, self.interval_seconds, self.failure_threshold
        timeout = self.check_timeout_seconds
        ttl_source = (
            Source(f"alias records to a load balancer: Route 53's fixed {ROUTE53_ALIAS_ELB_TTL} s")
            if self.ttl_fixed
            else Source(f"the TTL regionkit sets on the records ({self.ttl_seconds} s)")
        )
        return (
            TimingTerm(
                "check phase across checkers",
                math.ceil(limits.aggregation_quantile * interval),
                interval,
                limits.aggregation_source,
            ),
            TimingTerm(
                f"failure threshold: {n} checks every {interval} s",
                n * interval,
                n * interval,
                Source(f"{limits.interval_source.text}; {FLAP_SOURCE.text}"),
            ),
            TimingTerm(
                "per-check timeout of a hung endpoint",
                0,
                # Route 53 counts the interval from a response: each failing check and the
                # last passing one may add the timeout; Cloud DNS probes on a fixed period
                (n + 1) * timeout if self.provider is DnsProvider.ROUTE53 else timeout,
                limits.check_timeout_source,
            ),
            TimingTerm(
                "propagation into the provider's answers",
                0,
                limits.propagation_bound,
                limits.propagation_source,
                detection=False,
            ),
            TimingTerm(
                "resolver caches (TTL)",
                math.ceil(self.ttl_seconds / 2),
                self.ttl_seconds,
                ttl_source,
                detection=False,
            ),
        )

    @property
    def detect_seconds(self) -> int:
        """Worst case until the provider declares the region unhealthy."""
        return sum(t.worst_case_seconds for t in self.terms if t.detection)

    @property
    def nominal_seconds(self) -> int:
        return sum(t.nominal_seconds for t in self.terms)

    @property
    def worst_case_seconds(self) -> int:
        return sum(t.worst_case_seconds for t in self.terms)

    def to_json(self) -> dict[str, Any]:
        return {
            "detectSeconds": self.detect_seconds,
            "ttlSeconds": self.ttl_seconds,
            "nominalSeconds": self.nominal_seconds,
            "worstCaseSeconds": self.worst_case_seconds,
            "intervalSeconds": self.interval_seconds,
            "failureThreshold": self.failure_threshold,
            "terms": [t.to_json() for t in self.terms],
            "caveats": [RESOLVER_CAVEAT],
        }


def fastest(provider: DnsProvider, regions: Sequence[RegionSpec] = ()) -> FailoverTiming:
    """The quickest failover the provider can give without flapping."""
    limits = LIMITS[provider]
    interval = limits.intervals[0]
    imposed = fixed_ttl(provider, regions)
    return FailoverTiming(
        interval,
        flap_threshold(interval),
        imposed or limits.min_ttl,
        provider,
        ttl_fixed=imposed is not None,
    )


def failover_timing(
    provider: DnsProvider, budget_seconds: int, regions: Sequence[RegionSpec] = ()
) -> FailoverTiming:
    """The interval and TTL whose worst case fits `budget_seconds`, or the fastest possible.

    The threshold of each interval comes from the flap tolerance, never from the budget. Of
    the intervals that fit, the longest wins (fewer checks, fewer false alarms); the TTL then
    takes what the budget leaves, within the provider's limits, unless the provider imposes
    it. `meets_budget` tells whether the budget is met.
    """
    limits = LIMITS[provider]
    quickest = fastest(provider, regions)
    for interval in sorted(limits.intervals, reverse=True):
        candidate = replace(
            quickest, interval_seconds=interval, failure_threshold=flap_threshold(interval)
        )
        spare = budget_seconds - candidate.worst_case_seconds
        if spare < 0:
            continue
        if candidate.ttl_fixed:
            return candidate
        return replace(candidate, ttl_seconds=min(limits.max_ttl, candidate.ttl_seconds + spare))
    return quickest


def meets_budget(
    provider: DnsProvider, budget_seconds: int, regions: Sequence[RegionSpec] = ()
) -> bool:
    return failover_timing(provider, budget_seconds, regions).worst_case_seconds <= budget_seconds


def minimum_budget(provider: DnsProvider, regions: Sequence[RegionSpec] = ()) -> int:
    """The smallest failoverBudgetSeconds the provider's worst case fits."""
    return fastest(provider, regions).worst_case_seconds
