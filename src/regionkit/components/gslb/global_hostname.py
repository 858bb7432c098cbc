"""The sub-clusters' optional global hostname: a geolocation hint to each partition's hostname.

It routes each country to the hostname of the sub-cluster of its jurisdiction (a CNAME), so a
user who types the global name lands on their own partition. It is a hint for convenience and
never the enforcement of residency: the partitions hold the data, each behind its own hostname.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Protocol

import pulumi

from regionkit.catalog import regions as catalog
from regionkit.components.protocols import Lazy
from regionkit.components.settings import StackSettings
from regionkit.errors import skipped_check
from regionkit.model import type_token
from regionkit.spec.models import DnsProvider, StackSpec


@dataclass(frozen=True)
class Partition:
    """One sub-cluster as the global hostname sees it."""

    id: str
    jurisdiction: str
    hostname: str


@dataclass(frozen=True)
class GlobalHostnameArgs:
    spec: StackSpec
    partitions: tuple[Partition, ...]
    settings: StackSettings = field(default_factory=StackSettings)


@dataclass(frozen=True)
class GeoRecordsArgs:
    """What a DNS provider's records of the global hostname need."""

    zone: str
    hostname: str
    partitions: tuple[Partition, ...]
    ttl: int
    settings: StackSettings


class GeoRecords(Protocol):
    """Registers the global hostname's geolocation records on one DNS provider."""

    def __call__(self, name: str, args: GeoRecordsArgs, parent: pulumi.Resource) -> None: ...


#: the records of the global hostname per DNS provider, imported only when a stack uses it
GEO_RECORDS: dict[DnsProvider, Lazy[GeoRecords]] = {
    DnsProvider.ROUTE53: Lazy("regionkit.components.gslb.route53", "global_hostname_records"),
    DnsProvider.CLOUD_DNS: Lazy("regionkit.components.gslb.cloud_dns", "global_hostname_records"),
    DnsProvider.NONE: Lazy("regionkit.components.gslb.external", "global_hostname_records"),
}


@dataclass(frozen=True)
class GeoRule:
    """One country (or "*" for everyone else) sent to one partition's hostname."""

    set_identifier: str
    country: str
    target: str


def countries_of(jurisdiction: str) -> list[str]:
    """The ISO 3166 countries a jurisdiction covers: the EU's member states, or itself."""
    if jurisdiction == catalog.EU:
        return sorted(catalog.EU_MEMBER_STATES)
    return [catalog.canonical_jurisdiction(jurisdiction)]


def geo_rules(partitions: tuple[Partition, ...]) -> list[GeoRule]:
    """A rule per country of each partition's jurisdiction, then the default ("*").

    The default goes to the first partition: users from countries no partition claims still
    resolve the global name. A country claimed twice keeps its first partition.
    """
    rules: list[GeoRule] = []
    claimed: set[str] = set()
    for partition in partitions:
        for country in countries_of(partition.jurisdiction):
            if country in claimed:
                continue
            claimed.add(country)
            rules.append(GeoRule(f"{partition.id}-{country.lower()}", country, partition.hostname))
    rules.append(GeoRule("default", "*", partitions[0].hostname))
    return rules


def gcp_geo_items(partitions: tuple[Partition, ...]) -> list[tuple[str, str]]:
    """(GCP region, partition hostname) pairs: Cloud DNS routes by the client's nearest region.

    Each partition claims the GCP regions inside its jurisdiction; with geofencing on, clients
    are answered only from the item of their own region.
    """
    items: list[tuple[str, str]] = []
    claimed: set[str] = set()
    for partition in partitions:
        for facts in catalog.regions_of("gcp"):
            if facts.name in claimed:
                continue
            if catalog.in_jurisdiction(facts.country, partition.jurisdiction) or (
                facts.country == catalog.canonical_jurisdiction(partition.jurisdiction)
            ):
                claimed.add(facts.name)
                items.append((facts.name, partition.hostname))
    return items


class GlobalHostname(pulumi.ComponentResource):
    """Geolocation records of `dns.globalHostname`, on the stack's top-level DNS provider."""

    TOKEN: ClassVar[str] = type_token("gslb", "GlobalHostname")

    hostname: pulumi.Output[str]

    def __init__(
        self, name: str, args: GlobalHostnameArgs, opts: pulumi.ResourceOptions | None = None
    ):
        dns = args.spec.dns
        hostname, zone = dns.global_hostname, dns.zone
        if hostname is None:
            raise ValueError("GlobalHostname needs a stack with dns.globalHostname set")
        if not zone:
            raise skipped_check(f"dns.globalHostname {hostname}: no top-level dns.zone", "dns.zone")
        if not (hostname == zone or hostname.endswith(f".{zone}")):
            raise skipped_check(
                f"dns.globalHostname: '{hostname}' must be inside the top-level dns.zone ({zone!r})",
                "dns.hostname",
            )
        if not args.partitions:
            raise ValueError("GlobalHostname needs at least one partition (a sub-cluster)")
        super().__init__(self.TOKEN, name, {}, opts)
        ttl = 300  # a hint that changes only with the partitions: cache it
        records = GEO_RECORDS[dns.provider].load()
        records(name, GeoRecordsArgs(zone, hostname, args.partitions, ttl, args.settings), self)
        self.hostname = pulumi.Output.from_input(hostname)
        self.register_outputs({"hostname": self.hostname})
