"""The residency report: stores, replication edges, DNS paths and findings of small stacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regionkit.findings import Level
from regionkit.residency import (
    CROSS_BORDER,
    FAILOVER,
    GLOBAL_HOSTNAME,
    REACH,
    ROUTING,
    SUB_CLUSTER,
    EdgeKind,
    ResidencyReport,
    analyse,
    transfer_allowed,
)
from regionkit.residency.routing import distance, routes, targets, user_groups
from regionkit.spec import load_stack, load_stack_text
from regionkit.spec.models import Cloud, ClusterSpec, RegionSpec, ResidencySpec, StackSpec
from tests.conftest import ROOT, example_stacks

FIXTURES = ROOT / "tests" / "fixtures" / "residency"


def spec_of(name: str) -> StackSpec:
    return load_stack(FIXTURES / f"{name}.yaml").spec


def variant(name: str, old: str, new: str) -> StackSpec:
    text = (FIXTURES / f"{name}.yaml").read_text()
    assert old in text, f"{old!r} not in {name}.yaml"
    return load_stack_text(text.replace(old, new, 1)).spec


def report_of(name: str) -> ResidencyReport:
    return analyse(spec_of(name))


def rules(report: ResidencyReport) -> list[tuple[Level, str, str]]:
    return [(f.level, f.rule, f.path) for f in report.findings]


# --- the example stacks -----------------------------------------------------------------------


@pytest.mark.parametrize("stack", example_stacks(), ids=lambda p: p.stem)
def test_example_stacks_have_no_residency_errors(stack: Path) -> None:
    report = analyse(load_stack(stack).spec)
    assert report.errors == []
    assert report.stores, "every stack stores its data classes somewhere"


# --- residency.cross-border -------------------------------------------------------------------


def test_global_cluster_that_violates_residency_is_rejected() -> None:
    report = report_of("global-violates-residency")
    assert rules(report) == [
        (Level.ERROR, CROSS_BORDER, "data.accounts.scope"),
        # the audit log is kept per region: a failover writes it in another jurisdiction
        (Level.ERROR, FAILOVER, "regions[1]"),
        (Level.ERROR, FAILOVER, "regions[0]"),
        (Level.WARNING, ROUTING, "dns.routing"),
    ]
    assert all("audit log" in f.message for f in report.findings[1:])
    message = report.findings[0].message
    for transfer in ("US -> EU", "US -> JP", "EU -> US", "EU -> JP", "JP -> US", "JP -> EU"):
        assert transfer in message
    assert "{from: US, to: EU}" in message
    forbidden = [e for e in report.edges if not e.allowed]
    assert len(forbidden) == 6
    assert all(e.cross_border and e.personal == ("accounts",) for e in forbidden)


def test_undeclared_transfer_breaks_cross_border_for_each_personal_class() -> None:
    report = report_of("cross-border-undeclared")
    assert rules(report) == [
        (Level.ERROR, CROSS_BORDER, "data.accounts.scope"),
        (Level.ERROR, CROSS_BORDER, "data.audit.scope"),
    ]
    assert "database replica eu-ie (EU) -> gb-lon (GB)" in report.findings[0].message


def test_cross_border_entry_allows_the_declared_transfer() -> None:
    report = report_of("cross-border-declared")
    assert report.findings == ()
    replica = next(e for e in report.edges if e.kind is EdgeKind.DATABASE_REPLICA)
    assert (replica.source and replica.source.region, replica.target.region) == ("eu-ie", "gb-lon")
    assert replica.cross_border and replica.allowed
    assert replica.personal == ("accounts", "audit")


def test_non_personal_tokens_cross_borders_without_a_finding() -> None:
    report = report_of("cross-border-undeclared")
    tokens = [e for e in report.edges if e.data_classes == ("tokens",)]
    # DynamoDB writes in every active region; the passive one writes only after a failover
    assert [(e.source.region if e.source else None, e.target.region) for e in tokens] == [
        ("eu-ie", "gb-lon")
    ]
    assert all(e.allowed and e.cross_border and e.personal == () for e in tokens)


def test_transfer_allowed_treats_the_eu_as_one_area() -> None:
    residency = ResidencySpec.model_validate({"crossBorder": [{"from": "EU", "to": "GB"}]})
    assert transfer_allowed(residency, "DE", "FR")
    assert transfer_allowed(residency, "DE", "GB")  # DE lies inside the entry's EU
    assert transfer_allowed(residency, "EU", "UK")  # UK is GB's alias
    assert not transfer_allowed(residency, "GB", "EU")  # entries have a direction
    narrow = ResidencySpec.model_validate({"crossBorder": [{"from": "DE", "to": "GB"}]})
    assert not transfer_allowed(narrow, "EU", "GB")  # EU-wide data is more than DE's
    assert not transfer_allowed(ResidencySpec(), "US", "EU")


def test_cross_border_in_a_sub_cluster_names_the_sub_cluster() -> None:
    spec = variant(
        "sub-clusters-by-jurisdiction",
        "{id: us-west, cloud: aws, location: us-west-2, jurisdiction: US, role: passive, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}",
        "{id: ca-mtl, cloud: aws, location: ca-central-1, jurisdiction: CA, role: passive, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}",
    )
    report = analyse(spec)
    cross = [f for f in report.findings if f.rule == CROSS_BORDER]
    assert {f.path for f in cross} == {"data.accounts.scope", "data.audit.scope"}
    assert all(f.message.startswith("sub-cluster 'us': ") for f in cross)
    # the US partition holds a region in Canada, hinted or not
    outside = [f for f in report.findings if f.rule == SUB_CLUSTER]
    assert [(f.level, f.path) for f in outside] == [
        (Level.ERROR, "subClusters[1].regions[1].jurisdiction")
    ]
    assert "region ca-mtl is in CA" in outside[0].message
    assert [f for f in report.findings if f.rule == GLOBAL_HOSTNAME] == []


# --- residency.routing and residency.failover -------------------------------------------------


def test_weighted_routing_across_jurisdictions_breaks_routing() -> None:
    report = report_of("routing-weighted-across-jurisdictions")
    assert rules(report) == [
        (Level.ERROR, ROUTING, "dns.routing"),  # accounts
        (Level.ERROR, ROUTING, "dns.routing"),  # audit
        (Level.WARNING, REACH, "data.tokens.scope"),  # tokens are not personal data
    ]
    accounts, audit, tokens = (f.message for f in report.findings)
    assert "users of US who signed in at us-east, us-west (US) to eu-ie, eu-de (EU)" in accounts
    assert "users of EU who signed in at eu-ie, eu-de (EU) to us-east, us-west (US)" in accounts
    assert "where their accounts are not stored (data.accounts.scope: jurisdiction)" in accounts
    assert "use geolocation routing so users of US and EU stay in their jurisdiction" in accounts
    assert "[{from: US, to: EU}, {from: EU, to: US}] and set data.accounts.scope" in accounts
    assert "audit records written there" in audit and "and set data.audit.scope" not in audit
    assert "between us-east and eu-ie" in tokens and "lose their session" in tokens


def test_geolocation_with_a_failover_region_per_jurisdiction_keeps_routing() -> None:
    report = report_of("routing-geolocation-per-jurisdiction")
    assert report.findings == ()
    normal = {p.users: [t.region for t in p.targets] for p in report.paths if p.failed is None}
    assert normal == {"US": ["us-east", "us-west"], "EU": ["eu-ie", "eu-de"]}


def test_latency_failover_to_another_jurisdiction_breaks_failover() -> None:
    report = report_of("global-latency-jurisdiction-accounts")
    # us-east -> eu-ie and ap-sg -> eu-ie (regions[1]), eu-ie -> us-east (regions[0]), each for
    # accounts and audit; and latency routing crosses borders near them (dns.routing)
    assert rules(report) == [
        (Level.ERROR, FAILOVER, "regions[1]"),
        (Level.ERROR, FAILOVER, "regions[1]"),
        (Level.ERROR, FAILOVER, "regions[0]"),
        (Level.ERROR, FAILOVER, "regions[0]"),
        (Level.WARNING, ROUTING, "dns.routing"),
        (Level.WARNING, ROUTING, "dns.routing"),
    ]
    message = report.findings[0].message
    assert "signed in at us-east (US) to eu-ie (EU) (after us-east fails)" in message
    assert "signed in at ap-sg (SG) to eu-ie (EU) (after ap-sg fails)" in message
    assert "sub-clusters per jurisdiction" in message
    assert "with a second region in each of US and SG to fail over to" in message
    assert "{from: US, to: EU}, {from: SG, to: EU}" in message


def test_failover_within_one_jurisdiction_to_missing_accounts_is_a_reach_warning() -> None:
    report = report_of("failover-region-scoped-accounts")
    assert rules(report) == [(Level.WARNING, REACH, "data.accounts.scope")]
    message = report.findings[0].message
    assert "from us-east to us-west (after us-east fails)" in message
    assert "cannot log in there" in message and "(jurisdiction or global)" in message


def test_region_scoped_tokens_lose_sessions_after_failover() -> None:
    # tokens are not personal data by default: no residency finding, but users sign in again
    report = report_of("failover-region-scoped-tokens")
    assert rules(report) == [(Level.WARNING, REACH, "data.tokens.scope")]
    assert "lose their session there and must sign in again" in report.findings[0].message


def test_personal_tokens_unreachable_in_their_jurisdiction_are_a_reach_warning() -> None:
    spec = variant(
        "failover-region-scoped-tokens", "regions:", "residency: {personalData: [tokens]}\nregions:"
    )
    # no border crossed: the same finding as for tokens that are not personal data
    assert analyse(spec).findings == report_of("failover-region-scoped-tokens").findings


def test_audit_log_is_not_required_where_users_are_routed() -> None:
    # aws-global keeps the audit log per region, yet latency failover is fine: it is append-only
    report = analyse(load_stack(ROOT / "stacks" / "aws-global.yaml").spec)
    audit = [s for s in report.stores if s.data_class == "audit"]
    assert [len(s.places) for s in audit] == [1, 1, 1]
    assert report.findings == ()


# --- residency.global-hostname ----------------------------------------------------------------


def test_global_hostname_hints_each_jurisdiction_to_its_partition() -> None:
    report = report_of("sub-clusters-by-jurisdiction")
    assert report.findings == ()
    hints = {h.jurisdiction: h for h in report.hints}
    assert (
        hints["US"].countries == ("US",) and hints["US"].target_hostname == "login.us.example.com"
    )
    assert "DE" in hints["EU"].countries and "GB" not in hints["EU"].countries
    assert hints["EU"].target_hostname == "login.eu.example.com"


def test_global_hostname_equal_to_a_partition_hostname_breaks_the_rule() -> None:
    report = report_of("global-hostname-shadows-partition")
    assert rules(report) == [(Level.ERROR, GLOBAL_HOSTNAME, "dns.globalHostname")]
    assert "sub-cluster 'eu'" in report.findings[0].message


def test_global_hostname_without_sub_clusters_hints_nothing() -> None:
    # an ignored hint is not a residency matter: validate reports it once, as dns.global-hostname
    report = report_of("global-hostname-without-sub-clusters")
    assert report.findings == ()
    assert report.hints == ()


def test_second_partition_of_one_jurisdiction_is_never_hinted() -> None:
    spec = variant("sub-clusters-by-jurisdiction", "jurisdiction: US\n", "jurisdiction: EU\n")
    report = analyse(spec)
    assert [h.countries for h in report.hints][1] == ()
    found = [f for f in report.findings if f.rule == GLOBAL_HOSTNAME]
    assert (Level.WARNING, "subClusters[1].jurisdiction") in [(f.level, f.path) for f in found]


# --- stores, edges, paths ---------------------------------------------------------------------


def test_stores_per_data_class_with_regions_and_jurisdictions() -> None:
    report = analyse(load_stack(ROOT / "stacks" / "sovereign.yaml").spec)
    accounts = {s.sub_cluster: s for s in report.stores if s.data_class == "accounts"}
    assert set(accounts) == {"eu", "us", "cn"}
    eu = accounts["eu"]
    assert [p.region for p in eu.places] == ["eu-ie", "eu-de"]
    assert eu.jurisdictions == ("EU",) and eu.writer == "eu-ie" and eu.personal
    assert eu.shared_with == ("audit",)
    assert accounts["cn"].path == "subClusters[2].data.accounts"
    tokens = next(s for s in report.stores if s.data_class == "tokens" and s.sub_cluster == "eu")
    assert not tokens.personal and tokens.writer is None  # DynamoDB: every region writes


def test_cnpg_replicas_read_the_writers_backups_and_config_sync_follows_git() -> None:
    report = analyse(load_stack(ROOT / "stacks" / "mixed-ap.yaml").spec)
    kinds = [
        (e.kind, e.source.region if e.source else None, e.target.region, e.via)
        for e in report.edges
    ]
    assert kinds == [
        (EdgeKind.DATABASE_REPLICA, "aws-use1", "gcp-usc1", None),
        (EdgeKind.BACKUP_COPY, "aws-use1", "gcp-usc1", "object storage in aws-use1"),
        (EdgeKind.CONFIG_SYNC, "aws-use1", "gcp-usc1", "https://github.com/acme/idsvr-config.git"),
    ]
    config = report.edges[-1]
    assert config.data_classes == () and config.allowed and not config.cross_border


def test_multi_writer_store_replicates_every_way() -> None:
    report = analyse(load_stack(ROOT / "stacks" / "aws-global.yaml").spec)
    replicas = [e for e in report.edges if e.kind is EdgeKind.GLOBAL_TABLE_REPLICA]
    pairs = {(e.source.region if e.source else "", e.target.region) for e in replicas}
    assert len(pairs) == 6 and ("us-west", "us-east") in pairs and ("us-east", "us-west") in pairs
    assert all(e.data_classes == ("tokens", "accounts") for e in replicas)


def test_failover_paths_send_everyone_to_the_active_then_the_passive() -> None:
    report = analyse(load_stack(ROOT / "stacks" / "aws-ap.yaml").spec)
    assert [(p.users, p.when, [t.region for t in p.targets]) for p in report.paths] == [
        ("US", "normal", ["us-east"]),
        ("US", "after us-east fails", ["us-west"]),
    ]


def test_latency_paths_go_to_the_nearest_remaining_region() -> None:
    deployment = load_stack(ROOT / "stacks" / "aws-global.yaml").spec.deployments()[0]
    # Oregon's users fail over to Ohio, nearer than N. Virginia
    assert targets(deployment, "US", "us-west") == ("us-west",)
    assert targets(deployment, "US", "us-west", failed="us-west") == ("us-ohio",)
    assert targets(deployment, "US", "us-east", failed="us-east") == ("us-ohio",)
    moved = [r for r in routes(deployment) if r.failed is not None]
    assert {(r.near, r.failed) for r in moved} == {
        ("us-east", "us-east"),
        ("us-ohio", "us-ohio"),
        ("us-west", "us-west"),
    }


def test_geolocation_without_a_local_region_falls_back_to_the_default() -> None:
    spec = variant(
        "global-latency-jurisdiction-accounts", "routing: latency", "routing: geolocation"
    )
    deployment = spec.deployments()[0]
    assert targets(deployment, "EU", None) == ("eu-ie",)
    assert targets(deployment, "EU", None, failed="eu-ie") == ("us-east",)
    assert targets(deployment, "US", None, failed="us-east") == ("eu-ie",)
    report = analyse(spec)
    assert {f.rule for f in report.findings} == {FAILOVER}


GCP_GEOLOCATION = """\
apiVersion: regionkit/v1
name: acme-gcp
topology: global-cluster
consistency: strong
dns: {provider: cloud-dns, zone: example.com, hostname: login.example.com, routing: geolocation}
data:
  tokens: {engine: spanner, scope: jurisdiction}
  accounts: {engine: spanner, scope: jurisdiction}
  audit: {engine: spanner, scope: jurisdiction}
