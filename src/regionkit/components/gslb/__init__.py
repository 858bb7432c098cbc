"""Global server load balancing: the public hostname's DNS records and health checks.

One implementation per DNS provider (Route 53, Cloud DNS; `none` publishes the records it would
have created as outputs), each taking `GslbArgs`, registered
in `GSLB` and imported only when a stack uses it.
"""

from __future__ import annotations

from regionkit.components.protocols import GslbClass, Lazy
from regionkit.spec.models import DnsProvider

GSLB: dict[DnsProvider, Lazy[GslbClass]] = {
    DnsProvider.ROUTE53: Lazy("regionkit.components.gslb.route53", "Route53Gslb"),
    DnsProvider.CLOUD_DNS: Lazy("regionkit.components.gslb.cloud_dns", "CloudDnsGslb"),
    DnsProvider.NONE: Lazy("regionkit.components.gslb.external", "ExternalDnsGslb"),
}


def gslb_for(provider: DnsProvider) -> GslbClass:
    """The GSLB component class of a DNS provider."""
    return GSLB[provider].load()
