"""The sub-clusters' optional global hostname: a geolocation hint to each partition's hostname.

It routes each country to the hostname of the sub-cluster of its jurisdiction (a CNAME), so a
user who types the global name lands on their own partition. It is a hint for convenience and
never the enforcement of residency: the partitions hold the data, each behind its own hostname.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pulumi

from regionkit.catalog import regions as catalog
from regionkit.components.protocols import type_token
from regionkit.errors import InvalidInput
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
            raise InvalidInput("dns.globalHostname is not set")
        if not zone or not (hostname == zone or hostname.endswith(f".{zone}")):
            raise InvalidInput(
                f"dns.globalHostname: '{hostname}' must be inside the top-level dns.zone ({zone!r})"
            )
        if not args.partitions:
            raise InvalidInput("dns.globalHostname needs at least one sub-cluster")
        super().__init__(self.TOKEN, name, {}, opts)
        gcp_settings = args.spec.clouds.gcp
        self._gcp_project = gcp_settings.project if gcp_settings is not None else None
        ttl = 300  # a hint that changes only with the partitions: cache it
        if dns.provider is DnsProvider.ROUTE53:
            self._route53(name, zone, hostname, args.partitions, ttl)
        else:
            self._cloud_dns(name, zone, hostname, args.partitions, ttl)
        self.hostname = pulumi.Output.from_input(hostname)
        self.register_outputs({"hostname": self.hostname})

    def _route53(
        self, name: str, zone: str, hostname: str, partitions: tuple[Partition, ...], ttl: int
    ) -> None:
        import pulumi_aws as aws

        provider = aws.Provider(
            f"{name}-route53", region="us-east-1", opts=pulumi.ResourceOptions(parent=self)
        )
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        hosted = aws.route53.get_zone_output(
            name=zone,
            private_zone=False,
            opts=pulumi.InvokeOutputOptions(parent=self, provider=provider),
        )
        for rule in geo_rules(partitions):
            aws.route53.Record(
                f"{name}-{rule.set_identifier}",
                zone_id=hosted.zone_id,
                name=hostname,
                type="CNAME",
                ttl=ttl,
                records=[rule.target],
                set_identifier=rule.set_identifier,
                geolocation_routing_policies=[
                    aws.route53.RecordGeolocationRoutingPolicyArgs(country=rule.country)
                ],
                opts=child,
            )

    def _cloud_dns(
        self, name: str, zone: str, hostname: str, partitions: tuple[Partition, ...], ttl: int
    ) -> None:
        import pulumi_gcp as gcp

        from regionkit.components.gslb.cloud_dns import managed_zone_name, record_name

        items = gcp_geo_items(partitions)
        if not items:
            raise InvalidInput(
                "dns.globalHostname: no GCP region lies in any sub-cluster's jurisdiction, so "
                "Cloud DNS cannot route by location; use route53 for the global hostname"
            )
        provider = gcp.Provider(
            f"{name}-cloud-dns",
            project=self._gcp_project,
            opts=pulumi.ResourceOptions(parent=self),
        )
        managed = gcp.dns.get_managed_zone_output(
            name=managed_zone_name(zone),
            opts=pulumi.InvokeOutputOptions(parent=self, provider=provider),
        )
        gcp.dns.RecordSet(
            f"{name}-record",
            managed_zone=managed.name,
            name=record_name(hostname),
            type="CNAME",
            ttl=ttl,
            routing_policy=gcp.dns.RecordSetRoutingPolicyArgs(
                enable_geo_fencing=True,
                geos=[
                    gcp.dns.RecordSetRoutingPolicyGeoArgs(
                        location=location, rrdatas=[record_name(target)]
                    )
                    for location, target in items
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self, provider=provider),
        )
