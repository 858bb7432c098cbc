"""An existing Kubernetes cluster, reached through a kubeconfig context.

Used for every region with `cluster.kubeconfigContext`, on any cloud or on premises. regionkit
creates nothing in the cluster here; it only builds the providers the region's other components
use: the Kubernetes provider of the context and, on aws or gcp, the cloud provider pinned to the
region so data stores can be created next to the cluster.
"""

from __future__ import annotations

from typing import ClassVar

import pulumi
import pulumi_kubernetes as k8s

from regionkit.components.facts import ClusterFacts
from regionkit.components.platform.addons import install_addons
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
        self.platform = RegionPlatform(
            region=region,
            k8s_provider=k8s_provider,
            facts=ClusterFacts(context),
            cloud_provider=cloud_provider,
            gateway_address_kind=gateway_address_kind(region),
            addons=self.addons,
        )
        self.register_outputs({"region": region.id, "context": context})


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
