"""Regional platforms: the Kubernetes cluster (and cloud provider) each region runs on.

One implementation per cloud, plus `ExistingCluster` for any region that names a kubeconfig
context. Implementations are imported only when a stack uses them, so planning a stack on one
cloud never imports another cloud's SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from regionkit.spec.models import Cloud

if TYPE_CHECKING:
    from regionkit.spec.models import RegionSpec


def platform_for(region: RegionSpec) -> type:
    """The platform component class of `region`.

    A kubeconfig context always wins: the region runs on that existing cluster, whatever its
    cloud. Otherwise regionkit creates the cluster on the region's cloud.
    """
    if region.cluster.kubeconfig_context:
        from regionkit.components.platform.kubernetes import ExistingCluster

        return ExistingCluster
    if region.cloud is Cloud.AWS:
        from regionkit.components.platform.aws import EksPlatform

        return EksPlatform
    if region.cloud is Cloud.GCP:
        from regionkit.components.platform.gcp import GkePlatform

        return GkePlatform
    # The stack-file model already rejects `kubernetes` without a context; this guards the
    # Python API, where a RegionSpec may be built by hand with model_construct.
    raise ValueError(
        f"region {region.id!r}: cloud {region.cloud.value!r} needs cluster.kubeconfigContext "
        "(an existing cluster)"
    )
