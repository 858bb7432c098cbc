"""Pydantic models of the stack file (DESIGN section 1).

One model serves both the YAML stack file (camelCase keys) and the Python API
(snake_case keyword arguments): every model accepts either spelling.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

API_VERSION = "regionkit/v1"
DEFAULT_IMAGE = "curity.azurecr.io/curity/idsvr:11.2"

NAME_PATTERN = r"^[a-z][a-z0-9-]{1,20}$"
REGION_ID_PATTERN = r"^[a-z][a-z0-9-]{1,15}$"
JURISDICTION_PATTERN = r"^(EU|[A-Z]{2})$"
ENV_VAR_PATTERN = r"^[A-Z_][A-Z0-9_]{0,127}$"
GCP_PROJECT_PATTERN = r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"
HOSTNAME_PATTERN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"


class Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        use_enum_values=False,
    )


class Topology(StrEnum):
    SINGLE_REGION = "single-region"
    ACTIVE_PASSIVE = "active-passive"
    GLOBAL_CLUSTER = "global-cluster"
    SUB_CLUSTERS = "sub-clusters"


class Cloud(StrEnum):
    AWS = "aws"
    GCP = "gcp"
    KUBERNETES = "kubernetes"


class Role(StrEnum):
    ACTIVE = "active"
    PASSIVE = "passive"


class DnsProvider(StrEnum):
    ROUTE53 = "route53"
    CLOUD_DNS = "cloud-dns"
    #: DNS managed elsewhere: no DNS resources; the records are published as outputs
    NONE = "none"


class Routing(StrEnum):
    FAILOVER = "failover"
    LATENCY = "latency"
    GEOLOCATION = "geolocation"
    WEIGHTED = "weighted"


class Engine(StrEnum):
    AURORA_POSTGRESQL = "aurora-postgresql"
    AURORA_DSQL = "aurora-dsql"
    DYNAMODB = "dynamodb"
    CLOUDSQL_POSTGRESQL = "cloudsql-postgresql"
    SPANNER = "spanner"
    CNPG = "cnpg"
    EXTERNAL = "external"


class Scope(StrEnum):
    REGION = "region"
    JURISDICTION = "jurisdiction"
    GLOBAL = "global"


class Consistency(StrEnum):
    PARTITIONED = "partitioned"
    STRONG = "strong"
    EVENTUAL = "eventual"


DataClassName = Literal["tokens", "accounts", "audit"]
DATA_CLASSES: tuple[DataClassName, ...] = ("tokens", "accounts", "audit")
_PII_DEFAULT: tuple[DataClassName, ...] = ("accounts", "audit")

Cpu = Annotated[str, Field(pattern=r"^([0-9]+m|[0-9]+(\.[0-9]+)?)$")]
Memory = Annotated[str, Field(pattern=r"^[0-9]+(Ki|Mi|Gi|Ti|K|M|G|T)?$")]


# --- identity server -------------------------------------------------------------------------


class RuntimeSpec(Model):
    min_nodes: int = Field(2, ge=1, description="Runtime nodes per region; at least 2.")
    max_nodes: int = Field(8, ge=1, description="HorizontalPodAutoscaler upper bound.")
    target_cpu_percent: int = Field(70, ge=10, le=100)
    cpu: Cpu = Field("1", description="CPU request per node; the limit is derived.")
    memory: Memory = Field("2Gi", description="Memory request per node; also the limit.")

    @model_validator(mode="after")
    def _max_not_below_min(self) -> RuntimeSpec:
        if self.max_nodes < self.min_nodes:
            raise ValueError(
                f"maxNodes ({self.max_nodes}) must be at least minNodes ({self.min_nodes})"
            )
        return self


class AdminTlsSpec(Model):
    secret_name: Annotated[
        str,
        Field(
            pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$",
            description="An existing Secret in the deployment's namespace of every region, "
            "with tls.crt, tls.key and ca.crt (cert-manager's form): the admin node serves "
            "tls.crt, and config-sync trusts ca.crt.",
        ),
    ]


class AdminSpec(Model):
    allowed_cidrs: list[str] = Field(
        default_factory=list,
        description="Networks that may reach the Admin UI and RESTCONF on 6749.",
    )
    tls: AdminTlsSpec | None = Field(
        None,
        description="The admin node's TLS certificate; default: regionkit generates a CA and "
        "a certificate for the admin Service's DNS names.",
    )

    @field_validator("allowed_cidrs")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        for cidr in value:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ValueError(f"{cidr!r} is not a CIDR such as 10.0.0.0/8") from None
        return value


class ConfigSpec(Model):
    path: str | None = Field(
        None, description="Directory of Curity XML, relative to the stack file."
    )


class LicenseSpec(Model):
    """Where the identity server's license comes from: exactly one of the two, never its text."""

    secret_name: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")] | None = (
        Field(
            None,
            description="An existing Secret in each region's namespace whose key license.json "
            "holds the license file.",
        )
    )
    file: Annotated[str, Field(min_length=1)] | None = Field(
        None,
        description="The license file (license.json), relative to the stack file; keep it out of "
        "git. regionkit puts it into a Secret of its own in each region.",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> LicenseSpec:
        if (self.secret_name is None) == (self.file is None):
            raise ValueError("set exactly one of secretName and file")
        return self


class IdentityServerSpec(Model):
    image: str = Field(DEFAULT_IMAGE, min_length=1)
    runtime: RuntimeSpec = Field(default_factory=RuntimeSpec)
    admin: AdminSpec = Field(default_factory=AdminSpec)
    config: ConfigSpec = Field(default_factory=ConfigSpec)
    license: LicenseSpec | None = Field(
        None,
        description="The license: an existing Secret or a file. Default: license/license.json "
        "in the config directory.",
    )
    issuer: Annotated[str, Field(pattern=r"^https://[^\s/]+(/\S*)?$")] | None = None


# --- DNS --------------------------------------------------------------------------------------


class DnsSpec(Model):
    provider: DnsProvider = DnsProvider.ROUTE53
    zone: Annotated[str, Field(pattern=HOSTNAME_PATTERN)] | None = None
    hostname: Annotated[str, Field(pattern=HOSTNAME_PATTERN)] | None = None
    routing: Routing | None = None
    failover_budget_seconds: int = Field(
        240,
        ge=1,
        le=86400,
        description="Target time from a region failing to its users resolving another region; "
        "health checks and TTL are derived from it, and validation warns when even the "
        "fastest failover's worst case exceeds it. The default fits every provider's worst "
        "case, Route 53's alias records to a load balancer (fixed 60 s TTL) included.",
    )
    global_hostname: Annotated[str, Field(pattern=HOSTNAME_PATTERN)] | None = None


# --- data -------------------------------------------------------------------------------------


class ConnectionSpec(Model):
    secret_name: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]


