"""Run preview, up, destroy and refresh of one environment through the Pulumi Automation API.

One Pulumi stack per environment: the stack is named after the environment (the stack file's
name), the project after the stack file's `name`, and the program is regionkit's inline program
for the loaded stack. Each environment gets its own workspace directory under
`.regionkit/workspaces/<env>` (Pulumi.yaml, the stack's settings such as the passphrase salt, and
the project it was deployed with) and, by default, the local file backend under `.regionkit/state`.

Before the engine: `preview` and `up` run the stack checks and the deploy checks (cloud settings,
backup targets, the environment variables the stack file names), and nothing reaches Pulumi when
one fails; `refresh` and `destroy` do not (they must stay possible for a stack whose file no
longer passes). Then the binaries the clusters' kubeconfigs run are looked for, the provider
plugins the stack needs are installed at the SDKs' versions, and a renamed `name:` is refused
(`regionkit.deploy.identity`). `up` creates the stack; `preview` only with `create`.

Flow: unless `skip_preview`, `up`, `destroy` and `refresh` first run their preview (shown with
its changes), then ask `confirm(prompt)` (not with `yes`, as `pulumi up --yes` previews and does
not ask); with no changes they stop. The preview of `up` saves its plan, and the update applies
exactly that plan: when the program would now do something else, the engine stops and `up` says
so. `skip_preview` runs the operation at once, asking nothing (`pulumi up --skip-preview`).

Outcomes: a finished operation returns an `OperationResult`: exit code 0; 3 for a preview with
`detailed_exitcode` and pending changes; 1 with status "declined" when not confirmed. Everything
else raises a `RegionkitError`: an invalid stack (2), a locked stack (4), no Pulumi CLI, no
passphrase, missing credentials, a failed step (1; `DeployError.result` holds the per-resource
state so far). Ctrl-C lets the Pulumi CLI cancel at a safe point (`regionkit.deploy.interrupts`)
and raises `DeployError` with status "cancelled" and exit code 130; it never runs `pulumi cancel`.
"""

from __future__ import annotations

import builtins
import dataclasses
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi import automation as auto
from rich.console import Console
from rich.text import Text

from regionkit.deploy import failures, identity, preflight
from regionkit.deploy.display import Display, show_result
from regionkit.deploy.interrupts import Interrupts
from regionkit.deploy.options import (
    OPERATIONS,
    DeployError,
    DeployOptions,
    Operation,
    OperationResult,
)
from regionkit.deploy.progress import Progress
from regionkit.deploy.workspace import (
    create_state_dir,
    project_root,
    require_pulumi_cli,
    resolve_backend,
    state_dir,
    uses_passphrase,
    workspace_dir,
    workspace_env,
)
from regionkit.errors import ExitCode, InvalidInput, RegionkitError, StackInvalid
from regionkit.findings import Finding, Level, error
from regionkit.spec.loader import LoadedStack

SECRET = "[secret]"
_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
# Operations that deploy what the program declares: they run the checks first. Refresh and
# destroy do not run the program, and must stay possible for a stack whose file no longer passes.
_VALIDATED: tuple[Operation, ...] = ("preview", "up")
#: what `pulumi cancel` does, in the SDK's words (`Stack.cancel`), and on each kind of backend
CANCEL_WARNING = (
    "Cancel stops a stack's currently running update. This operation is very dangerous, and may "
    "leave the stack in an inconsistent state if a resource operation was pending when the "
    "update was canceled."
)


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

    @property
    def identity(self) -> identity.Identity:
        return identity.Identity(self.project, self.stack, self.backend)

    def result(self, operation: Operation) -> OperationResult:
        return OperationResult(operation, self.stack, self.project, self.backend)


@dataclass(frozen=True)
class _Session:
    """One opened stack and what every step of an operation on it needs."""

    stack: auto.Stack
    target: _Target
    options: DeployOptions
    console: Console
    program_errors: list[RegionkitError]


