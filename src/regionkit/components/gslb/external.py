"""`dns.provider: none`: DNS managed outside regionkit, so no DNS resources at all.

The records regionkit would have created (each region's `<region-id>.<hostname>`, the public
hostname under its routing policy with a health check per region, the sub-clusters' global
hostname) are computed all the same and published instead: as this component's `records`
input, which the plan lists, and as the stack output `dnsRecords`. Whoever manages the zone
creates them from there.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi

from regionkit.components.gslb.global_hostname import GeoRecordsArgs, geo_rules
from regionkit.components.protocols import GslbArgs, RegionEndpoint
from regionkit.model import FailoverTiming, regional_hostname, type_token
from regionkit.spec.models import Deployment

HEALTH_PATH = "/serving"
HTTPS_PORT = 443


def _record_type(endpoint: RegionEndpoint) -> str:
    return "A" if endpoint.address_kind == "ip" else "CNAME"


def _health_check(deployment: Deployment, region_id: str, timing: FailoverTiming) -> dict[str, Any]:
    return {
        "protocol": "HTTPS",
        "port": HTTPS_PORT,
        "path": HEALTH_PATH,
        "host": regional_hostname(deployment, region_id),
        "intervalSeconds": timing.interval_seconds,
        "failureThreshold": timing.failure_threshold,
    }


def planned_records(
    deployment: Deployment,
    endpoints: tuple[RegionEndpoint, ...],
    timing: FailoverTiming,
    addresses: list[str],
) -> list[dict[str, Any]]:
    """The records regionkit would have created, with each region's resolved address."""
    ttl = timing.ttl_seconds
    several = len(endpoints) > 1
    regional = [
        {
            "name": regional_hostname(deployment, e.region.id),
            "type": _record_type(e),
            "ttl": ttl,
            "value": address,
            "region": e.region.id,
        }
        for e, address in zip(endpoints, addresses, strict=True)
    ]
    public = [
        {
            "name": deployment.hostname,
            "type": _record_type(e),
            "ttl": ttl,
            "value": address,
            "region": e.region.id,
            **(
                {
                    "routing": str(deployment.routing),
                    "role": e.role,
                    "healthCheck": _health_check(deployment, e.region.id, timing),
                }
                if several
                else {}
            ),
        }
        for e, address in zip(endpoints, addresses, strict=True)
    ]
    return regional + public


class ExternalDnsGslb(pulumi.ComponentResource):
    """The deployment's DNS records as data, for DNS that regionkit does not manage."""

    TOKEN: ClassVar[str] = type_token("gslb", "ExternalDns")

    records: pulumi.Output[list[dict[str, Any]]]

    def __init__(self, name: str, args: GslbArgs, opts: pulumi.ResourceOptions | None = None):
        endpoints = args.endpoints
        self.records = pulumi.Output.all(*(e.address for e in endpoints)).apply(
            lambda addresses: planned_records(
                args.deployment, endpoints, args.timing, [str(a) for a in addresses]
            )
        )
        super().__init__(self.TOKEN, name, {"records": self.records}, opts)
        self.register_outputs({"records": self.records})


class ExternalGlobalRecords(pulumi.ComponentResource):
    """The sub-clusters' global hostname records as data (a CNAME per country)."""

    TOKEN: ClassVar[str] = type_token("gslb", "ExternalGlobalRecords")

    def __init__(self, name: str, args: GeoRecordsArgs, opts: pulumi.ResourceOptions):
        records = [
            {
                "name": args.hostname,
                "type": "CNAME",
                "ttl": args.ttl,
                "value": rule.target,
                "geolocation": rule.country,
            }
            for rule in geo_rules(args.partitions)
        ]
        super().__init__(self.TOKEN, name, {"records": records}, opts)
        self.records = pulumi.Output.from_input(records)
        self.register_outputs({"records": self.records})


def global_hostname_records(name: str, args: GeoRecordsArgs, parent: pulumi.Resource) -> None:
    """The sub-clusters' global hostname: published, not created."""
    ExternalGlobalRecords(f"{name}-records", args, pulumi.ResourceOptions(parent=parent))
