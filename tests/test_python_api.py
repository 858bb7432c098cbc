"""The components used from a company's own Pulumi program: `from regionkit import ...`."""

from __future__ import annotations

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
