"""Route 53: the failover record pair pinned to the new writer region.

Health checks move traffic when a region stops answering `/serving`, but not when it still
answers while its database is gone or read-only (a partial failure), and they move it back as
soon as the old region answers again, to an identity server whose writes would now fail. So the
commands swap the failover roles of the pair: the new writer region's record becomes PRIMARY and
the old one SECONDARY, each keeping its alias target and health check. The old region then stays
a health-checked backup instead of being cut off; switchback swaps again. Latency, geolocation
and weighted records (global clusters) are left to their health checks: every region there
serves, and no single region's record decides where writes go.
"""

from __future__ import annotations

from typing import Any

from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.steps import Step, StepFailed

#: Route 53 is a global service; its API answers in us-east-1
API_REGION = "us-east-1"


def fqdn(name: str) -> str:
    return name if name.endswith(".") else name + "."


def zone_id(route53: Any, zone: str) -> str:
    answer = route53.list_hosted_zones_by_name(DNSName=fqdn(zone), MaxItems="1")
    for item in answer.get("HostedZones", []):
        if item["Name"] == fqdn(zone) and not item.get("Config", {}).get("PrivateZone"):
            return str(item["Id"]).rsplit("/", 1)[-1]
    raise StepFailed(f"no public Route 53 hosted zone '{zone}'")


def failover_records(route53: Any, zone: str, hostname: str) -> dict[str, dict[str, Any]]:
    """The failover records of `hostname`, by set identifier (the region id)."""
    answer = route53.list_resource_record_sets(
        HostedZoneId=zone_id(route53, zone), StartRecordName=fqdn(hostname), StartRecordType="A"
    )
    return {
        r["SetIdentifier"]: r
        for r in answer.get("ResourceRecordSets", [])
        if r["Name"] == fqdn(hostname) and r["Type"] == "A" and "Failover" in r
    }


def primary_region(route53: Any, zone: str, hostname: str) -> str | None:
    for region, record in failover_records(route53, zone, hostname).items():
        if record["Failover"] == "PRIMARY":
            return region
    return None


def pin_step(clients: Clients, *, zone: str, hostname: str, to: str) -> Step:
    def route53() -> Any:
        return clients.aws_client("route53", API_REGION)

    def done() -> bool:
        return primary_region(route53(), zone, hostname) == to

    def act() -> None:
        records = failover_records(route53(), zone, hostname)
        if to not in records:
            raise StepFailed(f"no failover record of {hostname} for region '{to}' in zone {zone}")
        changes = []
        for region, record in records.items():
            role = "PRIMARY" if region == to else "SECONDARY"
            if record["Failover"] != role:
                changes.append(
                    {"Action": "UPSERT", "ResourceRecordSet": {**record, "Failover": role}}
                )
        route53().change_resource_record_sets(
            HostedZoneId=zone_id(route53(), zone),
            ChangeBatch={
                "Comment": f"regionkit: {to} is the writer region",
                # one batch: Route 53 applies it atomically, never two PRIMARY records at once
                "Changes": changes,
            },
        )

    return Step(
        id=f"dns/{hostname}",
        title=f"Route 53 {hostname}: failover record of {to} PRIMARY, the others SECONDARY",
        done=done,
        act=act,
        timeout_seconds=300.0,
        pin=(hostname, to),
    )
