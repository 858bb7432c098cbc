"""What a running Pulumi operation has done so far, built from the engine's events.

`Progress` is a plain model: it consumes `pulumi.automation.events.EngineEvent`s (from the
Automation API's `on_event` callback, which runs on another thread, hence the lock) and keeps
one `ResourceState` per URN plus per-region counts. Rendering lives in `regionkit.deploy.display`.

Region of a resource: regionkit names resources `<stack-name>-<region-id>-<role>` (STYLE.md), and
children that do not carry the region id sit under a parent that does (`acme-id-home` is the
region's platform component, its Deployment `acme-id-home-runtime`). So the region is the first
region id found, as whole dash-separated words after the stack-name prefix, in the resource's own
name, then its parent's, then further ancestors seen so far. Neither the provider reference nor
the metadata is used: a global DNS record uses the provider of one region but belongs to none.
Resources with no region id in their chain are global (region None).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from enum import StrEnum

from pulumi.automation import events

from regionkit.model.names import region_in_name, urn_name

STACK_TYPE = "pulumi:pulumi:Stack"

# A replacement arrives as up to three steps on one URN; they are one logical change.
_LOGICAL_OP = {
    "create-replacement": "replace",
    "delete-replaced": "replace",
    "discard-replaced": "replace",
    "read-replacement": "read",
    "import-replacement": "import",
    "discard": "delete",
    "remove-pending-replace": "delete",
}

#: logical ops of a refresh step that found the real resource differing from the state
DRIFT_OPS = ("drift", "gone")

_COLOR_TAG = re.compile(r"<\{%[^%]*%\}>")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Status(StrEnum):
    PLANNED = "planned"  # a preview step: nothing is changed
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class ResourceState:
    urn: str
    type: str
    name: str
    parent: str | None
    region: str | None
    op: str
    status: Status
    started: int | None = None
    finished: int | None = None
    messages: tuple[str, ...] = ()
    #: refresh only: the keys whose real value differs from the state ("drift"), or () when the
    #: resource is gone ("gone")
    drift: tuple[str, ...] = ()
    #: an update or replacement: the keys whose value changes (detailed paths where the provider
    #: gives them); never the values, which may be secret
    changed_keys: tuple[str, ...] = ()

    @property
    def duration(self) -> int | None:
        if self.started is None or self.finished is None:
            return None
        return max(0, self.finished - self.started)

    @property
    def changes(self) -> bool:
        return self.op not in ("same", "read", "refresh")

    @property
    def drifted(self) -> bool:
        return self.op in DRIFT_OPS

    def to_json(self) -> dict[str, object]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "region": self.region,
            "op": self.op,
            "status": str(self.status),
            "durationSeconds": self.duration,
            "messages": list(self.messages),
            "drift": list(self.drift),
            "changedKeys": list(self.changed_keys),
        }


def urn_type(urn: str) -> str:
    parts = urn.split("::", 3)
    return parts[2].rsplit("$", 1)[-1] if len(parts) == 4 else ""


def refresh_outcome(meta: events.StepEventMetadata) -> tuple[str, tuple[str, ...]]:
    """("drift", keys) when a refresh found the resource changed outside Pulumi, ("gone", ())
    when it no longer exists, else ("refresh", ()).

    The engine lists the changed keys in `diffs` / `detailed_diff`; where it does not, the
    outputs before and after the read are compared.
    """
    if meta.old is not None and meta.new is None:
        return "gone", ()
    keys = list(meta.diffs or []) or list(meta.detailed_diff or {})
    if not keys and meta.old is not None and meta.new is not None:
        before, after = meta.old.outputs or {}, meta.new.outputs or {}
        keys = sorted(k for k in {*before, *after} if before.get(k) != after.get(k))
    return ("drift", tuple(dict.fromkeys(keys))) if keys else ("refresh", ())


def changed_keys(meta: events.StepEventMetadata) -> tuple[str, ...]:
    """The keys an update or replacement changes: the detailed diff's paths, else `diffs`."""
    return tuple(dict.fromkeys(meta.detailed_diff or {})) or tuple(dict.fromkeys(meta.diffs or []))


def clean_message(message: str) -> str:
    return _ANSI.sub("", _COLOR_TAG.sub("", message)).strip()


def is_default_provider(urn: str) -> bool:
    return urn_type(urn).startswith("pulumi:providers:") and urn_name(urn).startswith("default")


