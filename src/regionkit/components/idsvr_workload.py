"""The identity server's nodes in one region, and the job that makes their `cluster.xml`.

Two child components of `IdentityServer`:
- `Workload`: the nodes' ServiceAccount, the startup configuration (ConfigMap), the license
  Secret when regionkit makes it from a file, the admin Deployment (one node) and the runtime
  Deployment (autoscaled), their Services, the HorizontalPodAutoscaler, the
  PodDisruptionBudget and an optional ServiceMonitor;
- `ClusterConfig`: the Secret that holds the region's `cluster.xml` and the job (with RBAC for
  that Secret only) that fills it once with the vendor's `genclust`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pulumi
import pulumi_kubernetes as k8s

from regionkit.catalog import idsvr
from regionkit.components import idsvr_pods as pods
from regionkit.components.protocols import DataConnection
from regionkit.model import type_token
from regionkit.spec.models import RuntimeSpec

#: ports of each node's Service, by port name
ADMIN_PORTS = (
    ("admin", idsvr.ADMIN_PORT),
    ("cluster", idsvr.CLUSTER_PORT),
    ("distributed", idsvr.DISTRIBUTED_PORT),
    ("status", idsvr.STATUS_PORT),
    ("metrics", idsvr.METRICS_PORT),
)
RUNTIME_PORTS = (
    ("http", idsvr.RUNTIME_PORT),
    ("status", idsvr.STATUS_PORT),
    ("metrics", idsvr.METRICS_PORT),
)


@dataclass(frozen=True)
class ClusterConfigArgs:
    placement: pods.Placement
    image: str
    #: what the job must wait for besides its RBAC (the namespace's NetworkPolicies)
    wait_for: tuple[pulumi.Resource, ...] = ()


class ClusterConfig(pulumi.ComponentResource):
    """The region's `cluster.xml`: a Secret the job fills once, with RBAC for that only."""

    TOKEN: ClassVar[str] = type_token("idsvr", "ClusterConfig")

    job: k8s.batch.v1.Job

    def __init__(
        self, name: str, args: ClusterConfigArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TOKEN, name, {}, opts)
        placement = args.placement
        meta = placement.metadata(pods.CLUSTER_JOB_NAME, pods.CLUSTER_JOB)
        child = placement.options(self)
        cluster_secret = k8s.core.v1.Secret(
            f"{name}-cluster-config",
            metadata=placement.metadata(pods.CLUSTER_SECRET, pods.CLUSTER_JOB),
            type="Opaque",
            # The job writes `cluster.xml`; regionkit never sets `data`, so an update keeps it.
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(ignore_changes=["data"])
            ),
        )
        account = k8s.core.v1.ServiceAccount(f"{name}-cluster-config", metadata=meta, opts=child)
        role = k8s.rbac.v1.Role(
            f"{name}-cluster-config",
            metadata=meta,
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
            f"{name}-cluster-config",
            metadata=meta,
            role_ref=k8s.rbac.v1.RoleRefArgs(
                api_group="rbac.authorization.k8s.io", kind="Role", name=pods.CLUSTER_JOB_NAME
            ),
            subjects=[
                k8s.rbac.v1.SubjectArgs(
                    kind="ServiceAccount",
                    name=pods.CLUSTER_JOB_NAME,
                    namespace=placement.namespace,
                )
            ],
            opts=child,
        )
        self.job = k8s.batch.v1.Job(
            f"{name}-cluster-config",
            metadata=meta,
            spec=k8s.batch.v1.JobSpecArgs(
                backoff_limit=4,
                active_deadline_seconds=600,
                template=pods.cluster_job_template(placement.instance, args.image),
            ),
            opts=pulumi.ResourceOptions.merge(
                placement.options(
                    self, depends_on=[cluster_secret, account, role, binding, *args.wait_for]
                ),
                # a changed job (new image) is a new job of the same name
                pulumi.ResourceOptions(delete_before_replace=True),
            ),
        )
        self.register_outputs({})


