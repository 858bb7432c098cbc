"""Turn what the Automation API raises into regionkit errors with a message a user can act on."""

from __future__ import annotations

import re

from pulumi import automation as auto

from regionkit.deploy.workspace import INSTALL_HINT
from regionkit.errors import RegionkitError, StackLocked

# Texts the AWS, Google and Kubernetes SDKs print when no (valid) credentials are found.
_CREDENTIALS: list[tuple[str, re.Pattern[str], str]] = [
    (
        "AWS",
        re.compile(
            r"NoCredentialProviders|no valid credential sources|failed to refresh cached "
            r"credentials|ExpiredToken|InvalidClientTokenId|UnrecognizedClientException|"
            r"security token included in the request is (invalid|expired)|"
            r"SSO session .* (expired|invalid)|get identity: get credentials",
            re.IGNORECASE,
        ),
        "set AWS credentials for the account: AWS_PROFILE (after `aws sso login`), or "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an OIDC role in CI",
    ),
    (
        "Google Cloud",
        re.compile(
            r"could not find default credentials|Application Default Credentials|"
            r"oauth2: cannot fetch token|invalid_grant|Reauthentication (is )?(failed|needed)|"
            r"google: error getting credentials",
            re.IGNORECASE,
        ),
        "run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to "
        "a service account key file, or use workload identity federation in CI",
    ),
    (
        "Kubernetes",
        re.compile(
            r"context \S+ does not exist|context was not found for specified context|"
            r"invalid configuration: no configuration has been provided|"
            r"unable to load (in-cluster|kubernetes) configuration|You must be logged in to the "
            r"server|the server has asked for the client to provide credentials",
            re.IGNORECASE,
        ),
        "check that the kubeconfigContext named in the stack file exists "
        "(`kubectl config get-contexts`) and that its credentials are valid (KUBECONFIG)",
    ),
]

_PASSPHRASE = re.compile(
    r"incorrect passphrase|passphrase must be set|failed to decrypt", re.IGNORECASE
)
_ERROR_LINE = re.compile(r"^\s*(error:|\S+ error:)", re.IGNORECASE)


def credentials_hint(text: str) -> str | None:
    """A how-to-fix message when `text` shows missing or rejected cloud credentials."""
    hits = [f"{cloud}: {hint}" for cloud, pattern, hint in _CREDENTIALS if pattern.search(text)]
    if not hits:
        return None
    return "the cloud rejected the credentials or none were found. " + "; ".join(hits)


def not_installed() -> RegionkitError:
    return RegionkitError(f"the Pulumi CLI could not be run. {INSTALL_HINT}")


def locked(stack: str, backend: str, workspace: str) -> StackLocked:
    return StackLocked(
        f"the stack {stack!r} in {backend} is locked: another operation is running on it. Wait "
        "for it to finish. If none is running (a killed process left the lock behind), release "
        f"it with `regionkit cancel {stack} --backend {backend}` (the same as "
        f"`PULUMI_BACKEND_URL={backend} pulumi cancel --stack {stack} --cwd {workspace}`)"
    )


# What the engine says when `up --plan` meets a step the saved plan does not allow.
_PLAN_MISMATCH = re.compile(
    r"violates plan|is not allowed by the plan|no steps were expected|not in the plan|"
    r"plan (was )?expected",
    re.IGNORECASE,
)


def plan_mismatch(exc: auto.CommandError, diagnostics: list[str]) -> str | None:
    """The engine's own lines when `up` stopped because the program left the confirmed plan."""
    lines = [*diagnostics, *str(exc).splitlines()]
    hits = [line.strip() for line in lines if _PLAN_MISMATCH.search(line)]
    return "\n".join(dict.fromkeys(hits)) if hits else None


def program_failed(exc: auto.CommandError, diagnostics: list[str]) -> str | None:
    """The message for a program that raised inside the engine (not a regionkit input error,
    which the runner re-raises itself), or None for other failures."""
    if not isinstance(exc, (auto.InlineSourceRuntimeError, auto.RuntimeError)):
        return None
    return (
        "regionkit's program failed inside the Pulumi engine. This is a bug in regionkit; "
        "report it with the stack file (secrets removed) and these lines:\n"
        + command_message(exc, diagnostics)
    )


def too_old(exc: Exception) -> RegionkitError:
    return RegionkitError(
        f"the Pulumi CLI is too old for the Pulumi SDK regionkit uses ({exc}). {INSTALL_HINT}"
    )


def no_summary(operation: str, stack: str) -> RegionkitError:
    return RegionkitError(
        f"the Pulumi CLI ended the {operation} of {stack!r} without reporting a result (the "
        'SDK\'s "summary event never found"): it stopped before the engine ran, or was '
        "killed. Run again with PULUMI_DEBUG_COMMANDS=true to see its output"
    )


def command_message(exc: auto.CommandError, diagnostics: list[str]) -> str:
    """The lines of a failed CLI call that say what went wrong, not its whole output."""
    text = str(exc)
    hint = credentials_hint(text + "\n" + "\n".join(diagnostics))
    if hint:
        return hint
    if _PASSPHRASE.search(text):
        return (
            "the passphrase does not decrypt this stack's secrets: set PULUMI_CONFIG_PASSPHRASE "
            "(or PULUMI_CONFIG_PASSPHRASE_FILE) to the one the stack was created with"
        )
    if diagnostics:
        return "\n".join(dict.fromkeys(diagnostics))
    lines = [line.strip() for line in text.splitlines() if _ERROR_LINE.match(line)]
    if lines:
        return "\n".join(dict.fromkeys(lines))
    tail = [line.strip() for line in text.splitlines() if line.strip()][-5:]
    return "\n".join(tail) or "the Pulumi CLI failed without a message"
