"""Topology shape, DNS names, region ids and locations: is this a deployable layout at all?"""

from __future__ import annotations

from regionkit.catalog.regions import close_matches, in_jurisdiction, lookup
from regionkit.findings import Finding, error, warning
from regionkit.model.text import ids, join, topology_label
from regionkit.spec.models import Cloud, DnsProvider, Role, Routing, StackSpec, Topology
from regionkit.spec.paths import Paths

_CONSISTENCY_CHOICES = (
    "partitioned (each user's data is written in a home region), "
    "strong (a multi-region strongly consistent store; every write pays a cross-region round trip) "
    "or eventual (last writer wins; a change may take about a second to reach other regions)"
)


def check_stack(spec: StackSpec) -> list[Finding]:
    """Checks across the whole stack: unique ids, the sub-cluster count, shared hostnames."""
    out = _unique_region_ids(spec)
    if spec.topology is Topology.SUB_CLUSTERS:
        out += _sub_clusters(spec)
    return out


def check(paths: Paths) -> list[Finding]:
    return [
        *_shape(paths),
        *_roles(paths),
        *_dns(paths),
        *_routing(paths),
        *_health_checks(paths),
        *_consistency(paths),
        *_config_sync(paths),
        *_locations(paths),
    ]


def _unique_region_ids(spec: StackSpec) -> list[Finding]:
    out = []
    seen: dict[str, str] = {}
    for path, region in spec.all_regions():
        if region.id in seen:
            out.append(
                error(
                    "schema.duplicate-id",
                    f"{path}.id",
                    f"region id {region.id!r} is already used by {seen[region.id]}; region ids "
                    "must be unique across the whole stack, sub-clusters included, as they name "
                    "resources and providers. Choose another id.",
                )
            )
        else:
            seen[region.id] = path
    return out


def _sub_clusters(spec: StackSpec) -> list[Finding]:
    subs = spec.sub_clusters or []
    out = []
    if len(subs) < 2:
        out.append(
            error(
                "topology.shape",
                "subClusters",
                f"sub-clusters needs at least 2 sub-clusters (one per jurisdiction); found "
                f"{len(subs)}. With a single one, use its topology "
                f"({join((s.topology for s in subs), 'or')}) at the top level instead.",
            )
        )
    seen: dict[str, int] = {}
    for index, sub in enumerate(subs):
        if sub.id in seen:
            out.append(
                error(
                    "schema.duplicate-id",
                    f"subClusters[{index}].id",
                    f"sub-cluster id {sub.id!r} is already used by subClusters[{seen[sub.id]}]; "
                    "sub-cluster ids must be unique.",
                )
            )
        else:
            seen[sub.id] = index
    hostnames: dict[str, str] = {}
    for deployment in spec.deployments():
        hostname = deployment.dns.hostname
        if hostname is None:
            continue
        if hostname in hostnames:
            out.append(
                error(
                    "dns.hostname",
                    Paths(spec, deployment).of("dns.hostname"),
                    f"sub-cluster {deployment.sub_cluster} uses hostname {hostname}, as does "
                    f"sub-cluster {hostnames[hostname]}; every sub-cluster needs its own hostname "
                    "(its region-specific URL), e.g. login.<jurisdiction>.example.com. Set "
                    "dns.hostname in each sub-cluster.",
                )
            )
        else:
            hostnames[hostname] = str(deployment.sub_cluster)
    if spec.consistency is not None and not any(
        Topology(s.topology) is Topology.GLOBAL_CLUSTER for s in subs
    ):
        out.append(
            warning(
                "topology.consistency",
                "consistency",
                f"consistency {spec.consistency} is ignored: only global-cluster uses it, and no "
                "sub-cluster is a global-cluster. Remove it.",
            )
        )
    return out


