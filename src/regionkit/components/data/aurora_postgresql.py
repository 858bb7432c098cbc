"""Aurora PostgreSQL: one writer per placement, an Aurora Global Database across its regions.

A placement of one region is a regional cluster. A placement of several is a global cluster:
the primary cluster in the writer region (which holds the master credentials) and a secondary
cluster in each other region, replicated by Aurora's storage (lag typically under a second).
Secondaries are read-only: the identity server there gets the reader endpoint and `read_only`.
The region that writes connects through the global database's writer endpoint
(`GlobalCluster.endpoint`), a name Aurora keeps pointing at the current primary's writer, so a
switchover or failover leaves its URL as it is. Which region writes is the stack file's writer
unless a failover recorded another (`StackSettings.current_writers`): the clusters keep the
structure they were created with (the primary holds the credentials), only the connections move.

The master user is the database's admin only: the schema job in the writer region's cluster
(`components/data/schema.py`) makes the owner role (DDL) and the runtime role (data access) with
it, creates the schema as the owner, and every region's identity server connects as the runtime
role once that job completed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from regionkit.catalog import posture
from regionkit.components.data.base import MultiRegionStore, Placement
from regionkit.components.data.schema import WriterSchema, admin_schema_job
from regionkit.components.platform.aws import AwsRegion, aws_region
from regionkit.components.protocols import DataConnection, EgressRule, StoreArgs
from regionkit.errors import skipped_check
from regionkit.model import StoreGroup, placement_label, type_token
from regionkit.spec.models import Engine

TOKEN = type_token("data", "AuroraPostgresql")
REGION_TOKEN = type_token("data", "AuroraPostgresqlRegion")

ENGINE = "aurora-postgresql"
ENGINE_VERSION = "16.6"
#: global databases need memory-optimized instances (no burstable db.t* classes)
INSTANCE_CLASS = "db.r6g.large"
DATABASE = "idsvr"
USERNAME = "idsvr"
PORT = 5432
#: Aurora Global Database: one primary and up to 10 secondary regions
MAX_SECONDARIES = 10
BACKUP_RETENTION_DAYS = 14
#: the cluster parameter group family of ENGINE_VERSION's major version
PARAMETER_FAMILY = f"aurora-postgresql{ENGINE_VERSION.split('.')[0]}"


def check_group(group: StoreGroup) -> None:
    """Reject placements Aurora cannot hold, before any resource is registered."""
    for placement in group.placements:
        if len(placement) - 1 > MAX_SECONDARIES:
            raise skipped_check(
                f"aurora-postgresql store for {', '.join(group.data_classes)} spans "
                f"{len(placement)} regions ({', '.join(placement)}): an Aurora global database has "
                f"one primary and at most {MAX_SECONDARIES} secondary regions",
                "engine.replication",
            )


def _join(*parts: str) -> str:
    return "-".join(p for p in parts if p)


def cluster_options(
    parent: pulumi.Resource,
    provider: pulumi.ProviderResource,
    *,
    global_member: bool,
    depends_on: list[pulumi.Resource] | None = None,
) -> pulumi.ResourceOptions:
    """Options of a regional cluster: protected; global members ignore their replication source.

    Aurora sets `replicationSourceIdentifier` on secondaries itself, and a switchover or failover
    moves it between clusters, so no member of a global database may have it reconciled.
    """
    return pulumi.ResourceOptions(
        parent=parent,
        provider=provider,
        protect=True,
        depends_on=depends_on or [],
        ignore_changes=["replicationSourceIdentifier"] if global_member else None,
    )


def audit_parameter_group(
    name: str, child: pulumi.ResourceOptions
) -> aws.rds.ClusterParameterGroup:
    """The cluster's audit trail: DDL, logins and logouts, pgaudit's DDL and ROLE classes, to
    the `postgresql` log the cluster exports to CloudWatch Logs."""
    settings = {
        "shared_preload_libraries": posture.AURORA_SHARED_PRELOAD_LIBRARIES,
        **posture.POSTGRES_AUDIT_SETTINGS,
    }
    return aws.rds.ClusterParameterGroup(
        f"{name}-audit",
        family=PARAMETER_FAMILY,
        description=f"audit logging of {name}",
        parameters=[
            aws.rds.ClusterParameterGroupParameterArgs(
                name=key,
                value=value,
                # a preloaded library needs a restart; the group is in place before the first
                apply_method="pending-reboot" if key == "shared_preload_libraries" else "immediate",
            )
            for key, value in settings.items()
        ],
        opts=child,
    )


@dataclass(frozen=True)
class AuroraRegionArgs:
    where: AwsRegion
    #: the writer region of the placement holds the primary cluster and the credentials
    writer: bool
    global_cluster: aws.rds.GlobalCluster | None
    password: pulumi.Output[str] | None
    #: the primary's instances: a secondary is attached once the primary can serve
    after: tuple[pulumi.Resource, ...] = ()


class AuroraPostgresqlRegion(pulumi.ComponentResource):
    """One region's cluster of an Aurora store, with its key, subnets, firewall and instances."""

    def __init__(
        self, name: str, args: AuroraRegionArgs, opts: pulumi.ResourceOptions | None = None
    ):
        where = args.where
        super().__init__(REGION_TOKEN, name, {"region": where.region.id}, opts)
        child = pulumi.ResourceOptions(parent=self, provider=where.provider)
        facts = where.created(ENGINE)
        cidr = facts.vpc_cidr
        key = aws.kms.Key(
            f"{name}-key",
            description=f"Aurora storage encryption of {name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True)),
        )
        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets",
            subnet_ids=list(facts.private_subnet_ids),
            description=f"private subnets of {name}",
            opts=child,
        )
        firewall = aws.ec2.SecurityGroup(
            f"{name}-db",
            vpc_id=facts.vpc_id,
            description=f"PostgreSQL from the VPC of {where.region.id}",
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    description=f"PostgreSQL from the identity server nodes in {cidr}",
                    protocol="tcp",
                    from_port=PORT,
                    to_port=PORT,
                    cidr_blocks=[cidr],
                )
            ],
            opts=child,
        )
        self._parameters = audit_parameter_group(name, child)
        self.cluster = self._cluster(name, args, key, subnets, firewall)
        self.instances = self._instances(name, args.writer, subnets, child)
        self.vpc_cidr = cidr
        self.register_outputs(
            {"endpoint": self.cluster.endpoint, "readerEndpoint": self.cluster.reader_endpoint}
        )

    def _cluster(
        self,
        name: str,
        args: AuroraRegionArgs,
        key: aws.kms.Key,
        subnets: aws.rds.SubnetGroup,
        firewall: aws.ec2.SecurityGroup,
    ) -> aws.rds.Cluster:
        """The regional cluster: the primary holds the database and its credentials."""
        identifier = name
        primary = args.writer
        return aws.rds.Cluster(
            f"{name}-cluster",
            cluster_identifier=identifier,
            engine=ENGINE,
            engine_version=ENGINE_VERSION,
            global_cluster_identifier=args.global_cluster.id if args.global_cluster else None,
            # the database and its credentials exist once, in the primary; secondaries replicate them
            database_name=DATABASE if primary else None,
            master_username=USERNAME if primary else None,
            master_password=args.password if primary else None,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[firewall.id],
            port=PORT,
            db_cluster_parameter_group_name=self._parameters.name,
            storage_encrypted=True,
            kms_key_id=key.arn,
            deletion_protection=True,
            backup_retention_period=BACKUP_RETENTION_DAYS,
            copy_tags_to_snapshot=True,
            enabled_cloudwatch_logs_exports=["postgresql"],
            # secondaries hold no data of their own: the final snapshot is the primary's
            skip_final_snapshot=not primary,
            final_snapshot_identifier=f"{identifier}-final" if primary else None,
            opts=cluster_options(
                self,
                args.where.provider,
                global_member=args.global_cluster is not None,
                depends_on=list(args.after),
            ),
        )

    def _instances(
        self,
        name: str,
        primary: bool,
        subnets: aws.rds.SubnetGroup,
        child: pulumi.ResourceOptions,
    ) -> list[aws.rds.ClusterInstance]:
        """Two instances in the primary (a writer and a failover reader), one in a secondary."""
        count = 2 if primary else 1
        return [
            aws.rds.ClusterInstance(
                f"{name}-{index}",
                identifier=f"{name}-{index}",
                cluster_identifier=self.cluster.id,
                instance_class=INSTANCE_CLASS,
                engine=aws.rds.EngineType.AURORA_POSTGRESQL,
                engine_version=ENGINE_VERSION,
                db_subnet_group_name=subnets.name,
                publicly_accessible=False,
                # minor versions move together across a global database, never one cluster alone
                auto_minor_version_upgrade=False,
                performance_insights_enabled=True,
                promotion_tier=index,
                opts=child,
            )
            for index in range(count)
        ]


