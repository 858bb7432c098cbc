"""Aurora DSQL under Pulumi mocks: peered clusters with a witness, IAM-only connections."""

from __future__ import annotations

import json

import pytest

from regionkit.components.data.aurora_dsql import (
    AuroraDsql,
    check_group,
    jdbc_url,
    witness_region,
)
from regionkit.components.facts import IrsaRole
from regionkit.components.protocols import DataConnection, StoreArgs
from regionkit.model import StoreGroup, store_groups
from regionkit.plan.mocks_aws import _dsql_cluster
from regionkit.plan.recorder import Registration
from regionkit.spec.models import Deployment, Engine, Scope
from tests.aws_fixtures import (
    deployment,
    minimal_platforms,
    of_type,
    one,
    region_of,
    run,
    sink,
    sunk,
)
from tests.refusals import refusals

US_EAST = "{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US}"
US_OHIO = "{id: us-ohio, cloud: aws, location: us-east-2, jurisdiction: US}"
EU_WEST = "{id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU}"
DATA = (
    "  tokens: {engine: aurora-dsql, scope: global}\n"
    "  accounts: {engine: aurora-dsql, scope: global}\n"
    "  audit: {engine: aurora-dsql, scope: global}\n"
)


def stack(regions: list[str], data: str = DATA) -> Deployment:
    return deployment(regions, data=data, extra="consistency: strong\n")


def build(
    dep: Deployment, connections: dict[str, DataConnection] | None = None
) -> list[Registration]:
    def program() -> None:
        (group,) = [g for g in store_groups(dep) if g.engine is Engine.AURORA_DSQL]
        store = AuroraDsql("acme-id-dsql", StoreArgs(dep, group, minimal_platforms(dep)))
        for region in dep.regions:
            connection = store.connection(region.id)
            if connections is not None:
                connections[region.id] = connection
            sink(f"{region.id}-jdbc", connection.env["JDBC_URL"])
            sink(f"{region.id}-user", connection.secret_env["DB_USERNAME"])

    return run(program)


def test_two_regions_are_peered_clusters_with_a_witness() -> None:
    regs = build(stack([US_EAST, US_OHIO]))
    clusters = of_type(regs, "aws:dsql/cluster:Cluster")
    assert sorted(str(region_of(regs, c)) for c in clusters) == ["us-east", "us-ohio"]
    for cluster in clusters:
        assert cluster.inputs["deletionProtectionEnabled"] is True
        assert cluster.inputs["multiRegionProperties"] == {"witnessRegion": "us-west-2"}
        assert cluster.protect
    arn = {c.name: _dsql_cluster(c.name, {})["arn"] for c in clusters}
    east = one(regs, "aws:dsql/clusterPeering:ClusterPeering", "acme-id-dsql-us-east-peering")
    ohio = one(regs, "aws:dsql/clusterPeering:ClusterPeering", "acme-id-dsql-us-ohio-peering")
    # each side names the other cluster
    assert east.inputs["clusters"] == [arn["acme-id-dsql-us-ohio-cluster"]]
    assert ohio.inputs["clusters"] == [arn["acme-id-dsql-us-east-cluster"]]
    assert east.inputs["witnessRegion"] == ohio.inputs["witnessRegion"] == "us-west-2"
    assert region_of(regs, east) == "us-east" and region_of(regs, ohio) == "us-ohio"
    assert "region" not in of_type(regs, "regionkit:data:AuroraDsql")[0].inputs


def test_one_region_is_a_single_region_cluster() -> None:
    data = DATA.replace("scope: global", "scope: region")
    regs = build(stack([US_EAST, EU_WEST], data=data))
    clusters = of_type(regs, "aws:dsql/cluster:Cluster")
    assert len(clusters) == 2
    assert all("multiRegionProperties" not in c.inputs for c in clusters)
    assert of_type(regs, "aws:dsql/clusterPeering:ClusterPeering") == []


def test_connection_uses_the_dsql_connector_and_an_irsa_role() -> None:
    connections: dict[str, DataConnection] = {}
    regs = build(stack([US_EAST, US_OHIO]), connections)
    identifier = _dsql_cluster("acme-id-dsql-us-ohio-cluster", {})["identifier"]
    assert (
        sunk(regs, "us-ohio-jdbc")
        == f"jdbc:aws-dsql:postgresql://{identifier}.dsql.us-east-2.on.aws:5432/postgres"
    )
    assert sunk(regs, "us-ohio-user") == "[secret]"
    connection = connections["us-ohio"]
    assert "DB_PASSWORD" not in connection.secret_env
    assert {e.port for e in connection.egress} == {5432, 443}
    assert isinstance(connection.identity, IrsaRole)
    policy = json.loads(
        one(regs, "aws:iam/rolePolicy:RolePolicy", "acme-id-dsql-us-ohio-access").inputs["policy"]
    )
    assert policy["Statement"][0]["Action"] == "dsql:DbConnectAdmin"
    assert (
        policy["Statement"][0]["Resource"]
        == _dsql_cluster("acme-id-dsql-us-ohio-cluster", {})["arn"]
    )
    access = one(regs, "aws:iam/rolePolicy:RolePolicy", "acme-id-dsql-us-ohio-access")
    assert access.inputs["role"] == "acme-id-us-ohio-workload"
    assert connection.identity.role_arn == "arn:aws:iam::123456789012:role/acme-id-us-ohio-workload"


def test_witness_is_another_region_of_the_same_set() -> None:
    assert witness_region(["us-east-1", "us-west-2"]) == "us-east-2"
    assert witness_region(["eu-west-1", "eu-west-2"]) == "eu-west-3"
    with pytest.raises(ValueError, match=r"two regions of one region set.*engine\.curity"):
        witness_region(["us-east-1", "eu-west-1"])
    # validate refuses aurora-dsql whatever its regions (engine.curity)
    dep = stack([US_EAST, EU_WEST])
    assert "engine.curity" in refusals(dep)
    with pytest.raises(ValueError, match="two regions of one region set"):
        build(dep)


def test_more_than_two_regions_are_rejected() -> None:
    group = StoreGroup(Engine.AURORA_DSQL, Scope.GLOBAL, ("tokens",), (("a", "b", "c"),), ("a",))
    with pytest.raises(ValueError, match=r"2 regions and a witness.*engine\.curity"):
        check_group(group)


def test_jdbc_url_format() -> None:
    assert (
        jdbc_url("abc", "eu-west-1")
        == "jdbc:aws-dsql:postgresql://abc.dsql.eu-west-1.on.aws:5432/postgres"
    )
