"""Where the writers are now: `.regionkit/workspaces/<environment>/roles.json`.

Written after every failover, switchover and switchback, one entry per store placement that a
step made a writer, so a later command starts from the live roles (and a switchback knows
where each writer went). The project directory is the parent of `stacks/`, as for the
Automation API workspaces.
"""

from __future__ import annotations

import json
from pathlib import Path

FILE = "roles.json"


def project_root(stack_path: Path) -> Path:
    parent = stack_path.resolve().parent
    return parent.parent if parent.name == "stacks" else parent


def roles_path(stack_path: Path, environment: str) -> Path:
    return project_root(stack_path) / ".regionkit" / "workspaces" / environment / FILE


def read_writers(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    document = json.loads(path.read_text())
    return {str(k): str(v) for k, v in document.get("writers", {}).items()}


def record_writers(path: Path, writers: dict[str, str], home: dict[str, str]) -> dict[str, str]:
    """Merge `writers` into the file; entries back at their stack-file writer are dropped."""
    merged = {**read_writers(path), **writers}
    moved = {k: v for k, v in sorted(merged.items()) if home.get(k) != v}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"apiVersion": "regionkit/v1", "writers": moved}, indent=2) + "\n")
    return moved
