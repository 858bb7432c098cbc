"""Residency: personal data stays in its jurisdiction, and users are routed where their data is.

Two ways personal data leaves its jurisdiction: a store replicates it to a region of another
jurisdiction (scope), or DNS sends a user to a region of another jurisdiction, where the user's
data is not stored and their sign-in (and audit trail) would happen outside it (routing).
"""

from __future__ import annotations

from itertools import permutations
from typing import Literal

from regionkit.catalog.engines import facts
from regionkit.catalog.regions import in_jurisdiction, same_jurisdiction
from regionkit.checks._paths import Paths
from regionkit.checks._text import join, region_label
from regionkit.components.protocols import StoreGroup
from regionkit.findings import Finding, error, warning
from regionkit.spec.models import (
    DataClassName,
    Deployment,
    DnsProvider,
    RegionSpec,
    ResidencySpec,
    Routing,
    Scope,
    Topology,
)
from regionkit.spec.placement import placements_for, store_groups

Moves = Literal["across", "within", "all"]

#: what a user routed away from their data loses, per data class
_CONSEQUENCE: dict[DataClassName, str] = {
    "accounts": "could not log in there",
    "tokens": "would lose their session and tokens there and have to sign in again",
    "audit": "would have their audit records written there, outside their jurisdiction",
}


def check(paths: Paths) -> list[Finding]:
    out = [*_cross_border(paths), *_sub_cluster(paths)]
    if paths.deployment.topology is not Topology.SINGLE_REGION:
        # a single region routes nowhere else (its region count is a topology.shape finding)
        out += [*_routing(paths), *_reach(paths)]
    return out


def transfer_allowed(residency: ResidencySpec, source: str, target: str) -> bool:
    """Whether personal data of jurisdiction `source` may be stored in `target`."""
    if same_jurisdiction(source, target):
        return True
    return any(
        in_jurisdiction(source, t.from_) and in_jurisdiction(target, t.to)
        for t in residency.cross_border
    )


def _cross_border(paths: Paths) -> list[Finding]:
    d = paths.deployment
    out = []
    groups = {name: group for group in store_groups(d) for name in group.data_classes}
    by_id = {r.id: r for r in d.regions}
    for name in d.residency.personal_data:
        group = groups[name]
        for index, placement in enumerate(group.placements):
            if len(placement) < 2:
                continue
            stores = [by_id[rid] for rid in placement]
            denied = sorted(
                {
                    (source.jurisdiction, target.jurisdiction)
                    for source in _writers(d, group, index)
                    for target in stores
                    if not transfer_allowed(d.residency, source.jurisdiction, target.jurisdiction)
                }
            )
            if not denied:
                continue
            example = denied[0]
            out.append(
                error(
                    "residency.cross-border",
                    paths.of(f"data.{name}.scope"),
                    f"{name} holds personal data, and scope {group.scope} replicates it between "
                    f"{join(region_label(r) for r in stores)}; residency.crossBorder does not "
                    f"allow the transfers {join(f'{s} -> {t}' for s, t in denied)}. Use scope "
                    "jurisdiction (one store per jurisdiction) or region, or, where the transfer "
                    f"is lawful, allow it in residency.crossBorder, e.g. "
                    f"{{from: {example[0]}, to: {example[1]}}}.",
                )
            )
    return out


def _writers(d: Deployment, group: StoreGroup, index: int) -> list[RegionSpec]:
    """The regions whose writes a store replicates: its one writer, or its active regions.

    Data flows from where it is written: a single-writer store copies its writer's data to its
    replicas, a multi-writer store copies every serving (active) region's writes to the others.
    """
    placement = group.placements[index]
    if facts(group.engine).single_writer:
        ids = {group.writers[index]}
    else:
        active = {r.id for r in d.active_regions}
        ids = {rid for rid in placement if rid in active} or set(placement)
    return [r for r in d.regions if r.id in ids]


