"""The latency map: catalog data, the model, routing per policy, figures, failures, advice."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regionkit.catalog.countries import countries, countries_of, country
from regionkit.catalog.regions import EU_MEMBER_STATES
from regionkit.cli import app
from regionkit.errors import InvalidInput
from regionkit.latency import DEFAULT_MODEL, latency_map, load_users, parse_users, suggest
from regionkit.latency.figures import weighted_percentile
from regionkit.latency.suggest import candidates
from regionkit.residency import analyse
from regionkit.spec.loader import load_stack
from regionkit.spec.models import StackSpec
from tests.conftest import ROOT, example_stacks
from tests.example_plans import example_plan

RESIDENCY = ROOT / "tests" / "fixtures" / "residency"
runner = CliRunner()


def spec_of(path: Path) -> StackSpec:
    return load_stack(path).spec


def placement(report, code: str):
    return next(p for p in report.placements if p.country == code)


def regions_of(report, code: str) -> list[str]:
    return [t.region for t in placement(report, code).targets]


# --- catalog --------------------------------------------------------------------------------


def test_every_country_has_a_centre_and_a_population() -> None:
    table = countries()
    assert len(table) > 240
    for code, c in table.items():
        assert len(code) == 2 and code.isupper()
        assert -90 <= c.lat <= 90 and -180 <= c.lon <= 180
        assert c.population > 0
    # population-weighted centres sit where people live, not at the geographic middle
    assert 38 < country("US").lat < 40 and -95 < country("US").lon < -85
    assert 45 < country("CA").lat < 50  # southern Canada, far below its geographic centre (~62)


def test_country_codes_people_write_are_understood() -> None:
    assert country("UK").code == "GB"
    assert country("el").code == "GR"
    assert country("XX") is None
    assert {c.code for c in countries_of("EU")} == EU_MEMBER_STATES


# --- model ----------------------------------------------------------------------------------


def test_round_trip_grows_with_distance_from_the_access_term() -> None:
    assert DEFAULT_MODEL.rtt_ms(50, 8, 50, 8) == pytest.approx(DEFAULT_MODEL.access_ms)
    near = DEFAULT_MODEL.rtt_ms(50, 8, 51, 8)
    far = DEFAULT_MODEL.rtt_ms(50, 8, 40, -75)
    assert DEFAULT_MODEL.access_ms < near < far
    # Frankfurt - New York: 6,200 km of great circle is 62 ms of light in fibre; stretched ~ 103
    assert 90 < far < 115


def test_weighted_percentile() -> None:
    samples = [(10.0, 1.0), (20.0, 1.0), (100.0, 2.0)]
    assert weighted_percentile(samples, 0.5) == 20.0
    assert weighted_percentile(samples, 0.95) == 100.0
    assert weighted_percentile([], 0.5) is None


# --- routing per policy -----------------------------------------------------------------------


def test_latency_routing_sends_each_country_to_its_nearest_region() -> None:
    spec = spec_of(RESIDENCY / "global-latency-lawful-reroute.yaml")
    report = latency_map(spec, parse_users("DE=1,IE=1,US=1"))
    by_id = {r.id: r.location for r in spec.regions or []}
    assert by_id[regions_of(report, "IE")[0]] == "eu-west-1"
    assert by_id[regions_of(report, "US")[0]].startswith("us-")
    assert placement(report, "DE").routing == "latency"
    assert placement(report, "DE").rtt_ms < placement(report, "US").rtt_ms + 100


def test_weighted_routing_spreads_each_country_over_every_region() -> None:
    report = latency_map(
        spec_of(RESIDENCY / "routing-weighted-across-jurisdictions.yaml"), parse_users("DE=1")
    )
    de = placement(report, "DE")
    assert [t.region for t in de.targets] == ["us-east", "us-west", "eu-ie", "eu-de"]
    assert all(t.share == pytest.approx(0.25) for t in de.targets)
    assert de.rtt_ms == pytest.approx(sum(t.rtt_ms for t in de.targets) / 4)


def test_geolocation_keeps_users_in_their_jurisdiction_else_the_default_region() -> None:
    report = latency_map(
        spec_of(RESIDENCY / "routing-geolocation-per-jurisdiction.yaml"),
        parse_users("DE=1,US=1,JP=1"),
    )
    assert regions_of(report, "DE") == ["eu-ie", "eu-de"]
    assert regions_of(report, "US") == ["us-east", "us-west"]
    assert regions_of(report, "JP") == ["us-east"]  # no local record: the default, first region


def test_failover_sends_everyone_to_the_active_region_then_the_passive() -> None:
    report = latency_map(spec_of(ROOT / "stacks" / "aws-ap.yaml"), parse_users("US=1,DE=1"))
    spec = spec_of(ROOT / "stacks" / "aws-ap.yaml")
    active = next(r.id for r in spec.regions or [] if r.role == "active")
    passive = next(r.id for r in spec.regions or [] if r.role == "passive")
    assert regions_of(report, "US") == regions_of(report, "DE") == [active]
    failure = next(f for f in report.failures if f.region == active)
    assert {p.country for p in failure.moved} == {"US", "DE"}
    assert all([t.region for t in p.targets] == [passive] for p in failure.moved)
    assert next(f for f in report.failures if f.region == passive).moved == ()


def test_sub_clusters_serve_each_country_from_its_partition_and_hostname() -> None:
    report = latency_map(spec_of(ROOT / "stacks" / "sovereign.yaml"), parse_users("DE=1,US=1,JP=1"))
    de, us, jp = (placement(report, c) for c in ("DE", "US", "JP"))
    assert (de.sub_cluster, de.hostname, de.jurisdiction) == ("eu", "login.eu.example.com", "EU")
    assert (us.sub_cluster, us.hostname) == ("us", "login.us.example.com")
    # Japan has no partition: the one with the nearest region; the China partition's region is
    # a kubernetes label of unknown location, so the nearest known region wins
    assert jp.sub_cluster in {"eu", "us"} and jp.rtt_ms is not None
    cn = latency_map(spec_of(ROOT / "stacks" / "sovereign.yaml"), parse_users("CN=1"))
    assert placement(cn, "CN").rtt_ms is None and cn.overall.unknown == 1.0


def test_default_users_are_the_populations_of_the_stack_jurisdictions() -> None:
    report = latency_map(spec_of(ROOT / "stacks" / "sovereign.yaml"))
    assert set(report.users.weights) == EU_MEMBER_STATES | {"US", "CN"}
    assert report.users.weights["DE"] == country("DE").population
    assert set(report.jurisdictions) == {"EU", "US", "CN"}


def test_losing_the_only_region_leaves_its_users_unserved() -> None:
    single = ROOT / "tests" / "fixtures" / "stacks" / "keeps-topology-shape-single-region.yaml"
    report = latency_map(spec_of(single))
    (failure,) = report.failures
    assert failure.overall.unserved == 1.0 and failure.overall.p95_ms is None
    assert report.overall.unserved == 0.0 and report.overall.p95_ms is not None


def test_figures_per_jurisdiction_and_overall_are_population_weighted() -> None:
    spec = spec_of(RESIDENCY / "global-latency-lawful-reroute.yaml")
    report = latency_map(spec, parse_users("DE=9,US=1"))
    de, us = placement(report, "DE").rtt_ms, placement(report, "US").rtt_ms
    assert report.jurisdictions["US"].p50_ms == us
    # 90 % of users are German: the median is theirs, the 95th percentile the Americans'
    assert report.overall.p50_ms == de
    assert report.overall.p95_ms == max(de, us)


# --- users ------------------------------------------------------------------------------------


def test_users_on_the_command_line() -> None:
    assert parse_users("de=40, UK=10").weights == {"DE": 40.0, "GB": 10.0}
    for bad, says in (
        ("DE", "COUNTRY=WEIGHT"),
        ("XX=1", "'XX'"),
        ("DE=-1", "positive"),
        ("DE=a", "number"),
    ):
        with pytest.raises(InvalidInput, match=says):
            parse_users(bad)


def test_users_file_errors_name_file_line_and_key(tmp_path: Path) -> None:
    good = tmp_path / "users.yaml"
    good.write_text("DE: 40\nFR: 25\n")
    assert load_users(good).weights == {"DE": 40.0, "FR": 25.0}
    bad = tmp_path / "bad.yaml"
    bad.write_text("DE: 40\nZZ: 3\n")
    with pytest.raises(InvalidInput, match=r"bad\.yaml:2: key ZZ: 'ZZ' is not an ISO 3166"):
        load_users(bad)
    bad.write_text("DE: 40\nFR: lots\n")
    with pytest.raises(InvalidInput, match=r"bad\.yaml:2: key FR: weight 'lots' is not a number"):
        load_users(bad)


def test_a_users_file_that_is_no_regular_file_is_refused_unread(tmp_path: Path) -> None:
    fifo = tmp_path / "users.fifo"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    result = runner.invoke(
        app, ["latency", str(ROOT / "stacks" / "dev.yaml"), "--users-file", str(fifo)]
    )
    assert result.exit_code == 2
    assert "not a regular file (a FIFO)" in result.stderr and "Traceback" not in result.stderr


# --- suggestions and residency ------------------------------------------------------------------


def test_suggestions_lower_the_p95_best_first() -> None:
    spec = spec_of(ROOT / "tests" / "fixtures" / "latency" / "global-us-eu.yaml")
    users = parse_users("US=50,DE=30,GB=20")
    before = latency_map(spec, users).overall.p95_ms
    found = suggest(spec, 3, users)
    assert 1 <= len(found) <= 3
    assert all(s.overall.p95_ms < before for s in found)
    assert [s.overall.p95_ms for s in found] == sorted(s.overall.p95_ms for s in found)


def test_a_us_only_stack_is_never_offered_a_region_abroad() -> None:
    spec = spec_of(ROOT / "stacks" / "aws-global.yaml")  # personal data, no crossBorder
    assert {c.jurisdiction for c in candidates(spec)} == {"US"}
    found = suggest(spec, 5, parse_users("US=50,JP=50"))
    assert all(s.jurisdiction == "US" for s in found)


def _with_candidate(spec: StackSpec, deployment: int, region: dict) -> StackSpec:
    data = spec.model_dump(by_alias=True, exclude_none=True)
    target = data["subClusters"][deployment] if spec.sub_clusters else data
    target["regions"].append(region)
    return StackSpec.model_validate(data)


def _residency_errors(spec: StackSpec) -> set[tuple[str, str]]:
    return {(f.rule, f.path) for f in analyse(spec).findings if f.is_error}


#: the stacks for which the latency map suggests a region (the others have none to check)
SUGGESTS = {
    "aws-global",
    "gcp-global",
    "global-hostname-shadows-partition",
    "global-latency-jurisdiction-accounts",
    "global-latency-lawful-reroute",
    "global-violates-residency",
    "routing-geolocation-per-jurisdiction",
    "sub-clusters-by-jurisdiction",
    "global-us-eu",
}


@pytest.mark.parametrize(
    "path",
    [
        *example_stacks(),
        *sorted(RESIDENCY.glob("*.yaml")),
        ROOT / "tests" / "fixtures" / "latency" / "global-us-eu.yaml",
    ],
    ids=lambda p: p.stem,
)
def test_no_candidate_adds_a_residency_error(path: Path) -> None:
    """The suggestion guard, checked against the residency analysis itself."""
    spec = spec_of(path)
    before = _residency_errors(spec)
    found = candidates(spec)
    assert bool(found) == (path.stem in SUGGESTS), [c.facts.name for c in found]
    for candidate in found:
        region = {
            "id": "candidate",
            "cloud": str(candidate.facts.cloud),
            "location": candidate.facts.name,
            "jurisdiction": candidate.jurisdiction,
        }
        added = _residency_errors(_with_candidate(spec, candidate.deployment, region)) - before
        assert not added, (candidate.facts.name, added)


# --- the command ------------------------------------------------------------------------------


def test_latency_json_is_one_document_with_every_section() -> None:
    result = runner.invoke(
        app, ["latency", str(ROOT / "stacks" / "gcp-global.yaml"), "--json", "--suggest", "2"]
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert {"countries", "overall", "byJurisdiction", "failures", "model", "suggestions"} <= set(
        document
    )
    assert document["failureModel"].startswith("the region removed from routing")
    assert len(document["failures"]) == len(
        spec_of(ROOT / "stacks" / "gcp-global.yaml").regions or []
    )
    assert all(math.isfinite(c["rttMs"]) for c in document["countries"])


def test_latency_markdown_has_the_tables_a_pr_comment_shows() -> None:
    result = runner.invoke(
        app, ["latency", str(ROOT / "stacks" / "sovereign.yaml"), "--format", "markdown"]
    )
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "| jurisdiction | p50 (ms) | p95 (ms) | note |" in out
    assert "| EU |" in out and "| overall |" in out
    assert "### Latency after a single-region failure" in out


def test_bad_users_exit_2_with_a_message_and_no_traceback(tmp_path: Path) -> None:
    users = tmp_path / "users.yaml"
    users.write_text("DE: 40\nQQ: 1\n")
    result = runner.invoke(
        app, ["latency", str(ROOT / "stacks" / "dev.yaml"), "--users-file", str(users)]
    )
    assert result.exit_code == 2
    assert "users.yaml:2: key QQ" in result.stderr and "Traceback" not in result.stderr
    both = runner.invoke(
        app,
        [
            "latency",
            str(ROOT / "stacks" / "dev.yaml"),
            "--users",
            "DE=1",
            "--users-file",
            str(users),
        ],
    )
    assert both.exit_code == 2 and "mutually exclusive" in both.stderr


def test_latency_command_imports_no_pulumi_or_cloud_sdk() -> None:
    """`regionkit latency` (with --suggest) is a pure layer: checked in a fresh interpreter."""
    code = (
        "import sys\n"
        "from regionkit.cli import app\n"
        f"sys.argv = ['regionkit', 'latency', {str(ROOT / 'stacks' / 'gcp-global.yaml')!r},"
        " '--json', '--suggest', '3']\n"
        "try:\n"
        "    app()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in"
        " {'pulumi', 'pulumi_aws', 'pulumi_gcp', 'pulumi_kubernetes', 'pulumi_random',"
        " 'pulumi_tls', 'grpc', 'boto3', 'botocore', 'google'})\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["suggestions"] is not None
    assert "HEAVY []" in done.stderr, done.stderr


def test_the_plan_carries_the_latency_map() -> None:
    from regionkit.plan.render import render_markdown

    loaded = load_stack(ROOT / "stacks" / "aws-global.yaml")
    plan = example_plan(ROOT / "stacks" / "aws-global.yaml")
    assert plan["latency"] == json.loads(json.dumps(latency_map(loaded.spec).to_json()))
    assert "### Latency map" in render_markdown(plan)
