"""Engine fit: clouds, replication limits and region sets, consistency of writers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from textwrap import dedent

import pytest

from regionkit.catalog import engines as catalog
from regionkit.findings import Finding, Level
from regionkit.spec import load_stack, load_stack_text
from regionkit.spec.models import Cloud, Consistency, Engine
from tests.completeness import validate_rest

FIXTURES = Path(__file__).parent / "fixtures" / "stacks"


def fixture(name: str) -> tuple[list[Finding], str]:
    path = FIXTURES / name
    return validate_rest(load_stack(path)), path.read_text()


def run(body: str, *tail: str) -> tuple[list[Finding], str]:
    """A stack of `body` (dedented) then `tail` (flush left), with a default dns unless set."""
    dns = "" if "dns:" in body else "dns: {zone: example.com, hostname: login.example.com}\n"
    text = "apiVersion: regionkit/v1\nname: acme-id\n" + dns + dedent(body) + "".join(tail)
    return validate_rest(load_stack_text(text, Path("x.yaml"))), text


def line_of(text: str, needle: str) -> int:
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(numbers) == 1, f"{needle!r} is on lines {numbers}"
    return numbers[0]


def engine_findings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule.startswith("engine.")]


def regions(*specs: tuple[str, str, str, str]) -> str:
    return "regions:\n" + "".join(
        f"  - {{id: {rid}, cloud: {cloud}, location: {location}, jurisdiction: {j}{_api(cloud)}}}\n"
        for rid, cloud, location, j in specs
    )


def _api(cloud: str) -> str:
    """An EKS or GKE cluster regionkit creates must name who reaches its API
    (cluster.api-access)."""
    return ", cluster: {apiAllowedCidrs: [203.0.113.0/24]}" if cloud in ("aws", "gcp") else ""


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
    assert "cloudsql-postgresql" in finding.message and "spanner" not in finding.message
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
             cluster: {kubeconfigContext: home, gatewayClass: eg}}
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
          - {id: aws-east, cloud: aws, location: us-east-1, jurisdiction: US, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
          - {id: gcp-east, cloud: gcp, location: us-east4, jurisdiction: US, role: passive,
             cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
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
          accounts: {engine: cloudsql-postgresql, scope: region}
          audit: {engine: cloudsql-postgresql, scope: region}
        regions:
          - {id: us-east, cloud: aws, location: us-east-1, jurisdiction: US, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
        """
    )
    assert [(f.rule, f.path, f.line) for f in findings] == [
        ("engine.cloud", "data.tokens.engine", line_of(text, "tokens:")),
        ("engine.cloud", "data.accounts.engine", line_of(text, "accounts:")),
        ("engine.cloud", "data.audit.engine", line_of(text, "audit:")),
    ]


# --- engine.curity -----------------------------------------------------------------------------


def test_aurora_dsql_is_refused_naming_the_alternatives() -> None:
    findings, text = fixture("breaks-engine-curity-dsql.yaml")
    (finding,) = findings
    assert (finding.rule, finding.level, finding.path) == (
        "engine.curity",
        Level.ERROR,
        "data.accounts.engine",
    )
    assert finding.line == line_of(text, "engine: aurora-dsql")
    assert "DSQL JDBC connector" in finding.message
    assert "uuid-ossp extension, JSONB columns and GIN indexes" in finding.message
    assert "Use aurora-postgresql" in finding.message and "or dynamodb" in finding.message
    assert fixture("keeps-engine-curity.yaml")[0] == []


def test_spanner_is_refused_naming_the_alternatives() -> None:
    findings, text = fixture("breaks-engine-curity-spanner.yaml")
    (finding,) = findings
    assert (finding.rule, finding.path) == ("engine.curity", "data.accounts.engine")
    assert finding.line == line_of(text, "engine: spanner  #!")
    assert "no Spanner data source" in finding.message
    assert "Use cloudsql-postgresql" in finding.message and "cnpg" in finding.message