def _shape(paths: Paths) -> list[Finding]:
    d = paths.deployment
    where = paths.of("regions")
    what = topology_label(d)
    count = len(d.regions)
    if d.topology is Topology.SINGLE_REGION and count != 1:
        return [
            error(
                "topology.shape",
                where,
                f"{what} takes exactly 1 region; found {count} ({ids(d.regions)}). For more "
                "regions use topology active-passive (one active region, the others passive) or "
                "global-cluster (every region active).",
            )
        ]
    if d.topology is Topology.ACTIVE_PASSIVE:
        out = []
        active, passive = d.active_regions, d.passive_regions
        if len(active) != 1:
            found = f"{len(active)} ({ids(active)})" if active else "none"
            out.append(
                error(
                    "topology.shape",
                    where,
                    f"{what} takes exactly one active region; found {found}. Keep one region "
                    "active and mark the others `role: passive`.",
                )
            )
        if not passive:
            out.append(
                error(
                    "topology.shape",
                    where,
                    f"{what} needs at least one passive region to fail over to; found none. "
                    "Add a region with `role: passive`, or use topology single-region.",
                )
            )
        return out
    if d.topology is Topology.GLOBAL_CLUSTER:
        if count < 2:
            return [
                error(
                    "topology.shape",
                    where,
                    f"{what} needs at least 2 active regions; found {count} ({ids(d.regions)}). "
                    "For one region use topology single-region.",
                )
            ]
        if count == 2:
            return [
                warning(
                    "topology.shape",
                    where,
                    f"{what} has 2 active regions ({ids(d.regions)}); 3 or more are recommended, "
                    "so that when one region fails the others still share its traffic.",
                )
            ]
    return []


def _roles(paths: Paths) -> list[Finding]:
    d = paths.deployment
    if d.topology is Topology.ACTIVE_PASSIVE:
        return []
    return [
        error(
            "topology.role",
            paths.region(region.id, "role"),
            f"region {region.id} is `role: passive`, but passive regions exist only in topology "
            f"active-passive; in {topology_label(d)} every region is active. Remove the role, or "
            "use topology active-passive.",
        )
        for region in d.regions
        if region.role is Role.PASSIVE
    ]


def _dns(paths: Paths) -> list[Finding]:
    d = paths.deployment
    out = []
    zone, hostname = d.dns.zone, d.dns.hostname
    zone_kind = "hosted zone" if d.dns.provider is DnsProvider.ROUTE53 else "managed zone"
    if zone is None and d.dns.provider is not DnsProvider.NONE:
        out.append(
            error(
                "dns.zone",
                paths.missing("dns.zone"),
                f"dns.zone is required for {topology_label(d)}: the existing public {zone_kind} "
                f"({d.dns.provider}) that holds the records of the hostname, e.g. example.com.",
            )
        )
    if hostname is None:
        out.append(
            error(
                "dns.hostname",
                paths.missing("dns.hostname"),
                f"dns.hostname is required for {topology_label(d)}: the one public hostname of "
                "the runtime nodes, inside dns.zone, e.g. login.example.com.",
            )
        )
    if zone is not None and hostname is not None and not _inside(hostname, zone):
        out.append(
            error(
                "dns.hostname",
                paths.of("dns.hostname"),
                f"hostname {hostname} is not inside zone {zone}; use a name ending in .{zone}, "
                "or set dns.zone to the zone that holds it.",
            )
        )
    if d.sub_cluster is None and d.dns.global_hostname is not None:
        out.append(
            warning(
                "dns.global-hostname",
                paths.of("dns.globalHostname"),
                f"dns.globalHostname is only used by topology sub-clusters (a geolocation hint "
                f"to each sub-cluster's hostname); {d.topology} ignores it. Remove it.",
            )
        )
    return out


def _inside(hostname: str, zone: str) -> bool:
    hostname, zone = hostname.rstrip(".").lower(), zone.rstrip(".").lower()
    return hostname == zone or hostname.endswith("." + zone)


