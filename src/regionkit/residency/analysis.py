"""The residency report of a stack: where each data class lives, how it moves, who reaches it.

`analyse(spec)` is a pure function from a `StackSpec` to a `ResidencyReport`, and the one
implementation of the residency rules: `regionkit validate` (and so plan and deploy) reports its
findings, and the Python API calls it directly. The rules, each with stack-file key paths:
- `residency.cross-border`, `residency.sub-cluster`: where personal data is stored (`transfers`);
- `residency.routing`, `residency.failover`, `data.reach`: where DNS sends users, in normal
  operation and after a region fails, and whether their data is there (`reroutes`);
- `residency.global-hostname`: the sub-clusters' geolocation hint is inconsistent (`hints`).
"""

from __future__ import annotations

from regionkit.catalog.engines import facts
from regionkit.findings import Finding
from regionkit.model import StoreGroup, resolve
from regionkit.residency.hints import hint_findings, hints
from regionkit.residency.report import (
    DnsPath,
    Edge,
    EdgeKind,
    Place,
    ResidencyReport,
    Store,
    transfer_allowed,
)
from regionkit.residency.reroutes import border_findings, reroute_findings
from regionkit.residency.routing import Route, routes
from regionkit.residency.stores import places, writers
from regionkit.residency.transfers import cross_border_findings, sub_cluster_findings
from regionkit.spec.models import Deployment, Engine, StackSpec, Topology
from regionkit.spec.paths import Paths


def analyse(spec: StackSpec) -> ResidencyReport:
    stores: list[Store] = []
    edges: list[Edge] = []
    dns_paths: list[DnsPath] = []
    findings: list[Finding] = []
    for deployment in spec.deployments():
        paths = Paths(spec, deployment)
        groups = resolve(deployment).store_groups
        stores += _stores(paths, groups)
        deployment_edges = _edges(deployment, groups)
        edges += deployment_edges
        dns_paths += _dns_paths(deployment, routes(deployment))
        findings += sub_cluster_findings(paths)
        findings += cross_border_findings(paths, deployment_edges)
        findings += reroute_findings(paths)
        findings += border_findings(paths)
    found_hints = hints(spec)
    findings += hint_findings(spec, found_hints)
    return ResidencyReport(
        stack=spec.name,
        topology=str(spec.topology),
        stores=tuple(stores),
        edges=tuple(edges),
        paths=tuple(dns_paths),
        hints=tuple(found_hints),
        # a setting inherited by several sub-clusters breaks a rule once, at one key path
        findings=tuple(dict.fromkeys(findings)),
    )


def _stores(paths: Paths, groups: tuple[StoreGroup, ...]) -> list[Store]:
    deployment = paths.deployment
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
                        path=paths.of(f"data.{data_class}"),
                    )
                )
    return out


def _edges(deployment: Deployment, groups: tuple[StoreGroup, ...]) -> list[Edge]:
    """Data copied from the regions that write it to the other regions of its store."""
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
        for index, placement in enumerate(group.placements):
            pairs = [(a, b) for a in writers(deployment, group, index) for b in placement if a != b]
            out += [edge(kind, group, a, b, None) for a, b in pairs]
            if group.engine is Engine.CNPG:
                # replica clusters bootstrap and catch up from the writer's backups, kept in
                # object storage in the writer's region
                via = f"object storage in {group.writers[index]}"
                out += [edge(EdgeKind.BACKUP_COPY, group, a, b, via) for a, b in pairs]
    out += _config_sync_edges(deployment, where)
    return out


def _config_sync_edges(deployment: Deployment, where: dict[str, Place]) -> list[Edge]:
    """Configuration (no personal data) that config sync copies from git into regions."""
    sync = deployment.config_sync
    if sync is None:
        return []
    active = deployment.active_regions
    if deployment.topology is Topology.ACTIVE_PASSIVE and active:
        # the active admin node commits to git; the passive regions pull from it (a stack with
        # no active region is a topology.role finding, its configuration comes from git alone)
        source: Place | None = where[active[0].id]
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


def _dns_paths(deployment: Deployment, found: list[Route]) -> list[DnsPath]:
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