def test_a_refused_engine_gets_only_the_refusal() -> None:
    # three DSQL regions once broke its two-region peering rule; that no longer matters
    findings, _ = run(
        """
        topology: global-cluster
        consistency: strong
        data:
          tokens: {engine: aurora-dsql, scope: global}
          accounts: {engine: aurora-dsql, scope: global}
          audit: {engine: aurora-dsql, scope: global}
        """,
        US3,
        "residency: {personalData: []}\n",
    )
    assert {(f.rule, f.path) for f in findings} == {
        ("engine.curity", f"data.{c}.engine") for c in ("tokens", "accounts", "audit")
    }


def test_dynamodb_strong_is_refused_with_the_mrsc_reason() -> None:
    findings, text = fixture("breaks-engine-curity-dynamodb-strong.yaml")
    (finding,) = findings
    assert (finding.rule, finding.path) == ("engine.curity", "data.tokens.engine")
    assert finding.line == line_of(text, "engine: dynamodb  #!")
    for said in (
        '"Time to Live (TTL) is not supported"',
        '"Local secondary indexes (LSIs) are not supported"',
        '"do not support transaction operations"',
        "Use consistency eventual",
    ):
        assert said in finding.message


def test_dynamodb_strong_is_refused_inside_one_region_set_too() -> None:
    body = """
        topology: global-cluster
        consistency: strong
        data:
          tokens: {engine: dynamodb, scope: global}
          accounts: {engine: dynamodb, scope: global}
          audit: {engine: external, scope: global, connection: {secretName: idsvr-audit-db}}
        """
    findings, _ = run(body, US3)
    assert {(f.rule, f.path) for f in findings} == {
        ("engine.curity", "data.tokens.engine"),
        ("engine.curity", "data.accounts.engine"),
    }
    # one region per store replicates nothing: strong is not asked of DynamoDB there
    per_region, _ = run(body.replace("dynamodb, scope: global", "dynamodb, scope: region"), US3)
    assert engine_findings(per_region) == []


def test_refused_engines_are_never_suggested() -> None:
    for cloud in Cloud:
        for consistency in (None, *Consistency):
            found = catalog.alternatives({cloud}, consistency)
            assert not {Engine.AURORA_DSQL, Engine.SPANNER} & set(found)
    assert Engine.DYNAMODB not in catalog.alternatives({Cloud.AWS}, Consistency.STRONG)
    assert Engine.DYNAMODB in catalog.alternatives({Cloud.AWS}, Consistency.EVENTUAL)


def test_the_catalog_says_how_curity_connects_to_each_engine() -> None:
    for info in catalog.ENGINES.values():
        assert info.curity.driver and info.curity.authentication
        assert info.usable == (info.curity.data_source is not catalog.DataSource.NONE) or (
            info.engine is Engine.AURORA_DSQL
        )
    refused = {e for e, info in catalog.ENGINES.items() if not info.usable}
    assert refused == {Engine.AURORA_DSQL, Engine.SPANNER}
    assert catalog.facts(Engine.DYNAMODB).curity.data_source is catalog.DataSource.DYNAMODB
    assert catalog.jdbc() == [
        Engine.AURORA_POSTGRESQL,
        Engine.CLOUDSQL_POSTGRESQL,
        Engine.CNPG,
        Engine.EXTERNAL,
    ]


def test_a_second_store_of_an_engine_with_its_own_identity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # spanner gives each store its own service account; refused, it can no longer break the
    # rule, which must still hold for the day an engine of that kind is usable
    body = """
        topology: single-region
        dns: {provider: cloud-dns, zone: example.com, hostname: login.example.com}
        data:
          tokens: {engine: spanner, scope: region}
          accounts: {engine: spanner, scope: region}
          audit: {engine: spanner, scope: global}
        regions:
          - {id: eu-west, cloud: gcp, location: europe-west1, jurisdiction: BE,
             cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
        """
    refused, _ = run(body)
    assert {f.rule for f in refused} == {"engine.curity", "engine.node-identity"}
    spanner = catalog.ENGINES[Engine.SPANNER]
    usable = replace(spanner, curity=replace(spanner.curity, refusal=None))
    monkeypatch.setitem(catalog.ENGINES, Engine.SPANNER, usable)
    findings, text = run(body)
    (finding,) = findings
    assert (finding.rule, finding.path) == ("engine.node-identity", "data.audit.scope")
    assert finding.line == line_of(text, "audit:")