class DataClassSpec(Model):
    engine: Engine
    scope: Scope = Scope.REGION
    connection: ConnectionSpec | None = None

    @model_validator(mode="after")
    def _connection_only_for_external(self) -> DataClassSpec:
        if self.engine is Engine.EXTERNAL and self.connection is None:
            raise ValueError("engine 'external' needs connection.secretName")
        if self.engine is not Engine.EXTERNAL and self.connection is not None:
            raise ValueError("connection is only for engine 'external'")
        return self


def _default_data_class() -> DataClassSpec:
    return DataClassSpec(engine=Engine.CNPG, scope=Scope.GLOBAL)


class DataSpec(Model):
    tokens: DataClassSpec = Field(default_factory=_default_data_class)
    accounts: DataClassSpec = Field(default_factory=_default_data_class)
    audit: DataClassSpec = Field(default_factory=_default_data_class)

    def items(self) -> list[tuple[DataClassName, DataClassSpec]]:
        return [(name, getattr(self, name)) for name in DATA_CLASSES]


class CrossBorder(Model):
    from_: Annotated[str, Field(alias="from", pattern=JURISDICTION_PATTERN)]
    to: Annotated[str, Field(pattern=JURISDICTION_PATTERN)]


class ResidencySpec(Model):
    personal_data: list[DataClassName] = Field(default_factory=lambda: list(_PII_DEFAULT))
    cross_border: list[CrossBorder] = Field(default_factory=list)

    def allows(self, source: str, target: str) -> bool:
        return source == target or any(
            t.from_ == source and t.to == target for t in self.cross_border
        )


# --- regions ----------------------------------------------------------------------------------


