"""The `regionkit` command: a thin typer layer over spec, checks, plan, deploy and ops.

Data goes to stdout; progress and diagnostics to stderr. Heavy modules (Pulumi and its providers)
are imported inside the commands that need them so `regionkit --help` stays fast. Every command
that prints data takes `--json` (exactly one JSON document); `validate` prints findings of every
kind (schema and checks) on stdout, in one shape (`_findings_document`). Tables written to a file
or a pipe are not wrapped at a terminal width. No command prompts without a terminal: it says
which flag answers instead (exit 2); Ctrl-C or Ctrl-D at a prompt is a clean exit 130.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from regionkit.errors import ExitCode, InvalidInput, RegionkitError, StackInvalid

app = typer.Typer(
    name="regionkit",
    help="Deploy an OAuth identity server in one or many regions, as Pulumi infrastructure as code.",
    no_args_is_help=True,
    # --install-completion / --show-completion (bash, zsh, fish, powershell)
    add_completion=True,
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
StacksArg = Annotated[
    list[str],
    typer.Argument(
        metavar="STACK...",
        help="Stack files, globs (quoted, e.g. 'stacks/*.yaml') or environment names resolved to "
        "stacks/<name>.yaml from any directory of the project.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document.")]
#: what a table's width is when stdout is not a terminal: wide enough never to wrap a row
UNWRAPPED_WIDTH = 100_000


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
    """Data on stdout; written to a file or a pipe, tables keep whole rows (no 80-column wrap)."""
    console = _console_class()(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console.width = UNWRAPPED_WIDTH
    return console


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


def _interactive() -> bool:
    """Whether a question can be asked: stdin is a terminal."""
    return sys.stdin.isatty()


def _show_version(value: bool) -> None:
    if value:
        from regionkit import __version__

        sys.stdout.write(f"regionkit {__version__}\n")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Deploy an OAuth identity server in one or many regions, as Pulumi infrastructure as code."""


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
            _print_json(_findings_document(exc.findings))
        else:
            console = _stderr()
            for finding in exc.findings:
                console.print(finding.format(), markup=False, highlight=False)
            errors = sum(1 for f in exc.findings if f.is_error)
            console.print(f"{errors} error(s): nothing was planned or deployed.", markup=False)
        raise typer.Exit(int(exc.exit_code)) from None
    except RegionkitError as exc:
        _stop(str(exc), exc.exit_code, json_errors)
    except typer.Exit:
        raise
    except typer.Abort:  # Ctrl-C or Ctrl-D at a prompt: nothing was done yet
        _stop("cancelled at the prompt: nothing was changed", ExitCode.CANCELLED, json_errors)
    except KeyboardInterrupt:
        _stop("cancelled (Ctrl-C)", ExitCode.CANCELLED, json_errors)
    except Exception as exc:  # an internal error: say so, and how to report it
        if os.environ.get("REGIONKIT_DEBUG"):
            raise
        message = (
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in regionkit. Run again with REGIONKIT_DEBUG=1 for the traceback and "
            "report it with the stack file (secrets removed)."
        )
        _stop(message, ExitCode.FAILED, json_errors)


def _stop(message: str, code: ExitCode, json_errors: bool) -> NoReturn:
    """End the command with `message`: one JSON document on stdout, or a line on stderr."""
    if json_errors:
        _print_json({"error": message, "exitCode": int(code)})
        raise typer.Exit(int(code)) from None
    _fail(message, code)


def _print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def _findings_document(
    findings: list[Any], *, stack: str | None = None, file: str | None = None
) -> dict[str, Any]:
    """The one JSON shape of findings, whether the schema or a check found them."""
    file = file or next((f.file for f in findings if f.file), None)
    return {
        "stack": stack or (Path(file).stem if file else None),
        "file": file,
        "valid": not any(f.is_error for f in findings),
        "findings": [f.to_json() for f in findings],
    }


def _load(stack: str) -> Any:
    from regionkit.spec.loader import load_stack

    return load_stack(stack)


# --- validate ---------------------------------------------------------------------------------


