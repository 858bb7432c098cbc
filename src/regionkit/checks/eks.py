"""EKS clusters regionkit creates: cluster admins, add-on versions, certificates.

(Who reaches their API, `cluster.api-access`, is one rule for EKS and GKE: `cluster_api`.)

- `eks.admin-principal`: access entries take IAM role or user ARNs (STS session ARNs are
  rejected by EKS), each once.
- `eks.kubernetes-version`: the Cluster Autoscaler and VPC CNI add-ons are pinned per
  Kubernetes minor; a version outside their pins would install a mismatched add-on.
- `eks.certificate-dns`: ACM validates the Gateway's certificate through records regionkit
  writes in the Route 53 zone `dns.zone`: every name must lie in it.
"""

from __future__ import annotations

import re

from regionkit.catalog.eks import (
    AUTOSCALER_IMAGES,
    DEFAULT_KUBERNETES_VERSION,
    VPC_CNI_KUBERNETES,
)
from regionkit.findings import Finding, error
from regionkit.model import served_hostnames
from regionkit.spec.models import Cloud, DnsProvider, RegionSpec
from regionkit.spec.paths import Paths

#: an IAM role or user ARN, any partition, with an optional path
PRINCIPAL = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")
SESSION = re.compile(r"^arn:aws(-[a-z]+)*:sts::\d{12}:assumed-role/(?P<role>[^/]+)/")


def check(paths: Paths) -> list[Finding]:
    out: list[Finding] = []
    for region in paths.deployment.regions:
        if region.cloud is not Cloud.AWS or not region.creates_cluster:
            continue
        out += _admin_principals(paths, region)
        out += _kubernetes_version(paths, region)
        out += _certificate_dns(paths, region)
    return out


def _admin_principals(paths: Paths, region: RegionSpec) -> list[Finding]:
    out = []
    seen: set[str] = set()
    for index, arn in enumerate(region.cluster.admin_principals):
        key = paths.region(region.id, f"cluster.adminPrincipals[{index}]")
        session = SESSION.match(arn)
        if session is not None:
            out.append(
                error(
                    "eks.admin-principal",
                    key,
                    f"{arn} is an STS session, which EKS access entries do not take; name the "
                    f"role it assumes, e.g. arn:aws:iam::<account>:role/{session['role']}.",
                )
            )
        elif PRINCIPAL.match(arn) is None:
            out.append(
                error(
                    "eks.admin-principal",
                    key,
                    f"{arn} is not an IAM role or user ARN "
                    "(arn:aws:iam::<account>:role/<name> or :user/<name>).",
                )
            )
        elif arn in seen:
            out.append(error("eks.admin-principal", key, f"{arn} is listed twice; list it once."))
        seen.add(arn)
    return out


def _kubernetes_version(paths: Paths, region: RegionSpec) -> list[Finding]:
    version = region.cluster.kubernetes_version or DEFAULT_KUBERNETES_VERSION
    addons = region.cluster.addons
    pinned = [
        (name, versions, switch)
        for name, versions, switch, on in (
            (
                "Cluster Autoscaler",
                tuple(AUTOSCALER_IMAGES),
                "nodeAutoscaler",
                addons.node_autoscaler,
            ),
            ("VPC CNI", VPC_CNI_KUBERNETES, "networkPolicy", addons.network_policy),
        )
        if on and version not in versions
    ]
    return [
        error(
            "eks.kubernetes-version",
            paths.region(region.id, "cluster.kubernetesVersion"),
            f"regionkit pins the {name} add-on for Kubernetes {versions[0]} to {versions[-1]}, "
            f"not {version}; choose one of those, or set cluster.addons.{switch}: false and "
            "install it yourself.",
        )
        for name, versions, switch in pinned
    ]


def _certificate_dns(paths: Paths, region: RegionSpec) -> list[Finding]:
    if not region.cluster.addons.certificates:
        return []
    d = paths.deployment
    optout = (
        f"or set {paths.region(region.id, 'cluster.addons.certificates')}: false and issue "
        "ACM certificates for these names yourself (the load balancer controller finds them)"
    )
    if d.dns.provider is DnsProvider.NONE:
        return []  # dns.none-certificates says so
    if d.dns.provider is not DnsProvider.ROUTE53:
        if len(d.regions) > 1:
            return []  # Cloud DNS cannot fail over from an ALB at all: dns.health-check says so
        return [
            error(
                "eks.certificate-dns",
                paths.of("dns.provider"),
                f"region '{region.id}' validates its ACM certificate with records in a Route 53 "
                f"zone, but dns.provider is {d.dns.provider}; use route53, {optout}.",
            )
        ]
    zone = d.dns.zone
    if not zone or not d.dns.hostname:
        return []  # route53 without a zone, or no hostname: dns.zone's or dns.hostname's finding
    # the public and regional names lie in the zone unless dns.hostname does not (its own
    # finding); the sub-clusters' global hostname may lie elsewhere
    return [
        error(
            "eks.certificate-dns",
            paths.of("dns.globalHostname"),
            f"{n.hostname} is not in the DNS zone {zone}, where regionkit writes the ACM "
            f"validation records of region '{region.id}'; use a name in {zone}, {optout}.",
        )
        for n in served_hostnames(d, region.id)
        if n.role == "global" and not (n.hostname == zone or n.hostname.endswith(f".{zone}"))
    ]
