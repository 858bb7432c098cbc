"""DynamoDB: Curity's tables for the group's data classes, a global table per placement.

The table definitions (keys, indexes, projections, TTL attribute) are generated from
`catalog.curity_dynamodb`, Curity's own, whose index names Curity queries by name. Tables are
created in the writer (first) region of a placement with a replica in each other region:
multi-region eventual consistency (last writer wins) or, for `consistency: strong`, multi-region
strong consistency inside one AWS region set (3 replicas, or 2 and a witness region).

The identity server nodes reach the tables with an IRSA role per region, scoped to that region's
replicas.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
import pulumi_aws as aws

from regionkit.catalog import curity_dynamodb, idsvr
from regionkit.catalog.curity_dynamodb import Index, Table
from regionkit.components.data.base import MultiRegionStore, Placement
from regionkit.components.facts import ConnectionKind
from regionkit.components.platform.aws import AwsRegion, aws_region, irsa_role
from regionkit.components.protocols import DataConnection, EgressRule, StoreArgs
from regionkit.errors import skipped_check
from regionkit.model import type_token
from regionkit.spec.models import Consistency, DataClassName, Deployment, Engine, Topology

TOKEN = type_token("data", "DynamoDb")
REGION_TOKEN = type_token("data", "DynamoDbRegion")
ENGINE = "dynamodb"
TTL_ATTRIBUTE = idsvr.DYNAMODB_TTL_ATTRIBUTE
HTTPS = 443


#: Curity's tables (`curity-<name>`) by name, as the catalog defines them
TABLES: dict[str, Table] = curity_dynamodb.BY_NAME

#: Curity's tables by regionkit data class. Clients (database, dynamically registered) and SAML
#: service providers go with tokens: every region that issues tokens must know the clients.
TABLES_BY_CLASS: dict[DataClassName, tuple[str, ...]] = {
    "tokens": (
        "tokens",
        "sessions",
        "delegations",
        "nonces",
        "dynamic-clients",
        "database-clients",
        "database-service-providers",
    ),
    "accounts": ("accounts", "links", "devices", "bucket"),
    "audit": (),
}


def tables_for(data_classes: tuple[DataClassName, ...]) -> list[Table]:
    if "audit" in data_classes:
        raise skipped_check(
            "data.audit: engine 'dynamodb' cannot hold the audit log: Curity's DynamoDB data source "
            "has no audit table",
            "engine.data-class",
        )
    return [TABLES[t] for c in data_classes for t in TABLES_BY_CLASS[c]]


def table_prefix(deployment: Deployment) -> str:
    """Curity's `table-name-prefix`: tables of two stacks or sub-clusters never share names."""
    parts = [deployment.name, deployment.sub_cluster]
    return "-".join(p for p in parts if p) + "-"


@dataclass(frozen=True)
class Replication:
    """How a placement's tables replicate: replica regions, their mode and a witness."""

    home: str
    replicas: tuple[str, ...]
    mode: str
    witness: str | None = None


def replication(deployment: Deployment, locations: list[str]) -> Replication:
    """Replicas of a placement's tables; strong consistency only inside one AWS region set."""
    home, others = locations[0], tuple(locations[1:])
    # only global-cluster uses consistency; any other topology ignores it (topology.consistency)
    strong = (
        deployment.topology is Topology.GLOBAL_CLUSTER
        and deployment.consistency is Consistency.STRONG
    )
    if not strong or not others:
        return Replication(home, others, "EVENTUAL")
    from regionkit.catalog.regions import DYNAMODB_STRONG_REGION_SETS, region_set_for

    region_set = region_set_for(DYNAMODB_STRONG_REGION_SETS, locations)
    if region_set is None or len(locations) > 3:
        sets = "; ".join(f"{s.name}: {', '.join(s.regions)}" for s in DYNAMODB_STRONG_REGION_SETS)
        raise skipped_check(
            f"consistency: strong with dynamodb needs 2 or 3 regions inside one region set "
            f"({sets}); got {', '.join(locations)}",
            "engine.curity",
        )
    witness = region_set.witness_for(locations) if len(locations) == 2 else None
    return Replication(home, others, "STRONG", witness)


