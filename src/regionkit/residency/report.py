"""The records of a residency report: stores, replication edges, DNS paths, hostname hints.

Every record has a stable `to_json()`; the report's JSON is part of `validate --report residency`
and the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from regionkit.catalog.regions import in_jurisdiction, same_jurisdiction
from regionkit.findings import Finding
from regionkit.spec.models import DataClassName, Engine, ResidencySpec, Scope

#: the rules of the residency analysis, as `regionkit validate` reports them
CROSS_BORDER = "residency.cross-border"
SUB_CLUSTER = "residency.sub-cluster"
ROUTING = "residency.routing"
FAILOVER = "residency.failover"
REACH = "data.reach"
GLOBAL_HOSTNAME = "residency.global-hostname"
RULES = (CROSS_BORDER, SUB_CLUSTER, ROUTING, FAILOVER, REACH, GLOBAL_HOSTNAME)

#: what each data class holds, for messages a reviewer reads without the Curity docs
LABELS: dict[str, str] = {
    "tokens": "tokens (sessions, delegations, nonces)",
    "accounts": "accounts (user credentials)",
    "audit": "audit log",
}


def transfer_allowed(residency: ResidencySpec, source: str, target: str) -> bool:
    """Whether personal data may move from jurisdiction `source` to `target`.

    The EU and its member states are one area (the GDPR lets personal data move freely among
    them), and an entry covers the jurisdictions inside its ends: `{from: EU, to: GB}` also
    allows a region declared `DE`, while `{from: DE, to: GB}` does not allow one declared `EU`.
    """
    if same_jurisdiction(source, target) or residency.allows(source, target):
        return True
    return any(
        in_jurisdiction(source, entry.from_) and in_jurisdiction(target, entry.to)
        for entry in residency.cross_border
    )


class EdgeKind(StrEnum):
    DATABASE_REPLICA = "database-replica"
    GLOBAL_TABLE_REPLICA = "global-table-replica"
    BACKUP_COPY = "backup-copy"
    CONFIG_SYNC = "config-sync"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ")


@dataclass(frozen=True)
class Place:
    """A region and its jurisdiction."""

    region: str
    jurisdiction: str

    def __str__(self) -> str:
        return f"{self.region} ({self.jurisdiction})"

    def to_json(self) -> dict[str, str]:
        return {"region": self.region, "jurisdiction": self.jurisdiction}


@dataclass(frozen=True)
class Store:
    """One store of one data class: the regions replicated together."""

    deployment: str
    sub_cluster: str | None
    data_class: DataClassName
    personal: bool
    engine: Engine
    scope: Scope
    places: tuple[Place, ...]
    #: the region holding the writer, for single-writer engines
    writer: str | None
    #: the other data classes in the same store
    shared_with: tuple[str, ...]
    path: str

    @property
    def jurisdictions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.jurisdiction for p in self.places))

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "subCluster": self.sub_cluster,
            "dataClass": self.data_class,
            "personalData": self.personal,
            "engine": str(self.engine),
            "scope": str(self.scope),
            "regions": [p.to_json() for p in self.places],
            "jurisdictions": list(self.jurisdictions),
            "writer": self.writer,
            "sharedWith": list(self.shared_with),
            "path": self.path,
        }


@dataclass(frozen=True)
class Edge:
    """Data (or configuration) copied from a region that writes it to another region.

    Edges follow writes: a single-writer store's from its writer, a multi-writer store's from
    each active region (a passive region writes only after a failover).
    """

    deployment: str
    sub_cluster: str | None
    kind: EdgeKind
    data_classes: tuple[str, ...]
    #: the personal-data classes among `data_classes`
    personal: tuple[str, ...]
    engine: Engine | None
    #: None for configuration pulled from a git repository with no region of its own
    source: Place | None
    target: Place
    #: the transfer is allowed: not personal data, same jurisdiction, or in crossBorder
    allowed: bool
    via: str | None = None

    @property
    def cross_border(self) -> bool:
        return self.source is not None and not same_jurisdiction(
            self.source.jurisdiction, self.target.jurisdiction
        )

    def describe(self) -> str:
        source = str(self.source) if self.source is not None else "git"
        via = f" via {self.via}" if self.via else ""
        return f"{self.kind.label} {source} -> {self.target}{via}"

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "subCluster": self.sub_cluster,
            "kind": str(self.kind),
            "dataClasses": list(self.data_classes),
            "personalData": list(self.personal),
            "engine": str(self.engine) if self.engine is not None else None,
            "from": self.source.to_json() if self.source is not None else None,
            "to": self.target.to_json(),
            "crossBorder": self.cross_border,
            "allowed": self.allowed,
            "via": self.via,
        }


@dataclass(frozen=True)
class DnsPath:
    """Users of one jurisdiction (near one region, for latency routing) and where DNS sends them."""

    deployment: str
    sub_cluster: str | None
    hostname: str | None
    routing: str
    users: str
    near: str | None
    failed: str | None
    targets: tuple[Place, ...]

    @property
    def when(self) -> str:
        return "normal" if self.failed is None else f"after {self.failed} fails"

    @property
    def crosses_border(self) -> bool:
        return any(not same_jurisdiction(self.users, t.jurisdiction) for t in self.targets)

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "subCluster": self.sub_cluster,
            "hostname": self.hostname,
            "routing": self.routing,
            "users": self.users,
            "near": self.near,
            "when": self.when,
            "to": [t.to_json() for t in self.targets],
        }


@dataclass(frozen=True)
class HostnameHint:
    """`dns.globalHostname`: users of a jurisdiction's countries sent to their partition's name."""

    hostname: str
    jurisdiction: str
    countries: tuple[str, ...]
    sub_cluster: str
    target_hostname: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "hostname": self.hostname,
            "jurisdiction": self.jurisdiction,
            "countries": list(self.countries),
            "subCluster": self.sub_cluster,
            "to": self.target_hostname,
        }


@dataclass(frozen=True)
class ResidencyReport:
    stack: str
    topology: str
    stores: tuple[Store, ...]
    edges: tuple[Edge, ...]
    paths: tuple[DnsPath, ...]
    hints: tuple[HostnameHint, ...]
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "topology": self.topology,
            "stores": [s.to_json() for s in self.stores],
            "edges": [e.to_json() for e in self.edges],
            "paths": [p.to_json() for p in self.paths],
            "globalHostname": [h.to_json() for h in self.hints],
            "findings": [f.to_json() for f in self.findings],
        }
