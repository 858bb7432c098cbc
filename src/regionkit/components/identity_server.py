"""The identity server of one region: admin and runtime nodes, their config, keys and network.

Per region, in the region's cluster and one namespace per deployment, as child components:
`RegionKeys` (the nodes' Secret: the deployment's shared keys and the data connections'
secrets), `NetworkPolicies`, `ClusterConfig` (a job that makes the region's `cluster.xml` with
the vendor's `genclust`), `Workload` (the startup configuration, the admin Deployment of one
node and the autoscaled runtime Deployment, their Services, a PodDisruptionBudget and an
optional ServiceMonitor) and `RuntimeGateway`, which publishes the runtime nodes. `endpoint` is
what the GSLB points at.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar
from urllib.parse import urlsplit

import pulumi
import pulumi_kubernetes as k8s

from regionkit.catalog import idsvr
from regionkit.components import curity_config as cc
from regionkit.components import idsvr_pods as pods
from regionkit.components.facts import SecretCertificate
from regionkit.components.gateway import GATEWAY_NAME_LABEL, RuntimeGateway, RuntimeGatewayArgs
from regionkit.components.gke_backend import backend_policies
from regionkit.components.idsvr_workload import (
    ClusterConfig,
    ClusterConfigArgs,
    Workload,
    WorkloadArgs,
)
from regionkit.components.network_policies import (
    NetworkPolicies,
    NetworkPoliciesArgs,
    Peer,
    PolicyInputs,
)
from regionkit.components.protocols import (
    DataConnection,
    EgressRule,
    RegionEndpoint,
    RegionPlatform,
)
from regionkit.components.shared_keys import RegionKeys, RegionKeysArgs, SharedKeys
from regionkit.errors import skipped_check
from regionkit.model import served_hostnames, type_token, workload_namespace
from regionkit.spec.models import Deployment

POD_SECURITY = "restricted"
#: the Gateway's Kubernetes name in the namespace
GATEWAY_NAME = "idsvr"


def _any_namespace() -> Peer:
    return Peer(any_namespace=True)


@dataclass(frozen=True)
class IdentityServerArgs:
    deployment: Deployment
    platform: RegionPlatform
    keys: SharedKeys
    data: tuple[DataConnection, ...]
    #: the user's startup configuration: file name (relative to etc/init) -> XML text
    config_files: dict[str, str]
    passive: bool = False
    #: also create a Prometheus Operator ServiceMonitor (its CRD must be installed)
    service_monitor: bool = False
    #: who may reach the runtime nodes; default: the Gateway's proxies (see `gateway_peer`)
    gateway_peer: Peer | None = None
    #: who may scrape metrics on 4466; None allows nobody
    metrics_peer: Peer | None = field(default_factory=_any_namespace)
    #: Secret with the hostnames' TLS certificate where the platform's Gateway takes one from a
    #: Secret; default: the platform's (`cluster.tls.secretName`), else `<namespace>-tls`
    tls_secret_name: str | None = None
    #: more egress the configuration needs (upstream identity providers, SMTP, webhooks)
    extra_egress: tuple[EgressRule, ...] = ()
    #: the license: an existing Secret, or a file's text regionkit puts into a Secret
    license: pods.License | None = None


namespace_name = workload_namespace


def base_url(deployment: Deployment) -> str:
    """The issuer's origin: the base URL of every node, identical in every region."""
    parts = urlsplit(deployment.issuer)
    return f"{parts.scheme}://{parts.netloc}"


def gateway_peer(platform: RegionPlatform, gateway_name: str) -> Peer:
    """Who the gateway's traffic comes from: the load balancer networks the platform names
    (`gateway_source_cidrs`), else proxies in the cluster, labelled with the Gateway's name as
    the Gateway API asks of implementations."""
    if platform.gateway_source_cidrs:
        return Peer(cidrs=platform.gateway_source_cidrs)
    return Peer(pod_labels={GATEWAY_NAME_LABEL: gateway_name}, any_namespace=True)


def service_account_annotations(
    connections: tuple[DataConnection, ...],
) -> dict[str, pulumi.Input[str]]:
    """The nodes' ServiceAccount annotations, from the identity each data store needs."""
    annotations: dict[str, pulumi.Input[str]] = {}
    for connection in connections:
        if connection.identity is None:
            continue
        for key, value in connection.identity.annotations().items():
            if key in annotations and not _same(annotations[key], value):
                raise ValueError(
                    f"data sources set ServiceAccount annotation {key!r} more than once; one "
                    "node identity (IRSA role, workload identity) must serve every data store "
                    "of a region"
                )
            annotations[key] = value
    return annotations


