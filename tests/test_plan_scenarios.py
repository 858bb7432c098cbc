"""The plan carries the article's three test scenarios (JSON `scenarios`, a Markdown section)."""

from __future__ import annotations

from regionkit.plan.render import render_markdown
from regionkit.plan.runner import plan_stack
from regionkit.spec.loader import load_stack
from tests.conftest import ROOT, STACKS
from tests.example_plans import example_plan

LAWFUL_REROUTE = ROOT / "tests" / "fixtures" / "residency" / "global-latency-lawful-reroute.yaml"


def test_jurisdiction_accounts_behind_latency_routing_fail_login_in_the_plan() -> None:
    plan = plan_stack(load_stack(LAWFUL_REROUTE))
    scenarios = plan["scenarios"]
    assert scenarios, "a three-region global cluster has reroutes to evaluate"
    failing = [s for s in scenarios if not s["login"]["ok"]]
    assert failing
    for s in failing:
        assert s["fromJurisdiction"] != s["toJurisdiction"]
        fix = s["login"]["fix"]
        assert "sub-clusters" in fix and "geolocation" in fix
    # tokens are global: sessions and refresh survive the reroute
    assert all(s["session"]["ok"] and s["refresh"]["ok"] for s in scenarios)
    markdown = render_markdown(plan)
    assert "### Multi-region test scenarios" in markdown
    assert "| acme-lat | us-east | eu-ie | after us-east fails | ❌ | ✅ | ✅ |" in markdown
    assert "Why not:" in markdown


def test_active_passive_in_one_jurisdiction_passes_every_scenario() -> None:
    plan = example_plan(STACKS / "aws-ap.yaml")
    scenarios = plan["scenarios"]
    assert {(s["from"], s["to"]) for s in scenarios} >= {("us-east", "us-west")}
    assert all(s[c]["ok"] for s in scenarios for c in ("login", "session", "refresh"))


def test_single_region_has_no_reroutes() -> None:
    plan = example_plan(STACKS / "dev.yaml")
    assert plan["scenarios"] == []
    assert "nothing to reroute to" in render_markdown(plan)
