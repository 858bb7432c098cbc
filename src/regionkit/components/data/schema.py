"""The schema job of a JDBC store's writer, and the two roles the identity server's data needs.

Every PostgreSQL store regionkit manages (aurora-postgresql, cloudsql-postgresql, cnpg) runs one
`SchemaJob` per placement, in its writer region's cluster, in a namespace of the store's own
(`<deployment>-<data source>-db`, the namespace a cnpg store keeps its cluster in): the admin
and owner credentials the job needs never share a namespace with the identity server's nodes.
Replica regions receive the schema by replication, so the job runs in the writer only, and the
connection of every region of the placement carries it (`DataConnection.ready`): the identity
server of each region starts its nodes after it completed.

Two roles, least privilege: the owner (DDL) is used by the job alone; the identity server
connects as the runtime role, which may read and write the tables but not change them.
- Aurora and Cloud SQL know one admin login (the master user, a `gcp.sql.User`), and no Pulumi
  resource makes a PostgreSQL role without a network path to the database: the job's `roles`
  step makes both roles as the admin (`admin_schema_job`).
- CloudNativePG makes the owner at bootstrap (`initdb.owner`) and the runtime role as a managed
  role (`spec.managed.roles`); its job has no admin step.

Schema upgrades: the job's name carries a digest of the identity server image (see
`components/schema_job`), so a new image version makes a new job, which runs Curity's Liquibase
changelog before the nodes of the new image roll out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from regionkit.catalog import postgres, posture
from regionkit.components.protocols import EgressRule, RegionPlatform
from regionkit.components.schema_job import AdminRoles, SchemaJob, SchemaJobArgs, SecretKey
from regionkit.spec.models import Deployment

#: the job's Kubernetes name before its digest; one store per namespace, one writer per cluster
JOB_NAME = "idsvr-schema"
#: the keys of the Secret that `admin_schema_job` writes for its job
ADMIN_USERNAME, ADMIN_PASSWORD = "admin-username", "admin-password"
OWNER_USERNAME, OWNER_PASSWORD = "owner-username", "owner-password"
RUNTIME_PASSWORD = "runtime-password"


def dns_label(value: str, limit: int = 63) -> str:
    """`value` as a Kubernetes name: lowercase alphanumerics and hyphens, at most `limit`."""
    cleaned = "".join(c if c.isalnum() else "-" for c in value.lower())
    return cleaned[:limit].strip("-")


def store_namespace(deployment_name: str, source_id: str) -> str:
    """The namespace of a store's objects in a cluster (its schema job; a cnpg cluster)."""
    return dns_label(f"{deployment_name}-{source_id}-db")


@dataclass(frozen=True)
class WriterSchema:
    """What the writer's schema job gives the store's connections."""

    job: SchemaJob
    #: the runtime role's login, written into each region's identity server Secret
    runtime_username: pulumi.Output[str]
    runtime_password: pulumi.Output[str]


def _namespace(
    name: str, namespace_name: str, platform: RegionPlatform, child: pulumi.ResourceOptions
) -> k8s.core.v1.Namespace:
    """The store's namespace in the writer's cluster, under restricted pod security."""
    modes = ("enforce", "warn")
    return k8s.core.v1.Namespace(
        f"{name}-schema-namespace",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=namespace_name,
            labels={
                "app.kubernetes.io/managed-by": "regionkit",
                **{f"pod-security.kubernetes.io/{mode}": "restricted" for mode in modes},
            },
        ),
        opts=pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(depends_on=list(platform.depends_on))
        ),
    )


def admin_schema_job(
    name: str,
    deployment: Deployment,
    source_id: str,
    platform: RegionPlatform,
    parent: pulumi.Resource,
    *,
    jdbc_url: pulumi.Input[str],
    admin_username: str,
    admin_password: pulumi.Output[str],
    egress: tuple[EgressRule, ...],
) -> WriterSchema:
    """The schema job of a managed database whose admin makes the owner and runtime roles.

    In the writer's cluster: the store's namespace, a Secret with the admin's login and the
    roles' generated passwords, and the `SchemaJob`. `name` is the store's, `parent` the
    writer region's component.
    """
    rid = platform.region.id
    namespace_name = store_namespace(deployment.name, source_id)
    child = pulumi.ResourceOptions(parent=parent, provider=platform.k8s_provider)
    namespace = _namespace(f"{name}-{rid}", namespace_name, platform, child)
    passwords: dict[str, pulumi.Output[str]] = {
        role: pulumi.Output.secret(
            random.RandomPassword(
                f"{name}-{rid}-{role}-password",
                length=32,
                special=False,
                opts=pulumi.ResourceOptions(parent=parent),
            ).result
        )
        for role in ("owner", "runtime")
    }
    secret_name = f"{JOB_NAME}-credentials"
    credentials = k8s.core.v1.Secret(
        f"{name}-{rid}-schema-credentials",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=secret_name, namespace=namespace_name),
        type="Opaque",
        string_data={
            ADMIN_USERNAME: pulumi.Output.secret(admin_username),
            ADMIN_PASSWORD: admin_password,
            OWNER_USERNAME: pulumi.Output.secret(postgres.OWNER_ROLE),
            OWNER_PASSWORD: passwords["owner"],
            RUNTIME_PASSWORD: passwords["runtime"],
        },
        opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[namespace])),
    )
    # the names as outputs of their resources: every object of the job waits for them
    secret = credentials.metadata.apply(lambda m: m.name or secret_name)
    job = SchemaJob(
        f"{name}-{rid}",
        SchemaJobArgs(
            region_id=rid,
            k8s_provider=platform.k8s_provider,
            namespace=namespace.metadata.apply(lambda m: m.name or namespace_name),
            idsvr_image=deployment.identity_server.image,
            jdbc_url=jdbc_url,
            owner_username=SecretKey(secret, OWNER_USERNAME),
            owner_password=SecretKey(secret, OWNER_PASSWORD),
            runtime_role=postgres.RUNTIME_ROLE,
            admin=AdminRoles(
                username=SecretKey(secret, ADMIN_USERNAME),
                password=SecretKey(secret, ADMIN_PASSWORD),
                owner_password=SecretKey(secret, OWNER_PASSWORD),
                runtime_password=SecretKey(secret, RUNTIME_PASSWORD),
                # the audit trail's extension: Aurora and Cloud SQL load the library (see
                # posture), and only their admin may create the extension
                extensions=(posture.PGAUDIT_EXTENSION,),
            ),
            object_name=JOB_NAME,
            egress=egress,
        ),
        pulumi.ResourceOptions(parent=parent),
    )
    return WriterSchema(
        job=job,
        runtime_username=pulumi.Output.secret(postgres.RUNTIME_ROLE),
        runtime_password=passwords["runtime"],
    )
