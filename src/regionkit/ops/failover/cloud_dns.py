"""Cloud DNS: pin the failover record set's primary to the new writer region.

A `primary_backup` routing policy answers with its primary targets while the health check
passes, and with the backup targets otherwise. After a region loss the health check alone is not
enough: once the lost region answers again, the policy would send users back to a region whose
database is no longer the writer. So the failover moves the new writer region's address into
`primaryTargets` and the former primary's into the backup item that held it, in one
`resourceRecordSets.patch` of the Cloud DNS API v1 (which replaces the record set as a whole;
the health check, TTL and trickle ratio are kept). A record set already pinned is left alone.

Which address is a region's is read from its regional record (`<region-id>.<hostname>`, an A
record with the address alone, which the GSLB component creates beside the policy). The managed
zone is found by its conventional name, as the component does (`managed_zone_name`). The backup
item keeps its geo location key: with one passive region (active-passive) that is exact; with
more, the former primary answers the queries nearest the new primary's key until `regionkit up`
(which reads the recorded pin) rewrites the policy with each region's own key.
"""

from __future__ import annotations

import copy
from typing import Any

from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.steps import Step, StepFailed

TIMEOUT_SECONDS = 300.0


def managed_zone_name(zone: str) -> str:
    """The component's convention (`components/gslb/cloud_dns.py`): dots become hyphens."""
    return zone.strip(".").lower().replace(".", "-")


def fqdn(name: str) -> str:
    return name if name.endswith(".") else name + "."


def record_set(clients: Clients, zone: str, name: str) -> dict[str, Any]:
    request = (
        clients.dns()
        .resourceRecordSets()
        .get(
            project=clients.project(),
            managedZone=managed_zone_name(zone),
            name=fqdn(name),
            type="A",
        )
    )
    return dict(request.execute())


def address_of(clients: Clients, zone: str, regional_hostname: str) -> str:
    rrdatas = record_set(clients, zone, regional_hostname).get("rrdatas") or []
    if len(rrdatas) != 1:
        raise StepFailed(f"{regional_hostname} has {len(rrdatas)} addresses, expected one")
    return str(rrdatas[0])


def primary_backup(record: dict[str, Any], hostname: str) -> dict[str, Any]:
    policy = (record.get("routingPolicy") or {}).get("primaryBackup")
    if not policy:
        raise StepFailed(f"the record set {hostname} has no primary_backup routing policy")
    return dict(policy)


def primary_addresses(record: dict[str, Any], hostname: str) -> list[str]:
    targets = primary_backup(record, hostname).get("primaryTargets") or {}
    return list(targets.get("externalEndpoints") or [])


def pinned(record: dict[str, Any], hostname: str, address: str) -> dict[str, Any]:
    """`record` with `address` as the only primary target and the former primary targets in
    the backup item that held `address`."""
    body = copy.deepcopy(record)
    policy = body["routingPolicy"]["primaryBackup"]
    former = primary_addresses(record, hostname)
    items = (policy.get("backupGeoTargets") or {}).get("items") or []
    holders = [
        item
        for item in items
        if address in ((item.get("healthCheckedTargets") or {}).get("externalEndpoints") or [])
    ]
    if not holders:
        raise StepFailed(f"{address} is not a backup target of {hostname}: nothing to pin to")
    targets = holders[0]["healthCheckedTargets"]
    targets["externalEndpoints"] = [a for a in targets["externalEndpoints"] if a != address] + [
        a for a in former if a != address
    ]
    policy["backupGeoTargets"]["items"] = [
        i for i in items if (i.get("healthCheckedTargets") or {}).get("externalEndpoints")
    ]
    policy["primaryTargets"] = {"externalEndpoints": [address]}
    return body


def pin_step(clients: Clients, *, zone: str, hostname: str, regional: str, to: str) -> Step:
    """Pin `hostname`'s primary to region `to`, whose own record is `regional`."""

    def done() -> bool:
        wanted = address_of(clients, zone, regional)
        return primary_addresses(record_set(clients, zone, hostname), hostname) == [wanted]

    def act() -> None:
        body = pinned(
            record_set(clients, zone, hostname), hostname, address_of(clients, zone, regional)
        )
        clients.dns().resourceRecordSets().patch(
            project=clients.project(),
            managedZone=managed_zone_name(zone),
            name=fqdn(hostname),
            type="A",
            body=body,
        ).execute()

    return Step(
        id=f"dns/{hostname}",
        title=f"Cloud DNS {hostname}: primary_backup primary pinned to {to}, the former "
        "primary a backup",
        done=done,
        act=act,
        timeout_seconds=TIMEOUT_SECONDS,
        pin=(hostname, to),
    )
