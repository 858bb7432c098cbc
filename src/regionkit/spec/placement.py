"""Where each data class is stored: data classes sharing engine and scope share one store.

Pure functions from a deployment to `StoreGroup`s, used by the checks and the topologies alike.
"""

from __future__ import annotations

from regionkit.components.protocols import StoreGroup
from regionkit.spec.models import DataClassName, Deployment, Engine, RegionSpec, Role, Scope


def store_groups(deployment: Deployment) -> list[StoreGroup]:
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
    return groups


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


def placement_of(group: StoreGroup, region_id: str) -> int:
    """Index of the placement serving `region_id`."""
    return next(i for i, p in enumerate(group.placements) if region_id in p)