class AddonsSpec(Model):
    """The in-cluster add-ons regionkit installs and then relies on; each defaults to on.

    Set one to false only when the cluster already has it (an existing cluster, or one whose
    add-ons another team manages): regionkit then expects it and installs nothing for it.
    Add-ons a platform has built in (GKE's Gateway API, autoscaler, metrics and Dataplane V2)
    are not installed whatever these say.
    """

    gateway_api_crds: bool = Field(True, description="The Gateway API CRDs (standard channel).")
    load_balancer_controller: bool = Field(
        True, description="AWS Load Balancer Controller with its GatewayClass (EKS)."
    )
    metrics_server: bool = Field(True, description="metrics-server, which the HPA reads.")
    node_autoscaler: bool = Field(True, description="Cluster Autoscaler (EKS).")
    network_policy: bool = Field(
        True, description="NetworkPolicy enforcement (the VPC CNI's network policy agent on EKS)."
    )
    certificates: bool = Field(
        True,
        description="Certificates for every hostname the Gateway serves: ACM (EKS), Certificate "
        "Manager (GKE), cert-manager (an existing cluster).",
    )


class ClusterTlsSpec(Model):
    """Where an existing cluster's Gateway certificate comes from: exactly one of the two."""

    secret_name: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")] | None = (
        Field(None, description="An existing TLS Secret in the namespace, covering every hostname.")
    )
    cluster_issuer: (
        Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")] | None
    ) = Field(None, description="A cert-manager ClusterIssuer that issues the certificate.")

    @model_validator(mode="after")
    def _exactly_one(self) -> ClusterTlsSpec:
        if (self.secret_name is None) == (self.cluster_issuer is None):
            raise ValueError("set exactly one of secretName and clusterIssuer")
        return self


class ClusterSpec(Model):
    kubeconfig_context: str | None = Field(
        None, description="Use this existing cluster instead of creating one."
    )
    kubernetes_version: str | None = Field(None, pattern=r"^1\.[0-9]{2}$")
    instance_type: str | None = Field(None, description="Node machine/instance type.")
    addons: AddonsSpec = Field(default_factory=AddonsSpec)
    gateway_class: (
        Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")] | None
    ) = Field(
        None,
        description="An existing cluster's GatewayClass (its Gateway controller's), required "
        "there; clusters regionkit creates use their platform's.",
    )
    tls: ClusterTlsSpec | None = Field(
        None,
        description="An existing cluster's certificate source (default: a TLS Secret "
        "`<namespace>-tls` you create).",
    )
    api_allowed_cidrs: list[str] = Field(
        default_factory=list,
        description="Networks that may reach the API server of a cluster regionkit creates "
        "(EKS public endpoint, GKE master authorized networks); the machine running "
        "`regionkit up` must be in one of them.",
    )
    admin_principals: list[str] = Field(
        default_factory=list,
        description="IAM principal ARNs given cluster-admin on EKS (access entries) besides "
        "the identity that creates the cluster.",
    )

    @field_validator("api_allowed_cidrs")
    @classmethod
    def _api_cidrs(cls, value: list[str]) -> list[str]:
        return AdminSpec._cidrs(value)


class BackupCredentialsSpec(Model):
    """Names of environment variables that hold the object store keys: references, never values."""

    access_key_id_env: Annotated[str, Field(pattern=ENV_VAR_PATTERN)] = Field(
        description="Environment variable holding the access key id, read by `regionkit up`."
    )
    secret_access_key_env: Annotated[str, Field(pattern=ENV_VAR_PATTERN)] = Field(
        description="Environment variable holding the secret access key, read by `regionkit up`."
    )


class BackupSpec(Model):
    """An S3-compatible object store that a region's CloudNativePG writer backs up to."""

    destination_path: Annotated[
        str, Field(pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/\S*)?$")
    ]
    endpoint_url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = Field(
        None, description="The store's endpoint when it is not AWS S3 (MinIO, Ceph, ...)."
    )
    region: str | None = Field(None, description="The bucket's region, when the store needs one.")
    credentials: BackupCredentialsSpec


