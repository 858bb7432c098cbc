"""`regionkit.testing` and plain Pulumi mocks: what a user's own unit tests need."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest

from regionkit.components.data.dynamodb import access_policy
from regionkit.components.platform import aws as aws_platform
from regionkit.components.platform.aws_certificates import _option_of
from regionkit.plan.mocks_k8s import GATEWAY
from regionkit.plan.recorder import record
from regionkit.testing import RegionkitMocks

from .test_python_api import SPEC

REPO = Path(__file__).resolve().parents[1]


def readme_example() -> str:
    """The pytest example of the README's "Unit tests of your own program", as it stands."""
    text = (REPO / "README.md").read_text()
    start = text.index("# test_login.py")
    return text[start : text.index("```", start)]


def test_the_readme_example_passes_as_written(tmp_path: Path):
    (tmp_path / "test_login.py").write_text(readme_example())
    # the user's configuration directory, beside their test (the example's is regionkit's own)
    shutil.copytree(REPO / "stacks" / "idsvr-config", tmp_path / "idsvr-config")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_login.py"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "4 passed" in run.stdout


class PlainMocks(pulumi.runtime.Mocks):
    """Pulumi's plain mocks: inputs back as outputs, nothing for invokes; a Gateway's address
    is the one output no component can do without (the cluster's controller sets it)."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        state = dict(args.inputs)
        if args.typ == GATEWAY:
            state["status"] = {"addresses": [{"type": "IPAddress", "value": "192.0.2.10"}]}
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


def test_aws_components_run_under_plain_mocks():
    """EKS, ACM, Aurora and DynamoDB global tables with no computed outputs at all."""

    def program() -> Any:
        from regionkit import ActivePassive, StackSpec, TopologyArgs

        site = ActivePassive("acme-ap", TopologyArgs(StackSpec.model_validate(SPEC)))
        return site.endpoints

    regs = record(program, project="acme-ap", stack="dev", mocks=PlainMocks())
    types = {r.type for r in regs}
    assert {"aws:eks/cluster:Cluster", "aws:dynamodb/table:Table"} <= types


def test_what_plain_mocks_leave_empty_has_a_stand_in():
    assert aws_platform._zone_of(None, 1, "eu-west-1") == "eu-west-1b"
    assert aws_platform._zone_of(["x1", "x2"], 2, "eu-west-1") == "x1"
    assert aws_platform._oidc_issuer(None) == ""
    assert '"Resource": []' not in access_policy([None], "us-west-2")  # type: ignore[list-item]
    assert _option_of("login.example.com")(None)["value"] == ""
    with pytest.raises(ValueError, match="no DNS validation record"):
        _option_of("login.example.com")([{"domain_name": "other.example.com"}])


def test_regionkit_mocks_list_what_was_created():
    mocks = RegionkitMocks()

    def program() -> Any:
        from regionkit import ActivePassive, StackSpec, TopologyArgs

        return ActivePassive("acme-ap", TopologyArgs(StackSpec.model_validate(SPEC))).endpoints

    regs = record(program, project="acme-ap", stack="dev", mocks=mocks)
    assert len(mocks.created) == len(regs)  # components too: the mocks see every one
    assert [c.name for c in mocks.of_type(GATEWAY)] != []
