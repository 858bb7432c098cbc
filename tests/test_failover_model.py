"""The offline failure model: routing, reads and writes before and after the failover command,
RPO and RTO with sources, residency, and the article's scenarios with writes."""

from __future__ import annotations

import json
import textwrap

import pytest

from regionkit.catalog.engines import ENGINES, facts
from regionkit.catalog.failover import (
    CNPG_ARCHIVE_TIMEOUT_SECONDS,
    FAILOVER,
    failover_facts,
    rollout,
)
from regionkit.errors import InvalidInput
from regionkit.failover import Can, Failure, scenarios, simulate
from regionkit.model import resolve
from regionkit.spec.loader import load_stack, load_stack_text
from regionkit.spec.models import Engine, StackSpec
from tests.conftest import STACKS

EXAMPLES = ["aws-ap", "aws-global", "dev", "gcp-ap", "gcp-global", "mixed-ap", "sovereign"]


def spec_of(name: str) -> StackSpec:
    return load_stack(STACKS / f"{name}.yaml").spec


def only(spec: StackSpec, region: str) -> Failure:
    (found,) = simulate(spec, region, "env")
    return found


def access_of(failure: Failure, region: str, data_class: str) -> tuple[Can, Can, Can, Can]:
    row = next(a for a in failure.access if a.region == region and a.data_class == data_class)
    return row.before.reads, row.before.writes, row.after.reads, row.after.writes


# --- every example stack ------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_failure_of_every_example_is_consistent(name: str) -> None:
    spec = spec_of(name)
    failures = simulate(spec, stack=name)
    assert [f.failed for f in failures] == [r.id for _, r in spec.all_regions()]
    for f in failures:
        assert all(a.region != f.failed for a in f.access), "the lost region serves nothing"
        assert all(f.failed not in r.after for r in f.routes), "DNS never answers a lost region"
        for store in f.stores:
            assert f.failed in store.regions
            assert store.writer_after != f.failed
            if store.promotion is not None:
                assert store.writer_before == f.failed and store.writer_after == f.target
        if f.command is not None:
            assert f.command == f"regionkit failover {name} --to {f.target}"
        # one JSON document, with a verdict before and after the command for every scenario
        document = json.loads(json.dumps(f.to_json()))
        for s in document["scenarios"]:
            assert {"beforeFailover", "afterFailover", "ok"} <= set(s["login"])


def test_aurora_writes_fail_in_the_passive_region_until_the_failover_command() -> None:
    f = only(spec_of("aws-ap"), "us-east")
    assert f.target == "us-west"
    assert f.command == "regionkit failover env --to us-west"
    assert access_of(f, "us-west", "accounts") == (Can.YES, Can.NO, Can.YES, Can.YES)
    # DynamoDB global tables: every replica writes, before and after
    assert access_of(f, "us-west", "tokens") == (Can.YES, Can.YES, Can.YES, Can.YES)
    aurora = next(s for s in f.stores if s.engine == "aurora-postgresql")
    assert (aurora.writer_before, aurora.writer_after) == ("us-east", "us-west")
    assert aurora.rpo == failover_facts(Engine.AURORA_POSTGRESQL).rpo
    assert "FailoverGlobalCluster" in aurora.action
    dynamodb = next(s for s in f.stores if s.engine == "dynamodb")
    assert dynamodb.promotion is None and dynamodb.writer_before is None
    # login writes tokens (DynamoDB), reads accounts (the Aurora replica): it works at once
    (scenario,) = f.scenarios
    assert scenario.ok and scenario.command is None


def test_rto_adds_dns_promotion_and_the_identity_server_switch_each_with_a_source() -> None:
    spec = spec_of("aws-ap")
    f = only(spec, "us-east")
    timing = resolve(spec.deployments()[0]).timing
    promotion = failover_facts(Engine.AURORA_POSTGRESQL).promotion
    assert promotion is not None and promotion.worst_case_seconds is not None
    switch = rollout().worst_case_seconds
    assert switch is not None
    assert f.rto.reads_seconds == timing.worst_case_seconds
    assert f.rto.writes_seconds == timing.worst_case_seconds + promotion.worst_case_seconds + switch
    assert all(t.source.text for t in f.rto.terms)
    assert any("promotion" in t.term and not t.source.documented for t in f.rto.terms)
    assert any("run" in c and "failover command" in c for c in f.rto.caveats)


