"""Fetch the configuration repository with the `git` CLI: a shallow clone of one branch.

Credentials come from files (a mounted Secret), reach git through a credential helper that
reads two environment variables of the git process only, and never appear in a URL, an
argument list or a message.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from regionkit.errors import InvalidInput, RegionkitError
from regionkit.ops.git_args import git_source_problems
from regionkit.ops.restconf import redact

_USER_VAR = "REGIONKIT_GIT_USERNAME"
_SECRET_VAR = "REGIONKIT_GIT_PASSWORD"
# git runs this with "get" (and "store"/"erase", which must do nothing)
_HELPER = (
    f'!f() {{ test "$1" = get || exit 0; echo "username=${{{_USER_VAR}}}"; '
    f'echo "password=${{{_SECRET_VAR}}}"; }}; f'
)


_PASSED_ENV = frozenset(
    {"PATH", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR", "GIT_SSL_CAINFO", "GIT_SSL_CAPATH"}
    | {f"{name}_proxy" for name in ("http", "https", "no", "all")}
    | {f"{name}_PROXY" for name in ("HTTP", "HTTPS", "NO", "ALL")}
)


class GitError(RegionkitError):
    """The repository could not be fetched."""


@dataclass(frozen=True)
class GitCredentials:
    username: str
    secret: str

    @classmethod
    def from_dir(cls, directory: Path) -> GitCredentials:
        """A mounted Secret: `username` (optional) and `password` or `token`."""
        values = {}
        for key in ("username", "password", "token"):
            path = directory / key
            if path.is_file():
                values[key] = path.read_text(encoding="utf-8").strip()
        secret = values.get("password") or values.get("token")
        if not secret:
            raise InvalidInput(f"git credentials in {directory} need a 'password' or 'token' file")
        # hosting services accept any user name with a token; "git" is a harmless placeholder
        return cls(username=values.get("username") or "git", secret=secret)


@dataclass(frozen=True)
class Checkout:
    directory: Path
    commit: str


def clone(
    repository: str,
    branch: str,
    destination: Path,
    *,
    timeout: float = 120.0,
    credentials: GitCredentials | None = None,
) -> Checkout:
    """A shallow clone of `branch` into `destination` (which must not exist yet)."""
    problems = git_source_problems(repository, branch)
    if problems:
        raise InvalidInput("; ".join(f"the {key} {why}" for key, why in problems))
    # only what git needs: the job's environment may hold parameter secrets for the config
    env = {key: value for key, value in os.environ.items() if key in _PASSED_ENV}
    env.update(
        GIT_TERMINAL_PROMPT="0",
        # a read-only root filesystem: git's HOME is the job's scratch directory
        HOME=str(destination.parent),
        LC_ALL="C",
    )
    config, credential_env = credential_helper(credentials)
    env.update(credential_env)
    secrets = (credentials.secret,) if credentials is not None else ()
    _git(
        [
            *config,
            "clone",
            "--quiet",
            "--depth",
            "1",
            "--single-branch",
            "--no-tags",
            "--branch",
            branch,
            "--",
            repository,
            str(destination),
        ],
        env=env,
        timeout=timeout,
        what=f"clone of {redact(repository)} (branch {branch})",
        secrets=secrets,
    )
    commit = _git(
        ["-C", str(destination), "rev-parse", "HEAD"],
        env=env,
        timeout=timeout,
        what="rev-parse",
        secrets=secrets,
    ).strip()
    return Checkout(directory=destination, commit=commit)


def credential_helper(
    credentials: GitCredentials | None,
) -> tuple[list[str], dict[str, str]]:
    """git `-c` options and environment that answer git's credential requests, and no others.

    The empty helper first clears any helper of the system or user configuration.
    """
    if credentials is None:
        return ["-c", "credential.helper="], {}
    return (
        ["-c", "credential.helper=", "-c", f"credential.helper={_HELPER}"],
        {_USER_VAR: credentials.username, _SECRET_VAR: credentials.secret},
    )


def _git(
    args: list[str], *, env: dict[str, str], timeout: float, what: str, secrets: tuple[str, ...]
) -> str:
    try:
        done = subprocess.run(
            ["git", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (the config-sync image needs it)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {what} timed out after {timeout:g}s") from None
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        reason = " / ".join(lines[-2:]) or f"exit code {done.returncode}"
        raise GitError(redact(f"git {what} failed: {reason}", *secrets))
    return done.stdout
