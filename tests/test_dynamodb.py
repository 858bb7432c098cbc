"""DynamoDB under Pulumi mocks: Curity's tables, global table replicas, IRSA access."""

from __future__ import annotations

import json
from typing import Any

import pytest

from regionkit.catalog import curity_dynamodb
from regionkit.catalog.curity_dynamodb import Index, Table
from regionkit.components.data.dynamodb import (
    TABLES,
    TTL_ATTRIBUTE,
    DynamoDb,
    access_policy,
    replication,
    table_prefix,
    tables_for,
)
from regionkit.components.facts import ConnectionKind, IrsaRole
from regionkit.components.protocols import DataConnection, StoreArgs
from regionkit.model import store_groups
from regionkit.plan.recorder import Registration
from regionkit.spec.models import Deployment, Engine
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

US_EAST = (
    "{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US, "
    "cluster: {apiAllowedCidrs: [203.0.113.0/24]}}"
)
US_WEST = (
    "{id: us-west, cloud: aws, location: us-west-2, jurisdiction: US, "
    "cluster: {apiAllowedCidrs: [203.0.113.0/24]}}"
)
US_OHIO = (
    "{id: us-ohio, cloud: aws, location: us-east-2, jurisdiction: US, "
    "cluster: {apiAllowedCidrs: [203.0.113.0/24]}}"
)
EU_WEST = (
    "{id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU, "
    "cluster: {apiAllowedCidrs: [203.0.113.0/24]}}"
)
TOKENS = "  tokens: {engine: dynamodb, scope: global}\n"
ACCOUNTS = "  accounts: {engine: dynamodb, scope: global}\n"
AUDIT = "  audit: {engine: external, scope: region, connection: {secretName: audit-db}}\n"


def stack(
    regions: list[str], consistency: str = "eventual", data: str = TOKENS + ACCOUNTS + AUDIT
) -> Deployment:
    return deployment(regions, data=data, extra=f"consistency: {consistency}\n")


def build(
    dep: Deployment, connections: dict[str, DataConnection] | None = None
) -> list[Registration]:
    def program() -> None:
        (group,) = [g for g in store_groups(dep) if g.engine is Engine.DYNAMODB]
        store = DynamoDb("acme-id-ddb", StoreArgs(dep, group, minimal_platforms(dep)))
        for region in dep.regions:
            connection = store.connection(region.id)
            if connections is not None:
                connections[region.id] = connection
            assert isinstance(connection.identity, IrsaRole)
            assert connection.kind is ConnectionKind.DYNAMODB
            sink(f"{region.id}-role", connection.identity.role_arn)

    return run(program)


def tables(regs: list[Registration]) -> dict[str, Registration]:
    return {t.inputs["name"]: t for t in of_type(regs, "aws:dynamodb/table:Table")}


def test_tokens_and_accounts_get_curitys_eleven_tables() -> None:
    regs = build(stack([US_EAST, EU_WEST]))
    assert sorted(tables(regs)) == sorted(f"acme-id-curity-{name}" for name in TABLES)
    assert len(TABLES) == 11


def test_only_the_tables_of_the_groups_data_classes() -> None:
    assert [t.name for t in tables_for(("accounts",))] == ["accounts", "links", "devices", "bucket"]
    assert {t.name for t in tables_for(("tokens",))} == {
        "tokens",
        "sessions",
        "delegations",
        "nonces",
        "dynamic-clients",
        "database-clients",
        "database-service-providers",
    }
    regs = build(
        stack(
            [US_EAST, EU_WEST],
            data=TOKENS
            + AUDIT
            + "  accounts: {engine: external, scope: region, connection: {secretName: acc}}\n",
        )
    )
    assert "acme-id-curity-accounts" not in tables(regs)
    assert "acme-id-curity-tokens" in tables(regs)


def test_audit_is_not_a_dynamodb_class() -> None:
    # validate refuses it first (engine.data-class, breaks-engine-data-class.yaml)
    with pytest.raises(ValueError, match=r"cannot hold the audit log.*engine\.data-class"):
        tables_for(("tokens", "audit"))


