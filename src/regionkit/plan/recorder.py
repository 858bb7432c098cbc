"""Run a Pulumi program offline under Pulumi's mock monitor and record every registration.

The recording keeps what a plan needs and the stock `MockMonitor` drops: each resource's parent,
whether it is custom, and which of its inputs are secrets (they are recorded as "[secret]").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime import rpc, settings
from pulumi.runtime.proto import resource_pb2, source_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop as _untyped_ensure_event_loop
from pulumi.runtime.sync_await import _sync_await

from regionkit.plan import mock_outputs, mocks_aws, mocks_gcp, mocks_k8s

# the modules above register the mock outputs of their clouds' resource types on import
_MOCK_MODULES = (mocks_aws, mocks_gcp, mocks_k8s)

# the SDK leaves this private helper unannotated; it returns the thread's (possibly new) loop
_ensure_event_loop = cast(Callable[[], asyncio.AbstractEventLoop], _untyped_ensure_event_loop)

SECRET = "[secret]"


@dataclass(frozen=True)
class Registration:
    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    provider: str | None
    inputs: dict[str, Any]
    protect: bool = False
    retain_on_delete: bool = False
    #: URNs of the custom resources it waits for (its `depends_on` and its inputs' sources)
    dependencies: tuple[str, ...] = ()


class PlanMocks(pulumi_mocks.Mocks):
    """Mocks that echo inputs as outputs and add the outputs a cloud would compute.

    Outputs are deterministic (derived from the resource name), so two plans are identical.
    """

    def new_resource(
        self, args: pulumi_mocks.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        inputs = reveal(args.inputs)
        state = dict(inputs)
        state.update(mock_outputs.outputs_for(args.typ, args.name, inputs))
        resource_id = args.resource_id or f"{args.name}-id"
        return resource_id, state

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return mock_outputs.call_result(args.token, reveal(args.args)), []


class RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(
        self,
        mocks: pulumi_mocks.Mocks,
        on_register: Callable[[Registration], None] | None = None,
    ):
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self._on_register = on_register

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()
        inputs = rpc.deserialize_properties(request.object)
        self.registrations.append(
            Registration(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                provider=request.provider or None,
                inputs=redact(inputs),
                protect=bool(getattr(request, "protect", False)),
                retain_on_delete=bool(getattr(request, "retainOnDelete", False)),
                dependencies=tuple(sorted(set(request.dependencies))),
            )
        )
        if self._on_register is not None:
            self._on_register(self.registrations[-1])
        resource_args = pulumi_mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs,
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
        )
        id_, state = self.mocks.new_resource(resource_args)
        id_ = id_ or ""
        obj_proto = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_, state)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=obj_proto)


def redact(value: Any) -> Any:
    """The value with every Pulumi secret replaced by "[secret]"."""
    if rpc.is_rpc_secret(value):
        return SECRET
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def reveal(value: Any) -> Any:
    """The value with secret wrappers removed (for the mocks' echoed state only)."""
    if rpc.is_rpc_secret(value):
        return reveal(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value


def record(
    program: Callable[[], Any],
    *,
    project: str,
    stack: str,
    mocks: pulumi_mocks.Mocks | None = None,
    on_register: Callable[[Registration], None] | None = None,
) -> list[Registration]:
    """Run `program` under the mock monitor and return every resource it registered.

    `on_register` hears of each registration as it happens (a progress display). Exceptions
    raised by the program (or inside its outputs) propagate unchanged.
    """
    # Pulumi walks the whole Python stack of every resource to record where it was declared;
    # nothing shows the source positions of a mock run, and the walk was a fifth of a plan.
    capture_stack_trace = pulumi_resource._get_stack_trace
    pulumi_resource._get_stack_trace = _no_stack_trace
    try:
        monitor = RecordingMonitor(mocks or PlanMocks(), on_register)
        return _record(program, project=project, stack=stack, monitor=monitor)
    finally:
        pulumi_resource._get_stack_trace = capture_stack_trace


def _record(
    program: Callable[[], Any], *, project: str, stack: str, monitor: RecordingMonitor
) -> list[Registration]:
    settings.set_root_resource(None)  # type: ignore[arg-type]
    pulumi_mocks.set_mocks(
        monitor.mocks,
        project=project,
        stack=stack,
        preview=False,
        monitor=monitor,
        logger=logging.getLogger("regionkit.pulumi"),
    )
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()

    def run() -> None:
        result = program()
        if result is not None:
            _sync_await(pulumi.Output.from_input(result).future())

    _sync_await(run_pulumi_func(run))
    return list(monitor.registrations)


def _no_stack_trace() -> source_pb2.StackTrace:
    return source_pb2.StackTrace()
