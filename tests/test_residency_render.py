"""The residency report and scenarios as a compliance reviewer reads them."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest
from rich.console import Console

from regionkit.findings import error
from regionkit.residency import analyse, scenarios
from regionkit.residency.render import render_report, report_markdown, scenarios_markdown
from regionkit.spec import load_stack
from regionkit.spec.models import StackSpec
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "residency"


def spec_of(name: str) -> StackSpec:
    return load_stack(FIXTURES / f"{name}.yaml").spec


def printed(name: str, fmt: str, with_scenarios: bool = False) -> str:
    spec = spec_of(name)
    buffer = io.StringIO()
    console = Console(file=buffer, width=400, color_system=None)
    render_report(analyse(spec), fmt, console, scenarios(spec) if with_scenarios else None)
    return buffer.getvalue()


def test_markdown_shows_stores_edges_paths_and_findings() -> None:
    text = report_markdown(analyse(spec_of("cross-border-undeclared")))
    assert text.startswith("## Data residency: acme-uk (active-passive)\n")
    assert (
        "| acme-uk | accounts | yes | aurora-postgresql | global | eu-ie, gb-lon | EU, GB |" in text
    )
    assert (
        "| acme-uk | database replica | accounts, audit | eu-ie (EU) | gb-lon (GB) | yes | NO |"
        in text
    )
    assert (
        "| acme-uk | login.example.com | failover | GB | after eu-ie fails | gb-lon (GB) |" in text
    )
    assert "| error | residency.cross-border | `data.accounts.scope` |" in text


def test_markdown_says_when_nothing_leaves_a_region() -> None:
    text = report_markdown(analyse(load_stack(ROOT / "stacks" / "dev.yaml").spec))
    assert "No data or configuration leaves the region it is written in." in text
    assert "No residency findings." in text


def test_markdown_lists_the_global_hostname_hint() -> None:
    text = report_markdown(analyse(spec_of("sub-clusters-by-jurisdiction")))
    assert "### Global hostname login.example.com (a hint, not enforcement)" in text
    assert "| US | US | login.us.example.com |" in text


def test_markdown_escapes_pipes_in_cells() -> None:
    report = analyse(spec_of("active-passive-one-jurisdiction"))
    report = dataclasses.replace(report, findings=(error("residency.routing", "dns", "a|b"),))
    assert "| error | residency.routing | `dns` | a\\|b |" in report_markdown(report)


def test_scenarios_markdown_has_a_table_per_deployment_with_verdicts() -> None:
    text = scenarios_markdown(scenarios(spec_of("sub-clusters-by-jurisdiction")))
    assert "### acme-sub/eu" in text and "### acme-sub/us" in text
    assert "| us-east (US) | us-west (US) | after us-east fails | ✅ | ✅ | ✅ |" in text


def test_scenarios_markdown_gives_the_reason_and_fix_of_a_failure() -> None:
    text = scenarios_markdown(scenarios(spec_of("failover-region-scoped-tokens")))
    row = next(line for line in text.splitlines() if line.startswith("| us-east (US)"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:4] == ["us-east (US)", "us-west (US)", "after us-east fails", "✅"]
    assert cells[4].startswith("❌ tokens (sessions, delegations, nonces) written at us-east")
    assert "Fix: replicate it between us-east and us-west" in cells[4]
    assert cells[5].startswith("❌")


def test_scenarios_markdown_without_multi_region_deployments() -> None:
    assert "nothing to reroute to" in scenarios_markdown([])


def test_render_json_is_the_report_json() -> None:
    document = json.loads(printed("global-violates-residency", "json"))
    assert document == analyse(spec_of("global-violates-residency")).to_json()
    with_scenarios = json.loads(printed("global-violates-residency", "json", with_scenarios=True))
    assert [s["login"]["ok"] for s in with_scenarios["scenarios"]] == [False, False, False]


def test_render_markdown_is_report_markdown_then_scenarios() -> None:
    spec = spec_of("active-passive-one-jurisdiction")
    text = printed("active-passive-one-jurisdiction", "markdown", with_scenarios=True)
    assert text.startswith(report_markdown(analyse(spec)))
    assert scenarios_markdown(scenarios(spec)) in text


def test_render_table_keeps_bracketed_text_and_lists_scenarios() -> None:
    text = printed("global-latency-jurisdiction-accounts", "table", with_scenarios=True)
    for title in (
        "Data stores of acme-lat",
        "Replication between regions",
        "DNS paths",
        "Residency findings",
        "Multi-region test scenarios",
    ):
        assert title in text
    # crossBorder suggestions are in brackets, which rich markup would swallow
    assert "[{from: US, to: EU}]" in text
    assert "after us-east fails" in text and "❌" in text


def test_render_rejects_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="table, json or markdown"):
        printed("active-passive-one-jurisdiction", "yaml")
