"""Stacks that validated and then crashed `plan` in a component: validate refuses them now.

Each was found by building, for every guard a component had for user input, a stack that
reaches it; the component now raises only ValueError (a caller that skipped validation), so
these must never get past the checks. The fixtures also run in test_checks_fixtures.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from regionkit.cli import app
from regionkit.plan.runner import plan_stack
from regionkit.spec import load_stack
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "stacks"

#: fixture, rule, key path, line of the finding
REFUSED = [
    # Route 53 gives a lone region a latency record too, which names an AWS region
    ("breaks-dns-location-single-region.yaml", "dns.location", "regions[0].location", 11),
    # ... and a geolocation record set, whose default record is named "default"
    ("breaks-dns-record-name-single-region.yaml", "dns.record-name", "regions[0].id", 11),
    # the global hostname's records go in the top-level zone
    ("breaks-dns-zone-global-hostname.yaml", "dns.zone", "dns.zone", 5),
    ("breaks-dns-hostname-global-hostname.yaml", "dns.hostname", "dns.globalHostname", 7),
    # Cloud DNS routes it by the Google Cloud regions inside the sub-clusters' jurisdictions
    ("breaks-dns-location-global-hostname.yaml", "dns.location", "dns.globalHostname", 8),
]

runner = CliRunner()


@pytest.mark.parametrize(("name", "rule", "key", "line"), REFUSED, ids=[r[0] for r in REFUSED])
def test_validate_refuses_with_file_line_and_key(name: str, rule: str, key: str, line: int) -> None:
    path = FIXTURES / name
    result = runner.invoke(app, ["validate", str(path)])
    text = result.stdout + result.stderr
    assert result.exit_code == 2, text
    assert f"{path}:{line}: error: {key}: " in text
    assert f"[{rule}]" in text
    assert "Traceback" not in text


@pytest.mark.parametrize(("name", "rule", "key", "line"), REFUSED, ids=[r[0] for r in REFUSED])
def test_plan_refuses_before_any_component_runs(name: str, rule: str, key: str, line: int) -> None:
    result = runner.invoke(app, ["plan", str(FIXTURES / name), "--format", "json"])
    assert result.exit_code == 2
    # in JSON mode the refusal is one document on stdout, the findings of validate
    document = json.loads(result.stdout)
    assert document["valid"] is False
    assert rule in {f["rule"] for f in document["findings"]}
    assert "internal error" not in result.stdout + result.stderr


def test_the_global_hostname_that_cloud_dns_can_route_plans() -> None:
    plan = plan_stack(load_stack(FIXTURES / "keeps-dns-location-global-hostname.yaml"))
    (record,) = [r for r in plan["resources"] if r["inputs"].get("name") == "login.example.com."]
    geos = record["inputs"]["routingPolicy"]["geos"]
    # Iceland has no Google Cloud region: only the US partition's regions route to a hostname
    assert geos
    assert {g["rrdatas"][0] for g in geos} == {"login.us.example.com."}
    assert all(g["location"].startswith("us-") for g in geos)
