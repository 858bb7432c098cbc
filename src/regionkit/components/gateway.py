"""The reverse proxy in front of the runtime nodes: a Gateway API Gateway and HTTPRoute.

One HTTPS listener on 443 for the deployment's hostname (TLS ends at the gateway, with the
certificate of a Secret), and one route for that hostname: `/` to the runtime Service, and
exactly `/serving` to the runtime nodes' status port, which is what the GSLB health checks
probe on the public endpoint. The admin node is never routed.

The Gateway carries `pulumi.com/waitFor` on its first address, so `address` is known once the
gateway controller has given the Gateway a load balancer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pulumi

from regionkit.catalog import idsvr
from regionkit.components.protocols import AddressKind
from regionkit.model import type_token

GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1"
#: label the Gateway API asks implementations to put on the proxies they deploy for a Gateway
GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name"
WAIT_FOR_ANNOTATION = "pulumi.com/waitFor"
ADDRESS_KIND_ANNOTATION = "regionkit.io/address-kind"
LISTENER = "https"


class KubernetesObject(pulumi.CustomResource):
    """A Kubernetes object of any kind, whose `status` can be read back.

    `apiextensions.CustomResource` exposes only what it was given; declaring `status` as an
    output lets the Gateway's assigned address flow into the GSLB records.
    """

    status: pulumi.Output[Any]

    def __init__(
        self,
        name: str,
        api_version: str,
        kind: str,
        metadata: dict[str, Any],
        spec: dict[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "apiVersion": api_version,
            "kind": kind,
            "metadata": metadata,
            "spec": spec,
            "status": None,
        }
        super().__init__(f"kubernetes:{api_version}:{kind}", name, props, opts)


@dataclass(frozen=True)
class RuntimeGatewayArgs:
    #: the Kubernetes provider of the region's cluster
    provider: pulumi.ProviderResource
    namespace: pulumi.Input[str]
    hostname: str
    gateway_class: str
    #: Secret (in `namespace`) with the hostname's certificate: tls.crt and tls.key
    tls_secret_name: str
    #: the runtime nodes' Service in `namespace`
    service_name: str
    address_kind: AddressKind = "ip"
    #: the region's own name (`<region>.<hostname>`), served too: GSLB health checks use it
    regional_hostname: str | None = None
    gateway_name: str = "idsvr"
    runtime_port: int = idsvr.RUNTIME_PORT
    status_port: int = idsvr.STATUS_PORT
    #: extra annotations for the Gateway, e.g. a cert-manager issuer
    annotations: dict[str, str] = field(default_factory=dict)


class RuntimeGateway(pulumi.ComponentResource):
    """Gateway + HTTPRoute of one region; `address` is the Gateway's public address."""

    TOKEN: ClassVar[str] = type_token("gateway", "RuntimeGateway")

    address: pulumi.Output[str]
    gateway_name: str

    def __init__(
        self, name: str, args: RuntimeGatewayArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TOKEN, name, {}, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.gateway_name = args.gateway_name
        gateway = KubernetesObject(
            f"{name}-gateway",
            GATEWAY_API_VERSION,
            "Gateway",
            metadata={
                "name": args.gateway_name,
                "namespace": args.namespace,
                "annotations": {
                    **args.annotations,
                    WAIT_FOR_ANNOTATION: "jsonpath={.status.addresses[0].value}",
                    ADDRESS_KIND_ANNOTATION: args.address_kind,
                },
            },
            spec=gateway_spec(args),
            opts=child,
        )
        route = KubernetesObject(
            f"{name}-route",
            GATEWAY_API_VERSION,
            "HTTPRoute",
            metadata={"name": args.service_name, "namespace": args.namespace},
            spec=route_spec(args),
            opts=child,
        )
        self.resources: tuple[pulumi.Resource, ...] = (gateway, route)
        self.address = gateway.status.apply(first_address)
        self.register_outputs({"address": self.address})


def _hostnames(args: RuntimeGatewayArgs) -> list[tuple[str, str]]:
    """(listener name, hostname): the public hostname, then the region's own name."""
    names = [(LISTENER, args.hostname)]
    if args.regional_hostname:
        names.append((f"{LISTENER}-regional", args.regional_hostname))
    return names


def gateway_spec(args: RuntimeGatewayArgs) -> dict[str, Any]:
    """One HTTPS listener per hostname; the certificate Secret must cover both names."""
    return {
        "gatewayClassName": args.gateway_class,
        "listeners": [
            {
                "name": listener,
                "protocol": "HTTPS",
                "port": 443,
                "hostname": hostname,
                "tls": {
                    "mode": "Terminate",
                    "certificateRefs": [{"kind": "Secret", "name": args.tls_secret_name}],
                },
                "allowedRoutes": {"namespaces": {"from": "Same"}},
            }
            for listener, hostname in _hostnames(args)
        ],
    }


def route_spec(args: RuntimeGatewayArgs) -> dict[str, Any]:
    """`/serving` (exact) to the status port; everything else to the OAuth endpoints."""
    return {
        "parentRefs": [
            {"name": args.gateway_name, "sectionName": listener} for listener, _ in _hostnames(args)
        ],
        "hostnames": [hostname for _, hostname in _hostnames(args)],
        "rules": [
            {
                "matches": [{"path": {"type": "Exact", "value": idsvr.READINESS_PATH}}],
                "backendRefs": [{"name": args.service_name, "port": args.status_port}],
            },
            {
                "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                "backendRefs": [{"name": args.service_name, "port": args.runtime_port}],
            },
        ],
    }


def first_address(status: Any) -> str:
    """`status.addresses[0].value` of a Gateway; a clear error when the controller gave none."""
    addresses = (status or {}).get("addresses") or []
    if not addresses or not addresses[0].get("value"):
        raise ValueError(
            "the Gateway has no address in status.addresses: is a Gateway API controller for "
            "its gatewayClassName installed in the cluster?"
        )
    return str(addresses[0]["value"])