class RegionSpec(Model):
    id: Annotated[str, Field(pattern=REGION_ID_PATTERN)]
    cloud: Cloud
    location: Annotated[str, Field(min_length=1, max_length=63)]
    jurisdiction: Annotated[str, Field(pattern=JURISDICTION_PATTERN)]
    role: Role = Role.ACTIVE
    cluster: ClusterSpec = Field(default_factory=ClusterSpec)
    backups: BackupSpec | None = Field(
        None,
        description="Where this region's cnpg writer backs up to, when regionkit creates no "
        "object store for it (cloud 'kubernetes', or an existing cluster).",
    )

    @model_validator(mode="after")
    def _kubernetes_needs_context(self) -> RegionSpec:
        if self.cloud is Cloud.KUBERNETES and not self.cluster.kubeconfig_context:
            raise ValueError(
                "cloud 'kubernetes' needs cluster.kubeconfigContext (an existing cluster)"
            )
        return self

    @property
    def creates_cluster(self) -> bool:
        return self.cluster.kubeconfig_context is None


class ConfigSyncSpec(Model):
    repository: Annotated[str, Field(min_length=1)]
    branch: str = "main"
    path: str = Field(".", description="Directory of Curity XML inside the repository.")
    schedule: str = Field("*/5 * * * *", pattern=r"^(\S+\s+){4}\S+$")
    image: str = Field(
        "ghcr.io/regionkit/regionkit:0.1.0",
        description="Image with regionkit and git that runs `regionkit config-sync`.",
    )
    credentials_secret: str | None = Field(
        None, description="Existing Secret with git credentials (username, password or token)."
    )


class GcpSettings(Model):
    project: Annotated[str, Field(pattern=GCP_PROJECT_PATTERN)] = Field(
        description="The Google Cloud project every gcp resource and Cloud DNS zone is in."
    )


class CloudsSpec(Model):
    """Settings of the cloud accounts a deployment uses; no credentials (those stay in the
    environment)."""

    gcp: GcpSettings | None = None


# --- the stack --------------------------------------------------------------------------------

_INHERITED = ("identity_server", "dns", "data", "residency", "consistency", "config_sync")


class SubClusterSpec(Model):
    id: Annotated[str, Field(pattern=REGION_ID_PATTERN)]
    jurisdiction: Annotated[str, Field(pattern=JURISDICTION_PATTERN)]
    topology: Literal["single-region", "active-passive", "global-cluster"]
    regions: list[RegionSpec] = Field(min_length=1)
    identity_server: IdentityServerSpec | None = None
    dns: DnsSpec | None = None
    data: DataSpec | None = None
    residency: ResidencySpec | None = None
    consistency: Consistency | None = None
    config_sync: ConfigSyncSpec | None = None


class StackSpec(Model):
    """A whole stack file: one environment of one deployment."""

    api_version: Literal["regionkit/v1"] = "regionkit/v1"
    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    topology: Topology
    identity_server: IdentityServerSpec = Field(default_factory=IdentityServerSpec)
    dns: DnsSpec = Field(default_factory=DnsSpec)
    data: DataSpec = Field(default_factory=DataSpec)
    residency: ResidencySpec = Field(default_factory=ResidencySpec)
    consistency: Consistency | None = None
    regions: list[RegionSpec] | None = None
    sub_clusters: list[SubClusterSpec] | None = None
    config_sync: ConfigSyncSpec | None = None
    clouds: CloudsSpec = Field(default_factory=CloudsSpec)

    @model_validator(mode="after")
    def _regions_or_sub_clusters(self) -> StackSpec:
        if self.topology is Topology.SUB_CLUSTERS:
            if not self.sub_clusters:
                raise ValueError(
                    "topology 'sub-clusters' needs subClusters (and no top-level regions)"
                )
            if self.regions:
                raise ValueError(
                    "topology 'sub-clusters' takes regions inside each subClusters entry, not at the top level"
                )
        else:
            if not self.regions:
                raise ValueError(f"topology '{self.topology}' needs a non-empty regions list")
            if self.sub_clusters:
                raise ValueError(
                    f"subClusters is only for topology 'sub-clusters', not '{self.topology}'"
                )
        return self

    def deployments(self) -> list[Deployment]:
        """The independent deployments of this stack: one, or one per sub-cluster."""
        if self.topology is not Topology.SUB_CLUSTERS:
            assert self.regions is not None
            return [
                Deployment(
                    name=self.name,
                    sub_cluster=None,
                    topology=self.topology,
                    identity_server=self.identity_server,
                    dns=self.dns,
                    data=self.data,
                    residency=self.residency,
                    consistency=self.consistency,
                    regions=self.regions,
                    config_sync=self.config_sync,
                    clouds=self.clouds,
                    path_prefix="",
                )
            ]
        assert self.sub_clusters is not None
        out = []
        for index, sub in enumerate(self.sub_clusters):
            merged: dict[str, Any] = {}
            for field in _INHERITED:
                top = getattr(self, field)
                own = getattr(sub, field)
                merged[field] = _merge_models(top, own)
            out.append(
                Deployment(
                    name=self.name,
                    sub_cluster=sub.id,
                    topology=Topology(sub.topology),
                    regions=sub.regions,
                    path_prefix=f"subClusters[{index}].",
                    jurisdiction=sub.jurisdiction,
                    clouds=self.clouds,
                    own_keys=frozenset(
                        to_camel(f) for f in _INHERITED if getattr(sub, f) is not None
                    ),
                    **merged,
                )
            )
        return out

    def all_regions(self) -> list[tuple[str, RegionSpec]]:
        """Every region with its key path in the stack file, across sub-clusters."""
        if self.regions is not None:
            return [(f"regions[{i}]", r) for i, r in enumerate(self.regions)]
        return [
            (f"subClusters[{s}].regions[{i}]", r)
            for s, sub in enumerate(self.sub_clusters or [])
            for i, r in enumerate(sub.regions)
        ]


