"""`dns.provider: none`: no DNS resources; the records regionkit would create, as outputs."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pulumi

from regionkit.catalog.extras import needed_extras
from regionkit.checks import validate
from regionkit.plan.recorder import record
from regionkit.plan.runner import plan_stack
from regionkit.program import stack_program
from regionkit.spec import load_stack

REPO = Path(__file__).resolve().parents[1]
DNS_TYPES = ("aws:route53/", "gcp:dns/", "gcp:compute/healthCheck")


def _stack(tmp_path: Path, source: str, *, certificates: bool = True) -> Path:
    text = (REPO / "stacks" / source).read_text()
    text = text.replace("provider: route53", "provider: none")
    if not certificates:
        text = text.replace("cluster: {", "cluster: {addons: {certificates: false}, ")
    for config in REPO.glob("stacks/idsvr-config*"):  # copies: a symlink out is refused
        shutil.copytree(config, tmp_path / config.name)
    path = tmp_path / source
    path.write_text(text)
    return path


def _records(plan: dict[str, Any]) -> list[dict[str, Any]]:
    (gslb,) = [r for r in plan["resources"] if r["type"] == "regionkit:gslb:ExternalDns"]
    return gslb["inputs"]["records"]


def test_an_existing_cluster_stack_needs_no_cloud_sdk_and_creates_no_dns(tmp_path: Path):
    loaded = load_stack(_stack(tmp_path, "dev.yaml"))
    assert needed_extras(loaded.spec) == {}  # plain `pip install regionkit` plans it
    plan = plan_stack(loaded)
    types = {r["type"] for r in plan["resources"]}
    assert not [t for t in types if t.startswith(DNS_TYPES)]
    records = _records(plan)
    hostname = loaded.spec.dns.hostname
    assert [(r["name"], r["type"]) for r in records] == [
        (f"home.{hostname}", "A"),
        (hostname, "A"),
    ]
    assert records[0]["value"] == records[1]["value"]  # the region's Gateway address


def test_active_passive_publishes_the_failover_pair_with_health_checks(tmp_path: Path):
    plan = plan_stack(load_stack(_stack(tmp_path, "aws-ap.yaml", certificates=False)))
    assert not [r for r in plan["resources"] if r["type"].startswith(DNS_TYPES)]
    public = [r for r in _records(plan) if "routing" in r]
    assert [(r["region"], r["role"], r["routing"]) for r in public] == [
        ("us-east", "primary", "failover"),
        ("us-west", "secondary", "failover"),
    ]
    check = public[1]["healthCheck"]
    assert check["path"] == "/serving" and check["host"] == "us-west.login.example.com"
    assert check["intervalSeconds"] == plan["failover"]["intervalSeconds"]
    assert {r["ttl"] for r in public} == {plan["failover"]["ttlSeconds"]}


def test_the_records_are_the_stack_output_dns_records(tmp_path: Path, monkeypatch):
    loaded = load_stack(_stack(tmp_path, "dev.yaml"))
    exported: dict[str, Any] = {}
    monkeypatch.setattr(pulumi, "export", lambda key, value: exported.__setitem__(key, value))
    seen: list[Any] = []

    def program() -> Any:
        stack_program(loaded, deploying=False)
        return pulumi.Output.from_input(exported["dnsRecords"]).apply(seen.append)

    record(program, project=loaded.spec.name, stack="dev")
    (records,) = seen
    hostname = loaded.spec.dns.hostname
    assert [r["name"] for r in records] == [f"home.{hostname}", hostname]


def test_clusters_regionkit_creates_need_their_own_certificates(tmp_path: Path):
    findings = validate(load_stack(_stack(tmp_path, "aws-ap.yaml")))
    errors = [f for f in findings if f.is_error]
    assert [(f.rule, f.path) for f in errors] == [
        ("dns.none-certificates", "regions[0].cluster.addons.certificates"),
        ("dns.none-certificates", "regions[1].cluster.addons.certificates"),
    ]
    assert all(f.line is not None for f in errors)
    (tmp_path / "fixed").mkdir()
    fixed = validate(load_stack(_stack(tmp_path / "fixed", "aws-ap.yaml", certificates=False)))
    assert not [f for f in fixed if f.is_error]


def test_zone_is_optional_with_dns_managed_elsewhere(tmp_path: Path):
    path = _stack(tmp_path, "dev.yaml")
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line for line in lines if "zone:" not in line))
    assert not [f for f in validate(load_stack(path)) if f.is_error]
