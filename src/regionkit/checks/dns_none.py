"""`dns.provider: none`: what regionkit cannot do without a DNS zone it manages.

- `dns.none-certificates`: a cluster regionkit creates (EKS, GKE) gets its Gateway's certificate
  validated through DNS records regionkit writes in `dns.zone`; with DNS managed elsewhere it
  cannot write them, so the certificate must come from the user (`addons.certificates: false`).
"""

from __future__ import annotations

from regionkit.findings import Finding, error
from regionkit.spec.models import Cloud, DnsProvider
from regionkit.spec.paths import Paths

HOW = {
    Cloud.AWS: "issue ACM certificates for these names yourself (the load balancer controller "
    "finds them)",
    Cloud.GCP: "give the Gateway your TLS Secret (cluster.tls.secretName)",
}


def check(paths: Paths) -> list[Finding]:
    d = paths.deployment
    if d.dns.provider is not DnsProvider.NONE:
        return []
    return [
        error(
            "dns.none-certificates",
            paths.region(region.id, "cluster.addons.certificates"),
            f"region '{region.id}' validates its Gateway's certificate with DNS records regionkit "
            f"writes, but dns.provider is none (DNS managed elsewhere); set "
            f"{paths.region(region.id, 'cluster.addons.certificates')}: false and "
            f"{HOW[region.cloud]}, or use dns.provider route53 or cloud-dns.",
        )
        for region in d.regions
        if region.cloud in HOW and region.creates_cluster and region.cluster.addons.certificates
    ]
