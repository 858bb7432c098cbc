"""An existing Kubernetes cluster, reached through a kubeconfig context.

Used for every region with `cluster.kubeconfigContext`, on any cloud or on premises. Besides the
providers the region's other components use (the Kubernetes provider of the context and, on aws
or gcp, the cloud provider pinned to the region so data stores can be created next to the
cluster), it installs what the workload relies on and a cluster may lack, each skipped when its
`cluster.addons.<key>` is false because the cluster already has it:
1. the Gateway API CRDs (`gatewayApiCrds`), the standard channel the EKS platform installs too;
2. metrics-server (`metricsServer`), which the HorizontalPodAutoscaler reads;
3. cert-manager (`certificates`), only when `cluster.tls.clusterIssuer` names the ClusterIssuer
   that issues the Gateway's certificate, after the CRDs (its Gateway API support, which
   ClusterIssuers solving HTTP-01 through a Gateway need, stops the controller when they are
   missing). The Gateway component then creates the Certificate before the Gateway.
The Gateway controller is the cluster owner's: its GatewayClass is `cluster.gatewayClass`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pulumi
import pulumi_kubernetes as k8s

from regionkit.catalog.addons import addon
from regionkit.components.facts import ClusterFacts, SecretCertificate
from regionkit.components.platform.addons import install_addons
from regionkit.components.platform.shared_addons import (
    gateway_api_crds,
    helm_release,
    metrics_server,
)
from regionkit.components.protocols import AddressKind, PlatformArgs, RegionPlatform
from regionkit.model import type_token
from regionkit.spec.models import Cloud, RegionSpec


class ExistingCluster(pulumi.ComponentResource):
    """The platform of a region that runs on a cluster regionkit does not manage."""

    TOKEN: ClassVar[str] = type_token("platform", "ExistingCluster")

    platform: RegionPlatform

    def __init__(
        self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        region = args.region
        context = region.cluster.kubeconfig_context
        if not context:
            raise ValueError(
                f"region {region.id!r}: ExistingCluster needs cluster.kubeconfigContext"
            )
        if region.cluster.gateway_class is None:
            raise ValueError(
                f"region {region.id!r}: an existing cluster needs cluster.gatewayClass"
            )
        super().__init__(self.TOKEN, name, {"region": region.id}, opts)
        # one provider per cluster, named after the region (once, whatever the caller's name)
        prefix = name if name.endswith(f"-{region.id}") else f"{name}-{region.id}"

        k8s_provider = k8s.Provider(
            prefix,
            context=context,
            # Server-side apply lets another field manager (a controller, kubectl) own fields
            # regionkit never sets, such as the cluster keystore the genclust Job writes.
            enable_server_side_apply=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        cloud_provider = _cloud_provider(prefix, region, self, args.settings.gcp_project)
        self.addons = install_addons(prefix, args, k8s_provider, (), self)
        self.cluster_addons = install(prefix, region, k8s_provider, self)
        self.platform = RegionPlatform(
            region=region,
            k8s_provider=k8s_provider,
            facts=ClusterFacts(context),
            cloud_provider=cloud_provider,
            gateway_address_kind=gateway_address_kind(region),
            gateway_class=region.cluster.gateway_class,
            gateway_tls=gateway_tls(region, self.cluster_addons),
            addons=self.addons,
            depends_on=self.cluster_addons.workload_waits,
        )
        self.register_outputs({"region": region.id, "context": context})


EXISTING_CLUSTER = "existing-cluster"
CERT_MANAGER = addon(EXISTING_CLUSTER, "cert-manager")


@dataclass(frozen=True)
class ExistingClusterAddons:
    """The add-ons installed in an existing cluster (empty or None: opted out, or not needed)."""

    gateway_api_crds: tuple[pulumi.Resource, ...] = ()
    metrics_server: k8s.helm.v3.Release | None = None
    cert_manager: k8s.helm.v3.Release | None = None

    @property
    def workload_waits(self) -> tuple[pulumi.Resource, ...]:
        """What the identity server's namespace, and so everything in it, waits for: the
        Gateway and HTTPRoute need the CRDs, the HPA needs metrics-server."""
        waits = [*self.gateway_api_crds, self.metrics_server]
        return tuple(w for w in waits if w is not None)


def install(
    prefix: str, region: RegionSpec, provider: k8s.Provider, parent: pulumi.Resource
) -> ExistingClusterAddons:
    """The add-ons `region.cluster.addons` leaves to regionkit, in dependency order."""
    switches, tls = region.cluster.addons, region.cluster.tls
    crds = gateway_api_crds(prefix, provider, parent) if switches.gateway_api_crds else ()
    issuer = tls is not None and tls.cluster_issuer is not None
    return ExistingClusterAddons(
        gateway_api_crds=crds,
        metrics_server=metrics_server(prefix, provider, parent)
        if switches.metrics_server
        else None,
        cert_manager=(
            cert_manager(prefix, provider, parent, crds)
            if issuer and switches.certificates
            else None
        ),
    )


def cert_manager(
    prefix: str,
    provider: k8s.Provider,
    parent: pulumi.Resource,
    depends_on: tuple[pulumi.Resource, ...],
) -> k8s.helm.v3.Release:
    """cert-manager with its CRDs, kept when the release goes (deleting them would delete
    every Certificate in the cluster), and its Gateway API support on."""
    values = {
        "crds": {"enabled": True, "keep": True},
        "config": {
            "apiVersion": "controller.config.cert-manager.io/v1alpha1",
            "kind": "ControllerConfiguration",
            "gatewayAPI": {"enabled": True},
        },
    }
    return helm_release(
        prefix, CERT_MANAGER, values, provider, parent, depends_on, create_namespace=True
    )


def gateway_tls(region: RegionSpec, addons: ExistingClusterAddons) -> SecretCertificate:
    """The Gateway's TLS Secret: the user's (`tls.secretName`, default `<namespace>-tls`), or
    the one cert-manager issues from the ClusterIssuer `tls.clusterIssuer`."""
    tls = region.cluster.tls
    if tls is None:
        return SecretCertificate()
    waits = () if addons.cert_manager is None else (addons.cert_manager,)
    return SecretCertificate(
        secret_name=tls.secret_name, cluster_issuer=tls.cluster_issuer, depends_on=waits
    )


def gateway_address_kind(region: RegionSpec) -> AddressKind:
    """How the region's Gateway is reached: AWS load balancers publish DNS names, others IPs."""
    return "hostname" if region.cloud is Cloud.AWS else "ip"


def _cloud_provider(
    prefix: str, region: RegionSpec, parent: pulumi.Resource, gcp_project: str | None
) -> pulumi.ProviderResource | None:
    opts = pulumi.ResourceOptions(parent=parent)
    if region.cloud is Cloud.AWS:
        import pulumi_aws as aws

        return aws.Provider(f"{prefix}-aws", region=region.location, opts=opts)
    if region.cloud is Cloud.GCP:
        import pulumi_gcp as gcp

        return gcp.Provider(f"{prefix}-gcp", region=region.location, project=gcp_project, opts=opts)
    return None
