"""Aurora DSQL: a strongly consistent PostgreSQL-compatible store, active in two regions.

A placement of two regions is a multi-region cluster: one cluster per region, peered both ways,
with a witness region from the same AWS region set holding the transaction log quorum. A
placement of one region is a single-region cluster. DSQL authenticates with short-lived IAM tokens
only: the identity server uses the Aurora DSQL JDBC connector (`jdbc:aws-dsql:postgresql:`),
which mints them from the region's IRSA role, so there is no password.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
import pulumi_aws as aws

from regionkit.components.data.base import MultiRegionStore, Placement
from regionkit.components.platform.aws import AwsRegion, aws_region, irsa_role
from regionkit.components.protocols import DataConnection, EgressRule, StoreArgs
from regionkit.errors import skipped_check
from regionkit.model import StoreGroup, type_token
from regionkit.spec.models import Engine

TOKEN = type_token("data", "AuroraDsql")
REGION_TOKEN = type_token("data", "AuroraDsqlRegion")
ENGINE = "aurora-dsql"
DATABASE = "postgres"
#: the built-in role; custom roles need SQL (`AWS IAM GRANT`) run inside the cluster
USERNAME = "admin"
PORT = 5432
HTTPS = 443


def endpoint(identifier: str, location: str) -> str:
    return f"{identifier}.dsql.{location}.on.aws"


def jdbc_url(identifier: str, location: str) -> str:
    return f"jdbc:aws-dsql:postgresql://{endpoint(identifier, location)}:{PORT}/{DATABASE}"


def witness_region(locations: list[str]) -> str:
    """The witness of a two-region cluster: the first other region of their region set."""
    from regionkit.catalog.regions import DSQL_REGION_SETS, region_set_for

    region_set = region_set_for(DSQL_REGION_SETS, locations)
    witness = region_set.witness_for(locations) if region_set is not None else None
    if witness is None:
        sets = "; ".join(f"{s.name}: {', '.join(s.regions)}" for s in DSQL_REGION_SETS)
        raise skipped_check(
            f"aurora-dsql peers two regions of one region set ({sets}); got {', '.join(locations)}",
            "engine.curity",
        )
    return witness


def check_group(group: StoreGroup) -> None:
    for placement in group.placements:
        if len(placement) > 2:
            raise skipped_check(
                f"aurora-dsql store for {', '.join(group.data_classes)} spans {len(placement)} "
                f"regions ({', '.join(placement)}): a multi-region DSQL cluster has 2 regions and "
                "a witness",
                "engine.curity",
            )


def connect_policy(cluster_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "dsql:DbConnectAdmin", "Resource": cluster_arn}
            ],
        }
    )


@dataclass(frozen=True)
class DsqlRegionArgs:
    where: AwsRegion
    witness: str | None


class AuroraDsqlRegion(pulumi.ComponentResource):
    """One region's DSQL cluster and the IRSA role that connects to it."""

    def __init__(self, name: str, args: DsqlRegionArgs, opts: pulumi.ResourceOptions | None = None):
        where = args.where
        super().__init__(REGION_TOKEN, name, {"region": where.region.id}, opts)
        self.where = where
        self.child = pulumi.ResourceOptions(parent=self, provider=where.provider)
        self.cluster = aws.dsql.Cluster(
            f"{name}-cluster",
            deletion_protection_enabled=True,
            multi_region_properties=aws.dsql.ClusterMultiRegionPropertiesArgs(
                witness_region=args.witness
            )
            if args.witness
            else None,
            opts=pulumi.ResourceOptions.merge(self.child, pulumi.ResourceOptions(protect=True)),
        )
        policy = self.cluster.arn.apply(connect_policy)
        self.access = irsa_role(name, where, ENGINE, policy, self.child)
        self.register_outputs(
            {"identifier": self.cluster.identifier, "roleArn": self.access.identity.role_arn}
        )


class AuroraDsql(MultiRegionStore):
    """The DSQL clusters of one `StoreGroup`: one (multi-region) cluster per placement."""

    TOKEN: ClassVar[str] = TOKEN

    def __init__(self, name: str, args: StoreArgs, opts: pulumi.ResourceOptions | None = None):
        self.regions: dict[str, AuroraDsqlRegion] = {}
        self.peerings: list[aws.dsql.ClusterPeering] = []
        super().__init__(name, args, opts)

    def check(self, args: StoreArgs) -> None:
        check_group(args.group)
        for placement in args.group.placements:
            _witness(args, placement)

    def place(self, name: str, args: StoreArgs, placement: Placement) -> dict[str, DataConnection]:
        witness = _witness(args, placement.regions)
        members = [
            AuroraDsqlRegion(
                f"{name}-{rid}",
                DsqlRegionArgs(aws_region(args.platforms[rid], ENGINE), witness),
                pulumi.ResourceOptions(parent=self),
            )
            for rid in placement.regions
        ]
        self.regions.update(zip(placement.regions, members, strict=True))
        if witness is not None:
            # each cluster names its peer; the pair becomes active once both peerings exist
            for rid, member, peer in zip(
                placement.regions, members, reversed(members), strict=True
            ):
                self.peerings.append(
                    aws.dsql.ClusterPeering(
                        f"{name}-{rid}-peering",
                        identifier=member.cluster.identifier,
                        clusters=[peer.cluster.arn],
                        witness_region=witness,
                        opts=member.child,
                    )
                )
        return {
            rid: self._connection(member)
            for rid, member in zip(placement.regions, members, strict=True)
        }

    def outputs(self) -> dict[str, Any]:
        return {"identifiers": {rid: r.cluster.identifier for rid, r in self.regions.items()}}

    def _connection(self, regional: AuroraDsqlRegion) -> DataConnection:
        url = regional.cluster.identifier.apply(
            functools.partial(jdbc_url, location=regional.where.location)
        )
        return DataConnection(
            engine=Engine.AURORA_DSQL,
            data_classes=self.group.data_classes,
            data_source_id=self.source_id,
            env={"JDBC_URL": url},
            secret_env={"DB_USERNAME": pulumi.Output.secret(USERNAME)},
            # the cluster endpoint is public (IAM-authenticated); STS for the IRSA exchange
            egress=(
                EgressRule(port=PORT, cidrs=("0.0.0.0/0",)),
                EgressRule(port=HTTPS, cidrs=("0.0.0.0/0",)),
            ),
            identity=regional.access.identity,
        )


def _witness(args: StoreArgs, placement: tuple[str, ...]) -> str | None:
    """The witness region of a two-region placement (None for one region)."""
    if len(placement) != 2:
        return None
    return witness_region([aws_region(args.platforms[rid], ENGINE).location for rid in placement])
