"""The composition every topology shares: platforms, keys, data, workloads, GSLB.

A topology is one deployment (a stack, or one sub-cluster of a stack). What differs between the
three deployable topologies is small and declared by each subclass: the shape it accepts and the
failover role of each region.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi

from regionkit.components.protocols import (
    CnpgOperatorArgs,
    DataStore,
    GslbArgs,
    PlatformArgs,
    RegionEndpoint,
    RegionPlatform,
    StoreArgs,
)
from regionkit.components.settings import StackSettings
from regionkit.errors import StackInvalid, skipped_check
from regionkit.model import StoreGroup, resolve
from regionkit.spec.config_dir import startup_xml
from regionkit.spec.models import (
    Deployment,
    Engine,
    RegionSpec,
    Role,
    Routing,
    StackSpec,
    Topology,
)

if TYPE_CHECKING:
    from regionkit.components.identity_server import IdentityServer
    from regionkit.components.platform.aws_certificates import AcmValidation
    from regionkit.components.platform.gke_certificates import StackAuthorizations

#: the input under which a topology registers the failover timing its GSLB configures
FAILOVER_INPUT = "failover"
#: the input naming the region a failover DNS record answers with first
DNS_PRIMARY_INPUT = "dnsPrimary"


@dataclass(frozen=True)
class TopologyArgs:
    """What a topology component needs: the deployment, and where its config files live.

    `spec` may be a whole `StackSpec` of the matching topology (the Python API) or one resolved
    `Deployment` (a sub-cluster). `config_dir` is the directory `identityServer.config.path` is
    relative to: the stack file's directory (default: the working directory).
    """

    spec: StackSpec | Deployment
    config_dir: Path | None = None
    #: run the stack checks before registering anything (off when the caller already ran them)
    validate: bool = True
    #: what the program made of the stack file's references (`regionkit.program.read_settings`)
    settings: StackSettings = field(default_factory=StackSettings)
    #: the stack's ACM validation records when several deployments share them (sub-clusters);
    #: None: the topology keeps its own
    acm_validation: Callable[[], AcmValidation] | None = None
    #: the stack's Certificate Manager DNS authorizations when several deployments share them
    #: (sub-clusters); None: the topology keeps its own
    gke_authorizations: StackAuthorizations | None = None

    def deployment(self) -> Deployment:
        if isinstance(self.spec, Deployment):
            return self.spec
        deployments = self.spec.deployments()
        if len(deployments) != 1:
            raise ValueError(
                "a sub-clusters stack has several deployments: use SubClusters, not a "
                "single-deployment topology"
            )
        return deployments[0]


class DeploymentTopology(pulumi.ComponentResource):
    """Base of SingleRegion, ActivePassive and GlobalCluster."""

    TOKEN: ClassVar[str]
    TOPOLOGY: ClassVar[Topology]

    hostname: pulumi.Output[str]
    issuer: pulumi.Output[str]
    endpoints: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, args: TopologyArgs, opts: pulumi.ResourceOptions | None = None):
        deployment = args.deployment()
        if deployment.topology is not self.TOPOLOGY:
            raise ValueError(
                f"{type(self).__name__} deploys topology '{self.TOPOLOGY}', but the stack "
                f"says '{deployment.topology}'"
            )
        if args.validate and isinstance(args.spec, StackSpec):
            _validate(args.spec, args)
        config_files = read_config_files(deployment, args.config_dir)
        license_text = read_license_file(deployment, args.config_dir)
        resolved = resolve(deployment)
        self.dns_primary = _recorded_dns_primary(deployment, args.settings)
        # the failover timing is an input, so a plan reads what the GSLB was configured with
        super().__init__(
            self.TOKEN,
            name,
            {
                "topology": str(deployment.topology),
                "subCluster": deployment.sub_cluster,
                FAILOVER_INPUT: resolved.timing.to_json(),
                **self._dns_input(deployment),
            },
            opts,
        )
        child = pulumi.ResourceOptions(parent=self)
        self.deployment = deployment

        self.platforms = _platforms(
            name,
            deployment,
            resolved.store_groups,
            args.settings,
            self,
            args.acm_validation,
            args.gke_authorizations,
        )

        from regionkit.components.shared_keys import SharedKeys, SharedKeysArgs

        self.keys = SharedKeys(f"{name}-keys", SharedKeysArgs(deployment), child)

        self.stores = self._stores(name, deployment, resolved.store_groups, args.settings, child)
        self.servers, self.region_endpoints = self._servers(
            name, deployment, (config_files, license_text), child
        )

        self._config_sync(name, deployment, config_files, child)

        self.timing = resolved.timing
        from regionkit.components.gslb import gslb_for

        self.gslb = gslb_for(deployment.dns.provider)(
            f"{name}-gslb",
            GslbArgs(deployment, self.region_endpoints, self.timing, args.settings),
            child,
        )

        self.hostname = pulumi.Output.from_input(deployment.hostname)
        self.issuer = pulumi.Output.from_input(deployment.issuer)
        self.endpoints = _addresses_by_region(self.region_endpoints)
        self.register_outputs(
            {"hostname": self.hostname, "issuer": self.issuer, "endpoints": self.endpoints}
        )

    def endpoint_role(self, deployment: Deployment, role: Role) -> Any:
        return "active"

    def _dns_input(self, deployment: Deployment) -> dict[str, Any]:
        """The failover record's primary region, registered for the plan: the stack file's
        active region, or where a failover pinned it."""
        if deployment.routing is not Routing.FAILOVER:
            return {}
        active = next((r.id for r in deployment.regions if r.role is Role.ACTIVE), None)
        return {
            DNS_PRIMARY_INPUT: {
                "hostname": deployment.hostname,
                "region": self.dns_primary or active,
                "stackFileRegion": active,
                "source": "recorded" if self.dns_primary else "stack file",
            }
        }

    def _dns_role(self, region: RegionSpec) -> Role:
        """The region's role in DNS: the stack file's, unless a failover pinned DNS elsewhere
        (roles.json), which the next `up` keeps rather than reverting."""
        if self.dns_primary is None:
            return region.role
        return Role.ACTIVE if region.id == self.dns_primary else Role.PASSIVE

    def _stores(
        self,
        name: str,
        deployment: Deployment,
        store_groups: Sequence[StoreGroup],
        settings: StackSettings,
        child: pulumi.ResourceOptions,
    ) -> list[DataStore]:
        """One data store per store group, on the engine's component."""
        from regionkit.components.data import store_for

        stores: list[DataStore] = []
        for group in store_groups:
            store_cls = store_for(group.engine)
            stores.append(
                store_cls(
                    f"{name}-{group.data_source_id}",
                    StoreArgs(deployment, group, self.platforms, settings),
                    child,
                )
            )
        return stores

    def _servers(
        self,
        name: str,
        deployment: Deployment,
        startup: tuple[dict[str, str], str | None],
        child: pulumi.ResourceOptions,
    ) -> tuple[dict[str, IdentityServer], tuple[RegionEndpoint, ...]]:
        """An identity server in every region, and the endpoint the GSLB answers with for it.

        `startup`: the configuration files by path below etc/init, and the license file's text
        (None when an existing Secret holds the license, or nothing names one)."""
        from regionkit.components.identity_server import IdentityServer, IdentityServerArgs
        from regionkit.components.idsvr_pods import License

        config_files, license_text = startup
        named = deployment.identity_server.license
        license = None
        if license_text is not None:
            license = License.from_file(license_text)
        elif named is not None and named.secret_name is not None:
            license = License(secret_name=named.secret_name)
        servers: dict[str, IdentityServer] = {}
        endpoints: list[RegionEndpoint] = []
        for region in deployment.regions:
            connections = tuple(store.connection(region.id) for store in self.stores)
            server = IdentityServer(
                f"{name}-{region.id}",
                IdentityServerArgs(
                    deployment=deployment,
                    platform=self.platforms[region.id],
                    keys=self.keys,
                    data=connections,
                    config_files=config_files,
                    passive=region.role is Role.PASSIVE,
                    license=license,
                ),
                child,
            )
            servers[region.id] = server
            endpoints.append(
                RegionEndpoint(
                    region=region,
                    address=server.endpoint.address,
                    address_kind=server.endpoint.address_kind,
                    alias_zone_id=server.endpoint.alias_zone_id,
                    role=self.endpoint_role(deployment, self._dns_role(region)),
                    depends_on=(server,),
                )
            )
        return servers, tuple(endpoints)

    def _config_sync(
        self,
        name: str,
        deployment: Deployment,
        config_files: dict[str, str],
        child: pulumi.ResourceOptions,
    ) -> None:
        """A config-sync CronJob in every region that follows git rather than an operator."""
        if deployment.config_sync is None:
            return
        targets = deployment.passive_regions or (
            deployment.regions if self.TOPOLOGY is not Topology.ACTIVE_PASSIVE else []
        )
        if not targets:
            return
        from regionkit.components.config_sync_job import (
            ConfigSyncJob,
            ConfigSyncJobArgs,
            used_parameters,
        )

        for region in targets:
            server = self.servers[region.id]
            ConfigSyncJob(
                f"{name}-{region.id}-config-sync",
                ConfigSyncJobArgs(
                    deployment=deployment,
                    region=region,
                    k8s_provider=self.platforms[region.id].k8s_provider,
                    namespace=server.namespace,
                    admin_service=server.admin_service_name,
                    admin_secret_name=server.secret_name,
                    admin_password_key=server.admin_password_key,
                    ca_secret_name=server.admin_tls.secret_name,
                    ca_key=server.admin_tls.ca_key,
                    admin_pod_labels=server.admin_pod_labels,
                    parameter_secret_name=server.secret_name,
                    parameters=used_parameters(config_files, server.secret_keys),
                ),
                pulumi.ResourceOptions(parent=server),
            )


