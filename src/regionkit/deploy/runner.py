"""Run preview, up, destroy and refresh of one environment through the Pulumi Automation API.

One Pulumi stack per environment: the stack is named after the environment (the stack file's
name), the project after the stack file's `name`, and the program is regionkit's inline program
for the loaded stack. Each environment gets its own workspace directory under
`.regionkit/workspaces/<env>` (Pulumi.yaml and the stack's settings such as the passphrase salt)
and, by default, the local file backend under `.regionkit/state`.

Flow: `preview` and `up` run the stack checks first, and nothing reaches Pulumi when one fails;
`refresh` and `destroy` do not (they deploy nothing the program declares, and must stay possible
for a stack whose file no longer passes). Unless `yes`, `up`, `destroy` and `refresh` first run
their preview (shown with its changes), then ask `confirm(prompt)`; with no changes they stop.

Outcomes: a finished operation returns an `OperationResult`: exit code 0; 3 for a preview with
`detailed_exitcode` and pending changes; 1 with status "declined" when not confirmed. Everything
else raises a `RegionkitError`: an invalid stack (2), a locked stack (4), no Pulumi CLI, no
passphrase, missing credentials, a failed step (1; `DeployError.result` holds the per-resource
state so far). Ctrl-C cancels the update (`stack.cancel()`, which releases the stack's lock) and
raises `DeployError` with status "cancelled" and exit code 1: the operation failed, and 1 is
also what typer gives an interrupted command; 130 would need a new ExitCode in the contract.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi import automation as auto
from rich.console import Console
from rich.text import Text

from regionkit.deploy import failures
from regionkit.deploy.display import Display, show_result
from regionkit.deploy.options import (
    OPERATIONS,
    DeployError,
    DeployOptions,
    Operation,
    OperationResult,
)
from regionkit.deploy.progress import Progress
from regionkit.deploy.workspace import (
    configured_cnpg_backups,
    project_root,
    require_pulumi_cli,
    resolve_backend,
    uses_passphrase,
    workspace_dir,
    workspace_env,
)
from regionkit.errors import ExitCode, InvalidInput, RegionkitError, StackInvalid
from regionkit.findings import Finding, has_errors
from regionkit.spec.loader import LoadedStack

SECRET = "[secret]"
_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
# Operations that deploy what the program declares: they run the checks first. Refresh and
# destroy do not run the program, and must stay possible for a stack whose file no longer passes.
_VALIDATED: tuple[Operation, ...] = ("preview", "up")


@dataclass(frozen=True)
class _Target:
    loaded: LoadedStack
    root: Path
    backend: str
    workspace: Path
    env: dict[str, str]

    @property
    def stack(self) -> str:
        return self.loaded.environment

    @property
    def project(self) -> str:
        return self.loaded.spec.name

    def result(self, operation: Operation) -> OperationResult:
        return OperationResult(operation, self.stack, self.project, self.backend)


def validate_stack(loaded: LoadedStack, *, root: Path | None = None) -> list[Finding]:
    """All findings of the stack checks; raises `StackInvalid` when any is an error.

    The checks are told which cnpg writer regions the environment's Pulumi config gives an
    object store (`regionkit:cnpgBackups`), which the program will read.
    """
    from regionkit.checks import validate

    backups = configured_cnpg_backups(project_root(loaded, root), loaded.environment)
    checked = validate(loaded, cnpg_backups=backups)
    findings = [f if f.file is not None else loaded.locate(f) for f in checked]
    if has_errors(findings):
        raise StackInvalid(findings)
    return findings


def run_operation(
    op: Operation, loaded: LoadedStack, options: DeployOptions | None = None
) -> OperationResult:
    """Run `op` on the environment's stack; see the module docstring for outcomes."""
    options = options or DeployOptions()
    if op not in OPERATIONS:
        raise InvalidInput(f"unknown operation {op!r}; one of {', '.join(OPERATIONS)}")
    findings = validate_stack(loaded, root=options.root) if op in _VALIDATED else []
    console = options.console or Console(stderr=True)
    if not options.json_output:
        for finding in findings:
            console.print(Text(finding.format(), style="yellow"))
    target = _target(loaded, options)
    program_errors: list[RegionkitError] = []
    stack = _open(target, _program(loaded, options, program_errors), create=op in _VALIDATED, op=op)

    if op == "preview" or options.yes:
        result = _run(stack, op, target, options, console, program_errors)
    else:
        preview = _run(stack, op, target, options, console, program_errors, preview_only=True)
        preview.findings = findings
        if not preview.changes_pending:
            if not options.json_output:
                console.print(f"no changes: nothing to {op}")
            preview.operation = op
            if op == "up":
                preview.outputs = _outputs(stack, options.show_secrets)
            return preview
        if options.confirm is None:
            raise InvalidInput(f"`{op}` changes the stack: confirm interactively, or pass --yes")
        if not options.confirm(_prompt(op, target.stack, preview.changes)):
            declined = target.result(op)
            declined.status = "declined"
            declined.exit_code = ExitCode.FAILED
            declined.preview = preview
            declined.findings = findings
            if not options.json_output:
                console.print(f"{op} not confirmed: nothing was changed")
            return declined
        result = _run(stack, op, target, options, console, program_errors)
        result.preview = preview
    result.findings = findings
    return result


