"""Where the writers are now: `.regionkit/workspaces/<environment>/roles.json`.

Written after every failover, switchover and switchback: per store placement that a step made
a writer, its region (`writers`), and per failover hostname the region DNS was pinned to
(`dns`). A later command starts from these live roles, and the program (`regionkit plan`/`up`)
reads them so the next deployment keeps the roles a failover made instead of reverting them.
Entries back at what the stack file says are dropped; a switchback empties the file, which is
then removed. The project directory is the parent of `stacks/`, as for the Automation API
workspaces.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from regionkit.errors import InvalidInput

FILE = "roles.json"


@dataclass(frozen=True)
class RecordedRoles:
    """What roles.json says; empty when the file does not exist."""

    #: writer region id by store placement key (`StoreTarget.key`, `model.placement_key`)
    writers: dict[str, str] = field(default_factory=dict)
    #: region id the failover record points at, by hostname
    dns: dict[str, str] = field(default_factory=dict)
    #: the file they were read from (None: none existed)
    path: Path | None = None

    def __bool__(self) -> bool:
        return bool(self.writers or self.dns)


def project_root(stack_path: Path) -> Path:
    parent = stack_path.resolve().parent
    return parent.parent if parent.name == "stacks" else parent


def roles_path(stack_path: Path, environment: str) -> Path:
    return project_root(stack_path) / ".regionkit" / "workspaces" / environment / FILE


def read_roles(path: Path) -> RecordedRoles:
    """The recorded roles; a file that is not what this module writes is invalid input."""
    if not path.is_file():
        return RecordedRoles()
    try:
        document = json.loads(path.read_text())
        writers = _strings(document.get("writers", {}))
        dns = _strings(document.get("dns", {}))
    except (ValueError, AttributeError, TypeError) as exc:
        raise InvalidInput(
            f"{path}: not a roles file written by regionkit ({exc}); a failover, switchover "
            "or switchback writes it again, or delete it to deploy the roles of the stack file"
        ) from None
    return RecordedRoles(writers, dns, path)


def _strings(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object of region ids, got {type(value).__name__}")
    return {str(k): str(v) for k, v in value.items()}


def read_writers(path: Path) -> dict[str, str]:
    return read_roles(path).writers


def record_writers(
    path: Path,
    writers: Mapping[str, str],
    home: Mapping[str, str],
    *,
    dns: Mapping[str, str] | None = None,
    home_dns: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Merge `writers` (and `dns` pins) into the file; entries back at their stack-file value
    are dropped, and a file left empty is removed. The writers now recorded."""
    before = read_roles(path)
    moved = _moved({**before.writers, **writers}, home)
    pinned = _moved({**before.dns, **(dns or {})}, home_dns or {})
    if not moved and not pinned:
        path.unlink(missing_ok=True)
        return moved
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"apiVersion": "regionkit/v1", "writers": moved, "dns": pinned}
    path.write_text(json.dumps(document, indent=2) + "\n")
    return moved


def _moved(merged: Mapping[str, str], home: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in sorted(merged.items()) if home.get(k) != v}