def validate_stack(loaded: LoadedStack, environ: Mapping[str, str] | None = None) -> list[Finding]:
    """All findings of the stack and deploy checks; raises `StackInvalid` when any blocks a
    deployment (an error, or a deploy finding such as a missing GCP project)."""
    from regionkit.checks import validate
    from regionkit.checks.deploy import blocks_deploy, deploy_findings
    from regionkit.program import missing_backup_variables

    environ = os.environ if environ is None else environ
    findings = [f if f.file is not None else loaded.locate(f) for f in validate(loaded)]
    findings += deploy_findings(loaded)
    findings += [
        loaded.locate(
            error(
                "deploy.environment",
                path,
                f"the environment variable {variable} is not set; `regionkit up` reads the "
                "object store's key from it (the stack file names it, never holds it)",
            )
        )
        for path, variable in missing_backup_variables(loaded.spec, environ)
    ]
    if any(blocks_deploy(f) for f in findings):
        raise StackInvalid(
            [dataclasses.replace(f, level=Level.ERROR) if blocks_deploy(f) else f for f in findings]
        )
    return findings


def run_operation(
    op: Operation, loaded: LoadedStack, options: DeployOptions | None = None
) -> OperationResult:
    """Run `op` on the environment's stack; see the module docstring for outcomes."""
    options = options or DeployOptions()
    if op not in OPERATIONS:
        raise InvalidInput(f"unknown operation {op!r}; one of {', '.join(OPERATIONS)}")
    environ = _environ(options)
    findings = validate_stack(loaded, environ) if op in _VALIDATED else []
    console = options.console or Console(stderr=True)
    if not options.json_output:
        for finding in findings:
            console.print(Text(finding.format(), style="yellow"))
    create = op == "up" or (op == "preview" and options.create)
    target = _target(loaded, options, create=create, op=op)
    preflight.require_tools(loaded.spec)
    program_errors: list[RegionkitError] = []
    workspace = _workspace(target, _program(loaded, options, program_errors, environ))
    if options.install_plugins:
        _install_plugins(workspace, target, console, quiet=options.json_output)
    stack = _open(workspace, target, create=create, op=op, console=console, options=options)
    session = _Session(stack, target, options, console, program_errors)

    if op == "preview" or options.skip_preview:
        result = _run(session, op)
        result.findings = findings
        return result
    if op != "up":
        return _previewed(session, op, findings, None)
    with _plan_file() as plan:
        return _previewed(session, op, findings, plan)


def _previewed(
    session: _Session, op: Operation, findings: list[Finding], plan: Path | None
) -> OperationResult:
    """Preview, confirm, run. With `plan` the preview saves its plan there and the update is
    held to exactly that plan."""
    preview = _run(session, op, preview_only=True, plan=plan)
    preview.findings = findings
    if not preview.changes_pending:
        return _nothing_to_do(session, op, preview)
    declined = _confirm(session, op, preview, findings)
    if declined is not None:
        return declined
    if plan is not None and not session.options.json_output:
        whose = "of the preview above" if session.options.yes else "you confirmed"
        session.console.print(
            f"applying the plan {whose} to {session.target.stack!r}: only the changes shown above",
            markup=False,
        )
    result = _run(session, op, plan=plan)
    result.plan_applied = plan is not None
    result.preview = preview
    result.findings = findings
    return result


def _nothing_to_do(session: _Session, op: Operation, preview: OperationResult) -> OperationResult:
    if not session.options.json_output:
        session.console.print(f"no changes: nothing to {op}")
    preview.operation = op
    if op == "up":
        preview.outputs = _outputs(session.stack, session.options.show_secrets)
    return preview


def _confirm(
    session: _Session, op: Operation, preview: OperationResult, findings: list[Finding]
) -> OperationResult | None:
    """None to go on; else the "declined" result."""
    target, options, console = session.target, session.options, session.console
    if options.yes:
        return None
    if options.confirm is None:
        raise InvalidInput(f"`{op}` changes the stack: confirm interactively, or pass --yes")
    if options.confirm(_prompt(op, target.stack, preview.changes)):
        return None
    declined = target.result(op)
    declined.status = "declined"
    declined.exit_code = ExitCode.FAILED
    declined.preview = preview
    declined.findings = findings
    if not options.json_output:
        console.print(f"{op} not confirmed: nothing was changed")
    return declined