regions:
  - {id: us-east, cloud: gcp, location: us-east4, jurisdiction: US}
  - {id: eu-west, cloud: gcp, location: europe-west1, jurisdiction: BE}
  - {id: eu-north, cloud: gcp, location: europe-west4, jurisdiction: NL}
"""


def test_cloud_dns_geolocation_routes_to_the_nearest_region() -> None:
    deployment = load_stack_text(GCP_GEOLOCATION).spec.deployments()[0]
    # keyed by Google Cloud region, not by country: users near each region form a group
    assert user_groups(deployment) == [
        ("US", "us-east"),
        ("BE", "eu-west"),
        ("NL", "eu-north"),
    ]
    # no geo-fencing: a failed region's users go to the nearest other, not to the first
    assert targets(deployment, "BE", "eu-west", failed="eu-west") == ("eu-north",)
    report = analyse(load_stack_text(GCP_GEOLOCATION).spec)
    border = [f for f in report.findings if f.rule == ROUTING]
    assert [f.level for f in border] == [Level.WARNING] * 2  # accounts and audit
    assert "Cloud DNS geolocation" in border[0].message


def test_route53_geolocation_routes_by_jurisdiction() -> None:
    spec = load_stack_text(GCP_GEOLOCATION.replace("provider: cloud-dns", "provider: route53"))
    deployment = spec.spec.deployments()[0]
    assert user_groups(deployment) == [("US", None), ("BE", None), ("NL", None)]
    assert targets(deployment, "BE", None) == ("eu-west", "eu-north")  # one EU area
    assert [f for f in analyse(spec.spec).findings if f.rule == ROUTING] == []


def test_a_single_region_topology_reroutes_no_one() -> None:
    # a second region in single-region is a topology.shape finding, not a failover
    text = (FIXTURES / "failover-region-scoped-accounts.yaml").read_text()
    text = text.replace("topology: active-passive", "topology: single-region")
    report = analyse(load_stack_text(text).spec)
    assert report.findings == ()
    assert report.paths, "the DNS paths are still reported"


def test_an_active_passive_stack_without_an_active_region_is_analysed() -> None:
    # topology.role reports the missing active region; the analysis must not fail on it
    text = (FIXTURES / "active-passive-one-jurisdiction.yaml").read_text()
    text = text.replace("role: active", "role: passive")
    report = analyse(load_stack_text(text).spec)
    config = [e for e in report.edges if e.kind is EdgeKind.CONFIG_SYNC]
    assert [(e.source, e.target.region) for e in config] == [(None, "us-east"), (None, "us-west")]


def test_findings_point_at_the_key_that_is_written() -> None:
    # the eu sub-cluster sets data.tokens and inherits data.accounts: each finding and store
    # points where its setting is written, so a reviewer lands on the right line
    spec = variant(
        "sub-clusters-by-jurisdiction",
        "    dns: {hostname: login.eu.example.com, routing: latency}\n",
        "    dns: {hostname: login.eu.example.com, routing: latency}\n"
        "    data: {tokens: {engine: dynamodb, scope: region}}\n",
    )
    report = analyse(spec)
    assert rules(report) == [(Level.WARNING, REACH, "subClusters[0].data.tokens.scope")]
    stores = {(s.sub_cluster, s.data_class): s.path for s in report.stores}
    assert stores[("eu", "tokens")] == "subClusters[0].data.tokens"
    assert stores[("eu", "accounts")] == "data.accounts"  # inherited from the top level


def test_unknown_locations_count_near_within_a_jurisdiction() -> None:
    def region(rid: str, jurisdiction: str) -> RegionSpec:
        return RegionSpec(
            id=rid,
            cloud=Cloud.KUBERNETES,
            location=f"label-{rid}",
            jurisdiction=jurisdiction,
            cluster=ClusterSpec.model_validate({"kubeconfigContext": rid, "gatewayClass": "eg"}),
        )

    a, b, c = region("dc-se", "SE"), region("dc-de", "DE"), region("dc-us", "US")
    assert distance(a, a) == 0
    assert distance(a, b) < distance(a, c)  # SE and DE are both in the EU


def test_report_json_is_stable_and_complete() -> None:
    spec = spec_of("cross-border-undeclared")
    first, second = analyse(spec).to_json(), analyse(spec).to_json()
    assert json.dumps(first) == json.dumps(second)
    assert list(first) == [
        "stack",
        "topology",
        "stores",
        "edges",
        "paths",
        "globalHostname",
        "findings",
    ]
    replica = next(e for e in first["edges"] if e["kind"] == "database-replica")
    assert replica == {
        "deployment": "acme-uk",
        "subCluster": None,
        "kind": "database-replica",
        "dataClasses": ["accounts", "audit"],
        "personalData": ["accounts", "audit"],
        "engine": "aurora-postgresql",
        "from": {"region": "eu-ie", "jurisdiction": "EU"},
        "to": {"region": "gb-lon", "jurisdiction": "GB"},
        "crossBorder": True,
        "allowed": False,
        "via": None,
    }
    assert first["paths"][1] == {
        "deployment": "acme-uk",
        "subCluster": None,
        "hostname": "login.example.com",
        "routing": "failover",
        "users": "EU",
        "near": None,
        "when": "after eu-ie fails",
        "to": [{"region": "gb-lon", "jurisdiction": "GB"}],
    }
    assert [f["rule"] for f in first["findings"]] == [CROSS_BORDER, CROSS_BORDER]
