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

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, Literal, Protocol, TypeVar, cast

import pulumi

from regionkit.components.facts import (
    ClusterAddons,
    ConnectionKind,
    GatewayTls,
    NodeIdentity,
    PlatformFacts,
    SecretCertificate,
)
from regionkit.components.settings import StackSettings
from regionkit.model import FailoverTiming, StoreGroup

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s

    from regionkit.components.platform.aws_certificates import AcmValidation
    from regionkit.components.platform.gcp import GcpNetwork
    from regionkit.spec.models import DataClassName, Deployment, Engine, RegionSpec

AddressKind = Literal["ip", "hostname"]
T = TypeVar("T")


@dataclass(frozen=True)
class RegionPlatform:
    """What a region's platform gives the components that run on it."""

    region: RegionSpec
    #: the Kubernetes provider of the region's cluster, named after the region id
    k8s_provider: k8s.Provider
    #: what the platform knows of its cloud (network, IRSA trust, project): match on the type
    facts: PlatformFacts
    #: the cloud provider pinned to the region (aws.Provider / gcp.Provider), None on `kubernetes`
    cloud_provider: pulumi.ProviderResource | None = None
    #: how the region's Gateway is reached from the internet: an IP (A record) or a hostname
    gateway_address_kind: AddressKind = "ip"
    #: the Route 53 hosted zone of the Gateway's hostname where it is an AWS load balancer's
    #: DNS name (an ALB): Route 53 answers for it with alias A records, not CNAMEs
    gateway_alias_zone_id: pulumi.Input[str] | None = None
    #: the Gateway API GatewayClass the region's cluster provides
    gateway_class: str = "regionkit"
    #: where the Gateway's certificates come from (every name of `model.served_hostnames`)
    gateway_tls: GatewayTls = field(default_factory=SecretCertificate)
    #: the networks the Gateway's load balancer reaches pods from; empty: proxies in the
    #: cluster, labelled with the Gateway's name as the Gateway API asks of implementations
    gateway_source_cidrs: tuple[str, ...] = ()
    #: cluster-wide add-ons the platform installed for the deployment's stores
    addons: ClusterAddons = field(default_factory=ClusterAddons)
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
    #: how the nodes authenticate to the store (their ServiceAccount's annotations follow)
    identity: NodeIdentity = None
    #: a JDBC data source, or the DynamoDB plugin
    kind: ConnectionKind = ConnectionKind.JDBC
    #: True where this region holds a read-only replica (passive region of a single-writer store)
    read_only: bool = False
    #: what the nodes must wait for before they start: the schema job of the store's writer,
    #: in every region of the store (replicas receive the schema by replication)
    ready: tuple[pulumi.Resource, ...] = ()


@dataclass(frozen=True)
class RegionEndpoint:
    """A region's public runtime endpoint, as the GSLB sees it."""

    region: RegionSpec
    address: pulumi.Input[str]
    address_kind: AddressKind
    #: see `RegionPlatform.gateway_alias_zone_id`
    alias_zone_id: pulumi.Input[str] | None = None
    #: failover role: "primary"/"secondary" for active-passive, "active" otherwise
    role: Literal["primary", "secondary", "active"] = "active"
    #: resources the GSLB records depend on
    depends_on: tuple[pulumi.Resource, ...] = ()


@dataclass(frozen=True)
class CnpgOperatorArgs:
    """The CloudNativePG operator a platform installs because a cnpg store runs in its region.

    Before platforms owned it, the first cnpg store of a region installed it under its own
    region scope: `previous_name` and `previous_parent` (a URN) alias that release, so an
    existing stack moves it rather than replacing it (which would delete its CRDs and with
    them every PostgreSQL cluster).
    """

    previous_name: str | None = None
    previous_parent: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class PlatformArgs:
    """Arguments of every platform component (EKS, GKE, an existing cluster)."""

    deployment: Deployment
    region: RegionSpec
    settings: StackSettings = field(default_factory=StackSettings)
    #: install the CloudNativePG operator (a cnpg store of the deployment runs in the region)
    cnpg_operator: CnpgOperatorArgs | None = None
    #: the deployment's Google Cloud network, made once by the first GKE platform that asks;
    #: None: a GKE platform makes a network of its own
    gcp_network: Callable[[], GcpNetwork] | None = None
    #: the deployment's ACM DNS validation records, one per domain whatever the number of EKS
    #: regions that certify it, made by the first EKS platform that asks; None: a platform
    #: keeps its own
    acm_validation: Callable[[], AcmValidation] | None = None


@dataclass(frozen=True)
class StoreArgs:
    """Arguments of every data-store component (one per `StoreGroup`)."""

    deployment: Deployment
    group: StoreGroup
    #: the platform of every region of the deployment, by region id
    platforms: dict[str, RegionPlatform]
    settings: StackSettings = field(default_factory=StackSettings)


@dataclass(frozen=True)
class GslbArgs:
    """Arguments of every GSLB component (Route 53, Cloud DNS)."""

    deployment: Deployment
    endpoints: tuple[RegionEndpoint, ...]
    timing: FailoverTiming
    settings: StackSettings = field(default_factory=StackSettings)


class PlatformComponent(Protocol):
    """What a platform component gives the topology."""

    @property
    def platform(self) -> RegionPlatform: ...


class PlatformClass(Protocol):
    """The constructor every platform component has (EKS, GKE, an existing cluster)."""

    def __call__(
        self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> PlatformComponent: ...


class DataStore(Protocol):
    """What a data-store component gives the identity server of each region it serves."""

    def connection(self, region_id: str) -> DataConnection: ...


class StoreClass(Protocol):
    """The constructor every data-store component has (one per engine)."""

    def __call__(
        self, name: str, args: StoreArgs, opts: pulumi.ResourceOptions | None = None
    ) -> DataStore: ...


class GslbClass(Protocol):
    """The constructor every GSLB component has (one per DNS provider)."""

    def __call__(
        self, name: str, args: GslbArgs, opts: pulumi.ResourceOptions | None = None
    ) -> pulumi.ComponentResource: ...


@dataclass(frozen=True)
class Lazy(Generic[T]):
    """A registry entry: a component class imported only when a stack uses it.

    A stack on one cloud never imports another cloud's SDK (seconds of import time, and an SDK
    the user may not have installed).
    """

    module: str
    attribute: str

    def load(self) -> T:
        return cast("T", getattr(importlib.import_module(self.module), self.attribute))


class RegionScope(pulumi.ComponentResource):
    """Groups one region's share of a multi-region component, so the plan attributes it there.

    Subclasses only set `TOKEN`; the "region" input is what the plan reads.
    """

    TOKEN: str

    def __init__(self, name: str, region_id: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TOKEN, name, {"region": region_id}, opts)
        self.register_outputs({})
