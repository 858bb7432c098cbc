"""Typed facts between components: what a platform gives its consumers, how nodes authenticate.

A platform hands every consumer one of `AwsFacts`, `GcpFacts` or `ClusterFacts`; consumers
match on the type, never on a key or a name. A data store hands the identity server a
`NodeIdentity` (an IRSA role, a Google service account, or none); the identity server derives
its ServiceAccount annotations from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pulumi


@dataclass(frozen=True)
class AwsFacts:
    """An EKS cluster regionkit created: its VPC, and the IRSA trust of its workload role."""

    vpc_id: pulumi.Input[str]
    #: known before deployment (the platform plans it), so firewalls can name it
    vpc_cidr: str
    private_subnet_ids: tuple[pulumi.Input[str], ...]
    public_subnet_ids: tuple[pulumi.Input[str], ...]
    #: the cluster's IAM OIDC provider, which IRSA roles trust
    oidc_provider_arn: pulumi.Input[str]
    #: its issuer without "https://", as IRSA trust conditions name it
    oidc_provider_url: pulumi.Input[str]
    #: the one IRSA role of the region's identity server nodes; stores attach their access to it
    workload_role_name: pulumi.Input[str]
    workload_role_arn: pulumi.Input[str]


@dataclass(frozen=True)
class GcpFacts:
    """A GKE cluster regionkit created: its project, the deployment's network, Workload Identity."""

    project: pulumi.Input[str]
    network_id: pulumi.Input[str]
    network_self_link: pulumi.Input[str]
    #: the private services access peering: Cloud SQL takes private IPs only once it exists
    private_service_connection: pulumi.Input[str]
    private_service_cidr: str
    subnet_id: pulumi.Input[str]
    subnet_cidr: str
    pods_cidr: str
    services_cidr: str
    #: `<project>.svc.id.goog`: Kubernetes ServiceAccounts act as Google service accounts
    workload_pool: pulumi.Input[str]
    #: the cluster's service account token issuer (public OIDC discovery), which another
    #: cloud's federation trusts: `https://container.googleapis.com/v1/projects/.../clusters/...`
    oidc_issuer_url: pulumi.Input[str] = ""


@dataclass(frozen=True)
class ClusterFacts:
    """An existing cluster regionkit does not manage: only its kubeconfig context is known."""

    context: str


PlatformFacts = AwsFacts | GcpFacts | ClusterFacts


@dataclass(frozen=True)
class ClusterAddons:
    """Cluster-wide add-ons a platform installed; stores that need one depend on it."""

    #: the CloudNativePG operator's Helm release (its CRDs), when a cnpg store runs here
    cnpg_operator: pulumi.Resource | None = None


@dataclass(frozen=True)
class SecretCertificate:
    """The Gateway's HTTPS listeners reference a TLS Secret in the workload namespace.

    With `cluster_issuer` the Gateway component first asks cert-manager for it (a Certificate
    naming every hostname the Gateway serves, issued by that ClusterIssuer); without, the user
    made the Secret and it must cover those hostnames.
    """

    #: None: `<namespace>-tls`
    secret_name: str | None = None
    cluster_issuer: str | None = None
    #: what the Certificate needs first (the cert-manager release that installs its CRD)
    depends_on: tuple[pulumi.Resource, ...] = ()


@dataclass(frozen=True)
class LoadBalancerCertificates:
    """The cloud load balancer holds the certificates (ACM on an ALB, a Certificate Manager map
    on GKE): the HTTPS listeners carry no `tls`, the Gateway carries what points at them."""

    #: Gateway annotations, e.g. GKE's `networking.gke.io/certmap`
    annotations: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    #: the Gateway's `spec.infrastructure`, e.g. a parametersRef to its load balancer settings
    infrastructure: dict[str, Any] | None = None
    #: what must exist before the Gateway: issued certificates, map entries, configurations
    depends_on: tuple[pulumi.Resource, ...] = ()


#: how a region's Gateway gets the certificate of every hostname it serves
GatewayTls = SecretCertificate | LoadBalancerCertificates


class ConnectionKind(StrEnum):
    """How Curity talks to a data store: a JDBC data source or the DynamoDB plugin."""

    JDBC = "jdbc"
    DYNAMODB = "dynamodb"


#: ServiceAccount annotation EKS reads to inject the IRSA role's web identity token
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
#: ServiceAccount annotation GKE Workload Identity reads to act as a Google service account
WORKLOAD_IDENTITY_ANNOTATION = "iam.gke.io/gcp-service-account"


@dataclass(frozen=True)
class IrsaRole:
    """The nodes assume an IAM role through IRSA (EKS)."""

    role_arn: pulumi.Input[str]

    def annotations(self) -> dict[str, pulumi.Input[str]]:
        return {IRSA_ANNOTATION: self.role_arn}


@dataclass(frozen=True)
class WorkloadIdentity:
    """The nodes act as a Google service account through GKE Workload Identity."""

    service_account_email: pulumi.Input[str]

    def annotations(self) -> dict[str, pulumi.Input[str]]:
        return {WORKLOAD_IDENTITY_ANNOTATION: self.service_account_email}


#: how a region's nodes authenticate to a store; None: with stored credentials or none at all
NodeIdentity = IrsaRole | WorkloadIdentity | None
