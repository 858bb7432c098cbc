"""The input checks of issue 13: CIDR unions, git sources, quantities, config.path, escaping."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regionkit.catalog.idsvr import CONFIG_MAP_LIMIT, GENERATED_CONFIG_ALLOWANCE
from regionkit.checks import validate
from regionkit.checks.networks import open_to_internet
from regionkit.checks.quantities import quantity
from regionkit.cli import app
from regionkit.errors import InvalidInput
from regionkit.model.text import printable
from regionkit.ops.git_args import git_source_problems
from regionkit.ops.git_source import clone
from regionkit.spec import load_stack
from tests import hostile_cases

EVERYTHING_BUT_PRIVATE = [
    "0.0.0.0/5", "8.0.0.0/7", "11.0.0.0/8", "12.0.0.0/6", "16.0.0.0/4", "32.0.0.0/3",
    "64.0.0.0/2", "128.0.0.0/1",
]  # fmt: skip


@pytest.mark.parametrize(
    ("cidrs", "expected"),
    [
        (["0.0.0.0/1", "128.0.0.0/1"], [(None, "0.0.0.0/1, 128.0.0.0/1 (together)")]),
        (["10.0.0.0/8", "0.0.0.0/0", "::/0"], [(1, "0.0.0.0/0"), (2, "::/0")]),
        (["2000::/4", "3000::/4"], [(None, "2000::/4, 3000::/4 (together)")]),
        (EVERYTHING_BUT_PRIVATE, [(None, f"{', '.join(EVERYTHING_BUT_PRIVATE)} (together)")]),
        (EVERYTHING_BUT_PRIVATE[:2] + EVERYTHING_BUT_PRIVATE[3:], []),  # 11.0.0.0/8 left out
        (["0.0.0.0/1"], []),
        (["10.0.0.0/8", "fc00::/7", "2001:db8::/32"], []),
    ],
)
def test_a_cidr_list_is_judged_by_the_union_it_covers(
    cidrs: list[str], expected: list[tuple[int | None, str]]
) -> None:
    assert open_to_internet(cidrs) == expected


@pytest.mark.parametrize(
    ("repository", "branch", "keys"),
    [
        ("https://github.com/acme/c.git", "main", []),
        ("git@github.com:acme/c.git", "release/1.0", []),
        ("-oProxyCommand=sh", "main", ["repository"]),
        ("ext::sh -c touch% /tmp/x", "main", ["repository"]),
        ("https://x/ y", "main", ["repository"]),
        ("https://x/y", "--upload-pack=sh", ["branch"]),
        ("https://x/y", "a..b", ["branch"]),
        ("https://x/y", "x.lock", ["branch"]),
        ("https://x/y", "a.lock/b", ["branch"]),
        ("https://x/y", "a/.b", ["branch"]),
        ("https://x/y", "a b", ["branch"]),
        ("https://x/y", "", ["branch"]),
    ],
)
def test_git_sources_config_sync_refuses(repository: str, branch: str, keys: list[str]) -> None:
    assert [key for key, _ in git_source_problems(repository, branch)] == keys


def test_config_sync_refuses_what_validate_refuses_before_running_git(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="remote-helper transport ext::"):
        clone("ext::sh -c id", "main", tmp_path / "checkout")
    assert not (tmp_path / "checkout").exists()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Decimal("0.5")),
        ("2Gi", Decimal(2 * 2**30)),
        ("1k", Decimal(1000)),
        ("1e3", Decimal(1000)),
        (".5", Decimal("0.5")),
        ("1K", None),
        ("1 Gi", None),
        ("1e400", None),
    ],
)
def test_kubernetes_quantity_syntax(text: str, value: Decimal | None) -> None:
    assert quantity(text) == value


def test_cpu_finer_than_a_millicore_is_refused(tmp_path: Path) -> None:
    path = hostile_cases._dev(tmp_path, "cpu.yaml", old='cpu: "1"', new='cpu: "0.0005"')
    findings = [f for f in validate(load_stack(path)) if f.rule == "quantity.cpu"]
    assert [f.path for f in findings] == ["identityServer.runtime.cpu"]
    assert "in steps of 1m" in findings[0].message


def _config_findings(stack: Path) -> list[str]:
    return [f.message for f in validate(load_stack(stack)) if f.rule == "config.path"]


def _stack_in_repository(tmp_path: Path, config_path: str) -> Path:
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True, exist_ok=True)
    (repository / "stacks").mkdir(exist_ok=True)
    return hostile_cases._dev(
        repository / "stacks", "dev.yaml", old="path: idsvr-config", new=f"path: {config_path}"
    )


def test_config_path_may_leave_the_stack_directory_but_not_the_repository(
    tmp_path: Path,
) -> None:
    inside = _stack_in_repository(tmp_path, "../config")
    (inside.parent.parent / "config").mkdir()
    assert _config_findings(inside) == []

    (tmp_path / "elsewhere").mkdir()
    outside = _stack_in_repository(tmp_path, "../../elsewhere")
    (message,) = _config_findings(outside)
    assert "outside the stack's repository" in message


def test_config_path_symlinked_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    stack = _stack_in_repository(tmp_path, "config")
    (tmp_path / "etc").mkdir()
    (stack.parent / "config").symlink_to(tmp_path / "etc")
    (message,) = _config_findings(stack)
    assert f"resolves to {tmp_path / 'etc'}" in message


def test_an_xml_file_symlinked_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    stack = _stack_in_repository(tmp_path, "config")
    (stack.parent / "config").mkdir()
    (tmp_path / "secret.xml").write_text("<config/>")
    (stack.parent / "config" / "a.xml").symlink_to(tmp_path / "secret.xml")
    (message,) = _config_findings(stack)
    assert "secret.xml" in message and "outside the stack's repository" in message


def test_a_config_path_too_long_for_the_file_system_is_a_finding(tmp_path: Path) -> None:
    (message,) = _config_findings(hostile_cases.long_config_path(tmp_path))
    assert "cannot be used: File name too long" in message


def _xml_of(size: int) -> str:
    """A well-formed configuration file of exactly `size` bytes."""
    head, tail = '<config xmlns="http://tail-f.com/ns/config/1.0">\n<!-- ', " -->\n</config>\n"
    return head + "x" * (size - len(head) - len(tail)) + tail


def test_the_configuration_must_fit_one_config_map_with_regionkit_s_files(tmp_path: Path) -> None:
    """Each file may be under the loader's bound while the files together exceed what one
    ConfigMap holds: validate refuses that at the key, and so plan does (exit 2)."""
    budget = CONFIG_MAP_LIMIT - GENERATED_CONFIG_ALLOWANCE
    stack = _stack_in_repository(tmp_path, "config")
    config = stack.parent / "config"
    config.mkdir()
    (config / "a.xml").write_text(_xml_of(budget // 2))
    (config / "b.xml").write_text(_xml_of(budget - budget // 2))
    assert [f for f in validate(load_stack(stack)) if f.rule == "config.size"] == []

    (config / "b.xml").write_text(_xml_of(budget - budget // 2 + 1))
    (finding,) = [f for f in validate(load_stack(stack)) if f.rule == "config.size"]
    assert (finding.path, finding.file, finding.line) == (
        "identityServer.config.path",
        str(stack),
        _line_of(stack, "path: config"),
    )
    assert f"hold {budget + 1} bytes together" in finding.message
    assert f"b.xml {budget - budget // 2 + 1}" in finding.message
    result = CliRunner().invoke(app, ["plan", str(stack)])
    assert result.exit_code == 2 and "[config.size]" in result.stderr
    assert "internal error" not in result.stdout + result.stderr


def _line_of(path: Path, text: str) -> int:
    (number,) = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return number


def test_printable_escapes_control_and_bidi_characters() -> None:
    assert printable("a\x1b[31mb\u202ec\td\ne\r\x85") == "a\\x1b[31mb\\u202ec\td\ne\\x0d\\x85"


def test_findings_print_control_characters_escaped(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(hostile_cases.control_characters(tmp_path))])
    assert result.exit_code == 2
    assert "idsvr\\x1b[31m-config\\u202e" in result.stdout
    assert "\x1b" not in result.stdout + result.stderr
    assert "\u202e" not in result.stdout + result.stderr