def _recorded_dns_primary(deployment: Deployment, settings: StackSettings) -> str | None:
    recorded = settings.dns_primaries.get(deployment.hostname)
    return recorded if recorded in {r.id for r in deployment.regions} else None


def _addresses_by_region(endpoints: Sequence[RegionEndpoint]) -> pulumi.Output[dict[str, str]]:
    """Each region's public address, keyed by region id."""
    return pulumi.Output.all(*[pulumi.Output.from_input(e.address) for e in endpoints]).apply(
        lambda addresses: dict(zip((e.region.id for e in endpoints), addresses, strict=True))
    )


def _platforms(
    name: str,
    deployment: Deployment,
    groups: tuple[StoreGroup, ...],
    settings: StackSettings,
    topology: pulumi.Resource,
    acm_validation: Callable[[], AcmValidation] | None = None,
    gke_authorizations: StackAuthorizations | None = None,
) -> dict[str, RegionPlatform]:
    """Every region's platform, each installing the add-ons the deployment's stores need."""
    from regionkit.components.platform import PlatformKind, platform_for, platform_kind

    child = pulumi.ResourceOptions(parent=topology)
    gcp_network = None
    if any(platform_kind(r) is PlatformKind.GKE for r in deployment.regions):
        from regionkit.components.platform.gcp import network_once

        gcp_network = network_once(
            f"{name}-network", deployment, settings, child, gke_authorizations
        )
    if acm_validation is None and any(
        platform_kind(r) is PlatformKind.EKS for r in deployment.regions
    ):
        from regionkit.components.platform.aws_certificates import validation_once

        acm_validation = validation_once(f"{name}-acm-validation", child)
    operators = _cnpg_operators(name, groups, topology)
    platforms: dict[str, RegionPlatform] = {}
    for region in deployment.regions:
        args = PlatformArgs(
            deployment,
            region,
            settings,
            cnpg_operator=operators.get(region.id),
            gcp_network=gcp_network,
            acm_validation=acm_validation,
        )
        platforms[region.id] = platform_for(region)(f"{name}-{region.id}", args, child).platform
    return platforms


