"""The residency report of a stack: where each data class lives, how it moves, who reaches it.

`analyse(spec)` is a pure function from a `StackSpec` to a `ResidencyReport`; validate, plan and
the Python API all call it. Its findings use the rules:
- `residency.cross-border`: a personal-data class replicated (or copied) to a region of another
  jurisdiction that `residency.crossBorder` does not allow;
- `residency.routing` / `residency.failover`: DNS sends users, in normal operation or after a
  region fails, to a region where their personal data cannot be read;
- `residency.global-hostname`: the sub-clusters' geolocation hint is inconsistent (see `hints`).
"""

from __future__ import annotations

from regionkit.catalog.engines import facts
from regionkit.catalog.regions import same_jurisdiction
from regionkit.components.protocols import StoreGroup
from regionkit.findings import Finding, error, warning
from regionkit.residency.hints import hint_findings, hints
from regionkit.residency.report import (
    CROSS_BORDER,
    FAILOVER,
    LABELS,
    ROUTING,
    DnsPath,
    Edge,
    EdgeKind,
    Place,
    ResidencyReport,
    Store,
    transfer_allowed,
)
from regionkit.residency.routing import Reroute, Route, reroutes, routes
from regionkit.spec.models import DataClassName, Deployment, Engine, Scope, StackSpec, Topology
from regionkit.spec.placement import store_groups

#: data classes a user's requests read back. The audit log is only appended to, wherever the
#: request lands, so a user routed away from it loses nothing.
READ_BY_USERS: tuple[DataClassName, ...] = ("accounts", "tokens")

_CANNOT = {"accounts": "log in", "tokens": "keep their sessions"}


# --- the analysis ------------------------------------------------------------------------------


def analyse(spec: StackSpec) -> ResidencyReport:
    stores: list[Store] = []
    edges: list[Edge] = []
    paths: list[DnsPath] = []
    findings: list[Finding] = []
    for deployment in spec.deployments():
        groups = store_groups(deployment)
        stores += _stores(deployment, groups)
        deployment_edges = _edges(deployment, groups)
        edges += deployment_edges
        findings += _cross_border_findings(deployment, deployment_edges)
        paths += _paths(deployment, routes(deployment))
        findings += _routing_findings(deployment, groups)
    found_hints = hints(spec)
    findings += hint_findings(spec, found_hints)
    return ResidencyReport(
        stack=spec.name,
        topology=str(spec.topology),
        stores=tuple(stores),
        edges=tuple(edges),
        paths=tuple(paths),
        hints=tuple(found_hints),
        findings=tuple(findings),
    )


def places(deployment: Deployment) -> dict[str, Place]:
    return {r.id: Place(r.id, r.jurisdiction) for r in deployment.regions}


def group_of(groups: list[StoreGroup], data_class: str) -> StoreGroup:
    return next(g for g in groups if data_class in g.data_classes)


def replicated(group: StoreGroup, home: str, target: str) -> bool:
    """Whether what is written at `home` can be read at `target`: one store holds both."""
    return any(home in p and target in p for p in group.placements)


def _stores(deployment: Deployment, groups: list[StoreGroup]) -> list[Store]:
    where = places(deployment)
    personal = set(deployment.residency.personal_data)
    out = []
    for group in groups:
        single_writer = facts(group.engine).single_writer
        for placement, writer in zip(group.placements, group.writers, strict=True):
            for data_class in group.data_classes:
                out.append(
                    Store(
                        deployment=deployment.name,
                        sub_cluster=deployment.sub_cluster,
                        data_class=data_class,
                        personal=data_class in personal,
                        engine=group.engine,
                        scope=group.scope,
                        places=tuple(where[r] for r in placement),
                        writer=writer if single_writer else None,
                        shared_with=tuple(c for c in group.data_classes if c != data_class),
                        path=deployment.key_path(f"data.{data_class}"),
                    )
                )
    return out


