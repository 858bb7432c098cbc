"""Cloud SQL for PostgreSQL: a primary in the writer region, cross-region read replicas elsewhere.

One store per placement of the group. The primary is highly available in its region
(`REGIONAL`: a standby in another zone), keeps backups with point-in-time recovery and is
reached by private IP only, on the platform's network through private services access.
Replicas follow the primary with `master_instance_name`; they serve reads in their region and
are what a regional failover promotes. A replica lives on its primary's network, which is why
the Google Cloud regions of a deployment share one network (`platform.gcp.GcpNetwork`).

A promotion or switchover (`regionkit failover`/`switchover`) moves `masterInstanceName`
between instances, so no instance of a placement of several regions has it reconciled; the
instances keep their names and the region the failover recorded as writer
(`StackSettings.current_writers`) is the one whose nodes write: `up` after a failover keeps it.

Identity server nodes connect with the JDBC driver to the private IP of their region's instance
(read-only in replica regions), as the runtime role. The built-in user `idsvr` is the database's
admin only (Cloud SQL makes API users members of `cloudsqlsuperuser`, too much for the nodes):
the schema job in the writer region's cluster (`components/data/schema.py`) makes the owner and
runtime roles with it and creates the schema as the owner.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
import pulumi_gcp as gcp
import pulumi_random as random
from pulumi_gcp import sql

from regionkit.catalog import posture
from regionkit.components.data.base import MultiRegionStore, Placement
from regionkit.components.data.schema import WriterSchema, admin_schema_job
from regionkit.components.facts import GcpFacts
from regionkit.components.protocols import (
    DataConnection,
    EgressRule,
    RegionPlatform,
    RegionScope,
    StoreArgs,
)
from regionkit.errors import skipped_check
from regionkit.model import type_token
from regionkit.spec.models import Cloud, Engine

DATABASE_VERSION = "POSTGRES_16"
#: what a promotion or switchover changes on an instance, never reconciled back
ROLE_FIELDS = ["masterInstanceName"]
#: PostgreSQL 16 defaults to Enterprise Plus, which takes only performance-optimized tiers
EDITION = "ENTERPRISE_PLUS"
TIER = "db-perf-optimized-N-2"
DATABASE = "idsvr"
USER = "idsvr"
PORT = 5432
BACKUP_START = "03:00"
RETAINED_BACKUPS = 14
LOG_RETENTION_DAYS = 7


class CloudSqlRegion(RegionScope):
    """The Cloud SQL instance of one region."""

    TOKEN = type_token("data", "CloudSqlRegion")


class CloudSqlPostgresql(MultiRegionStore):
    """The Cloud SQL primaries and replicas of one store group; `connection(region_id)`."""

    TOKEN: ClassVar[str] = type_token("data", "CloudSqlPostgresql")
    SINGLE_WRITER: ClassVar[bool] = True

    def __init__(self, name: str, args: StoreArgs, opts: pulumi.ResourceOptions | None = None):
        self.instances: dict[str, gcp.sql.DatabaseInstance] = {}
        super().__init__(name, args, opts)

    def check(self, args: StoreArgs) -> None:
        for placement in args.group.placements:
            for rid in placement:
                _gcp_facts(args, rid)

    def outputs(self) -> dict[str, Any]:
        return {"instances": {rid: i.connection_name for rid, i in self.instances.items()}}

    def place(self, name: str, args: StoreArgs, placement: Placement) -> dict[str, DataConnection]:
        writer, platforms = placement.writer, args.platforms
        primary_platform = platforms[writer]
        facts = _gcp_facts(args, writer)
        scope = CloudSqlRegion(f"{name}-{writer}", writer, pulumi.ResourceOptions(parent=self))
        child = pulumi.ResourceOptions(parent=scope, provider=primary_platform.cloud_provider)
        network = _private_network(facts)
        protected = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True))
        replicated = len(placement.regions) > 1

        primary = gcp.sql.DatabaseInstance(
            f"{name}-{writer}-primary",
            database_version=DATABASE_VERSION,
            region=primary_platform.region.location,
            settings=_settings(network, primary=True),
            deletion_protection=True,
            opts=pulumi.ResourceOptions.merge(
                protected,
                pulumi.ResourceOptions(ignore_changes=ROLE_FIELDS if replicated else None),
            ),
        )
        database = gcp.sql.Database(
            f"{name}-{writer}-database",
            instance=primary.name,
            name=DATABASE,
            # keep the data when the resource goes: the instance is protected anyway
            deletion_policy="ABANDON",
            opts=protected,
        )
        password = random.RandomPassword(
            f"{name}-{writer}-password",
            length=32,
            special=False,
            opts=pulumi.ResourceOptions(parent=scope),
        )
        secret: pulumi.Output[str] = pulumi.Output.secret(password.result)
        admin = gcp.sql.User(
            f"{name}-{writer}-user",
            instance=primary.name,
            name=USER,
            password=secret,
            # PostgreSQL refuses to drop a role that owns objects
            deletion_policy="ABANDON",
            opts=child,
        )
        self.instances[writer] = primary
        cidr = facts.private_service_cidr
        schema = admin_schema_job(
            name,
            args.deployment,
            self.source_id,
            primary_platform,
            scope,
            # the job starts once the database and its admin exist
            jdbc_url=pulumi.Output.all(_jdbc_url(primary), database.id, admin.id).apply(
                lambda values: str(values[0])
            ),
            admin_username=USER,
            admin_password=secret,
            egress=(EgressRule(port=PORT, cidrs=(cidr,)),),
        )
        instances = {writer: primary}
        for rid in placement.regions:
            if rid != writer:
                instances[rid] = self._replica(name, platforms[rid], primary, network)
        return {
            rid: self._connection(instance, schema, cidr, read_only=rid != placement.writes)
            for rid, instance in instances.items()
        }

    def _replica(
        self,
        name: str,
        platform: RegionPlatform,
        primary: gcp.sql.DatabaseInstance,
        network: pulumi.Output[str],
    ) -> gcp.sql.DatabaseInstance:
        """A cross-region read replica of the primary, in its own region's scope."""
        rid = platform.region.id
        region_scope = CloudSqlRegion(f"{name}-{rid}", rid, pulumi.ResourceOptions(parent=self))
        # `replica_configuration` holds MySQL/SQL Server replication settings only
        # (failover_target is "not supported for Postgres"): a PostgreSQL replica is
        # defined by its master alone
        replica = gcp.sql.DatabaseInstance(
            f"{name}-{rid}-replica",
            database_version=DATABASE_VERSION,
            region=platform.region.location,
            master_instance_name=primary.name,
            # a replica lives on its primary's network
            settings=_settings(network, primary=False),
            deletion_protection=True,
            opts=pulumi.ResourceOptions(
                parent=region_scope,
                provider=platform.cloud_provider,
                protect=True,
                ignore_changes=ROLE_FIELDS,
            ),
        )
        self.instances[rid] = replica
        return replica

    def _connection(
        self,
        instance: gcp.sql.DatabaseInstance,
        schema: WriterSchema,
        cidr: str,
        read_only: bool,
    ) -> DataConnection:
        return DataConnection(
            engine=Engine.CLOUDSQL_POSTGRESQL,
            data_classes=self.group.data_classes,
            data_source_id=self.source_id,
            env={"JDBC_URL": _jdbc_url(instance)},
            secret_env={
                "DB_USERNAME": schema.runtime_username,
                "DB_PASSWORD": schema.runtime_password,
            },
            egress=(EgressRule(port=PORT, cidrs=(cidr,)),),
            read_only=read_only,
            ready=(schema.job,),
        )


