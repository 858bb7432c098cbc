"""Every example stack in tests/fixtures/stacks gives exactly the findings its markers name.

A fixture's first line says which rules it breaks or keeps (`# breaks dns.zone: ...`); a line
that must carry a finding ends in `#! <level> <rule> <key path>`. A missing key is reported at
the line of its nearest parent, so a marker on line 1 means "the document" (a top-level key
that is absent).

Every deployable stack needs a configuration and a license (`COMPLETENESS`); a fixture about
another rule may leave both out, and only the fixtures named for those rules mark them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from regionkit.checks import validate
from regionkit.spec import load_stack
from tests.completeness import COMPLETENESS

FIXTURES = Path(__file__).parent / "fixtures" / "stacks"
SOURCE = Path(__file__).parent.parent / "src" / "regionkit"
#: validate reports the checks' findings and the residency analysis' findings
CHECKS_SOURCES = (SOURCE / "checks", SOURCE / "residency")

RULES = {
    "config.required",
    "config.license",
    "config.path",
    "config.xml",
    "config.data-source",
    "config.file-name",
    "config.size",
    "topology.shape",
    "topology.role",
    "topology.consistency",
    "topology.config-sync",
    "schema.duplicate-id",
    "dns.zone",
    "dns.none-certificates",
    "dns.hostname",
    "dns.routing",
    "dns.health-check",
    "dns.global-hostname",
    "dns.budget",
    "dns.location",
    "dns.record-name",
    "region.location",
    "region.jurisdiction",
    "security.admin-cidr",
    "security.image-unpinned",
    "security.min-nodes",
    "security.image-reference",
    "quantity.nodes",
    "quantity.cpu",
    "quantity.memory",
    "config-sync.repository",
    "config-sync.branch",
    "residency.cross-border",
    "residency.routing",
    "residency.failover",
    "residency.sub-cluster",
    "residency.global-hostname",
    "data.reach",
    "engine.curity",
    "data.cnpg-object-store",
    "data.cnpg-backups",
    "data.backups-unused",
    "engine.cloud",
    "engine.region",
    "engine.data-class",
    "engine.replication",
    "engine.consistency",
    "engine.existing-cluster",
    "engine.node-identity",
    "cluster.api-access",
    "cluster.tls",
    "cluster.gateway-class",
    "eks.admin-principal",
    "eks.kubernetes-version",
    "eks.certificate-dns",
}

#: rules that no stack passing the other checks can break today, so no fixture breaks them; a
#: unit test keeps each working for the day an engine reaches it again
UNREACHABLE = {
    # only spanner gives each store an identity, and the identity server cannot use spanner
    "engine.node-identity",
}
#: rules a fixture would break only with a megabyte of XML in the repository: a unit test builds
#: the breaking input in a temporary directory instead (test_checks_input)
TOO_LARGE_FOR_A_FIXTURE = {"config.size"}

HEADER = re.compile(r"^# (?P<kind>breaks|keeps) (?P<rules>[a-z][a-z., -]*):")
MARKER = re.compile(r"#! (?P<level>error|warning) (?P<rule>\S+) (?P<path>\S+)")

NAMES = sorted(p.name for p in FIXTURES.glob("*.yaml"))


def _header(path: Path) -> tuple[str, set[str]]:
    match = HEADER.match(path.read_text().splitlines()[0])
    assert match, f"{path.name}: the first line must be '# breaks|keeps <rule>[, <rule>]: ...'"
    return match["kind"], {r.strip() for r in match["rules"].split(",")}


def _markers(path: Path) -> set[tuple[str, str, str, int]]:
    return {
        (m["level"], m["rule"], m["path"], number)
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for m in MARKER.finditer(line)
    }


@pytest.mark.parametrize("name", NAMES)
def test_fixture_gives_exactly_its_marked_findings(name: str) -> None:
    path = FIXTURES / name
    _, rules = _header(path)
    findings = validate(load_stack(path))
    found = {
        (str(f.level), f.rule, f.path, f.line)
        for f in findings
        if f.rule in rules or f.rule not in COMPLETENESS
    }
    assert found == _markers(path)
    assert all(f.file == str(path) for f in findings)


@pytest.mark.parametrize("name", NAMES)
def test_fixture_is_named_for_the_rule_it_breaks_or_keeps(name: str) -> None:
    path = FIXTURES / name
    kind, rules = _header(path)
    assert name.startswith(f"{kind}-")
    assert rules <= RULES
    marked = {rule for _, rule, _, _ in _markers(path)}
    if kind == "breaks":
        assert marked == rules, "a breaks- fixture breaks exactly the rule it is named for"
        assert name.startswith(f"breaks-{next(iter(rules)).replace('.', '-')}")
    else:
        assert not marked


def test_every_rule_has_a_fixture_that_breaks_it_and_one_that_keeps_it() -> None:
    covered: dict[str, set[str]] = {"breaks": set(), "keeps": set()}
    for name in NAMES:
        kind, rules = _header(FIXTURES / name)
        covered[kind] |= rules
    assert RULES - UNREACHABLE - TOO_LARGE_FOR_A_FIXTURE - covered["breaks"] == set()
    assert RULES - covered["keeps"] == set()


def test_the_rules_listed_here_are_the_rules_the_checks_emit() -> None:
    # keeps RULES (and so the fixtures) in step with the checks: a new rule needs fixtures
    prefixes = "|".join(sorted({rule.split(".")[0] for rule in RULES}))
    # rule names are string literals; key paths passed to Paths look alike and are skipped
    literal = re.compile(rf'(?<!of\()(?<!missing\()"((?:{prefixes})\.[a-z-]+)"')
    emitted = {
        m.group(1)
        for directory in CHECKS_SOURCES
        for source in directory.glob("*.py")
        for m in literal.finditer(source.read_text())
    }
    assert emitted == RULES
