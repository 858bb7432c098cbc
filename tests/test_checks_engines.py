"""Engine fit: clouds, replication limits and region sets, consistency of writers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from textwrap import dedent

import pytest

from regionkit.catalog import engines as catalog
from regionkit.checks import validate
from regionkit.findings import Finding, Level
from regionkit.spec import load_stack, load_stack_text
from regionkit.spec.models import Cloud, Engine

FIXTURES = Path(__file__).parent / "fixtures" / "stacks"


def fixture(name: str) -> tuple[list[Finding], str]:
    path = FIXTURES / name
    return validate(load_stack(path)), path.read_text()


def run(body: str, *tail: str) -> tuple[list[Finding], str]:
    """A stack of `body` (dedented) then `tail` (flush left), with a default dns unless set."""
    dns = "" if "dns:" in body else "dns: {zone: example.com, hostname: login.example.com}\n"
    text = "apiVersion: regionkit/v1\nname: acme-id\n" + dns + dedent(body) + "".join(tail)
    return validate(load_stack_text(text, Path("x.yaml"))), text


def line_of(text: str, needle: str) -> int:
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(numbers) == 1, f"{needle!r} is on lines {numbers}"
    return numbers[0]


def engine_findings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule.startswith("engine.")]


def regions(*specs: tuple[str, str, str, str]) -> str:
    return "regions:\n" + "".join(
        f"  - {{id: {rid}, cloud: {cloud}, location: {location}, jurisdiction: {j}}}\n"
        for rid, cloud, location, j in specs
    )


US3 = regions(
    ("us-east", "aws", "us-east-1", "US"),
    ("us-east-2", "aws", "us-east-2", "US"),
    ("us-west", "aws", "us-west-2", "US"),
)


# --- engine.cloud -------------------------------------------------------------------------------


def test_an_engine_of_another_cloud() -> None:
    findings, text = fixture("breaks-engine-cloud.yaml")
    (finding,) = findings
    assert (finding.rule, finding.level, finding.path) == (
        "engine.cloud",
        Level.ERROR,
        "data.tokens.engine",
    )
    assert finding.line == line_of(text, "engine: dynamodb")
    assert "not on gcp (region eu-west)" in finding.message
    assert "spanner" in finding.message and "cloudsql-postgresql" in finding.message
    assert fixture("keeps-engine-cloud.yaml")[0] == []


def test_an_existing_cluster_is_offered_cnpg() -> None:
    findings, _ = run(
        """
        topology: single-region
        data:
          tokens: {engine: cnpg, scope: region}
          accounts: {engine: aurora-postgresql, scope: region}
          audit: {engine: cnpg, scope: region}
        regions:
          - {id: home, cloud: kubernetes, location: dc1, jurisdiction: SE,
             cluster: {kubeconfigContext: home}}
        """
    )
    (finding,) = [f for f in findings if f.rule == "engine.cloud"]
    assert finding.path == "data.accounts.engine"
    assert "On kubernetes use cnpg or external" in finding.message


def test_one_store_across_clouds_needs_a_cross_cloud_engine() -> None:
    findings, _ = run(
        """
        topology: active-passive
        data:
          tokens: {engine: cnpg, scope: global}
          accounts: {engine: aurora-postgresql, scope: global}
          audit: {engine: cnpg, scope: global}
        configSync: {repository: https://github.com/acme/idsvr-config.git}
        regions:
          - {id: aws-east, cloud: aws, location: us-east-1, jurisdiction: US}
          - {id: gcp-east, cloud: gcp, location: us-east4, jurisdiction: US, role: passive}
        """
    )
    (finding,) = findings
    assert (finding.rule, finding.path) == ("engine.cloud", "data.accounts.engine")
    assert "aws and gcp in one store" in finding.message
    assert "cnpg" in finding.message


def test_every_data_class_of_a_shared_store_is_reported() -> None:
    findings, text = run(
        """
        topology: single-region
        data:
          tokens: {engine: cloudsql-postgresql, scope: region}
          accounts: {engine: spanner, scope: region}
          audit: {engine: spanner, scope: region}
        regions:
          - {id: us-east, cloud: aws, location: us-east-1, jurisdiction: US}
        """
    )
    assert [(f.rule, f.path, f.line) for f in findings] == [
        ("engine.cloud", "data.tokens.engine", line_of(text, "tokens:")),
        ("engine.cloud", "data.accounts.engine", line_of(text, "accounts:")),
        ("engine.cloud", "data.audit.engine", line_of(text, "audit:")),
    ]


# --- engine.replication -------------------------------------------------------------------------


def test_dynamodb_strong_outside_one_region_set() -> None:
    findings, text = fixture("breaks-engine-replication-dynamodb-strong.yaml")
    (finding,) = findings
    assert (finding.rule, finding.path) == ("engine.replication", "data.tokens.engine")
    assert finding.line == line_of(text, "engine: dynamodb  #!")
    assert "US: us-east-1, us-east-2, us-west-2" in finding.message
    assert "consistency eventual" in finding.message
    assert fixture("keeps-engine-replication-dynamodb-strong.yaml")[0] == []


def test_dynamodb_strong_in_four_regions_of_one_set() -> None:
    findings, _ = run(
        """
        topology: global-cluster
        consistency: strong
        data:
          tokens: {engine: dynamodb, scope: global}
          accounts: {engine: dynamodb, scope: global}
          audit: {engine: external, scope: global, connection: {secretName: idsvr-audit-db}}
        """,
        regions(
            ("ie", "aws", "eu-west-1", "IE"),
            ("gb", "aws", "eu-west-2", "GB"),
            ("fr", "aws", "eu-west-3", "FR"),
            ("de", "aws", "eu-central-1", "DE"),
        ),
        "residency: {personalData: []}\n",
    )
    assert {f.rule for f in findings} == {"engine.replication"}
    assert "exactly 3 regions, or 2 and a witness" in findings[0].message


def test_dynamodb_strong_in_two_regions_uses_a_witness() -> None:
    findings, _ = run(
        """
        topology: global-cluster
        consistency: strong
        data:
          tokens: {engine: dynamodb, scope: global}
          accounts: {engine: dynamodb, scope: global}
          audit: {engine: external, scope: global, connection: {secretName: idsvr-audit-db}}
        """,
        regions(("tokyo", "aws", "ap-northeast-1", "JP"), ("osaka", "aws", "ap-northeast-3", "JP")),
    )
    assert engine_findings(findings) == []


def test_dynamodb_eventual_replicates_anywhere() -> None:
    findings, _ = run(
        """
        topology: global-cluster
        consistency: eventual
        data:
          tokens: {engine: dynamodb, scope: global}
          accounts: {engine: dynamodb, scope: global}
          audit: {engine: external, scope: global, connection: {secretName: idsvr-audit-db}}
        residency: {personalData: []}
        """,
        regions(
            ("us", "aws", "us-east-1", "US"),
            ("sa", "aws", "sa-east-1", "BR"),
            ("ap", "aws", "ap-southeast-2", "AU"),
        ),
    )
    assert findings == []


def test_dsql_peers_exactly_two_regions() -> None:
    findings, text = fixture("breaks-engine-replication-dsql.yaml")
    (finding,) = findings
    assert (finding.rule, finding.path) == ("engine.replication", "data.accounts.engine")
    assert finding.line == line_of(text, "engine: aurora-dsql")
    assert "exactly 2 regions" in finding.message
    assert fixture("keeps-engine-replication-dsql.yaml")[0] == []


def test_dsql_peers_two_regions_of_one_set() -> None:
    findings, _ = run(
        """
        topology: active-passive
        data:
          tokens: {engine: aurora-dsql, scope: global}
          accounts: {engine: aurora-dsql, scope: global}
          audit: {engine: aurora-dsql, scope: global}
        residency: {personalData: []}
        configSync: {repository: https://github.com/acme/idsvr-config.git}
        regions:
          - {id: us-east, cloud: aws, location: us-east-1, jurisdiction: US}
          - {id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU, role: passive}
        """
    )
    assert len(findings) == 3
    assert all(f.rule == "engine.replication" for f in findings)
    assert "EU: eu-west-1, eu-west-2, eu-west-3" in findings[0].message


def test_spanner_dual_region_stays_inside_one_country() -> None:
    findings, text = fixture("breaks-engine-replication-spanner.yaml")
    (finding,) = findings
    assert (finding.rule, finding.path) == ("engine.replication", "data.accounts.engine")
    assert finding.line == line_of(text, "engine: spanner  #!")
    assert "inside one country" in finding.message
    assert "dual-region-germany1" in finding.message
    assert fixture("keeps-engine-replication-spanner.yaml")[0] == []


def test_spanner_across_three_continents_needs_a_configuration_serving_them() -> None:
    body = """
        topology: global-cluster
        consistency: strong
        dns: {provider: cloud-dns, zone: example.com, hostname: login.example.com}
        data:
          tokens: {engine: spanner, scope: global}
          accounts: {engine: spanner, scope: global}
          audit: {engine: spanner, scope: global}
        residency: {personalData: []}
        """
    served, _ = run(
        body,
        regions(
            ("us", "gcp", "us-central1", "US"),
            ("eu", "gcp", "europe-west1", "BE"),
            ("asia", "gcp", "asia-east1", "TW"),
        ),
    )
    assert served == []
    unserved, _ = run(
        body,
        regions(
            ("us", "gcp", "us-east1", "US"),
            ("eu", "gcp", "europe-west3", "DE"),
            ("asia", "gcp", "asia-southeast1", "SG"),
        ),
    )
    assert {f.rule for f in unserved} == {"engine.replication"}
    assert "no Spanner configuration has replicas in all of them" in unserved[0].message


def test_aurora_global_has_at_most_ten_secondaries() -> None:
    locations = [
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1",
        "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-northeast-1", "sa-east-1",
    ]  # fmt: skip
    lines = "".join(
        f"  - {{id: r{i}, cloud: aws, location: {loc}, jurisdiction: EU, role: passive}}\n"
        for i, loc in enumerate(locations)
    ).replace(", role: passive", "", 1)
    body = """
        topology: active-passive
        data:
          tokens: {engine: dynamodb, scope: global}
          accounts: {engine: aurora-postgresql, scope: global}
          audit: {engine: aurora-postgresql, scope: global}
        residency: {personalData: []}
        configSync: {repository: https://github.com/acme/idsvr-config.git}
        regions:
        """
    # jurisdictions are not checked against locations here: only the count matters
    twelve = [f for f in run(body, lines)[0] if f.rule != "region.jurisdiction"]
    assert [(f.rule, f.path) for f in twelve] == [
        ("engine.replication", "data.accounts.engine"),
        ("engine.replication", "data.audit.engine"),
    ]
    assert "at most 11 regions" in twelve[0].message
    eleven_lines = "".join(lines.splitlines(keepends=True)[:11])
    eleven = [f for f in run(body, eleven_lines)[0] if f.rule.startswith("engine")]
    assert eleven == []


def test_a_non_cross_cloud_engine_on_two_clouds_cannot_span_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # no engine of the catalog runs on two clouds without replicating across them; the rule
    # must still hold for one that would
    two_clouds = replace(
        catalog.ENGINES[Engine.CLOUDSQL_POSTGRESQL], clouds=frozenset({Cloud.AWS, Cloud.GCP})
    )
    monkeypatch.setitem(catalog.ENGINES, Engine.CLOUDSQL_POSTGRESQL, two_clouds)
    findings, _ = run(
        """
        topology: active-passive
        data:
          tokens: {engine: cnpg, scope: global}
          accounts: {engine: cloudsql-postgresql, scope: global}
          audit: {engine: cnpg, scope: global}
        configSync: {repository: https://github.com/acme/idsvr-config.git}
        regions:
          - {id: aws-east, cloud: aws, location: us-east-1, jurisdiction: US}
          - {id: gcp-east, cloud: gcp, location: us-east4, jurisdiction: US, role: passive}
        """
    )
    (finding,) = findings
    assert finding.rule == "engine.replication"
    assert "cannot replicate across clouds" in finding.message


# --- engine.consistency -------------------------------------------------------------------------


def test_a_single_writer_engine_cannot_give_eventual_multi_region_writes() -> None:
    findings, text = fixture("breaks-engine-consistency.yaml")
    (finding,) = findings
    assert (finding.rule, finding.level, finding.path) == (
        "engine.consistency",
        Level.ERROR,
        "data.accounts.engine",
    )
    assert finding.line == line_of(text, "engine: aurora-postgresql")
    assert "us-east, us-east-2 and us-west" in finding.message
    assert "aurora-dsql, dynamodb or external" in finding.message
    assert "consistency partitioned" in finding.message
    assert fixture("keeps-engine-consistency.yaml")[0] == []


def test_strong_consistency_on_gcp_suggests_spanner() -> None:
    findings, _ = run(
        """
        topology: global-cluster
        consistency: strong
        dns: {provider: cloud-dns, zone: example.com, hostname: login.example.com}
        data:
          tokens: {engine: cloudsql-postgresql, scope: global}
          accounts: {engine: spanner, scope: global}
          audit: {engine: spanner, scope: global}
        """,
        regions(
            ("iowa", "gcp", "us-central1", "US"),
            ("carolina", "gcp", "us-east1", "US"),
            ("oregon", "gcp", "us-west1", "US"),
        ),
    )
    (finding,) = findings
    assert (finding.rule, finding.path) == ("engine.consistency", "data.tokens.engine")
    assert "Use spanner or external" in finding.message


def test_one_writer_per_jurisdiction_is_fine() -> None:
    findings, _ = run(
        """
        topology: global-cluster
        consistency: eventual
        dns: {zone: example.com, hostname: login.example.com, routing: geolocation}
        data:
          tokens: {engine: dynamodb, scope: global}
          accounts: {engine: aurora-postgresql, scope: jurisdiction}
          audit: {engine: aurora-postgresql, scope: jurisdiction}
        """,
        regions(
            ("us", "aws", "us-east-1", "US"),
            ("eu", "aws", "eu-west-1", "EU"),
            ("ap", "aws", "ap-southeast-1", "SG"),
        ),
    )
    # residency may object to where geolocation fails over; the engines fit
    assert [f for f in findings if f.rule.startswith("engine.")] == []


def test_external_stores_are_the_users_responsibility() -> None:
    findings, _ = run(
        """
        topology: global-cluster
        consistency: strong
        data:
          tokens: {engine: external, scope: global, connection: {secretName: tokens}}
          accounts: {engine: external, scope: global, connection: {secretName: accounts}}
          audit: {engine: external, scope: global, connection: {secretName: audit}}
        """,
        US3,
        "residency: {personalData: []}\n",
    )
    assert findings == []