def test_losing_the_passive_region_promotes_nothing_and_moves_no_one() -> None:
    f = only(spec_of("aws-ap"), "us-west")
    assert f.command is None
    assert not any(r.moved for r in f.routes)
    assert f.rto.reads_seconds == 0 and f.rto.writes_seconds == 0
    aurora = next(s for s in f.stores if s.engine == "aurora-postgresql")
    assert aurora.writer_after == "us-east" and aurora.rpo is None
    assert "nothing lost" in aurora.rpo_note


def test_cloud_sql_tokens_make_every_scenario_fail_until_the_failover_command() -> None:
    f = only(spec_of("gcp-ap"), "eu-be")
    (scenario,) = f.scenarios
    for check in (scenario.login, scenario.session, scenario.refresh):
        assert not check.verdict.ok and check.until_failover
        assert check.after.ok and not check.before.ok
        assert "cannot be written in eu-nl" in (check.before.reason or "")
        assert check.before.fix == "run `regionkit failover env --to eu-nl`"
    assert scenario.command == "regionkit failover env --to eu-nl"
    # the promoted replica keeps its private IP: no rollout of the identity server
    assert not any("identity server" in t.term for t in f.rto.terms)
    assert f.residency_holds


def test_cnpg_rpo_is_the_wal_archive_interval_the_component_configures() -> None:
    from regionkit.components.data import cnpg

    assert f"{CNPG_ARCHIVE_TIMEOUT_SECONDS}s" == cnpg.ARCHIVE_TIMEOUT
    f = only(spec_of("mixed-ap"), "aws-use1")
    (store,) = f.stores
    assert store.replication == "wal-archive"
    assert store.rpo is not None and store.rpo.worst_case_seconds == CNPG_ARCHIVE_TIMEOUT_SECONDS
    assert (store.writer_before, store.writer_after) == ("aws-use1", "gcp-usc1")


def test_dynamodb_global_cluster_needs_no_failover_command() -> None:
    f = only(spec_of("aws-global"), "us-east")
    assert f.command is None
    assert f.rto.writes_seconds == f.rto.reads_seconds
    assert any(a.data_class != "audit" for a in f.access)
    for a in f.access:
        if a.data_class != "audit":
            assert (a.before.writes, a.after.writes) == (Can.YES, Can.YES)
    assert all(s.ok for s in f.scenarios)


def test_partitioned_replicas_stay_read_only_after_the_writer_moves() -> None:
    f = only(spec_of("gcp-global"), "us-central")
    assert f.target == "us-east"
    assert access_of(f, "us-east", "tokens") == (Can.YES, Can.NO, Can.YES, Can.YES)
    # a region that is neither lost nor promoted reads a replica of the new writer
    assert access_of(f, "us-west", "tokens")[3] is Can.NO
    row = next(a for a in f.access if a.region == "us-west" and a.data_class == "tokens")
    assert "replica of the writer us-east" in row.after.why


def test_losing_the_only_region_leaves_nothing_to_serve() -> None:
    f = only(spec_of("dev"), "home")
    assert f.target is None and f.command is None
    assert f.rto.reads_seconds is None and f.rto.writes_seconds is None
    assert all(r.after == () for r in f.routes)
    assert all("unavailable until home returns" in s.rpo_note for s in f.stores)


def test_a_sub_cluster_failure_stays_in_its_partition() -> None:
    spec = spec_of("sovereign")
    f = only(spec, "eu-ie")
    assert f.sub_cluster == "eu" and f.target == "eu-de"
    assert {a.region for a in f.access} == {"eu-de"}
    assert f.residency_holds
    assert only(spec, "cn-north").target is None


def test_unknown_region_names_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match="regions: us-east, us-west"):
        simulate(spec_of("aws-ap"), "mars")


# --- every engine ------------------------------------------------------------------------------

CLOUD = {
    Engine.AURORA_POSTGRESQL: ("aws", "us-east-1", "us-west-2"),
    Engine.DYNAMODB: ("aws", "us-east-1", "us-west-2"),
    Engine.CLOUDSQL_POSTGRESQL: ("gcp", "us-central1", "us-east1"),
    Engine.CNPG: ("kubernetes", "dc-1", "dc-2"),
    Engine.EXTERNAL: ("aws", "us-east-1", "us-west-2"),
    Engine.AURORA_DSQL: ("aws", "us-east-1", "us-east-2"),
    Engine.SPANNER: ("gcp", "us-central1", "us-east1"),
}


