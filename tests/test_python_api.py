"""The components used from a company's own Pulumi program: `from regionkit import ...`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest

from regionkit.errors import StackInvalid
from regionkit.plan.recorder import PlanMocks, record

#: the configuration written for this data layout (tokens on DynamoDB, the rest on Aurora)
CONFIG = Path(__file__).resolve().parent.parent / "stacks" / "idsvr-config-split"

SPEC: dict[str, Any] = {
    "name": "acme-ap",
    "topology": "active-passive",
    "identityServer": {
        "admin": {"allowedCidrs": ["10.0.0.0/8"]},
        "config": {"path": str(CONFIG)},
        "license": {"secretName": "idsvr-license"},
    },
    "dns": {"zone": "example.com", "hostname": "login.example.com"},
    "data": {
        "tokens": {"engine": "dynamodb", "scope": "global"},
        "accounts": {"engine": "aurora-postgresql", "scope": "global"},
        "audit": {"engine": "aurora-postgresql", "scope": "global"},
    },
    "regions": [
        {
            "id": "us-east",
            "cloud": "aws",
            "location": "us-east-1",
            "jurisdiction": "US",
            "role": "active",
            "cluster": {"apiAllowedCidrs": ["203.0.113.0/24"]},
        },
        {
            "id": "us-west",
            "cloud": "aws",
            "location": "us-west-2",
            "jurisdiction": "US",
            "role": "passive",
            "cluster": {"apiAllowedCidrs": ["203.0.113.0/24"]},
        },
    ],
}


def test_the_four_topologies_import_from_the_package() -> None:
    import regionkit

    for name in (
        "SingleRegion",
        "ActivePassive",
        "GlobalCluster",
        "SubClusters",
        "TopologyArgs",
        "StackSpec",
    ):
        assert getattr(regionkit, name).__name__ == name
    with pytest.raises(AttributeError):
        regionkit.Nope  # noqa: B018


def test_active_passive_from_python_registers_the_failover_pair() -> None:
    def program() -> None:
        from regionkit import ActivePassive, StackSpec, TopologyArgs

        site = ActivePassive("acme-ap", TopologyArgs(StackSpec.model_validate(SPEC)))
        pulumi.export("issuer", site.issuer)

    regs = record(program, project="acme-ap", stack="dev")
    records = [
        r
        for r in regs
        if r.type == "aws:route53/record:Record" and "failoverRoutingPolicies" in r.inputs
    ]
    assert sorted(r.inputs["failoverRoutingPolicies"][0]["type"] for r in records) == [
        "PRIMARY",
        "SECONDARY",
    ]
    assert any(r.type == "aws:rds/globalCluster:GlobalCluster" for r in regs)


class CountingMocks(PlanMocks):
    def __init__(self) -> None:
        self.created: list[str] = []

    def new_resource(self, args: Any) -> Any:
        self.created.append(args.typ)
        return super().new_resource(args)


def test_a_stack_of_another_topology_is_refused_before_anything_is_registered() -> None:
    from regionkit import GlobalCluster, StackSpec, TopologyArgs

    mocks = CountingMocks()

    def program() -> None:
        GlobalCluster("acme-ap", TopologyArgs(StackSpec.model_validate(SPEC)))

    # a caller's mistake, not the stack's: the stack is a valid active-passive one
    with pytest.raises(ValueError, match="GlobalCluster deploys topology 'global-cluster'"):
        record(program, project="acme-ap", stack="dev", mocks=mocks)
    assert mocks.created == []


def test_failed_checks_raise_before_any_resource_is_registered() -> None:
    from regionkit import ActivePassive, StackSpec, TopologyArgs

    bad = {
        **SPEC,
        "identityServer": {**SPEC["identityServer"], "admin": {"allowedCidrs": ["0.0.0.0/0"]}},
    }
    mocks = CountingMocks()

    def program() -> None:
        ActivePassive("acme-ap", TopologyArgs(StackSpec.model_validate(bad)))

    with pytest.raises(StackInvalid) as caught:
        record(program, project="acme-ap", stack="dev", mocks=mocks)
    assert any(f.rule == "security.admin-cidr" for f in caught.value.findings)
    assert mocks.created == []


def test_a_stack_without_configuration_or_license_is_refused_naming_both_keys() -> None:
    from regionkit import ActivePassive, StackSpec, TopologyArgs

    bare = {**SPEC, "identityServer": {"admin": {"allowedCidrs": ["10.0.0.0/8"]}}}
    mocks = CountingMocks()

    def program() -> None:
        ActivePassive("acme-ap", TopologyArgs(StackSpec.model_validate(bare)))

    with pytest.raises(StackInvalid) as caught:
        record(program, project="acme-ap", stack="dev", mocks=mocks)
    assert {(f.rule, f.path) for f in caught.value.findings if f.is_error} == {
        ("config.required", "identityServer.config.path"),
        ("config.license", "identityServer.license"),
    }
    assert mocks.created == []


def test_mypy_sees_the_real_types_of_the_public_api(tmp_path: Path) -> None:
    """`from regionkit import ...` is typed: mypy catches a misused argument, no `Any` hides it."""
    pytest.importorskip("mypy")
    program = tmp_path / "user_program.py"
    program.write_text(
        "from regionkit import ActivePassive, StackSpec, TopologyArgs\n"
        "spec = StackSpec.model_validate({})\n"
        'site = ActivePassive("acme", TopologyArgs(spec, config_dir="not-a-path"))\n'
        "reveal_type(site)\n"
        "import regionkit\n"
        "regionkit.Nope\n"
    )
    # regionkit itself is checked by the test command; here only the user's file is reported, and
    # the cloud SDKs' huge stubs are skipped (their types do not matter to this program)
    (tmp_path / "mypy.ini").write_text(
        "[mypy]\nstrict = True\nplugins = pydantic.mypy\n"
        "[mypy-regionkit.*]\nfollow_imports = silent\n"
        "[mypy-pulumi_aws.*,pulumi_gcp.*,pulumi_kubernetes.*]\nfollow_imports = skip\n"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(tmp_path / "mypy.ini"),
            "--cache-dir",
            str(tmp_path / "cache"),
            str(program),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
        check=False,
        env={**os.environ, "MYPYPATH": str(Path(regionkit_file()).parents[1])},
    )
    out = run.stdout
    assert run.returncode == 1, out + run.stderr
    assert 'Argument "config_dir" to "TopologyArgs" has incompatible type "str"' in out, out
    assert 'Revealed type is "regionkit.topologies.active_passive.ActivePassive"' in out, out
    assert 'Module has no attribute "Nope"' in out, out


def regionkit_file() -> str:
    import regionkit

    return str(regionkit.__file__)
