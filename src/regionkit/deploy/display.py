"""Show a `Progress` on stderr: a live table in a terminal, one line per finished step elsewhere."""

from __future__ import annotations

import time
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from regionkit.deploy.progress import Progress, ResourceState, Status

if TYPE_CHECKING:
    from pulumi.automation import events

    from regionkit.deploy.options import OperationResult

OP_STYLE = {
    "create": ("+", "green"),
    "update": ("~", "yellow"),
    "replace": ("+-", "magenta"),
    "delete": ("-", "red"),
    "same": (" ", "dim"),
    "read": (">", "cyan"),
    "refresh": ("~", "cyan"),
    "drift": ("~", "bold yellow"),
    "gone": ("-", "bold red"),
    "import": ("=", "cyan"),
}
STATUS_STYLE = {
    Status.PLANNED: "dim",
    Status.RUNNING: "bold yellow",
    Status.DONE: "green",
    Status.FAILED: "bold red",
}
SUMMARY_WORDS = {
    "preview": {
        "create": "to create",
        "update": "to update",
        "replace": "to replace",
        "delete": "to delete",
        "same": "unchanged",
    },
    "done": {
        "create": "created",
        "update": "updated",
        "replace": "replaced",
        "delete": "deleted",
        "same": "unchanged",
    },
}
LIVE_ROWS = 20


def region_label(region: str | None) -> str:
    return region if region is not None else "(global)"


def op_text(op: str) -> Text:
    symbol, style = OP_STYLE.get(op, ("?", "white"))
    return Text(f"{symbol} {op}", style=style)


def resource_table(
    states: list[ResourceState], *, title: str | None = None, diff: bool = False
) -> Table:
    """One row per resource; with `diff`, a column of the keys each update or replace changes."""
    table = Table(title=title, show_edge=False, pad_edge=False, expand=False)
    table.add_column("region")
    table.add_column("op")
    table.add_column("resource", overflow="fold")
    table.add_column("type", style="dim", overflow="fold")
    table.add_column("status")
    table.add_column("time", justify="right")
    if diff:
        table.add_column("changed keys", overflow="fold")
    for state in states:
        duration = state.duration
        row: list[RenderableType] = [
            region_label(state.region),
            op_text(state.op),
            escape(state.name),
            escape(state.type),
            Text(str(state.status), style=STATUS_STYLE[state.status]),
            f"{duration}s" if duration is not None else "",
        ]
        if diff:
            row.append(Text(", ".join(state.changed_keys)))
        table.add_row(*row)
    return table


def region_table(by_region: dict[str | None, dict[str, int]]) -> Table:
    ops = [
        op
        for op in ("create", "update", "replace", "delete", "same")
        if any(op in c for c in by_region.values())
    ]
    extra = sorted({op for c in by_region.values() for op in c} - {*ops, "failed"})
    columns = [*ops, *extra]
    failed = any(c.get("failed") for c in by_region.values())
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("region")
    for op in columns:
        table.add_column(op, justify="right")
    if failed:
        table.add_column("failed", justify="right", style="red")
    for region, counts in by_region.items():
        row = [region_label(region), *(str(counts.get(op, 0)) for op in columns)]
        if failed:
            row.append(str(counts.get("failed", 0)))
        table.add_row(*row)
    return table


def summary_line(operation: str, changes: dict[str, int], seconds: float, status: str) -> str:
    words = SUMMARY_WORDS["preview" if operation == "preview" else "done"]
    parts = [f"{changes.get(op, 0)} {word}" for op, word in words.items()]
    parts += [f"{n} {op}" for op, n in sorted(changes.items()) if op not in words and n]
    return f"{operation} {status} in {seconds:.1f}s: " + ", ".join(parts)