def _expected_inputs(table: Table) -> dict[str, Any]:
    """The inputs a catalog table must register with, as the mocks record them (camelCase)."""

    def include(index: Index) -> dict[str, Any]:
        listed = {"nonKeyAttributes": list(index.non_key_attributes)}
        return {
            "projectionType": str(index.projection),
            **(listed if index.non_key_attributes else {}),
        }

    def key_schemas(index: Index) -> list[dict[str, str]]:
        keys = [(index.hash_key, "HASH"), (index.range_key, "RANGE")]
        return [{"attributeName": k, "keyType": t} for k, t in keys if k]

    expected: dict[str, Any] = {
        "hashKey": table.hash_key,
        "attributes": [{"name": n, "type": t} for n, t in table.attributes],
    }
    if table.range_key:
        expected["rangeKey"] = table.range_key
    if table.gsis:
        expected["globalSecondaryIndexes"] = [
            {"name": i.name, "keySchemas": key_schemas(i), **include(i)} for i in table.gsis
        ]
    if table.lsis:
        expected["localSecondaryIndexes"] = [
            {"name": i.name, "rangeKey": i.range_key, **include(i)} for i in table.lsis
        ]
    if table.ttl_attribute:
        expected["ttl"] = {"attributeName": table.ttl_attribute, "enabled": True}
    return expected


SCHEMA_KEYS = (
    "hashKey",
    "rangeKey",
    "attributes",
    "globalSecondaryIndexes",
    "localSecondaryIndexes",
    "ttl",
)


def test_every_table_is_curitys_definition_field_by_field() -> None:
    by_name = tables(build(stack([US_EAST, EU_WEST])))
    assert len(curity_dynamodb.TABLES) == len(by_name) == 11
    for table in curity_dynamodb.TABLES:
        inputs = by_name[f"acme-id-{table.table_name}"].inputs
        registered = {k: inputs[k] for k in SCHEMA_KEYS if k in inputs}
        assert registered == _expected_inputs(table), table.name


def test_catalog_definitions_are_ones_dynamodb_accepts() -> None:
    assert curity_dynamodb.TABLES
    assert any(t.gsis or t.lsis for t in curity_dynamodb.TABLES), "no index is checked"
    for table in curity_dynamodb.TABLES:
        # DynamoDB wants exactly the key attributes of the table and its indexes defined
        keys = {table.hash_key, table.range_key}
        keys |= {k for i in (*table.gsis, *table.lsis) for k in (i.hash_key, i.range_key)}
        assert [n for n, _ in table.attributes] == list(
            dict.fromkeys(n for n, _ in table.attributes)
        )
        assert {n for n, _ in table.attributes} == keys - {None}, table.name
        assert all(i.hash_key == table.hash_key for i in table.lsis), table.name
        for index in (*table.gsis, *table.lsis):
            included = index.projection is curity_dynamodb.Projection.INCLUDE
            assert included == bool(index.non_key_attributes), index.name


def test_the_tables_curity_fixed_since_2021() -> None:
    by_name = tables(build(stack([US_EAST, EU_WEST])))
    links = by_name["acme-id-curity-links"].inputs
    assert links["hashKey"] == "linkedAccountId_linkedAccountDomainName"
    (listing,) = links["globalSecondaryIndexes"]
    assert [k["attributeName"] for k in listing["keySchemas"]] == [
        "accountId",
        "linkingAccountManager",
    ]
    # the id indexes Curity removed in 2021 no longer cost writes
    tokens = by_name["acme-id-curity-tokens"].inputs
    assert "globalSecondaryIndexes" not in tokens
    delegations = by_name["acme-id-curity-delegations"].inputs
    assert "id-status-index" not in {i["name"] for i in delegations["globalSecondaryIndexes"]}
    clients = by_name["acme-id-curity-database-clients"].inputs
    lsi = {i["name"]: i for i in clients["localSecondaryIndexes"]}["lsi-client_name-index"]
    assert lsi["rangeKey"] == "client_name_key"
    indexes = clients["globalSecondaryIndexes"] + clients["localSecondaryIndexes"]
    assert all("client_id" in i["nonKeyAttributes"] for i in indexes)


