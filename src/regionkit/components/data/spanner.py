"""Spanner: one instance per placement, strongly consistent with a writer in every region.

The instance configuration follows the placement's regions (`choose_config`): one region gets
its regional configuration; two regions of one country that form a dual-region configuration
get it; otherwise the smallest multi-region configuration whose replicas serve every region.
The database uses the PostgreSQL dialect.

Spanner has no passwords: identity server nodes authenticate as a Google service account
through GKE Workload Identity. Each store gets its own account, allowed to use the database,
and the nodes' Kubernetes ServiceAccount is annotated to act as it. They connect with the
Spanner JDBC driver (`jdbc:cloudspanner:/projects/.../databases/...`) to Google's API endpoint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, ClassVar

import pulumi
import pulumi_gcp as gcp

from regionkit.catalog import regions as catalog
from regionkit.components.data.base import MultiRegionStore, Placement
from regionkit.components.facts import GcpFacts, WorkloadIdentity
from regionkit.components.platform.gcp import (
    gcp_project,
    service_account_id,
    workload_identity_member,
)
from regionkit.components.protocols import (
    DataConnection,
    EgressRule,
    RegionPlatform,
    RegionScope,
    StoreArgs,
)
from regionkit.errors import skipped_check
from regionkit.model import type_token, workload_service_account
from regionkit.spec.models import Cloud, Engine

DATABASE = "idsvr"
#: 1000 processing units (one node): the smallest size Google recommends for production
PROCESSING_UNITS = 1000
DATABASE_ROLE = "roles/spanner.databaseUser"
JDBC_DRIVER = "com.google.cloud.spanner.jdbc.JdbcDriver"
#: Spanner is reached through Google's API endpoint, whose addresses are not fixed; the GKE
#: metadata server (Workload Identity tokens) answers on 169.254.169.254:80, served by
#: gke-metadata-server on 169.254.169.252:988 under Dataplane V2
EGRESS = (
    EgressRule(port=443, cidrs=("0.0.0.0/0",)),
    EgressRule(port=80, cidrs=("169.254.169.254/32",)),
    EgressRule(port=988, cidrs=("169.254.169.252/32",)),
)


def choose_config(locations: Sequence[str]) -> catalog.SpannerConfig:
    """The Spanner instance configuration for the Google Cloud regions `locations`.

    One region: `regional-<region>`. Several: a dual-region configuration when they form one
    (inside one country), else the multi-region configuration with the fewest serving regions
    that serves them all, preferring one led from the first (writer) region. Raises
    `ValueError` naming the regions and the configurations considered when none fits (the
    checks refuse spanner: engine.curity).
    """
    wanted = list(dict.fromkeys(locations))
    if not wanted:
        raise ValueError("a Spanner instance needs at least one region")
    if len(wanted) == 1:
        regional = catalog.spanner_config_for(wanted)
        if regional is None:
            raise skipped_check(
                f"Spanner has no regional configuration in '{wanted[0]}'; use a Google Cloud "
                "region that offers Spanner",
                "engine.curity",
            )
        return regional
    fitting = [c for c in catalog.SPANNER_CONFIGS if set(wanted) <= set(c.serving)]
    if not fitting:
        near = catalog.spanner_configs_near(wanted) or list(catalog.SPANNER_CONFIGS)
        considered = "; ".join(f"{c.name} ({', '.join(c.serving)})" for c in near)
        raise skipped_check(
            f"no Spanner configuration serves all of the regions {', '.join(wanted)}; the "
            f"closest are {considered}. Place the regions inside one configuration, or use "
            "scope 'region' or 'jurisdiction' for this data class",
            "engine.curity",
        )
    return min(
        fitting,
        key=lambda c: (c.kind != "dual-region", len(c.serving), c.leader != wanted[0], c.name),
    )


def instance_id(name: str) -> str:
    """A Spanner instance id (6 to 30 characters of [a-z0-9-], starting with a letter)."""
    cleaned = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = "sp-" + cleaned
    if len(cleaned) <= 30:
        return cleaned.ljust(6, "0")
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{cleaned[:23].rstrip('-')}-{digest}"


class SpannerRegion(RegionScope):
    """A single-region Spanner instance."""

    TOKEN = type_token("data", "SpannerRegion")


class Spanner(MultiRegionStore):
    """The Spanner instances of one store group; `connection(region_id)`."""

    TOKEN: ClassVar[str] = type_token("data", "Spanner")

    def __init__(self, name: str, args: StoreArgs, opts: pulumi.ResourceOptions | None = None):
        self.instances: dict[str, gcp.spanner.Instance] = {}
        super().__init__(name, args, opts)

    def check(self, args: StoreArgs) -> None:
        for placement in args.group.placements:
            _config(args, placement)

    def outputs(self) -> dict[str, Any]:
        return {"instances": {rid: i.name for rid, i in self.instances.items()}}

    def place(self, name: str, args: StoreArgs, placement: Placement) -> dict[str, DataConnection]:
        config = _config(args, placement.regions)
        writer = placement.writer
        platform = args.platforms[writer]
        prefix = f"{name}-{writer}"
        # a regional instance belongs to its region; a multi-region one to none
        parent: pulumi.Resource = (
            SpannerRegion(prefix, writer, pulumi.ResourceOptions(parent=self))
            if len(placement.regions) == 1
            else self
        )
        child = pulumi.ResourceOptions(parent=parent, provider=platform.cloud_provider)
        protected = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=True))
        project = _project(platform, parent, args.settings.gcp_project)
        identifier = instance_id(prefix)

        instance = gcp.spanner.Instance(
            f"{prefix}-instance",
            name=identifier,
            display_name=identifier,
            config=config.name,
            processing_units=PROCESSING_UNITS,
            # dual-region and multi-region configurations need Enterprise Plus
            edition="STANDARD" if config.kind == "regional" else "ENTERPRISE_PLUS",
            default_backup_schedule_type="AUTOMATIC",
            labels={"regionkit": "identity-server"},
            opts=protected,
        )
        database = gcp.spanner.Database(
            f"{prefix}-database",
            instance=instance.name,
            name=DATABASE,
            database_dialect="POSTGRESQL",
            deletion_protection=True,
            enable_drop_protection=True,
            opts=protected,
        )
        namespace, service_account = workload_service_account(args.deployment)
        workload = workload_identity_member(
            _workload_pool(platform, project), namespace, service_account
        )
        account = self._node_account(prefix, identifier, instance, database, workload, child)
        self.instances[writer] = instance
        connection = self._connection(project, instance, database, account)
        return dict.fromkeys(placement.regions, connection)

    def _node_account(
        self,
        prefix: str,
        identifier: str,
        instance: gcp.spanner.Instance,
        database: gcp.spanner.Database,
        workload: pulumi.Output[str],
        child: pulumi.ResourceOptions,
    ) -> gcp.serviceaccount.Account:
        """The nodes' Google service account: a database user that the `workload` may act as."""
        account = gcp.serviceaccount.Account(
            f"{prefix}-nodes",
            account_id=service_account_id(f"{prefix}-spanner"),
            display_name=f"identity server nodes using Spanner {identifier}",
            opts=child,
        )
        gcp.spanner.DatabaseIAMMember(
            f"{prefix}-database-user",
            instance=instance.name,
            database=database.name,
            role=DATABASE_ROLE,
            member=pulumi.Output.concat("serviceAccount:", account.email),
            opts=child,
        )
        gcp.serviceaccount.IAMMember(
            f"{prefix}-workload-identity",
            service_account_id=account.name,
            role="roles/iam.workloadIdentityUser",
            member=workload,
            opts=child,
        )
        return account

    def _connection(
        self,
        project: pulumi.Output[str],
        instance: gcp.spanner.Instance,
        database: gcp.spanner.Database,
        account: gcp.serviceaccount.Account,
    ) -> DataConnection:
        url = pulumi.Output.concat(
            "jdbc:cloudspanner:/projects/",
            project,
            "/instances/",
            instance.name,
            "/databases/",
            database.name,
        )
        return DataConnection(
            engine=Engine.SPANNER,
            data_classes=self.group.data_classes,
            data_source_id=self.source_id,
            env={"JDBC_URL": url, "JDBC_DRIVER": JDBC_DRIVER},
            # the driver authenticates as the nodes' Google service account (Workload
            # Identity) and ignores both: the account's email names the principal, and
            # there is no password
            secret_env={
                "DB_USERNAME": pulumi.Output.secret(account.email),
                "DB_PASSWORD": pulumi.Output.secret(""),
            },
            egress=EGRESS,
            identity=WorkloadIdentity(account.email),
        )


