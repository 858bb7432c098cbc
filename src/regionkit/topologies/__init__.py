"""The four topologies, composed from the components."""

from __future__ import annotations

from regionkit.spec.models import Topology
from regionkit.topologies.active_passive import ActivePassive
from regionkit.topologies.base import DeploymentTopology, TopologyArgs
from regionkit.topologies.global_cluster import GlobalCluster
from regionkit.topologies.single_region import SingleRegion

DEPLOYABLE: dict[Topology, type[DeploymentTopology]] = {
    Topology.SINGLE_REGION: SingleRegion,
    Topology.ACTIVE_PASSIVE: ActivePassive,
    Topology.GLOBAL_CLUSTER: GlobalCluster,
}

__all__ = [
    "DEPLOYABLE",
    "ActivePassive",
    "DeploymentTopology",
    "GlobalCluster",
    "SingleRegion",
    "TopologyArgs",
]
