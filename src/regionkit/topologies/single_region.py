"""One region: at least two runtime nodes behind a reverse proxy, auto-repair and auto-scale."""

from __future__ import annotations

from regionkit.model import type_token
from regionkit.spec.models import Topology
from regionkit.topologies.base import DeploymentTopology


class SingleRegion(DeploymentTopology):
    TOKEN = type_token("topology", "SingleRegion")
    TOPOLOGY = Topology.SINGLE_REGION