@app.command()
def validate(
    stacks: StacksArg,
    json_output: JsonOpt = False,
    report: Annotated[
        ReportKind | None, typer.Option("--report", help="Also print a report: residency.")
    ] = None,
    report_format: Annotated[
        ReportFormat, typer.Option("--format", help="Format of the --report output.")
    ] = ReportFormat.table,
) -> None:
    """Check stack files: schema, topology shape, security, residency, engines, DNS budget.

    Findings of every kind go to stdout. With several stacks, --json prints one document with
    "valid" and "stacks", a list of the document of each stack.
    """

    def run() -> None:
        from regionkit.spec.environments import expand

        results = [_validate_one(stack, report is ReportKind.residency) for stack in expand(stacks)]
        valid = all(r.document["valid"] for r in results)
        if json_output:
            _print_json(
                results[0].document
                if len(results) == 1
                else {"valid": valid, "stacks": [r.document for r in results]}
            )
        else:
            for result in results:
                _show_validated(result, report_format)
        if not valid:
            raise typer.Exit(int(ExitCode.INVALID_INPUT))

    _guard(run, json_errors=json_output)


@dataclass(frozen=True)
class _Validated:
    """One stack file's findings: its JSON document, and what the text output needs."""

    document: dict[str, Any]
    findings: list[Any]
    residency: Any = None
    loaded: Any = None


def _validate_one(stack: str, with_residency: bool) -> _Validated:
    from regionkit.checks import validate as run_checks
    from regionkit.checks.deploy import deploy_findings
    from regionkit.spec.loader import resolve_stack_path

    try:
        loaded = _load(stack)
    except StackInvalid as exc:  # the schema's findings: reported like the checks' findings
        path = resolve_stack_path(stack)
        return _Validated(_findings_document(exc.findings, file=str(path)), exc.findings)
    findings = sorted(
        run_checks(loaded) + deploy_findings(loaded),
        key=lambda f: f.line if f.line is not None else 0,
    )
    document = _findings_document(findings, stack=loaded.environment, file=str(loaded.path))
    if not with_residency:
        return _Validated(document, findings, loaded=loaded)
    import dataclasses

    from regionkit.residency import analyse

    residency = analyse(loaded.spec)
    residency = dataclasses.replace(
        residency, findings=tuple(loaded.locate(f) for f in residency.findings)
    )
    document["residency"] = residency.to_json()
    return _Validated(document, findings, residency, loaded)


def _show_validated(result: _Validated, report_format: ReportFormat) -> None:
    """Findings on stdout, the verdict on stderr, then the report if one was asked for."""
    out = _stdout()
    for finding in result.findings:
        out.print(finding.format(), markup=False, highlight=False)
    errors = sum(1 for f in result.findings if f.is_error)
    warnings = len(result.findings) - errors
    status = "valid" if result.document["valid"] else "invalid"
    _stderr().print(
        f"{result.document['file']}: {status} ({errors} error(s), {warnings} warning(s))",
        markup=False,
    )
    if result.residency is not None:
        from regionkit.residency import scenarios
        from regionkit.residency.render import render_report

        render_report(result.residency, str(report_format), out, scenarios(result.loaded.spec))


# --- plan -------------------------------------------------------------------------------------


