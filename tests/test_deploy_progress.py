"""The progress model and its rendering, fed with the SDK's own engine event classes."""

from __future__ import annotations

from pulumi.automation import events
from rich.console import Console

from regionkit.deploy.display import (
    Display,
    region_table,
    resource_table,
    show_result,
    summary_line,
)
from regionkit.deploy.options import OperationResult
from regionkit.deploy.progress import Progress, Status, region_in_name, urn_name

STACK_URN = "urn:pulumi:dev::acme-id::pulumi:pulumi:Stack::acme-id-dev"
TOPOLOGY = "regionkit:topology:SingleRegion"
PLATFORM = "regionkit:platform:KubernetesPlatform"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
RECORD = "aws:route53/record:Record"


def urn(qualified_type: str, name: str) -> str:
    return f"urn:pulumi:dev::acme-id::{qualified_type}::{name}"


TOPO_URN = urn(TOPOLOGY, "acme-id")
HOME_URN = urn(f"{TOPOLOGY}${PLATFORM}", "acme-id-home")
RUNTIME_URN = urn(f"{TOPOLOGY}${PLATFORM}${DEPLOYMENT}", "runtime")
RECORD_URN = urn(f"{TOPOLOGY}${RECORD}", "acme-id-gslb-login")
DEFAULT_PROVIDER_URN = urn("pulumi:providers:kubernetes", "default_4_34_0")


def meta(op: events.OpType, resource_urn: str, parent: str | None) -> events.StepEventMetadata:
    resource_type = resource_urn.split("::")[2].rsplit("$", 1)[-1]
    state = events.StepEventStateMetadata(
        type=resource_type, urn=resource_urn, id="", parent=parent or "", provider=""
    )
    deleting = op in (events.OpType.DELETE, events.OpType.DELETE_REPLACED)
    return events.StepEventMetadata(
        op=op,
        urn=resource_urn,
        type=resource_type,
        provider="",
        old=state if deleting else None,
        new=None if deleting else state,
    )


class Feed:
    """Builds EngineEvents with increasing sequence numbers."""

    def __init__(self) -> None:
        self.sequence = 0

    def _event(self, timestamp: int, **kind: object) -> events.EngineEvent:
        event = events.EngineEvent(sequence=self.sequence, timestamp=timestamp, **kind)  # type: ignore[arg-type]
        self.sequence += 1
        return event

    def pre(self, op, resource_urn, parent=None, *, at=100, planning=False):
        return self._event(
            at,
            resource_pre_event=events.ResourcePreEvent(
                metadata=meta(op, resource_urn, parent), planning=planning
            ),
        )

    def done(self, op, resource_urn, parent=None, *, at=100, planning=False):
        return self._event(
            at,
            res_outputs_event=events.ResOutputsEvent(
                metadata=meta(op, resource_urn, parent), planning=planning
            ),
        )

    def failed(self, op, resource_urn, parent=None, *, at=100):
        return self._event(
            at,
            res_op_failed_event=events.ResOpFailedEvent(
                metadata=meta(op, resource_urn, parent), status=1, steps=1
            ),
        )

    def diagnostic(self, message, severity="error", resource_urn=None):
        return self._event(
            100,
            diagnostic_event=events.DiagnosticEvent(
                message=message, color="never", severity=severity, urn=resource_urn
            ),
        )

    def summary(self, changes, seconds=7):
        return self._event(
            200,
            summary_event=events.SummaryEvent(
                maybe_corrupt=False,
                duration_seconds=seconds,
                resource_changes=changes,
                policy_packs={},
            ),
        )