def stack_outputs(loaded: LoadedStack, options: DeployOptions | None = None) -> dict[str, Any]:
    """The outputs of the environment's stack; secret values as "[secret]" unless `show_secrets`."""
    options = options or DeployOptions()
    target = _target(loaded, options)
    stack = _open(target, _program(loaded, options, []), create=False, op="outputs")
    return _outputs(stack, options.show_secrets)


# --- setting up -------------------------------------------------------------------------------


def _target(loaded: LoadedStack, options: DeployOptions) -> _Target:
    if not _STACK_NAME.match(loaded.environment):
        raise InvalidInput(
            f"{loaded.path}: the environment name {loaded.environment!r} cannot name a Pulumi stack; "
            "use letters, digits, '-', '_' and '.' in the stack file's name"
        )
    environ: Mapping[str, str] = options.environ if options.environ is not None else os.environ
    root = project_root(loaded, options.root)
    backend = resolve_backend(options.backend, root, environ)
    env = workspace_env(backend, environ)
    require_pulumi_cli()
    return _Target(loaded, root, backend, workspace_dir(root, loaded.environment), env)


def _program(
    loaded: LoadedStack, options: DeployOptions, errors: list[RegionkitError]
) -> Callable[[], None]:
    def program() -> None:
        try:
            if options.program is not None:
                options.program()
            else:
                from regionkit.program import stack_program

                stack_program(loaded)
        except RegionkitError as exc:
            # Kept to re-raise in the caller's thread: the engine only reports it as a failed run.
            errors.append(exc)
            raise

    return program


def _open(target: _Target, program: Callable[[], None], *, create: bool, op: str) -> auto.Stack:
    opts = auto.LocalWorkspaceOptions(
        work_dir=str(target.workspace),
        project_settings=auto.ProjectSettings(
            name=target.project,
            runtime="python",
            backend=auto.ProjectBackend(url=target.backend),
        ),
        secrets_provider="passphrase" if uses_passphrase(target.backend) else None,
        env_vars=target.env,
    )
    select = auto.create_or_select_stack if create else auto.select_stack
    try:
        return select(
            stack_name=target.stack, project_name=target.project, program=program, opts=opts
        )
    except auto.StackNotFoundError:
        raise RegionkitError(
            f"there is no stack {target.stack!r} of project {target.project!r} in {target.backend}: "
            f"nothing to {op}. Deploy it with `regionkit up {target.stack}`, or pass the "
            "--backend it was deployed to"
        ) from None
    except auto.ConcurrentUpdateError:
        raise failures.locked(target.stack, str(target.workspace)) from None
    except auto.InvalidVersionError as exc:
        raise RegionkitError(
            f"the Pulumi CLI is too old for this SDK ({exc}); upgrade it"
        ) from None
    except auto.CommandError as exc:
        raise RegionkitError(failures.command_message(exc, [])) from None
    except FileNotFoundError:
        raise failures.not_installed() from None


# --- running ----------------------------------------------------------------------------------


