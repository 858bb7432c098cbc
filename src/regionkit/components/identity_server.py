"""The identity server of one region: admin and runtime nodes, their config, keys and network.

Per region, in the region's cluster and one namespace per deployment: the nodes' Secret (the
deployment's shared keys and the data connections' secrets), the startup configuration
(ConfigMap), a job that makes the region's `cluster.xml` with the vendor's `genclust`, the admin
Deployment (one node) and the runtime Deployment (autoscaled), their Services, a
PodDisruptionBudget, NetworkPolicies, an optional ServiceMonitor and the Gateway that publishes
the runtime nodes. `endpoint` is what the GSLB points at.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import urlsplit

import pulumi
import pulumi_kubernetes as k8s

from regionkit.catalog import idsvr
from regionkit.components import curity_config as cc
from regionkit.components import idsvr_pods as pods
from regionkit.components.gateway import GATEWAY_NAME_LABEL, RuntimeGateway, RuntimeGatewayArgs
from regionkit.components.network_policies import Peer, PolicyInputs, policies
from regionkit.components.protocols import (
    DataConnection,
    EgressRule,
    RegionEndpoint,
    RegionPlatform,
)
from regionkit.components.shared_keys import SharedKeys
from regionkit.model import regional_hostname, type_token, workload_namespace
from regionkit.spec.models import Deployment

#: the sources of Google Cloud's global external load balancers and their health checks
GOOGLE_FRONT_END_CIDRS = ("35.191.0.0/16", "130.211.0.0/22")
#: RegionPlatform.network key for the networks a cloud load balancer reaches pods from
GATEWAY_SOURCE_CIDRS = "gateway_source_cidrs"
POD_SECURITY = "restricted"
#: a ConfigMap holds at most 1 MiB
CONFIG_MAP_LIMIT = 1024 * 1024


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
    #: Secret with the hostname's TLS certificate; default `<namespace>-tls`
    tls_secret_name: str | None = None
    #: more egress the configuration needs (upstream identity providers, SMTP, webhooks)
    extra_egress: tuple[EgressRule, ...] = ()


namespace_name = workload_namespace


def base_url(deployment: Deployment) -> str:
    """The issuer's origin: the base URL of every node, identical in every region."""
    parts = urlsplit(deployment.issuer)
    return f"{parts.scheme}://{parts.netloc}"


def gateway_peer(platform: RegionPlatform, gateway_name: str) -> Peer:
    """Who the gateway's traffic comes from.

    A platform names its load balancer's source networks in `network["gateway_source_cidrs"]`
    where it knows them. Otherwise: GKE's global external gateway classes come from Google's
    front ends; AWS load balancers (gateway classes `aws-*`) from inside the VPC; any other
    gateway runs proxies in the cluster, labelled with the Gateway's name as the Gateway API
    asks of implementations.
    """
    network = platform.network
    cidrs = network.get(GATEWAY_SOURCE_CIDRS)
    if isinstance(cidrs, list | tuple) and cidrs:
        return Peer(cidrs=tuple(cidrs))
    if platform.gateway_class.startswith(("gke-l7-global", "gke-l7-gxlb")):
        return Peer(cidrs=GOOGLE_FRONT_END_CIDRS)
    vpc_cidr = network.get("vpc_cidr")
    if platform.gateway_class.startswith("aws-") and vpc_cidr is not None:
        if isinstance(vpc_cidr, list):
            return Peer(cidrs=tuple(vpc_cidr))
        return Peer(cidrs=(vpc_cidr,))
    return Peer(pod_labels={GATEWAY_NAME_LABEL: gateway_name}, any_namespace=True)


