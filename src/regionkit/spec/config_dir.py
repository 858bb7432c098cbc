"""The layout of a configuration directory (`identityServer.config.path`).

It mirrors the identity server's `etc/init`: every `*.xml` file at any depth is a startup file,
landing at the same path below `etc/init`. Hidden files and directories (`.git`) are not
configuration. The checks, the program and `regionkit config-sync` all read a directory through
this one function, so the nodes start with exactly what a sync later applies.
"""

from __future__ import annotations

from pathlib import Path


def startup_xml(directory: Path) -> list[str]:
    """The startup files of `directory`: POSIX paths relative to it, sorted."""
    return visible_files(directory, "*.xml")


def visible_files(directory: Path, pattern: str) -> list[str]:
    """Files matching `pattern` at any depth below `directory`, outside hidden directories."""
    found = []
    for path in directory.rglob(pattern):
        relative = path.relative_to(directory).as_posix()
        if path.is_file() and not any(part.startswith(".") for part in relative.split("/")):
            found.append(relative)
    return sorted(found)