def _edges(deployment: Deployment, groups: list[StoreGroup]) -> list[Edge]:
    where = places(deployment)
    residency = deployment.residency

    def edge(kind: EdgeKind, group: StoreGroup, source: str, target: str, via: str | None) -> Edge:
        personal = tuple(c for c in group.data_classes if c in residency.personal_data)
        src, tgt = where[source], where[target]
        return Edge(
            deployment=deployment.name,
            sub_cluster=deployment.sub_cluster,
            kind=kind,
            data_classes=group.data_classes,
            personal=personal,
            engine=group.engine,
            source=src,
            target=tgt,
            allowed=not personal or transfer_allowed(residency, src.jurisdiction, tgt.jurisdiction),
            via=via,
        )

    out: list[Edge] = []
    for group in groups:
        kind = (
            EdgeKind.GLOBAL_TABLE_REPLICA
            if group.engine is Engine.DYNAMODB
            else EdgeKind.DATABASE_REPLICA
        )
        for placement, writer in zip(group.placements, group.writers, strict=True):
            if facts(group.engine).single_writer:
                pairs = [(writer, r) for r in placement if r != writer]
            else:
                # every region writes, and every write reaches every other region
                pairs = [(a, b) for a in placement for b in placement if a != b]
            out += [edge(kind, group, a, b, None) for a, b in pairs]
            if group.engine is Engine.CNPG:
                # replica clusters bootstrap and catch up from the writer's backups, kept in
                # object storage in the writer's region
                via = f"object storage in {writer}"
                out += [edge(EdgeKind.BACKUP_COPY, group, a, b, via) for a, b in pairs]
    out += _config_sync_edges(deployment, where)
    return out


def _config_sync_edges(deployment: Deployment, where: dict[str, Place]) -> list[Edge]:
    """Configuration (no personal data) that config sync copies from git into regions."""
    sync = deployment.config_sync
    if sync is None:
        return []
    if deployment.topology is Topology.ACTIVE_PASSIVE:
        # the active admin node commits to git; the passive regions pull from it
        source: Place | None = where[deployment.active_regions[0].id]
        targets = deployment.passive_regions
    else:
        source, targets = None, deployment.regions
    return [
        Edge(
            deployment=deployment.name,
            sub_cluster=deployment.sub_cluster,
            kind=EdgeKind.CONFIG_SYNC,
            data_classes=(),
            personal=(),
            engine=None,
            source=source,
            target=where[region.id],
            allowed=True,
            via=sync.repository,
        )
        for region in targets
    ]


def _cross_border_findings(deployment: Deployment, edges: list[Edge]) -> list[Finding]:
    """One finding per personal-data class, listing every forbidden transfer and its copies."""
    forbidden: dict[str, list[Edge]] = {}
    for edge in edges:
        if edge.allowed or edge.source is None:
            continue
        for data_class in edge.personal:
            forbidden.setdefault(data_class, []).append(edge)
    out = []
    for data_class, found in forbidden.items():
        spec = getattr(deployment.data, data_class)
        transfers = list(
            dict.fromkeys((e.source.jurisdiction, e.target.jurisdiction) for e in found if e.source)
        )
        entries = ", ".join(f"{{from: {a}, to: {b}}}" for a, b in transfers)
        out.append(
            error(
                CROSS_BORDER,
                deployment.key_path(f"data.{data_class}.scope"),
                f"{_where(deployment)}personal data '{data_class}' ({LABELS[data_class]}, "
                f"{spec.engine}, scope {spec.scope}) is copied across borders "
                f"residency.crossBorder does not allow ({_arrows(transfers)}): "
                f"{'; '.join(e.describe() for e in found)}. Fix: keep it inside each "
                f"jurisdiction with data.{data_class}.scope: jurisdiction and route users to their "
                f"own jurisdiction (sub-clusters or geolocation routing); or, if the transfers are "
                f"lawful, declare them in {deployment.key_path('residency.crossBorder')}: "
                f"[{entries}].",
            )
        )
    return out


