"""Who may reach the API server of a cluster regionkit creates: `cluster.api-access`.

One rule for EKS and GKE. `regionkit up` runs from outside the VPC it creates, so the cluster's
public endpoint (EKS `publicAccessCidrs`, GKE master authorized networks) must admit the
networks that run it, and regionkit never opens it to the whole internet. Without ranges the
endpoint admits no one from outside: safe, but the first `up` could not reach the cluster to
install its add-ons and workload, so a missing key is an error, not a warning.
"""

from __future__ import annotations

from regionkit.checks.networks import open_to_internet
from regionkit.findings import Finding, error
from regionkit.spec.models import Cloud, RegionSpec
from regionkit.spec.paths import Paths

#: a documentation range (RFC 5737), the example every message gives
DOCUMENTATION_RANGE = "203.0.113.0/24"

#: what the ranges open, on each cloud where regionkit creates the cluster
ENDPOINTS = {
    Cloud.AWS: "the public API endpoint of the EKS cluster",
    Cloud.GCP: "the GKE control plane (its master authorized networks)",
}


def check(paths: Paths) -> list[Finding]:
    return [
        finding
        for region in paths.deployment.regions
        if region.creates_cluster and region.cloud in ENDPOINTS
        for finding in _api_access(paths, region)
    ]


def _api_access(paths: Paths, region: RegionSpec) -> list[Finding]:
    cidrs = region.cluster.api_allowed_cidrs
    key = paths.region(region.id, "cluster.apiAllowedCidrs")
    endpoint = ENDPOINTS[region.cloud]
    if not cidrs:
        return [
            error(
                "cluster.api-access",
                key,
                f"region '{region.id}': {endpoint} admits only cluster.apiAllowedCidrs, and "
                "none are set, so `regionkit up` could not reach the cluster it creates. List "
                "the public ranges of whoever runs it (CI egress, VPN), e.g. apiAllowedCidrs: "
                f"[{DOCUMENTATION_RANGE}].",
            )
        ]
    # judged by the addresses the list covers together: 0.0.0.0/1 + 128.0.0.0/1 is the internet
    return [
        error(
            "cluster.api-access",
            key if index is None else f"{key}[{index}]",
            f"region '{region.id}': {cidr} opens {endpoint} to the whole internet; list only "
            "the ranges that run `regionkit up`.",
        )
        for index, cidr in open_to_internet(cidrs)
    ]