def _same(a: pulumi.Input[str], b: pulumi.Input[str]) -> bool:
    """Equal plain values, or the very same Output (Outputs cannot be compared before apply)."""
    return a is b or (isinstance(a, str) and isinstance(b, str) and a == b)


class IdentityServer(pulumi.ComponentResource):
    """The identity server workload of one region.

    A thin component over children, the way pulumi-eks' `Cluster` sits over its core, node
    groups and add-ons: the namespace is its own; the nodes' Secret (`RegionKeys`), the
    NetworkPolicies, the `cluster.xml` job (`ClusterConfig`), the nodes (`Workload`) and the
    Gateway (`RuntimeGateway`) are child components. Objects that were registered directly
    under `IdentityServer` before those children existed carry an alias to it, so existing
    stacks keep them instead of replacing them.
    """

    TOKEN: ClassVar[str] = type_token("idsvr", "IdentityServer")

    endpoint: RegionEndpoint
    namespace: pulumi.Output[str]
    admin_service_name: pulumi.Output[str]
    runtime_service_name: pulumi.Output[str]
    #: the nodes' Secret: shared keys, admin password, data sources' secrets
    secret_name: pulumi.Output[str]
    #: key of the admin password in `secret_name`
    admin_password_key: str = pods.ADMIN_PASSWORD
    #: labels selecting the admin node's pods (for NetworkPolicies of jobs that call it)
    admin_pod_labels: dict[str, str]
    #: where the admin node's certificate and its CA are (what RESTCONF clients trust)
    admin_tls: pods.TlsSecret
    #: the keys of `secret_name`: the `#{PARAMETER}`s it can resolve for another job
    secret_keys: tuple[str, ...]

    def __init__(
        self, name: str, args: IdentityServerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        deployment, platform = args.deployment, args.platform
        region = platform.region
        if region.id not in {r.id for r in deployment.regions}:
            raise ValueError(f"region {region.id!r} is not a region of this deployment")
        # Everything that can be wrong with the input fails here, before anything registers.
        ns_name = namespace_name(deployment)
        files, contents = startup_files(args)
        service_account_annotations(args.data)  # a clash of identities raises before registering

        super().__init__(self.TOKEN, name, {"region": region.id}, opts)
        # Children are `<name>-<region>-<role>`; a caller that already put the region into
        # `name` does not get it twice.
        name = f"{name.removesuffix(f'-{region.id}')}-{region.id}"
        namespace = self._namespace(name, ns_name, platform)
        placement = pods.Placement(
            provider=platform.k8s_provider,
            namespace=namespace,
            instance=ns_name,
            depends_on=platform.depends_on,
            previous_parent=self,
        )
        children = pulumi.ResourceOptions(parent=self)

        keys = RegionKeys(name, RegionKeysArgs(placement, args.keys, args.data), children)
        network = NetworkPolicies(
            name, NetworkPoliciesArgs(placement, policy_inputs(args, ns_name)), children
        )
        cluster = ClusterConfig(
            name,
            ClusterConfigArgs(
                placement, deployment.identity_server.image, wait_for=network.resources
            ),
            children,
        )
        wait_for = (keys.secret, cluster.job, *network.resources, *stores_ready(args.data))
        workload = _workload(name, args, placement, (files, contents), keys, wait_for, children)
        # the load balancer's policies (GKE: its health check) before the Gateway makes it
        policies = backend_policies(name, platform, namespace, pods.RUNTIME_NAME, children)
        gateway = RuntimeGateway(
            name,
            gateway_args(args, namespace),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[workload.runtime_service, *policies]
            ),
        )

        self.namespace = namespace
        self.admin_service_name = workload.admin_service_name
        self.runtime_service_name = workload.runtime_service_name
        self.secret_name = keys.secret_name
        self.admin_pod_labels = pods.selector(ns_name, pods.ADMIN)
        self.admin_tls = pods.admin_tls_secret(deployment.identity_server.admin)
        self.secret_keys = keys.secret_keys
        self.endpoint = RegionEndpoint(
            region=region,
            address=gateway.address,
            address_kind=platform.gateway_address_kind,
            alias_zone_id=platform.gateway_alias_zone_id,
            role="secondary" if args.passive else "active",
            depends_on=(*gateway.resources, workload.runtime, workload.admin),
        )
        self.register_outputs(
            {
                "namespace": self.namespace,
                "adminService": self.admin_service_name,
                "runtimeService": self.runtime_service_name,
                "secretName": self.secret_name,
                "address": gateway.address,
            }
        )

    def _namespace(self, name: str, ns_name: str, platform: RegionPlatform) -> pulumi.Output[str]:
        """The deployment's namespace in the region's cluster, under restricted pod security."""
        ns = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=ns_name,
                labels={
                    **pods.labels(ns_name, "namespace"),
                    **{
                        f"pod-security.kubernetes.io/{mode}": POD_SECURITY
                        for mode in ("enforce", "audit", "warn")
                    },
                },
            ),
            opts=pulumi.ResourceOptions(
                parent=self, provider=platform.k8s_provider, depends_on=list(platform.depends_on)
            ),
        )
        return ns.metadata.apply(lambda m: m.name or ns_name)


