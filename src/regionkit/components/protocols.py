"""The small protocols between components: one per concern, one implementation per cloud/engine.

A topology composes, per deployment:
  1. one `RegionPlatform` per region (from a platform component of the region's cloud),
  2. the shared keys (once per deployment),
  3. one data-store component per (engine, scope) group, each giving every region it serves a
     `DataConnection`,
  4. one identity-server workload per region, fed the platform, keys and data connections, which
     gives back a `RegionEndpoint`,
  5. one GSLB component for the deployment's DNS provider, fed every region's endpoint.

Everything here is plain data decided from the spec, never inside `apply()`: which regions,
counts and flags exist is known before any resource is registered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

import pulumi

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s

    from regionkit.spec.models import DataClassName, Deployment, Engine, RegionSpec, Scope

AddressKind = Literal["ip", "hostname"]

TOKEN_PREFIX = "regionkit"


def type_token(module: str, name: str) -> str:
    """The component type token `regionkit:<module>:<Name>`; once released, never changed."""
    return f"{TOKEN_PREFIX}:{module}:{name}"


@dataclass(frozen=True)
class RegionPlatform:
    """What a region's platform gives the components that run on it."""

    region: RegionSpec
    #: the Kubernetes provider of the region's cluster, named after the region id
    k8s_provider: k8s.Provider
    #: the cloud provider pinned to the region (aws.Provider / gcp.Provider), None on `kubernetes`
    cloud_provider: pulumi.ProviderResource | None = None
    #: how the region's Gateway is reached from the internet: an IP (A record) or a hostname
    gateway_address_kind: AddressKind = "ip"
    #: the Gateway API GatewayClass the region's cluster provides
    gateway_class: str = "regionkit"
    #: private network facts data stores need (VPC id, subnet ids, network self link...)
    network: dict[str, pulumi.Input[str] | list[pulumi.Input[str]]] = field(default_factory=dict)
    #: resources the workload must wait for (node group, cluster add-ons)
    depends_on: tuple[pulumi.Resource, ...] = ()


@dataclass(frozen=True)
class EgressRule:
    """Where the identity server must be allowed to connect (NetworkPolicy egress)."""

    port: int
    cidrs: tuple[str, ...] = ()
    #: in-cluster peers, as (namespace or None for the workload's own, pod label selector)
    pod_selector: dict[str, str] | None = None
    namespace: str | None = None
    protocol: Literal["TCP", "UDP"] = "TCP"


@dataclass(frozen=True)
class DataConnection:
    """How one region's identity server nodes reach one data store.

    `env` holds non-secret values (JDBC URL, DynamoDB region and table prefix); `secret_env`
    holds values written into the region's Secret (user name, password) and always passed as
    Pulumi secrets; `secret_ref` names an existing Secret to mount instead (engine `external`).
    """

    engine: Engine
    data_classes: tuple[DataClassName, ...]
    #: Curity data source id, used in the configuration (e.g. "default-datasource")
    data_source_id: str
    env: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    secret_env: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    secret_ref: str | None = None
    egress: tuple[EgressRule, ...] = ()
    #: annotations for the nodes' ServiceAccount (IRSA role, GKE workload identity)
    service_account_annotations: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    #: True where this region holds a read-only replica (passive region of a single-writer store)
    read_only: bool = False


@dataclass(frozen=True)
class StoreGroup:
    """Data classes sharing one engine and scope: one store (DESIGN section 3)."""

    engine: Engine
    scope: Scope
    data_classes: tuple[DataClassName, ...]
    #: the stores of the group: each a tuple of region ids replicated together;
    #: scope region -> one per region, jurisdiction -> one per jurisdiction, global -> one
    placements: tuple[tuple[str, ...], ...]
    #: for single-writer engines: the region id holding the writer of each placement
    writers: tuple[str, ...]
    secret_name: str | None = None


class DataStore(Protocol):
    """A data-store component: registers the store(s) of one `StoreGroup`."""

    def connection(self, region_id: str) -> DataConnection: ...


