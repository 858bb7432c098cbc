"""Helpers of the AWS component tests: stacks, a recording run, minimal AWS platforms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
from pulumi.runtime import mocks as pulumi_mocks

import regionkit.plan.mocks_aws  # noqa: F401  (registers the AWS mock outputs)
from regionkit.components.protocols import RegionPlatform
from regionkit.plan import mock_outputs
from regionkit.plan.recorder import PlanMocks, Registration, record, reveal
from regionkit.spec import load_stack_text
from regionkit.spec.models import Deployment
from tests.platform_fixtures import aws_facts
from tests.registrations import of_type, one, region_of  # noqa: F401  (re-exported)


class InvokeMocks(PlanMocks):
    """PlanMocks whose invokes report an empty failure list, as the mock monitor iterates it."""

    def call(self, args: pulumi_mocks.MockCallArgs) -> Any:
        return mock_outputs.call_result(args.token, reveal(args.args)), []


def run(program: Callable[[], Any]) -> list[Registration]:
    return record(program, project="regionkit-test", stack="test", mocks=InvokeMocks())


def deployment(
    regions: list[str],
    *,
    topology: str = "global-cluster",
    data: str = "",
    extra: str = "",
    dns: str = "{provider: route53, zone: example.com, hostname: login.example.com}",
) -> Deployment:
    text = (
        f"apiVersion: regionkit/v1\nname: acme-id\ntopology: {topology}\ndns: {dns}\n"
        + (f"data:\n{data}" if data else "")
        + extra
        + "regions:\n"
        + "".join(f"  - {r}\n" for r in regions)
    )
    return load_stack_text(text).spec.deployments()[0]


def minimal_platforms(dep: Deployment) -> dict[str, RegionPlatform]:
    """Per region an aws.Provider and the network facts an EKS platform exposes (call in a program)."""
    platforms = {}
    for index, region in enumerate(dep.regions):
        rid = region.id
        provider = aws.Provider(f"test-{rid}", region=region.location)
        platforms[rid] = RegionPlatform(
            region=region,
            k8s_provider=k8s.Provider(f"test-{rid}", kubeconfig="{}"),
            cloud_provider=provider if region.cloud.value == "aws" else None,
            gateway_address_kind="hostname",
            facts=aws_facts(rid, region.location, index),
        )
    return platforms


def sink(name: str, value: pulumi.Input[Any]) -> None:
    """Register `value` as a resource input, so a test sees it as a plan shows it."""
    pulumi.CustomResource("test:index:Sink", name, {"value": value})


def sunk(regs: list[Registration], name: str) -> Any:
    (found,) = [r for r in regs if r.type == "test:index:Sink" and r.name == name]
    return found.inputs["value"]
