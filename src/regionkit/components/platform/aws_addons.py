"""What an EKS cluster needs inside it before regionkit's workload can serve anyone.

In dependency order (each skipped when its `cluster.addons.<key>` is false, because the cluster
already has it):
1. the VPC CNI add-on with its network policy agent (`networkPolicy`), before the nodes, so no
   pod ever runs unenforced (`vpc_cni`, called by the platform before its node group);
2. the Gateway API CRDs (`gatewayApiCrds`);
3. the AWS Load Balancer Controller with its IRSA role (`loadBalancerController`), after the CRDs
   (it detects the Gateway API kinds once, at start-up) and the nodes;
4. metrics-server (`metricsServer`), which the HPA reads, and the Cluster Autoscaler
   (`nodeAutoscaler`), which grows the managed node group (EKS tags its Auto Scaling group for
   the autoscaler's auto-discovery);
5. the ACM certificate (`certificates`) and the GatewayClass `aws-alb`, whose class-level
   LoadBalancerConfiguration makes the ALB internet-facing with that certificate and whose
   default TargetGroupConfiguration targets pod IPs and health-checks `/serving` on the status
   port (the controller's defaults are an internal ALB and instance targets, which fail on
   ClusterIP Services).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from regionkit.catalog import idsvr
from regionkit.catalog.addons import addon
from regionkit.catalog.eks import AUTOSCALER_IMAGES, LBC_POLICY_PARTITIONS
from regionkit.components.facts import IRSA_ANNOTATION
from regionkit.components.platform.aws_certificates import (
    AcmValidation,
    GatewayCertificate,
    gateway_certificate,
)
from regionkit.components.platform.shared_addons import gateway_api_crds, metrics_server
from regionkit.spec.models import AddonsSpec, Deployment, RegionSpec

EKS = "eks"
VPC_CNI = addon(EKS, "vpc-cni")
LOAD_BALANCER_CONTROLLER = addon(EKS, "aws-load-balancer-controller")

SYSTEM_NAMESPACE = "kube-system"
LBC_SERVICE_ACCOUNT = "aws-load-balancer-controller"
AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler"
#: the GatewayClass regionkit creates on EKS, and the controller behind it (ALB, layer 7)
GATEWAY_CLASS = "aws-alb"
ALB_CONTROLLER = "gateway.k8s.aws/alb"
LBC_API_VERSION = "gateway.k8s.aws/v1"
#: the class-level LoadBalancerConfiguration and its default TargetGroupConfiguration
LOAD_BALANCER_CONFIG = "regionkit-alb"
TARGET_GROUP_CONFIG = "regionkit-targets"
#: TLS 1.3 and 1.2 only: the policy AWS recommends for new ALB HTTPS listeners
SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


def lbc_iam_policy(partition: str) -> str:
    """The controller's IAM policy for `partition`, as vendored from its release tag."""
    if partition not in LBC_POLICY_PARTITIONS:
        raise ValueError(f"no AWS Load Balancer Controller IAM policy for partition {partition!r}")
    suffix = "" if partition == "aws" else f"-{partition}"
    name = f"aws-load-balancer-controller-iam-policy{suffix}.json"
    text = (resources.files("regionkit.catalog") / "data" / name).read_text()
    # minified: a managed policy holds 6,144 characters, whitespace not counted by IAM but sent
    return json.dumps(json.loads(text), separators=(",", ":"))


