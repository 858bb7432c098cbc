"""What config-sync accepts as the repository and branch it hands to `git clone`.

One function, used by config-sync before it runs git and by `regionkit validate` on a stack's
`configSync`, so a stack that validates never names a source the job refuses at run time.
"""

from __future__ import annotations

import re

#: transports git runs through a remote helper: `ext::` runs a command, `fd::` reads descriptors
_HELPER_TRANSPORT = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")
#: what `git check-ref-format --branch` refuses inside a name
_BAD_IN_REF = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//")


def git_source_problems(repository: str, branch: str) -> list[tuple[str, str]]:
    """(`repository` or `branch`, why git must not be given it), empty when both are fine."""
    out = []
    if repository.startswith("-"):
        out.append(("repository", "must not start with '-': git would read it as an option"))
    elif _HELPER_TRANSPORT.match(repository):
        out.append(
            (
                "repository",
                f"uses the remote-helper transport {repository.split('::', 1)[0]}::, which "
                "can run commands; use an https:// or ssh:// URL",
            )
        )
    elif re.search(r"[\x00-\x20\x7f]", repository):
        out.append(("repository", "must not contain spaces or control characters"))
    problem = _branch_problem(branch)
    if problem is not None:
        out.append(("branch", problem))
    return out


def _branch_problem(branch: str) -> str | None:
    if branch.startswith("-"):
        return "must not start with '-': git would read it as an option"
    if (
        not branch
        or branch == "@"
        or _BAD_IN_REF.search(branch)
        or branch.startswith("/")
        or branch.endswith(("/", ".", ".lock"))
        or any(part.startswith(".") or part.endswith(".lock") for part in branch.split("/"))
    ):
        return (
            "is not a branch name git accepts (no spaces, control characters, '..', '~', '^', "
            "':', '?', '*', '[', '\\', '@{', and no part starting with '.' or ending in '.lock')"
        )
    return None
