"""Whether a data class can be read and written in a region, before and after the failover
command, while one region is down.

- single-writer engines (Aurora, Cloud SQL, CloudNativePG): the writer region writes; every
  other region of the store reads a read-only replica. When the writer's region fails, writes
  fail everywhere until `regionkit failover` promotes a replica; the region it promotes then
  writes, the others stay read-only replicas;
- multi-writer engines (DynamoDB global tables): every region reads and writes, last writer wins;
- `external`: regionkit does not manage the database: one per region is taken as declared,
  a shared one's behaviour under a failure is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from regionkit.catalog.engines import facts
from regionkit.model import StoreGroup
from regionkit.residency.routing import serving
from regionkit.spec.models import Deployment, Engine, Scope


class Can(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Access:
    """Reads and writes of one data class in one region, and why."""

    reads: Can
    writes: Can
    why: str

    def to_json(self) -> dict[str, str]:
        return {"reads": str(self.reads), "writes": str(self.writes), "why": self.why}


def placement_of(group: StoreGroup, region: str) -> int:
    """The index of the store of `group` that holds `region`."""
    return next(i for i, p in enumerate(group.placements) if region in p)


def failover_target(deployment: Deployment, failed: str) -> str | None:
    """The region the failover command moves writers and traffic to when `failed` is lost: the
    first region DNS still serves; None when no region is left."""
    alive = serving(deployment, failed)
    return alive[0].id if alive else None


def writer_after(
    deployment: Deployment, group: StoreGroup, index: int, failed: str | None, target: str | None
) -> str | None:
    """The writer region of store `index` after the failover command: the same unless `failed`
    held it, then `target` if the store spans it, else its first region DNS serves (or its
    first surviving one). None when the store had no other region."""
    writer = group.writers[index]
    if writer != failed:
        return writer
    alive = [r for r in group.placements[index] if r != failed]
    if not alive:
        return None
    if target in alive:
        return target
    served = [r.id for r in serving(deployment, failed) if r.id in alive]
    return served[0] if served else alive[0]


def access(
    deployment: Deployment,
    group: StoreGroup,
    region: str,
    failed: str | None,
    *,
    after_failover: bool,
) -> Access:
    """Reads and writes of `group`'s data in `region` (alive) while `failed` is down."""
    index = placement_of(group, region)
    placement = group.placements[index]
    hit = failed is not None and failed in placement
    if group.engine is Engine.EXTERNAL:
        if group.scope is Scope.REGION or not hit:
            return Access(Can.YES, Can.YES, "as declared: a database regionkit does not manage")
        return Access(
            Can.UNKNOWN,
            Can.UNKNOWN,
            f"a database regionkit does not manage, shared with {failed}: whether it survives "
            "depends on its own failover",
        )
    if not facts(group.engine).single_writer:
        why = "every region writes; concurrent writes resolve last writer wins"
        if hit:
            why += f"; writes {failed} had not yet replicated are missing here"
        return Access(Can.YES, Can.YES, why)
    target = failover_target(deployment, failed) if failed else None
    writer = (
        writer_after(deployment, group, index, failed, target)
        if after_failover
        else group.writers[index]
    )
    if writer == region:
        promoted = writer != group.writers[index]
        return Access(Can.YES, Can.YES, "promoted writer" if promoted else "writer")
    if writer == failed:
        return Access(
            Can.YES,
            Can.NO,
            f"the writer {failed} is down: the replica here is read-only until the failover "
            "command promotes one",
        )
    return Access(Can.YES, Can.NO, f"read-only replica of the writer {writer}")