def active_passive(engine: Engine, *, scope: str = "global", extra: str = "") -> StackSpec:
    cloud, first, second = CLOUD[engine]
    connection = ", connection: {secretName: db}" if engine is Engine.EXTERNAL else ""
    cluster = "kubeconfigContext: ctx, gatewayClass: eg" if cloud == "kubernetes" else ""
    text = f"""
    apiVersion: regionkit/v1
    name: acme
    topology: active-passive
    dns: {{provider: route53, zone: example.com, hostname: login.example.com}}
    data:
      tokens: {{engine: {engine}, scope: {scope}{connection}}}
      accounts: {{engine: {engine}, scope: {scope}{connection}}}
      audit: {{engine: {engine}, scope: {scope}{connection}}}
    {extra}
    regions:
      - {{id: one, cloud: {cloud}, location: {first}, jurisdiction: US, role: active,
         cluster: {{{cluster}}}}}
      - {{id: two, cloud: {cloud}, location: {second}, jurisdiction: US, role: passive,
         cluster: {{{cluster}}}}}
    """
    return load_stack_text(textwrap.dedent(text)).spec


def test_every_engine_has_failover_facts_matching_its_writers() -> None:
    assert set(FAILOVER) == set(ENGINES) == set(Engine)
    for engine, known in FAILOVER.items():
        single = facts(engine).single_writer
        assert (known.promotion is not None) is single, engine
        assert known.failover_action and known.switchover_action, engine


@pytest.mark.parametrize("engine", list(Engine))
def test_each_engine_reads_and_writes_in_the_passive_region_as_its_writers_allow(
    engine: Engine,
) -> None:
    f = only(active_passive(engine), "one")
    before_reads, before_writes, after_reads, after_writes = access_of(f, "two", "accounts")
    if engine is Engine.EXTERNAL:
        # a shared database regionkit does not manage: nothing is known of its failover
        assert (before_writes, after_writes) == (Can.UNKNOWN, Can.UNKNOWN)
        assert f.command is None
    elif facts(engine).single_writer:
        assert (before_reads, before_writes, after_reads, after_writes) == (
            Can.YES,
            Can.NO,
            Can.YES,
            Can.YES,
        )
        assert f.command == "regionkit failover env --to two"
        assert [s.promotion for s in f.stores] == [failover_facts(engine).promotion]
        (scenario,) = f.scenarios
        assert scenario.session.until_failover and scenario.refresh.until_failover
    else:
        assert (before_writes, after_writes) == (Can.YES, Can.YES)
        assert f.command is None
        assert all(s.ok for s in f.scenarios)


def test_region_scoped_external_audit_is_taken_as_declared() -> None:
    f = only(spec_of("aws-global"), "us-east")
    assert access_of(f, "us-ohio", "audit") == (Can.YES, Can.YES, Can.YES, Can.YES)


# --- residency ---------------------------------------------------------------------------------


def test_reversed_replication_after_a_promotion_breaks_residency() -> None:
    extra = "residency: {crossBorder: [{from: US, to: EU}]}"
    spec = active_passive(Engine.AURORA_POSTGRESQL, extra=extra)
    spec = spec.model_copy(
        update={
            "regions": [
                spec.regions[0],
                spec.regions[1].model_copy(update={"location": "eu-west-1", "jurisdiction": "EU"}),
            ]
        }
    )
    f = only(spec, "one")
    assert not f.residency_holds
    assert any("written in two (EU)" in b and "to one (US)" in b for b in f.residency)
    # US users sent to EU: allowed by crossBorder, so routing alone breaks nothing
    assert not any(b.startswith("users of US") for b in f.residency)


def test_failover_to_another_jurisdiction_breaks_residency() -> None:
    spec = load_stack(
        STACKS.parent / "tests" / "fixtures" / "stacks" / "breaks-residency-failover.yaml"
    ).spec
    broken = [f for f in simulate(spec) if not f.residency_holds]
    assert broken
    assert any("outside their jurisdiction" in b for f in broken for b in f.residency)


# --- the plan's scenarios ----------------------------------------------------------------------


def test_plan_scenarios_never_call_a_scenario_working_when_its_writes_fail() -> None:
    found = scenarios(spec_of("gcp-ap"), "gcp-ap")
    assert found
    for s in found:
        document = s.to_json()
        for check in ("login", "session", "refresh"):
            verdict = document[check]
            assert verdict["ok"] == (
                verdict["beforeFailover"]["ok"] and verdict["afterFailover"]["ok"]
            )
            assert not verdict["ok"]
        assert document["failoverCommand"] == "regionkit failover gcp-ap --to eu-nl"


def test_plan_scenarios_keep_the_residency_verdicts() -> None:
    from regionkit.residency import scenarios as reach

    spec = spec_of("aws-global")
    assert [s.to_json()["from"] for s in scenarios(spec)] == [s.home.region for s in reach(spec)]