@app.command()
def plan(
    stacks: StacksArg,
    output_format: Annotated[
        PlanFormat, typer.Option("--format", "-f", help="How to print the plan.")
    ] = PlanFormat.table,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print exactly one JSON document (--format json).")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Also write plan.json, plan.md, topology.mmd, runbook.md and k8s/<region>/*.yaml "
            "here (with several stacks, in a directory per environment).",
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
    """Evaluate the whole Pulumi program offline and print every resource it would create.

    With several stacks, --json prints one document whose "plans" lists the plan of each.
    """
    as_json = json_output or output_format is PlanFormat.json

    def run() -> None:
        from regionkit.plan.progress import PlanProgress
        from regionkit.plan.runner import plan_stack
        from regionkit.spec.environments import expand

        files = expand(stacks)
        documents = []
        for stack in files:
            loaded = _load(stack)
            _stderr().print(f"planning {loaded.path} offline ...", markup=False)
            with PlanProgress(
                _stderr(),
                prefix=loaded.spec.name,
                region_ids=[region.id for _, region in loaded.spec.all_regions()],
            ) as progress:
                document = plan_stack(loaded, on_register=progress.registered)
            if out is not None:
                target = out if len(files) == 1 else out / loaded.environment
                _write_plan(loaded, document, target, force=force)
            documents.append(document)
        _print_plans(documents, PlanFormat.json if as_json else output_format)

    _guard(run, json_errors=as_json)


def _write_plan(loaded: Any, document: dict[str, Any], out: Path, *, force: bool) -> None:
    from regionkit.failover import runbook_markdown
    from regionkit.plan import render

    runbook = runbook_markdown(loaded.spec, loaded.environment)
    written = render.write_outputs(document, out, runbook=runbook, force=force)
    _stderr().print(f"wrote {len(written)} files to {out}", markup=False)


def _print_plans(documents: list[dict[str, Any]], output_format: PlanFormat) -> None:
    from regionkit.plan import render

    if output_format is PlanFormat.json:
        _print_json(
            documents[0]
            if len(documents) == 1
            else {"apiVersion": "regionkit/v1", "plans": documents}
        )
        return
    for document in documents:
        if output_format is PlanFormat.markdown:
            sys.stdout.write(render.render_markdown(document))
        elif output_format is PlanFormat.mermaid:
            sys.stdout.write(render.render_mermaid(document))
        else:
            _stdout().print(render.render_table(document))


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
    json_output: Annotated[
        bool, typer.Option("--json", help="Print exactly one JSON document (--format json).")
    ] = False,
) -> None:
    """Difference of two plans: added, removed and changed resources with the changed keys."""
    as_json = json_output or output_format is DiffFormat.json

    def run() -> None:
        from regionkit.plan.diff import diff_plans, render_diff_markdown, render_diff_text

        result = diff_plans(_plan_document(old), _plan_document(new))
        if as_json:
            _print_json(result)
        elif output_format is DiffFormat.markdown:
            sys.stdout.write(render_diff_markdown(result))
        else:
            sys.stdout.write(render_diff_text(result))

    _guard(run, json_errors=as_json)


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


SkipPreviewOpt = Annotated[
    bool,
    typer.Option("--skip-preview", help="Run at once: no preview first, so nothing to confirm."),
]
DiffOpt = Annotated[
    bool, typer.Option("--diff", help="Show the keys each updated or replaced resource changes.")
]
TargetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        metavar="URN",
        help="Only the resources whose URN matches (repeatable, as pulumi's --target); the "
        "others stay as they are.",
    ),
]


@dataclass(frozen=True)
class _Flags:
    """The deploy commands' flags, as given."""

    backend: str | None
    yes: bool = False
    json_output: bool = False
    detailed_exitcode: bool = False
    create: bool = False
    skip_preview: bool = False
    diff: bool = False
    targets: tuple[str, ...] = ()


def _operation(op: str, stack: str, flags: _Flags) -> None:
    def run() -> None:
        from regionkit.deploy import DeployOptions, run_operation

        asks = op != "preview" and not (flags.yes or flags.skip_preview)
        if asks and not _interactive():
            raise InvalidInput(
                f"`regionkit {op}` asks before it changes anything, but there is no terminal to "
                f"ask: review `regionkit preview {stack}` and pass --yes"
            )
        loaded = _load(stack)
        if op in ("preview", "up"):
            _announce_roles(loaded)
        options = DeployOptions(
            backend=flags.backend,
            yes=flags.yes,
            json_output=flags.json_output,
            detailed_exitcode=flags.detailed_exitcode,
            confirm=_confirm,
            create=flags.create,
            skip_preview=flags.skip_preview,
            diff=flags.diff,
            targets=flags.targets,
        )
        result = run_operation(op, loaded, options)  # type: ignore[arg-type]
        if flags.json_output:
            _print_json(result.to_json())
        code = int(result.exit_code)
        if code:
            raise typer.Exit(code)

    _guard(run, json_errors=flags.json_output)


def _announce_roles(loaded: Any) -> None:
    """Say on stderr which writers and DNS primaries a failover recorded: the deployment keeps
    them (the program reads roles.json) instead of the stack file's."""
    from regionkit.program import recorded_roles

    roles = recorded_roles(loaded)
    for what, where in [*roles.writers.items(), *roles.dns.items()]:
        _stderr().print(
            f"{what}: keeps the writer region '{where}' recorded by a failover in {roles.path} "
            "(`regionkit switchback` returns to the stack file's roles)",
            markup=False,
            highlight=False,
        )


