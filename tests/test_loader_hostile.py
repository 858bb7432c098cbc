"""The loader on hostile input: a located answer and exit code 2 (1 when unreadable), at once."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regionkit.cli import app
from regionkit.errors import StackInvalid
from regionkit.spec.loader import MAX_SCHEMA_FINDINGS, parse_yaml
from tests import hostile_cases as cases

runner = CliRunner()


def validate(path: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["validate", str(path)])
    text = result.stdout + result.stderr
    assert "internal error" not in text and "Traceback" not in text, text
    return result.exit_code, text


@pytest.mark.parametrize(
    ("case", "expected", "line"),
    [
        ("deep_nesting", "nested deeper than 64 levels", 1),
        ("huge_integer", "a number of 5,000 digits", 9),
        ("bad_int_tag", "'abc' is not a valid !!int", 9),
        ("alias_bomb", "values once aliases are expanded", None),
        ("self_alias", "alias *a refers to itself", 1),
        ("unknown_tag", "the tag !!python/object:os.system is not used in a stack file", 9),
        # the appended last line of dev.yaml
        ("not_utf8", "not UTF-8 text (byte 0xe9", cases.DEV.read_bytes().count(b"\n") + 1),
    ],
)
def test_a_document_past_the_bounds_is_a_located_error(
    tmp_path: Path, case: str, expected: str, line: int | None
) -> None:
    path = cases.CASES[case](tmp_path)
    code, text = validate(path)
    assert code == 2
    assert expected in text, text
    if line is not None:
        assert f"{path}:{line}:" in text, text


@pytest.mark.parametrize(
    ("case", "kind"),
    [("fifo", "a FIFO"), ("dev_zero", "a device"), ("directory", "a directory")],
)
def test_only_a_regular_file_is_read(tmp_path: Path, case: str, kind: str) -> None:
    path = cases.CASES[case](tmp_path)
    code, text = validate(path)
    assert code == 2
    assert f"{path}: not a regular file ({kind})" in text


def test_a_file_over_one_megabyte_is_refused_unread(tmp_path: Path) -> None:
    code, text = validate(cases.too_large(tmp_path))
    assert code == 2
    assert "larger than 1 MB" in text


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file of mode 000")
def test_an_unreadable_file_fails_with_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text(cases.DEV.read_text())
    path.chmod(0)
    code, text = validate(path)
    assert code == 1
    assert "cannot read the stack file" in text


def test_many_unknown_keys_are_listed_up_to_a_bound_and_counted(tmp_path: Path) -> None:
    path = cases.unknown_keys(tmp_path)
    result = runner.invoke(app, ["validate", str(path), "--json"])
    assert result.exit_code == 2
    findings = json.loads(result.stdout)["findings"]
    assert len(findings) == MAX_SCHEMA_FINDINGS + 1
    assert all(f["rule"] == "schema.unknown-key" for f in findings[:-1])
    last = findings[-1]
    assert last["rule"] == "schema.more"
    assert (
        f"and {100_000 - MAX_SCHEMA_FINDINGS:,} more schema errors (unknown-key)" in last["message"]
    )
    # the first unknown key follows dev.yaml's last line; "more" sits on the first one not listed
    assert last["line"] == cases.DEV.read_bytes().count(b"\n") + 1 + MAX_SCHEMA_FINDINGS


def test_yaml_1_2_core_schema_keeps_norway_and_decimal_ints() -> None:
    data, _ = parse_yaml("a: NO\nb: yes\nc: 010\nd: 0o10\ne: 0x1f\nf: 1_000\ng: ~\nh: .5\n", "x")
    assert data == {"a": "NO", "b": "yes", "c": 10, "d": 8, "e": 31, "f": 1000, "g": None, "h": 0.5}


def test_anchors_and_merge_keys_expand_with_own_keys_winning() -> None:
    text = "base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  y: 3\nlist: [*b]\n"
    data, lines = parse_yaml(text, "x")
    assert data["item"] == {"x": 1, "y": 3}
    assert data["list"] == [{"x": 1, "y": 2}]
    assert lines["item.y"] == 4
    # an alias is the anchored node itself: its line is where the value is written
    assert lines["list[0]"] == 1


def test_a_duplicate_key_names_its_line() -> None:
    with pytest.raises(StackInvalid) as caught:
        parse_yaml("a: 1\nb: 2\na: 3\n", "x.yaml")
    (finding,) = caught.value.findings
    assert (finding.line, finding.message) == (3, "duplicate key: duplicate key 'a'")


def test_a_complex_key_is_refused() -> None:
    with pytest.raises(StackInvalid) as caught:
        parse_yaml("? [a, b]\n: 1\n", "x.yaml")
    assert "a key must be a plain value" in caught.value.findings[0].message
