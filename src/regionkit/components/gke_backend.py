"""GKE's backend health check of the runtime Service: the status port's `/serving`.

The GKE Gateway controller health checks every backend service it makes from a Service, by
default with `GET /` on the serving port, where the runtime answers 404: the load balancer then
marks every node unhealthy and answers 503. A `HealthCheckPolicy` (networking.gke.io/v1, in the
Service's namespace, targeting the Service) points the check at the status port's `/serving`,
for both backends made from the Service (8443 and 4465). The checks come from Google's front
ends, which the NetworkPolicies admit on both ports (`RegionPlatform.gateway_source_cidrs`).
"""

from __future__ import annotations

from typing import Any

import pulumi

from regionkit.catalog import idsvr
from regionkit.components.facts import GcpFacts
from regionkit.components.gateway import KubernetesObject
from regionkit.components.protocols import RegionPlatform

API_VERSION = "networking.gke.io/v1"
KIND = "HealthCheckPolicy"
#: seconds between probes and per probe; GKE's defaults for an HTTP check
CHECK_INTERVAL_SECONDS = 5
TIMEOUT_SECONDS = 5
#: two in a row either way: one lost probe neither removes nor restores a node
THRESHOLD = 2


def health_check_policy_spec(service_name: str) -> dict[str, Any]:
    """HTTP on the fixed status port, `/serving`, for every backend of `service_name`."""
    return {
        "default": {
            "checkIntervalSec": CHECK_INTERVAL_SECONDS,
            "timeoutSec": TIMEOUT_SECONDS,
            "healthyThreshold": THRESHOLD,
            "unhealthyThreshold": THRESHOLD,
            "logConfig": {"enabled": False},
            "config": {
                "type": "HTTP",
                "httpHealthCheck": {
                    "portSpecification": "USE_FIXED_PORT",
                    "port": idsvr.STATUS_PORT,
                    "requestPath": idsvr.READINESS_PATH,
                },
            },
        },
        "targetRef": {"group": "", "kind": "Service", "name": service_name},
    }


def backend_policies(
    name: str,
    platform: RegionPlatform,
    namespace: pulumi.Input[str],
    service_name: str,
    opts: pulumi.ResourceOptions,
) -> list[pulumi.Resource]:
    """The policies the region's load balancer needs before the Gateway: GKE clusters only."""
    if not isinstance(platform.facts, GcpFacts):
        return []
    return [
        KubernetesObject(
            f"{name}-health-check-policy",
            API_VERSION,
            KIND,
            metadata={"name": service_name, "namespace": namespace},
            spec=health_check_policy_spec(service_name),
            opts=pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(provider=platform.k8s_provider)
            ),
        )
    ]