def live_view(
    progress: Progress, operation: str, stack: str, started: float, *, diff: bool = False
) -> RenderableType:
    """The changing part of a run: active and failed first, then the latest finished steps."""
    states = [s for s in progress.resources() if s.changes or s.status is not Status.DONE]
    active = [s for s in states if s.status in (Status.RUNNING, Status.FAILED)]
    rest = [s for s in states if s.status not in (Status.RUNNING, Status.FAILED)]
    shown = (active + rest[::-1])[:LIVE_ROWS]
    finished = sum(1 for s in progress.resources() if s.status is not Status.RUNNING)
    header = Text.assemble(
        (f"{operation} ", "bold"),
        (stack, "bold cyan"),
        f"  {time.monotonic() - started:.0f}s  {finished}/{len(progress.resources())} steps",
    )
    hidden = len(states) - len(shown)
    parts: list[RenderableType] = [header, resource_table(shown, diff=diff)]
    if hidden > 0:
        parts.append(Text(f"... and {hidden} more", style="dim"))
    return Group(*parts)


class Display:
    """Feeds engine events into `progress` and shows them while an operation runs.

    In a terminal a rich Live table; elsewhere (CI logs) one line per finished or failed step;
    with `quiet` (JSON mode) nothing. With `diff`, each update or replace with its changed keys.
    """

    def __init__(
        self,
        console: Console,
        progress: Progress,
        operation: str,
        stack: str,
        *,
        quiet: bool,
        diff: bool = False,
    ):
        self.console = console
        self.progress = progress
        self.operation = operation
        self.stack = stack
        self.quiet = quiet
        self.diff = diff
        self.started = time.monotonic()
        self._live: Live | None = None

    def __enter__(self) -> Display:
        self.started = time.monotonic()
        if not self.quiet and self.console.is_terminal:
            self._live = Live(
                console=self.console,
                get_renderable=lambda: live_view(
                    self.progress, self.operation, self.stack, self.started, diff=self.diff
                ),
                transient=True,
                redirect_stdout=False,
                refresh_per_second=4,
            )
            self._live.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._live is not None:
            self._live.__exit__(kind, exc, tb)
            self._live = None

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def on_event(self, event: events.EngineEvent) -> None:
        self.progress.handle(event)
        if self.quiet or self._live is not None:
            return
        meta = None
        if event.res_outputs_event is not None and not event.res_outputs_event.planning:
            meta = event.res_outputs_event.metadata
        elif event.res_op_failed_event is not None:
            meta = event.res_op_failed_event.metadata
        if meta is None:
            return
        state = next((s for s in self.progress.resources() if s.urn == meta.urn), None)
        if state is None or not (state.changes or state.status is Status.FAILED):
            return
        line = Text.assemble(
            (f"{region_label(state.region)} ", "bold"),
            op_text(state.op),
            f" {state.name} ",
            (state.type, "dim"),
            " ",
            (str(state.status), STATUS_STYLE[state.status]),
        )
        if state.duration is not None:
            line.append(f" {state.duration}s")
        if self.diff and state.changed_keys:
            line.append(" changed: " + ", ".join(state.changed_keys))
        self.console.print(line)


def show_result(
    console: Console, progress: Progress, result: OperationResult, *, diff: bool = False
) -> None:
    """The end of an operation on stderr: the changes (for a preview), regions, failures, summary."""
    states = progress.resources()
    if result.operation == "preview":
        changed = [s for s in states if s.changes]
        if changed:
            console.print(resource_table(changed, title=f"changes to {result.stack}", diff=diff))
    if result.by_region:
        console.print(region_table(result.by_region))
    drifted = [s for s in states if s.drifted]
    if result.operation == "refresh" or drifted:
        console.print(
            f"drift: {len(drifted)} resource(s) differ from the state"
            if drifted
            else "drift: none; every resource matches the state"
        )
    for state in drifted:
        what = "no longer exists" if state.op == "gone" else "changed: " + ", ".join(state.drift)
        console.print(
            Text.assemble(
                (f"  {region_label(state.region)} ", "bold"),
                op_text(state.op),
                f" {state.name} ",
                (state.type, "dim"),
                f" {what}",
            )
        )
    for state in progress.failed:
        console.print(Text.assemble(("failed ", "bold red"), state.name, " ", (state.type, "dim")))
        for message in state.messages:
            console.print(Text("  " + message, style="red"))
    for warning in dict.fromkeys(progress.warnings):
        console.print(Text("warning: " + warning, style="yellow"))
    style = "green" if result.ok else "red"
    console.print(
        Text(
            summary_line(result.operation, result.changes, result.duration_seconds, result.status),
            style=style,
        )
    )
