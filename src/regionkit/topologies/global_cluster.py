"""Three or more active regions behind GSLB, with data replicated per the declared consistency."""

from __future__ import annotations

from regionkit.model import type_token
from regionkit.spec.models import Topology
from regionkit.topologies.base import DeploymentTopology


class GlobalCluster(DeploymentTopology):
    TOKEN = type_token("topology", "GlobalCluster")
    TOPOLOGY = Topology.GLOBAL_CLUSTER
