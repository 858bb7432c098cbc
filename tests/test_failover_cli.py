"""The failover commands' CLI contract: ask first, refuse without a terminal, name the extra."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regionkit.cli import app
from regionkit.ops.failover.clients import MissingExtra, require
from regionkit.ops.failover.roles import read_roles, read_writers, record_writers

STACKS = Path(__file__).resolve().parent.parent / "stacks"


def test_without_yes_and_without_a_terminal_nothing_runs_and_the_exit_code_is_2() -> None:
    result = CliRunner().invoke(app, ["failover", str(STACKS / "aws-ap.yaml"), "--to", "us-west"])
    assert result.exit_code == 2
    assert "--yes" in result.output


def test_an_unknown_region_is_invalid_input_with_the_known_ones() -> None:
    result = CliRunner().invoke(
        app, ["switchover", str(STACKS / "aws-ap.yaml"), "--to", "mars", "--yes", "--json"]
    )
    assert result.exit_code == 2
    document = json.loads(result.output)
    assert "mars" in document["error"] and "us-east, us-west" in document["error"]


def test_a_missing_client_library_names_the_extra() -> None:
    with pytest.raises(MissingExtra, match=r"pip install 'regionkit\[ops-gcp\]'"):
        require("regionkit_no_such_module", "ops-gcp")


def test_roles_file_keeps_only_writers_away_from_the_stack_file(tmp_path: Path) -> None:
    path = tmp_path / ".regionkit" / "workspaces" / "prod" / "roles.json"
    home = {"acme-ap-accounts-audit": "us-east"}
    assert record_writers(path, {"acme-ap-accounts-audit": "us-west"}, home) == {
        "acme-ap-accounts-audit": "us-west"
    }
    assert read_writers(path) == {"acme-ap-accounts-audit": "us-west"}
    # a switchback puts it home: the entry goes
    assert record_writers(path, {"acme-ap-accounts-audit": "us-east"}, home) == {}


def test_roles_file_records_dns_pins_and_a_switchback_removes_it(tmp_path: Path) -> None:
    path = tmp_path / "roles.json"
    home, home_dns = {"acme-ap-accounts-audit": "us-east"}, {"login.example.com": "us-east"}
    record_writers(
        path,
        {"acme-ap-accounts-audit": "us-west"},
        home,
        dns={"login.example.com": "us-west"},
        home_dns=home_dns,
    )
    roles = read_roles(path)
    assert roles.dns == {"login.example.com": "us-west"} and roles.path == path
    record_writers(
        path,
        {"acme-ap-accounts-audit": "us-east"},
        home,
        dns={"login.example.com": "us-east"},
        home_dns=home_dns,
    )
    assert not path.exists() and not read_roles(path)


def test_a_roles_file_that_is_not_one_is_invalid_input(tmp_path: Path) -> None:
    from regionkit.errors import InvalidInput

    path = tmp_path / "roles.json"
    path.write_text('{"writers": ["us-west"]}')
    with pytest.raises(InvalidInput, match="not a roles file"):
        read_roles(path)
