"""Where each data class is stored: data classes sharing engine and scope share one store."""

from __future__ import annotations

from dataclasses import dataclass

from regionkit.model.names import data_source_id, env_prefix
from regionkit.spec.models import DataClassName, Deployment, Engine, RegionSpec, Role, Scope


@dataclass(frozen=True)
class StoreGroup:
    """Data classes sharing one engine and scope: one store (DESIGN section 3)."""

    engine: Engine
    scope: Scope
    data_classes: tuple[DataClassName, ...]
    #: the stores of the group: each a tuple of region ids replicated together;
    #: scope region -> one per region, jurisdiction -> one per jurisdiction, global -> one
    placements: tuple[tuple[str, ...], ...]
    #: for single-writer engines: the region id holding the writer of each placement
    writers: tuple[str, ...]
    secret_name: str | None = None

    @property
    def data_source_id(self) -> str:
        """The Curity data source id of the group's store(s), e.g. "accounts-audit"."""
        return data_source_id(self.data_classes)

    @property
    def env_prefix(self) -> str:
        """The prefix of the data source's environment variables, e.g. "DS_ACCOUNTS_AUDIT_"."""
        return env_prefix(self.data_source_id)


def store_groups(deployment: Deployment) -> tuple[StoreGroup, ...]:
    """The deployment's stores, in the order of its data classes."""
    keys: dict[tuple[Engine, Scope, str | None], list[DataClassName]] = {}
    for name, spec in deployment.data.items():
        secret = spec.connection.secret_name if spec.connection is not None else None
        keys.setdefault((spec.engine, spec.scope, secret), []).append(name)
    groups = []
    for (engine, scope, secret), classes in keys.items():
        placements = placements_for(deployment.regions, scope)
        groups.append(
            StoreGroup(
                engine=engine,
                scope=scope,
                data_classes=tuple(classes),
                placements=placements,
                writers=tuple(_writer(deployment, p) for p in placements),
                secret_name=secret,
            )
        )
    return tuple(groups)


def placements_for(regions: list[RegionSpec], scope: Scope) -> tuple[tuple[str, ...], ...]:
    if scope is Scope.REGION:
        return tuple((r.id,) for r in regions)
    if scope is Scope.JURISDICTION:
        by_jurisdiction: dict[str, list[str]] = {}
        for region in regions:
            by_jurisdiction.setdefault(region.jurisdiction, []).append(region.id)
        return tuple(tuple(ids) for ids in by_jurisdiction.values())
    return (tuple(r.id for r in regions),)


def _writer(deployment: Deployment, placement: tuple[str, ...]) -> str:
    """The region holding the writer: the first active region of the placement."""
    roles = {r.id: r.role for r in deployment.regions}
    return next((rid for rid in placement if roles[rid] is Role.ACTIVE), placement[0])


def placement_label(deployment: Deployment, group: StoreGroup, index: int) -> str:
    """A stable name part for a placement that survives a change of writer region: none for
    global scope, the jurisdiction (lower case) or the region id."""
    placement = group.placements[index]
    if group.scope is Scope.GLOBAL:
        return ""
    if group.scope is Scope.JURISDICTION:
        jurisdiction = next(r.jurisdiction for r in deployment.regions if r.id == placement[0])
        return jurisdiction.lower()
    return placement[0]


def placement_key(deployment: Deployment, group: StoreGroup, index: int) -> str:
    """Names one store placement where its writer is recorded (roles.json):
    `<name>[-<sub-cluster>]-<data source id>[-<label>]`, as the failover commands name it."""
    parts = (
        deployment.name,
        deployment.sub_cluster or "",
        group.data_source_id,
        placement_label(deployment, group, index),
    )
    return "-".join(p for p in parts if p)
