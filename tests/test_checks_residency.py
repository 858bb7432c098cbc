"""Residency in `regionkit validate`: the residency analysis' findings, once, at their lines.

The rules themselves are the analysis' (tests/test_residency_analysis.py); these tests run them
through validate: replication across jurisdictions, routing and failover away from personal
data, the reach of accounts and tokens, sub-cluster regions, located in the stack file.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from regionkit import residency
from regionkit.checks.residency import transfer_allowed
from regionkit.findings import Finding, Level
from regionkit.residency import RULES, analyse
from regionkit.spec import load_stack, load_stack_text
from regionkit.spec.models import ResidencySpec
from tests.completeness import validate_rest

FIXTURES = Path(__file__).parent / "fixtures"
STACKS = FIXTURES / "stacks"

#: two regions in each of two jurisdictions: a region can fail over inside its own
REGIONS = """\
regions:
  - {id: us-east, cloud: aws, location: us-east-1, jurisdiction: US, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
  - {id: us-west, cloud: aws, location: us-west-2, jurisdiction: US, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
  - {id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
  - {id: eu-central, cloud: aws, location: eu-central-1, jurisdiction: EU, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
"""


def fixture(name: str) -> tuple[list[Finding], str]:
    path = STACKS / name
    return validate_rest(load_stack(path)), path.read_text()


def run(body: str, regions: str = REGIONS) -> tuple[list[Finding], str]:
    text = "apiVersion: regionkit/v1\nname: acme-id\n" + dedent(body) + regions
    return validate_rest(load_stack_text(text, Path("x.yaml"))), text


def line_of(text: str, needle: str) -> int:
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(numbers) == 1, f"{needle!r} is on lines {numbers}"
    return numbers[0]


def by_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


# --- one implementation, reported once --------------------------------------------------------

RESIDENCY_STACKS = sorted(
    [*STACKS.glob("*residency*.yaml"), *STACKS.glob("*reach*.yaml")]
) + sorted((FIXTURES / "residency").glob("*.yaml"))


@pytest.mark.parametrize("path", RESIDENCY_STACKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_validate_reports_exactly_the_residency_analysis_findings(path: Path) -> None:
    loaded = load_stack(path)
    reported = [f for f in validate_rest(loaded) if f.rule in RULES]
    expected = [loaded.locate(f) for f in analyse(loaded.spec).findings]
    assert sorted(reported, key=_key) == sorted(expected, key=_key)
    # located like every other finding, not per deployment
    assert all(f.file == str(path) and f.line is not None for f in reported)


def _key(f: Finding) -> tuple[str, str, str]:
    return (f.rule, f.path, f.message)


def test_a_sub_cluster_finding_is_reported_once_for_the_whole_stack() -> None:
    # the analysis walks every sub-cluster itself; validate runs it once per stack
    findings, text = fixture("breaks-residency-sub-cluster.yaml")
    assert [(f.rule, f.line) for f in findings] == [
        ("residency.sub-cluster", line_of(text, "jurisdiction: US  #!"))
    ]


def test_a_global_hostname_outside_sub_clusters_is_one_dns_finding() -> None:
    findings = validate_rest(
        load_stack(FIXTURES / "residency" / "global-hostname-without-sub-clusters.yaml")
    )
    assert [(f.level, f.rule, f.path) for f in findings] == [
        (Level.WARNING, "dns.global-hostname", "dns.globalHostname")
    ]


def test_the_checks_and_the_analysis_share_one_transfer_rule() -> None:
    assert transfer_allowed is residency.transfer_allowed


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
    assert "(US -> EU, EU -> US)" in finding.message
    assert "global table replica us-east (US) -> eu-west (EU)" in finding.message
    assert "[{from: US, to: EU}, {from: EU, to: US}]" in finding.message
    assert "data.accounts.scope: jurisdiction" in finding.message


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
          audit: {engine: external, scope: region, connection: {secretName: idsvr-audit-db}}
        residency:
          crossBorder: [{from: EU, to: US}]
        """
    )
    (finding,) = findings
    assert finding.rule == "residency.cross-border"
    assert "(US -> EU)" in finding.message
    assert "EU -> US" not in finding.message


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
  - {{id: active, cloud: aws, location: {location[active]}, jurisdiction: {active}, cluster: {{apiAllowedCidrs: [203.0.113.0/24]}}}}
  - {{id: passive, cloud: aws, location: {location[passive]}, jurisdiction: {passive}, role: passive,
     cluster: {{apiAllowedCidrs: [203.0.113.0/24]}}}}
""",
    )
    if denied is None:
        assert findings == []
    else:
        assert [f.path for f in findings] == ["data.accounts.scope", "data.audit.scope"]
        assert {f.rule for f in findings} == {"residency.cross-border"}
        assert f"({denied})" in findings[0].message


@pytest.mark.parametrize(
    ("cross_border", "denied"), [("[{from: US, to: CA}]", False), ("[]", True)]
)
def test_a_multi_writer_store_replicates_from_its_active_regions_only(
    cross_border: str, denied: bool
) -> None:
    # DynamoDB global tables replicate every way, but the passive region writes nothing until a
    # failover: its copy is the active region's data going out, never Canadian data coming in
    findings, text = run(
        f"""
        topology: active-passive
        dns: {{zone: example.com, hostname: login.example.com}}
        data:
          tokens: {{engine: dynamodb, scope: global}}
          accounts: {{engine: dynamodb, scope: global}}
          audit: {{engine: external, scope: global, connection: {{secretName: audit}}}}
        residency:
          personalData: [accounts]
          crossBorder: {cross_border}
        configSync: {{repository: https://github.com/acme/idsvr-config.git}}
        """,
        regions="""\
regions:
  - {id: us-east, cloud: aws, location: us-east-1, jurisdiction: US, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
  - {id: ca-central, cloud: aws, location: ca-central-1, jurisdiction: CA, role: passive, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
""",
    )
    if not denied:
        assert findings == []
        return
    (finding,) = findings
    assert finding.rule == "residency.cross-border"
    assert finding.line == line_of(text, "accounts: {engine: dynamodb")
    assert "(US -> CA)" in finding.message and "CA -> US" not in finding.message


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
          audit: {engine: external, scope: jurisdiction, connection: {secretName: idsvr-audit-db}}
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


def test_weighted_routing_sends_users_away_from_their_accounts() -> None:
    findings, text = fixture("breaks-residency-routing.yaml")
    (finding,) = findings
    assert (finding.rule, finding.level, finding.path) == (
        "residency.routing",
        Level.ERROR,
        "dns.routing",
    )
    assert finding.line == line_of(text, "routing: weighted  #!")
    assert "users of US who signed in at us-east, us-west (US) to eu-west, eu-central (EU)" in (
        finding.message
    )
    assert "cannot log in there" in finding.message
    assert "geolocation routing" in finding.message


def test_latency_routing_ignores_borders() -> None:
    findings, text = fixture("breaks-residency-routing-latency.yaml")
    (finding,) = findings
    assert (finding.rule, finding.level) == ("residency.routing", Level.WARNING)
    assert finding.line == line_of(text, "routing: latency  #!")
    assert "nearest the user's DNS resolver" in finding.message
    assert "route53 (by country)" in finding.message


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
          audit: {engine: external, scope: jurisdiction, connection: {secretName: idsvr-audit-db}}
        """
    )
    # accounts and audit are both personal data by default; dns.routing is reported where it
    # would be added, at dns
    routing = by_rule(findings, "residency.routing")
    assert [f.path for f in findings] == ["dns.routing", "dns.routing"]
    assert all(f.line == line_of(text, "dns:") for f in routing)
    assert all(f.message.startswith("latency routing") for f in routing)
    assert "audit records" in routing[1].message


def test_cloud_dns_geolocation_routes_by_distance_not_country() -> None:
    findings, text = run(
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
  - {id: eu-north, cloud: gcp, location: europe-west4, jurisdiction: NL}
""",
    )
    (finding,) = by_rule(findings, "residency.routing")
    assert (finding.level, finding.line) == (Level.WARNING, line_of(text, "routing: geolocation"))
    assert "Cloud DNS geolocation answers with the nearest Google Cloud region" in finding.message
    assert "use provider route53" in finding.message
    # failing over by distance keeps Belgian users in the EU (the Netherlands): no failover
    # finding, though BE and NL are two stores of accounts (a reach warning)
    assert by_rule(findings, "residency.failover") == []
    (reach,) = by_rule(findings, "data.reach")
    assert "from eu-west to eu-north (after eu-west fails)" in reach.message


# --- residency.failover -------------------------------------------------------------------------


def test_failover_to_a_passive_region_of_another_jurisdiction() -> None:
    findings, text = fixture("breaks-residency-failover.yaml")
    (finding,) = findings
    assert (finding.rule, finding.level, finding.path) == (
        "residency.failover",
        Level.ERROR,
        "regions[1]",
    )
    assert finding.line == line_of(text, "id: ca-central")
    assert "failover routing can send users of US" in finding.message
    assert "(after us-east fails)" in finding.message
    assert "put the passive regions in jurisdiction US" in finding.message


def test_a_passive_region_of_the_same_jurisdiction_keeps_failover() -> None:
    assert fixture("keeps-residency-failover.yaml")[0] == []


def test_route53_geolocation_fails_over_to_the_default_region() -> None:
    # one EU region: when it fails, Route 53 answers EU users with the default record (us-east)
    findings, text = run(
        """
        topology: global-cluster
        consistency: eventual
        dns: {zone: example.com, hostname: login.example.com, routing: geolocation}
        data:
          tokens: {engine: dynamodb, scope: global}
          accounts: {engine: dynamodb, scope: jurisdiction}
          audit: {engine: external, scope: jurisdiction, connection: {secretName: idsvr-audit-db}}
        residency: {personalData: [accounts]}
        """,
        regions="""\
regions:
  - {id: us-east, cloud: aws, location: us-east-1, jurisdiction: US, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
  - {id: us-west, cloud: aws, location: us-west-2, jurisdiction: US, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
  - {id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
""",
    )
    (finding,) = findings
    assert (finding.rule, finding.path) == ("residency.failover", "regions[0]")
    assert finding.line == line_of(text, "id: us-east")
    assert "users of EU who signed in at eu-west (EU) to us-east (US)" in finding.message
    assert "with a second region in EU to fail over to" in finding.message


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
    assert "from us-east to us-west (after us-east fails)" in finding.message
    assert "jurisdiction or global" in finding.message


def test_tokens_that_are_not_personal_data_still_need_to_be_reachable() -> None:
    findings, text = run(
        """
        topology: global-cluster
        consistency: eventual
        dns: {zone: example.com, hostname: login.example.com, routing: geolocation}
        data:
          tokens: {engine: dynamodb, scope: region}
          accounts: {engine: dynamodb, scope: jurisdiction}
          audit: {engine: external, scope: jurisdiction, connection: {secretName: idsvr-audit-db}}
        """
    )
    (finding,) = findings
    assert (finding.rule, finding.path) == ("data.reach", "data.tokens.scope")
    assert finding.line == line_of(text, "tokens: {engine: dynamodb, scope: region}")
    # geolocation keeps users in their jurisdiction: only regions of one trade users
    assert "between us-east and us-west and between eu-west and eu-central" in finding.message
    assert "sign in again" in finding.message


def test_a_lawful_move_to_another_jurisdiction_is_a_reach_warning() -> None:
    # EU users may be served in the UK, but their accounts are kept per jurisdiction
    findings, _ = run(
        """
        topology: active-passive
        dns: {zone: example.com, hostname: login.example.com}
        data:
          tokens: {engine: dynamodb, scope: global}
          accounts: {engine: aurora-postgresql, scope: jurisdiction}
          audit: {engine: aurora-postgresql, scope: jurisdiction}
        residency:
          crossBorder: [{from: EU, to: GB}]
        configSync: {repository: https://github.com/acme/idsvr-config.git}
        """,
        regions="""\
regions:
  - {id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
  - {id: gb-lon, cloud: aws, location: eu-west-2, jurisdiction: GB, role: passive, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
""",
    )
    (finding,) = findings
    assert (finding.level, finding.rule, finding.path) == (
        Level.WARNING,
        "data.reach",
        "data.accounts.scope",
    )
    assert "from eu-west to gb-lon (after eu-west fails)" in finding.message
    assert "(global)" in finding.message  # jurisdiction scope would still split EU and GB


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
            regions: [{id: london, cloud: aws, location: eu-west-2, jurisdiction: UK, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}]
          - id: us
            jurisdiction: US
            topology: single-region
            dns: {hostname: login.us.example.com}
            regions: [{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}]
        """,
        regions="",
    )
    assert findings == []


def test_sub_cluster_findings_point_where_each_setting_is_written() -> None:
    # the sub-cluster sets dns (its hostname) and regions; routing, data and crossBorder are
    # inherited from the top level, so that is where their findings point
    findings, text = run(
        """
        topology: sub-clusters
        consistency: eventual
        dns: {zone: example.com, routing: weighted}
        data:
          tokens: {engine: dynamodb, scope: global}
          accounts: {engine: dynamodb, scope: jurisdiction}
          audit: {engine: external, scope: jurisdiction, connection: {secretName: idsvr-audit-db}}
        residency:
          personalData: [accounts]
          crossBorder: [{from: EU, to: GB}]
        subClusters:
          - id: eu
            jurisdiction: EU
            topology: global-cluster
            dns: {hostname: login.eu.example.com}
            regions:
              - {id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: IE, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
              - {id: eu-central, cloud: aws, location: eu-central-1, jurisdiction: DE, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
              - {id: gb-lon, cloud: aws, location: eu-west-2, jurisdiction: GB, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
          - id: us
            jurisdiction: US
            topology: single-region
            dns: {hostname: login.us.example.com}
            regions: [{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}]
        """,
        regions="",
    )
    located = {(f.level, f.rule, f.path, f.line) for f in findings}
    assert located == {
        # GB users may not be sent to the EU regions: the transfer is allowed one way only
        (Level.ERROR, "residency.routing", "dns.routing", line_of(text, "routing: weighted")),
        # EU users may be sent to London, where their accounts are not
        (
            Level.WARNING,
            "data.reach",
            "data.accounts.scope",
            line_of(text, "accounts: {engine: dynamodb, scope: jurisdiction}"),
        ),
    }
    assert all(f.message.startswith("sub-cluster 'eu': ") for f in findings)