def _arrows(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(f"{a} -> {b}" for a, b in pairs)


def _paths(deployment: Deployment, found: list[Route]) -> list[DnsPath]:
    where = places(deployment)
    return [
        DnsPath(
            deployment=deployment.name,
            sub_cluster=deployment.sub_cluster,
            hostname=deployment.dns.hostname,
            routing=str(deployment.routing),
            users=route.users,
            near=route.near,
            failed=route.failed,
            targets=tuple(where[r] for r in route.regions),
        )
        for route in found
    ]


def _routing_findings(deployment: Deployment, groups: list[StoreGroup]) -> list[Finding]:
    """Reroutes to regions without the user's data, one finding per data class, rule and
    (home jurisdiction, target jurisdiction); failovers also per target region."""
    where = places(deployment)
    personal = [c for c in READ_BY_USERS if c in deployment.residency.personal_data]
    found: dict[tuple[DataClassName, str, str, str, str, bool], list[Reroute]] = {}
    for move in reroutes(deployment):
        home, target = where[move.home], where[move.target]
        crosses = not (
            same_jurisdiction(move.users, target.jurisdiction)
            and same_jurisdiction(home.jurisdiction, target.jurisdiction)
        )
        if move.failed is None:
            rule, path = ROUTING, deployment.key_path("dns.routing")
        else:
            rule, path = FAILOVER, deployment.region_path(move.target)
        for data_class in personal:
            if not replicated(group_of(groups, data_class), move.home, move.target):
                key = (data_class, rule, path, home.jurisdiction, target.jurisdiction, crosses)
                found.setdefault(key, []).append(move)
    out = []
    for (data_class, rule, path, _, _, crosses), moves in found.items():
        first = moves[0]
        homes = _regions_in(where, [m.home for m in moves])
        targets = _regions_in(where, [m.target for m in moves])
        users = " and ".join(dict.fromkeys(m.users for m in moves))
        when = "; ".join(
            dict.fromkeys("in normal operation" if m.failed is None else m.when for m in moves)
        )
        scope = getattr(deployment.data, data_class).scope
        fix = unreadable_fix(deployment, data_class, where[first.home], where[first.target])
        out.append(
            (error if crosses else warning)(
                rule,
                path,
                f"{_where(deployment)}{deployment.routing} routing can send users of {users} "
                f"who signed in at {homes} to {targets} ({when}), where their "
                f"{LABELS[data_class]} are not replicated (data.{data_class}.scope: {scope}): "
                f"they cannot {_CANNOT[data_class]} there. Fix: {fix}",
            )
        )
    return out


def _regions_in(where: dict[str, Place], region_ids: list[str]) -> str:
    """ "a, b (US)" for regions of one jurisdiction."""
    ids = list(dict.fromkeys(region_ids))
    return f"{', '.join(ids)} ({where[ids[0]].jurisdiction})"


def unreadable_fix(deployment: Deployment, data_class: str, home: Place, target: Place) -> str:
    """How to make `data_class` written at `home` readable at `target`, or stop sending its
    users there."""
    scope_path = deployment.key_path(f"data.{data_class}.scope")
    if same_jurisdiction(home.jurisdiction, target.jurisdiction):
        if getattr(deployment.data, data_class).scope is Scope.JURISDICTION:
            # one store per declared code: DE and IE are one area for transfers, two stores here
            return (
                f"replicate it between {home.region} and {target.region}: {scope_path}: "
                f"global, or declare both regions with one jurisdiction (e.g. EU)."
            )
        return (
            f"replicate it between {home.region} and {target.region}: "
            f"{scope_path}: jurisdiction (or global)."
        )
    users = home.jurisdiction
    own = [
        r.id
        for r in deployment.regions
        if same_jurisdiction(r.jurisdiction, users) and r.id != home.region
    ]
    keep = (
        f"use geolocation routing so users of {users} stay on {', '.join([home.region, *own])}"
        if own
        else f"add a second region in {users} as the same-jurisdiction failover region and use "
        f"geolocation routing"
    )
    return (
        f"keep users of {users} in {users}: split the stack into sub-clusters per jurisdiction, "
        f"or {keep} ({scope_path}: jurisdiction); or, if the transfer is lawful, declare "
        f"residency.crossBorder: [{{from: {users}, to: {target.jurisdiction}}}] and set "
        f"{scope_path}: global."
    )


def _where(deployment: Deployment) -> str:
    return f"sub-cluster '{deployment.sub_cluster}': " if deployment.sub_cluster else ""
