"""`plan --out DIR`: write the plan's files, own them, and touch nothing else.

DIR may hold other things (a repository's docs, a previous plan, someone's notes). The plan
records what it wrote in `DIR/.regionkit-plan.json`; the next plan removes only files listed
there that it no longer writes, and refuses to overwrite a file it did not write itself unless
`force` says to.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from regionkit.errors import InvalidInput

#: the record of the files a plan wrote into its output directory
MANIFEST = ".regionkit-plan.json"
_GENERATOR = "regionkit plan"


def write_owned(out_dir: Path, files: Mapping[str, str], *, force: bool = False) -> list[Path]:
    """Write `files` (relative POSIX path -> text) into `out_dir`, remove the files the previous
    plan wrote there that this one does not, and record what was written."""
    owned = _previous(out_dir)
    if owned is None:  # a manifest that is not ours: it is in the way like any other file
        owned = set()
        in_the_way = [MANIFEST]
    else:
        in_the_way = []
    in_the_way += [name for name in files if os.path.lexists(out_dir / name) and name not in owned]
    if in_the_way and not force:
        shown = ", ".join(sorted(in_the_way)[:10])
        more = f" and {len(in_the_way) - 10} more" if len(in_the_way) > 10 else ""
        raise InvalidInput(
            f"{out_dir} holds files that regionkit plan did not write: {shown}{more}. Move them "
            "away, choose another --out directory, or pass --force to overwrite them (files it "
            f"did not write are never deleted; it records what it writes in {MANIFEST})."
        )
    for name in sorted(owned - files.keys()):
        _remove(out_dir, name)
    written = []
    for name, text in files.items():
        path = out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():  # replace the link itself, never write through it
            path.unlink()
        path.write_text(text, encoding="utf-8")
        written.append(path)
    record = {"generator": _GENERATOR, "files": sorted(files)}
    (out_dir / MANIFEST).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return written


def _previous(out_dir: Path) -> set[str] | None:
    """The files the previous plan recorded (empty when there is no record), or None when the
    record is not one regionkit wrote."""
    path = out_dir / MANIFEST
    if not os.path.lexists(path):
        return set()
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("generator") != _GENERATOR:
        return None
    names = record.get("files")
    if not isinstance(names, list):
        return None
    return {name for name in names if isinstance(name, str) and _safe(name)}


def _safe(name: str) -> bool:
    """A relative path inside the directory: a record cannot send a removal elsewhere."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _remove(out_dir: Path, name: str) -> None:
    path = out_dir / name
    if path.is_file() or path.is_symlink():
        path.unlink()
    parent = path.parent
    while parent != out_dir and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