def _run(
    stack: auto.Stack,
    op: Operation,
    target: _Target,
    options: DeployOptions,
    console: Console,
    program_errors: list[RegionkitError],
    *,
    preview_only: bool = False,
) -> OperationResult:
    """Run `op` (or only its preview) with the live display; the result, or a RegionkitError."""
    region_ids = [region.id for _, region in target.loaded.spec.all_regions()]
    progress = Progress(prefix=target.project, region_ids=region_ids)
    label: Operation = "preview" if preview_only else op
    display = Display(console, progress, label, target.stack, quiet=options.json_output)
    result = target.result(label)
    started = time.monotonic()
    try:
        with display:
            engine_changes = _call(stack, op, display, options, result, preview_only)
    except KeyboardInterrupt:
        note = _cancel(stack)
        _finish(result, progress, started, "cancelled")
        raise DeployError(
            f"{label} of {target.stack!r} interrupted: {note} Resources that were being changed may "
            f"be left half-done; run `regionkit refresh {target.stack}` and then `regionkit "
            f"{op} {target.stack}` again.",
            result,
        ) from None
    except auto.ConcurrentUpdateError:
        raise failures.locked(target.stack, str(target.workspace)) from None
    except auto.CommandError as exc:
        if program_errors:
            raise program_errors[0] from None
        _finish(result, progress, started, "failed")
        message = failures.command_message(exc, progress.errors)
        result.errors = [message]
        if not options.json_output:
            show_result(console, progress, result)
        raise DeployError(f"{label} of {target.stack!r} failed: {message}", result) from None
    except FileNotFoundError:
        raise failures.not_installed() from None
    _finish(result, progress, started, "succeeded")
    if engine_changes is not None:
        result.changes = engine_changes
    if label == "preview":
        result.changes_pending = any(n for o, n in result.changes.items() if o != "same")
        if options.detailed_exitcode and result.changes_pending:
            result.exit_code = ExitCode.CHANGES_PENDING
    if not options.json_output:
        show_result(console, progress, result)
    return result


def _call(
    stack: auto.Stack,
    op: Operation,
    display: Display,
    options: DeployOptions,
    result: OperationResult,
    preview_only: bool,
) -> dict[str, int] | None:
    """The engine's change summary for a preview; None otherwise (the events' counts serve)."""
    common: dict[str, Any] = {"on_event": display.on_event, "color": "never"}
    if options.parallel is not None:
        common["parallel"] = options.parallel
    if op == "preview" or preview_only:
        if op == "destroy":
            preview = stack.preview_destroy(**common)
        elif op == "refresh":
            preview = stack.preview_refresh(**common)
        else:
            preview = stack.preview(**common)
        return {str(getattr(k, "value", k)): int(v) for k, v in preview.change_summary.items()}
    if op == "up":
        up = stack.up(**common)
        result.outputs = _mask(up.outputs, options.show_secrets)
    elif op == "destroy":
        stack.destroy(**common)
    else:
        stack.refresh(**common)
    return None


def _prompt(op: Operation, stack: str, changes: dict[str, int]) -> str:
    counts = ", ".join(f"{n} to {o}" for o, n in sorted(changes.items()) if o != "same" and n)
    if op == "destroy":
        return f"Destroy every resource of stack {stack!r} ({counts})? This cannot be undone"
    if op == "refresh":
        return f"Write the refreshed state of stack {stack!r} ({counts})?"
    return f"Deploy these changes to stack {stack!r} ({counts})?"


def _finish(result: OperationResult, progress: Progress, started: float, status: str) -> None:
    result.status = status  # type: ignore[assignment]
    result.exit_code = ExitCode.OK if status == "succeeded" else ExitCode.FAILED
    result.duration_seconds = time.monotonic() - started
    result.changes = progress.changes()
    result.by_region = progress.by_region()
    result.resources = [state.to_json() for state in progress.resources()]
    result.errors = progress.errors


def _cancel(stack: auto.Stack) -> str:
    try:
        stack.cancel()
    except (auto.CommandError, FileNotFoundError, KeyboardInterrupt) as exc:
        return (
            f"cancelling the update failed ({type(exc).__name__}); if the stack stays locked, "
            "run `pulumi cancel` in its workspace directory."
        )
    return "the update was cancelled and the stack's lock released."


def _outputs(stack: auto.Stack, show_secrets: bool) -> dict[str, Any]:
    try:
        return _mask(stack.outputs(), show_secrets)
    except auto.CommandError as exc:
        raise RegionkitError(failures.command_message(exc, [])) from None


def _mask(outputs: Mapping[str, auto.OutputValue], show_secrets: bool) -> dict[str, Any]:
    return {
        name: out.value if show_secrets or not out.secret else SECRET
        for name, out in sorted(outputs.items())
    }
