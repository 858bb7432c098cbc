"""DNS routing records: every region a record must stand for has a place the provider routes by.

Route 53 latency records name an AWS region and Cloud DNS routes and health-checks by Google
Cloud region, so a `kubernetes` region whose location is a free label needs a jurisdiction that
has one. Route 53 record set identifiers are the region ids, next to labels regionkit uses for
nested records ("default", "secondary", "geo-<code>", an AWS region name), so ids must differ.
"""

from __future__ import annotations

from regionkit.catalog.dns import aws_latency_region, gcp_anchor, route53_geolocation
from regionkit.findings import Finding, error
from regionkit.model.text import join
from regionkit.spec.models import Deployment, DnsProvider, RegionSpec, Role, Routing
from regionkit.spec.paths import Paths

#: the record label of users outside every geolocation, and of failover's spread secondaries
DEFAULT_LABEL = "default"
SECONDARY_LABEL = "secondary"


def check(paths: Paths) -> list[Finding]:
    d = paths.deployment
    if d.dns.provider is DnsProvider.CLOUD_DNS:
        # one region: one plain record, no routing policy
        return _cloud_dns(paths) if len(d.regions) > 1 else []
    # Route 53 puts even a lone region in a record of the routing policy
    return _route53_latency(paths) + _route53_labels(paths)


def _cloud_dns(paths: Paths) -> list[Finding]:
    return [
        error(
            "dns.location",
            paths.region(region.id, "location"),
            f"Cloud DNS routes and health-checks by Google Cloud region, and neither location "
            f"{region.location!r} nor jurisdiction {region.jurisdiction} of {region.id} names "
            "one near it. Use a known cloud region name as location, a jurisdiction with a "
            "Google Cloud region, or dns.provider route53.",
        )
        for region in paths.deployment.regions
        if gcp_anchor(region) is None
    ]


def _route53_latency(paths: Paths) -> list[Finding]:
    d = paths.deployment
    return [
        error(
            "dns.location",
            paths.region(region.id, "location"),
            f"Route 53 {why}, and neither location {region.location!r} nor jurisdiction "
            f"{region.jurisdiction} of {region.id} names an AWS region near it. Use a known cloud "
            "region name as location, a jurisdiction with an AWS region, or dns.routing "
            "weighted.",
        )
        for region in d.regions
        if (why := _latency_needed(d, region)) and aws_latency_region(region) is None
    ]


def _latency_needed(d: Deployment, region: RegionSpec) -> str:
    """Why Route 53 puts `region` in a latency record, or "" when it does not."""
    routing = d.routing
    if routing is Routing.LATENCY:
        return "latency routing names an AWS region for each region"
    if routing is Routing.FAILOVER and len(d.regions) > 2 and region.role is not Role.ACTIVE:
        return (
            "failover routing spreads over several secondary regions by latency, which names "
            "an AWS region for each"
        )
    if routing is Routing.GEOLOCATION and len(_sharing_geolocation(d, region)) > 1:
        return (
            "geolocation routing spreads over the regions of one location by latency, which "
            "names an AWS region for each"
        )
    return ""


def _sharing_geolocation(d: Deployment, region: RegionSpec) -> list[RegionSpec]:
    where = route53_geolocation(region.jurisdiction)
    return [r for r in d.regions if route53_geolocation(r.jurisdiction) == where]


def _route53_labels(paths: Paths) -> list[Finding]:
    """Region ids that would name the same record as a label regionkit gives a nested record."""
    d = paths.deployment
    labels = _labels(d)
    return [
        error(
            "dns.record-name",
            paths.region(region.id, "id"),
            f"region id {region.id} is also the label of a Route 53 {d.routing} record regionkit "
            f"creates ({join(sorted(labels))}), and two records of one name cannot share it. "
            "Rename the region.",
        )
        for region in d.regions
        if region.id in labels
    ]


def _labels(d: Deployment) -> set[str]:
    routing = d.routing
    if routing is Routing.FAILOVER:
        return {SECONDARY_LABEL} if len(d.regions) > 2 else set()
    if routing is Routing.GEOLOCATION:
        shared = {
            route53_geolocation(r.jurisdiction)[1]
            for r in d.regions
            if len(_sharing_geolocation(d, r)) > 1
        }
        return {DEFAULT_LABEL} | {f"geo-{code.lower()}" for code in shared}
    if routing is Routing.LATENCY:
        near = [aws_latency_region(r) for r in d.regions]
        return {name for name in near if name is not None and near.count(name) > 1}
    return set()
