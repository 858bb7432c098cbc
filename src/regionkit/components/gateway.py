"""The reverse proxy in front of the runtime nodes: a Gateway API Gateway and HTTPRoute.

One HTTPS listener on 443 for every name DNS sends to the region (`model.served_hostnames`:
the public hostname, `<region>.<hostname>` and, for sub-clusters, the global hostname) and one
route for those names: `/` to the runtime Service, and exactly `/serving` to the runtime nodes'
status port, which is what the GSLB health checks probe on the public endpoint. The admin node
is never routed.

TLS ends at the gateway, with the certificates the platform provides (`GatewayTls`): a Secret
the listeners reference (the user's, or one cert-manager issues from a Certificate created here,
before the Gateway), or certificates the cloud load balancer holds (listeners without `tls`).

The Gateway carries `pulumi.com/waitFor` on its first address, so `address` is known once the
gateway controller has given the Gateway a load balancer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pulumi

from regionkit.catalog import idsvr
from regionkit.components.facts import GatewayTls, LoadBalancerCertificates, SecretCertificate
from regionkit.components.protocols import AddressKind
from regionkit.model import ServedHostname, type_token

GATEWAY_API_VERSION = "gateway.networking.k8s.io/v1"
#: label the Gateway API asks implementations to put on the proxies they deploy for a Gateway
GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name"
CERT_MANAGER_API_VERSION = "cert-manager.io/v1"
WAIT_FOR_ANNOTATION = "pulumi.com/waitFor"
TIMEOUT_ANNOTATION = "pulumi.com/timeoutSeconds"
#: how long `up` waits for cert-manager to issue the Gateway's certificate
CERTIFICATE_TIMEOUT_SECONDS = 600
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
    #: every name DNS sends here (`model.served_hostnames`), the public hostname first
    hostnames: tuple[ServedHostname, ...]
    gateway_class: str
    #: where the certificates of `hostnames` come from
    tls: GatewayTls
    #: the runtime nodes' Service in `namespace`
    service_name: str
    address_kind: AddressKind = "ip"
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
        if not args.hostnames:
            raise ValueError("a Gateway needs at least one hostname")
        super().__init__(self.TOKEN, name, {}, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.gateway_name = args.gateway_name
        certificate = _certificate(name, args, child)
        tls_first = certificate or list(tls_depends_on(args.tls))
        gateway = KubernetesObject(
            f"{name}-gateway",
            GATEWAY_API_VERSION,
            "Gateway",
            metadata={
                "name": args.gateway_name,
                "namespace": args.namespace,
                "annotations": {
                    **args.annotations,
                    **tls_annotations(args.tls),
                    WAIT_FOR_ANNOTATION: "jsonpath={.status.addresses[0].value}",
                    ADDRESS_KIND_ANNOTATION: args.address_kind,
                },
            },
            spec=gateway_spec(args),
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=tls_first)),
        )
        route = KubernetesObject(
            f"{name}-route",
            GATEWAY_API_VERSION,
            "HTTPRoute",
            metadata={"name": args.service_name, "namespace": args.namespace},
            spec=route_spec(args),
            opts=child,
        )
        self.resources: tuple[pulumi.Resource, ...] = (*certificate, gateway, route)
        self.address = gateway.status.apply(first_address)
        self.register_outputs({"address": self.address})


def listener_name(served: ServedHostname) -> str:
    """The listener of a served name: "https" for the public hostname, "https-<role>" else."""
    return LISTENER if served.role == "public" else f"{LISTENER}-{served.role}"


def _secret_name(tls: SecretCertificate) -> str:
    if tls.secret_name is None:
        raise ValueError("the Gateway's TLS Secret has no name: the identity server names it")
    return tls.secret_name


def tls_annotations(tls: GatewayTls) -> dict[str, pulumi.Input[str]]:
    return dict(tls.annotations) if isinstance(tls, LoadBalancerCertificates) else {}


def tls_depends_on(tls: GatewayTls) -> tuple[pulumi.Resource, ...]:
    """What the Gateway waits for when no Certificate is created here."""
    return tls.depends_on if isinstance(tls, LoadBalancerCertificates) else ()


def _certificate(
    name: str, args: RuntimeGatewayArgs, child: pulumi.ResourceOptions
) -> list[pulumi.Resource]:
    """cert-manager's Certificate of every served name, when a ClusterIssuer issues it.

    Created before the Gateway, and awaited until Ready (its Secret then exists), so the
    Gateway's listeners are programmed with a valid certificate from their first reconcile.
    """
    tls = args.tls
    if not isinstance(tls, SecretCertificate) or tls.cluster_issuer is None:
        return []
    return [
        KubernetesObject(
            f"{name}-certificate",
            CERT_MANAGER_API_VERSION,
            "Certificate",
            metadata={
                "name": args.gateway_name,
                "namespace": args.namespace,
                "annotations": {
                    WAIT_FOR_ANNOTATION: "condition=Ready",
                    TIMEOUT_ANNOTATION: str(CERTIFICATE_TIMEOUT_SECONDS),
                },
            },
            spec=certificate_spec(args, tls.cluster_issuer),
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=list(tls.depends_on))
            ),
        )
    ]


def certificate_spec(args: RuntimeGatewayArgs, cluster_issuer: str) -> dict[str, Any]:
    """A cert-manager Certificate for every served name, into the Secret the listeners use."""
    assert isinstance(args.tls, SecretCertificate)
    return {
        "secretName": _secret_name(args.tls),
        "dnsNames": [served.hostname for served in args.hostnames],
        "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": cluster_issuer},
    }


def _listener_tls(tls: GatewayTls) -> dict[str, Any]:
    if isinstance(tls, LoadBalancerCertificates):
        return {}  # the load balancer presents its own certificates: no `tls` on the listener
    ref = {"kind": "Secret", "name": _secret_name(tls)}
    return {"tls": {"mode": "Terminate", "certificateRefs": [ref]}}


def gateway_spec(args: RuntimeGatewayArgs) -> dict[str, Any]:
    """One HTTPS listener per served name, each with the certificate the platform provides."""
    spec: dict[str, Any] = {
        "gatewayClassName": args.gateway_class,
        "listeners": [
            {
                "name": listener_name(served),
                "protocol": "HTTPS",
                "port": 443,
                "hostname": served.hostname,
                **_listener_tls(args.tls),
                "allowedRoutes": {"namespaces": {"from": "Same"}},
            }
            for served in args.hostnames
        ],
    }
    if isinstance(args.tls, LoadBalancerCertificates) and args.tls.infrastructure is not None:
        spec["infrastructure"] = args.tls.infrastructure
    return spec


def route_spec(args: RuntimeGatewayArgs) -> dict[str, Any]:
    """`/serving` (exact) to the status port; everything else to the OAuth endpoints."""
    return {
        "parentRefs": [
            {"name": args.gateway_name, "sectionName": listener_name(served)}
            for served in args.hostnames
        ],
        "hostnames": [served.hostname for served in args.hostnames],
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
            "its gatewayClassName installed in the cluster? (Under unit-test mocks, "
            "regionkit.testing.RegionkitMocks gives each Gateway an address.)"
        )
    return str(addresses[0]["value"])
