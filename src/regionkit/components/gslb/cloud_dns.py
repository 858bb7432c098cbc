"""Cloud DNS GSLB: the hostname's record set under a routing policy, probed by a health check.

Cloud DNS differs from Route 53 in ways that shape this component:
- A record set carries the whole routing policy: one `gcp.dns.RecordSet` per name, whose
  `routing_policy` lists every region (`primary_backup` for failover, `geos` for latency and
  geolocation, `wrrs` for weighted).
- The policy names ONE health check (`routing_policy.health_check`), which Cloud DNS runs
  against every external endpoint listed in `health_checked_targets`. Every region's endpoint
  answers the same probe (HTTPS on 443, `/serving`, Host = the hostname), so one
  `gcp.compute.HealthCheck` serves all regions; a check per region could not be attached.
- Every item lists its addresses only as `health_checked_targets`, never also as `rrdatas`:
  rrdatas are static answers Cloud DNS returns whatever the health check says, so an address in
  both keeps being answered while its region is down.
- Health checks of external endpoints probe IP addresses only, from exactly 3 source regions,
  at intervals of 30 s or more. A region reached by a hostname (an AWS load balancer) cannot be
  health checked, so it cannot take part in a routing policy: that is an error here.
- Geolocation keys are Google Cloud regions, not countries: each region is keyed by the Google
  Cloud region nearest to it; a query is answered by the nearest key. Cloud DNS has no latency
  policy; `geos` by nearest region is its closest equivalent.

The managed zone is looked up by its resource name, which Cloud DNS does not derive from the
DNS name: regionkit expects the conventional name, the zone's DNS name with dots replaced by
hyphens (`example.com` -> `example-com`), see `managed_zone_name`.

Every region also gets a plain record `<region-id>.<hostname>` to reach its Gateway directly,
as with Route 53. Records of the global hostname are global: this component has no region.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import pulumi
import pulumi_gcp as gcp
from pulumi_gcp import dns

from regionkit.catalog import regions as catalog
from regionkit.components.gslb.global_hostname import GeoRecordsArgs, gcp_geo_items
from regionkit.components.protocols import GslbArgs, RegionEndpoint
from regionkit.errors import skipped_check
from regionkit.model import FailoverTiming, regional_hostname, type_token
from regionkit.spec.models import Cloud, Deployment, RegionSpec, Routing

HEALTH_PATH = "/serving"
HTTPS_PORT = 443
#: Cloud DNS health checks of external endpoints probe from exactly 3 regions (the 30 s
#: minimum interval is kept by the timing in regionkit.model)
SOURCE_REGIONS = 3
HEALTHY_THRESHOLD = 2
WEIGHT = 1.0
#: Google Cloud regions that are not generally available (no DNS geo key, no health checkers)
_PRIVATE_REGIONS = frozenset({"us-central2"})


def managed_zone_name(zone: str) -> str:
    """The conventional Cloud DNS managed zone name of a DNS zone: `example.com` -> `example-com`."""
    return zone.strip(".").lower().replace(".", "-")


def record_name(hostname: str) -> str:
    """Cloud DNS names are fully qualified: `login.example.com.`."""
    return hostname.rstrip(".") + "."


def _gcp_regions() -> list[catalog.RegionFacts]:
    return [r for r in catalog.regions_of(Cloud.GCP) if r.name not in _PRIVATE_REGIONS]


def _anchor(region: RegionSpec) -> catalog.RegionFacts:
    """Where `region` is: its catalog entry, or the middle of its jurisdiction's GCP regions."""
    facts = catalog.lookup(region.cloud, region.location)
    if facts is None and region.cloud is Cloud.KUBERNETES:
        facts = catalog.lookup(Cloud.GCP, region.location) or catalog.lookup(
            Cloud.AWS, region.location
        )
    if facts is not None:
        return facts
    # a free `kubernetes` label: the centre of the Google Cloud regions in its jurisdiction
    inside = [r for r in _gcp_regions() if catalog.in_jurisdiction(r.country, region.jurisdiction)]
    if not inside:
        raise skipped_check(
            f"region '{region.id}': Cloud DNS routes by Google Cloud region, and neither the "
            f"location '{region.location}' nor the jurisdiction '{region.jurisdiction}' names "
            "one near it",
            "dns.location",
        )
    lat = sum(r.lat for r in inside) / len(inside)
    lon = sum(r.lon for r in inside) / len(inside)
    first = inside[0]
    return catalog.RegionFacts(
        Cloud.GCP, region.location, region.location, first.country, first.continent, lat, lon
    )