def _routing(paths: Paths) -> list[Finding]:
    d = paths.deployment
    routing = d.dns.routing
    if routing is None:
        return []
    if d.topology is Topology.ACTIVE_PASSIVE and routing is not Routing.FAILOVER:
        return [
            error(
                "dns.routing",
                paths.of("dns.routing"),
                f"{topology_label(d)} sends all traffic to the active region and moves it to a "
                f"passive one when the active fails, so routing must be failover, not {routing}. "
                "Remove dns.routing (failover is the default) or use topology global-cluster.",
            )
        ]
    if d.topology is Topology.GLOBAL_CLUSTER and routing is Routing.FAILOVER:
        return [
            error(
                "dns.routing",
                paths.of("dns.routing"),
                f"routing failover sends every user to one region, but {topology_label(d)} serves "
                "from all active regions; use latency (the default), geolocation or weighted, or "
                "topology active-passive.",
            )
        ]
    return []


def _health_checks(paths: Paths) -> list[Finding]:
    """Cloud DNS health-checks IP addresses only; AWS load balancers are reached by name."""
    d = paths.deployment
    if d.dns.provider is not DnsProvider.CLOUD_DNS or len(d.regions) < 2:
        return []
    by_name = [r for r in d.regions if r.cloud is Cloud.AWS]
    if not by_name:
        return []
    one = len(by_name) == 1
    return [
        error(
            "dns.health-check",
            paths.of("dns.provider"),
            f"Cloud DNS can only health-check IP addresses, but {ids(by_name)} on aws "
            f"{'is' if one else 'are'} reached through a load balancer's DNS name, so failover "
            f"could not see {'it' if one else 'them'} fail. Use dns.provider route53, which "
            "checks names and IPs alike.",
        )
    ]


def _consistency(paths: Paths) -> list[Finding]:
    d = paths.deployment
    if d.topology is Topology.GLOBAL_CLUSTER:
        if d.consistency is None:
            return [
                error(
                    "topology.consistency",
                    paths.missing("consistency"),
                    f"{topology_label(d)} must declare consistency: {_CONSISTENCY_CHOICES}.",
                )
            ]
        return []
    owns = d.sub_cluster is None or "consistency" in d.own_keys
    if d.consistency is not None and owns:
        return [
            warning(
                "topology.consistency",
                paths.of("consistency"),
                f"consistency {d.consistency} is ignored: only global-cluster uses it, and this "
                f"is {topology_label(d)}. Remove it.",
            )
        ]
    return []


def _config_sync(paths: Paths) -> list[Finding]:
    d = paths.deployment
    if d.topology is not Topology.ACTIVE_PASSIVE or d.config_sync is not None:
        return []
    passive = ids(d.passive_regions) or "the passive region"
    return [
        warning(
            "topology.config-sync",
            paths.missing("configSync"),
            f"{topology_label(d)} has no configSync: the admin node in {passive} keeps the "
            "configuration it started with, so a failover may serve stale configuration. Add "
            "configSync with the git repository of the configuration.",
        )
    ]


def _locations(paths: Paths) -> list[Finding]:
    out = []
    for region in paths.deployment.regions:
        if region.cloud is Cloud.KUBERNETES:
            continue  # the location of an existing cluster is a free label
        facts = lookup(region.cloud, region.location)
        if facts is None:
            matches = close_matches(region.cloud, region.location)
            hint = f" Did you mean {join(matches, 'or')}?" if matches else ""
            out.append(
                error(
                    "region.location",
                    paths.region(region.id, "location"),
                    f"{region.location!r} is not a known {region.cloud} region.{hint} "
                    f"Use the cloud's region name, or cloud kubernetes for an existing cluster "
                    "elsewhere.",
                )
            )
            continue
        if not in_jurisdiction(facts.country, region.jurisdiction):
            out.append(
                error(
                    "region.jurisdiction",
                    paths.region(region.id, "jurisdiction"),
                    f"{facts.name} ({facts.city}) is in {facts.country}, not in jurisdiction "
                    f"{region.jurisdiction}; declare {join(facts.jurisdictions, 'or')}.",
                )
            )
    return out
