"""NetworkPolicies of the identity server: default deny, then exactly the needed paths."""

from __future__ import annotations

from typing import Any, cast

import pytest

from regionkit.components.facts import ClusterFacts
from regionkit.components.identity_server import gateway_peer
from regionkit.components.network_policies import Peer
from regionkit.components.platform.gcp import GOOGLE_FRONT_END_CIDRS
from regionkit.components.protocols import RegionPlatform
from regionkit.spec.models import AdminSpec
from tests.idsvr_fixtures import build, dev_deployment

POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
RUNTIME = {
    "app.kubernetes.io/name": "curity-idsvr",
    "app.kubernetes.io/instance": "acme-id",
    "app.kubernetes.io/component": "runtime",
}
ADMIN = {**RUNTIME, "app.kubernetes.io/component": "admin"}


def _policies(registrations: list[Any]) -> dict[str, dict[str, Any]]:
    return {
        r.inputs["metadata"]["name"]: r.inputs["spec"] for r in registrations if r.type == POLICY
    }


def _ports(rule: dict[str, Any]) -> set[tuple[str, int]]:
    return {(p["protocol"], p["port"]) for p in rule["ports"]}


@pytest.fixture(scope="module")
def policies() -> dict[str, dict[str, Any]]:
    registrations, _ = build()
    return _policies(registrations)


def test_default_deny_in_both_directions(policies: dict[str, dict[str, Any]]) -> None:
    deny = policies["idsvr-default-deny"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_dns_to_kube_system(policies: dict[str, dict[str, Any]]) -> None:
    (rule,) = policies["idsvr-dns"]["egress"]
    assert _ports(rule) == {("UDP", 53), ("TCP", 53)}
    (peer,) = rule["to"]
    assert peer["namespaceSelector"] == {
        "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
    }


def test_runtime_reachable_from_the_gateway_only(policies: dict[str, dict[str, Any]]) -> None:
    spec = policies["idsvr-runtime-ingress"]
    assert spec["podSelector"] == {"matchLabels": RUNTIME}
    (rule,) = spec["ingress"]
    assert _ports(rule) == {("TCP", 8443), ("TCP", 4465)}
    (peer,) = rule["from"]
    assert peer == {
        "podSelector": {"matchLabels": {"gateway.networking.k8s.io/gateway-name": "idsvr"}},
        "namespaceSelector": {},
    }


def test_admin_reachable_from_runtime_and_allowed_cidrs(
    policies: dict[str, dict[str, Any]],
) -> None:
    spec = policies["idsvr-admin-ingress"]
    assert spec["podSelector"] == {"matchLabels": ADMIN}
    cluster, ui = spec["ingress"]
    assert _ports(cluster) == {("TCP", 6789), ("TCP", 6790)}
    assert cluster["from"] == [{"podSelector": {"matchLabels": RUNTIME}}]
    assert _ports(ui) == {("TCP", 6749)}
    assert ui["from"] == [{"ipBlock": {"cidr": "10.0.0.0/8"}}]
    # nothing else may reach the admin node's ports
    other = [
        rule
        for name, p in policies.items()
        if name != "idsvr-admin-ingress" and p["podSelector"].get("matchLabels") == ADMIN
        for rule in p.get("ingress", [])
    ]
    assert other == []


def test_runtime_to_admin_egress(policies: dict[str, dict[str, Any]]) -> None:
    spec = policies["idsvr-runtime-to-admin"]
    assert spec["podSelector"] == {"matchLabels": RUNTIME}
    (rule,) = spec["egress"]
    assert rule["to"] == [{"podSelector": {"matchLabels": ADMIN}}]
    assert _ports(rule) == {("TCP", 6789), ("TCP", 6790)}


def test_egress_to_each_data_store(policies: dict[str, dict[str, Any]]) -> None:
    spec = policies["idsvr-egress"]
    assert spec["podSelector"] == {
        "matchLabels": {
            "app.kubernetes.io/name": "curity-idsvr",
            "app.kubernetes.io/instance": "acme-id",
        }
    }
    cnpg, external = spec["egress"]
    assert _ports(cnpg) == {("TCP", 5432)}
    assert cnpg["to"] == [
        {
            "podSelector": {"matchLabels": {"cnpg.io/cluster": "idsvr-db"}},
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "acme-id-db"}},
        }
    ]
    # the external database: its port, to any address (the JDBC URL is only in its Secret)
    assert external == {"ports": [{"protocol": "TCP", "port": 5432}]}


def test_cluster_job_reaches_the_api_server_only(policies: dict[str, dict[str, Any]]) -> None:
    spec = policies["idsvr-cluster-job-to-api"]
    assert spec["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "cluster-config"
    (rule,) = spec["egress"]
    assert _ports(rule) == {("TCP", 443), ("TCP", 6443)}


def test_metrics_from_the_configured_peer(policies: dict[str, dict[str, Any]]) -> None:
    (rule,) = policies["idsvr-metrics"]["ingress"]
    assert _ports(rule) == {("TCP", 4466)}
    assert rule["from"] == [{"podSelector": {}, "namespaceSelector": {}}]
    registrations, _ = build(metrics_peer=None)
    assert "idsvr-metrics" not in _policies(registrations)


def test_no_admin_ui_access_without_allowed_cidrs() -> None:
    dev = dev_deployment()
    closed = dev.model_copy(
        update={
            "identity_server": dev.identity_server.model_copy(
                update={"admin": AdminSpec(allowed_cidrs=[])}
            )
        }
    )
    registrations, _ = build(closed, extra=None)
    rules = _policies(registrations)["idsvr-admin-ingress"]["ingress"]
    assert [_ports(r) for r in rules] == [{("TCP", 6789), ("TCP", 6790)}]


def test_explicit_gateway_peer_and_extra_egress() -> None:
    from regionkit.components.protocols import EgressRule

    registrations, _ = build(
        gateway_peer=Peer(namespace="envoy-gateway-system"),
        extra_egress=(EgressRule(port=587, cidrs=("192.0.2.10/32",)),),
    )
    policies = _policies(registrations)
    (rule,) = policies["idsvr-runtime-ingress"]["ingress"]
    assert rule["from"] == [
        {
            "podSelector": {},
            "namespaceSelector": {
                "matchLabels": {"kubernetes.io/metadata.name": "envoy-gateway-system"}
            },
        }
    ]
    assert {
        "to": [{"ipBlock": {"cidr": "192.0.2.10/32"}}],
        "ports": [{"protocol": "TCP", "port": 587}],
    } in policies["idsvr-egress"]["egress"]


def _platform(*source_cidrs: str) -> RegionPlatform:
    region = dev_deployment().regions[0]
    return RegionPlatform(
        region=region,
        k8s_provider=cast(Any, None),  # not used to pick a peer
        facts=ClusterFacts("home"),
        gateway_source_cidrs=source_cidrs,
    )


def test_default_gateway_peer_by_platform() -> None:
    assert gateway_peer(_platform(*GOOGLE_FRONT_END_CIDRS), "idsvr") == Peer(
        cidrs=GOOGLE_FRONT_END_CIDRS
    )
    assert gateway_peer(_platform("10.20.0.0/16"), "idsvr") == Peer(cidrs=("10.20.0.0/16",))
    assert gateway_peer(_platform(), "idsvr") == Peer(
        pod_labels={"gateway.networking.k8s.io/gateway-name": "idsvr"}, any_namespace=True
    )
