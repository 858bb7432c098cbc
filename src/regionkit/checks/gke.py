"""GKE clusters regionkit creates: who reaches their API, and where their certificates come from.

- `cluster.api-access`: the control plane's public endpoint admits only the master authorized
  networks, `cluster.apiAllowedCidrs`. Without any, `regionkit up` itself (run from outside the
  VPC) could not reach the cluster to deploy the workload; a /0 range opens it to everyone.
- `cluster.tls`: the Gateway's certificates come from Certificate Manager unless
  `cluster.addons.certificates` is false; then the user's TLS Secret (`cluster.tls.secretName`)
  must be named, since nothing installs cert-manager on a GKE cluster regionkit creates.
"""

from __future__ import annotations

from regionkit.checks.networks import open_to_internet
from regionkit.findings import Finding, error, warning
from regionkit.spec.models import Cloud, RegionSpec
from regionkit.spec.paths import Paths


def check(paths: Paths) -> list[Finding]:
    out: list[Finding] = []
    for region in paths.deployment.regions:
        if region.cloud is Cloud.GCP and region.creates_cluster:
            out += _api_access(paths, region) + _tls(paths, region)
    return out


def _api_access(paths: Paths, region: RegionSpec) -> list[Finding]:
    cidrs = region.cluster.api_allowed_cidrs
    path = paths.region(region.id, "cluster.apiAllowedCidrs")
    if not cidrs:
        return [
            error(
                "cluster.api-access",
                path,
                f"region '{region.id}': the GKE control plane admits only its master authorized "
                "networks, and none are set, so `regionkit up` could not reach the cluster it "
                "creates. List the public ranges of whoever runs it (CI egress, VPN), e.g. "
                "apiAllowedCidrs: [203.0.113.0/24].",
            )
        ]
    return [
        error(
            "cluster.api-access",
            path if index is None else f"{path}[{index}]",
            f"region '{region.id}': {cidr} opens the GKE control plane to the whole internet; "
            "list the ranges that run `regionkit up` instead.",
        )
        for index, cidr in open_to_internet(cidrs)
    ]


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
