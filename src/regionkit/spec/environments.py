"""Which stack files a command's STACK arguments name: a path, a glob, or an environment name.

An environment name (`dev`) is `stacks/dev.yaml` of the project, found from any directory in it:
the current directory first, then each parent, stopping at the project root (the first directory
holding `.git` or `.regionkit`), so `regionkit plan dev` works from `stacks/` or `src/` too.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from regionkit.errors import InvalidInput

#: a directory holding one of these is the project root: the search for `stacks/` stops there
PROJECT_MARKERS = (".git", ".regionkit")
_GLOB_CHARS = frozenset("*?[")


def is_environment_name(stack: str) -> bool:
    """Whether `stack` names an environment rather than a file (no suffix, no directory)."""
    return Path(stack).suffix not in (".yaml", ".yml") and "/" not in stack and os.sep not in stack


def environment_file(name: str, start: Path | None = None) -> Path | None:
    """`stacks/<name>.yaml` in `start` (default: the current directory) or its nearest parent
    that has one, up to the project root; relative to the current directory; None if none."""
    here = Path.cwd()
    for directory in _upwards((start or here).resolve()):
        candidate = directory / "stacks" / f"{name}.yaml"
        if candidate.is_file():
            return Path(os.path.relpath(candidate, here))
    return None


def searched(name: str, start: Path | None = None) -> str:
    """Where `environment_file` looked, for an error message."""
    directories = list(_upwards((start or Path.cwd()).resolve()))
    where = f"stacks/{name}.yaml in {directories[0]}"
    if len(directories) > 1:
        where += f" and its parents up to {directories[-1]}"
    return where


def _upwards(start: Path) -> list[Path]:
    out = []
    for directory in (start, *start.parents):
        out.append(directory)
        if any((directory / marker).exists() for marker in PROJECT_MARKERS):
            break
    return out


def expand(stacks: list[str]) -> list[str]:
    """The STACK arguments with each glob replaced by the files it matches, sorted, once each.

    A shell expands an unquoted glob itself; a quoted one (or one on a shell that does not) is
    expanded here. A glob that matches nothing is invalid input.
    """
    out: list[str] = []
    for stack in stacks:
        if _GLOB_CHARS.isdisjoint(stack):
            out.append(stack)
            continue
        matches = sorted(glob.glob(stack, recursive=True))
        if not matches:
            raise InvalidInput(f"{stack}: no stack file matches this pattern")
        out.extend(matches)
    return list(dict.fromkeys(out))