def gateway_args(args: IdentityServerArgs, namespace: pulumi.Input[str]) -> RuntimeGatewayArgs:
    """The region's Gateway: every name DNS sends to the region, to the runtime nodes."""
    deployment, platform = args.deployment, args.platform
    tls = platform.gateway_tls
    if isinstance(tls, SecretCertificate):
        secret = args.tls_secret_name or tls.secret_name or f"{namespace_name(deployment)}-tls"
        tls = replace(tls, secret_name=secret)
    return RuntimeGatewayArgs(
        provider=platform.k8s_provider,
        namespace=namespace,
        hostnames=served_hostnames(deployment, platform.region.id),
        gateway_class=platform.gateway_class,
        tls=tls,
        service_name=pods.RUNTIME_NAME,
        address_kind=platform.gateway_address_kind,
        gateway_name=GATEWAY_NAME,
    )


def stores_ready(connections: tuple[DataConnection, ...]) -> tuple[pulumi.Resource, ...]:
    """What the stores ask the nodes to wait for: their schema jobs, so that the nodes start on
    a database that has its schema."""
    return tuple(resource for c in connections for resource in c.ready)


def startup_files(args: IdentityServerArgs) -> tuple[tuple[pods.ConfigFile, ...], dict[str, str]]:
    """The files of `etc/init` (the user's and the generated ones) and the ConfigMap's data."""
    user_files = pods.config_files(args.config_files)
    generated = {idsvr.ENVIRONMENT_FILE: cc.environment_xml()}
    sources = cc.data_sources_xml(args.data)
    if sources is not None:
        generated[idsvr.DATA_SOURCES_FILE] = sources
    files = (*user_files, *(pods.ConfigFile(key=n, path=n) for n in sorted(generated)))
    contents = {f.key: args.config_files[f.path] for f in user_files} | generated
    size = sum(len(text.encode()) for text in contents.values())
    if size > idsvr.CONFIG_MAP_LIMIT:
        raise skipped_check(
            f"identityServer.config: {size} bytes of configuration; a ConfigMap holds at "
            f"most {idsvr.CONFIG_MAP_LIMIT} bytes",
            "config.size",
        )
    return files, contents


def policy_inputs(args: IdentityServerArgs, ns_name: str) -> PolicyInputs:
    """What the namespace's NetworkPolicies are made from (see `network_policies.policies`)."""
    return PolicyInputs(
        admin=pods.selector(ns_name, pods.ADMIN),
        runtime=pods.selector(ns_name, pods.RUNTIME),
        cluster_job=pods.selector(ns_name, pods.CLUSTER_JOB),
        nodes={"app.kubernetes.io/name": pods.APP_NAME, "app.kubernetes.io/instance": ns_name},
        gateway=args.gateway_peer or gateway_peer(args.platform, GATEWAY_NAME),
        admin_cidrs=tuple(args.deployment.identity_server.admin.allowed_cidrs),
        metrics=args.metrics_peer,
        data_egress=tuple(rule for c in args.data for rule in c.egress),
        extra_egress=args.extra_egress,
    )


def _workload(
    name: str,
    args: IdentityServerArgs,
    placement: pods.Placement,
    startup: tuple[tuple[pods.ConfigFile, ...], dict[str, str]],
    keys: RegionKeys,
    wait_for: tuple[pulumi.Resource, ...],
    opts: pulumi.ResourceOptions,
) -> Workload:
    """The admin and runtime nodes of one region, started after everything they read."""
    deployment = args.deployment
    files, contents = startup
    return Workload(
        name,
        WorkloadArgs(
            placement=placement,
            image=deployment.identity_server.image,
            runtime=deployment.identity_server.runtime,
            base_url=base_url(deployment),
            issuer=deployment.issuer,
            files=files,
            contents=contents,
            connections=args.data,
            secret_hash=keys.values_hash,
            service_account_annotations=service_account_annotations(args.data),
            service_monitor=args.service_monitor,
            wait_for=wait_for,
            admin_tls=pods.admin_tls_secret(deployment.identity_server.admin),
            license=args.license,
        ),
        opts,
    )