@contextmanager
def _plan_file() -> Iterator[Path]:
    """A private place for the preview's plan; removed afterwards (it names every input)."""
    directory = Path(tempfile.mkdtemp(prefix="regionkit-plan-"))
    try:
        yield directory / "plan.json"
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def cancel_stack(loaded: LoadedStack, options: DeployOptions | None = None) -> str:
    """`pulumi cancel` on the environment's stack, after the SDK's warning and a confirmation."""
    options = options or DeployOptions()
    console = options.console or Console(stderr=True)
    target = _target(loaded, options, op="cancel")
    workspace = _workspace(target, None)
    stack = _open(workspace, target, create=False, op="cancel", console=console, options=options)
    where = (
        "On this backend it deletes the stack's lock files, whoever holds them."
        if uses_passphrase(target.backend)
        else "On Pulumi Cloud it cancels the update running there, whoever started it."
    )
    warning = f"{CANCEL_WARNING} {where}"
    console.print(Text("warning: " + warning, style="yellow"))
    if not options.yes:
        if options.confirm is None:
            raise InvalidInput("`cancel` needs confirming interactively, or --yes")
        if not options.confirm(f"Cancel the running update of stack {target.stack!r}?"):
            return "not confirmed: nothing was cancelled"
    try:
        stack.cancel()
    except FileNotFoundError:
        raise failures.not_installed() from None
    except auto.CommandError as exc:
        raise RegionkitError(
            f"cancelling {target.stack!r} failed: {failures.command_message(exc, [])}"
        ) from None
    return (
        f"cancelled the update of {target.stack!r} and released its lock; run "
        f"`regionkit refresh {target.stack}` before the next `regionkit up`"
    )


def stack_outputs(loaded: LoadedStack, options: DeployOptions | None = None) -> dict[str, Any]:
    """The outputs of the environment's stack; secret values as "[secret]" unless `show_secrets`."""
    options = options or DeployOptions()
    console = options.console or Console(stderr=True)
    target = _target(loaded, options, op="outputs")
    workspace = _workspace(target, None)
    stack = _open(workspace, target, create=False, op="outputs", console=console, options=options)
    return _outputs(stack, options.show_secrets)


# --- setting up -------------------------------------------------------------------------------


def _environ(options: DeployOptions) -> Mapping[str, str]:
    return options.environ if options.environ is not None else os.environ


def _target(
    loaded: LoadedStack, options: DeployOptions, *, create: bool = False, op: str = "preview"
) -> _Target:
    """Where the environment's stack lives; `create`: the operation may create the stack."""
    if not _STACK_NAME.match(loaded.environment):
        raise InvalidInput(
            f"{loaded.path}: the environment name {loaded.environment!r} cannot name a Pulumi stack; "
            "use letters, digits, '-', '_' and '.' in the stack file's name"
        )
    environ = _environ(options)
    root = project_root(loaded, options.root)
    # What is missing is reported before anything is written: the CLI, then the passphrase;
    # a file backend's directory is created only for an operation that may create the stack.
    require_pulumi_cli()
    backend = resolve_backend(options.backend, root, environ, create=False)
    env = workspace_env(backend, environ)
    directory = state_dir(backend)
    if directory is not None and not directory.is_dir():
        if not create:
            raise _no_stack(loaded.environment, loaded.spec.name, backend, op)
        create_state_dir(backend)
    return _Target(loaded, root, backend, workspace_dir(root, loaded.environment), env)


def _program(
    loaded: LoadedStack,
    options: DeployOptions,
    errors: list[RegionkitError],
    environ: Mapping[str, str],
) -> Callable[[], None]:
    def program() -> None:
        try:
            if options.program is not None:
                options.program()
            else:
                from regionkit.program import stack_program

                stack_program(loaded, environ=environ)
        except RegionkitError as exc:
            # Kept to re-raise in the caller's thread: the engine only reports it as a failed run.
            errors.append(exc)
            raise

    return program


def _workspace(target: _Target, program: Callable[[], None] | None) -> auto.LocalWorkspace:
    """The environment's workspace: its own directory, project settings and backend."""
    try:
        return auto.LocalWorkspace(
            work_dir=str(target.workspace),
            program=program,
            env_vars=target.env,
            secrets_provider="passphrase" if uses_passphrase(target.backend) else None,
            project_settings=auto.ProjectSettings(
                name=target.project,
                runtime="python",
                backend=auto.ProjectBackend(url=target.backend),
            ),
        )
    except FileNotFoundError:
        raise failures.not_installed() from None
    except auto.InvalidVersionError as exc:
        raise failures.too_old(exc) from None