def _project(
    platform: RegionPlatform, parent: pulumi.Resource, configured: str | None
) -> pulumi.Output[str]:
    if isinstance(platform.facts, GcpFacts):
        return pulumi.Output.from_input(platform.facts.project)
    assert platform.cloud_provider is not None
    return gcp_project(platform.cloud_provider, parent, configured)


def _workload_pool(platform: RegionPlatform, project: pulumi.Output[str]) -> pulumi.Input[str]:
    """The writer cluster's pool where regionkit made it (so the member waits for it)."""
    if isinstance(platform.facts, GcpFacts):
        return platform.facts.workload_pool
    return pulumi.Output.concat(project, ".svc.id.goog")


def _config(args: StoreArgs, placement: tuple[str, ...]) -> catalog.SpannerConfig:
    return choose_config([_gcp_platform(args, rid).region.location for rid in placement])


def _gcp_platform(args: StoreArgs, region_id: str) -> RegionPlatform:
    platform = args.platforms.get(region_id)
    path = args.deployment.region_path(region_id)
    if platform is None:
        raise ValueError(f"no platform for region '{region_id}' of the deployment")
    if platform.region.cloud is not Cloud.GCP or platform.cloud_provider is None:
        raise skipped_check(
            f"{path}: engine spanner runs on cloud 'gcp', region '{region_id}' is cloud "
            f"'{platform.region.cloud}'",
            "engine.cloud",
        )
    return platform