def deployment_events(feed: Feed) -> list[events.EngineEvent]:
    create, same = events.OpType.CREATE, events.OpType.SAME
    return [
        feed._event(99, prelude_event=events.PreludeEvent(config={})),
        feed.pre(same, STACK_URN),
        feed.pre(create, TOPO_URN, STACK_URN, at=100),
        feed.pre(create, DEFAULT_PROVIDER_URN, None, at=100),
        feed.done(create, DEFAULT_PROVIDER_URN, None, at=101),
        feed.pre(create, HOME_URN, TOPO_URN, at=101),
        feed.pre(create, RUNTIME_URN, HOME_URN, at=102),
        feed.done(create, RUNTIME_URN, HOME_URN, at=110),
        feed.pre(events.OpType.UPDATE, RECORD_URN, TOPO_URN, at=103),
        feed.done(events.OpType.UPDATE, RECORD_URN, TOPO_URN, at=104),
        feed.done(create, HOME_URN, TOPO_URN, at=111),
        feed.done(create, TOPO_URN, STACK_URN, at=112),
    ]


def progress_of(event_list: list[events.EngineEvent], regions=("home",)) -> Progress:
    progress = Progress(prefix="acme-id", region_ids=list(regions))
    for event in event_list:
        progress.handle(event)
    return progress


def by_name(progress: Progress):
    return {state.name: state for state in progress.resources(include_hidden=True)}


# --- region ---------------------------------------------------------------------------------


def test_region_comes_from_own_name_then_parent_chain():
    progress = progress_of(deployment_events(Feed()))
    states = by_name(progress)
    assert states["acme-id-home"].region == "home"
    assert states["runtime"].region == "home"  # from its parent acme-id-home
    assert states["acme-id"].region is None
    assert states["acme-id-gslb-login"].region is None


def test_region_in_name_prefers_longest_id_and_ignores_the_prefix():
    ids = ["us", "us-east", "id", "eu-west"]
    assert region_in_name("acme-id-us-east-runtime", "acme-id", ids) == "us-east"
    assert region_in_name("acme-id-us-runtime", "acme-id", ids) == "us"
    assert region_in_name("acme-id-keys", "acme-id", ids) is None  # "id" is in the prefix only
    assert region_in_name("acme-id-tokens-eu-west-db", "acme-id", ids) == "eu-west"
    assert region_in_name("acme-id-eastern", "acme-id", ids) is None  # whole words only
    assert region_in_name("eu-west", "acme-id", ids) == "eu-west"  # e.g. a provider named by id


def test_region_of_a_deleted_child_comes_from_its_parents_name():
    feed = Feed()
    progress = progress_of([feed.pre(events.OpType.DELETE, RUNTIME_URN, HOME_URN)])
    (state,) = progress.resources()
    assert state.region == "home"
    assert state.op == "delete"


# --- lifecycle ------------------------------------------------------------------------------


def test_steps_move_from_running_to_done_with_durations():
    feed = Feed()
    progress = Progress(prefix="acme-id", region_ids=["home"])
    progress.handle(feed.pre(events.OpType.CREATE, HOME_URN, TOPO_URN, at=100))
    assert by_name(progress)["acme-id-home"].status is Status.RUNNING
    progress.handle(feed.done(events.OpType.CREATE, HOME_URN, TOPO_URN, at=112))
    state = by_name(progress)["acme-id-home"]
    assert state.status is Status.DONE
    assert state.duration == 12


def test_preview_steps_stay_planned():
    feed = Feed()
    progress = progress_of(
        [
            feed.pre(events.OpType.CREATE, HOME_URN, TOPO_URN, planning=True),
            feed.done(events.OpType.CREATE, HOME_URN, TOPO_URN, planning=True),
        ]
    )
    assert by_name(progress)["acme-id-home"].status is Status.PLANNED


