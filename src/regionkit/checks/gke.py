"""GKE clusters regionkit creates: where their certificates come from.

(Who reaches their API, `cluster.api-access`, is one rule for EKS and GKE: `cluster_api`.)

- `cluster.tls`: the Gateway's certificates come from Certificate Manager unless
  `cluster.addons.certificates` is false; then the user's TLS Secret (`cluster.tls.secretName`)
  must be named, since nothing installs cert-manager on a GKE cluster regionkit creates.
"""

from __future__ import annotations

from regionkit.findings import Finding, error, warning
from regionkit.spec.models import Cloud, RegionSpec
from regionkit.spec.paths import Paths


def check(paths: Paths) -> list[Finding]:
    out: list[Finding] = []
    for region in paths.deployment.regions:
        if region.cloud is Cloud.GCP and region.creates_cluster:
            out += _tls(paths, region)
    return out


def _tls(paths: Paths, region: RegionSpec) -> list[Finding]:
    cluster = region.cluster
    path = paths.region(region.id, "cluster.tls")
    if cluster.addons.certificates:
        if cluster.tls is None:
            return []
        return [
            warning(
                "cluster.tls",
                path,
                f"region '{region.id}': ignored: the Gateway serves Certificate Manager "
                "certificates regionkit creates; set cluster.addons.certificates: false to "
                "serve a TLS Secret of your own instead.",
            )
        ]
    if cluster.tls is None or cluster.tls.secret_name is None:
        return [
            error(
                "cluster.tls",
                path + ("" if cluster.tls is None else ".clusterIssuer"),
                f"region '{region.id}': cluster.addons.certificates is false, so regionkit "
                "creates no certificate, and nothing installs cert-manager on a GKE cluster it "
                "creates: set cluster.tls.secretName to a TLS Secret in the identity server's "
                "namespace covering every hostname the Gateway serves.",
            )
        ]
    return []