def autoscaler_policy(cluster_name: str) -> str:
    """The Cluster Autoscaler's policy (its AWS README's recommended one), scaling limited to
    Auto Scaling groups tagged for this cluster."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": [
                        "autoscaling:DescribeAutoScalingGroups",
                        "autoscaling:DescribeAutoScalingInstances",
                        "autoscaling:DescribeLaunchConfigurations",
                        "autoscaling:DescribeScalingActivities",
                        "ec2:DescribeImages",
                        "ec2:DescribeInstanceTypes",
                        "ec2:DescribeLaunchTemplateVersions",
                        "ec2:GetInstanceTypesFromInstanceRequirements",
                        "eks:DescribeNodegroup",
                    ],
                    "Resource": "*",
                },
                {
                    "Effect": "Allow",
                    "Action": [
                        "autoscaling:SetDesiredCapacity",
                        "autoscaling:TerminateInstanceInAutoScalingGroup",
                    ],
                    "Resource": "*",
                    "Condition": {
                        "Null": {
                            f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "false"
                        }
                    },
                },
            ],
        }
    )


@dataclass(frozen=True)
class EksCluster:
    """What the add-ons need from the platform: the cluster, its IRSA trust and providers."""

    prefix: str
    deployment: Deployment
    region: RegionSpec
    cluster: aws.eks.Cluster
    #: the cluster's name, known before deployment (the platform names it)
    cluster_name: str
    #: the control plane's minor version, e.g. "1.33"
    kubernetes_version: str
    vpc_id: pulumi.Input[str]
    partition: str
    node_group: aws.eks.NodeGroup
    provider: aws.Provider
    k8s_provider: k8s.Provider
    parent: pulumi.Resource
    #: an IRSA role trusting one ServiceAccount: (name, namespace, account) -> role
    irsa_role: Callable[[str, str, str], aws.iam.Role]

    @property
    def switches(self) -> AddonsSpec:
        return self.region.cluster.addons

    def cloud(self, depends_on: list[pulumi.Resource] | None = None) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(
            parent=self.parent, provider=self.provider, depends_on=depends_on or []
        )

    def kube(self, depends_on: list[pulumi.Resource] | None = None) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(
            parent=self.parent, provider=self.k8s_provider, depends_on=depends_on or []
        )


@dataclass(frozen=True)
class EksAddons:
    """The add-ons installed in one EKS cluster (None: opted out, the cluster has it)."""

    gateway_api_crds: tuple[pulumi.Resource, ...] = ()
    load_balancer_controller: k8s.helm.v3.Release | None = None
    metrics_server: k8s.helm.v3.Release | None = None
    cluster_autoscaler: k8s.helm.v3.Release | None = None
    certificate: GatewayCertificate | None = None
    #: the GatewayClass and its two configurations
    gateway_class: tuple[pulumi.Resource, ...] = ()

    @property
    def workload_waits(self) -> tuple[pulumi.Resource, ...]:
        """What the identity server's objects wait for: its Services and Gateway need the
        controller (and its webhook), the HPA needs metrics-server, the Gateway its class; on
        destroy the Gateway goes first, while the controller still removes its finalizer."""
        waits: list[pulumi.Resource | None] = [
            self.load_balancer_controller,
            self.metrics_server,
            *self.gateway_class,
        ]
        return tuple(w for w in waits if w is not None)


def vpc_cni(
    prefix: str, region: RegionSpec, cluster: aws.eks.Cluster, opts: pulumi.ResourceOptions
) -> aws.eks.Addon | None:
    """The VPC CNI as a managed add-on with NetworkPolicy enforcement (EKS ignores
    NetworkPolicies otherwise); the platform creates it before its nodes."""
    if not region.cluster.addons.network_policy:
        return None
    return aws.eks.Addon(
        f"{prefix}-vpc-cni",
        cluster_name=cluster.name,
        addon_name=VPC_CNI.name,
        addon_version=VPC_CNI.version,
        # the EKS user guide's exact setting: the string "true"
        configuration_values=json.dumps({"enableNetworkPolicy": "true"}),
        # a new cluster runs a self-managed vpc-cni: the managed add-on takes it over
        resolve_conflicts_on_create="OVERWRITE",
        resolve_conflicts_on_update="OVERWRITE",
        opts=opts,
    )


def install(eks: EksCluster, validation: Callable[[], AcmValidation] | None) -> EksAddons:
    """Every add-on after the nodes, in dependency order."""
    switches = eks.switches
    nodes: list[pulumi.Resource] = [eks.node_group]
    crds = (
        gateway_api_crds(eks.prefix, eks.k8s_provider, eks.parent, nodes)
        if switches.gateway_api_crds
        else ()
    )
    controller = (
        _load_balancer_controller(eks, [*nodes, *crds])
        if switches.load_balancer_controller
        else None
    )
    certificate = None
    if switches.certificates:
        if validation is None:
            raise ValueError("EKS certificates need the deployment's ACM validation records")
        certificate = gateway_certificate(
            eks.prefix, eks.deployment, eks.region, validation(), eks.cloud()
        )
    gateway_class: tuple[pulumi.Resource, ...] = ()
    if controller is not None:
        gateway_class = _gateway_class(eks, [controller, *crds], certificate)
    return EksAddons(
        gateway_api_crds=crds,
        load_balancer_controller=controller,
        metrics_server=(
            metrics_server(eks.prefix, eks.k8s_provider, eks.parent, nodes)
            if switches.metrics_server
            else None
        ),
        cluster_autoscaler=_cluster_autoscaler(eks, nodes) if switches.node_autoscaler else None,
        certificate=certificate,
        gateway_class=gateway_class,
    )


def _helm(
    eks: EksCluster,
    name: str,
    pin_key: str,
    values: dict[str, Any],
    depends_on: list[pulumi.Resource],
) -> k8s.helm.v3.Release:
    pin = addon(EKS, pin_key)
    return k8s.helm.v3.Release(
        f"{eks.prefix}-{name}",
        name=name,
        chart=pin.name,
        version=pin.version,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=pin.repository),
        namespace=pin.namespace,
        values=values,
        opts=eks.kube(depends_on),
    )


def _load_balancer_controller(
    eks: EksCluster, depends_on: list[pulumi.Resource]
) -> k8s.helm.v3.Release:
    role = eks.irsa_role("load-balancer-controller", SYSTEM_NAMESPACE, LBC_SERVICE_ACCOUNT)
    policy = aws.iam.Policy(
        f"{eks.prefix}-load-balancer-controller",
        description=f"AWS Load Balancer Controller {LOAD_BALANCER_CONTROLLER.version} of "
        f"{eks.cluster_name}",
        policy=lbc_iam_policy(eks.partition),
        opts=eks.cloud(),
    )
    attachment = aws.iam.RolePolicyAttachment(
        f"{eks.prefix}-load-balancer-controller",
        role=role.name,
        policy_arn=policy.arn,
        opts=eks.cloud(),
    )
    values = {
        "clusterName": eks.cluster_name,
        # set, so the controller needs no instance metadata to find them
        "region": eks.region.location,
        "vpcId": eks.vpc_id,
        "serviceAccount": {
            "create": True,
            "name": LBC_SERVICE_ACCOUNT,
            "annotations": {IRSA_ANNOTATION: role.arn},
        },
        # the chart's default is `instance`, which needs NodePort Services
        "defaultTargetType": "ip",
        # its webhook mutates every Service CREATE with failurePolicy Fail: while the
        # controller is down no Service could be created; regionkit makes no LoadBalancer
        # Services, so it is off
        "enableServiceMutatorWebhook": False,
        # on by default since v3.2.0; explicit, as regionkit depends on it
        "controllerConfig": {"featureGates": {"ALBGatewayAPI": True}},
    }
    return _helm(
        eks,
        "aws-load-balancer-controller",
        "aws-load-balancer-controller",
        values,
        [*depends_on, attachment],
    )


def _cluster_autoscaler(eks: EksCluster, depends_on: list[pulumi.Resource]) -> k8s.helm.v3.Release:
    role = eks.irsa_role("cluster-autoscaler", SYSTEM_NAMESPACE, AUTOSCALER_SERVICE_ACCOUNT)
    access = aws.iam.RolePolicy(
        f"{eks.prefix}-cluster-autoscaler",
        role=role.name,
        policy=autoscaler_policy(eks.cluster_name),
        opts=eks.cloud(),
    )
    values = {
        "cloudProvider": "aws",
        "awsRegion": eks.region.location,
        "autoDiscovery": {"clusterName": eks.cluster_name},
        "image": {"tag": autoscaler_image(eks.kubernetes_version)},
        "rbac": {
            "serviceAccount": {
                "name": AUTOSCALER_SERVICE_ACCOUNT,
                "annotations": {IRSA_ANNOTATION: role.arn},
            }
        },
    }
    return _helm(eks, "cluster-autoscaler", "cluster-autoscaler", values, [*depends_on, access])


def autoscaler_image(kubernetes_version: str) -> str:
    """The Cluster Autoscaler image tag for a control plane's minor version."""
    try:
        return AUTOSCALER_IMAGES[kubernetes_version]
    except KeyError:
        raise ValueError(
            f"no Cluster Autoscaler pinned for Kubernetes {kubernetes_version}; pinned: "
            + ", ".join(AUTOSCALER_IMAGES)
        ) from None


