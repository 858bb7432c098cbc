"""Hostile stack files, each named for what it does to a careless loader (issue 13).

Shared by the loader tests, which expect a specific answer to each, and the fuzz test, which
only expects an exit code of 0, 1 or 2 and no internal error.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ROOT

DEV = ROOT / "stacks" / "dev.yaml"


def _dev(tmp_path: Path, name: str, extra: str = "", old: str = "", new: str = "") -> Path:
    text = DEV.read_text()
    if old:
        assert old in text, f"{old!r} not in dev.yaml"
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text + extra)
    return path


def deep_nesting(tmp_path: Path) -> Path:
    path = tmp_path / "deep.yaml"
    path.write_text("name: " + "[" * 5000 + "]" * 5000 + "\n")
    return path


def huge_integer(tmp_path: Path) -> Path:
    return _dev(tmp_path, "bigint.yaml", old="minNodes: 2", new="minNodes: " + "9" * 5000)


def bad_int_tag(tmp_path: Path) -> Path:
    return _dev(tmp_path, "badint.yaml", old="minNodes: 2", new="minNodes: !!int abc")


def alias_bomb(tmp_path: Path) -> Path:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 20):
        ref = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([ref] * 9)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def self_alias(tmp_path: Path) -> Path:
    path = tmp_path / "self.yaml"
    path.write_text("name: &a [*a]\n")
    return path


def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo.yaml"
    os.mkfifo(path)
    return path


def dev_zero(tmp_path: Path) -> Path:
    path = tmp_path / "zero.yaml"
    path.symlink_to("/dev/zero")
    return path


def directory(tmp_path: Path) -> Path:
    path = tmp_path / "dir.yaml"
    path.mkdir()
    return path


def too_large(tmp_path: Path) -> Path:
    return _dev(tmp_path, "large.yaml", extra="# " + "x" * 1_100_000 + "\n")


def unknown_keys(tmp_path: Path, count: int = 100_000) -> Path:
    keys = "".join(f"k{index:x}: 0\n" for index in range(count))
    return _dev(tmp_path, "unknown.yaml", extra=keys)


def long_config_path(tmp_path: Path) -> Path:
    return _dev(tmp_path, "longpath.yaml", old="path: idsvr-config", new="path: " + "p" * 300)


def not_utf8(tmp_path: Path) -> Path:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(DEV.read_bytes() + b"# caf\xe9\n")
    return path


def unknown_tag(tmp_path: Path) -> Path:
    return _dev(
        tmp_path, "tag.yaml", old="minNodes: 2", new="minNodes: !!python/object:os.system 2"
    )


def control_characters(tmp_path: Path) -> Path:
    return _dev(
        tmp_path, "ctl.yaml", old="path: idsvr-config", new='path: "idsvr\\e[31m-config\\u202e"'
    )


#: every named case, by name
CASES: dict[str, Callable[[Path], Path]] = {
    fn.__name__: fn
    for fn in (
        deep_nesting,
        huge_integer,
        bad_int_tag,
        alias_bomb,
        self_alias,
        fifo,
        dev_zero,
        directory,
        too_large,
        unknown_keys,
        long_config_path,
        not_utf8,
        unknown_tag,
        control_characters,
    )
}
