"""Route 53 GSLB: the routing plan as plain data, and the component under Pulumi mocks."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from regionkit.components.gslb.route53 import (
    HEALTH_PATH,
    Member,
    Route53Gslb,
    geolocation,
    latency_region,
    plan_records,
    regional_hostname,
)
from regionkit.components.protocols import GslbArgs, RegionEndpoint
from regionkit.model import failover_timing
from regionkit.plan.recorder import Registration
from regionkit.spec.models import Deployment, DnsProvider, Routing
from tests.aws_fixtures import deployment, of_type, one, run
from tests.refusals import refusals

HOSTNAME = "login.example.com"
US_EAST = "{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US}"
US_WEST = "{id: us-west, cloud: aws, location: us-west-2, jurisdiction: US}"
EU_WEST = "{id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU}"
US_GCP = "{id: us-gcp, cloud: gcp, location: us-east4, jurisdiction: US}"
SG_GCP = "{id: sg, cloud: gcp, location: asia-southeast1, jurisdiction: SG}"


def member(
    rid: str, region: str, location: tuple[str, str] = ("country", "US"), role: str = "active"
) -> Member:
    return Member(rid, role, region, location)


def assert_unique_set_identifiers(plans: list[Any]) -> None:
    per_name = Counter((p.dns_name, p.set_identifier) for p in plans)
    assert all(n == 1 for n in per_name.values()), per_name


# --- the routing plan ------------------------------------------------------------------------


def test_failover_has_one_primary_and_one_secondary() -> None:
    plans = plan_records(
        Routing.FAILOVER,
        HOSTNAME,
        [member("a", "us-east-1", role="primary"), member("b", "us-west-2", role="secondary")],
    )
    assert [(p.region_id, p.policy, p.value, p.dns_name) for p in plans] == [
        ("a", "failover", "PRIMARY", HOSTNAME),
        ("b", "failover", "SECONDARY", HOSTNAME),
    ]
    assert_unique_set_identifiers(plans)


def test_failover_primary_is_the_primary_role_not_the_first_region() -> None:
    plans = plan_records(
        Routing.FAILOVER,
        HOSTNAME,
        [member("b", "us-west-2", role="secondary"), member("a", "us-east-1", role="primary")],
    )
    assert {p.region_id: p.value for p in plans} == {"a": "PRIMARY", "b": "SECONDARY"}


def test_failover_to_several_passive_regions_goes_through_one_secondary_alias() -> None:
    plans = plan_records(
        Routing.FAILOVER,
        HOSTNAME,
        [
            member("a", "us-east-1", role="primary"),
            member("b", "us-west-2", role="secondary"),
            member("c", "eu-west-1", role="secondary"),
        ],
    )
    top = [p for p in plans if p.dns_name == HOSTNAME]
    assert Counter(p.value for p in top) == Counter({"PRIMARY": 1, "SECONDARY": 1})
    (secondary,) = [p for p in top if p.value == "SECONDARY"]
    assert secondary.alias_to == f"secondary.{HOSTNAME}"
    nested = [p for p in plans if p.dns_name == f"secondary.{HOSTNAME}"]
    assert {(p.region_id, p.policy, p.value) for p in nested} == {
        ("b", "latency", "us-west-2"),
        ("c", "latency", "eu-west-1"),
    }
    assert_unique_set_identifiers(plans)


def test_failover_rejects_two_primaries() -> None:
    # validate refuses two active regions first (breaks-topology-shape-active-passive.yaml)
    with pytest.raises(ValueError, match=r"one primary region.*topology\.shape"):
        plan_records(
            Routing.FAILOVER,
            HOSTNAME,
            [member("a", "us-east-1", role="primary"), member("b", "us-west-2", role="primary")],
        )


def test_single_region_failover_is_one_primary_record() -> None:
    plans = plan_records(Routing.FAILOVER, HOSTNAME, [member("a", "us-east-1")])
    assert [(p.region_id, p.value) for p in plans] == [("a", "PRIMARY")]


def test_latency_records_per_aws_region_and_weighted_where_regions_share_one() -> None:
    plans = plan_records(
        Routing.LATENCY,
        HOSTNAME,
        [member("a", "us-east-1"), member("b", "eu-west-1"), member("c", "us-east-1")],
    )
    top = [p for p in plans if p.dns_name == HOSTNAME]
    assert sorted(p.value for p in top) == ["eu-west-1", "us-east-1"]
    shared = next(p for p in top if p.value == "us-east-1")
    assert shared.alias_to == f"us-east-1.{HOSTNAME}" and shared.region_id is None
    nested = [p for p in plans if p.dns_name == f"us-east-1.{HOSTNAME}"]
    assert {(p.region_id, p.policy) for p in nested} == {("a", "weighted"), ("c", "weighted")}
    assert_unique_set_identifiers(plans)


def test_geolocation_by_jurisdiction_with_a_default_to_the_first_region() -> None:
    plans = plan_records(
        Routing.GEOLOCATION,
        HOSTNAME,
        [
            member("eu", "eu-west-1", ("continent", "EU")),
            member("us", "us-east-1", ("country", "US")),
        ],
    )
    assert {(p.region_id, p.value) for p in plans} == {
        ("eu", "continent:EU"),
        ("us", "country:US"),
        ("eu", "country:*"),
    }
    assert_unique_set_identifiers(plans)


def test_geolocation_regions_sharing_a_jurisdiction_spread_by_latency() -> None:
    plans = plan_records(
        Routing.GEOLOCATION,
        HOSTNAME,
        [
            member("a", "us-east-1"),
            member("b", "us-west-2"),
            member("eu", "eu-west-1", ("continent", "EU")),
        ],
    )
    us = next(p for p in plans if p.dns_name == HOSTNAME and p.value == "country:US")
    assert us.alias_to == f"geo-us.{HOSTNAME}"
    nested = {(p.region_id, p.policy) for p in plans if p.dns_name == f"geo-us.{HOSTNAME}"}
    assert nested == {("a", "latency"), ("b", "latency")}
    assert_unique_set_identifiers(plans)


def test_weighted_gives_every_region_the_same_weight() -> None:
    plans = plan_records(
        Routing.WEIGHTED, HOSTNAME, [member("a", "us-east-1"), member("b", "eu-west-1")]
    )
    assert {(p.region_id, p.value) for p in plans} == {("a", "100"), ("b", "100")}


def test_region_ids_that_clash_with_record_labels_are_rejected() -> None:
    # validate refuses the region id first (breaks-dns-record-name*.yaml)
    with pytest.raises(ValueError, match=r"clash.*dns\.record-name"):
        plan_records(
            Routing.GEOLOCATION,
            HOSTNAME,
            [member("default", "us-east-1"), member("eu", "eu-west-1", ("continent", "EU"))],
        )


def test_latency_region_of_other_clouds_is_the_nearest_aws_region() -> None:
    dep = deployment(
        [
            US_EAST,
            US_GCP,
            SG_GCP,
            "{id: onprem, cloud: kubernetes, location: dc-frankfurt, jurisdiction: DE, cluster: {kubeconfigContext: fra, gatewayClass: eg}}",
        ]
    )
    assert [latency_region(r) for r in dep.regions] == [
        "us-east-1",
        "us-east-1",
        "ap-southeast-1",
        "eu-central-1",
    ]


def test_latency_region_needs_a_known_place() -> None:
    dep = deployment(
        [
            "{id: far, cloud: kubernetes, location: somewhere, jurisdiction: AQ, cluster: {kubeconfigContext: x, gatewayClass: eg}}"
        ]
    )
    assert "dns.location" in refusals(dep)
    with pytest.raises(ValueError, match=r"latency routing needs an AWS region.*dns\.location"):
        latency_region(dep.regions[0])


def test_geolocation_of_the_eu_is_the_continent() -> None:
    dep = deployment([US_EAST, EU_WEST])
    assert [geolocation(r) for r in dep.regions] == [("country", "US"), ("continent", "EU")]


# --- the component ---------------------------------------------------------------------------


def endpoints(dep: Deployment, roles: dict[str, str] | None = None) -> tuple[RegionEndpoint, ...]:
    """AWS regions answer with a load balancer hostname, others with an IP."""
    out: list[RegionEndpoint] = []
    for region in dep.regions:
        by_ip = region.cloud.value != "aws"
        out.append(
            RegionEndpoint(
                region=region,
                address=f"203.0.113.{len(out) + 10}"
                if by_ip
                else f"k8s-{region.id}.elb.{region.location}.amazonaws.com",
                address_kind="ip" if by_ip else "hostname",
                role=(roles or {}).get(region.id, "active"),  # type: ignore[arg-type]
            )
        )
    return tuple(out)


def build(
    dep: Deployment, roles: dict[str, str] | None = None, budget: int = 60
) -> list[Registration]:
    timing = failover_timing(DnsProvider.ROUTE53, budget)
    return run(lambda: Route53Gslb("acme-id-gslb", GslbArgs(dep, endpoints(dep, roles), timing)))


def hostname_records(regs: list[Registration]) -> list[Registration]:
    return [r for r in of_type(regs, "aws:route53/record:Record") if r.inputs["name"] == HOSTNAME]


def test_active_passive_failover_records_and_health_checks() -> None:
    passive = "{id: us-west, cloud: aws, location: us-west-2, jurisdiction: US, role: passive}"
    dep = deployment([US_EAST, passive], topology="active-passive")
    assert dep.routing is Routing.FAILOVER
    regs = build(dep, roles={"us-east": "primary", "us-west": "secondary"})
    timing = failover_timing(DnsProvider.ROUTE53, 60)

    checks = of_type(regs, "aws:route53/healthCheck:HealthCheck")
    assert len(checks) == 2
    for check in checks:
        assert check.inputs["type"] == "HTTPS"
        assert check.inputs["resourcePath"] == HEALTH_PATH == "/serving"
        assert check.inputs["port"] == 443
        assert check.inputs["requestInterval"] == timing.interval_seconds
        assert check.inputs["failureThreshold"] == timing.failure_threshold
    # a load balancer hostname is checked through the region's own name (Host and SNI)
    assert (
        one(regs, "aws:route53/healthCheck:HealthCheck", "acme-id-gslb-us-east-health").inputs[
            "fqdn"
        ]
        == "us-east.login.example.com"
    )

    records = hostname_records(regs)
    policies = {
        r.inputs["setIdentifier"]: r.inputs["failoverRoutingPolicies"][0]["type"] for r in records
    }
    assert policies == {"us-east": "PRIMARY", "us-west": "SECONDARY"}
    for record in records:
        assert record.inputs["type"] == "CNAME"
        assert record.inputs["ttl"] == timing.ttl_seconds
        assert (
            record.inputs["healthCheckId"]
            == f"acme-id-gslb-{record.inputs['setIdentifier']}-health-id"
        )
    primary = next(r for r in records if r.inputs["setIdentifier"] == "us-east")
    assert primary.inputs["records"] == ["k8s-us-east.elb.us-east-1.amazonaws.com"]


def test_every_region_gets_its_own_name_pointing_at_its_gateway() -> None:
    dep = deployment([US_EAST, US_GCP])
    regs = build(dep)
    east = one(regs, "aws:route53/record:Record", "acme-id-gslb-us-east-address")
    assert (east.inputs["name"], east.inputs["type"]) == (
        regional_hostname(dep, "us-east"),
        "CNAME",
    )
    gcp = one(regs, "aws:route53/record:Record", "acme-id-gslb-us-gcp-address")
    assert (gcp.inputs["name"], gcp.inputs["type"], gcp.inputs["records"]) == (
        "us-gcp.login.example.com",
        "A",
        ["203.0.113.11"],
    )


def test_ip_endpoints_get_a_records_and_ip_health_checks_with_the_public_host() -> None:
    dep = deployment([US_GCP, SG_GCP], extra="")
    regs = build(dep)
    records = hostname_records(regs)
    assert {r.inputs["type"] for r in records} == {"A"}
    assert {r.inputs["latencyRoutingPolicies"][0]["region"] for r in records} == {
        "us-east-1",
        "ap-southeast-1",
    }
    check = one(regs, "aws:route53/healthCheck:HealthCheck", "acme-id-gslb-sg-health")
    assert check.inputs["ipAddress"] == "203.0.113.11"
    assert check.inputs["fqdn"] == HOSTNAME


def test_mixed_endpoints_use_cname_to_the_regional_name_of_ip_regions() -> None:
    dep = deployment([US_EAST, SG_GCP])
    regs = build(dep)
    records = {r.inputs["setIdentifier"]: r for r in hostname_records(regs)}
    assert {r.inputs["type"] for r in records.values()} == {"CNAME"}
    assert records["sg"].inputs["records"] == ["sg.login.example.com"]


def test_latency_routing_with_regions_sharing_an_aws_region() -> None:
    dep = deployment([US_EAST, US_GCP, EU_WEST])
    regs = build(dep)
    records = hostname_records(regs)
    assert len(records) == 2
    alias = next(r for r in records if r.inputs["setIdentifier"] == "us-east-1")
    assert alias.inputs["aliases"][0]["name"] == "us-east-1.login.example.com"
    assert alias.inputs["aliases"][0]["evaluateTargetHealth"] is True
    assert alias.inputs["aliases"][0]["zoneId"].startswith("Z")
    assert "ttl" not in alias.inputs and "healthCheckId" not in alias.inputs
    nested = [
        r
        for r in of_type(regs, "aws:route53/record:Record")
        if r.inputs["name"] == "us-east-1.login.example.com"
    ]
    assert {r.inputs["setIdentifier"] for r in nested} == {"us-east", "us-gcp"}


def test_geolocation_routing_has_a_default_record() -> None:
    dep = deployment(
        [US_EAST, EU_WEST],
        dns="{provider: route53, zone: example.com, hostname: login.example.com, routing: geolocation}",
    )
    regs = build(dep)
    records = {
        r.inputs["setIdentifier"]: r.inputs["geolocationRoutingPolicies"][0]
        for r in hostname_records(regs)
    }
    assert records == {
        "us-east": {"country": "US"},
        "eu-west": {"continent": "EU"},
        "default": {"country": "*"},
    }


def test_weighted_routing_records() -> None:
    dep = deployment(
        [US_EAST, EU_WEST],
        dns="{provider: route53, zone: example.com, hostname: login.example.com, routing: weighted}",
    )
    weights = [
        r.inputs["weightedRoutingPolicies"][0]["weight"] for r in hostname_records(build(dep))
    ]
    assert weights == [100, 100]


def test_route53_has_its_own_global_provider_and_no_region() -> None:
    regs = build(deployment([US_EAST, EU_WEST]))
    (component,) = of_type(regs, "regionkit:gslb:Route53Gslb")
    assert "region" not in component.inputs
    (provider,) = of_type(regs, "pulumi:providers:aws")
    assert provider.inputs["region"] == "us-east-1"
    assert all(
        r.provider and r.provider.startswith(provider.urn)
        for r in of_type(regs, "aws:route53/record:Record")
        + of_type(regs, "aws:route53/healthCheck:HealthCheck")
    )


def test_records_use_the_zone_found_by_name() -> None:
    from regionkit.plan.mocks_aws import _get_zone

    regs = build(deployment([US_EAST]))
    zone_id = _get_zone({"name": "example.com"})["zoneId"]
    assert {r.inputs["zoneId"] for r in of_type(regs, "aws:route53/record:Record")} == {zone_id}


def test_a_route53_gslb_needs_the_zone() -> None:
    dep = deployment([US_EAST], dns="{provider: route53, hostname: login.example.com}")
    assert "dns.zone" in refusals(dep)
    with pytest.raises(ValueError, match=r"needs the hosted zone.*check dns\.zone"):
        build(dep)


FAR = "{id: far, cloud: kubernetes, location: somewhere, jurisdiction: AQ, cluster: {kubeconfigContext: far, gatewayClass: eg}}"


def test_failover_does_without_a_latency_region() -> None:
    regs = build(deployment([FAR], topology="single-region"))
    (record,) = hostname_records(regs)
    assert record.inputs["failoverRoutingPolicies"] == [{"type": "PRIMARY"}]


def test_latency_routing_needs_a_latency_region_for_every_endpoint() -> None:
    dep = deployment([US_EAST, FAR])
    assert "dns.location" in refusals(dep)
    with pytest.raises(ValueError, match="region 'far': latency routing needs an AWS region"):
        build(dep)


def test_two_plans_are_identical() -> None:
    dep = deployment([US_EAST, US_GCP, EU_WEST])
    first = sorted(repr((r.type, r.name, r.inputs)) for r in build(dep))
    assert first == sorted(repr((r.type, r.name, r.inputs)) for r in build(dep))
