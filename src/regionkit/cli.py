"""The `regionkit` command: a thin typer layer over spec, checks, plan, deploy and ops.

Data goes to stdout; progress and diagnostics to stderr. Heavy modules (Pulumi and its providers)
are imported inside the commands that need them so `regionkit --help` stays fast.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from regionkit.errors import ExitCode, InvalidInput, RegionkitError, StackInvalid

app = typer.Typer(
    name="regionkit",
    help="Deploy an OAuth identity server in one or many regions, as Pulumi infrastructure as code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

T = TypeVar("T")

StackArg = Annotated[
    str,
    typer.Argument(
        metavar="STACK",
        help="A stack file, or an environment name resolved to stacks/<name>.yaml.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document.")]


class PlanFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    mermaid = "mermaid"


class DiffFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class ReportKind(StrEnum):
    residency = "residency"


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


def _stderr() -> Any:
    return _console_class()(stderr=True, highlight=False, soft_wrap=True)


def _stdout() -> Any:
    return _console_class()(highlight=False, soft_wrap=True)


@functools.cache
def _console_class() -> type[Any]:
    """rich's Console, escaping control and bidi characters in every string it prints (a value
    quoted from a stack file in a finding or an error must not drive the terminal)."""
    from rich.console import Console

    from regionkit.model.text import printable

    class EscapingConsole(Console):
        def print(self, *objects: Any, **kwargs: Any) -> None:
            safe = (printable(o) if isinstance(o, str) else o for o in objects)
            super().print(*safe, **kwargs)

    return EscapingConsole


def _fail(message: str, code: ExitCode) -> NoReturn:
    from rich.markup import escape

    _stderr().print(f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False)
    raise typer.Exit(int(code))


def _guard(fn: Callable[[], T], *, json_errors: bool = False) -> T:
    """Run a command body: user errors become a message and an exit code, never a traceback."""
    try:
        return fn()
    except StackInvalid as exc:
        if json_errors:
            _print_json({"valid": False, "findings": [f.to_json() for f in exc.findings]})
        else:
            console = _stderr()
            for finding in exc.findings:
                console.print(finding.format(), markup=False, highlight=False)
            errors = sum(1 for f in exc.findings if f.is_error)
            console.print(f"{errors} error(s): nothing was planned or deployed.", markup=False)
        raise typer.Exit(int(exc.exit_code)) from None
    except RegionkitError as exc:
        if json_errors:
            _print_json({"error": str(exc), "exitCode": int(exc.exit_code)})
            raise typer.Exit(int(exc.exit_code)) from None
        _fail(str(exc), exc.exit_code)
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        _fail("cancelled (Ctrl-C)", ExitCode.CANCELLED)
    except Exception as exc:  # an internal error: say so, and how to report it
        if os.environ.get("REGIONKIT_DEBUG"):
            raise
        message = (
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in regionkit. Run again with REGIONKIT_DEBUG=1 for the traceback and "
            "report it with the stack file (secrets removed)."
        )
        if json_errors:
            _print_json({"error": message, "exitCode": int(ExitCode.FAILED)})
            raise typer.Exit(int(ExitCode.FAILED)) from None
        _fail(message, ExitCode.FAILED)


def _print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def _load(stack: str) -> Any:
    from regionkit.spec.loader import load_stack

    return load_stack(stack)


# --- validate ---------------------------------------------------------------------------------


@app.command()
def validate(
    stack: StackArg,
    json_output: JsonOpt = False,
    report: Annotated[
        ReportKind | None, typer.Option("--report", help="Also print a report: residency.")
    ] = None,
    report_format: Annotated[
        ReportFormat, typer.Option("--format", help="Format of the --report output.")
    ] = ReportFormat.table,
) -> None:
    """Check the stack file: schema, topology shape, security, residency, engines, DNS budget."""

    def run() -> None:
        from regionkit.checks import validate as run_checks
        from regionkit.checks.deploy import deploy_findings
        from regionkit.findings import has_errors

        loaded = _load(stack)
        findings = sorted(
            run_checks(loaded) + deploy_findings(loaded),
            key=lambda f: f.line if f.line is not None else 0,
        )
        failed = has_errors(findings)
        residency = None
        if report is ReportKind.residency:
            import dataclasses

            from regionkit.residency import analyse

            residency = analyse(loaded.spec)
            residency = dataclasses.replace(
                residency, findings=tuple(loaded.locate(f) for f in residency.findings)
            )
        if json_output:
            document: dict[str, Any] = {
                "stack": loaded.environment,
                "file": str(loaded.path),
                "valid": not failed,
                "findings": [f.to_json() for f in findings],
            }
            if residency is not None:
                document["residency"] = residency.to_json()
            _print_json(document)
        else:
            out = _stdout()
            for finding in findings:
                out.print(finding.format(), markup=False, highlight=False)
            errors = sum(1 for f in findings if f.is_error)
            warnings = len(findings) - errors
            status = "invalid" if failed else "valid"
            _stderr().print(
                f"{loaded.path}: {status} ({errors} error(s), {warnings} warning(s))", markup=False
            )
            if residency is not None:
                from regionkit.residency import scenarios
                from regionkit.residency.render import render_report

                render_report(residency, str(report_format), out, scenarios(loaded.spec))
        if failed:
            raise typer.Exit(int(ExitCode.INVALID_INPUT))

    _guard(run, json_errors=json_output)


# --- plan -------------------------------------------------------------------------------------


@app.command()
def plan(
    stack: StackArg,
    output_format: Annotated[
        PlanFormat, typer.Option("--format", "-f", help="How to print the plan.")
    ] = PlanFormat.table,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Also write plan.json, plan.md, topology.mmd, runbook.md and k8s/<region>/*.yaml "
            "here.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="With --out: overwrite files there that an earlier plan did not write.",
        ),
    ] = False,
) -> None:
    """Evaluate the whole Pulumi program offline and print every resource it would create."""

    def run() -> None:
        from regionkit.plan import render
        from regionkit.plan.runner import plan_stack

        loaded = _load(stack)
        _stderr().print(f"planning {loaded.path} offline ...", markup=False)
        document = plan_stack(loaded)
        if out is not None:
            from regionkit.failover import runbook_markdown

            runbook = runbook_markdown(loaded.spec, loaded.environment)
            written = render.write_outputs(document, out, runbook=runbook, force=force)
            _stderr().print(f"wrote {len(written)} files to {out}", markup=False)
        if output_format is PlanFormat.json:
            _print_json(document)
        elif output_format is PlanFormat.markdown:
            sys.stdout.write(render.render_markdown(document))
        elif output_format is PlanFormat.mermaid:
            sys.stdout.write(render.render_mermaid(document))
        else:
            _stdout().print(render.render_table(document))

    _guard(run)


# --- simulate ---------------------------------------------------------------------------------


class SimulateFormat(StrEnum):
    markdown = "markdown"
    json = "json"


@app.command()
def simulate(
    stack: StackArg,
    fail: Annotated[
        str | None,
        typer.Option(
            "--fail", metavar="REGION", help="The region id that fails; default: each in turn."
        ),
    ] = None,
    json_output: JsonOpt = False,
    output_format: Annotated[
        SimulateFormat, typer.Option("--format", "-f", help="markdown (default) or json.")
    ] = SimulateFormat.markdown,
) -> None:
    """Offline failure model: routing, reads/writes before and after failover, RPO/RTO with
    sources, residency and the article's scenarios, for the loss of one region."""

    def run() -> None:
        from regionkit.checks import validate as run_checks
        from regionkit.failover import failures_markdown, simulate, simulation_json
        from regionkit.findings import has_errors

        loaded = _load(stack)
        findings = run_checks(loaded)
        if has_errors(findings):
            raise StackInvalid(findings)
        regions = loaded.spec.all_regions()
        if fail is not None and fail not in {r.id for _, r in regions}:
            # the list of regions: the first region's key path, less its index
            key = regions[0][0].rsplit("[", 1)[0]
            line = loaded.line_of(key)
            raise InvalidInput(
                f"--fail {fail}: no region {fail!r} in {loaded.path}"
                f"{f':{line}' if line else ''} (key {key}); the regions are: "
                + ", ".join(r.id for _, r in regions)
            )
        failures = simulate(loaded.spec, fail, loaded.environment)
        if json_output or output_format is SimulateFormat.json:
            _print_json(simulation_json(loaded.environment, failures))
        else:
            sys.stdout.write(failures_markdown(loaded.environment, failures) + "\n")

    _guard(run, json_errors=json_output)


