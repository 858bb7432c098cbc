"""Which regions hold each data class, and which of them write it.

Shared by the report (stores and edges), the residency rules and the scenarios, so all three
agree on where a user's data can be read.
"""

from __future__ import annotations

from regionkit.catalog.engines import facts
from regionkit.model import StoreGroup
from regionkit.residency.report import Place
from regionkit.spec.models import Deployment


def places(deployment: Deployment) -> dict[str, Place]:
    return {r.id: Place(r.id, r.jurisdiction) for r in deployment.regions}


def replicated(group: StoreGroup, home: str, target: str) -> bool:
    """Whether what is written at `home` can be read at `target`: one store holds both."""
    return any(home in p and target in p for p in group.placements)


def writers(deployment: Deployment, group: StoreGroup, index: int) -> tuple[str, ...]:
    """The regions whose writes store `index` of `group` copies to its other regions.

    Data flows from where it is written: a single-writer engine copies its writer's data to its
    replicas; a multi-writer engine copies the writes of every serving (active) region. A passive
    region of a multi-writer store writes only after a failover, and the users it then serves
    are the residency.failover rule's concern, not a replication of its own.
    """
    placement = group.placements[index]
    if facts(group.engine).single_writer:
        return (group.writers[index],)
    active = {r.id for r in deployment.active_regions}
    return tuple(r for r in placement if r in active) or placement