def nearest_gcp_regions(region: RegionSpec) -> list[str]:
    """Google Cloud regions by distance from `region`, nearest first (itself first on gcp)."""
    anchor = _anchor(region)
    ranked = sorted(_gcp_regions(), key=lambda r: (catalog.distance_km(r, anchor), r.name))
    return [r.name for r in ranked]


def geo_location(region: RegionSpec) -> str:
    """The Cloud DNS geo key standing for `region`: the nearest Google Cloud region."""
    return nearest_gcp_regions(region)[0]


def probe_regions(regions: Sequence[RegionSpec]) -> list[str]:
    """The 3 source regions of the health check: near the deployment's regions, spread over them.

    Each round takes every region's next-nearest Google Cloud region, so two distant regions
    are each probed from nearby before either gets a second checker.
    """
    if not regions:
        raise ValueError("the GSLB needs at least one region endpoint")
    ranked = [nearest_gcp_regions(r) for r in regions]
    chosen: list[str] = []
    for depth in range(len(ranked[0])):
        for candidates in ranked:
            if candidates[depth] not in chosen:
                chosen.append(candidates[depth])
            if len(chosen) == SOURCE_REGIONS:
                return chosen
    return chosen


@dataclass(frozen=True)
class Target:
    """Endpoints answered together: a geo key (or weighted item) and its IP addresses."""

    key: str
    region_ids: tuple[str, ...]
    addresses: tuple[pulumi.Input[str], ...]


def group_by_location(endpoints: Sequence[RegionEndpoint]) -> list[Target]:
    """Endpoints grouped by geo key; Cloud DNS rejects two items with one location."""
    groups: dict[str, list[RegionEndpoint]] = {}
    for endpoint in endpoints:
        groups.setdefault(geo_location(endpoint.region), []).append(endpoint)
    return [
        Target(key, tuple(e.region.id for e in group), tuple(e.address for e in group))
        for key, group in groups.items()
    ]


def primary_of(endpoints: Sequence[RegionEndpoint]) -> RegionEndpoint:
    """The failover primary: the endpoint with role "primary", else the first."""
    primaries = [e for e in endpoints if e.role == "primary"]
    if len(primaries) > 1:
        ids = ", ".join(e.region.id for e in primaries)
        raise skipped_check(
            f"failover routing needs one primary region, got {len(primaries)}: {ids}",
            "topology.shape",
        )
    return primaries[0] if primaries else endpoints[0]


def routing_policy(
    routing: Routing, endpoints: Sequence[RegionEndpoint], health_check: pulumi.Input[str]
) -> gcp.dns.RecordSetRoutingPolicyArgs:
    """The record set's policy over `endpoints` (two or more, all reached by IP)."""
    if routing is Routing.FAILOVER:
        primary = primary_of(endpoints)
        backups = group_by_location([e for e in endpoints if e is not primary])
        return dns.RecordSetRoutingPolicyArgs(
            health_check=health_check,
            primary_backup=dns.RecordSetRoutingPolicyPrimaryBackupArgs(
                primary=dns.RecordSetRoutingPolicyPrimaryBackupPrimaryArgs(
                    external_endpoints=[primary.address]
                ),
                backup_geos=[
                    dns.RecordSetRoutingPolicyPrimaryBackupBackupGeoArgs(
                        location=t.key,
                        health_checked_targets=dns.RecordSetRoutingPolicyPrimaryBackupBackupGeoHealthCheckedTargetsArgs(
                            external_endpoints=list(t.addresses)
                        ),
                    )
                    for t in backups
                ],
                # no traffic to the passive region while the primary is healthy
                trickle_ratio=0.0,
                enable_geo_fencing_for_backups=False,
            ),
        )
    if routing is Routing.WEIGHTED:
        return dns.RecordSetRoutingPolicyArgs(
            health_check=health_check,
            wrrs=[
                dns.RecordSetRoutingPolicyWrrArgs(
                    weight=WEIGHT,
                    health_checked_targets=dns.RecordSetRoutingPolicyWrrHealthCheckedTargetsArgs(
                        external_endpoints=[e.address]
                    ),
                )
                for e in endpoints
            ],
        )
    # latency and geolocation: the nearest healthy region answers
    return dns.RecordSetRoutingPolicyArgs(
        health_check=health_check,
        # without fencing, users of a failed region go to the next-nearest healthy one
        enable_geo_fencing=False,
        geos=[
            dns.RecordSetRoutingPolicyGeoArgs(
                location=t.key,
                health_checked_targets=dns.RecordSetRoutingPolicyGeoHealthCheckedTargetsArgs(
                    external_endpoints=list(t.addresses)
                ),
            )
            for t in group_by_location(endpoints)
        ],
    )