# --- diff -------------------------------------------------------------------------------------


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="plan.json, or a stack file planned on the fly.")],
    new: Annotated[str, typer.Argument(help="plan.json, or a stack file planned on the fly.")],
    output_format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="text, json, or markdown for a PR comment.")
    ] = DiffFormat.text,
) -> None:
    """Difference of two plans: added, removed and changed resources with the changed keys."""

    def run() -> None:
        from regionkit.plan.diff import diff_plans, render_diff_markdown, render_diff_text

        result = diff_plans(_plan_document(old), _plan_document(new))
        if output_format is DiffFormat.json:
            _print_json(result)
        elif output_format is DiffFormat.markdown:
            sys.stdout.write(render_diff_markdown(result))
        else:
            sys.stdout.write(render_diff_text(result))

    _guard(run)


def _plan_document(source: str) -> dict[str, Any]:
    """A plan.json file as it is, or a stack file planned on the fly."""
    if Path(source).suffix == ".json":
        from regionkit.plan.model import load_plan

        return load_plan(source)
    from regionkit.plan.runner import plan_stack

    return plan_stack(_load(source))


# --- latency ----------------------------------------------------------------------------------


@app.command()
def latency(
    stack: StackArg,
    users: Annotated[
        str | None,
        typer.Option(
            "--users",
            metavar="COUNTRY=WEIGHT,...",
            help="User countries and their weights, e.g. DE=40,FR=25 (default: the populations "
            "of the stack's jurisdictions).",
        ),
    ] = None,
    users_file: Annotated[
        Path | None,
        typer.Option("--users-file", help="YAML mapping of country codes to weights (DE: 40)."),
    ] = None,
    suggest: Annotated[
        int | None,
        typer.Option(
            "--suggest",
            min=1,
            metavar="N",
            help="Also list the N candidate regions that would most lower the weighted p95.",
        ),
    ] = None,
    json_output: JsonOpt = False,
    output_format: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="table, json, or markdown for a PR comment."),
    ] = ReportFormat.table,
) -> None:
    """Where each user country is served and how fast, before and after each region fails."""

    def run() -> None:
        from regionkit.latency import latency_map, load_users, parse_users
        from regionkit.latency import render as latency_render
        from regionkit.latency.suggest import candidates
        from regionkit.latency.suggest import suggest as suggest_regions

        if users is not None and users_file is not None:
            raise InvalidInput("--users and --users-file are mutually exclusive: give one")
        loaded = _load(stack)
        given = (
            parse_users(users)
            if users is not None
            else load_users(users_file)
            if users_file is not None
            else None
        )
        report = latency_map(loaded.spec, given)
        document: dict[str, Any] = report.to_json()
        if suggest is not None:
            found = suggest_regions(loaded.spec, suggest, report.users)
            document["suggestions"] = [s.to_json() for s in found]
            if not found:
                document["suggestionNote"] = (
                    "No candidate region lowers the p95: none of the stack's clouds has a "
                    "region that residency allows and that is nearer the users"
                    if candidates(loaded.spec)
                    else "No candidate region: only global-cluster deployments spread users over "
                    "regions (failover routing sends everyone to one region), and residency must "
                    "allow the region"
                )
        if json_output or output_format is ReportFormat.json:
            _print_json(document)
        elif output_format is ReportFormat.markdown:
            sys.stdout.write(latency_render.render_markdown(document) + "\n")
        else:
            _stdout().print(latency_render.render_table(document))

    _guard(run, json_errors=json_output)