def _install_plugins(
    workspace: auto.LocalWorkspace, target: _Target, console: Console, *, quiet: bool
) -> None:
    """The provider plugins the stack needs, at the versions of the installed SDKs."""
    for plugin in preflight.needed_plugins(target.loaded.spec):
        if not quiet:
            console.print(f"provider plugin {plugin.name} {plugin.version}", markup=False)
        try:
            workspace.install_plugin(plugin.name, plugin.version)
        except FileNotFoundError:
            raise failures.not_installed() from None
        except auto.CommandError as exc:
            raise RegionkitError(
                f"installing the {plugin.name} provider plugin {plugin.version} failed: "
                f"{failures.command_message(exc, [])}. Where downloads are blocked, install it "
                f"from your mirror: `pulumi plugin install resource {plugin.name} "
                f"{plugin.version} --server <url>`"
            ) from None


def _open(
    workspace: auto.LocalWorkspace,
    target: _Target,
    *,
    create: bool,
    op: str,
    console: Console,
    options: DeployOptions,
) -> auto.Stack:
    """Select the environment's stack (create it only when `create`), one identity checked."""
    try:
        names = [summary.name for summary in workspace.list_stacks(include_all=True)]
        existing = identity.projects_with_stack(names, target.stack)
        note = identity.check_identity(
            target.identity,
            identity.read_record(target.workspace),
            existing,
            str(target.loaded.path or "the stack file"),
        )
        if note and create and not options.json_output:
            console.print(Text("warning: " + note, style="yellow"))
        select = auto.Stack.create_or_select if create else auto.Stack.select
        stack = select(target.stack, workspace)
    except auto.StackNotFoundError:
        raise _no_stack(target.stack, target.project, target.backend, op) from None
    except auto.StackAlreadyExistsError:
        raise RegionkitError(
            f"stack {target.stack!r} of project {target.project!r} appeared in {target.backend} "
            "while it was being created (another run?); run the command again"
        ) from None
    except auto.ConcurrentUpdateError:
        raise failures.locked(target.stack, target.backend, str(target.workspace)) from None
    except auto.InvalidVersionError as exc:
        raise failures.too_old(exc) from None
    except auto.CommandError as exc:
        raise RegionkitError(failures.command_message(exc, [])) from None
    except FileNotFoundError:
        raise failures.not_installed() from None
    identity.write_record(target.workspace, target.identity)
    return stack


def _no_stack(stack: str, project: str, backend: str, op: str) -> RegionkitError:
    hint = (
        " (pass --create to preview a new stack)"
        if op == "preview"
        else f". Deploy it with `regionkit up {stack}`, or pass the --backend it was deployed to"
    )
    return RegionkitError(
        f"there is no stack {stack!r} of project {project!r} in {backend}: nothing to {op}{hint}"
    )


# --- running ----------------------------------------------------------------------------------


def _run(
    session: _Session, op: Operation, *, preview_only: bool = False, plan: Path | None = None
) -> OperationResult:
    """Run `op` (or only its preview) with the live display; the result, or a RegionkitError.

    `plan`: where the preview saves its plan, or the plan the update must follow.
    """
    stack, target, options, console = (
        session.stack,
        session.target,
        session.options,
        session.console,
    )
    region_ids = [region.id for _, region in target.loaded.spec.all_regions()]
    progress = Progress(prefix=target.project, region_ids=region_ids)
    label: Operation = "preview" if preview_only else op
    display = Display(
        console, progress, label, target.stack, quiet=options.json_output, diff=options.diff
    )
    result = target.result(label)
    started = time.monotonic()
    interrupts = Interrupts(console, label)
    try:
        with display, interrupts:
            engine_changes = _call(stack, op, display, options, result, preview_only, plan)
    except KeyboardInterrupt:
        _finish(result, progress, started, "cancelled")
        raise _cancelled(target, op, label, result, waited=False) from None
    except auto.ConcurrentUpdateError:
        raise failures.locked(target.stack, target.backend, str(target.workspace)) from None
    except auto.CommandError as exc:
        raise _command_failed(
            session,
            op,
            label,
            (result, progress, started),
            exc,
            interrupts,
            following_plan=bool(plan) and not preview_only,
        ) from None
    except auto.InvalidVersionError as exc:
        raise failures.too_old(exc) from None
    except builtins.RuntimeError as exc:
        if "summary event never found" not in str(exc):
            raise
        raise failures.no_summary(label, target.stack) from None
    except FileNotFoundError:
        raise failures.not_installed() from None
    return _succeeded(session, label, (result, progress, started), engine_changes, interrupts)


