"""The plan-scaling bench's baselines: typed-class lookup, constructor arguments, faithful replay."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random
import pytest
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockResourceArgs

from regionkit.plan.recorder import PlanMocks, Registration, record
from tests import plan_sample

BENCH = Path(__file__).resolve().parent.parent / "bench" / "plan_scaling.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("plan_scaling", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def registrations() -> list[Registration]:
    return plan_sample.registrations()


def test_sdk_class_is_the_class_pulumi_rehydrates_the_type_with(bench: ModuleType) -> None:
    assert bench.sdk_class("aws:ec2/subnet:Subnet") is aws.ec2.Subnet
    assert bench.sdk_class("kubernetes:apps/v1:Deployment") is k8s.apps.v1.Deployment
    assert bench.sdk_class("random:index/randomPassword:RandomPassword") is random.RandomPassword
    assert bench.sdk_class("pulumi:providers:aws") is aws.Provider
    assert bench.sdk_class("pulumi:providers:kubernetes") is k8s.Provider


def test_sdk_class_of_a_crd_is_the_generic_custom_resource(bench: ModuleType) -> None:
    cls = bench.sdk_class("kubernetes:postgresql.cnpg.io/v1:Cluster")
    assert cls is k8s.apiextensions.CustomResource


def test_sdk_class_of_an_unknown_type_is_an_error(bench: ModuleType) -> None:
    with pytest.raises(LookupError, match="nosuch:mod/thing:Thing"):
        bench.sdk_class("nosuch:mod/thing:Thing")


def test_constructor_args_translate_top_level_names_only(bench: ModuleType) -> None:
    inputs = {
        "vpcId": "vpc-1",
        "cidrBlock": "10.0.0.0/20",
        "mapPublicIpOnLaunch": True,
        "tags": {"kubernetes.io/role/elb": "1", "Name": "cluster-a"},
    }
    assert bench.constructor_args(aws.ec2.Subnet, inputs) == {
        "vpc_id": "vpc-1",
        "cidr_block": "10.0.0.0/20",
        "map_public_ip_on_launch": True,
        "tags": {"kubernetes.io/role/elb": "1", "Name": "cluster-a"},
    }


def test_constructor_args_leave_out_what_the_class_sets_itself(bench: ModuleType) -> None:
    inputs = {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 2}}
    kwargs = bench.constructor_args(k8s.apps.v1.Deployment, inputs)
    assert kwargs == {"api_version": "apps/v1", "kind": "Deployment", "spec": {"replicas": 2}}
    assert bench.constructor_args(aws.ec2.Vpc, {"arn": "computed", "cidrBlock": "10.0.0.0/16"}) == {
        "cidr_block": "10.0.0.0/16"
    }


def test_constructor_args_decode_a_providers_json_encoded_inputs(bench: ModuleType) -> None:
    inputs = {
        "region": "eu-west-1",
        "skipRegionValidation": "true",
        "defaultTags": '{"tags": {"team": "iam"}}',
    }
    assert bench.constructor_args(aws.Provider, inputs) == {
        "region": "eu-west-1",
        "skip_region_validation": True,
        "default_tags": {"tags": {"team": "iam"}},
    }
    # a string input that happens to be JSON stays the string it was
    kubeconfig = '{"apiVersion": "v1", "kind": "Config"}'
    assert bench.constructor_args(k8s.Provider, {"kubeconfig": kubeconfig}) == {
        "kubeconfig": kubeconfig
    }


def test_typed_replay_registers_exactly_the_recorded_resources(
    bench: ModuleType, registrations: list[Registration]
) -> None:
    assert any(r.dependencies for r in registrations), "the sample has a dependency graph"
    again = record(bench.replay_typed(registrations), project="acme-id", stack="test")
    assert bench.registration_differences(registrations, again) == []
    assert len(again) == len(registrations)


def test_raw_replay_registers_the_recorded_resources_without_their_dependencies(
    bench: ModuleType, registrations: list[Registration]
) -> None:
    again = record(bench.replay(registrations), project="acme-id", stack="test")
    assert bench.registration_differences(registrations, again, ignore=("dependencies",)) == []
    assert all(r.dependencies == () for r in again)


class SecretSpy(PlanMocks):
    """Notes where each resource's inputs hold a secret (the recording shows only "[secret]")."""

    def __init__(self) -> None:
        self.secrets: dict[str, set[str]] = {}

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.secrets[args.name] = set(secret_paths(args.inputs))
        return super().new_resource(args)


def secret_paths(value: Any, path: str = "") -> Iterator[str]:
    if rpc.is_rpc_secret(value):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from secret_paths(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from secret_paths(item, f"{path}[{index}]")


@pytest.mark.parametrize("replay", ["replay_typed", "replay"])
def test_replays_pass_secrets_as_secrets(
    bench: ModuleType, registrations: list[Registration], replay: str
) -> None:
    original, again = SecretSpy(), SecretSpy()
    record(plan_sample.program, project="acme-id", stack="test", mocks=original)
    record(getattr(bench, replay)(registrations), project="acme-id", stack="test", mocks=again)
    assert any(original.secrets.values()), "the sample program has secrets"
    assert again.secrets == original.secrets


def test_differences_name_what_a_replay_got_wrong(
    bench: ModuleType, registrations: list[Registration]
) -> None:
    cluster = next(r for r in registrations if r.type == "aws:rds/cluster:Cluster")
    changed = dataclasses.replace(cluster, inputs={**cluster.inputs, "engineVersion": "0.0"})
    protected = dataclasses.replace(cluster, protect=not cluster.protect)
    assert bench.registration_differences([cluster], [changed]) == [
        f"{cluster.urn}: inputs differ at ['engineVersion']"
    ]
    assert bench.registration_differences([cluster], [protected]) == [
        f"{cluster.urn}: protect {cluster.protect!r} != {protected.protect!r}"
    ]
    assert bench.registration_differences([cluster], [protected], ignore=("protect",)) == []
    assert bench.registration_differences([cluster], []) == [f"missing {cluster.urn}"]
    assert bench.registration_differences([], [cluster]) == [f"extra {cluster.urn}"]


WHOLE_PROCESS = BENCH.with_name("whole_process.py")


@pytest.fixture(scope="module")
def whole_process() -> ModuleType:
    spec = importlib.util.spec_from_file_location("whole_process", WHOLE_PROCESS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_floor_process_registers_what_the_plan_registers(
    whole_process: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = Path(__file__).resolve().parents[1] / "stacks" / "dev.yaml"
    loaded, registrations = whole_process.registrations_of(stack)
    prepared = tmp_path / "dev.pickle"
    with prepared.open("wb") as handle:
        pickle.dump(([], registrations, loaded.spec.name, loaded.environment), handle)
    whole_process.floor(prepared)
    out = capsys.readouterr()
    replayed = [entry["urn"] for entry in json.loads(out.out)]
    assert len(registrations) > 40
    assert sorted(replayed) == sorted(reg.urn for reg in registrations)
    assert "MODULES pulumi_aws" in out.err or "MODULES pulumi_kubernetes" in out.err


def test_the_floor_imports_the_sdk_package_of_each_type(whole_process: ModuleType) -> None:
    assert whole_process._package("aws:ec2/vpc:Vpc") == "aws"
    assert whole_process._package("pulumi:providers:kubernetes") == "kubernetes"
    assert whole_process._package("regionkit:topology:GlobalCluster") is None
    assert whole_process._package("pulumi:pulumi:Stack") is None
