"""DNS providers' limits and how they place a region.

The health-check limits (`regionkit.model.timing` derives the failover timing from them), and
where each provider's routing puts a region: shared by the GSLB components and the checks that
reject, before anything is registered, a region no routing record could stand for.
"""

from __future__ import annotations

from dataclasses import dataclass

from regionkit.catalog.regions import (
    RegionFacts,
    distance_km,
    in_jurisdiction,
    lookup,
    regions_of,
)
from regionkit.spec.models import Cloud, DnsProvider, RegionSpec


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


# --- where DNS routing places a region -----------------------------------------------------------
#: Google Cloud regions that are not generally available (no DNS geo key, no health checkers)
GCP_PRIVATE_REGIONS = frozenset({"us-central2"})


def known_location(region: RegionSpec) -> RegionFacts | None:
    """The catalog entry of a region's location; a `kubernetes` location may name a region of
    either cloud (an on-premises cluster next to one)."""
    facts = lookup(region.cloud, region.location)
    if facts is None and region.cloud is Cloud.KUBERNETES:
        facts = lookup(Cloud.GCP, region.location) or lookup(Cloud.AWS, region.location)
    return facts


def aws_latency_region(region: RegionSpec) -> str | None:
    """The AWS region whose latency data stands for `region` in Route 53 latency records:
    itself, the nearest commercial AWS region, or for a free `kubernetes` label the first AWS
    region in its jurisdiction; None when nothing names one."""
    aws_regions = [r for r in regions_of(Cloud.AWS) if r.partition is None]
    facts = known_location(region)
    if facts is not None:
        if facts.cloud is Cloud.AWS and facts.partition is None:
            return facts.name
        return min(aws_regions, key=lambda r: distance_km(r, facts)).name
    return next((r.name for r in aws_regions if region.jurisdiction in r.jurisdictions), None)


def route53_geolocation(jurisdiction: str) -> tuple[str, str]:
    """Route 53 geolocation of a region's users: the EU as the continent Europe, else the
    country."""
    if jurisdiction == "EU":
        return ("continent", "EU")
    return ("country", jurisdiction)


def gcp_dns_regions() -> list[RegionFacts]:
    """The Google Cloud regions Cloud DNS routes by and health-checks from."""
    return [r for r in regions_of(Cloud.GCP) if r.name not in GCP_PRIVATE_REGIONS]


def gcp_anchor(region: RegionSpec) -> RegionFacts | None:
    """Where Cloud DNS places `region`: its catalog entry, or for a free `kubernetes` label the
    middle of its jurisdiction's Google Cloud regions; None when the jurisdiction has none."""
    facts = known_location(region)
    if facts is not None:
        return facts
    inside = [r for r in gcp_dns_regions() if in_jurisdiction(r.country, region.jurisdiction)]
    if not inside:
        return None
    lat = sum(r.lat for r in inside) / len(inside)
    lon = sum(r.lon for r in inside) / len(inside)
    first = inside[0]
    return RegionFacts(
        Cloud.GCP, region.location, region.location, first.country, first.continent, lat, lon
    )