@dataclass(frozen=True)
class WorkloadArgs:
    placement: pods.Placement
    image: str
    runtime: RuntimeSpec
    #: the issuer's origin, and the issuer: identical in every region
    base_url: str
    issuer: str
    #: the startup files (ConfigMap key and path) and the ConfigMap's contents by key
    files: tuple[pods.ConfigFile, ...]
    contents: dict[str, str]
    connections: tuple[DataConnection, ...]
    #: a digest of the nodes' Secret (see `shared_keys.values_hash`): a rotated key rolls pods
    secret_hash: pulumi.Input[str]
    service_account_annotations: dict[str, pulumi.Input[str]]
    #: also create a Prometheus Operator ServiceMonitor (its CRD must be installed)
    service_monitor: bool = False
    #: the admin node's TLS certificate (generated, or the stack's `identityServer.admin.tls`)
    admin_tls: pods.TlsSecret = pods.GENERATED_ADMIN_TLS
    #: what the nodes wait for besides their own objects (keys Secret, cluster job, policies)
    wait_for: tuple[pulumi.Resource, ...] = ()
    #: the license the nodes read; None: none (a stack that passed the checks always has one)
    license: pods.License | None = None


class Workload(pulumi.ComponentResource):
    """The admin and runtime nodes of one region, their Services, scaling and disruption."""

    TOKEN: ClassVar[str] = type_token("idsvr", "Workload")

    admin: k8s.apps.v1.Deployment
    runtime: k8s.apps.v1.Deployment
    admin_service: k8s.core.v1.Service
    runtime_service: k8s.core.v1.Service
    admin_service_name: pulumi.Output[str]
    runtime_service_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: WorkloadArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TOKEN, name, {}, opts)
        placement = args.placement
        child = placement.options(self)
        account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=pods.SERVICE_ACCOUNT,
                namespace=placement.namespace,
                labels=pods.labels(placement.instance, "nodes"),
                annotations=args.service_account_annotations or None,
            ),
            automount_service_account_token=False,
            opts=child,
        )
        config_map = k8s.core.v1.ConfigMap(
            f"{name}-config",
            metadata=placement.metadata(pods.CONFIG_MAP, "config"),
            data=args.contents,
            opts=child,
        )
        license_secret = self._license(name, args, child)
        node_opts = placement.options(
            self, depends_on=[account, config_map, *license_secret, *args.wait_for]
        )
        self.admin = self._admin(name, args, node_opts)
        self.runtime = self._runtime(name, args, node_opts)
        self.admin_service = self._service(f"{name}-admin", pods.ADMIN, ADMIN_PORTS, args, child)
        self.runtime_service = self._service(
            f"{name}-runtime", pods.RUNTIME, RUNTIME_PORTS, args, child
        )
        self.admin_service_name = self.admin_service.metadata.apply(
            lambda m: m.name or pods.ADMIN_NAME
        )
        self.runtime_service_name = self.runtime_service.metadata.apply(
            lambda m: m.name or pods.RUNTIME_NAME
        )
        self._scaling(name, args, child)
        if args.service_monitor:
            self._service_monitor(name, args, child)
        self.register_outputs(
            {"adminService": self.admin_service_name, "runtimeService": self.runtime_service_name}
        )

    @staticmethod
    def _license(
        name: str, args: WorkloadArgs, opts: pulumi.ResourceOptions
    ) -> list[k8s.core.v1.Secret]:
        """The Secret of a license file: its text only as a secret, never in a plan or log."""
        if args.license is None or args.license.content is None:
            return []
        return [
            k8s.core.v1.Secret(
                f"{name}-license",
                metadata=args.placement.metadata(args.license.secret_name, "license"),
                type="Opaque",
                string_data={idsvr.LICENSE_FILE: pulumi.Output.secret(args.license.content)},
                opts=opts,
            )
        ]

    def _node(self, args: WorkloadArgs, component: str) -> k8s.core.v1.PodTemplateSpecArgs:
        return pods.pod_template(
            pods.NodeInputs(
                instance=args.placement.instance,
                component=component,
                image=args.image,
                runtime=args.runtime,
                base_url=args.base_url,
                issuer=args.issuer,
                files=args.files,
                connections=args.connections,
                config_hash=pods.content_hash(args.contents),
                secret_hash=args.secret_hash,
                admin_tls=args.admin_tls,
                license=args.license,
            )
        )

    def _admin(
        self, name: str, args: WorkloadArgs, opts: pulumi.ResourceOptions
    ) -> k8s.apps.v1.Deployment:
        return k8s.apps.v1.Deployment(
            f"{name}-admin",
            metadata=args.placement.metadata(pods.ADMIN_NAME, pods.ADMIN),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=1,
                # one admin node at a time: it owns the configuration database
                strategy=k8s.apps.v1.DeploymentStrategyArgs(type="Recreate"),
                selector=k8s.meta.v1.LabelSelectorArgs(
                    match_labels=pods.selector(args.placement.instance, pods.ADMIN)
                ),
                template=self._node(args, pods.ADMIN),
            ),
            opts=opts,
        )

    def _runtime(
        self, name: str, args: WorkloadArgs, opts: pulumi.ResourceOptions
    ) -> k8s.apps.v1.Deployment:
        return k8s.apps.v1.Deployment(
            f"{name}-runtime",
            metadata=args.placement.metadata(pods.RUNTIME_NAME, pods.RUNTIME),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=args.runtime.min_nodes,
                selector=k8s.meta.v1.LabelSelectorArgs(
                    match_labels=pods.selector(args.placement.instance, pods.RUNTIME)
                ),
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(
                        max_unavailable=0, max_surge=1
                    ),
                ),
                template=self._node(args, pods.RUNTIME),
            ),
            # the HorizontalPodAutoscaler owns the replica count once the nodes run
            opts=pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(ignore_changes=["spec.replicas"])
            ),
        )

    @staticmethod
    def _service(
        resource_name: str,
        component: str,
        ports: tuple[tuple[str, int], ...],
        args: WorkloadArgs,
        opts: pulumi.ResourceOptions,
    ) -> k8s.core.v1.Service:
        object_name = pods.ADMIN_NAME if component == pods.ADMIN else pods.RUNTIME_NAME
        return k8s.core.v1.Service(
            resource_name,
            metadata=args.placement.metadata(object_name, component),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP",
                selector=pods.selector(args.placement.instance, component),
                ports=[
                    k8s.core.v1.ServicePortArgs(
                        name=port_name, port=port, target_port=port_name, protocol="TCP"
                    )
                    for port_name, port in ports
                ],
            ),
            opts=opts,
        )

    def _scaling(self, name: str, args: WorkloadArgs, opts: pulumi.ResourceOptions) -> None:
        """The runtime nodes' HorizontalPodAutoscaler and PodDisruptionBudget."""
        placement, runtime = args.placement, args.runtime
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-runtime",
            metadata=placement.metadata(pods.RUNTIME_NAME, pods.RUNTIME),
            spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
                scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
                    api_version="apps/v1", kind="Deployment", name=pods.RUNTIME_NAME
                ),
                min_replicas=runtime.min_nodes,
                max_replicas=runtime.max_nodes,
                metrics=[
                    k8s.autoscaling.v2.MetricSpecArgs(
                        type="Resource",
                        resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                            name="cpu",
                            target=k8s.autoscaling.v2.MetricTargetArgs(
                                type="Utilization",
                                average_utilization=runtime.target_cpu_percent,
                            ),
                        ),
                    )
                ],
            ),
            opts=placement.options(self, depends_on=[self.runtime]),
        )
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-runtime",
            metadata=placement.metadata(pods.RUNTIME_NAME, pods.RUNTIME),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=1,
                selector=k8s.meta.v1.LabelSelectorArgs(
                    match_labels=pods.selector(placement.instance, pods.RUNTIME)
                ),
            ),
            opts=opts,
        )

    def _service_monitor(self, name: str, args: WorkloadArgs, opts: pulumi.ResourceOptions) -> None:
        k8s.apiextensions.CustomResource(
            f"{name}-service-monitor",
            api_version="monitoring.coreos.com/v1",
            kind="ServiceMonitor",
            metadata=args.placement.metadata("idsvr", "metrics"),
            spec={
                "selector": {
                    "matchLabels": {
                        "app.kubernetes.io/name": pods.APP_NAME,
                        "app.kubernetes.io/instance": args.placement.instance,
                    }
                },
                "endpoints": [{"port": "metrics", "path": idsvr.METRICS_PATH, "interval": "30s"}],
            },
            opts=opts,
        )
