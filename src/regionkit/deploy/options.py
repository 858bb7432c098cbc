"""What the CLI passes to a deploy operation and what it gets back; no Pulumi imports here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from regionkit.errors import ExitCode, RegionkitError
from regionkit.findings import Finding

if TYPE_CHECKING:
    from rich.console import Console

Operation = Literal["preview", "up", "destroy", "refresh"]
OPERATIONS: tuple[Operation, ...] = ("preview", "up", "destroy", "refresh")

# succeeded | failed | declined (not confirmed) | cancelled (Ctrl-C)
Status = Literal["succeeded", "failed", "declined", "cancelled"]


@dataclass(frozen=True)
class DeployOptions:
    """How to run an operation.

    `root` is the project directory that holds `.regionkit/` (state and workspaces); by default
    the parent of the `stacks/` directory the stack file is in, else the stack file's directory.
    `backend` is the `--backend` flag; without it PULUMI_BACKEND_URL, then the local file backend
    `file://<root>/.regionkit/state`. Unless `skip_preview`, `up`, `destroy` and `refresh` first
    show their preview and then, unless `yes`, call `confirm(prompt)`; it returns True to go on
    (it may raise to stop, e.g. at Ctrl-C). `json_output` turns
    the live display off (the caller prints `OperationResult.to_json()`). `program` replaces the
    regionkit program (tests use it). `preview` creates a missing stack only with `create`.
    `environ` is where PULUMI_* variables are read from (default: the process environment).
    """

    root: Path | None = None
    backend: str | None = None
    yes: bool = False
    confirm: Callable[[str], bool] | None = None
    json_output: bool = False
    detailed_exitcode: bool = False
    show_secrets: bool = False
    parallel: int | None = None
    program: Callable[[], None] | None = None
    environ: Mapping[str, str] | None = None
    console: Console | None = None
    #: `preview` creates the stack when it does not exist (else it only selects one)
    create: bool = False
    #: install the provider plugins the stack needs before the first engine call
    install_plugins: bool = True
    #: run `up`, `destroy` or `refresh` with no preview first, and so no question (`--skip-preview`)
    skip_preview: bool = False
    #: show the changed keys of each changed resource (`--diff`)
    diff: bool = False
    #: only these resource URNs (`--target`, repeatable); empty: every resource
    targets: tuple[str, ...] = ()


@dataclass
class OperationResult:
    operation: Operation
    stack: str
    project: str
    backend: str
    status: Status = "succeeded"
    exit_code: ExitCode = ExitCode.OK
    changes: dict[str, int] = field(default_factory=dict)
    changes_pending: bool = False
    by_region: dict[str | None, dict[str, int]] = field(default_factory=dict)
    resources: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    duration_seconds: float = 0.0
    preview: OperationResult | None = None
    #: an update held to the plan its confirmed preview saved
    plan_applied: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "apiVersion": "regionkit/v1",
            "operation": self.operation,
            "stack": self.stack,
            "project": self.project,
            "backend": self.backend,
            "status": self.status,
            "exitCode": int(self.exit_code),
            "changes": dict(self.changes),
            "changesPending": self.changes_pending,
            "byRegion": [{"region": region, **counts} for region, counts in self.by_region.items()],
            "resources": list(self.resources),
            "outputs": dict(self.outputs),
            "findings": [f.to_json() for f in self.findings],
            "errors": list(self.errors),
            "durationSeconds": round(self.duration_seconds, 3),
            "planApplied": self.plan_applied,
        }
        if self.preview is not None:
            out["preview"] = self.preview.to_json()
        return out


class DeployError(RegionkitError):
    """The operation ran and failed; `result` holds what happened up to the failure."""

    def __init__(
        self, message: str, result: OperationResult, exit_code: ExitCode = ExitCode.FAILED
    ):
        super().__init__(message)
        self.result = result
        self.exit_code = exit_code
