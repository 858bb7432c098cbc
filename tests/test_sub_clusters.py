"""Sub-clusters: each partition a complete deployment, and the global hostname as a geo hint."""

from __future__ import annotations

from collections import Counter

from regionkit.components.gslb.global_hostname import Partition, gcp_geo_items, geo_rules
from regionkit.plan.recorder import record
from regionkit.program import stack_program
from regionkit.spec.loader import load_stack_text
from tests.conftest import STACKS
from tests.example_plans import example_recording


def plan(loaded):  # type: ignore[no-untyped-def]
    return record(lambda: stack_program(loaded), project=loaded.spec.name, stack=loaded.environment)


def test_each_partition_is_its_own_topology_with_its_own_hostname() -> None:
    regs = example_recording(STACKS / "sovereign.yaml")
    tokens = Counter(r.type for r in regs if r.type.startswith("regionkit:topology:"))
    assert tokens == {
        "regionkit:topology:SubClusters": 1,
        "regionkit:topology:ActivePassive": 1,
        "regionkit:topology:SingleRegion": 2,
    }
    gateways = [r for r in regs if r.type.endswith(":Gateway")]
    hostnames = {
        listener["hostname"] for g in gateways for listener in g.inputs["spec"]["listeners"]
    }
    assert {"login.eu.example.com", "login.us.example.com", "login.example.cn"} <= hostnames
    # the shared keys are per partition: never shared across jurisdictions
    assert sum(1 for r in regs if r.type == "regionkit:keys:SharedKeys") == 3


def test_global_hostname_sends_each_country_to_its_partition() -> None:
    regs = example_recording(STACKS / "sovereign.yaml")
    records = [
        r
        for r in regs
        if r.type == "aws:route53/record:Record"
        and r.inputs.get("name") == "login.example.com"
        and "geolocationRoutingPolicies" in r.inputs
    ]
    by_country = {
        r.inputs["geolocationRoutingPolicies"][0]["country"]: r.inputs["records"][0]
        for r in records
    }
    assert by_country["DE"] == "login.eu.example.com"
    assert by_country["FR"] == "login.eu.example.com"
    assert by_country["US"] == "login.us.example.com"
    assert by_country["CN"] == "login.example.cn"
    assert by_country["*"] == "login.eu.example.com"
    assert len({r.inputs["setIdentifier"] for r in records}) == len(records)
    assert all(r.inputs["type"] == "CNAME" for r in records)


def test_no_global_hostname_no_geo_records() -> None:
    text = (
        (STACKS / "sovereign.yaml").read_text().replace("  globalHostname: login.example.com\n", "")
    )
    loaded = load_stack_text(text, STACKS / "sovereign-no-global.yaml")
    regs = plan(loaded)
    assert not any(r.type == "regionkit:gslb:GlobalHostname" for r in regs)


def test_geo_rules_claim_each_country_once() -> None:
    parts = (Partition("eu", "EU", "eu.x.com"), Partition("de", "DE", "de.x.com"))
    rules = geo_rules(parts)
    countries = [r.country for r in rules]
    assert len(countries) == len(set(countries))
    assert next(r for r in rules if r.country == "DE").target == "eu.x.com"
    assert rules[-1].country == "*"


def test_cloud_dns_items_follow_jurisdictions() -> None:
    items = dict(
        gcp_geo_items((Partition("eu", "EU", "eu.x.com"), Partition("us", "US", "us.x.com")))
    )
    assert items["europe-west3"] == "eu.x.com"
    assert items["us-central1"] == "us.x.com"
    assert "asia-northeast1" not in items