# --- engine.region ------------------------------------------------------------------------------


def test_dynamodb_in_a_region_curitys_plugin_lacks() -> None:
    findings, text = fixture("breaks-engine-region.yaml")
    (finding,) = findings
    assert (finding.rule, finding.path) == ("engine.region", "data.tokens.engine")
    assert finding.line == line_of(text, "engine: dynamodb  #!")
    assert "ap-jakarta (ap-southeast-3)" in finding.message
    assert "the nearest: ap-southeast-1, Singapore" in finding.message
    assert "aurora-postgresql, cnpg or external" in finding.message
    assert fixture("keeps-engine-region.yaml")[0] == []


def test_only_the_regions_the_plugin_lacks_are_named() -> None:
    findings, _ = run(
        """
        topology: global-cluster
        consistency: eventual
        data:
          tokens: {engine: dynamodb, scope: global}
          accounts: {engine: dynamodb, scope: global}
          audit: {engine: external, scope: global, connection: {secretName: idsvr-audit-db}}
        """,
        regions(("tokyo", "aws", "ap-northeast-1", "JP"), ("osaka", "aws", "ap-northeast-3", "JP")),
    )
    engine = engine_findings(findings)
    assert {(f.rule, f.path) for f in engine} == {
        ("engine.region", "data.tokens.engine"),
        ("engine.region", "data.accounts.engine"),
    }
    assert all("region osaka (ap-northeast-3)" in f.message for f in engine)
    assert all("tokyo" not in f.message for f in engine)


# --- engine.replication -------------------------------------------------------------------------


def test_dynamodb_eventual_replicates_anywhere_the_plugin_reaches() -> None:
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
    assert fixture("keeps-engine-replication-dynamodb.yaml")[0] == []


def test_a_cloud_sql_primary_with_a_replica_in_another_country() -> None:
    assert fixture("keeps-engine-replication-cloudsql.yaml")[0] == []
    findings, _ = fixture("breaks-engine-replication-aurora.yaml")
    (finding,) = findings
    assert (finding.rule, finding.path) == ("engine.replication", "data.accounts.engine")
    assert "at most 11 regions" in finding.message


def test_aurora_global_has_at_most_ten_secondaries() -> None:
    locations = [
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1",
        "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-northeast-1", "sa-east-1",
    ]  # fmt: skip
    lines = "".join(
        f"  - {{id: r{i}, cloud: aws, location: {loc}, jurisdiction: EU, role: passive, "
        "cluster: {apiAllowedCidrs: [203.0.113.0/24]}}\n"
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
          - {id: aws-east, cloud: aws, location: us-east-1, jurisdiction: US, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
          - {id: gcp-east, cloud: gcp, location: us-east4, jurisdiction: US, role: passive,
             cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
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
    assert "Use dynamodb or external" in finding.message
    assert "consistency partitioned" in finding.message
    assert fixture("keeps-engine-consistency.yaml")[0] == []


def test_strong_consistency_on_gcp_leaves_only_an_external_store() -> None:
    findings, _ = run(
        """
        topology: global-cluster
        consistency: strong
        dns: {provider: cloud-dns, zone: example.com, hostname: login.example.com}
        data:
          tokens: {engine: cloudsql-postgresql, scope: global}
          accounts: {engine: cloudsql-postgresql, scope: global}
          audit: {engine: cloudsql-postgresql, scope: global}
        """,
        regions(
            ("iowa", "gcp", "us-central1", "US"),
            ("carolina", "gcp", "us-east1", "US"),
            ("oregon", "gcp", "us-west1", "US"),
        ),
    )
    engine = engine_findings(findings)
    assert {(f.rule, f.path) for f in engine} == {
        ("engine.consistency", f"data.{c}.engine") for c in ("tokens", "accounts", "audit")
    }
    # Spanner would be strong, but the identity server cannot use it
    assert "Use external (a database you manage)" in engine[0].message
    assert "spanner" not in engine[0].message


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