def _gsi(index: Index) -> aws.dynamodb.TableGlobalSecondaryIndexArgs:
    keys = [
        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
            attribute_name=index.hash_key, key_type="HASH"
        )
    ]
    if index.range_key:
        keys.append(
            aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                attribute_name=index.range_key, key_type="RANGE"
            )
        )
    return aws.dynamodb.TableGlobalSecondaryIndexArgs(
        name=index.name,
        key_schemas=keys,
        projection_type=str(index.projection),
        non_key_attributes=list(index.non_key_attributes) or None,
    )


def _lsi(index: Index) -> aws.dynamodb.TableLocalSecondaryIndexArgs:
    # an LSI shares the table's hash key: only its sort key is declared
    assert index.range_key is not None
    return aws.dynamodb.TableLocalSecondaryIndexArgs(
        name=index.name,
        range_key=index.range_key,
        projection_type=str(index.projection),
        non_key_attributes=list(index.non_key_attributes) or None,
    )


def table_args(table: Table, name: str, rep: Replication) -> dict[str, Any]:
    """The `aws.dynamodb.Table` arguments of one Curity table (plain data, for tests too)."""
    return {
        "name": name,
        "billing_mode": "PAY_PER_REQUEST",
        "hash_key": table.hash_key,
        "range_key": table.range_key,
        "attributes": [
            aws.dynamodb.TableAttributeArgs(name=attribute, type=kind)
            for attribute, kind in table.attributes
        ],
        "global_secondary_indexes": [_gsi(i) for i in table.gsis] or None,
        "local_secondary_indexes": [_lsi(i) for i in table.lsis] or None,
        # only where Curity writes deletableAt on items that expire
        "ttl": aws.dynamodb.TableTtlArgs(attribute_name=table.ttl_attribute, enabled=True)
        if table.ttl_attribute
        else None,
        "point_in_time_recovery": aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
        "server_side_encryption": aws.dynamodb.TableServerSideEncryptionArgs(enabled=True),
        "deletion_protection_enabled": True,
        # global tables replicate through the table's stream
        "stream_enabled": True,
        "stream_view_type": "NEW_AND_OLD_IMAGES",
        "replicas": [
            aws.dynamodb.TableReplicaArgs(
                region_name=location,
                consistency_mode=rep.mode,
                point_in_time_recovery=True,
                deletion_protection_enabled=True,
                propagate_tags=True,
            )
            for location in rep.replicas
        ]
        or None,
        "global_table_witness": aws.dynamodb.TableGlobalTableWitnessArgs(region_name=rep.witness)
        if rep.witness
        else None,
    }


def access_policy(table_arns: Sequence[str], location: str) -> str:
    """Read and write on one region's replicas of the tables and their indexes."""
    arns = [_in_region(arn, location) for arn in table_arns]
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": [
                        "dynamodb:BatchGetItem",
                        "dynamodb:BatchWriteItem",
                        "dynamodb:ConditionCheckItem",
                        "dynamodb:DeleteItem",
                        "dynamodb:DescribeTable",
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:Query",
                        "dynamodb:Scan",
                        "dynamodb:UpdateItem",
                    ],
                    "Resource": [r for arn in arns for r in (arn, f"{arn}/index/*")],
                }
            ],
        }
    )


def _in_region(arn: str | None, location: str) -> str:
    """The ARN of a global table's replica in `location` (arn:partition:dynamodb:REGION:...)."""
    parts = (arn or "").split(":", 5)
    if len(parts) < 6:
        # not an ARN: only unit-test mocks that echo the inputs back give a table none
        return arn or ""
    parts[3] = location
    return ":".join(parts)


@dataclass(frozen=True)
class DynamoDbRegionArgs:
    where: AwsRegion
    #: the tables to create here (a one-region store), as (resource name, Table arguments)
    tables: tuple[tuple[str, dict[str, Any]], ...] = ()
    #: the ARNs of a global table set created elsewhere (a multi-region store)
    table_arns: pulumi.Output[list[str]] | None = None