def _direct_record(
    resource_name: str,
    dns_name: str,
    endpoint: RegionEndpoint,
    managed_zone: pulumi.Input[str],
    ttl: int,
    opts: pulumi.ResourceOptions,
) -> gcp.dns.RecordSet:
    """A record set that answers `dns_name` with `endpoint` alone: A for an IP, else CNAME."""
    return gcp.dns.RecordSet(
        resource_name,
        managed_zone=managed_zone,
        name=dns_name,
        type="A" if endpoint.address_kind == "ip" else "CNAME",
        ttl=ttl,
        rrdatas=[_rrdata(endpoint)],
        opts=opts,
    )


class CloudDnsGslb(pulumi.ComponentResource):
    """The deployment's hostname in Cloud DNS: one record set with a health-checked policy."""

    TOKEN: ClassVar[str] = type_token("gslb", "CloudDnsGslb")

    hostname: pulumi.Output[str]

    def __init__(self, name: str, args: GslbArgs, opts: pulumi.ResourceOptions | None = None):
        deployment, timing, endpoints = args.deployment, args.timing, list(args.endpoints)
        zone = deployment.dns.zone
        if not zone:
            raise skipped_check(
                f"{deployment.key_path('dns.zone')}: cloud-dns needs the managed zone's DNS name",
                "dns.zone",
            )
        if not endpoints:
            raise ValueError("the GSLB needs at least one region endpoint")
        hostname = deployment.hostname
        if hostname != zone and not hostname.endswith(f".{zone}"):
            raise skipped_check(
                f"{deployment.key_path('dns.hostname')}: '{hostname}' is not inside the zone "
                f"'{zone}' (dns.zone)",
                "dns.hostname",
            )
        balanced = len(endpoints) > 1
        if balanced:
            _require_ip_endpoints(deployment, endpoints)
        super().__init__(self.TOKEN, name, {}, opts)

        provider = gcp.Provider(
            f"{name}-cloud-dns",
            project=args.settings.gcp_project,
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        managed_zone = gcp.dns.get_managed_zone_output(
            name=managed_zone_name(zone),
            opts=pulumi.InvokeOutputOptions(parent=self, provider=provider),
        )
        ttl = timing.ttl_seconds
        waits = [r for e in endpoints for r in e.depends_on]

        for endpoint in endpoints:
            self._regional_record(name, deployment, endpoint, managed_zone.name, ttl, child)

        self.health_check: gcp.compute.HealthCheck | None = None
        record_opts = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=waits))
        if balanced:
            self.health_check = self._health_check(name, deployment, endpoints, timing, child)
            self.record = gcp.dns.RecordSet(
                f"{name}-record",
                managed_zone=managed_zone.name,
                name=record_name(hostname),
                type="A",
                ttl=ttl,
                routing_policy=routing_policy(deployment.routing, endpoints, self.health_check.id),
                opts=record_opts,
            )
        else:
            # one region: nothing to fail over to, so nothing to check
            (only,) = endpoints
            self.record = _direct_record(
                f"{name}-record", record_name(hostname), only, managed_zone.name, ttl, record_opts
            )

        self.hostname = pulumi.Output.from_input(hostname)
        self.zone_name = managed_zone.name
        self.register_outputs(
            {
                "hostname": self.hostname,
                "managedZone": self.zone_name,
                "healthCheck": self.health_check.self_link if self.health_check else None,
            }
        )

    def _regional_record(
        self,
        name: str,
        deployment: Deployment,
        endpoint: RegionEndpoint,
        managed_zone: pulumi.Input[str],
        ttl: int,
        child: pulumi.ResourceOptions,
    ) -> gcp.dns.RecordSet:
        """The region's own name, answered by its endpoint once the endpoint exists."""
        return _direct_record(
            f"{name}-{endpoint.region.id}-address",
            record_name(regional_hostname(deployment, endpoint.region.id)),
            endpoint,
            managed_zone,
            ttl,
            pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=list(endpoint.depends_on))
            ),
        )

    def _health_check(
        self,
        name: str,
        deployment: Deployment,
        endpoints: Sequence[RegionEndpoint],
        timing: FailoverTiming,
        opts: pulumi.ResourceOptions,
    ) -> gcp.compute.HealthCheck:
        interval = timing.interval_seconds  # within Cloud DNS's limits (regionkit.model)
        return gcp.compute.HealthCheck(
            f"{name}-serving",
            description=f"{deployment.hostname}{HEALTH_PATH} in every region",
            https_health_check=gcp.compute.HealthCheckHttpsHealthCheckArgs(
                port=HTTPS_PORT,
                request_path=HEALTH_PATH,
                # connect to each region's IP, ask for the public hostname
                host=deployment.hostname,
            ),
            check_interval_sec=interval,
            # the per-check timeout the failover timing counts (regionkit.model.timing)
            timeout_sec=timing.check_timeout_seconds,
            healthy_threshold=HEALTHY_THRESHOLD,
            unhealthy_threshold=timing.failure_threshold,
            source_regions=probe_regions([e.region for e in endpoints]),
            opts=opts,
        )