def test_tables_are_durable_encrypted_on_demand() -> None:
    regs = build(stack([US_EAST, EU_WEST]))
    registered = of_type(regs, "aws:dynamodb/table:Table")
    assert registered, "no table registered"
    for table in registered:
        inputs = table.inputs
        assert inputs["billingMode"] == "PAY_PER_REQUEST"
        assert inputs["pointInTimeRecovery"] == {"enabled": True}
        assert inputs["serverSideEncryption"] == {"enabled": True}
        assert inputs["deletionProtectionEnabled"] is True
        assert (inputs["streamEnabled"], inputs["streamViewType"]) == (True, "NEW_AND_OLD_IMAGES")
        assert table.protect


def test_ttl_only_where_curity_writes_deletable_at() -> None:
    by_name = tables(build(stack([US_EAST, EU_WEST])))
    with_ttl = {n.removeprefix("acme-id-curity-") for n, t in by_name.items() if "ttl" in t.inputs}
    assert with_ttl == {"sessions", "nonces", "delegations", "tokens", "devices"}
    assert by_name["acme-id-curity-tokens"].inputs["ttl"]["attributeName"] == TTL_ATTRIBUTE


def test_eventual_global_tables_replicate_to_the_other_regions() -> None:
    regs = build(stack([US_EAST, EU_WEST, US_WEST]))
    registered = of_type(regs, "aws:dynamodb/table:Table")
    assert registered, "no table registered"
    for table in registered:
        replicas = table.inputs["replicas"]
        assert [(r["regionName"], r["consistencyMode"]) for r in replicas] == [
            ("eu-west-1", "EVENTUAL"),
            ("us-west-2", "EVENTUAL"),
        ]
        assert all(r["pointInTimeRecovery"] and r["deletionProtectionEnabled"] for r in replicas)
        assert "globalTableWitness" not in table.inputs
        # a global table belongs to no region; it is created in the first region
        assert region_of(regs, table) is None
        assert table.provider is not None and "test-us-east" in table.provider


def test_strong_consistency_in_two_regions_adds_a_witness() -> None:
    regs = build(stack([US_EAST, US_WEST], consistency="strong"))
    registered = of_type(regs, "aws:dynamodb/table:Table")
    assert registered, "no table registered"
    for table in registered:
        assert [(r["regionName"], r["consistencyMode"]) for r in table.inputs["replicas"]] == [
            ("us-west-2", "STRONG")
        ]
        assert table.inputs["globalTableWitness"] == {"regionName": "us-east-2"}


def test_strong_consistency_in_three_regions_has_no_witness() -> None:
    rep = replication(
        stack([US_EAST, US_OHIO, US_WEST], consistency="strong"),
        ["us-east-1", "us-east-2", "us-west-2"],
    )
    assert (rep.replicas, rep.mode, rep.witness) == (("us-east-2", "us-west-2"), "STRONG", None)


def test_strong_consistency_across_region_sets_is_rejected() -> None:
    dep = stack([US_EAST, EU_WEST], consistency="strong")
    # validate refuses dynamodb with consistency strong wherever it applies (engine.curity)
    assert "engine.curity" in refusals(dep)
    with pytest.raises(ValueError, match=r"inside one region set.*engine\.curity"):
        replication(dep, ["us-east-1", "eu-west-1"])
    with pytest.raises(ValueError, match="inside one region set"):
        build(dep)


def test_each_region_grants_its_own_replicas_to_the_regions_workload_role() -> None:
    connections: dict[str, DataConnection] = {}
    regs = build(stack([US_EAST, EU_WEST]), connections)
    # a pod has one identity: the store attaches access to the platform's workload role
    assert of_type(regs, "aws:iam/role:Role") == []
    access = one(regs, "aws:iam/rolePolicy:RolePolicy", "acme-id-ddb-eu-west-access")
    assert region_of(regs, access) == "eu-west"
    assert access.inputs["role"] == "acme-id-eu-west-workload"
    policy = json.loads(access.inputs["policy"])
    resources = policy["Statement"][0]["Resource"]
    assert len(resources) == 2 * 11
    assert all(r.split(":")[3] == "eu-west-1" for r in resources)
    assert (
        "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-id-curity-tokens/index/*" in resources
    )
    assert "dynamodb:ConditionCheckItem" in policy["Statement"][0]["Action"]
    assert sunk(regs, "eu-west-role") == "arn:aws:iam::123456789012:role/acme-id-eu-west-workload"


