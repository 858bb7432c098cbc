"""Every in-cluster add-on regionkit installs, each at one pinned version (one row per add-on).

A platform reads its rows with `addon(platform, key)`; nothing else names a chart, an EKS
add-on or a vendored manifest bundle. `platform` is the platform kind of
`components.platform.PlatformKind` ("eks", "gke", "existing-cluster"), or `ALL` for an add-on
every platform that installs it installs the same way. `switch` names the `cluster.addons` key
that opts out of it (None: the deployment always needs it). Rows are sorted by platform, then key:
add a row, never reorder or drop one without a migration note.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: the platform value of a row every platform installing the add-on shares
ALL = "all"


class Source(StrEnum):
    """How the add-on is installed."""

    #: a Helm chart from `repository`, installed as a Helm release
    HELM_CHART = "helm-chart"
    #: a third-party manifest bundle vendored under catalog/data (`name` is the file)
    MANIFEST_BUNDLE = "manifest-bundle"
    #: an Amazon EKS add-on (`name` is the add-on name)
    EKS_ADDON = "eks-addon"


@dataclass(frozen=True)
class AddonPin:
    platform: str
    #: the add-on's id within its platform, e.g. "cert-manager"
    key: str
    source: Source
    #: the chart name, the EKS add-on name or the vendored file's name under catalog/data
    name: str
    version: str
    #: where the version was read (tag, chart, documentation page)
    origin: str
    #: the Helm chart repository (HELM_CHART only)
    repository: str | None = None
    #: the namespace the release runs in (HELM_CHART only)
    namespace: str | None = None
    #: the `cluster.addons` key (stack-file spelling) that opts out of it; None: always installed
    switch: str | None = None


ADDONS: tuple[AddonPin, ...] = (
    AddonPin(
        platform=ALL,
        key="cnpg-operator",
        source=Source.HELM_CHART,
        name="cloudnative-pg",
        version="0.27.1",
        origin="cloudnative-pg/charts, chart cloudnative-pg 0.27.1",
        repository="https://cloudnative-pg.github.io/charts",
        namespace="cnpg-system",
    ),
    AddonPin(
        platform=ALL,
        key="gateway-api-crds",
        source=Source.MANIFEST_BUNDLE,
        name="gateway-api-standard-install.yaml",
        version="v1.6.1",
        origin="kubernetes-sigs/gateway-api v1.6.1, config/crd/standard (standard-install.yaml)",
        switch="gatewayApiCrds",
    ),
    AddonPin(
        platform=ALL,
        key="metrics-server",
        source=Source.HELM_CHART,
        name="metrics-server",
        version="3.13.1",
        origin="kubernetes-sigs/metrics-server, tag metrics-server-helm-chart-3.13.1 (app 0.8.1)",
        repository="https://kubernetes-sigs.github.io/metrics-server/",
        namespace="kube-system",
        switch="metricsServer",
    ),
    AddonPin(
        platform="eks",
        key="aws-load-balancer-controller",
        source=Source.HELM_CHART,
        name="aws-load-balancer-controller",
        version="3.5.0",
        origin="kubernetes-sigs/aws-load-balancer-controller v3.5.0, "
        "helm/aws-load-balancer-controller (chart 3.5.0, app v3.5.0; Gateway API v1.6)",
        repository="https://aws.github.io/eks-charts",
        namespace="kube-system",
        switch="loadBalancerController",
    ),
    AddonPin(
        platform="eks",
        key="cluster-autoscaler",
        source=Source.HELM_CHART,
        name="cluster-autoscaler",
        version="9.59.0",
        origin="kubernetes/autoscaler tag cluster-autoscaler-chart-9.59.0; the image follows "
        "the control plane's minor (aws_addons.AUTOSCALER_IMAGES)",
        repository="https://kubernetes.github.io/autoscaler",
        namespace="kube-system",
        switch="nodeAutoscaler",
    ),
    AddonPin(
        platform="eks",
        key="vpc-cni",
        source=Source.EKS_ADDON,
        name="vpc-cni",
        version="v1.20.1-eksbuild.3",
        origin="EKS user guide, Amazon VPC CNI versions: latest for Kubernetes 1.27 to 1.33",
        switch="networkPolicy",
    ),
    AddonPin(
        platform="existing-cluster",
        key="cert-manager",
        source=Source.HELM_CHART,
        name="cert-manager",
        version="v1.21.1",
        origin="cert-manager/cert-manager v1.21.1, deploy/charts/cert-manager",
        repository="https://charts.jetstack.io",
        namespace="cert-manager",
        switch="certificates",
    ),
)


def addon(platform: str, key: str) -> AddonPin:
    """The pin of add-on `key` on `platform`: the platform's own row, else the shared one."""
    for wanted in (platform, ALL):
        for row in ADDONS:
            if row.platform == wanted and row.key == key:
                return row
    raise KeyError(f"no add-on {key!r} pinned for platform {platform!r}")