@dataclass(frozen=True)
class RegionEndpoint:
    """A region's public runtime endpoint, as the GSLB sees it."""

    region: RegionSpec
    address: pulumi.Input[str]
    address_kind: AddressKind
    #: failover role: "primary"/"secondary" for active-passive, "active" otherwise
    role: Literal["primary", "secondary", "active"] = "active"
    #: resources the GSLB records depend on
    depends_on: tuple[pulumi.Resource, ...] = ()


@dataclass(frozen=True)
class FailoverTiming:
    """DNS timing derived from `failoverBudgetSeconds` for one DNS provider."""

    interval_seconds: int
    failure_threshold: int
    ttl_seconds: int

    @property
    def detect_seconds(self) -> int:
        return self.interval_seconds * self.failure_threshold

    @property
    def worst_case_seconds(self) -> int:
        return self.detect_seconds + self.ttl_seconds

    def to_json(self) -> dict[str, int]:
        return {
            "detectSeconds": self.detect_seconds,
            "ttlSeconds": self.ttl_seconds,
            "worstCaseSeconds": self.worst_case_seconds,
            "intervalSeconds": self.interval_seconds,
            "failureThreshold": self.failure_threshold,
        }


class PlatformFactory(Protocol):
    def __call__(
        self, name: str, deployment: Deployment, region: RegionSpec, opts: pulumi.ResourceOptions
    ) -> RegionPlatform: ...


@dataclass(frozen=True)
class PlatformArgs:
    """Arguments of every platform component (EKS, GKE, an existing cluster)."""

    deployment: Deployment
    region: RegionSpec


@dataclass(frozen=True)
class BackupKeys:
    """The object store keys of a region's `backups`, read from the environment by the program."""

    access_key_id: pulumi.Input[str]
    secret_access_key: pulumi.Input[str]


@dataclass(frozen=True)
class StoreArgs:
    """Arguments of every data-store component (one per `StoreGroup`)."""

    deployment: Deployment
    group: StoreGroup
    #: the platform of every region of the deployment, by region id
    platforms: dict[str, RegionPlatform]
    #: the keys of each region's `backups` object store, by region id
    backup_keys: Mapping[str, BackupKeys] = field(default_factory=dict)


@dataclass(frozen=True)
class GslbArgs:
    """Arguments of every GSLB component (Route 53, Cloud DNS)."""

    deployment: Deployment
    endpoints: tuple[RegionEndpoint, ...]
    timing: FailoverTiming


def data_source_id(data_classes: tuple[str, ...]) -> str:
    """The Curity data source id of a store serving `data_classes`, e.g. "accounts-audit"."""
    return "-".join(data_classes)


def env_prefix(source_id: str) -> str:
    """Environment prefix of a data source's variables, e.g. "DS_ACCOUNTS_AUDIT_"."""
    return "DS_" + source_id.upper().replace("-", "_") + "_"


#: the ServiceAccount of the identity server nodes in every region
WORKLOAD_SERVICE_ACCOUNT = "idsvr"


def workload_namespace(deployment: Deployment) -> str:
    """The namespace of a deployment's identity server: `<name>` or `<name>-<sub-cluster>`."""
    return "-".join(p for p in (deployment.name, deployment.sub_cluster) if p)


def workload_service_account(deployment: Deployment) -> tuple[str, str]:
    """Namespace and ServiceAccount the nodes run as: what IRSA and workload identity trust."""
    return workload_namespace(deployment), WORKLOAD_SERVICE_ACCOUNT


def regional_hostname(deployment: Deployment, region_id: str) -> str:
    """The name that reaches one region's Gateway directly, e.g. `us-east.login.example.com`.

    GSLB health checks send it as Host/SNI (a load balancer's own DNS name matches no route), and
    operators use it to reach one region on purpose.
    """
    return f"{region_id}.{deployment.hostname}"


class RegionScope(pulumi.ComponentResource):
    """Groups one region's share of a multi-region component, so the plan attributes it there.

    Subclasses only set `TOKEN`; the "region" input is what the plan reads.
    """

    TOKEN: str

    def __init__(self, name: str, region_id: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TOKEN, name, {"region": region_id}, opts)
        self.register_outputs({})
