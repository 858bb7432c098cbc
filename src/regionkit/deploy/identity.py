"""One identity per deployment: the Pulumi project of an environment does not change silently.

The stack file's `name` is both the Pulumi project of every environment's stack and the prefix of
every resource name. Renaming it would start a second stack that creates everything anew and
leave the old stack, with all it manages, orphaned. So the project each environment was deployed
with is recorded in its workspace, and a stack file whose `name` differs from the recorded one
is refused while the old stack still exists in the backend. On a machine without the record,
stacks of the same environment under other projects of the backend are reported (they may be
other deployments sharing the backend, so they are not refused).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from regionkit.errors import InvalidInput

RECORD = "regionkit.json"


@dataclass(frozen=True)
class Identity:
    project: str
    stack: str
    backend: str


def read_record(workspace: Path) -> Identity | None:
    try:
        data = json.loads((workspace / RECORD).read_text())
        return Identity(str(data["project"]), str(data["stack"]), str(data["backend"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_record(workspace: Path, identity: Identity) -> None:
    document = {"project": identity.project, "stack": identity.stack, "backend": identity.backend}
    (workspace / RECORD).write_text(json.dumps(document, indent=2) + "\n")


def projects_with_stack(qualified_names: list[str], stack: str) -> set[str]:
    """Projects that hold a stack named `stack`, from `pulumi stack ls --all` names.

    Names are `org/project/stack` (Pulumi Cloud, and file or bucket backends), or `stack` alone
    from an old backend layout, which names no project.
    """
    out = set()
    for name in qualified_names:
        parts = name.split("/")
        if parts[-1] == stack and len(parts) >= 2:
            out.add(parts[-2])
    return out


def check_identity(
    current: Identity, record: Identity | None, existing_projects: set[str], stack_file: str
) -> str | None:
    """Raise when `name` was renamed away from a project that still has this environment's stack;
    a warning text when other projects of the backend hold a stack of the same name."""
    if current.project in existing_projects:
        return None
    if (
        record is not None
        and record.backend == current.backend
        and record.project != current.project
        and record.project in existing_projects
    ):
        raise InvalidInput(
            f"{stack_file}: name: '{current.project}' differs from '{record.project}', the name "
            f"environment '{current.stack}' was deployed with, and stack '{current.stack}' of "
            f"project '{record.project}' still exists in {current.backend}. The name is the "
            "Pulumi project and the prefix of every resource name: a new name would create a "
            "second copy of every resource and orphan the old stack. To keep the deployment, "
            f"set name: {record.project} again. To move to the new name, run `regionkit destroy "
            f"{current.stack}` with the old name first, then "
            "change the name and run `regionkit up`."
        )
    others = sorted(existing_projects - {current.project})
    if not others:
        return None
    return (
        f"no stack '{current.stack}' of project '{current.project}' yet, but project(s) "
        f"{', '.join(others)} in {current.backend} have one. If you renamed `name:` in "
        f"{stack_file}, stop (Ctrl-C or decline) and set it back: a new name creates every "
        "resource anew."
    )