def test_failure_marks_the_resource_and_keeps_its_error():
    feed = Feed()
    progress = progress_of(
        [
            feed.pre(events.OpType.CREATE, RUNTIME_URN, HOME_URN, at=100),
            feed.diagnostic(
                "<{%fg 1%}>error: \x1b[31mdeployments.apps is forbidden\x1b[0m",
                resource_urn=RUNTIME_URN,
            ),
            feed.failed(events.OpType.CREATE, RUNTIME_URN, HOME_URN, at=105),
            feed.done(events.OpType.CREATE, RUNTIME_URN, HOME_URN, at=106),
            feed.diagnostic("a warning with no resource", severity="warning"),
            feed.diagnostic("just info", severity="info"),
        ]
    )
    state = by_name(progress)["runtime"]
    assert state.status is Status.FAILED  # a late outputs event does not undo the failure
    assert state.messages == ("error: deployments.apps is forbidden",)
    assert progress.errors == ["error: deployments.apps is forbidden"]
    assert progress.warnings == ["a warning with no resource"]
    assert [s.name for s in progress.failed] == ["runtime"]
    assert progress.by_region()["home"]["failed"] == 1


def test_replacement_steps_are_one_replace():
    feed = Feed()
    replace_steps = [
        feed.pre(events.OpType.CREATE_REPLACEMENT, RUNTIME_URN, HOME_URN),
        feed.done(events.OpType.CREATE_REPLACEMENT, RUNTIME_URN, HOME_URN),
        feed.pre(events.OpType.REPLACE, RUNTIME_URN, HOME_URN),
        feed.done(events.OpType.REPLACE, RUNTIME_URN, HOME_URN),
        feed.pre(events.OpType.DELETE_REPLACED, RUNTIME_URN, HOME_URN),
        feed.done(events.OpType.DELETE_REPLACED, RUNTIME_URN, HOME_URN),
    ]
    progress = progress_of(replace_steps)
    assert [(s.name, s.op) for s in progress.resources()] == [("runtime", "replace")]
    assert progress.counts() == {"replace": 1}


# --- counts -----------------------------------------------------------------------------------


def test_counts_per_region_leave_out_the_stack_and_default_providers():
    progress = progress_of(deployment_events(Feed()))
    assert progress.counts() == {"create": 3, "update": 1}
    assert progress.by_region() == {"home": {"create": 2}, None: {"create": 1, "update": 1}}
    names = [s.name for s in progress.resources()]
    assert "acme-id-dev" not in names and "default_4_34_0" not in names
    assert len(progress.resources(include_hidden=True)) == 6


def test_engine_summary_wins_over_counted_changes():
    feed = Feed()
    event_list = deployment_events(feed)
    progress = progress_of(event_list)
    assert progress.changes() == {"create": 3, "update": 1}
    progress.handle(feed.summary({events.OpType.CREATE: 4, "same": 1}, seconds=9))
    assert progress.changes() == {"create": 4, "same": 1}


def test_events_parsed_from_engine_json():
    """The wire format the engine sends reaches the same model (EngineEvent.from_json)."""
    raw = [
        {
            "sequence": 0,
            "timestamp": 50,
            "resourcePreEvent": {
                "metadata": {
                    "op": "create",
                    "urn": HOME_URN,
                    "type": PLATFORM,
                    "provider": "",
                    "new": {
                        "type": PLATFORM,
                        "urn": HOME_URN,
                        "id": "",
                        "parent": TOPO_URN,
                        "provider": "",
                    },
                },
                "planning": True,
            },
        },
        {"sequence": 1, "timestamp": 51, "cancelEvent": {}},
        {
            "sequence": 2,
            "timestamp": 52,
            "summaryEvent": {
                "maybeCorrupt": False,
                "durationSeconds": 2,
                "resourceChanges": {"create": 2},
            },
        },
    ]
    progress = progress_of([events.EngineEvent.from_json(item) for item in raw])
    state = by_name(progress)["acme-id-home"]
    assert (state.region, state.op, state.status, state.parent) == (
        "home",
        "create",
        Status.PLANNED,
        TOPO_URN,
    )
    # a cancel event changes nothing in the model: Ctrl-C is what cancels (see runner.py)
    assert progress.changes() == {"create": 2}