def _gateway_class(
    eks: EksCluster, depends_on: list[pulumi.Resource], certificate: GatewayCertificate | None
) -> tuple[pulumi.Resource, ...]:
    """GatewayClass `aws-alb` with its LoadBalancerConfiguration and default TargetGroup-
    Configuration in kube-system; they depend on the controller, whose chart installs their
    CRDs and whose finalizers must be removed by it on destroy."""
    opts = eks.kube(depends_on)
    targets = k8s.apiextensions.CustomResource(
        f"{eks.prefix}-target-group-config",
        api_version=LBC_API_VERSION,
        kind="TargetGroupConfiguration",
        metadata={"name": TARGET_GROUP_CONFIG, "namespace": SYSTEM_NAMESPACE},
        spec={"defaultConfiguration": target_group_defaults()},
        opts=opts,
    )
    config = k8s.apiextensions.CustomResource(
        f"{eks.prefix}-load-balancer-config",
        api_version=LBC_API_VERSION,
        kind="LoadBalancerConfiguration",
        metadata={"name": LOAD_BALANCER_CONFIG, "namespace": SYSTEM_NAMESPACE},
        spec=load_balancer_spec(certificate.arn if certificate is not None else None),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[targets])),
    )
    gateway_class = k8s.apiextensions.CustomResource(
        f"{eks.prefix}-gateway-class",
        api_version="gateway.networking.k8s.io/v1",
        kind="GatewayClass",
        metadata={"name": GATEWAY_CLASS},
        spec={
            "controllerName": ALB_CONTROLLER,
            "parametersRef": {
                "group": "gateway.k8s.aws",
                "kind": "LoadBalancerConfiguration",
                "name": LOAD_BALANCER_CONFIG,
                "namespace": SYSTEM_NAMESPACE,
            },
        },
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[config])),
    )
    return (targets, config, gateway_class)


