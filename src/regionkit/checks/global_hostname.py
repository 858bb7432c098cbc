"""The sub-clusters' `dns.globalHostname`: records in the top-level zone, routed by location.

`GlobalHostname` registers the global hostname's geolocation records in the top-level
`dns.zone` on the top-level `dns.provider` (the sub-clusters' own zones hold their hostnames),
and Cloud DNS routes them by the Google Cloud regions inside the sub-clusters' jurisdictions.
"""

from __future__ import annotations

from regionkit.catalog.dns import gcp_dns_regions
from regionkit.catalog.regions import in_jurisdiction
from regionkit.findings import Finding, error
from regionkit.model.text import join
from regionkit.spec.models import DnsProvider, StackSpec, Topology


def check_stack(spec: StackSpec) -> list[Finding]:
    hostname, zone = spec.dns.global_hostname, spec.dns.zone
    if hostname is None or spec.topology is not Topology.SUB_CLUSTERS:
        return []  # outside sub-clusters it is ignored: shape's dns.global-hostname warning
    out = []
    if zone is None:
        out.append(
            error(
                "dns.zone",
                "dns.zone",
                f"dns.globalHostname {hostname} needs the top-level dns.zone: the public zone "
                "that holds its records (each sub-cluster's own dns.zone holds only its "
                "hostname). Set dns.zone at the top level, e.g. the parent domain of "
                f"{hostname}.",
            )
        )
    elif not (hostname == zone or hostname.endswith(f".{zone}")):
        out.append(
            error(
                "dns.hostname",
                "dns.globalHostname",
                f"dns.globalHostname {hostname} is not inside the top-level zone {zone}; use a "
                f"name ending in .{zone}, or set the top-level dns.zone to the zone that holds "
                "it.",
            )
        )
    if spec.dns.provider is DnsProvider.CLOUD_DNS:
        out += _cloud_dns(spec)
    return out


def _cloud_dns(spec: StackSpec) -> list[Finding]:
    """Cloud DNS answers a client by its nearest Google Cloud region: some must lie inside."""
    jurisdictions = [d.jurisdiction for d in spec.deployments() if d.jurisdiction is not None]
    if any(in_jurisdiction(r.country, j) for r in gcp_dns_regions() for j in jurisdictions):
        return []
    return [
        error(
            "dns.location",
            "dns.globalHostname",
            f"Cloud DNS routes dns.globalHostname by the client's nearest Google Cloud region, "
            f"and no Google Cloud region lies in the jurisdiction of any sub-cluster "
            f"({join(jurisdictions)}), so it could route no one. Set the top-level dns.provider "
            "to route53 (sub-clusters may keep their own provider), or remove "
            "dns.globalHostname.",
        )
    ]
