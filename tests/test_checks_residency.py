"""Residency: replication across jurisdictions, routing away from personal data, sub-clusters."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from regionkit.checks import validate
from regionkit.checks.residency import transfer_allowed
from regionkit.findings import Finding, Level
from regionkit.spec import load_stack, load_stack_text
from regionkit.spec.models import ResidencySpec

FIXTURES = Path(__file__).parent / "fixtures" / "stacks"

REGIONS = """\
regions:
  - {id: us-east, cloud: aws, location: us-east-1, jurisdiction: US}
  - {id: us-west, cloud: aws, location: us-west-2, jurisdiction: US}
  - {id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU}
"""


def fixture(name: str) -> tuple[list[Finding], str]:
    path = FIXTURES / name
    return validate(load_stack(path)), path.read_text()


def run(body: str, regions: str = REGIONS) -> tuple[list[Finding], str]:
    text = "apiVersion: regionkit/v1\nname: acme-id\n" + dedent(body) + regions
    return validate(load_stack_text(text, Path("x.yaml"))), text


def line_of(text: str, needle: str) -> int:
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(numbers) == 1, f"{needle!r} is on lines {numbers}"
    return numbers[0]


def by_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


# --- residency.cross-border ---------------------------------------------------------------------


def test_personal_data_replicated_to_another_jurisdiction() -> None:
    findings, text = fixture("breaks-residency-cross-border.yaml")
    (finding,) = findings
    assert (finding.rule, finding.level, finding.path) == (
        "residency.cross-border",
        Level.ERROR,
        "data.accounts.scope",
    )
    assert finding.line == line_of(text, "scope: global  #!")
    assert "EU -> US and US -> EU" in finding.message
    assert "{from: EU, to: US}" in finding.message
    assert "scope jurisdiction" in finding.message


def test_transfers_allowed_both_ways_keep_the_rule() -> None:
    assert fixture("keeps-residency-cross-border.yaml")[0] == []


def test_a_transfer_allowed_one_way_only_names_the_other_way() -> None:
    findings, _ = run(
        """
        topology: global-cluster
        consistency: eventual
        dns: {zone: example.com, hostname: login.example.com, routing: geolocation}
        data:
          tokens: {engine: dynamodb, scope: global}
          accounts: {engine: dynamodb, scope: global}
          audit: {engine: dynamodb, scope: region}
        residency:
          crossBorder: [{from: EU, to: US}]
        """
    )
    (finding,) = by_rule(findings, "residency.cross-border")
    assert "the transfers US -> EU." in finding.message


@pytest.mark.parametrize(
    ("active", "passive", "denied"),
    [("EU", "GB", None), ("GB", "EU", "GB -> EU")],
)
def test_a_single_writer_replicates_from_its_writer_only(
    active: str, passive: str, denied: str | None
) -> None:
    location = {"EU": "eu-west-1", "GB": "eu-west-2"}
    findings, _ = run(
        """
        topology: active-passive
        dns: {zone: example.com, hostname: login.example.com}
        data:
          tokens: {engine: dynamodb, scope: global}
          accounts: {engine: aurora-postgresql, scope: global}
          audit: {engine: aurora-postgresql, scope: global}
        residency:
          crossBorder: [{from: EU, to: UK}]
        configSync: {repository: https://github.com/acme/idsvr-config.git}
        """,
        regions=f"""\
regions:
  - {{id: active, cloud: aws, location: {location[active]}, jurisdiction: {active}}}
  - {{id: passive, cloud: aws, location: {location[passive]}, jurisdiction: {passive}, role: passive}}
""",
    )
    if denied is None:
        assert findings == []
    else:
        assert [f.path for f in findings] == ["data.accounts.scope", "data.audit.scope"]
        assert f"the transfers {denied}." in findings[0].message


def test_personal_data_moves_freely_between_eu_member_states() -> None:
    assert fixture("keeps-residency-cross-border-within-eu.yaml")[0] == []


def test_data_not_listed_as_personal_may_be_replicated_anywhere() -> None:
    findings, _ = run(
        """
        topology: global-cluster
        consistency: eventual
        dns: {zone: example.com, hostname: login.example.com, routing: geolocation}
        data:
          tokens: {engine: dynamodb, scope: global}
          accounts: {engine: dynamodb, scope: jurisdiction}
          audit: {engine: dynamodb, scope: jurisdiction}
        """
    )
    assert findings == []


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        ("US", "US", True),
        ("DE", "FR", True),
        ("EU", "DE", True),
        ("EU", "GB", False),
        ("DE", "GB", False),
        ("GB", "EU", False),
        ("US", "EU", False),
    ],
)
def test_transfer_allowed_without_rules(source: str, target: str, allowed: bool) -> None:
    assert transfer_allowed(ResidencySpec(), source, target) is allowed


def test_cross_border_rules_cover_member_states_and_the_uk_alias() -> None:
    residency = ResidencySpec.model_validate({"crossBorder": [{"from": "EU", "to": "UK"}]})
    assert transfer_allowed(residency, "DE", "GB")
    assert transfer_allowed(residency, "EU", "UK")
    assert not transfer_allowed(residency, "GB", "DE")
    assert not transfer_allowed(residency, "DE", "US")


# --- residency.routing --------------------------------------------------------------------------


def test_latency_routing_sends_users_away_from_their_accounts() -> None:
    findings, text = fixture("breaks-residency-routing.yaml")
    (finding,) = findings
    assert (finding.rule, finding.level, finding.path) == (
        "residency.routing",
        Level.ERROR,
        "dns.routing",
    )
    assert finding.line == line_of(text, "routing: latency  #!")
    assert "users of US to eu-west (EU)" in finding.message
    assert "could not log in" in finding.message
    assert "geolocation" in finding.message


def test_geolocation_routing_keeps_users_in_their_jurisdiction() -> None:
    assert fixture("keeps-residency-routing.yaml")[0] == []


def test_the_default_routing_of_a_global_cluster_is_latency() -> None:
    findings, text = run(
        """
        topology: global-cluster
        consistency: eventual
        dns:
          zone: example.com
          hostname: login.example.com
        data:
          tokens: {engine: dynamodb, scope: global}
          accounts: {engine: dynamodb, scope: jurisdiction}
          audit: {engine: dynamodb, scope: jurisdiction}
        """
    )
    # accounts and audit are both personal data by default
    routing = by_rule(findings, "residency.routing")
    assert [f.path for f in routing] == ["dns.routing", "dns.routing"]
    assert all(f.line == line_of(text, "dns:") for f in routing)
    assert "audit records" in routing[1].message


def test_failover_to_a_passive_region_of_another_jurisdiction() -> None:
    findings, _ = run(
        """
        topology: active-passive
        dns: {zone: example.com, hostname: login.example.com}
        data:
          tokens: {engine: dynamodb, scope: global}
          accounts: {engine: aurora-postgresql, scope: jurisdiction}
          audit: {engine: aurora-postgresql, scope: jurisdiction}
        residency: {personalData: [accounts]}
        configSync: {repository: https://github.com/acme/idsvr-config.git}
        """,
        regions="""\
regions:
  - {id: us-east, cloud: aws, location: us-east-1, jurisdiction: US}
  - {id: ca-central, cloud: aws, location: ca-central-1, jurisdiction: CA, role: passive}
""",
    )
    (finding,) = findings
    assert finding.rule == "residency.routing"
    assert "routing failover" in finding.message
    assert "passive regions in jurisdiction US" in finding.message


def test_cloud_dns_geolocation_routes_by_distance_not_country() -> None:
    findings, _ = run(
        """
        topology: global-cluster
        consistency: eventual
        dns: {provider: cloud-dns, zone: example.com, hostname: login.example.com, routing: geolocation}
        data:
          tokens: {engine: external, scope: global, connection: {secretName: tokens-db}}
          accounts: {engine: spanner, scope: jurisdiction}
          audit: {engine: spanner, scope: jurisdiction}
        residency: {personalData: [accounts]}
        """,
        regions="""\
regions:
  - {id: us-east, cloud: gcp, location: us-east4, jurisdiction: US}
  - {id: us-south, cloud: gcp, location: us-east1, jurisdiction: US}
  - {id: eu-west, cloud: gcp, location: europe-west1, jurisdiction: BE}
""",
    )
    (finding,) = findings
    assert (finding.rule, finding.level) == ("residency.routing", Level.WARNING)
    assert "route53" in finding.message


# --- data.reach ---------------------------------------------------------------------------------


def test_accounts_per_region_are_missing_after_failover() -> None:
    findings, text = fixture("breaks-data-reach.yaml")
    (finding,) = findings
    assert (finding.rule, finding.level, finding.path) == (
        "data.reach",
        Level.WARNING,
        "data.accounts.scope",
    )
    assert finding.line == line_of(text, "scope: region  #!")
    assert "from us-east to us-west" in finding.message
    assert "jurisdiction or global" in finding.message


def test_tokens_that_are_not_personal_data_still_need_to_be_reachable() -> None:
    findings, _ = run(
        """
        topology: global-cluster
        consistency: eventual
        dns: {zone: example.com, hostname: login.example.com, routing: geolocation}
        data:
          tokens: {engine: dynamodb, scope: region}
          accounts: {engine: dynamodb, scope: jurisdiction}
          audit: {engine: dynamodb, scope: jurisdiction}
        """
    )
    (finding,) = findings
    assert (finding.rule, finding.path) == ("data.reach", "data.tokens.scope")
    # geolocation keeps users in their jurisdiction: only the two US regions trade users
    assert "from us-east to us-west and from us-west to us-east" in finding.message
    assert "sign in again" in finding.message


# --- residency.sub-cluster ----------------------------------------------------------------------


def test_a_region_outside_its_sub_cluster_jurisdiction() -> None:
    findings, text = fixture("breaks-residency-sub-cluster.yaml")
    (finding,) = findings
    assert finding.path == "subClusters[0].regions[0].jurisdiction"
    assert finding.line == line_of(text, "jurisdiction: US  #!")
    assert "sub-cluster of US" in finding.message


def test_a_sub_cluster_may_hold_a_region_its_transfers_allow() -> None:
    findings, _ = run(
        """
        topology: sub-clusters
        dns: {zone: example.com}
        data:
          tokens: {engine: dynamodb, scope: region}
          accounts: {engine: aurora-postgresql, scope: region}
          audit: {engine: aurora-postgresql, scope: region}
        residency:
          crossBorder: [{from: EU, to: UK}]
        subClusters:
          - id: eu
            jurisdiction: EU
            topology: single-region
            dns: {hostname: login.eu.example.com}
            regions: [{id: london, cloud: aws, location: eu-west-2, jurisdiction: UK}]
          - id: us
            jurisdiction: US
            topology: single-region
            dns: {hostname: login.us.example.com}
            regions: [{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US}]
        """,
        regions="",
    )
    assert findings == []
