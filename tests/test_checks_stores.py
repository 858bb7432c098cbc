"""Store rules that used to live in the components: cnpg object stores, existing clusters.

The fixtures in tests/fixtures/stacks show each rule broken and kept; these tests cover what a
fixture cannot: the Pulumi config the checks are told about, and warnings reaching the plan.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from regionkit.errors import StackInvalid
from regionkit.findings import Level
from regionkit.plan.render import render_markdown
from regionkit.plan.runner import plan_stack
from regionkit.spec import load_stack, load_stack_text
from tests.completeness import validate_rest

FIXTURES = Path(__file__).parent / "fixtures" / "stacks"


def rules(path: Path) -> list[tuple[str, str]]:
    return [(f.rule, str(f.level)) for f in validate_rest(load_stack(path))]


BACKUPS = (
    "    backups:\n      destinationPath: s3://home-backups/idsvr\n"
    "      credentials: {accessKeyIdEnv: HOME_KEY_ID, secretAccessKeyEnv: HOME_SECRET}\n"
)


def with_backups(path: Path, region_line: str) -> list[tuple[str, str]]:
    """The rules of `path` with `backups` added to the region whose block holds `region_line`."""
    text = path.read_text()
    assert region_line in text
    loaded = load_stack_text(text.replace(region_line, region_line + BACKUPS, 1), path)
    return [(f.rule, str(f.level)) for f in validate_rest(loaded)]


def test_a_stack_file_object_store_serves_the_replicas_and_the_backups() -> None:
    replicated = FIXTURES / "breaks-data-cnpg-object-store.yaml"
    assert rules(replicated) == [("data.cnpg-object-store", "error")]
    assert (
        with_backups(replicated, "    cluster: {kubeconfigContext: home, gatewayClass: eg}\n") == []
    )
    single = FIXTURES / "breaks-data-cnpg-backups.yaml"
    assert rules(single) == [("data.cnpg-backups", "warning")]


def test_backups_of_a_region_that_writes_nothing_are_a_warning() -> None:
    replicated = FIXTURES / "breaks-data-cnpg-object-store.yaml"
    text = replicated.read_text().replace(
        "role: passive, cluster: {kubeconfigContext: away, gatewayClass: eg}}",
        "role: passive, cluster: {kubeconfigContext: away, gatewayClass: eg}, backups: {destinationPath: "
        "'s3://away-backups/x', credentials: {accessKeyIdEnv: A, secretAccessKeyEnv: B}}}",
    )
    found = [
        (f.rule, str(f.level), f.path) for f in validate_rest(load_stack_text(text, replicated))
    ]
    assert ("data.backups-unused", "warning", "regions[1].backups") in found
    assert ("data.cnpg-object-store", "error", "regions[0].cloud") in found


def test_the_object_store_message_says_what_is_allowed() -> None:
    (finding,) = validate_rest(load_stack(FIXTURES / "breaks-data-cnpg-object-store.yaml"))
    assert "regions[0].backups: backups: {destinationPath:" in finding.message
    assert "never the keys" in finding.message
    assert "aws or gcp" in finding.message
    assert "replicas in away" in finding.message
    assert "Pulumi config" not in finding.message


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_no_backups_warning_is_in_the_plan_json_and_markdown() -> None:
    plan = plan_stack(load_stack(FIXTURES / "breaks-data-cnpg-backups.yaml"))
    (finding,) = plan["findings"]
    assert (finding["level"], finding["rule"], finding["path"]) == (
        "warning",
        "data.cnpg-backups",
        "regions[0].cloud",
    )
    markdown = render_markdown(plan)
    findings = markdown.split("### Findings", 1)[1].split("###", 1)[0]
    assert "data.cnpg-backups" in findings
    assert "keeps no backups" in findings


def test_a_replicated_cnpg_store_without_object_store_is_refused_before_planning() -> None:
    with pytest.raises(StackInvalid) as caught:
        plan_stack(load_stack(FIXTURES / "breaks-data-cnpg-object-store.yaml"))
    assert [f.rule for f in caught.value.findings if f.level is Level.ERROR] == [
        "data.cnpg-object-store"
    ]


def test_an_existing_cluster_names_the_key_that_makes_it_existing() -> None:
    findings = validate_rest(load_stack(FIXTURES / "breaks-engine-existing-cluster.yaml"))
    assert {f.rule for f in findings} == {"engine.existing-cluster"}
    assert all("regions[0].cluster.kubeconfigContext" in f.message for f in findings)
    assert all("use cnpg or external" in f.message for f in findings)
