"""A passive region kept current; DNS fails over to it when the active region is unhealthy."""

from __future__ import annotations

from typing import Any

from regionkit.model import type_token
from regionkit.spec.models import Deployment, Role, Topology
from regionkit.topologies.base import DeploymentTopology


class ActivePassive(DeploymentTopology):
    TOKEN = type_token("topology", "ActivePassive")
    TOPOLOGY = Topology.ACTIVE_PASSIVE

    def endpoint_role(self, deployment: Deployment, role: Role) -> Any:
        return "primary" if role is Role.ACTIVE else "secondary"