def test_urn_name_keeps_everything_after_the_type():
    assert urn_name(RUNTIME_URN) == "runtime"
    assert urn_name("not-a-urn") == "not-a-urn"


# --- rendering --------------------------------------------------------------------------------


def recording_console() -> Console:
    return Console(record=True, width=160, force_terminal=False, color_system=None)


def test_tables_show_resources_and_region_counts():
    progress = progress_of(deployment_events(Feed()))
    console = recording_console()
    console.print(resource_table(progress.resources()))
    console.print(region_table(progress.by_region()))
    text = console.export_text()
    assert "acme-id-gslb-login" in text and "aws:route53/record:Record" in text
    assert "(global)" in text
    rows = [line.replace("│", " ").split() for line in text.splitlines()]
    assert ["home", "2", "0"] in rows  # region table: create, update
    assert ["(global)", "1", "1"] in rows


def test_summary_line_words_differ_for_preview():
    assert summary_line("preview", {"create": 2}, 1.0, "succeeded").endswith(
        "2 to create, 0 to update, 0 to replace, 0 to delete, 0 unchanged"
    )
    assert "3 created" in summary_line("up", {"create": 3}, 4.25, "succeeded")
    assert "in 4.2s" in summary_line("up", {"create": 3}, 4.2, "succeeded")


def test_display_outside_a_terminal_prints_one_line_per_finished_change():
    console = recording_console()
    progress = Progress(prefix="acme-id", region_ids=["home"])
    with Display(console, progress, "up", "dev", quiet=False) as display:
        for event in deployment_events(Feed()):
            display.on_event(event)
    lines = [line for line in console.export_text().splitlines() if line.strip()]
    # runtime, the record, acme-id-home, the topology; not the stack nor the default provider
    assert len(lines) == 4
    assert lines[0].startswith("home") and "runtime" in lines[0] and "done" in lines[0]
    assert any("(global)" in line and "acme-id-gslb-login" in line for line in lines)
    assert len(progress.resources()) == 4


def test_quiet_display_prints_nothing_but_still_records():
    console = recording_console()
    progress = Progress(prefix="acme-id", region_ids=["home"])
    with Display(console, progress, "up", "dev", quiet=True) as display:
        for event in deployment_events(Feed()):
            display.on_event(event)
    assert console.export_text() == ""
    assert progress.counts() == {"create": 3, "update": 1}


def refresh_meta(
    resource_urn: str, before: dict | None, after: dict | None, diffs: list[str] | None = None
) -> events.StepEventMetadata:
    def state(outputs: dict | None) -> events.StepEventStateMetadata | None:
        if outputs is None:
            return None
        return events.StepEventStateMetadata(
            type=DEPLOYMENT, urn=resource_urn, id="x", parent=HOME_URN, provider="", outputs=outputs
        )

    return events.StepEventMetadata(
        op=events.OpType.REFRESH,
        urn=resource_urn,
        type=DEPLOYMENT,
        provider="",
        old=state(before),
        new=state(after),
        diffs=diffs,
    )