def service_account_annotations(
    connections: tuple[DataConnection, ...],
) -> dict[str, pulumi.Input[str]]:
    annotations: dict[str, pulumi.Input[str]] = {}
    for connection in connections:
        for key, value in connection.service_account_annotations.items():
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
    """The identity server workload of one region."""

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

    def __init__(
        self, name: str, args: IdentityServerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        deployment, platform = args.deployment, args.platform
        region = platform.region
        if region.id not in {r.id for r in deployment.regions}:
            raise ValueError(f"region {region.id!r} is not a region of this deployment")
        # Everything that can be wrong with the input fails here, before anything registers.
        ns_name = namespace_name(deployment)
        user_files = pods.config_files(args.config_files)
        generated = {cc.ENVIRONMENT_FILE: cc.environment_xml()}
        sources = cc.data_sources_xml(args.data)
        if sources is not None:
            generated[cc.DATA_SOURCES_FILE] = sources
        files = [
            *user_files,
            *(pods.ConfigFile(key=n, path=n) for n in sorted(generated)),
        ]
        contents = {f.key: args.config_files[f.path] for f in user_files} | generated
        size = sum(len(text.encode()) for text in contents.values())
        if size > CONFIG_MAP_LIMIT:
            raise ValueError(
                f"identityServer.config: {size} bytes of configuration; a ConfigMap holds at "
                f"most {CONFIG_MAP_LIMIT} bytes"
            )
        sa_annotations = service_account_annotations(args.data)

        super().__init__(self.TOKEN, name, {"region": region.id}, opts)
        rid = region.id
        # Children are `<name>-<region>-<role>`; a caller that already put the region into
        # `name` does not get it twice.
        name = name.removesuffix(f"-{rid}")
        child = pulumi.ResourceOptions(
            parent=self, provider=platform.k8s_provider, depends_on=list(platform.depends_on)
        )

        def meta(object_name: str, component: str) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(
                name=object_name, namespace=namespace, labels=pods.labels(ns_name, component)
            )

        ns = k8s.core.v1.Namespace(
            f"{name}-{rid}-namespace",
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
            opts=child,
        )
        namespace = ns.metadata.apply(lambda m: m.name or ns_name)

        account = k8s.core.v1.ServiceAccount(
            f"{name}-{rid}-service-account",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=pods.SERVICE_ACCOUNT,
                namespace=namespace,
                labels=pods.labels(ns_name, "nodes"),
                annotations=sa_annotations or None,
            ),
            automount_service_account_token=False,
            opts=child,
        )
        secret_values = self._secret_values(args)
        keys_secret = k8s.core.v1.Secret(
            f"{name}-{rid}-keys",
            metadata=meta(pods.KEYS_SECRET, "keys"),
            type="Opaque",
            string_data=secret_values,
            opts=child,
        )
        config_map = k8s.core.v1.ConfigMap(
            f"{name}-{rid}-config",
            metadata=meta(pods.CONFIG_MAP, "config"),
            data=contents,
            opts=child,
        )

        gateway_name = "idsvr"
        peer = args.gateway_peer or gateway_peer(platform, gateway_name)
        network = [
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{rid}-{object_name.removeprefix('idsvr-')}",
                metadata=meta(object_name, "network"),
                spec=spec,
                opts=child,
            )
            for object_name, spec in policies(
                PolicyInputs(
                    admin=pods.selector(ns_name, pods.ADMIN),
                    runtime=pods.selector(ns_name, pods.RUNTIME),
                    cluster_job=pods.selector(ns_name, pods.CLUSTER_JOB),
                    nodes={
                        "app.kubernetes.io/name": pods.APP_NAME,
                        "app.kubernetes.io/instance": ns_name,
                    },
                    gateway=peer,
                    admin_cidrs=tuple(deployment.identity_server.admin.allowed_cidrs),
                    metrics=args.metrics_peer,
                    data_egress=tuple(rule for c in args.data for rule in c.egress),
                    extra_egress=args.extra_egress,
                )
            ).items()
        ]

        cluster_job = self._cluster_job(name, rid, ns_name, namespace, deployment, child, network)

        config_hash = pods.content_hash(contents)
        secret_hash = _secret_hash(secret_values)
        node_opts = pulumi.ResourceOptions.merge(
            child,
            pulumi.ResourceOptions(
                depends_on=[account, keys_secret, config_map, cluster_job, *network]
            ),
        )
        runtime_spec = deployment.identity_server.runtime

        def node(component: str) -> k8s.core.v1.PodTemplateSpecArgs:
            return pods.pod_template(
                pods.NodeInputs(
                    instance=ns_name,
                    component=component,
                    image=deployment.identity_server.image,
                    runtime=runtime_spec,
                    base_url=base_url(deployment),
                    issuer=deployment.issuer,
                    files=tuple(files),
                    connections=args.data,
                    config_hash=config_hash,
                    secret_hash=secret_hash,
                )
            )

        admin = k8s.apps.v1.Deployment(
            f"{name}-{rid}-admin",
            metadata=meta(pods.ADMIN_NAME, pods.ADMIN),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=1,
                # one admin node at a time: it owns the configuration database
                strategy=k8s.apps.v1.DeploymentStrategyArgs(type="Recreate"),
                selector=k8s.meta.v1.LabelSelectorArgs(
                    match_labels=pods.selector(ns_name, pods.ADMIN)
                ),
                template=node(pods.ADMIN),
            ),
            opts=node_opts,
        )
        runtime = k8s.apps.v1.Deployment(
            f"{name}-{rid}-runtime",
            metadata=meta(pods.RUNTIME_NAME, pods.RUNTIME),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=runtime_spec.min_nodes,
                selector=k8s.meta.v1.LabelSelectorArgs(
                    match_labels=pods.selector(ns_name, pods.RUNTIME)
                ),
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(
                        max_unavailable=0, max_surge=1
                    ),
                ),
                template=node(pods.RUNTIME),
            ),
            # the HorizontalPodAutoscaler owns the replica count once the nodes run
            opts=pulumi.ResourceOptions.merge(
                node_opts, pulumi.ResourceOptions(ignore_changes=["spec.replicas"])
            ),
        )

        admin_service = self._service(
            f"{name}-{rid}-admin",
            meta(pods.ADMIN_NAME, pods.ADMIN),
            pods.selector(ns_name, pods.ADMIN),
            [
                ("admin", idsvr.ADMIN_PORT),
                ("cluster", idsvr.CLUSTER_PORT),
                ("distributed", idsvr.DISTRIBUTED_PORT),
                ("status", idsvr.STATUS_PORT),
                ("metrics", idsvr.METRICS_PORT),
            ],
            child,
        )
        runtime_service = self._service(
            f"{name}-{rid}-runtime",
            meta(pods.RUNTIME_NAME, pods.RUNTIME),
            pods.selector(ns_name, pods.RUNTIME),
            [
                ("http", idsvr.RUNTIME_PORT),
                ("status", idsvr.STATUS_PORT),
                ("metrics", idsvr.METRICS_PORT),
            ],
            child,
        )
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-{rid}-runtime",
            metadata=meta(pods.RUNTIME_NAME, pods.RUNTIME),
            spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
                scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
                    api_version="apps/v1", kind="Deployment", name=pods.RUNTIME_NAME
                ),
                min_replicas=runtime_spec.min_nodes,
                max_replicas=runtime_spec.max_nodes,
                metrics=[
                    k8s.autoscaling.v2.MetricSpecArgs(
                        type="Resource",
                        resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                            name="cpu",
                            target=k8s.autoscaling.v2.MetricTargetArgs(
                                type="Utilization",
                                average_utilization=runtime_spec.target_cpu_percent,
                            ),
                        ),
                    )
                ],
            ),
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[runtime])),
        )
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-{rid}-runtime",
            metadata=meta(pods.RUNTIME_NAME, pods.RUNTIME),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=1,
                selector=k8s.meta.v1.LabelSelectorArgs(
                    match_labels=pods.selector(ns_name, pods.RUNTIME)
                ),
            ),
            opts=child,
        )
        if args.service_monitor:
            k8s.apiextensions.CustomResource(
                f"{name}-{rid}-service-monitor",
                api_version="monitoring.coreos.com/v1",
                kind="ServiceMonitor",
                metadata=meta("idsvr", "metrics"),
                spec={
                    "selector": {
                        "matchLabels": {
                            "app.kubernetes.io/name": pods.APP_NAME,
                            "app.kubernetes.io/instance": ns_name,
                        }
                    },
                    "endpoints": [
                        {"port": "metrics", "path": idsvr.METRICS_PATH, "interval": "30s"}
                    ],
                },
                opts=child,
            )

        gateway = RuntimeGateway(
            f"{name}-{rid}",
            RuntimeGatewayArgs(
                provider=platform.k8s_provider,
                namespace=namespace,
                hostname=deployment.hostname,
                regional_hostname=regional_hostname(deployment, rid),
                gateway_class=platform.gateway_class,
                tls_secret_name=args.tls_secret_name or f"{ns_name}-tls",
                service_name=pods.RUNTIME_NAME,
                address_kind=platform.gateway_address_kind,
                gateway_name=gateway_name,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[runtime_service]),
        )

        self.namespace = namespace
        self.admin_service_name = admin_service.metadata.apply(lambda m: m.name or pods.ADMIN_NAME)
        self.runtime_service_name = runtime_service.metadata.apply(
            lambda m: m.name or pods.RUNTIME_NAME
        )
        self.secret_name = keys_secret.metadata.apply(lambda m: m.name or pods.KEYS_SECRET)
        self.admin_pod_labels = pods.selector(ns_name, pods.ADMIN)
        self.endpoint = RegionEndpoint(
            region=region,
            address=gateway.address,
            address_kind=platform.gateway_address_kind,
            role="secondary" if args.passive else "active",
            depends_on=(*gateway.resources, runtime, admin),
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

    @staticmethod
    def _secret_values(args: IdentityServerArgs) -> dict[str, pulumi.Input[str]]:
        keys = args.keys
        values: dict[str, pulumi.Input[str]] = {
            pods.CONFIG_ENCRYPTION_KEY: keys.config_encryption_key,
            pods.SSO_COOKIE_KEY: keys.sso_cookie_key,
            pods.ADMIN_PASSWORD: keys.admin_password,
            pods.SIGNING_KEY_PEM: keys.signing_key_pem,
            pods.SIGNING_CERT_PEM: keys.signing_cert_pem,
            pods.SIGNING_KEYSTORE_PASSWORD: keys.signing_keystore_password,
        }
        data = pods.data_secret_values(args.data)
        clash = sorted(set(values) & set(data))
        if clash:
            raise ValueError(f"data source secrets clash with the keys: {', '.join(clash)}")
        return {k: pulumi.Output.secret(v) for k, v in (values | data).items()}

    def _cluster_job(
        self,
        name: str,
        rid: str,
        ns_name: str,
        namespace: pulumi.Output[str],
        deployment: Deployment,
        child: pulumi.ResourceOptions,
        network: list[k8s.networking.v1.NetworkPolicy],
    ) -> k8s.batch.v1.Job:
        """The region's `cluster.xml`: a Secret the job fills once, with RBAC for that only."""

        def meta(object_name: str) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(
                name=object_name,
                namespace=namespace,
                labels=pods.labels(ns_name, pods.CLUSTER_JOB),
            )

        cluster_secret = k8s.core.v1.Secret(
            f"{name}-{rid}-cluster-config",
            metadata=meta(pods.CLUSTER_SECRET),
            type="Opaque",
            # The job writes `cluster.xml`; regionkit never sets `data`, so an update keeps it.
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(ignore_changes=["data"])
            ),
        )
        account = k8s.core.v1.ServiceAccount(
            f"{name}-{rid}-cluster-config",
            metadata=meta(pods.CLUSTER_JOB_NAME),
            opts=child,
        )
        role = k8s.rbac.v1.Role(
            f"{name}-{rid}-cluster-config",
            metadata=meta(pods.CLUSTER_JOB_NAME),
            rules=[
                k8s.rbac.v1.PolicyRuleArgs(
                    api_groups=[""],
                    resources=["secrets"],
                    resource_names=[pods.CLUSTER_SECRET],
                    verbs=["get", "patch"],
                )
            ],
            opts=child,
        )
        binding = k8s.rbac.v1.RoleBinding(
            f"{name}-{rid}-cluster-config",
            metadata=meta(pods.CLUSTER_JOB_NAME),
            role_ref=k8s.rbac.v1.RoleRefArgs(
                api_group="rbac.authorization.k8s.io", kind="Role", name=pods.CLUSTER_JOB_NAME
            ),
            subjects=[
                k8s.rbac.v1.SubjectArgs(
                    kind="ServiceAccount", name=pods.CLUSTER_JOB_NAME, namespace=namespace
                )
            ],
            opts=child,
        )
        return k8s.batch.v1.Job(
            f"{name}-{rid}-cluster-config",
            metadata=meta(pods.CLUSTER_JOB_NAME),
            spec=k8s.batch.v1.JobSpecArgs(
                backoff_limit=4,
                active_deadline_seconds=600,
                template=pods.cluster_job_template(ns_name, deployment.identity_server.image),
            ),
            opts=pulumi.ResourceOptions.merge(
                child,
                pulumi.ResourceOptions(
                    depends_on=[cluster_secret, account, role, binding, *network],
                    # a changed job (new image) is a new job of the same name
                    delete_before_replace=True,
                ),
            ),
        )

    @staticmethod
    def _service(
        resource_name: str,
        metadata: k8s.meta.v1.ObjectMetaArgs,
        match: dict[str, str],
        ports: list[tuple[str, int]],
        opts: pulumi.ResourceOptions,
    ) -> k8s.core.v1.Service:
        return k8s.core.v1.Service(
            resource_name,
            metadata=metadata,
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP",
                selector=match,
                ports=[
                    k8s.core.v1.ServicePortArgs(
                        name=port_name, port=port, target_port=port_name, protocol="TCP"
                    )
                    for port_name, port in ports
                ],
            ),
            opts=opts,
        )


def _secret_hash(values: dict[str, pulumi.Input[str]]) -> pulumi.Output[str]:
    """A digest of the Secret's values, for the pods' annotation (a rotated key rolls them).

    A SHA-256 of high-entropy keys reveals nothing, so the digest itself is not a secret and
    the pod template stays readable in plans.
    """
    names = sorted(values)

    def digest(resolved: list[str]) -> str:
        h = hashlib.sha256()
        for key, value in zip(names, resolved, strict=True):
            h.update(key.encode() + b"\0" + str(value).encode() + b"\0")
        return h.hexdigest()

    return pulumi.Output.unsecret(pulumi.Output.all(*(values[n] for n in names)).apply(digest))