def _command_failed(
    session: _Session,
    op: Operation,
    label: Operation,
    run: tuple[OperationResult, Progress, float],
    exc: auto.CommandError,
    interrupts: Interrupts,
    *,
    following_plan: bool,
) -> RegionkitError:
    """What a failed engine command ends in: cancelled, the program's own error, a plan that
    no longer matches the confirmed one, or the engine's message."""
    target, options, console = session.target, session.options, session.console
    result, progress, started = run
    if interrupts.interrupted:
        _finish(result, progress, started, "cancelled")
        if not options.json_output:
            show_result(console, progress, result, diff=options.diff)
        return _cancelled(target, op, label, result, waited=True)
    if session.program_errors:
        return session.program_errors[0]
    _finish(result, progress, started, "failed")
    mismatch = failures.plan_mismatch(exc, progress.errors) if following_plan else None
    message = (
        "the program now produces a different plan than the preview you confirmed, so the "
        "update stopped where it left the plan (changes before that point were the "
        "confirmed ones). Something changed in between: the stack file, its config files, "
        "a data source or the cloud. Run `regionkit up "
        f"{target.stack}` again to review the new preview. The engine said:\n{mismatch}"
        if mismatch
        else failures.program_failed(exc, progress.errors)
        or failures.command_message(exc, progress.errors)
    )
    result.errors = [message]
    if not options.json_output:
        show_result(console, progress, result, diff=options.diff)
    return DeployError(f"{label} of {target.stack!r} failed: {message}", result)


def _succeeded(
    session: _Session,
    label: Operation,
    run: tuple[OperationResult, Progress, float],
    engine_changes: dict[str, int] | None,
    interrupts: Interrupts,
) -> OperationResult:
    """The result of an engine command that finished, shown unless the output is JSON."""
    options, console = session.options, session.console
    result, progress, started = run
    _finish(result, progress, started, "succeeded")
    if engine_changes is not None:
        result.changes = engine_changes
    if label == "preview":
        result.changes_pending = any(n for o, n in result.changes.items() if o != "same")
        if options.detailed_exitcode and result.changes_pending:
            result.exit_code = ExitCode.CHANGES_PENDING
    if not options.json_output:
        show_result(console, progress, result, diff=options.diff)
        if interrupts.interrupted:
            console.print(f"Ctrl-C came after the engine had finished: the {label} completed")
    return result


def _cancelled(
    target: _Target, op: Operation, label: str, result: OperationResult, *, waited: bool
) -> DeployError:
    if waited:
        how = "the engine stopped at a safe point and released the stack's lock."
    else:
        how = (
            "regionkit stopped waiting for the engine, which may still be stopping; if the "
            f"stack stays locked, see `regionkit cancel {target.stack}`."
        )
    after = (
        f" Run `regionkit refresh {target.stack}` and then `regionkit {op} {target.stack}` again."
        if label != "preview"
        else ""
    )
    result.exit_code = ExitCode.CANCELLED
    return DeployError(
        f"{label} of {target.stack!r} cancelled: {how}{after}", result, ExitCode.CANCELLED
    )


def _call(
    stack: auto.Stack,
    op: Operation,
    display: Display,
    options: DeployOptions,
    result: OperationResult,
    preview_only: bool,
    plan: Path | None,
) -> dict[str, int] | None:
    """The engine's change summary for a preview; None otherwise (the events' counts serve)."""
    common: dict[str, Any] = {"on_event": display.on_event, "color": "never"}
    if options.parallel is not None:
        common["parallel"] = options.parallel
    if options.targets:
        common["target"] = list(options.targets)
    if options.diff:
        common["diff"] = True
    if op == "preview" or preview_only:
        if op == "destroy":
            preview = stack.preview_destroy(**common)
        elif op == "refresh":
            preview = stack.preview_refresh(**common)
        elif plan is not None:
            preview = stack.preview(plan=str(plan), **common)
        else:
            preview = stack.preview(**common)
        return {str(getattr(k, "value", k)): int(v) for k, v in preview.change_summary.items()}
    if op == "up":
        up = stack.up(plan=str(plan), **common) if plan is not None else stack.up(**common)
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
