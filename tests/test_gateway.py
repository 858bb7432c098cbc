"""The reverse proxy: a Gateway API Gateway and one HTTPRoute for the runtime hostname."""

from __future__ import annotations

from typing import Any

import pytest

from regionkit.components.gateway import first_address
from regionkit.plan import mock_outputs
from tests.idsvr_fixtures import build, of_type, two_region_deployment
from tests.test_manifests import validate_manifest

GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"


@pytest.fixture(scope="module")
def dev() -> tuple[list[Any], dict[str, Any]]:
    return build()


def test_gateway_listens_for_the_hostname(dev: tuple[list[Any], dict[str, Any]]) -> None:
    registrations, _ = dev
    (gateway,) = of_type(registrations, GATEWAY)
    metadata, spec = gateway.inputs["metadata"], gateway.inputs["spec"]
    assert metadata["namespace"] == "acme-id"
    assert metadata["annotations"]["pulumi.com/waitFor"] == "jsonpath={.status.addresses[0].value}"
    assert spec["gatewayClassName"] == "eg"  # the existing cluster's class (cluster.gatewayClass)
    listener, regional = spec["listeners"]
    for each in (listener, regional):
        assert each["protocol"] == "HTTPS" and each["port"] == 443
        assert each["tls"]["certificateRefs"] == [{"kind": "Secret", "name": "acme-id-tls"}]
    assert listener["hostname"] == "login.dev.example.com"
    # the region's own name, which the GSLB health checks send as Host/SNI
    assert regional["hostname"] == "home.login.dev.example.com"
    validate_manifest(gateway.inputs)
    (component,) = of_type(registrations, "regionkit:gateway:RuntimeGateway")
    assert gateway.parent == component.urn


def test_route_sends_serving_to_the_status_port(dev: tuple[list[Any], dict[str, Any]]) -> None:
    registrations, _ = dev
    (route,) = of_type(registrations, ROUTE)
    spec = route.inputs["spec"]
    assert spec["hostnames"] == ["login.dev.example.com", "home.login.dev.example.com"]
    assert spec["parentRefs"] == [
        {"name": "idsvr", "sectionName": "https"},
        {"name": "idsvr", "sectionName": "https-regional"},
    ]
    serving, everything = spec["rules"]
    assert serving["matches"] == [{"path": {"type": "Exact", "value": "/serving"}}]
    assert serving["backendRefs"] == [{"name": "idsvr-runtime", "port": 4465}]
    assert everything["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    assert everything["backendRefs"] == [{"name": "idsvr-runtime", "port": 8443}]
    validate_manifest(route.inputs)


def test_admin_node_is_never_routed(dev: tuple[list[Any], dict[str, Any]]) -> None:
    registrations, _ = dev
    routes = [r for r in registrations if "gateway.networking.k8s.io" in r.type]
    backends = [
        ref["name"]
        for r in routes
        for rule in r.inputs["spec"].get("rules", [])
        for ref in rule["backendRefs"]
    ]
    assert backends and "idsvr-admin" not in backends
    assert not [r for r in registrations if r.type.endswith(("Ingress", "TLSRoute", "GRPCRoute"))]


def test_endpoint_is_the_gateway_address(dev: tuple[list[Any], dict[str, Any]]) -> None:
    _, built = dev
    endpoint = built["servers"]["home"].endpoint
    assert built["addresses"] == [mock_outputs.test_net_ip("acme-id-home-gateway")]
    assert endpoint.address_kind == "ip"
    assert endpoint.role == "active"
    assert endpoint.region.id == "home"
    kinds = {type(r).__name__ for r in endpoint.depends_on}
    assert {"KubernetesObject", "Deployment"} <= kinds


def test_an_aws_cluster_publishes_a_hostname() -> None:
    registrations, built = build(two_region_deployment(), tls_secret_name="login-cert")
    one, two = built["servers"]["one"].endpoint, built["servers"]["two"].endpoint
    assert (one.address_kind, two.address_kind) == ("ip", "hostname")
    assert built["addresses"][0] == mock_outputs.test_net_ip("acme-id-one-gateway")
    assert built["addresses"][1].endswith(".lb.example.net")
    gateways = of_type(registrations, GATEWAY)
    assert len(gateways) == 2
    assert {
        g.inputs["spec"]["listeners"][0]["tls"]["certificateRefs"][0]["name"] for g in gateways
    } == {"login-cert"}


def test_a_gateway_without_address_is_a_clear_error() -> None:
    assert (
        first_address({"addresses": [{"type": "IPAddress", "value": "192.0.2.1"}]}) == "192.0.2.1"
    )
    with pytest.raises(ValueError, match="Gateway API controller"):
        first_address({"addresses": []})
    with pytest.raises(ValueError, match="Gateway API controller"):
        first_address(None)
