"""DNS providers' limits and how they place a region.

The health-check limits (`regionkit.model.timing` derives the failover timing from them), and
where each provider's routing puts a region: shared by the GSLB components and the checks that
reject, before anything is registered, a region no routing record could stand for.
"""

from __future__ import annotations

from collections.abc import Sequence
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
class Source:
    """Where a timing figure comes from: a documented fact, or a bound regionkit assumes."""

    text: str
    documented: bool = True


@dataclass(frozen=True)
class DnsLimits:
    intervals: tuple[int, ...]  # allowed health-check intervals, ascending
    max_threshold: int
    min_ttl: int
    max_ttl: int  # the longest TTL we set on health-checked records
    #: the longest one check can take before it counts as failed (a hung endpoint)
    check_timeout: int
    check_timeout_source: Source
    #: where in an interval the checker whose verdict tips the provider's decision sits, as a
    #: fraction of the interval (checkers are not synchronised), and why
    aggregation_quantile: float
    aggregation_source: Source
    #: from the checkers' verdict to the provider's answers changing everywhere
    propagation_bound: int
    propagation_source: Source
    interval_source: Source


ROUTE53_HEALTH_DOC = (
    "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/"
    "dns-failover-determining-health-of-endpoints.html"
)
#: Route 53 answers an alias record to an Elastic Load Balancing load balancer with this TTL;
#: no other can be set (Route 53 FAQ: "alias records with a fixed TTL of 60 seconds")
ROUTE53_ALIAS_ELB_TTL = 60
#: Cloud DNS health checks: the per-probe timeout regionkit configures (`timeout_sec`)
CLOUD_DNS_CHECK_TIMEOUT = 5
#: `dns.provider: none`: the per-check timeout assumed of DNS regionkit does not manage
EXTERNAL_CHECK_TIMEOUT = 6

LIMITS: dict[DnsProvider, DnsLimits] = {
    # Route 53: interval 10 s or 30 s, threshold 1..10; AWS recommends TTL <= 60 s.
    DnsProvider.ROUTE53: DnsLimits(
        intervals=(10, 30),
        max_threshold=10,
        min_ttl=5,
        max_ttl=60,
        check_timeout=6,
        check_timeout_source=Source(
            "Route 53 HTTPS checks: a TCP connection within 4 s, then a status within 2 s "
            f"({ROUTE53_HEALTH_DOC})"
        ),
        aggregation_quantile=0.82,
        aggregation_source=Source(
            "Route 53 declares an endpoint unhealthy once 18 % or fewer of its unsynchronised "
            f"checkers see it healthy ({ROUTE53_HEALTH_DOC})"
        ),
        propagation_bound=60,
        propagation_source=Source(
            "Route 53 FAQ: changes reach its authoritative servers within 60 s under normal "
            "conditions"
        ),
        interval_source=Source(
            "Route 53 RequestInterval: seconds between a response and the next request "
            "(API HealthCheckConfig)"
        ),
    ),
    # Cloud DNS health checks (compute HealthCheck): interval >= 30 s, threshold 1..10.
    DnsProvider.CLOUD_DNS: DnsLimits(
        intervals=(30, 60),
        max_threshold=10,
        min_ttl=5,
        max_ttl=60,
        check_timeout=CLOUD_DNS_CHECK_TIMEOUT,
        check_timeout_source=Source(
            f"the health check's timeout_sec ({CLOUD_DNS_CHECK_TIMEOUT} s, set by regionkit)"
        ),
        aggregation_quantile=0.75,
        aggregation_source=Source(
            "Cloud DNS probes from 3 source regions; how it combines them is not documented: "
            "regionkit assumes the last of the three decides",
            documented=False,
        ),
        propagation_bound=60,
        propagation_source=Source(
            "Cloud DNS publishes no bound for health changes reaching its answers: regionkit "
            "assumes 60 s, the bound Route 53 documents",
            documented=False,
        ),
        interval_source=Source(
            "Compute Engine health checks: check_interval_sec from one probe's start to the "
            "next (at least 30 s with source regions)"
        ),
    ),
    # DNS managed outside regionkit: the figures are those of the records and health checks
    # regionkit publishes for it (stack output `dnsRecords`), on a provider it cannot see.
    DnsProvider.NONE: DnsLimits(
        intervals=(10, 30),
        max_threshold=10,
        min_ttl=5,
        max_ttl=60,
        check_timeout=EXTERNAL_CHECK_TIMEOUT,
        check_timeout_source=Source(
            f"dns.provider none: a per-check timeout of {EXTERNAL_CHECK_TIMEOUT} s assumed for "
            "the health checks you configure from the published records",
            documented=False,
        ),
        aggregation_quantile=1.0,
        aggregation_source=Source(
            "dns.provider none: how your DNS provider combines its checkers is unknown; "
            "regionkit assumes the last check of an interval decides",
            documented=False,
        ),
        propagation_bound=60,
        propagation_source=Source(
            "dns.provider none: no bound is known for your provider; regionkit assumes 60 s, "
            "the bound Route 53 documents",
            documented=False,
        ),
        interval_source=Source(
            "dns.provider none: the health-check interval the published records ask for"
        ),
    ),
}

#: a disturbance shorter than this (a lost or slow check, a load balancer or pod restart) never
#: moves traffic: thresholds are sized for it first, the budget only picks interval and TTL
FLAP_TOLERANCE_SECONDS = 15
FLAP_SOURCE = Source(
    f"regionkit: a disturbance under {FLAP_TOLERANCE_SECONDS} s fails at most "
    f"{FLAP_TOLERANCE_SECONDS} // interval + 1 consecutive checks, one fewer than the threshold"
)
#: what no bound covers, reported beside the figures
RESOLVER_CAVEAT = (
    "Resolvers and clients that cache past the TTL (some ISPs and operating systems, JVMs "
    "without networkaddress.cache.ttl, long-lived keep-alive connections) take longer; no bound "
    "covers them."
)


def flap_threshold(interval: int) -> int:
    """Consecutive failed checks that fail a region: one more than a disturbance shorter than
    `FLAP_TOLERANCE_SECONDS` can cause (never below 2: one lost check never moves traffic)."""
    return max(2, FLAP_TOLERANCE_SECONDS // interval + 2)


def fixed_ttl(provider: DnsProvider, regions: Sequence[RegionSpec]) -> int | None:
    """The TTL the provider imposes on the deployment's records, if any: Route 53 answers the
    alias records to the load balancer of an EKS cluster regionkit creates with its own."""
    if provider is DnsProvider.ROUTE53 and any(
        r.cloud is Cloud.AWS and r.creates_cluster for r in regions
    ):
        return ROUTE53_ALIAS_ELB_TTL
    return None


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
