"""Cloud DNS GSLB under Pulumi mocks: routing policies, the health check, record sets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import regionkit.plan.mocks_gcp  # noqa: F401  (registers the GCP mock outputs and invokes)
from regionkit.components.gslb.cloud_dns import (
    CloudDnsGslb,
    geo_location,
    managed_zone_name,
    probe_regions,
)
from regionkit.components.protocols import GslbArgs, RegionEndpoint
from regionkit.model import FailoverTiming, failover_timing
from regionkit.plan.recorder import Registration, record
from regionkit.spec import load_stack_text
from regionkit.spec.models import Deployment
from tests.refusals import refusals

RECORD_SET = "gcp:dns/recordSet:RecordSet"
HEALTH_CHECK = "gcp:compute/healthCheck:HealthCheck"


def run(program: Callable[[], Any]) -> list[Registration]:
    return record(program, project="regionkit-test", stack="test")


def deployment(topology: str, regions: list[str], dns: str = "") -> Deployment:
    text = (
        f"apiVersion: regionkit/v1\nname: acme-id\ntopology: {topology}\n"
        f"dns: {{provider: cloud-dns, zone: example.com, hostname: login.example.com{dns}}}\n"
        "regions:\n" + "".join(f"  - {r}\n" for r in regions)
    )
    return load_stack_text(text).spec.deployments()[0]


US = "{id: us-east, cloud: gcp, location: us-east4, jurisdiction: US}"
EU = "{id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU}"
SG = "{id: ap, cloud: kubernetes, location: sg-dc1, jurisdiction: SG, cluster: {kubeconfigContext: sg, gatewayClass: eg}}"
US_PASSIVE = "{id: us-west, cloud: gcp, location: us-west1, jurisdiction: US, role: passive}"


def ip(index: int) -> str:
    return f"203.0.113.{index + 10}"


def gslb(
    d: Deployment,
    *,
    kinds: dict[str, str] | None = None,
    timing: FailoverTiming | None = None,
    roles: dict[str, str] | None = None,
) -> list[Registration]:
    kinds, roles = kinds or {}, roles or {}
    timing = timing or failover_timing(d.dns.provider, d.dns.failover_budget_seconds)

    def program() -> None:
        endpoints = tuple(
            RegionEndpoint(
                region=r,
                address=ip(i) if kinds.get(r.id, "ip") == "ip" else f"lb-{r.id}.example.net",
                address_kind=kinds.get(r.id, "ip"),  # type: ignore[arg-type]
                role=roles.get(r.id, "active"),  # type: ignore[arg-type]
            )
            for i, r in enumerate(d.regions)
        )
        CloudDnsGslb("acme-id-gslb", GslbArgs(d, endpoints, timing))

    return run(program)


def main_record(regs: list[Registration]) -> Registration:
    (found,) = [r for r in regs if r.type == RECORD_SET and r.name == "acme-id-gslb-record"]
    return found


def test_active_passive_is_a_primary_backup_policy() -> None:
    d = deployment("active-passive", [US, US_PASSIVE], ", failoverBudgetSeconds: 120")
    regs = gslb(d, roles={"us-east": "primary", "us-west": "secondary"})
    record_set = main_record(regs)
    assert record_set.inputs["name"] == "login.example.com."
    assert record_set.inputs["type"] == "A"
    policy = record_set.inputs["routingPolicy"]
    (check,) = [r for r in regs if r.type == HEALTH_CHECK]
    assert policy["healthCheck"] == f"{check.name}-id"
    backup = policy["primaryBackup"]
    assert backup["primary"] == {"externalEndpoints": [ip(0)]}
    assert backup["backupGeos"] == [
        {
            "location": "us-west1",
            "healthCheckedTargets": {"externalEndpoints": [ip(1)]},
        }
    ]
    assert backup["trickleRatio"] == 0
    assert "geos" not in policy and "wrrs" not in policy


def test_failover_without_a_primary_role_takes_the_first_region() -> None:
    d = deployment("global-cluster", [US, EU], ", routing: failover")
    backup = main_record(gslb(d)).inputs["routingPolicy"]["primaryBackup"]
    assert backup["primary"]["externalEndpoints"] == [ip(0)]
    assert [g["location"] for g in backup["backupGeos"]] == ["europe-west2"]


def test_global_cluster_latency_is_geo_by_nearest_gcp_region() -> None:
    d = deployment("global-cluster", [US, EU, SG])
    policy = main_record(gslb(d)).inputs["routingPolicy"]
    assert policy["enableGeoFencing"] is False
    geos = {g["location"]: g for g in policy["geos"]}
    # gcp keeps its own region; aws eu-west-1 (Dublin) maps to London; a kubernetes label in
    # SG to the Google Cloud region of its jurisdiction
    assert set(geos) == {"us-east4", "europe-west2", "asia-southeast1"}
    # answered only while healthy: no static rrdatas beside the health-checked targets
    assert geos["europe-west2"] == {
        "location": "europe-west2",
        "healthCheckedTargets": {"externalEndpoints": [ip(1)]},
    }


def test_geolocation_routing_uses_geos_too() -> None:
    d = deployment("global-cluster", [US, EU], ", routing: geolocation")
    assert len(main_record(gslb(d)).inputs["routingPolicy"]["geos"]) == 2


def test_regions_nearest_one_gcp_region_share_one_geo_item() -> None:
    virginia = "{id: aws-east, cloud: aws, location: us-east-1, jurisdiction: US}"
    d = deployment("global-cluster", [US, virginia, EU])
    (us,) = [
        g
        for g in main_record(gslb(d)).inputs["routingPolicy"]["geos"]
        if g["location"] == "us-east4"
    ]
    assert "rrdatas" not in us
    assert us["healthCheckedTargets"]["externalEndpoints"] == [ip(0), ip(1)]


def test_weighted_is_equal_weight_round_robin() -> None:
    d = deployment("global-cluster", [US, EU, SG], ", routing: weighted")
    wrrs = main_record(gslb(d)).inputs["routingPolicy"]["wrrs"]
    assert [w["healthCheckedTargets"] for w in wrrs] == [
        {"externalEndpoints": [ip(i)]} for i in range(3)
    ]
    assert {w["weight"] for w in wrrs} == {1.0}
    assert not any("rrdatas" in w for w in wrrs)


def test_health_check_probes_serving_over_https_from_three_regions() -> None:
    d = deployment("global-cluster", [US, EU, SG])
    # the GSLB configures the timing it is given (regionkit.model keeps it within Cloud DNS's limits)
    regs = gslb(d, timing=FailoverTiming(interval_seconds=30, failure_threshold=4, ttl_seconds=20))
    (check,) = [r for r in regs if r.type == HEALTH_CHECK]
    https = check.inputs["httpsHealthCheck"]
    assert https == {"port": 443, "requestPath": "/serving", "host": "login.example.com"}
    assert check.inputs["checkIntervalSec"] == 30
    assert check.inputs["timeoutSec"] <= check.inputs["checkIntervalSec"]
    assert check.inputs["unhealthyThreshold"] == 4
    sources = check.inputs["sourceRegions"]
    assert len(sources) == 3 and len(set(sources)) == 3
    assert set(sources) == {"us-east4", "europe-west2", "asia-southeast1"}
    assert "proxyHeader" not in https  # not allowed with source regions
    assert {r.inputs["ttl"] for r in regs if r.type == RECORD_SET} == {20}


def test_ttl_and_interval_come_from_the_budget() -> None:
    d = deployment("global-cluster", [US, EU], ", failoverBudgetSeconds: 180")
    timing = failover_timing(d.dns.provider, 180)
    regs = gslb(d)
    (check,) = [r for r in regs if r.type == HEALTH_CHECK]
    assert check.inputs["checkIntervalSec"] == timing.interval_seconds
    assert check.inputs["unhealthyThreshold"] == timing.failure_threshold
    assert main_record(regs).inputs["ttl"] == timing.ttl_seconds


def test_zone_is_looked_up_by_its_conventional_name_and_regions_get_own_records() -> None:
    d = deployment("global-cluster", [US, EU])
    regs = gslb(d)
    record_sets = [r for r in regs if r.type == RECORD_SET]
    assert {r.inputs["managedZone"] for r in record_sets} == {"example-com"}
    own = {
        r.inputs["name"]: r.inputs["rrdatas"]
        for r in record_sets
        if "routingPolicy" not in r.inputs
    }
    assert own == {"us-east.login.example.com.": [ip(0)], "eu-west.login.example.com.": [ip(1)]}
    assert managed_zone_name("Example.COM.") == "example-com"
    assert managed_zone_name("id.acme.co.uk") == "id-acme-co-uk"


def test_the_gslb_is_global() -> None:
    regs = gslb(deployment("global-cluster", [US, EU]))
    (component,) = [r for r in regs if r.type == "regionkit:gslb:CloudDnsGslb"]
    assert "region" not in component.inputs
    (provider,) = [r for r in regs if r.type == "pulumi:providers:gcp"]
    assert "region" not in provider.inputs
    assert main_record(regs).provider is not None


def test_single_region_is_a_plain_record_without_health_check() -> None:
    d = deployment("single-region", [US])
    regs = gslb(d)
    assert not [r for r in regs if r.type == HEALTH_CHECK]
    record_set = main_record(regs)
    assert record_set.inputs["rrdatas"] == [ip(0)] and "routingPolicy" not in record_set.inputs


def test_single_region_reached_by_hostname_is_a_cname() -> None:
    d = deployment("single-region", [EU])
    record_set = main_record(gslb(d, kinds={"eu-west": "hostname"}))
    assert record_set.inputs["type"] == "CNAME"
    assert record_set.inputs["rrdatas"] == ["lb-eu-west.example.net."]


def test_hostname_endpoints_cannot_be_balanced() -> None:
    d = deployment("global-cluster", [US, EU])
    # validate refuses an AWS region behind Cloud DNS first (breaks-dns-health-check.yaml)
    with pytest.raises(ValueError, match="eu-west") as error:
        gslb(d, kinds={"eu-west": "hostname"})
    assert "dns.health-check" in str(error.value)


def test_two_primaries_are_rejected() -> None:
    d = deployment("global-cluster", [US, EU], ", routing: failover")
    # validate refuses two active regions of active-passive first (topology.shape)
    with pytest.raises(ValueError, match=r"one primary.*topology\.shape"):
        gslb(d, roles={"us-east": "primary", "eu-west": "primary"})


def test_hostname_outside_the_zone_is_rejected() -> None:
    text = (
        "apiVersion: regionkit/v1\nname: acme-id\ntopology: single-region\n"
        "dns: {provider: cloud-dns, zone: example.org, hostname: login.example.com}\n"
        f"regions:\n  - {US}\n"
    )
    d = load_stack_text(text).spec.deployments()[0]
    assert "dns.hostname" in refusals(d)
    with pytest.raises(ValueError, match=r"not inside the zone.*dns\.hostname"):
        gslb(d)


def test_probe_regions_spread_over_distant_regions_and_fill_up_near_one() -> None:
    d = deployment("global-cluster", [US, EU, SG])
    assert probe_regions(d.regions) == ["us-east4", "europe-west2", "asia-southeast1"]
    single = deployment("single-region", [US]).regions
    near = probe_regions(single)
    assert near[0] == "us-east4" and len(set(near)) == 3
    assert "us-central2" not in near  # not generally available
    assert all(r.startswith(("us-", "northamerica-")) for r in near)


def test_unknown_kubernetes_location_without_gcp_jurisdiction_is_an_error() -> None:
    far = "{id: mars, cloud: kubernetes, location: olympus, jurisdiction: AQ, cluster: {kubeconfigContext: m, gatewayClass: eg}}"
    (region,) = deployment("single-region", [far]).regions
    # validate refuses it where Cloud DNS routes (two or more regions): dns.location
    assert "dns.location" in refusals(
        deployment("global-cluster", [US, far], ", routing: geolocation")
    )
    with pytest.raises(ValueError, match=r"mars.*dns\.location"):
        geo_location(region)