def _cnpg_operators(
    name: str, groups: tuple[StoreGroup, ...], topology: pulumi.Resource
) -> dict[str, CnpgOperatorArgs]:
    """The regions whose platform installs the CloudNativePG operator, by region id.

    The first cnpg store of a region used to install it under its own region scope; each
    request names that release so the platform adopts it (an alias) instead of replacing it.
    """
    operators: dict[str, CnpgOperatorArgs] = {}
    for group in groups:
        if group.engine is not Engine.CNPG:
            continue
        from regionkit.components.data.cnpg import Cnpg, CnpgRegion

        store = f"{name}-{group.data_source_id}"
        store_urn = pulumi.create_urn(store, Cnpg.TOKEN, parent=topology)
        for rid in (rid for placement in group.placements for rid in placement):
            if rid not in operators:
                operators[rid] = CnpgOperatorArgs(
                    previous_name=f"{store}-{rid}-cnpg-operator",
                    previous_parent=pulumi.create_urn(
                        f"{store}-{rid}", CnpgRegion.TOKEN, parent=store_urn
                    ),
                )
    return operators


def _validate(spec: StackSpec, args: TopologyArgs) -> None:
    """The checks, told what the program knows and a stack file does not: where the startup
    files are."""
    from regionkit.checks import validate
    from regionkit.findings import has_errors
    from regionkit.spec.loader import LoadedStack

    findings = validate(LoadedStack(spec=spec), base_dir=args.config_dir)
    if has_errors(findings):
        raise StackInvalid(findings)


def read_config_files(deployment: Deployment, config_dir: Path | None) -> dict[str, str]:
    """The identity server's startup XML files from `identityServer.config.path`, by their path
    below etc/init: `*.xml` at any depth, in sorted order (`spec.config_dir.startup_xml`).

    The checks read the same files first (config.path, config.xml), so a validated stack's
    directory and files are readable here.
    """
    relative = deployment.identity_server.config.path
    if relative is None:
        return {}
    directory = (config_dir or Path.cwd()) / relative
    if not directory.is_dir():
        raise skipped_check(
            f"{deployment.key_path('identityServer.config.path')}: {directory} is not a directory "
            "of Curity XML configuration files",
            "config.path",
        )
    files = {}
    for name in startup_xml(directory):
        try:
            files[name] = (directory / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise skipped_check(
                f"{directory / name}: cannot read configuration file: {exc}", "config.xml"
            ) from exc
    return files


def read_license_file(deployment: Deployment, config_dir: Path | None) -> str | None:
    """The text of the license file the nodes get (`checks.config.license_file`), or None when
    an existing Secret holds the license (or nothing names one). The text is a secret: errors
    name the file, never quote it."""
    from regionkit.checks.config import license_file

    path = license_file(deployment, config_dir or Path.cwd())
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise skipped_check(
            f"{deployment.key_path('identityServer.license')}: cannot read the license file "
            f"{path} ({reason})",
            "config.license",
        ) from None