@app.command()
def preview(
    stack: StackArg,
    backend: BackendOpt = None,
    json_output: JsonOpt = False,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode",
            help="Exit 3 when changes are pending (not 2 as in Terraform: 2 is invalid input).",
        ),
    ] = False,
    create: Annotated[
        bool,
        typer.Option("--create", help="Create the stack in the backend when it does not exist."),
    ] = False,
    diff: DiffOpt = False,
    target: TargetOpt = None,
) -> None:
    """Preview the changes `up` would make (needs the Pulumi CLI and cloud credentials).

    Only an existing stack is previewed unless --create is given. Exit codes: 0 no error, 1 the
    preview failed, 2 invalid input, 3 changes pending (with --detailed-exitcode), 4 locked.
    """
    flags = _Flags(
        backend,
        yes=True,
        json_output=json_output,
        detailed_exitcode=detailed_exitcode,
        create=create,
        diff=diff,
        targets=tuple(target or ()),
    )
    _operation("preview", stack, flags)


@app.command()
def up(
    stack: StackArg,
    backend: BackendOpt = None,
    yes: YesOpt = False,
    skip_preview: SkipPreviewOpt = False,
    diff: DiffOpt = False,
    target: TargetOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Deploy the stack: preview, confirm, then apply exactly the confirmed plan.

    --yes previews and applies that plan without asking; --skip-preview applies at once. Needs
    the Pulumi CLI and credentials. Ctrl-C cancels at a safe point (exit 130).
    """
    flags = _Flags(
        backend,
        yes=yes,
        json_output=json_output,
        skip_preview=skip_preview,
        diff=diff,
        targets=tuple(target or ()),
    )
    _operation("up", stack, flags)


@app.command()
def destroy(
    stack: StackArg,
    backend: BackendOpt = None,
    yes: YesOpt = False,
    skip_preview: SkipPreviewOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Delete every resource of the stack (needs the Pulumi CLI and credentials)."""
    flags = _Flags(backend, yes=yes, json_output=json_output, skip_preview=skip_preview)
    _operation("destroy", stack, flags)


@app.command()
def refresh(
    stack: StackArg,
    backend: BackendOpt = None,
    yes: YesOpt = False,
    skip_preview: SkipPreviewOpt = False,
    json_output: JsonOpt = False,
) -> None:
    """Read the real state of every resource into the stack's state."""
    flags = _Flags(backend, yes=yes, json_output=json_output, skip_preview=skip_preview)
    _operation("refresh", stack, flags)


@app.command()
def cancel(stack: StackArg, backend: BackendOpt = None, yes: YesOpt = False) -> None:
    """Cancel the stack's running update and remove its lock: dangerous, see the warning."""

    def run() -> None:
        from regionkit.deploy import DeployOptions, cancel_stack

        if not yes and not _interactive():
            raise InvalidInput(
                "`regionkit cancel` asks first, but there is no terminal to ask: pass --yes"
            )
        message = cancel_stack(
            _load(stack), DeployOptions(backend=backend, yes=yes, confirm=_confirm)
        )
        _stderr().print(message, markup=False)

    _guard(run)


def _confirm(prompt: str) -> bool:
    """Ask on stderr. Ctrl-C or Ctrl-D raise `typer.Abort` (exit 130, see `_guard`)."""
    return typer.confirm(prompt, default=False, err=True)


@app.command()
def outputs(
    stack: StackArg,
    backend: BackendOpt = None,
    json_output: JsonOpt = False,
    show_secrets: Annotated[
        bool, typer.Option("--show-secrets", help="Print secret values instead of \\[secret].")
    ] = False,
) -> None:
    """The stack's outputs (needs the Pulumi CLI); secret values print as \\[secret]."""

    def run() -> None:
        from regionkit.deploy import DeployOptions, stack_outputs

        values = stack_outputs(
            _load(stack),
            DeployOptions(backend=backend, json_output=json_output, show_secrets=show_secrets),
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
    json_output: JsonOpt = False,
) -> None:
    """Scaffold a project: Pulumi.yaml, __main__.py, stacks/dev.yaml, a PR preview workflow."""

    def run() -> None:
        from regionkit.scaffold import init_project

        written = init_project(directory, name=name, force=force)
        if json_output:
            _print_json({"directory": str(directory), "files": [str(p) for p in written]})
        else:
            for path in written:
                sys.stdout.write(f"{path}\n")
        _stderr().print(
            f"created {len(written)} files; next: cd {directory} && regionkit plan dev",
            markup=False,
        )

    _guard(run, json_errors=json_output)


@app.command()
def schema(
    json_output: Annotated[
        bool, typer.Option("--json", help="Accepted for symmetry: the schema is JSON anyway.")
    ] = False,
) -> None:
    """Print the JSON Schema of the stack file (one JSON document)."""

    def run() -> None:
        from regionkit.spec.schema import json_schema

        _print_json(json_schema())

    _guard(run)


# --- config sync (runs inside the passive regions) --------------------------------------------


# The command's options, named once here so its signature reads as a list of parameters.
# Help texts are Rich markup: a backslash before "[env ...]" keeps it from being read as a tag.
_Repository = Annotated[
    str | None,
    typer.Option(help="Git repository of the configuration \\[env REGIONKIT_CONFIG_REPO]."),
]
_Branch = Annotated[
    str | None, typer.Option(help="Branch \\[env REGIONKIT_CONFIG_BRANCH; default main].")
]
_RepoPath = Annotated[str | None, typer.Option(help="Directory of XML files in the repository.")]
_RestconfUrl = Annotated[
    str | None,
    typer.Option(
        help="Admin node base URL, e.g. https://idsvr-admin:6749 \\[env REGIONKIT_RESTCONF_URL]."
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
_Timeout = Annotated[
    float | None,
    typer.Option(help="Seconds per attempt: connect, send, read the whole answer."),
]
_Deadline = Annotated[
    float | None, typer.Option(help="Seconds per run, across all attempts \\[default 120].")
]
_ParametersDir = Annotated[
    Path | None,
    typer.Option(
        help="Directory of #{VAR} values, one file per parameter (a mounted Secret); "
        "without it they come from the environment."
    ),
]
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
        "--parameters/--no-parameters",
        help="Fill #{VAR} parameters (from --parameters-dir, else the environment).",
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
    deadline: _Deadline = None,
    parameters_dir: _ParametersDir = None,
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
            deadline=deadline,
            parameters_dir=parameters_dir,
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
        if not yes and not _interactive():
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


#: seconds between two tables of `regionkit status --watch`
WATCH_SECONDS = 10.0


@app.command()
def status(
    stack: StackArg,
    json_output: JsonOpt = False,
    watch: Annotated[
        bool, typer.Option("--watch", help="Refresh the table every 10 s until Ctrl-C.")
    ] = False,
) -> None:
    """Per region: DNS answer, health check, /serving, ready replicas; per store: role and
    replication lag from the cloud's metric. A source that cannot be read shows as unknown."""

    def run() -> None:
        from regionkit.model import resolve
        from regionkit.ops.failover.clients import Clients
        from regionkit.ops.status.report import render_status, status_document

        if watch and json_output:
            raise InvalidInput("--watch refreshes a table; --json prints one document: pick one")
        loaded = _load(stack)
        deployments = resolve(loaded.spec).deployments
        clients = Clients()
        if json_output:
            _print_json(status_document(deployments, clients, loaded.environment))
            return
        try:
            while True:
                _stdout().print(
                    render_status(status_document(deployments, clients, loaded.environment))
                )
                if not watch:
                    return
                time.sleep(WATCH_SECONDS)
        except KeyboardInterrupt:
            return  # the end of a watch, not a failure

    _guard(run, json_errors=json_output)


def main() -> None:
    from regionkit.plan import GC_THRESHOLDS

    gc.set_threshold(*GC_THRESHOLDS)  # a short-lived process: see GC_THRESHOLDS
    # one program name however it is started (`regionkit` or `python -m regionkit`), so the
    # script --show-completion prints completes the `regionkit` command
    app(prog_name="regionkit")
