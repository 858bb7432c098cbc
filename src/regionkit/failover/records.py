"""The records of a simulated region failure; each has a stable `to_json()`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from regionkit.catalog.failover import Figure
from regionkit.failover.access import Access
from regionkit.failover.scenarios import Scenario
from regionkit.model import TimingTerm


@dataclass(frozen=True)
class RoutedUsers:
    """Users of a jurisdiction (near a region, for routing by nearest) and where DNS sends them
    before and after the failure."""

    users: str
    near: str | None
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def moved(self) -> bool:
        return self.before != self.after

    def to_json(self) -> dict[str, Any]:
        return {
            "users": self.users,
            "near": self.near,
            "before": list(self.before),
            "after": list(self.after),
            "moved": self.moved,
        }


@dataclass(frozen=True)
class DataAccess:
    """One data class in one surviving region: before and after the failover command."""

    data_class: str
    region: str
    engine: str
    before: Access
    after: Access

    def to_json(self) -> dict[str, Any]:
        return {
            "dataClass": self.data_class,
            "region": self.region,
            "engine": self.engine,
            "beforeFailover": self.before.to_json(),
            "afterFailover": self.after.to_json(),
        }


@dataclass(frozen=True)
class StoreOutcome:
    """A store that held the failed region: what the failover command does, what is lost."""

    data_classes: tuple[str, ...]
    engine: str
    scope: str
    regions: tuple[str, ...]
    replication: str
    writer_before: str | None
    writer_after: str | None
    action: str
    #: writes lost by the failure; None when nothing bounds it or nothing is known
    rpo: Figure | None
    rpo_note: str
    promotion: Figure | None
    identity_server: str

    def to_json(self) -> dict[str, Any]:
        return {
            "dataClasses": list(self.data_classes),
            "engine": self.engine,
            "scope": self.scope,
            "regions": list(self.regions),
            "replication": self.replication,
            "writerBefore": self.writer_before,
            "writerAfter": self.writer_after,
            "action": self.action,
            "rpo": self.rpo.to_json() if self.rpo is not None else None,
            "rpoNote": self.rpo_note,
            "promotion": self.promotion.to_json() if self.promotion is not None else None,
            "identityServer": self.identity_server,
        }


@dataclass(frozen=True)
class Rto:
    """How long until users are served again: reads once DNS moved them, writes once the
    failover command promoted every store and switched the identity server; each term with
    its source. None figures: no region is left to serve."""

    reads_seconds: int | None
    writes_seconds: int | None
    terms: tuple[TimingTerm, ...]
    caveats: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "readsSeconds": self.reads_seconds,
            "writesSeconds": self.writes_seconds,
            "terms": [t.to_json() for t in self.terms],
            "caveats": list(self.caveats),
        }


@dataclass(frozen=True)
class Failure:
    """The loss of one region and everything that follows from it."""

    stack: str
    deployment: str
    sub_cluster: str | None
    failed: str
    #: where the failover command moves writers and traffic; None when no region is left
    target: str | None
    #: the command that turns "before" into "after"; None when nothing needs it
    command: str | None
    routes: tuple[RoutedUsers, ...]
    access: tuple[DataAccess, ...]
    stores: tuple[StoreOutcome, ...]
    rto: Rto
    #: what breaks residency after the failure (and after the failover command)
    residency: tuple[str, ...]
    scenarios: tuple[Scenario, ...]

    @property
    def residency_holds(self) -> bool:
        return not self.residency

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "subCluster": self.sub_cluster,
            "failed": self.failed,
            "target": self.target,
            "failoverCommand": self.command,
            "routing": [r.to_json() for r in self.routes],
            "dataAccess": [a.to_json() for a in self.access],
            "stores": [s.to_json() for s in self.stores],
            "rto": self.rto.to_json(),
            "residency": {"holds": self.residency_holds, "breaks": list(self.residency)},
            "scenarios": [s.to_json() for s in self.scenarios],
        }
