"""Regions on an existing cluster (`cluster.kubeconfigContext`): what regionkit cannot guess.

- `cluster.gateway-class`: the cluster's Gateway controller is the cluster owner's (Envoy
  Gateway, Istio, NGINX Gateway Fabric, a cloud's own...), and so is the GatewayClass name it
  answers to. regionkit assumes none: a Gateway naming a class no controller serves never gets
  an address, and `up` would wait for it in vain.
"""

from __future__ import annotations

from regionkit.findings import Finding, error
from regionkit.spec.paths import Paths


def check(paths: Paths) -> list[Finding]:
    return [
        error(
            "cluster.gateway-class",
            paths.region(region.id, "cluster.gatewayClass"),
            f"region '{region.id}' runs on the existing cluster of context "
            f"'{region.cluster.kubeconfig_context}': name the GatewayClass of its Gateway API "
            "controller (`kubectl get gatewayclass`), e.g. gatewayClass: eg.",
        )
        for region in paths.deployment.regions
        if not region.creates_cluster and region.cluster.gateway_class is None
    ]