class DynamoDbRegion(pulumi.ComponentResource):
    """One region's access to a DynamoDB store: its IRSA role (and tables of a one-region store)."""

    def __init__(
        self, name: str, args: DynamoDbRegionArgs, opts: pulumi.ResourceOptions | None = None
    ):
        where = args.where
        super().__init__(REGION_TOKEN, name, {"region": where.region.id}, opts)
        self.where = where
        child = pulumi.ResourceOptions(parent=self, provider=where.provider)
        self.tables = [
            aws.dynamodb.Table(
                table_name,
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True)),
                **kwargs,
            )
            for table_name, kwargs in args.tables
        ]
        arns = args.table_arns or pulumi.Output.all(*[t.arn for t in self.tables])
        policy = arns.apply(functools.partial(access_policy, location=where.location))
        self.access = irsa_role(name, where, ENGINE, policy, child)
        self.register_outputs({"roleArn": self.access.identity.role_arn})


class DynamoDb(MultiRegionStore):
    """Curity's DynamoDB tables for one `StoreGroup`: a global table set per placement."""

    TOKEN: ClassVar[str] = TOKEN

    def __init__(self, name: str, args: StoreArgs, opts: pulumi.ResourceOptions | None = None):
        self.prefix = table_prefix(args.deployment)
        self.tables: dict[str, list[aws.dynamodb.Table]] = {}
        self.regions: dict[str, DynamoDbRegion] = {}
        super().__init__(name, args, opts)

    def check(self, args: StoreArgs) -> None:
        tables_for(args.group.data_classes)
        for placement, home in zip(args.group.placements, args.group.writers, strict=True):
            _replication(args, placement, home)

    def place(self, name: str, args: StoreArgs, placement: Placement) -> dict[str, DataConnection]:
        home = placement.writer
        regions = {rid: aws_region(args.platforms[rid], ENGINE) for rid in placement.regions}
        rep = _replication(args, placement.regions, home)
        child = pulumi.ResourceOptions(parent=self)
        specs = tuple(
            (f"{name}-{home}-{t.name}", table_args(t, f"{self.prefix}curity-{t.name}", rep))
            for t in tables_for(self.group.data_classes)
        )
        if len(placement.regions) == 1:
            # a one-region table set belongs to its region
            regional = DynamoDbRegion(
                f"{name}-{home}", DynamoDbRegionArgs(regions[home], specs), child
            )
            self.regions[home] = regional
            self.tables[home] = regional.tables
            return {home: self._connection(regional)}
        # a global table set belongs to no region; each replica region gets its own access
        created = [
            aws.dynamodb.Table(
                table_name,
                opts=pulumi.ResourceOptions(
                    parent=self, provider=regions[home].provider, protect=True
                ),
                **kwargs,
            )
            for table_name, kwargs in specs
        ]
        self.tables[home] = created
        arns = pulumi.Output.all(*[t.arn for t in created])
        connections = {}
        for rid in placement.regions:
            self.regions[rid] = DynamoDbRegion(
                f"{name}-{rid}", DynamoDbRegionArgs(regions[rid], table_arns=arns), child
            )
            connections[rid] = self._connection(self.regions[rid])
        return connections

    def outputs(self) -> dict[str, Any]:
        return {"tablePrefix": self.prefix}

    def _connection(self, regional: DynamoDbRegion) -> DataConnection:
        return DataConnection(
            engine=Engine.DYNAMODB,
            data_classes=self.group.data_classes,
            data_source_id=self.source_id,
            env={"DYNAMODB_REGION": regional.where.location, "DYNAMODB_TABLE_PREFIX": self.prefix},
            # DynamoDB and STS (the IRSA token exchange) are public HTTPS endpoints
            egress=(EgressRule(port=HTTPS, cidrs=("0.0.0.0/0",)),),
            identity=regional.access.identity,
            kind=ConnectionKind.DYNAMODB,
        )


def _replication(args: StoreArgs, placement: tuple[str, ...], home: str) -> Replication:
    locations = [
        aws_region(args.platforms[rid], ENGINE).location for rid in _home_first(placement, home)
    ]
    return replication(args.deployment, locations)


def _home_first(placement: tuple[str, ...], home: str) -> list[str]:
    return [home, *(rid for rid in placement if rid != home)]