def _routing(paths: Paths) -> list[Finding]:
    d = paths.deployment
    routing = d.routing
    geolocation = routing is Routing.GEOLOCATION
    if geolocation and d.dns.provider is not DnsProvider.CLOUD_DNS:
        return []  # users stay in their country's region
    out = []
    for name in d.residency.personal_data:
        stranded = _stranded(d, name, "across")
        if not stranded:
            continue
        scope = getattr(d.data, name).scope
        home, to = stranded[0]
        moved = {r.id for pair in stranded for r in pair}
        among = join(region_label(r) for r in d.regions if r.id in moved)
        example = f"users of {home.jurisdiction} to {region_label(to)}"
        if geolocation:
            out.append(
                warning(
                    "residency.routing",
                    paths.of("dns.routing"),
                    "Cloud DNS geolocation sends a user to the nearest configured Google Cloud "
                    "region, not to the region of their country, so users near a border can "
                    f"reach a region of another jurisdiction among {among} (e.g. {example}), "
                    f"where their {name} (personal data, scope {scope}) is not stored: they "
                    f"{_CONSEQUENCE[name]}. Use provider route53 (geolocation by country), or "
                    "one sub-cluster per jurisdiction.",
                )
            )
            continue
        out.append(
            error(
                "residency.routing",
                paths.of("dns.routing"),
                f"routing {routing} can send users to a region of another jurisdiction among "
                f"{among} (e.g. {example}), where their {name} (personal data, scope {scope}) "
                f"is not stored: they {_CONSEQUENCE[name]}. {_routing_fixes(d)}",
            )
        )
    return out


def _routing_fixes(d: Deployment) -> str:
    if d.topology is Topology.ACTIVE_PASSIVE:
        # failover is the only routing of active-passive: the regions must change instead
        active = d.active_regions[0].jurisdiction if d.active_regions else "the active region"
        return (
            f"Put the passive regions in jurisdiction {active} (one sub-cluster per "
            "jurisdiction for the others), or use scope global where residency.crossBorder "
            "allows the transfer."
        )
    return (
        "Use routing geolocation so users stay in their jurisdiction, one sub-cluster per "
        "jurisdiction, or scope global where residency.crossBorder allows the transfer."
    )


def _reach(paths: Paths) -> list[Finding]:
    """Data users need at every request (accounts, sessions) must be where DNS sends them."""
    d = paths.deployment
    out = []
    for name in ("accounts", "tokens"):
        personal = name in d.residency.personal_data
        # moves of personal data across jurisdictions are residency.routing findings
        stranded = _stranded(d, name, "within" if personal else "all")
        if not stranded:
            continue
        scope = getattr(d.data, name).scope
        moves = join(f"from {home.id} to {to.id}" for home, to in stranded)
        out.append(
            warning(
                "data.reach",
                paths.of(f"data.{name}.scope"),
                f"scope {scope} keeps {name} apart per {scope}, but routing {d.routing} can move "
                f"a user {moves}, where their {name} are not: they {_CONSEQUENCE[name]}. Use a "
                f"scope that spans those regions ({_wider(scope)}).",
            )
        )
    return out


def _sub_cluster(paths: Paths) -> list[Finding]:
    d = paths.deployment
    if d.jurisdiction is None:
        return []
    return [
        error(
            "residency.sub-cluster",
            paths.region(region.id, "jurisdiction"),
            f"sub-cluster {d.sub_cluster} is the partition of jurisdiction {d.jurisdiction}, but "
            f"region {region.id} is in {region.jurisdiction}. Move the region to the sub-cluster "
            f"of {region.jurisdiction}, or allow the transfer in residency.crossBorder "
            f"({{from: {d.jurisdiction}, to: {region.jurisdiction}}}) where it is lawful.",
        )
        for region in d.regions
        if not in_jurisdiction(region.jurisdiction, d.jurisdiction)
        and not transfer_allowed(d.residency, d.jurisdiction, region.jurisdiction)
    ]


def _stranded(d: Deployment, name: str, moves: Moves) -> list[tuple[RegionSpec, RegionSpec]]:
    """(home, target) pairs where routing can send a user of `home` to `target`, whose store
    of data class `name` does not hold the user's data.

    `moves` selects pairs across declared jurisdictions, within one, or both. Route 53
    geolocation routes by the user's country, so it never moves users across jurisdictions.
    """
    if len(d.regions) < 2:
        return []
    scope = getattr(d.data, name).scope
    store = {rid: i for i, p in enumerate(placements_for(d.regions, scope)) for rid in p}
    by_country = d.routing is Routing.GEOLOCATION and d.dns.provider is DnsProvider.ROUTE53
    out = []
    seen: set[tuple[str, str]] = set()
    for home, target in permutations(d.regions, 2):
        if store[home.id] == store[target.id]:
            continue
        across = home.jurisdiction != target.jurisdiction
        if (across and (by_country or moves == "within")) or (not across and moves == "across"):
            continue
        key = (home.jurisdiction, target.id) if across else (home.id, target.id)
        if key not in seen:
            seen.add(key)
            out.append((home, target))
    return out


def _wider(scope: Scope) -> str:
    if scope is Scope.REGION:
        return "jurisdiction or global"
    return "global"