# --- deployment (needs the Pulumi CLI) --------------------------------------------------------

BackendOpt = Annotated[
    str | None,
    typer.Option(
        "--backend",
        envvar="PULUMI_BACKEND_URL",
        help="State backend: file://, s3://, gs:// or Pulumi Cloud. Default: .regionkit/state.",
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _operation(
    op: str,
    stack: str,
    *,
    backend: str | None,
    yes: bool,
    json_output: bool,
    detailed_exitcode: bool = False,
    create: bool = False,
) -> None:
    def run() -> None:
        from regionkit.deploy import DeployOptions, run_operation

        loaded = _load(stack)
        options = DeployOptions(
            backend=backend,
            yes=yes,
            json_output=json_output,
            detailed_exitcode=detailed_exitcode,
            confirm=_confirm,
            create=create,
        )
        result = run_operation(op, loaded, options)  # type: ignore[arg-type]
        if json_output:
            _print_json(result.to_json())
        code = int(result.exit_code)
        if code:
            raise typer.Exit(code)

    _guard(run, json_errors=json_output)


@app.command()
def preview(
    stack: StackArg,
    backend: BackendOpt = None,
    json_output: JsonOpt = False,
    detailed_exitcode: Annotated[
        bool, typer.Option("--detailed-exitcode", help="Exit 3 when changes are pending.")
    ] = False,
    create: Annotated[
        bool,
        typer.Option("--create", help="Create the stack in the backend when it does not exist."),
    ] = False,
) -> None:
    """Preview the changes `up` would make (needs the Pulumi CLI and cloud credentials).

    Only an existing stack is previewed unless --create is given.
    """
    _operation(
        "preview",
        stack,
        backend=backend,
        yes=True,
        json_output=json_output,
        detailed_exitcode=detailed_exitcode,
        create=create,
    )


@app.command()
def up(
    stack: StackArg, backend: BackendOpt = None, yes: YesOpt = False, json_output: JsonOpt = False
) -> None:
    """Deploy the stack: preview, confirm, then apply exactly the confirmed plan.

    Needs the Pulumi CLI and credentials. Ctrl-C cancels at a safe point (exit 130).
    """
    _operation("up", stack, backend=backend, yes=yes, json_output=json_output)


@app.command()
def destroy(
    stack: StackArg, backend: BackendOpt = None, yes: YesOpt = False, json_output: JsonOpt = False
) -> None:
    """Delete every resource of the stack (needs the Pulumi CLI and credentials)."""
    _operation("destroy", stack, backend=backend, yes=yes, json_output=json_output)


@app.command()
def refresh(
    stack: StackArg, backend: BackendOpt = None, yes: YesOpt = False, json_output: JsonOpt = False
) -> None:
    """Read the real state of every resource into the stack's state."""
    _operation("refresh", stack, backend=backend, yes=yes, json_output=json_output)


@app.command()
def cancel(stack: StackArg, backend: BackendOpt = None, yes: YesOpt = False) -> None:
    """Cancel the stack's running update and remove its lock: dangerous, see the warning."""

    def run() -> None:
        from regionkit.deploy import DeployOptions, cancel_stack

        message = cancel_stack(
            _load(stack), DeployOptions(backend=backend, yes=yes, confirm=_confirm)
        )
        _stderr().print(message, markup=False)

    _guard(run)


def _confirm(prompt: str) -> bool:
    """Ask on stderr; no answer (end of input, as in CI) is a no."""
    try:
        return typer.confirm(prompt, default=False, err=True)
    except typer.Abort:
        return False


@app.command()
def outputs(stack: StackArg, backend: BackendOpt = None, json_output: JsonOpt = False) -> None:
    """The stack's outputs (needs the Pulumi CLI)."""

    def run() -> None:
        from regionkit.deploy import DeployOptions, stack_outputs

        values = stack_outputs(
            _load(stack), DeployOptions(backend=backend, json_output=json_output)
        )
        if json_output:
            _print_json(values)
        else:
            out = _stdout()
            for key, value in sorted(values.items()):
                out.print(f"{key}: {json.dumps(value)}", markup=False)

    _guard(run, json_errors=json_output)


# --- scaffolding, schema ----------------------------------------------------------------------


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Where to create the project.")],
    name: Annotated[str | None, typer.Option(help="Deployment name (prefix of resources).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Scaffold a project: Pulumi.yaml, __main__.py, stacks/dev.yaml, a PR preview workflow."""

    def run() -> None:
        from regionkit.scaffold import init_project

        written = init_project(directory, name=name, force=force)
        for path in written:
            sys.stdout.write(f"{path}\n")
        _stderr().print(
            f"created {len(written)} files; next: cd {directory} && regionkit plan dev",
            markup=False,
        )

    _guard(run)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the stack file."""

    def run() -> None:
        from regionkit.spec.schema import json_schema

        _print_json(json_schema())

    _guard(run)


# --- config sync (runs inside the passive regions) --------------------------------------------


# The command's options, named once here so its signature reads as a list of parameters.
_Repository = Annotated[
    str | None,
    typer.Option(help="Git repository of the configuration [env REGIONKIT_CONFIG_REPO]."),
]
_Branch = Annotated[
    str | None, typer.Option(help="Branch [env REGIONKIT_CONFIG_BRANCH; default main].")
]
_RepoPath = Annotated[str | None, typer.Option(help="Directory of XML files in the repository.")]
_RestconfUrl = Annotated[
    str | None,
    typer.Option(
        help="Admin node base URL, e.g. https://idsvr-admin:6749 [env REGIONKIT_RESTCONF_URL]."
    ),
]
_User = Annotated[str | None, typer.Option("--user", help="RESTCONF user for basic auth.")]
_PasswordFile = Annotated[Path | None, typer.Option(help="File holding the RESTCONF password.")]
_TokenFile = Annotated[
    Path | None, typer.Option(help="File holding a bearer token (instead of a password).")
]
_CaFile = Annotated[
    Path | None, typer.Option(help="CA bundle that verifies the admin node's certificate.")
]
_State = Annotated[
    str | None,
    typer.Option(help="Where the applied hash is kept: file:PATH or configmap:[NS/]NAME."),
]
_Timeout = Annotated[float | None, typer.Option(help="Seconds per request.")]
_Attempts = Annotated[
    int | None, typer.Option(help="Attempts per request on connection errors and 5xx.")
]
_ReapplyAfter = Annotated[
    float | None, typer.Option(help="Re-apply an unchanged config after this many seconds.")
]
_Force = Annotated[bool, typer.Option("--force", help="Apply even when the content is unchanged.")]
_GitCredentialsDir = Annotated[
    Path | None, typer.Option(help="Mounted Secret with git username/password or token.")
]
_WorkDir = Annotated[
    Path | None, typer.Option(help="Where to clone (default: a temporary directory).")
]
_Strip = Annotated[
    list[str] | None,
    typer.Option(
        help="Extra element path to strip (repeatable), e.g. environments/environment/cluster."
    ),
]
_Parameters = Annotated[
    bool,
    typer.Option(
        "--parameters/--no-parameters", help="Fill #{VAR} parameters from the environment."
    ),
]
_DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Fetch and check, print the document, apply nothing.")
]


@app.command("config-sync")
def config_sync(
    repository: _Repository = None,
    branch: _Branch = None,
    path: _RepoPath = None,
    restconf_url: _RestconfUrl = None,
    user: _User = None,
    password_file: _PasswordFile = None,
    token_file: _TokenFile = None,
    ca_file: _CaFile = None,
    state: _State = None,
    timeout: _Timeout = None,
    attempts: _Attempts = None,
    reapply_after: _ReapplyAfter = None,
    force: _Force = False,
    git_credentials_dir: _GitCredentialsDir = None,
    work_dir: _WorkDir = None,
    strip: _Strip = None,
    parameters: _Parameters = True,
    dry_run: _DryRun = False,
) -> None:
    """Fetch the configuration from git and apply it to the local admin node over RESTCONF."""

    def run() -> None:
        from regionkit.ops.config_sync import run_from_cli

        code = run_from_cli(
            repository=repository,
            branch=branch,
            path=path,
            restconf_url=restconf_url,
            auth_user=user,
            password_file=password_file,
            token_file=token_file,
            ca_file=ca_file,
            state=state,
            timeout=timeout,
            dry_run=dry_run,
            attempts=attempts,
            reapply_after=reapply_after,
            force=force,
            git_credentials_dir=git_credentials_dir,
            work_dir=work_dir,
            strip=tuple(strip or ()),
            resolve_parameters=parameters,
        )
        if code:
            raise typer.Exit(code)

    _guard(run)


# --- failover, switchover, switchback (live systems) -----------------------------------------

ToOpt = Annotated[
    str, typer.Option("--to", metavar="REGION", help="The region id that becomes the writer.")
]


def _move(stack: str, mode: str, to: str | None, yes: bool, json_output: bool) -> None:
    def run() -> None:
        from regionkit.model import resolve
        from regionkit.ops.failover.clients import Clients
        from regionkit.ops.failover.runner import Operation, execute, no_terminal
        from regionkit.ops.failover.steps import Mode

        loaded = _load(stack)
        deployments = resolve(loaded.spec).deployments
        operation = Operation(deployments, loaded.path, loaded.environment, Mode(mode), to)
        if not yes and not sys.stdin.isatty():
            raise no_terminal()
        console = _stderr()

        def confirm() -> bool:
            return typer.confirm(f"Run this {mode}?", default=False, err=True)

        result = execute(
            operation,
            Clients(),
            confirm=None if yes else confirm,
            progress=lambda line: console.print(line, markup=False, highlight=False),
        )
        if json_output:
            _print_json(result)
        else:
            for step in result["steps"]:
                _stdout().print(f"{step['outcome']:>13}  {step['title']}", markup=False)
        if not result["ok"]:
            _fail(f"{mode} did not complete: fix the failed step and run it again", ExitCode.FAILED)

    _guard(run, json_errors=json_output)


@app.command()
def failover(stack: StackArg, to: ToOpt, yes: YesOpt = False, json_output: JsonOpt = False) -> None:
    """Unplanned: move every store's writer and the traffic to REGION (data loss allowed)."""
    _move(stack, "failover", to, yes, json_output)


@app.command()
def switchover(
    stack: StackArg, to: ToOpt, yes: YesOpt = False, json_output: JsonOpt = False
) -> None:
    """Planned: move every store's writer and the traffic to REGION with no data loss."""
    _move(stack, "switchover", to, yes, json_output)


@app.command()
def switchback(stack: StackArg, yes: YesOpt = False, json_output: JsonOpt = False) -> None:
    """Planned: return every store's writer and the traffic to the roles of the stack file."""
    _move(stack, "switchback", None, yes, json_output)


def main() -> None:
    app()
