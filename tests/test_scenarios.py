"""The seed article's three test scenarios (login, session, refresh) for every reroute."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionkit.errors import InvalidInput
from regionkit.residency import Scenario, evaluate, scenarios
from regionkit.spec import load_stack, load_stack_text
from regionkit.spec.models import StackSpec
from tests.conftest import ROOT, example_stacks

FIXTURES = ROOT / "tests" / "fixtures" / "residency"


def spec_of(name: str) -> StackSpec:
    return load_stack(FIXTURES / f"{name}.yaml").spec


def moves(found: list[Scenario]) -> list[tuple[str, str, str]]:
    return [(s.home.region, s.target.region, s.when) for s in found]


def test_single_region_has_nothing_to_reroute_to() -> None:
    assert scenarios(load_stack(ROOT / "stacks" / "dev.yaml").spec) == []


@pytest.mark.parametrize("stack", example_stacks(), ids=lambda p: p.stem)
def test_example_stacks_pass_every_scenario(stack: Path) -> None:
    spec = load_stack(stack).spec
    found = scenarios(spec)
    multi_region = [d for d in spec.deployments() if len(d.regions) > 1]
    assert {s.sub_cluster for s in found} == {d.sub_cluster for d in multi_region}
    assert [s for s in found if not s.ok] == []


def test_active_passive_in_one_jurisdiction_passes_every_scenario() -> None:
    (scenario,) = scenarios(spec_of("active-passive-one-jurisdiction"))
    assert scenario.to_json() == {
        "deployment": "acme-ap",
        "subCluster": None,
        "from": "us-east",
        "fromJurisdiction": "US",
        "to": "us-west",
        "toJurisdiction": "US",
        "when": "after us-east fails",
        "login": {"ok": True, "reason": None, "fix": None},
        "session": {"ok": True, "reason": None, "fix": None},
        "refresh": {"ok": True, "reason": None, "fix": None},
    }


def test_region_scoped_tokens_fail_session_and_refresh_after_failover() -> None:
    (scenario,) = scenarios(spec_of("failover-region-scoped-tokens"))
    assert scenario.when == "after us-east fails"
    assert scenario.login.ok
    assert not scenario.session.ok and not scenario.refresh.ok
    assert scenario.session.reason is not None
    assert (
        "tokens (sessions, delegations, nonces) written at us-east (US)" in scenario.session.reason
    )
    assert "not replicated to us-west (US)" in scenario.session.reason
    assert (
        scenario.session.fix is not None
        and "data.tokens.scope: jurisdiction" in scenario.session.fix
    )


def test_global_cluster_with_jurisdiction_accounts_and_latency_fails_login() -> None:
    found = scenarios(spec_of("global-latency-jurisdiction-accounts"))
    assert moves(found) == [
        ("us-east", "eu-ie", "after us-east fails"),
        ("eu-ie", "us-east", "after eu-ie fails"),
        ("ap-sg", "eu-ie", "after ap-sg fails"),
    ]
    for scenario in found:
        assert not scenario.login.ok
        assert scenario.login.reason is not None and "not replicated" in scenario.login.reason
        assert scenario.login.fix is not None
        assert "sub-clusters" in scenario.login.fix and "geolocation routing" in scenario.login.fix
        # tokens are global and the keys shared: the session survives, the login does not
        assert scenario.session.ok and scenario.refresh.ok


def test_residency_forbids_login_where_accounts_are_replicated_unlawfully() -> None:
    found = scenarios(spec_of("global-violates-residency"))
    assert found, "a three-region global cluster reroutes after failures"
    for scenario in found:
        assert not scenario.login.ok
        assert scenario.login.reason is not None
        assert scenario.login.reason.startswith("residency forbids it")
        assert scenario.login.fix is not None and "residency.crossBorder" in scenario.login.fix


def test_cross_border_entry_lets_users_log_in_after_failover() -> None:
    (declared,) = scenarios(spec_of("cross-border-declared"))
    assert declared.ok
    (undeclared,) = scenarios(spec_of("cross-border-undeclared"))
    assert not undeclared.login.ok
    assert undeclared.login.reason is not None and "EU -> GB" in undeclared.login.reason
    assert undeclared.session.ok  # tokens are not personal data


def test_weighted_routing_fails_only_the_moves_across_jurisdictions() -> None:
    found = scenarios(spec_of("routing-weighted-across-jurisdictions"))
    assert all(s.when == "normal" for s in found)
    for scenario in found:
        across = scenario.home.jurisdiction != scenario.target.jurisdiction
        assert scenario.login.ok is not across
        assert scenario.session.ok is not across  # tokens are jurisdiction-scoped too
    assert len(found) == 12


def test_sub_clusters_never_route_users_across_partitions() -> None:
    spec = spec_of("sub-clusters-by-jurisdiction")
    regions = {d.sub_cluster: {r.id for r in d.regions} for d in spec.deployments()}
    found = scenarios(spec)
    assert moves(found) == [
        ("eu-ie", "eu-de", "after eu-ie fails"),
        ("eu-de", "eu-ie", "after eu-de fails"),
        ("us-east", "us-west", "after us-east fails"),
    ]
    for scenario in found:
        assert {scenario.home.region, scenario.target.region} <= regions[scenario.sub_cluster]


def test_a_user_sent_to_another_partition_meets_no_data_and_no_keys() -> None:
    scenario = evaluate(spec_of("sub-clusters-by-jurisdiction"), "eu-ie", "us-east")
    assert (scenario.login.ok, scenario.session.ok, scenario.refresh.ok) == (False, False, False)
    assert scenario.session.reason is not None
    assert "partitions share no data" in scenario.session.reason
    assert "SSO cookie key and config encryption key" in scenario.session.reason
    assert scenario.refresh.reason is not None and "token signing key" in scenario.refresh.reason


def test_evaluate_within_a_deployment_matches_scenarios() -> None:
    spec = spec_of("failover-region-scoped-tokens")
    (listed,) = scenarios(spec)
    assert evaluate(spec, "us-east", "us-west", failed="us-east") == listed


def test_evaluate_names_an_unknown_region() -> None:
    with pytest.raises(InvalidInput, match=r"no region 'nowhere'.*us-east, us-west"):
        evaluate(spec_of("active-passive-one-jurisdiction"), "us-east", "nowhere")


def test_jurisdiction_scoped_accounts_in_an_eu_active_passive_pass() -> None:
    text = (FIXTURES / "active-passive-one-jurisdiction.yaml").read_text()
    text = text.replace("scope: global", "scope: jurisdiction")
    text = text.replace(
        "location: us-east-1, jurisdiction: US", "location: eu-west-1, jurisdiction: IE"
    )
    text = text.replace(
        "location: us-west-2, jurisdiction: US", "location: eu-central-1, jurisdiction: DE"
    )
    (scenario,) = scenarios(load_stack_text(text).spec)
    # IE and DE are one EU area for transfers, but jurisdiction scope keeps a store per code
    assert not scenario.login.ok
    assert (
        scenario.login.reason is not None
        and "not replicated to us-west (DE)" in scenario.login.reason
    )
    assert scenario.login.fix is not None
    assert "data.accounts.scope: global, or declare both regions with one jurisdiction" in (
        scenario.login.fix
    )
