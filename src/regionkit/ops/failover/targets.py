"""What a failover acts on, by the names the components give it, derived from the model.

The components name their cloud objects deterministically from the deployment (the topology
component is `<name>[-<sub-cluster>]`, each store `<topology>-<data source id>`); these functions
give the same names (a test compares them with an offline plan of the example stacks), so the
commands need no Pulumi state to find what to promote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from regionkit.spec.models import Deployment, Engine, RegionSpec, Scope


class StoreGroupLike(Protocol):
    """What a failover reads of the model's StoreGroup (ops sits beside the model, so it does not
    import it; the frozen dataclass satisfies this structurally)."""

    @property
    def engine(self) -> Engine: ...

    @property
    def scope(self) -> Scope: ...

    @property
    def data_source_id(self) -> str: ...

    @property
    def env_prefix(self) -> str: ...


@dataclass(frozen=True)
class StoreTarget:
    """One placement of a store: its regions, the writer the stack file gives it, its names."""

    deployment: Deployment
    #: the model's StoreGroup (ops sits beside the model, so it is passed in, not imported)
    group: StoreGroupLike
    index: int
    regions: tuple[str, ...]
    #: the writer region of the stack file
    home_writer: str

    @property
    def engine(self) -> Engine:
        return self.group.engine

    @property
    def store_name(self) -> str:
        return f"{topology_name(self.deployment)}-{self.group.data_source_id}"

    @property
    def key(self) -> str:
        """Names the placement in roles.json and the output: `<store>[-<label>]`."""
        return "-".join(p for p in (self.store_name, self._label()) if p)

    def _label(self) -> str:
        """The components' placement label: none for global scope, else the jurisdiction or
        the region."""
        if self.group.scope is Scope.GLOBAL:
            return ""
        if self.group.scope is Scope.JURISDICTION:
            return self.region(self.regions[0]).jurisdiction.lower()
        return self.regions[0]

    def region(self, region_id: str) -> RegionSpec:
        return next(r for r in self.deployment.regions if r.id == region_id)

    def location(self, region_id: str) -> str:
        return self.region(region_id).location

    # --- aurora-postgresql (components/data/aurora_postgresql.py) ---
    @property
    def aurora_global_id(self) -> str:
        return "-".join(p for p in (self.store_name, self._label(), "global") if p)

    def aurora_cluster_id(self, region_id: str) -> str:
        return f"{self.store_name}-{region_id}"

    # --- cloudsql-postgresql (components/data/cloudsql.py): Pulumi adds a random suffix ---
    def cloudsql_name_prefix(self, region_id: str) -> str:
        role = "primary" if region_id == self.home_writer else "replica"
        return f"{self.store_name}-{region_id}-{role}-"

    # --- cnpg (components/data/cnpg.py, components/data/schema.py) ---
    def cnpg_cluster(self, region_id: str) -> str:
        return dns_label(f"{self.group.data_source_id}-{region_id}", 50)

    @property
    def cnpg_namespace(self) -> str:
        return dns_label(f"{self.deployment.name}-{self.group.data_source_id}-db")


def topology_name(deployment: Deployment) -> str:
    return "-".join(p for p in (deployment.name, deployment.sub_cluster) if p)


def dns_label(value: str, limit: int = 63) -> str:
    cleaned = "".join(c if c.isalnum() else "-" for c in value.lower())
    return cleaned[:limit].strip("-")


def kube_context(deployment: Deployment, region_id: str) -> str:
    """The kubeconfig context of a region: its `cluster.kubeconfigContext`, else its id."""
    region = next(r for r in deployment.regions if r.id == region_id)
    return region.cluster.kubeconfig_context or region.id


def store_targets(resolved: Any) -> list[StoreTarget]:
    """Every store placement of a resolved deployment (`model.ResolvedDeployment`)."""
    targets = []
    for group in resolved.store_groups:
        for index, (regions, writer) in enumerate(
            zip(group.placements, group.writers, strict=True)
        ):
            targets.append(StoreTarget(resolved.deployment, group, index, regions, writer))
    return targets