def _jdbc_url(instance: gcp.sql.DatabaseInstance) -> pulumi.Output[str]:
    return pulumi.Output.concat(
        "jdbc:postgresql://", instance.private_ip_address, f":{PORT}/{DATABASE}?sslmode=require"
    )


def _settings(
    network: pulumi.Output[str], *, primary: bool
) -> gcp.sql.DatabaseInstanceSettingsArgs:
    backups = (
        sql.DatabaseInstanceSettingsBackupConfigurationArgs(
            enabled=True,
            point_in_time_recovery_enabled=True,
            start_time=BACKUP_START,
            transaction_log_retention_days=LOG_RETENTION_DAYS,
            backup_retention_settings=sql.DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs(
                retained_backups=RETAINED_BACKUPS, retention_unit="COUNT"
            ),
        )
        if primary
        # read replicas take no backups of their own
        else None
    )
    return sql.DatabaseInstanceSettingsArgs(
        tier=TIER,
        edition=EDITION,
        # the primary keeps a standby in a second zone of its region; a replica cannot keep
        # backups, which a regional (HA) instance needs: make a promoted replica REGIONAL
        availability_type="REGIONAL" if primary else "ZONAL",
        backup_configuration=backups,
        ip_configuration=sql.DatabaseInstanceSettingsIpConfigurationArgs(
            ipv4_enabled=False,
            private_network=network,
            ssl_mode="ENCRYPTED_ONLY",
        ),
        disk_type="PD_SSD",
        disk_autoresize=True,
        deletion_protection_enabled=True,
        insights_config=sql.DatabaseInstanceSettingsInsightsConfigArgs(query_insights_enabled=True),
        database_flags=audit_flags(),
        user_labels={"regionkit": "identity-server"},
    )


def audit_flags() -> list[gcp.sql.DatabaseInstanceSettingsDatabaseFlagArgs]:
    """The audit trail: DDL, logins and logouts, and pgaudit's DDL and ROLE classes, which
    Cloud SQL loads only with `cloudsql.enable_pgaudit`."""
    flags = {posture.CLOUDSQL_PGAUDIT_FLAG: "on", **posture.POSTGRES_AUDIT_SETTINGS}
    return [
        sql.DatabaseInstanceSettingsDatabaseFlagArgs(name=key, value=value)
        for key, value in flags.items()
    ]


def _private_network(facts: GcpFacts) -> pulumi.Output[str]:
    """The network id, depending on the private services connection (instances need the
    peering before they can take a private IP)."""
    return pulumi.Output.all(facts.network_id, facts.private_service_connection).apply(
        lambda values: str(values[0])
    )


def _gcp_facts(args: StoreArgs, region_id: str) -> GcpFacts:
    platform = args.platforms.get(region_id)
    path = args.deployment.region_path(region_id)
    if platform is None:
        raise ValueError(f"no platform for region '{region_id}' of the deployment")
    if platform.region.cloud is not Cloud.GCP or platform.cloud_provider is None:
        raise skipped_check(
            f"{path}: engine cloudsql-postgresql runs on cloud 'gcp', region '{region_id}' is "
            f"cloud '{platform.region.cloud}'",
            "engine.cloud",
        )
    if not isinstance(platform.facts, GcpFacts):
        raise skipped_check(
            f"{path}: Cloud SQL takes a private IP on the region's VPC network, which regionkit "
            f"knows only for clusters it creates, and region '{region_id}' has "
            "cluster.kubeconfigContext",
            "engine.existing-cluster",
        )
    return platform.facts