def _merge_models(top: Any, own: Any) -> Any:
    """Deep-merge a sub-cluster's own setting over the inherited top-level one."""
    if own is None:
        return top
    if top is None or not isinstance(own, BaseModel) or not isinstance(top, BaseModel):
        return own
    merged = _deep_merge(top.model_dump(exclude_unset=True), own.model_dump(exclude_unset=True))
    return type(own).model_validate(merged)


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


class Deployment(Model):
    """One resolved deployment: the stack itself, or one sub-cluster with inherited keys.

    Topologies and checks work on deployments; `path_prefix` maps their findings back to
    the key path in the stack file.
    """

    name: str
    sub_cluster: str | None
    topology: Topology
    identity_server: IdentityServerSpec
    dns: DnsSpec
    data: DataSpec
    residency: ResidencySpec
    consistency: Consistency | None
    regions: list[RegionSpec]
    config_sync: ConfigSyncSpec | None
    clouds: CloudsSpec = Field(default_factory=CloudsSpec)
    path_prefix: str = ""
    jurisdiction: str | None = None
    own_keys: frozenset[str] = frozenset()

    def key_path(self, path: str) -> str:
        """The stack-file key path of `path` (relative to this deployment)."""
        head = path.split(".", 1)[0].split("[", 1)[0]
        if self.sub_cluster is not None and (head == "regions" or head in self.own_keys):
            return self.path_prefix + path
        return path

    @property
    def resource_prefix(self) -> str:
        return self.name

    @property
    def hostname(self) -> str:
        if not self.dns.hostname:
            raise ValueError("dns.hostname is not set")
        return self.dns.hostname

    @property
    def issuer(self) -> str:
        return self.identity_server.issuer or f"https://{self.hostname}"

    @property
    def active_regions(self) -> list[RegionSpec]:
        if self.topology is Topology.ACTIVE_PASSIVE:
            return [r for r in self.regions if r.role is Role.ACTIVE]
        return list(self.regions)

    @property
    def passive_regions(self) -> list[RegionSpec]:
        if self.topology is Topology.ACTIVE_PASSIVE:
            return [r for r in self.regions if r.role is Role.PASSIVE]
        return []

    @property
    def routing(self) -> Routing:
        if self.dns.routing is not None:
            return self.dns.routing
        return {
            Topology.SINGLE_REGION: Routing.FAILOVER,
            Topology.ACTIVE_PASSIVE: Routing.FAILOVER,
            Topology.GLOBAL_CLUSTER: Routing.LATENCY,
        }.get(self.topology, Routing.LATENCY)

    def region_index(self, region_id: str) -> int:
        return next(i for i, r in enumerate(self.regions) if r.id == region_id)

    def region_path(self, region_id: str) -> str:
        return self.key_path(f"regions[{self.region_index(region_id)}]")


def slug(value: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")