class AuroraPostgresql(MultiRegionStore):
    """The Aurora stores of one `StoreGroup`: one regional or global cluster per placement."""

    TOKEN: ClassVar[str] = TOKEN
    SINGLE_WRITER: ClassVar[bool] = True

    def __init__(self, name: str, args: StoreArgs, opts: pulumi.ResourceOptions | None = None):
        self.regions: dict[str, AuroraPostgresqlRegion] = {}
        self.global_clusters: dict[str, aws.rds.GlobalCluster] = {}
        super().__init__(name, args, opts)

    def check(self, args: StoreArgs) -> None:
        check_group(args.group)
        for placement in args.group.placements:
            for rid in placement:
                aws_region(args.platforms[rid], ENGINE)

    def place(self, name: str, args: StoreArgs, placement: Placement) -> dict[str, DataConnection]:
        writer = placement.writer
        regions = {rid: aws_region(args.platforms[rid], ENGINE) for rid in placement.regions}
        base = _join(name, placement_label(args.deployment, self.group, placement.index))
        password = random.RandomPassword(
            f"{base}-password",
            length=40,
            # Aurora rejects /, @, " and spaces in master passwords: letters and digits only
            special=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        secret: pulumi.Output[str] = pulumi.Output.secret(password.result)
        global_cluster = None
        if len(placement.regions) > 1:
            global_cluster = aws.rds.GlobalCluster(
                f"{base}-global",
                global_cluster_identifier=f"{base}-global",
                engine=ENGINE,
                engine_version=ENGINE_VERSION,
                database_name=DATABASE,
                storage_encrypted=True,
                deletion_protection=True,
                opts=pulumi.ResourceOptions(
                    parent=self, provider=regions[writer].provider, protect=True
                ),
            )
            self.global_clusters[base] = global_cluster
        primary = AuroraPostgresqlRegion(
            f"{name}-{writer}",
            AuroraRegionArgs(regions[writer], True, global_cluster, secret),
            pulumi.ResourceOptions(parent=self),
        )
        self.regions[writer] = primary
        schema = admin_schema_job(
            name,
            args.deployment,
            self.source_id,
            args.platforms[writer],
            primary,
            # the job starts once the primary has instances to connect to
            jdbc_url=pulumi.Output.all(
                _jdbc_url(primary.cluster.endpoint), *(i.id for i in primary.instances)
            ).apply(lambda values: str(values[0])),
            admin_username=USERNAME,
            admin_password=secret,
            egress=(EgressRule(port=PORT, cidrs=(primary.vpc_cidr,)),),
        )
        for rid in placement.regions:
            if rid == writer:
                continue
            self.regions[rid] = AuroraPostgresqlRegion(
                f"{name}-{rid}",
                AuroraRegionArgs(
                    regions[rid], False, global_cluster, None, after=tuple(primary.instances)
                ),
                pulumi.ResourceOptions(parent=self),
            )
        return {
            rid: self._connection(
                self.regions[rid],
                schema,
                writer=rid == placement.writes,
                global_cluster=global_cluster,
            )
            for rid in placement.regions
        }

    def outputs(self) -> dict[str, Any]:
        return {
            "endpoints": {rid: r.cluster.endpoint for rid, r in self.regions.items()},
            "globalClusters": {k: g.id for k, g in self.global_clusters.items()},
        }

    def _connection(
        self,
        regional: AuroraPostgresqlRegion,
        schema: WriterSchema,
        *,
        writer: bool,
        global_cluster: aws.rds.GlobalCluster | None,
    ) -> DataConnection:
        endpoint = regional.cluster.reader_endpoint
        if writer:
            # the global writer endpoint follows the primary through switchovers and failovers
            endpoint = global_cluster.endpoint if global_cluster else regional.cluster.endpoint
        return DataConnection(
            engine=Engine.AURORA_POSTGRESQL,
            data_classes=self.group.data_classes,
            data_source_id=self.source_id,
            env={"JDBC_URL": _jdbc_url(endpoint)},
            # the runtime role: the master user is the schema job's admin only
            secret_env={
                "DB_USERNAME": schema.runtime_username,
                "DB_PASSWORD": schema.runtime_password,
            },
            egress=(EgressRule(port=PORT, cidrs=(regional.vpc_cidr,)),),
            read_only=not writer,
            ready=(schema.job,),
        )


def _jdbc_url(endpoint: pulumi.Input[str]) -> pulumi.Output[str]:
    # an endpoint is never empty on AWS; only unit-test mocks that echo the inputs back give none
    return pulumi.Output.from_input(endpoint).apply(
        lambda host: f"jdbc:postgresql://{host or ''}:{PORT}/{DATABASE}?sslmode=require"
    )