def test_connection_names_the_region_prefix_and_role() -> None:
    connections: dict[str, DataConnection] = {}
    build(stack([US_EAST, EU_WEST]), connections)
    connection = connections["eu-west"]
    assert connection.env == {"DYNAMODB_REGION": "eu-west-1", "DYNAMODB_TABLE_PREFIX": "acme-id-"}
    assert connection.secret_env == {}
    assert connection.engine is Engine.DYNAMODB
    assert connection.data_source_id == "tokens-accounts"
    assert [(e.port, e.cidrs) for e in connection.egress] == [(443, ("0.0.0.0/0",))]
    assert not connection.read_only


def test_region_scope_keeps_tables_in_their_region() -> None:
    data = (
        "  tokens: {engine: dynamodb, scope: region}\n  accounts: {engine: dynamodb, scope: region}\n"
        + AUDIT
    )
    regs = build(stack([US_EAST, EU_WEST], data=data))
    all_tables = of_type(regs, "aws:dynamodb/table:Table")
    assert len(all_tables) == 22
    assert all("replicas" not in t.inputs for t in all_tables)
    assert sorted({str(region_of(regs, t)) for t in all_tables}) == ["eu-west", "us-east"]
    policy = json.loads(
        one(regs, "aws:iam/rolePolicy:RolePolicy", "acme-id-ddb-us-east-access").inputs["policy"]
    )
    assert all(r.split(":")[3] == "us-east-1" for r in policy["Statement"][0]["Resource"])


def test_sub_clusters_prefix_their_tables() -> None:
    text = (
        "apiVersion: regionkit/v1\nname: acme-id\ntopology: sub-clusters\n"
        "dns: {provider: route53, zone: example.com}\n"
        "subClusters:\n"
        "  - {id: eu, jurisdiction: EU, topology: single-region, dns: {hostname: login.eu.example.com},"
        " regions: [{id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU}]}\n"
        "  - {id: us, jurisdiction: US, topology: single-region, dns: {hostname: login.us.example.com},"
        " regions: [{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US}]}\n"
    )
    from regionkit.spec import load_stack_text

    first, second = load_stack_text(text).spec.deployments()
    assert (table_prefix(first), table_prefix(second)) == ("acme-id-eu-", "acme-id-us-")


def test_access_policy_points_at_the_replicas_of_one_region() -> None:
    policy: dict[str, Any] = json.loads(
        access_policy(["arn:aws:dynamodb:us-east-1:1:table/t"], location="ap-northeast-1")
    )
    assert policy["Statement"][0]["Resource"] == [
        "arn:aws:dynamodb:ap-northeast-1:1:table/t",
        "arn:aws:dynamodb:ap-northeast-1:1:table/t/index/*",
    ]


def test_table_definitions_cover_exactly_curitys_tables() -> None:
    from regionkit.catalog import idsvr
    from regionkit.components.data.dynamodb import TABLES, TABLES_BY_CLASS

    assert set(TABLES) == set(idsvr.DYNAMODB_TABLES)
    owned = [t for tables in TABLES_BY_CLASS.values() for t in tables]
    assert sorted(owned) == sorted(idsvr.DYNAMODB_TABLES)  # each table has one owning class


def test_consistency_outside_global_cluster_is_ignored() -> None:
    # active-passive ignores consistency (a topology.consistency warning, no error), so its
    # tables replicate eventually: Curity cannot use strongly consistent ones (engine.curity)
    dep = deployment(
        [f"{US_EAST[:-1]}, role: active}}", f"{US_OHIO[:-1]}, role: passive}}"],
        topology="active-passive",
        data=TOKENS + ACCOUNTS + AUDIT,
        extra="consistency: strong\n",
    )
    assert refusals(dep) == set()
    rep = replication(dep, ["us-east-1", "us-east-2"])
    assert (rep.replicas, rep.mode, rep.witness) == (("us-east-2",), "EVENTUAL", None)
    tables = of_type(build(dep), "aws:dynamodb/table:Table")
    assert tables
    assert {r["consistencyMode"] for t in tables for r in t.inputs["replicas"]} == {"EVENTUAL"}
