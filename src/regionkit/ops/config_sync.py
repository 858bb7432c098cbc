"""`regionkit config-sync`: keep a passive region's admin node at the repository's configuration.

One run: shallow-clone the branch, read every `*.xml` under the path (sorted), parse and check
ALL of them, strip what belongs to one region only, merge into one document, and compare its
hash with the last applied one. When it changed (or the last apply is older than
`reapply_after`, which repairs an admin node that restarted from its startup configuration),
PATCH it onto the admin node's RESTCONF data resource in one request, then record the hash.
Nothing is sent unless every file is valid, and the hash is recorded only after success.

`#{PARAMETER}` values come from a directory of files, one per parameter (in the cluster: a
projected Secret volume holding exactly the parameters the configuration uses), never from
environment variables that every child process would inherit; git runs with an environment
of its own (`git_source`). Every value resolved into the document is redacted from every
message.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Literal

from regionkit.errors import ExitCode, InvalidInput, RegionkitError
from regionkit.ops import curity_xml, git_source
from regionkit.ops.hash_store import AppliedState, HashStore, hash_store
from regionkit.ops.restconf import RestconfAuth, RestconfClient, RetryPolicy, redact

#: environment variables read for every option not given on the command line
ENV = {
    "repository": "REGIONKIT_CONFIG_REPO",
    "branch": "REGIONKIT_CONFIG_BRANCH",
    "path": "REGIONKIT_CONFIG_PATH",
    "restconf_url": "REGIONKIT_RESTCONF_URL",
    "auth_user": "REGIONKIT_RESTCONF_USER",
    "password_file": "REGIONKIT_RESTCONF_PASSWORD_FILE",
    "token_file": "REGIONKIT_RESTCONF_TOKEN_FILE",
    "ca_file": "REGIONKIT_RESTCONF_CA_FILE",
    "state": "REGIONKIT_CONFIG_SYNC_STATE",
    "timeout": "REGIONKIT_CONFIG_SYNC_TIMEOUT",
    "deadline": "REGIONKIT_CONFIG_SYNC_DEADLINE",
    "parameters_dir": "REGIONKIT_CONFIG_PARAMETERS_DIR",
    "attempts": "REGIONKIT_CONFIG_SYNC_ATTEMPTS",
    "reapply_after": "REGIONKIT_CONFIG_SYNC_REAPPLY_AFTER",
    "git_credentials_dir": "REGIONKIT_GIT_CREDENTIALS_DIR",
    "work_dir": "REGIONKIT_CONFIG_SYNC_WORK_DIR",
}

DEFAULT_REAPPLY_AFTER = 3600.0


@dataclass(frozen=True)
class SyncOptions:
    repository: str
    restconf_url: str
    auth: RestconfAuth
    state: HashStore
    branch: str = "main"
    #: directory of the configuration inside the repository
    path: str = "."
    ca_file: Path | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    git_timeout: float = 120.0
    git_credentials: git_source.GitCredentials | None = None
    #: where the clone goes (a writable emptyDir in the job); default the system temp dir
    work_dir: Path | None = None
    strip: tuple[curity_xml.StripRule, ...] = curity_xml.DEFAULT_STRIP
    #: values of `#{PARAMETER}`s (see `read_parameters`); None sends them unresolved
    parameters: Mapping[str, str] | None = field(default_factory=dict)
    #: re-apply an unchanged configuration once the last apply is this old (0: every run,
    #: None: never); an admin node that restarted runs its startup configuration again
    reapply_after: float | None = DEFAULT_REAPPLY_AFTER
    force: bool = False
    dry_run: bool = False

    def __post_init__(self) -> None:
        relative = PurePosixPath(self.path)
        if relative.is_absolute() or ".." in relative.parts:
            raise InvalidInput(f"config path {self.path!r} must be relative, inside the repository")


@dataclass(frozen=True)
class SyncResult:
    action: Literal["applied", "unchanged", "dry-run"]
    hash: str
    commit: str
    files: tuple[str, ...]
    stripped: tuple[str, ...]
    #: the merged configuration with parameters unresolved (safe to print)
    document: str
    status: int | None = None
    attempts: int = 0


def content_hash(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def sync(options: SyncOptions, *, log: Callable[[str], None] = lambda _: None) -> SyncResult:
    """One sync run; raises a RegionkitError (with a one-line message) on any failure."""
    client = RestconfClient(
        options.restconf_url, options.auth, ca_file=options.ca_file, retry=options.retry, log=log
    )
    source = f"{redact(options.repository)}@{options.branch}"
    with tempfile.TemporaryDirectory(prefix="config-sync-", dir=options.work_dir) as scratch:
        checkout = git_source.clone(
            options.repository,
            options.branch,
            Path(scratch) / "repository",
            timeout=options.git_timeout,
            credentials=options.git_credentials,
        )
        log(f"fetched {source} at {checkout.commit[:12]}")
        directory = checkout.directory / options.path
        if not directory.resolve().is_relative_to(checkout.directory.resolve()):
            raise curity_xml.InvalidConfig(f"{source}:{options.path} leads out of the repository")
        config = curity_xml.load_directory(
            directory,
            display=f"{source}:{options.path}",
            strip=options.strip,
            environment=options.parameters,
        )
    log(f"read {len(config.files)} file(s): {', '.join(config.files)}")
    for stripped in config.stripped:
        log(f"stripped {stripped}")
    template = config.to_bytes()
    digest = content_hash(template)
    result = SyncResult(
        action="unchanged",
        hash=digest,
        commit=checkout.commit,
        files=config.files,
        stripped=config.stripped,
        document=config.pretty(),
    )
    previous = options.state.load()
    if not options.force and _still_current(previous, digest, options.reapply_after):
        assert previous is not None
        log(f"{digest[:19]} unchanged since {previous.applied_at} ({options.state.describe()})")
        return result
    if options.dry_run:
        log(f"dry run: would PATCH {len(template)} bytes ({digest[:19]}) to {client.url}")
        return replace(result, action="dry-run")
    body = template if options.parameters is None else config.resolved(options.parameters)
    patched = client.patch(body, secrets=resolved_values(config, options.parameters))
    log(
        f"applied {digest[:19]} to {client.url}: {patched.status} after {patched.attempts} attempt(s)"
    )
    try:
        options.state.save(
            AppliedState.now(
                hash=digest,
                commit=checkout.commit,
                repository=redact(options.repository),
                branch=options.branch,
            )
        )
    except RegionkitError as exc:
        raise RegionkitError(
            f"the configuration was applied, but recording it failed ({exc}); "
            "the next run applies it again"
        ) from None
    return replace(result, action="applied", status=patched.status, attempts=patched.attempts)


def resolved_values(
    config: curity_xml.MergedConfig, parameters: Mapping[str, str] | None
) -> tuple[str, ...]:
    """The values that resolving `config` puts into the document: redacted from messages."""
    if parameters is None:
        return ()
    return tuple(parameters[name] for name in config.parameters if name in parameters)


PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
#: a parameter file is a key, a password or a PEM: anything larger is not one
MAX_PARAMETER_BYTES = 64 * 1024


def read_parameters(directory: Path) -> dict[str, str]:
    """`#{PARAMETER}` values from a directory: each file's name is a parameter, its content the
    value, exactly as stored (a Secret volume writes the bytes it holds).

    Kubernetes' bookkeeping entries of a Secret volume (`..data`, `..2026_...`) are skipped.
    """
    if not directory.is_dir():
        raise InvalidInput(f"parameters directory {directory} does not exist")
    values = {}
    for path in sorted(directory.iterdir()):
        if path.name.startswith("..") or not path.is_file():
            continue
        if not PARAMETER_NAME.match(path.name):
            raise InvalidInput(f"parameters directory {directory}: {path.name!r} is no name")
        try:
            data = path.read_bytes()[: MAX_PARAMETER_BYTES + 1]
            if len(data) > MAX_PARAMETER_BYTES:
                raise InvalidInput(
                    f"parameter file {path} is over {MAX_PARAMETER_BYTES} bytes: not a value"
                )
            values[path.name] = data.decode("utf-8")
        except OSError as exc:
            raise InvalidInput(f"cannot read the parameter file {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise InvalidInput(f"parameter file {path} is not UTF-8 text") from None
    return values


def _still_current(previous: AppliedState | None, digest: str, reapply_after: float | None) -> bool:
    if previous is None or previous.hash != digest:
        return False
    if reapply_after is None:
        return True
    age = previous.age_seconds(datetime.now(UTC))
    return age is not None and 0 <= age < reapply_after


def run_from_cli(
    repository: str | None,
    branch: str | None,
    path: str | None,
    restconf_url: str | None,
    auth_user: str | None,
    password_file: Path | None,
    token_file: Path | None,
    ca_file: Path | None,
    state: str | None,
    timeout: float | None,
    dry_run: bool = False,
    *,
    deadline: float | None = None,
    parameters_dir: Path | None = None,
    attempts: int | None = None,
    reapply_after: float | None = None,
    force: bool = False,
    git_credentials_dir: Path | None = None,
    work_dir: Path | None = None,
    strip: tuple[str, ...] = (),
    resolve_parameters: bool = True,
    environ: Mapping[str, str] | None = None,
) -> int:
    """The `regionkit config-sync` command: progress on stderr, the exit code returned.

    Every argument left None is read from its environment variable (`ENV`). A dry run prints
    the merged configuration (parameters unresolved) on stdout and changes nothing. A negative
    `reapply_after` never re-applies an unchanged configuration; 0 re-applies on every run.
    Parameters come from `parameters_dir` when one is given, else (outside a cluster) from the
    environment; `resolve_parameters=False` sends them unresolved.
    """
    env = os.environ if environ is None else environ

    def say(message: str) -> None:
        print(f"config-sync: {message}", file=sys.stderr, flush=True)

    try:
        options = _options(
            env,
            repository=repository,
            branch=branch,
            path=path,
            restconf_url=restconf_url,
            auth_user=auth_user,
            password_file=password_file,
            token_file=token_file,
            ca_file=ca_file,
            state=state,
            timeout=timeout,
            deadline=deadline,
            parameters_dir=parameters_dir,
            attempts=attempts,
            reapply_after=reapply_after,
            force=force,
            git_credentials_dir=git_credentials_dir,
            work_dir=work_dir,
            strip=strip,
            resolve_parameters=resolve_parameters,
            dry_run=dry_run,
        )
        result = sync(options, log=say)
    except RegionkitError as exc:
        say(f"error: {' '.join(str(exc).split())}")
        return int(exc.exit_code)
    except Exception as exc:  # the CronJob needs one line, not a traceback
        say(
            f"internal error: {type(exc).__name__}: {redact(str(exc))}; please report this at "
            "the regionkit issue tracker with the command that failed"
        )
        return int(ExitCode.FAILED)
    if dry_run:
        sys.stdout.write(result.document)
    return int(ExitCode.OK)


def _options(
    env: Mapping[str, str],
    *,
    repository: str | None,
    branch: str | None,
    path: str | None,
    restconf_url: str | None,
    auth_user: str | None,
    password_file: Path | None,
    token_file: Path | None,
    ca_file: Path | None,
    state: str | None,
    timeout: float | None,
    deadline: float | None,
    parameters_dir: Path | None,
    attempts: int | None,
    reapply_after: float | None,
    force: bool,
    git_credentials_dir: Path | None,
    work_dir: Path | None,
    strip: tuple[str, ...],
    resolve_parameters: bool,
    dry_run: bool,
) -> SyncOptions:
    def text(value: str | None, key: str) -> str | None:
        return value if value else (env.get(ENV[key]) or None)

    def file(value: Path | None, key: str) -> Path | None:
        raw = env.get(ENV[key])
        return value if value is not None else (Path(raw) if raw else None)

    def number(value: float | None, key: str, default: float) -> float:
        if value is not None:
            return value
        raw = env.get(ENV[key])
        try:
            return float(raw) if raw else default
        except ValueError:
            raise InvalidInput(f"{ENV[key]}={raw!r} is not a number") from None

    repo = text(repository, "repository")
    url = text(restconf_url, "restconf_url")
    if not repo:
        raise InvalidInput(f"no configuration repository: give --repository or {ENV['repository']}")
    if not url:
        raise InvalidInput(f"no RESTCONF URL: give --restconf-url or {ENV['restconf_url']}")
    auth = _auth(
        text(auth_user, "auth_user"),
        (password_file, file(password_file, "password_file")),
        (token_file, file(token_file, "token_file")),
    )
    credentials_dir = file(git_credentials_dir, "git_credentials_dir")
    reapply = number(reapply_after, "reapply_after", DEFAULT_REAPPLY_AFTER)
    defaults = RetryPolicy()
    return SyncOptions(
        repository=repo,
        restconf_url=url,
        auth=auth,
        state=hash_store(text(state, "state")),
        branch=text(branch, "branch") or "main",
        path=text(path, "path") or ".",
        ca_file=file(ca_file, "ca_file"),
        retry=RetryPolicy(
            attempts=int(number(attempts, "attempts", defaults.attempts)),
            timeout=number(timeout, "timeout", defaults.timeout),
            deadline=number(deadline, "deadline", defaults.deadline),
        ),
        git_credentials=(
            git_source.GitCredentials.from_dir(credentials_dir) if credentials_dir else None
        ),
        work_dir=file(work_dir, "work_dir"),
        strip=curity_xml.DEFAULT_STRIP + tuple(curity_xml.StripRule.parse(s) for s in strip),
        parameters=_parameters(env, file(parameters_dir, "parameters_dir"), resolve_parameters),
        reapply_after=reapply if reapply >= 0 else None,
        force=force,
        dry_run=dry_run,
    )


def _auth(
    user: str | None,
    password: tuple[Path | None, Path | None],
    token: tuple[Path | None, Path | None],
) -> RestconfAuth:
    """Credentials from (flag, flag-or-environment) pairs: an explicit flag wins over the
    other kind from the environment."""
    (password_flag, password_file), (token_flag, token_file) = password, token
    if password_flag is not None and token_flag is None:
        token_file = None
    if token_flag is not None and password_flag is None:
        password_file = None
    return RestconfAuth(
        user=user or ("admin" if password_file else None),
        password_file=password_file,
        token_file=token_file,
    )


def _parameters(
    env: Mapping[str, str], directory: Path | None, resolve: bool
) -> dict[str, str] | None:
    if not resolve:
        return None
    return read_parameters(directory) if directory is not None else dict(env)
