"""The identity server's NetworkPolicies: deny everything, then allow exactly what it needs.

Ingress: runtime 8443 and the status port (the `/serving` route) from the gateway only; admin
6789/6790 from runtime nodes only; admin 6749 from `admin.allowedCidrs` only; metrics from the
peers given. Egress: DNS, runtime to admin, each data connection's rules, the cluster job to
the Kubernetes API, and any extra rules the caller adds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import pulumi
import pulumi_kubernetes as k8s

from regionkit.catalog import idsvr
from regionkit.components import idsvr_pods as pods
from regionkit.components.protocols import EgressRule
from regionkit.model import type_token

Ports = list[k8s.networking.v1.NetworkPolicyPortArgs]
KUBE_SYSTEM = "kube-system"
#: Kubernetes API server ports (managed control planes listen on 443, kubeadm on 6443)
API_SERVER_PORTS = (443, 6443)


@dataclass(frozen=True)
class Peer:
    """Who may connect: pods (by namespace and labels) and/or networks.

    `namespace=None` means the workload's own namespace; `any_namespace=True` all namespaces.
    """

    pod_labels: dict[str, str] = field(default_factory=dict)
    namespace: str | None = None
    any_namespace: bool = False
    cidrs: tuple[pulumi.Input[str], ...] = ()

    def peers(self) -> list[k8s.networking.v1.NetworkPolicyPeerArgs]:
        out = [
            k8s.networking.v1.NetworkPolicyPeerArgs(ip_block=k8s.networking.v1.IPBlockArgs(cidr=c))
            for c in self.cidrs
        ]
        if self.pod_labels or self.namespace is not None or self.any_namespace or not self.cidrs:
            out.append(
                k8s.networking.v1.NetworkPolicyPeerArgs(
                    pod_selector=k8s.meta.v1.LabelSelectorArgs(
                        match_labels=self.pod_labels or None
                    ),
                    namespace_selector=_namespace_selector(self.namespace, self.any_namespace),
                )
            )
        return out


def _namespace_selector(
    namespace: str | None, any_namespace: bool
) -> k8s.meta.v1.LabelSelectorArgs | None:
    if any_namespace:
        return k8s.meta.v1.LabelSelectorArgs()
    if namespace is None:
        return None
    return k8s.meta.v1.LabelSelectorArgs(match_labels={"kubernetes.io/metadata.name": namespace})


def _tcp(*ports: int) -> Ports:
    return [k8s.networking.v1.NetworkPolicyPortArgs(protocol="TCP", port=p) for p in ports]


def _selector(match: dict[str, str]) -> k8s.meta.v1.LabelSelectorArgs:
    return k8s.meta.v1.LabelSelectorArgs(match_labels=match)


@dataclass(frozen=True)
class PolicyInputs:
    #: selectors of the admin and runtime pods and of the cluster job's pods
    admin: dict[str, str]
    runtime: dict[str, str]
    cluster_job: dict[str, str]
    #: labels every identity server node has (admin and runtime)
    nodes: dict[str, str]
    gateway: Peer
    admin_cidrs: tuple[str, ...]
    metrics: Peer | None
    data_egress: tuple[EgressRule, ...]
    extra_egress: tuple[EgressRule, ...] = ()


def egress_rule(rule: EgressRule) -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    """One EgressRule: to its networks and/or pods; to anywhere when it names neither."""
    ports = [k8s.networking.v1.NetworkPolicyPortArgs(protocol=rule.protocol, port=rule.port)]
    peers = Peer(
        pod_labels=rule.pod_selector or {},
        namespace=rule.namespace,
        cidrs=rule.cidrs,
    )
    if not rule.cidrs and rule.pod_selector is None and rule.namespace is None:
        return k8s.networking.v1.NetworkPolicyEgressRuleArgs(ports=ports)
    return k8s.networking.v1.NetworkPolicyEgressRuleArgs(to=peers.peers(), ports=ports)


def policies(p: PolicyInputs) -> dict[str, k8s.networking.v1.NetworkPolicySpecArgs]:
    """Every NetworkPolicy of the namespace by object name."""
    dns = [
        k8s.networking.v1.NetworkPolicyPortArgs(protocol=proto, port=53) for proto in ("UDP", "TCP")
    ]
    admin_ingress = [
        k8s.networking.v1.NetworkPolicyIngressRuleArgs(
            from_=[k8s.networking.v1.NetworkPolicyPeerArgs(pod_selector=_selector(p.runtime))],
            ports=_tcp(idsvr.CLUSTER_PORT, idsvr.DISTRIBUTED_PORT),
        )
    ]
    if p.admin_cidrs:
        admin_ingress.append(
            k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                from_=Peer(cidrs=p.admin_cidrs).peers(), ports=_tcp(idsvr.ADMIN_PORT)
            )
        )
    runtime_ingress = [
        k8s.networking.v1.NetworkPolicyIngressRuleArgs(
            from_=p.gateway.peers(), ports=_tcp(idsvr.RUNTIME_PORT, idsvr.STATUS_PORT)
        )
    ]
    specs = {
        "idsvr-default-deny": k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=k8s.meta.v1.LabelSelectorArgs(), policy_types=["Ingress", "Egress"]
        ),
        "idsvr-dns": k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=k8s.meta.v1.LabelSelectorArgs(),
            policy_types=["Egress"],
            egress=[
                k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                    to=Peer(namespace=KUBE_SYSTEM).peers(), ports=dns
                )
            ],
        ),
        "idsvr-runtime-ingress": k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=_selector(p.runtime), policy_types=["Ingress"], ingress=runtime_ingress
        ),
        "idsvr-admin-ingress": k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=_selector(p.admin), policy_types=["Ingress"], ingress=admin_ingress
        ),
        "idsvr-runtime-to-admin": k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=_selector(p.runtime),
            policy_types=["Egress"],
            egress=[
                k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                    to=[k8s.networking.v1.NetworkPolicyPeerArgs(pod_selector=_selector(p.admin))],
                    ports=_tcp(idsvr.CLUSTER_PORT, idsvr.DISTRIBUTED_PORT),
                )
            ],
        ),
        "idsvr-cluster-job-to-api": k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=_selector(p.cluster_job),
            policy_types=["Egress"],
            # the API server's address is not a pod and differs per cluster
            egress=[k8s.networking.v1.NetworkPolicyEgressRuleArgs(ports=_tcp(*API_SERVER_PORTS))],
        ),
    }
    if p.metrics is not None:
        specs["idsvr-metrics"] = k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=_selector(p.nodes),
            policy_types=["Ingress"],
            ingress=[
                k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                    from_=p.metrics.peers(), ports=_tcp(idsvr.METRICS_PORT)
                )
            ],
        )
    egress = [*p.data_egress, *p.extra_egress]
    if egress:
        specs["idsvr-egress"] = k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=_selector(p.nodes),
            policy_types=["Egress"],
            egress=[egress_rule(rule) for rule in _unique(egress)],
        )
    return specs


def _unique(rules: Sequence[EgressRule]) -> list[EgressRule]:
    """The rules without repeats (two data sources on one database give one rule)."""
    seen: list[EgressRule] = []
    for rule in rules:
        if rule not in seen:
            seen.append(rule)
    return seen


@dataclass(frozen=True)
class NetworkPoliciesArgs:
    placement: pods.Placement
    inputs: PolicyInputs


class NetworkPolicies(pulumi.ComponentResource):
    """The NetworkPolicies of one identity server's namespace (see `policies`)."""

    TOKEN: ClassVar[str] = type_token("idsvr", "NetworkPolicies")

    resources: tuple[k8s.networking.v1.NetworkPolicy, ...]

    def __init__(
        self, name: str, args: NetworkPoliciesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TOKEN, name, {}, opts)
        self.resources = tuple(
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{object_name.removeprefix('idsvr-')}",
                metadata=args.placement.metadata(object_name, "network"),
                spec=spec,
                opts=args.placement.options(self),
            )
            for object_name, spec in policies(args.inputs).items()
        )
        self.register_outputs({})