def test_refresh_reports_drift_per_resource_with_the_changed_keys():
    progress = Progress(prefix="acme-id", region_ids=["home"])
    feed = Feed()
    same = urn(f"{TOPOLOGY}${PLATFORM}${DEPLOYMENT}", "acme-id-home-admin")
    gone = urn(f"{TOPOLOGY}${RECORD}", "acme-id-gslb-login")
    progress.handle(feed.pre(events.OpType.SAME, HOME_URN))
    for resource_urn, before, after, diffs in [
        (RUNTIME_URN, {"replicas": 2, "image": "a"}, {"replicas": 5, "image": "a"}, None),
        (same, {"replicas": 1}, {"replicas": 1}, None),
        (gone, {"ttl": 30}, None, None),
    ]:
        meta_ = refresh_meta(resource_urn, before, after, diffs)
        progress.handle(
            feed._event(100, resource_pre_event=events.ResourcePreEvent(metadata=meta_))
        )
        progress.handle(feed._event(101, res_outputs_event=events.ResOutputsEvent(metadata=meta_)))
    states = {s.name: s for s in progress.resources()}
    assert (states["runtime"].op, states["runtime"].drift) == ("drift", ("replicas",))
    assert states["runtime"].region == "home" and states["runtime"].changes
    assert states["acme-id-home-admin"].op == "refresh" and not states["acme-id-home-admin"].changes
    assert states["acme-id-gslb-login"].op == "gone"
    assert states["runtime"].to_json()["drift"] == ["replicas"]

    console = Console(record=True, width=200, force_terminal=False, color_system=None)
    show_result(console, progress, OperationResult("refresh", "dev", "acme-id", "file:///s"))
    text = console.export_text()
    assert "drift: 2 resource(s) differ from the state" in text
    assert "drift runtime kubernetes:apps/v1:Deployment changed: replicas" in text
    assert "acme-id-gslb-login" in text and "no longer exists" in text


def test_the_engine_s_own_diff_keys_win():
    progress = Progress(prefix="acme-id", region_ids=["home"])
    meta_ = refresh_meta(RUNTIME_URN, {"a": 1}, {"a": 1}, diffs=["spec"])
    progress.handle(Feed()._event(1, res_outputs_event=events.ResOutputsEvent(metadata=meta_)))
    (state,) = progress.resources()
    assert (state.op, state.drift) == ("drift", ("spec",))


def test_a_refresh_without_drift_says_so():
    progress = Progress(prefix="acme-id", region_ids=["home"])
    meta_ = refresh_meta(RUNTIME_URN, {"a": 1}, {"a": 1})
    progress.handle(Feed()._event(1, res_outputs_event=events.ResOutputsEvent(metadata=meta_)))
    console = Console(record=True, width=200, force_terminal=False, color_system=None)
    show_result(console, progress, OperationResult("refresh", "dev", "acme-id", "file:///s"))
    assert "drift: none; every resource matches the state" in console.export_text()


def update_meta(
    diffs: list[str] | None, detailed: dict[str, events.PropertyDiff] | None
) -> events.StepEventMetadata:
    state = events.StepEventStateMetadata(
        type=DEPLOYMENT, urn=RUNTIME_URN, id="x", parent=HOME_URN, provider=""
    )
    return events.StepEventMetadata(
        op=events.OpType.UPDATE,
        urn=RUNTIME_URN,
        type=DEPLOYMENT,
        provider="",
        old=state,
        new=state,
        diffs=diffs,
        detailed_diff=detailed,
    )


def test_diff_shows_the_changed_keys_of_each_update_never_values():
    update = events.PropertyDiff(diff_kind=events.DiffKind.UPDATE, input_diff=True)
    for diffs, detailed, expected in [
        (
            ["spec"],
            {"spec.replicas": update, "spec.template.image": update},
            ("spec.replicas", "spec.template.image"),
        ),
        (["spec", "metadata"], None, ("spec", "metadata")),  # no detailed diff: the top keys
    ]:
        progress = Progress(prefix="acme-id", region_ids=["home"])
        feed = Feed()
        meta_ = update_meta(diffs, detailed)
        progress.handle(
            feed._event(
                1, resource_pre_event=events.ResourcePreEvent(metadata=meta_, planning=True)
            )
        )
        (state,) = progress.resources()
        assert state.changed_keys == expected
        assert state.to_json()["changedKeys"] == list(expected)
    console = recording_console()
    show_result(
        console, progress, OperationResult("preview", "dev", "acme-id", "file:///s"), diff=True
    )
    text = console.export_text()
    assert "changed keys" in text and "spec, metadata" in text
    plain = recording_console()
    show_result(plain, progress, OperationResult("preview", "dev", "acme-id", "file:///s"))
    assert "changed keys" not in plain.export_text()
