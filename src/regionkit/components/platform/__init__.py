"""Regional platforms: the Kubernetes cluster (and cloud provider) each region runs on.

One implementation per cloud, plus `ExistingCluster` for any region that names a kubeconfig
context, registered in `PLATFORMS`. Implementations are imported only when a stack uses them,
so planning a stack on one cloud never imports another cloud's SDK.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from regionkit.components.protocols import Lazy, PlatformClass
from regionkit.spec.models import Cloud

if TYPE_CHECKING:
    from regionkit.spec.models import RegionSpec


class PlatformKind(StrEnum):
    """Where a region's cluster comes from: created on a cloud, or an existing one."""

    EKS = "eks"
    GKE = "gke"
    EXISTING_CLUSTER = "existing-cluster"


PLATFORMS: dict[PlatformKind, Lazy[PlatformClass]] = {
    PlatformKind.EKS: Lazy("regionkit.components.platform.aws", "EksPlatform"),
    PlatformKind.GKE: Lazy("regionkit.components.platform.gcp", "GkePlatform"),
    PlatformKind.EXISTING_CLUSTER: Lazy(
        "regionkit.components.platform.kubernetes", "ExistingCluster"
    ),
}

#: the platform regionkit creates on each cloud when a region names no existing cluster
CREATED_ON: dict[Cloud, PlatformKind] = {Cloud.AWS: PlatformKind.EKS, Cloud.GCP: PlatformKind.GKE}


def platform_kind(region: RegionSpec) -> PlatformKind:
    """A kubeconfig context always wins: the region runs on that existing cluster, whatever its
    cloud. Otherwise regionkit creates the cluster on the region's cloud."""
    if region.cluster.kubeconfig_context:
        return PlatformKind.EXISTING_CLUSTER
    kind = CREATED_ON.get(region.cloud)
    if kind is None:
        # The stack-file model already rejects `kubernetes` without a context; this guards the
        # Python API, where a RegionSpec may be built by hand with model_construct.
        raise ValueError(
            f"region {region.id!r}: cloud {region.cloud.value!r} needs cluster.kubeconfigContext "
            "(an existing cluster)"
        )
    return kind


def platform_for(region: RegionSpec) -> PlatformClass:
    """The platform component class of `region`."""
    return PLATFORMS[platform_kind(region)].load()