def _rrdata(endpoint: RegionEndpoint) -> pulumi.Input[str]:
    if endpoint.address_kind == "ip":
        return endpoint.address
    return pulumi.Output.from_input(endpoint.address).apply(record_name)


def _require_ip_endpoints(deployment: Deployment, endpoints: Sequence[RegionEndpoint]) -> None:
    by_name = [e.region.id for e in endpoints if e.address_kind != "ip"]
    if by_name:
        raise skipped_check(
            f"{deployment.key_path('dns.provider')}: cloud-dns health checks probe IP addresses "
            f"only, and the Gateway of region(s) {', '.join(by_name)} is reached by a hostname "
            "(a cloud load balancer's DNS name), so it cannot be health checked or failed over "
            "to",
            "dns.health-check",
        )


def global_hostname_records(name: str, args: GeoRecordsArgs, parent: pulumi.Resource) -> None:
    """The sub-clusters' global hostname: one CNAME record set routed by the client's region."""
    items = gcp_geo_items(args.partitions)
    if not items:
        raise skipped_check(
            "dns.globalHostname: no GCP region lies in any sub-cluster's jurisdiction, so "
            "Cloud DNS cannot route by location",
            "dns.location",
        )
    provider = gcp.Provider(
        f"{name}-cloud-dns",
        project=args.settings.gcp_project,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    managed = gcp.dns.get_managed_zone_output(
        name=managed_zone_name(args.zone),
        opts=pulumi.InvokeOutputOptions(parent=parent, provider=provider),
    )
    gcp.dns.RecordSet(
        f"{name}-record",
        managed_zone=managed.name,
        name=record_name(args.hostname),
        type="CNAME",
        ttl=args.ttl,
        routing_policy=gcp.dns.RecordSetRoutingPolicyArgs(
            enable_geo_fencing=True,
            geos=[
                gcp.dns.RecordSetRoutingPolicyGeoArgs(
                    location=location, rrdatas=[record_name(target)]
                )
                for location, target in items
            ],
        ),
        opts=pulumi.ResourceOptions(parent=parent, provider=provider),
    )