def target_group_defaults() -> dict[str, Any]:
    """Pod IPs as targets (ClusterIP Services have no node ports), health-checked where the
    runtime says it serves: `/serving` on the status port (`/` on the traffic port is 404)."""
    return {
        "targetType": "ip",
        "protocol": "HTTP",
        "healthCheckConfig": {
            "healthCheckPath": idsvr.READINESS_PATH,
            "healthCheckPort": str(idsvr.STATUS_PORT),
            "healthCheckProtocol": "HTTP",
            "matcher": {"httpCode": "200"},
        },
    }


def load_balancer_spec(certificate_arn: pulumi.Input[str] | None) -> dict[str, Any]:
    """An internet-facing ALB (the controller's default is internal, out of reach of users and
    of Route 53's health checkers) with the region's ACM certificate on HTTPS 443; without one
    the controller discovers ACM certificates by the listeners' hostnames."""
    listener: dict[str, Any] = {"protocolPort": "HTTPS:443", "sslPolicy": SSL_POLICY}
    if certificate_arn is not None:
        listener["defaultCertificate"] = certificate_arn
    return {
        "scheme": "internet-facing",
        "ipAddressType": "ipv4",
        "listenerConfigurations": [listener],
        "defaultTargetGroupConfiguration": {"name": TARGET_GROUP_CONFIG},
    }