@dataclass
class Progress:
    """Per-resource and per-region state of one operation, fed one engine event at a time."""

    prefix: str
    region_ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, ResourceState] = {}
        self._errors: list[str] = []
        self._warnings: list[str] = []
        self._engine_changes: dict[str, int] | None = None
        self._started = False

    # --- consuming events ------------------------------------------------------------------

    def handle(self, event: events.EngineEvent) -> None:
        with self._lock:
            if event.prelude_event is not None:
                self._started = True
            if event.resource_pre_event is not None:
                pre = event.resource_pre_event
                self._step(pre.metadata, event.timestamp, planning=bool(pre.planning))
            if event.res_outputs_event is not None:
                self._finished(event.res_outputs_event.metadata, event.timestamp)
            if event.res_op_failed_event is not None:
                self._failed(event.res_op_failed_event.metadata, event.timestamp)
            if event.diagnostic_event is not None:
                self._diagnostic(event.diagnostic_event)
            if event.summary_event is not None:
                summary = event.summary_event
                self._engine_changes = {
                    str(getattr(op, "value", op)): int(count)
                    for op, count in summary.resource_changes.items()
                }

    def _step(self, meta: events.StepEventMetadata, at: int, *, planning: bool) -> None:
        op = str(getattr(meta.op, "value", meta.op))
        logical = _LOGICAL_OP.get(op, op)
        drift: tuple[str, ...] = ()
        if op == "refresh":
            logical, drift = refresh_outcome(meta)
        previous = self._states.get(meta.urn)
        if previous is not None and previous.op == "replace":
            logical = "replace"
        state_meta = meta.new or meta.old
        parent = (state_meta.parent or None) if state_meta is not None else None
        self._states[meta.urn] = ResourceState(
            urn=meta.urn,
            type=meta.type or urn_type(meta.urn),
            name=urn_name(meta.urn),
            parent=parent,
            region=self._region(meta.urn, parent),
            op=logical,
            status=Status.PLANNED if planning else Status.RUNNING,
            started=previous.started if previous is not None else at,
            messages=previous.messages if previous is not None else (),
            drift=drift,
            changed_keys=(
                (changed_keys(meta) or (previous.changed_keys if previous is not None else ()))
                if logical in ("update", "replace")
                else ()
            ),
        )

    def _finished(self, meta: events.StepEventMetadata, at: int) -> None:
        state = self._states.get(meta.urn)
        if state is None:
            self._step(meta, at, planning=False)
            state = self._states[meta.urn]
        if state.status is Status.FAILED:
            return
        status = Status.PLANNED if state.status is Status.PLANNED else Status.DONE
        changes: dict[str, object] = {"status": status, "finished": at}
        if str(getattr(meta.op, "value", meta.op)) == "refresh":
            # the outputs event carries what the refresh read, so the drift is known only now
            op, drift = refresh_outcome(meta)
            if op != "refresh" or not state.drifted:
                changes.update(op=op, drift=drift)
        self._states[meta.urn] = replace(state, **changes)  # type: ignore[arg-type]

    def _failed(self, meta: events.StepEventMetadata, at: int) -> None:
        state = self._states.get(meta.urn)
        if state is None:
            self._step(meta, at, planning=False)
            state = self._states[meta.urn]
        self._states[meta.urn] = replace(state, status=Status.FAILED, finished=at)

    def _diagnostic(self, diag: events.DiagnosticEvent) -> None:
        message = clean_message(diag.message)
        if not message or diag.ephemeral:
            return
        if diag.severity == "error":
            self._errors.append(message)
        elif diag.severity == "warning":
            self._warnings.append(message)
        else:
            return
        if diag.urn and diag.urn in self._states:
            state = self._states[diag.urn]
            changes: dict[str, object] = {"messages": (*state.messages, message)}
            if diag.severity == "error":
                changes["status"] = Status.FAILED
            self._states[diag.urn] = replace(state, **changes)  # type: ignore[arg-type]

    def _region(self, urn: str, parent: str | None) -> str | None:
        found = region_in_name(urn_name(urn), self.prefix, self.region_ids)
        seen: set[str] = set()
        while found is None and parent and parent not in seen:
            seen.add(parent)
            known = self._states.get(parent)
            if known is not None and known.region is not None:
                return known.region
            found = region_in_name(urn_name(parent), self.prefix, self.region_ids)
            parent = known.parent if known is not None else None
        return found

    # --- reading ---------------------------------------------------------------------------

    def resources(self, *, include_hidden: bool = False) -> list[ResourceState]:
        """Every resource seen, in first-seen order; without the stack and default providers."""
        with self._lock:
            states = list(self._states.values())
        if include_hidden:
            return states
        return [s for s in states if s.type != STACK_TYPE and not is_default_provider(s.urn)]

    def counts(self) -> dict[str, int]:
        """Resources per logical op, counted from the events (stack and default providers aside)."""
        return dict(Counter(s.op for s in self.resources()))

    def by_region(self) -> dict[str | None, dict[str, int]]:
        """Per region (None: global), resources per logical op, plus `failed`."""
        out: dict[str | None, Counter[str]] = {}
        for state in self.resources():
            bucket = out.setdefault(state.region, Counter())
            bucket[state.op] += 1
            if state.status is Status.FAILED:
                bucket["failed"] += 1
        order = {region: index for index, region in enumerate(self.region_ids)}
        return {
            region: dict(counts)
            for region, counts in sorted(
                out.items(),
                key=lambda kv: order.get(kv[0], len(order)) if kv[0] else len(order) + 1,
            )
        }

    def engine_changes(self) -> dict[str, int] | None:
        """The engine's own summary (includes the stack resource), once the operation ended."""
        with self._lock:
            return dict(self._engine_changes) if self._engine_changes is not None else None

    def changes(self) -> dict[str, int]:
        """The engine's summary when it arrived, else the counts from the events."""
        return self.engine_changes() or self.counts()

    @property
    def errors(self) -> list[str]:
        with self._lock:
            return list(self._errors)

    @property
    def warnings(self) -> list[str]:
        with self._lock:
            return list(self._warnings)

    @property
    def failed(self) -> list[ResourceState]:
        return [s for s in self.resources(include_hidden=True) if s.status is Status.FAILED]

    @property
    def started(self) -> bool:
        return self._started
