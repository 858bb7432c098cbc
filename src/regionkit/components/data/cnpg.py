"""CloudNativePG: a PostgreSQL cluster in the writer region, replica clusters in the others.

The CloudNativePG operator (Helm chart `cloudnative-pg`, pinned) is a cluster-wide add-on:
the region's platform installs it (`platform.addons`) and every cnpg store there depends on it.

Per placement of the group, in every region (through that region's Kubernetes provider):
- a namespace for the store's PostgreSQL `Cluster`.
In the writer region the `Cluster` bootstraps the database `idsvr` with its owner and a
generated password, archives WAL and takes daily base backups to object storage. In the other
regions a replica cluster (`spec.replica`) restores from that object store and keeps replaying
its WAL: a passive region on another cloud receives the data with no network path to the
primary. `archive_timeout` bounds how far behind a replica can be (the RPO of a failover).

The object store lives on the writer's cloud:
- aws: an S3 bucket; clusters on EKS read and write it through an IRSA role, clusters on GKE
  through a role their own token assumes (web identity federation, `backup_federation.py`),
  others with the access key of an IAM user limited to the bucket, in a Secret;
- gcp: a Cloud Storage bucket; clusters on GKE use Workload Identity, clusters on EKS a
  workload identity pool trusting their issuer, others a service account key in a Secret;
- kubernetes (or any region, to bring your own store): `StackSettings.cnpg_backups` for the
  writer's region id (the program builds it from the region's `backups` in the stack file and
  the environment variables it names). Without it a single-region store keeps no backups (a
  warning), and a multi-region store is an error.

Backups use the operator's in-tree Barman Cloud support (`barmanObjectStore`), deprecated
since CloudNativePG 1.26 in favour of the Barman Cloud plugin and supported by the pinned
release; moving to the plugin means adding it and cert-manager to every cluster.

Two roles (`components/data/schema.py`): the owner `idsvr` that `initdb` makes owns the database
and is used by the schema job alone, which runs in the store's namespace of the writer region
once its cluster is Ready; the identity server connects as `idsvr_runtime`, a managed role
(`spec.managed.roles`, password in a `kubernetes.io/basic-auth` Secret) that the job grants data
access only. Replica clusters receive both roles and the schema by replication.

A placement of several regions is CloudNativePG's distributed topology (its "Replica clusters"
documentation): every cluster archives WAL to the object store under its own name, lists every
cluster of the placement in `externalClusters`, and says in `spec.replica` which one is the
`primary` and which one it replicates from (`source`). Moving the primary is then a change of
`primary` alone: a switchover demotes the primary (which publishes a demotion token) and
promotes a replica with that token, with no data loss and no rebuild. The primary is the stack
file's writer unless a failover recorded another (`StackSettings.current_writers`); the
clusters keep how they were bootstrapped (`initdb` in the stack file's writer, `recovery` in
the others), which CloudNativePG reads only when it creates a cluster.

Identity server nodes connect to `<cluster>-rw.<namespace>.svc`. In a replica cluster that
service reaches the designated primary, which is read-only until the cluster is promoted;
pointing at `-rw` everywhere means a promotion needs no change on the identity server side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from regionkit.catalog import postgres, posture
from regionkit.components.data.backup_federation import (
    Federated,
    GcsFederationArgs,
    eks_to_gcs,
    gke_to_s3,
)
from regionkit.components.data.base import MultiRegionStore, Placement
from regionkit.components.data.schema import JOB_NAME, dns_label, store_namespace
from regionkit.components.facts import AwsFacts, GcpFacts, IrsaRole, WorkloadIdentity
from regionkit.components.protocols import (
    DataConnection,
    EgressRule,
    RegionPlatform,
    RegionScope,
    StoreArgs,
)
from regionkit.components.schema_job import SchemaJob, SchemaJobArgs, SecretKey
from regionkit.components.settings import CnpgBackupTarget
from regionkit.model import data_source_id, type_token
from regionkit.spec.models import Cloud, Engine

if TYPE_CHECKING:
    import pulumi_aws as aws
    import pulumi_gcp as gcp

#: a "system" image: it carries barman-cloud, which in-tree backups need
IMAGE = "ghcr.io/cloudnative-pg/postgresql:16.13-system-bookworm"
API_VERSION = "postgresql.cnpg.io/v1"
INSTANCES = 3
STORAGE_SIZE = "20Gi"
DATABASE = "idsvr"
OWNER = "idsvr"
PORT = 5432
#: a WAL segment is archived at least this often, bounding a replica region's lag
ARCHIVE_TIMEOUT = "60s"
RETENTION = "30d"
#: versioning protects against overwrites; versions barman's retention replaced go after this
NONCURRENT_DAYS = 30
#: CloudNativePG schedules take six fields (seconds first): daily at 03:00
BACKUP_SCHEDULE = "0 0 3 * * *"
#: storage.buckets.get and storage.objects.list on the backup bucket (Cloud Storage IAM roles)
GCS_BUCKET_READER_ROLE = "roles/storage.legacyBucketReader"


def cluster_name(source_id: str, region_id: str) -> str:
    """The PostgreSQL cluster of a store in one region; its services are `<name>-rw`/`-ro`."""
    return dns_label(f"{source_id}-{region_id}", 50)


#: Pulumi awaits the writer's cluster until the operator reports it Ready (the schema job needs it)
WAIT_FOR_READY = {"pulumi.com/waitFor": "condition=Ready"}


def credentials_secret_name(cluster: str) -> str:
    return f"{cluster}-backup-credentials"


def jdbc_url(cluster: str, namespace: str) -> str:
    # CloudNativePG serves TLS with its own CA: encrypted, the server not verified by name
    return f"jdbc:postgresql://{cluster}-rw.{namespace}.svc:{PORT}/{DATABASE}?sslmode=require"


@dataclass
class ObjectStore:
    """Where the writer's backups and WAL go, and how each region's cluster reaches them."""

    destination_path: pulumi.Input[str]
    endpoint_url: str | None = None
    #: per region id: the credentials block of `barmanObjectStore`
    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: per region id: annotations of the cluster's ServiceAccount (IRSA, Workload Identity)
    annotations: dict[str, dict[str, pulumi.Input[str]]] = field(default_factory=dict)
    #: resources the clusters must wait for (credential Secrets, IAM bindings)
    resources: list[pulumi.Resource] = field(default_factory=list)
    #: per region id: Cluster spec keys a federated identity needs (env, projected token)
    pod: dict[str, dict[str, Any]] = field(default_factory=dict)

    def federate(self, region_id: str, federated: Federated) -> None:
        self.credentials[region_id] = federated.credentials
        self.pod[region_id] = federated.pod
        self.resources.extend(federated.resources)

    def barman(self, region_id: str, server_name: str | None = None) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "destinationPath": self.destination_path,
            **self.credentials[region_id],
            "wal": {"compression": "gzip", "maxParallel": 4},
        }
        if self.endpoint_url:
            spec["endpointURL"] = self.endpoint_url
        if server_name:
            spec["serverName"] = server_name
        return spec


class CnpgRegion(RegionScope):
    """A cnpg store's resources in one region."""

    TOKEN = type_token("data", "CnpgRegion")


@dataclass
class _Region:
    """What `Cnpg` builds in one region of a placement."""

    platform: RegionPlatform
    scope: CnpgRegion
    cluster: str
    operator: pulumi.Resource
    namespace: k8s.core.v1.Namespace

    def opts(self, *depends_on: pulumi.Resource, retain: bool = False) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(
            parent=self.scope,
            provider=self.platform.k8s_provider,
            depends_on=list(depends_on),
            # a PostgreSQL cluster holds the data: removing it from the program leaves it running
            retain_on_delete=retain or None,
        )


class Cnpg(MultiRegionStore):
    """The CloudNativePG clusters of one store group; `connection(region_id)`."""

    TOKEN: ClassVar[str] = type_token("data", "Cnpg")
    SINGLE_WRITER: ClassVar[bool] = True

    def __init__(self, name: str, args: StoreArgs, opts: pulumi.ResourceOptions | None = None):
        self._namespace = store_namespace(
            args.deployment.name, data_source_id(args.group.data_classes)
        )
        self.clusters: dict[str, k8s.apiextensions.CustomResource] = {}
        super().__init__(name, args, opts)

    def check(self, args: StoreArgs) -> None:
        group = args.group
        for placement, writer in zip(group.placements, group.writers, strict=True):
            for rid in placement:
                if rid not in args.platforms:
                    raise ValueError(f"no platform for region '{rid}' of the deployment")
            _check_store_possible(args, placement, writer)

    def outputs(self) -> dict[str, Any]:
        return {"clusters": {rid: cluster_name(self.source_id, rid) for rid in self.clusters}}

    # --- one placement ---------------------------------------------------------------------

    def place(self, name: str, args: StoreArgs, placement: Placement) -> dict[str, DataConnection]:
        writer = placement.writer
        regions: dict[str, _Region] = {}
        for rid in placement.regions:
            regions[rid] = self._region(name, rid, args.platforms[rid])

        primary = regions[writer]
        store = self._object_store(name, args, writer, regions)
        clusters = {rid: region.cluster for rid, region in regions.items()}
        owner = self._login(name, writer, primary, "owner", OWNER)
        runtime = self._login(name, writer, primary, "runtime", postgres.RUNTIME_ROLE)
        waits = [*(store.resources if store else [])]
        metadata = self._metadata(primary.cluster, writer)
        self.clusters[writer] = k8s.apiextensions.CustomResource(
            f"{name}-{writer}-cluster",
            api_version=API_VERSION,
            kind="Cluster",
            metadata={**metadata, "annotations": WAIT_FOR_READY},
            spec={
                **primary_spec(
                    owner_secret=f"{primary.cluster}-owner",
                    runtime_secret=f"{primary.cluster}-runtime",
                    store=store,
                    region_id=writer,
                ),
                **distributed(store, clusters, placement, writer),
            },
            opts=primary.opts(
                primary.operator, primary.namespace, owner[0], runtime[0], *waits, retain=True
            ),
        )
        job = self._schema_job(name, args, primary, self.clusters[writer], owner[0])
        if store is not None:
            k8s.apiextensions.CustomResource(
                f"{name}-{writer}-daily-backup",
                api_version=API_VERSION,
                kind="ScheduledBackup",
                metadata={"name": f"{primary.cluster}-daily", "namespace": self._namespace},
                spec={
                    "schedule": BACKUP_SCHEDULE,
                    # a first base backup right away: replica clusters bootstrap from it
                    "immediate": True,
                    "backupOwnerReference": "self",
                    "cluster": {"name": primary.cluster},
                },
                opts=primary.opts(self.clusters[writer]),
            )

        connections: dict[str, DataConnection] = {}
        for rid, region in regions.items():
            if rid != writer:
                assert store is not None  # check()
                self.clusters[rid] = k8s.apiextensions.CustomResource(
                    f"{name}-{rid}-cluster",
                    api_version=API_VERSION,
                    kind="Cluster",
                    metadata=self._metadata(region.cluster, rid),
                    spec={
                        **replica_spec(source=primary.cluster, store=store, region_id=rid),
                        **distributed(store, clusters, placement, rid),
                    },
                    opts=region.opts(region.operator, region.namespace, *waits, retain=True),
                )
            connections[rid] = DataConnection(
                engine=Engine.CNPG,
                data_classes=self.group.data_classes,
                data_source_id=self.source_id,
                env={"JDBC_URL": jdbc_url(region.cluster, self._namespace)},
                secret_env={
                    "DB_USERNAME": pulumi.Output.secret(postgres.RUNTIME_ROLE),
                    "DB_PASSWORD": runtime[1],
                },
                egress=(self._egress(region.cluster),),
                read_only=rid != placement.writes,
                ready=(job,),
            )
        return connections

    def _region(self, name: str, rid: str, platform: RegionPlatform) -> _Region:
        """One region's scope, with the store's namespace on its cluster."""
        scope = CnpgRegion(f"{name}-{rid}", rid, pulumi.ResourceOptions(parent=self))
        namespace = k8s.core.v1.Namespace(
            f"{name}-{rid}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=self._namespace,
                labels={
                    "app.kubernetes.io/managed-by": "regionkit",
                    "pod-security.kubernetes.io/enforce": "baseline",
                    "pod-security.kubernetes.io/warn": "restricted",
                },
            ),
            # deleting the namespace would delete the database with it
            opts=pulumi.ResourceOptions(
                parent=scope, provider=platform.k8s_provider, retain_on_delete=True
            ),
        )
        return _Region(
            platform, scope, cluster_name(self.source_id, rid), _operator(platform), namespace
        )

    def _egress(self, cluster: str) -> EgressRule:
        return EgressRule(
            port=PORT, pod_selector={"cnpg.io/cluster": cluster}, namespace=self._namespace
        )

    def _login(
        self, name: str, writer: str, primary: _Region, role: str, username: str
    ) -> tuple[k8s.core.v1.Secret, pulumi.Output[str]]:
        """A generated password for a login role, in the basic-auth Secret CloudNativePG reads."""
        password = random.RandomPassword(
            f"{name}-{writer}-{role}-password",
            length=32,
            special=False,
            opts=pulumi.ResourceOptions(parent=primary.scope),
        )
        secret: pulumi.Output[str] = pulumi.Output.secret(password.result)
        resource = k8s.core.v1.Secret(
            f"{name}-{writer}-{role}",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=f"{primary.cluster}-{role}", namespace=self._namespace
            ),
            type="kubernetes.io/basic-auth",
            string_data={"username": username, "password": secret},
            opts=primary.opts(primary.namespace),
        )
        return resource, secret

    def _schema_job(
        self,
        name: str,
        args: StoreArgs,
        primary: _Region,
        cluster: k8s.apiextensions.CustomResource,
        owner: k8s.core.v1.Secret,
    ) -> SchemaJob:
        """The writer's schema job, in the store's namespace, as the owner, once it is Ready."""
        owner_secret = owner.metadata.apply(lambda m: m.name or f"{primary.cluster}-owner")
        return SchemaJob(
            f"{name}-{primary.platform.region.id}",
            SchemaJobArgs(
                region_id=primary.platform.region.id,
                k8s_provider=primary.platform.k8s_provider,
                namespace=self._namespace,
                idsvr_image=args.deployment.identity_server.image,
                # the cluster's id: the job starts once Pulumi saw the cluster Ready
                jdbc_url=pulumi.Output.all(
                    jdbc_url(primary.cluster, self._namespace), cluster.id
                ).apply(lambda values: str(values[0])),
                owner_username=SecretKey(owner_secret, "username"),
                owner_password=SecretKey(owner_secret, "password"),
                runtime_role=postgres.RUNTIME_ROLE,
                object_name=JOB_NAME,
                egress=(self._egress(primary.cluster),),
            ),
            pulumi.ResourceOptions(parent=primary.scope),
        )

    def _metadata(self, cluster: str, region_id: str) -> dict[str, Any]:
        return {
            "name": cluster,
            "namespace": self._namespace,
            "labels": {"app.kubernetes.io/managed-by": "regionkit", "regionkit/region": region_id},
        }

    # --- the object store ------------------------------------------------------------------

    def _object_store(
        self,
        name: str,
        args: StoreArgs,
        writer: str,
        regions: dict[str, _Region],
    ) -> ObjectStore | None:
        writer_cloud = args.platforms[writer].region.cloud
        target = args.settings.cnpg_backups.get(writer)
        if target is not None:
            return self._configured_store(name, regions, target)
        if writer_cloud is Cloud.AWS and args.platforms[writer].cloud_provider is not None:
            return self._aws_store(name, writer, regions)
        if writer_cloud is Cloud.GCP and args.platforms[writer].cloud_provider is not None:
            return self._gcp_store(name, writer, regions)
        # no backups: the checks report it as a warning finding (data.cnpg-backups)
        return None

    def _credentials_secret(
        self,
        name: str,
        region_id: str,
        region: _Region,
        data: dict[str, pulumi.Input[str]],
        *,
        encoded: bool = False,
    ) -> k8s.core.v1.Secret:
        """The object store credentials of one region's cluster (`credentials_secret_name`)."""
        values = {k: pulumi.Output.secret(v) for k, v in data.items()}
        return k8s.core.v1.Secret(
            f"{name}-{region_id}-backup-credentials",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=credentials_secret_name(region.cluster), namespace=self._namespace
            ),
            type="Opaque",
            data=values if encoded else None,
            string_data=None if encoded else values,
            opts=region.opts(region.namespace),
        )

    def _configured_store(
        self, name: str, regions: dict[str, _Region], target: CnpgBackupTarget
    ) -> ObjectStore:
        store = ObjectStore(target.destination_path, target.endpoint_url)
        data: dict[str, pulumi.Input[str]] = {
            "ACCESS_KEY_ID": target.access_key_id,
            "ACCESS_SECRET_KEY": target.secret_access_key,
        }
        if target.region:
            data["ACCESS_REGION"] = target.region
        for rid, region in regions.items():
            secret = self._credentials_secret(name, rid, region, data)
            store.credentials[rid] = {
                "s3Credentials": _s3_keys(region.cluster, with_region="ACCESS_REGION" in data)
            }
            store.resources.append(secret)
        return store

    def _aws_store(self, name: str, writer: str, regions: dict[str, _Region]) -> ObjectStore:
        import pulumi_aws as aws

        from regionkit.components.platform.aws import irsa_trust_policy

        primary = regions[writer]
        location = primary.platform.region.location
        child = pulumi.ResourceOptions(
            parent=primary.scope, provider=primary.platform.cloud_provider
        )
        bucket = _aws_bucket(f"{name}-{writer}-backups", child)
        policy = bucket.arn.apply(_s3_policy)
        store = ObjectStore(pulumi.Output.concat("s3://", bucket.bucket, "/"))
        static: list[str] = []
        for rid, region in regions.items():
            facts = region.platform.facts
            if isinstance(facts, AwsFacts):
                # CloudNativePG runs every instance as a ServiceAccount named after the cluster
                role = aws.iam.Role(
                    f"{name}-{rid}-backups",
                    assume_role_policy=irsa_trust_policy(
                        facts.oidc_provider_arn,
                        facts.oidc_provider_url,
                        self._namespace,
                        region.cluster,
                    ),
                    opts=pulumi.ResourceOptions(
                        parent=region.scope, provider=region.platform.cloud_provider
                    ),
                )
                grant = aws.iam.RolePolicy(
                    f"{name}-{rid}-backups",
                    role=role.id,
                    policy=policy,
                    opts=pulumi.ResourceOptions(
                        parent=region.scope, provider=region.platform.cloud_provider
                    ),
                )
                store.credentials[rid] = {"s3Credentials": {"inheritFromIAMRole": True}}
                store.annotations[rid] = IrsaRole(role.arn).annotations()
                store.resources.append(grant)
            elif isinstance(facts, GcpFacts) and facts.oidc_issuer_url:
                # a GKE cluster's own token, trusted by the writer's account: no access key
                store.federate(
                    rid,
                    gke_to_s3(
                        f"{name}-{rid}-backups",
                        issuer=facts.oidc_issuer_url,
                        namespace=self._namespace,
                        service_account=region.cluster,
                        bucket_policy=policy,
                        bucket_region=location,
                        # in the writer's account, which holds the bucket
                        opts=pulumi.ResourceOptions(
                            parent=region.scope, provider=primary.platform.cloud_provider
                        ),
                    ),
                )
            else:
                static.append(rid)
        if static:
            # clusters regionkit did not create have no issuer it knows: an access key
            user = aws.iam.User(f"{name}-{writer}-backups", opts=child)
            aws.iam.UserPolicy(
                f"{name}-{writer}-backups", user=user.name, policy=policy, opts=child
            )
            key = aws.iam.AccessKey(f"{name}-{writer}-backups", user=user.name, opts=child)
            data: dict[str, pulumi.Input[str]] = {
                "ACCESS_KEY_ID": key.id,
                "ACCESS_SECRET_KEY": key.secret,
                "ACCESS_REGION": location,
            }
            for rid in static:
                secret = self._credentials_secret(name, rid, regions[rid], data)
                store.credentials[rid] = {
                    "s3Credentials": _s3_keys(regions[rid].cluster, with_region=True)
                }
                store.resources.append(secret)
        return store

    def _eks_federation(
        self,
        name: str,
        facts: AwsFacts,
        region: _Region,
        primary: _Region,
        account: gcp.serviceaccount.Account,
    ) -> Federated:
        """An EKS cluster's token, trusted by a pool in the writer's project, acts as `account`."""
        return eks_to_gcs(
            name,
            GcsFederationArgs(
                issuer_host_path=facts.oidc_provider_url,
                namespace=self._namespace,
                service_account=region.cluster,
                account_name=account.name,
                account_email=account.email,
                secret_name=credentials_secret_name(region.cluster),
                secret_key="gcsCredentials",
            ),
            gcp_opts=pulumi.ResourceOptions(
                parent=region.scope, provider=primary.platform.cloud_provider
            ),
            k8s_opts=region.opts(region.namespace),
        )

    def _gcp_store(self, name: str, writer: str, regions: dict[str, _Region]) -> ObjectStore:
        import pulumi_gcp as gcp

        from regionkit.components.platform.gcp import (
            service_account_id,
            workload_identity_member,
        )

        primary = regions[writer]
        child = pulumi.ResourceOptions(
            parent=primary.scope, provider=primary.platform.cloud_provider
        )
        bucket = _gcp_bucket(f"{name}-{writer}-backups", primary.platform.region.location, child)
        account = gcp.serviceaccount.Account(
            f"{name}-{writer}-backups",
            account_id=service_account_id(f"{name}-{writer}-cnpg"),
            display_name=f"CloudNativePG backups of {self.source_id}",
            opts=child,
        )
        member = pulumi.Output.concat("serviceAccount:", account.email)
        grant = gcp.storage.BucketIAMMember(
            f"{name}-{writer}-backups",
            bucket=bucket.name,
            role="roles/storage.objectAdmin",
            member=member,
            opts=child,
        )
        # barman-cloud reads the bucket itself (storage.buckets.get) before archiving, which
        # objectAdmin does not grant
        bucket_reader = gcp.storage.BucketIAMMember(
            f"{name}-{writer}-backups-bucket-reader",
            bucket=bucket.name,
            role=GCS_BUCKET_READER_ROLE,
            member=member,
            opts=child,
        )
        store = ObjectStore(
            pulumi.Output.concat("gs://", bucket.name, "/"), resources=[grant, bucket_reader]
        )
        static: list[str] = []
        for rid, region in regions.items():
            facts = region.platform.facts
            if isinstance(facts, GcpFacts):
                binding = gcp.serviceaccount.IAMMember(
                    f"{name}-{rid}-workload-identity",
                    service_account_id=account.name,
                    role="roles/iam.workloadIdentityUser",
                    member=workload_identity_member(
                        facts.workload_pool, self._namespace, region.cluster
                    ),
                    opts=pulumi.ResourceOptions(
                        parent=region.scope, provider=region.platform.cloud_provider
                    ),
                )
                store.credentials[rid] = {"googleCredentials": {"gkeEnvironment": True}}
                store.annotations[rid] = WorkloadIdentity(account.email).annotations()
                store.resources.append(binding)
            elif isinstance(facts, AwsFacts):
                # an EKS cluster's own token through a workload identity pool: no key
                store.federate(
                    rid,
                    self._eks_federation(f"{name}-{rid}-backups", facts, region, primary, account),
                )
            else:
                static.append(rid)
        if static:
            self._gcp_key(
                name, writer, account, {rid: regions[rid] for rid in static}, store, child
            )
        return store

    def _gcp_key(
        self,
        name: str,
        writer: str,
        account: gcp.serviceaccount.Account,
        regions: dict[str, _Region],
        store: ObjectStore,
        child: pulumi.ResourceOptions,
    ) -> None:
        """Clusters regionkit did not create have no issuer it knows: a key of the account, in
        a Secret of each (`data`: the key arrives base64-encoded), never in the plan."""
        import pulumi_gcp as gcp

        key = gcp.serviceaccount.Key(
            f"{name}-{writer}-backups", service_account_id=account.name, opts=child
        )
        for rid, region in regions.items():
            secret = self._credentials_secret(
                name, rid, region, {"gcsCredentials": key.private_key}, encoded=True
            )
            store.credentials[rid] = {
                "googleCredentials": {
                    "applicationCredentials": {
                        "name": credentials_secret_name(region.cluster),
                        "key": "gcsCredentials",
                    }
                }
            }
            store.resources.append(secret)


def _aws_bucket(name: str, child: pulumi.ResourceOptions) -> aws.s3.Bucket:
    """The backups' S3 bucket: versioned, replaced versions and abandoned uploads expire, never
    public, access logged."""
    import pulumi_aws as aws

    from regionkit.components.data.backup_buckets import (
        abort_incomplete_uploads,
        private_s3_bucket,
        s3_access_logs,
    )

    bucket = private_s3_bucket(name, child)
    aws.s3.BucketVersioning(
        name,
        bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
            status="Enabled"
        ),
        opts=child,
    )
    aws.s3.BucketLifecycleConfiguration(
        name,
        bucket=bucket.id,
        rules=[
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-replaced-versions",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=NONCURRENT_DAYS
                ),
            ),
            abort_incomplete_uploads(),
        ],
        opts=child,
    )
    s3_access_logs(name, bucket, child)
    return bucket


def _gcp_bucket(name: str, location: str, child: pulumi.ResourceOptions) -> gcp.storage.Bucket:
    """The backups' GCS bucket: versioned, replaced versions and abandoned uploads expire, never
    public, access logged."""
    import pulumi_gcp as gcp

    from regionkit.components.data.backup_buckets import gcs_usage_log_bucket

    logs, writer = gcs_usage_log_bucket(name, location, child)
    return gcp.storage.Bucket(
        name,
        location=location.upper(),
        uniform_bucket_level_access=True,
        public_access_prevention="enforced",
        versioning=gcp.storage.BucketVersioningArgs(enabled=True),
        lifecycle_rules=[
            gcp.storage.BucketLifecycleRuleArgs(
                action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                condition=gcp.storage.BucketLifecycleRuleConditionArgs(
                    days_since_noncurrent_time=NONCURRENT_DAYS, with_state="ARCHIVED"
                ),
            ),
            gcp.storage.BucketLifecycleRuleArgs(
                action=gcp.storage.BucketLifecycleRuleActionArgs(
                    type="AbortIncompleteMultipartUpload"
                ),
                condition=gcp.storage.BucketLifecycleRuleConditionArgs(
                    age=posture.ABORT_INCOMPLETE_UPLOAD_DAYS
                ),
            ),
        ],
        # usage logs: who read or wrote the backups
        logging=gcp.storage.BucketLoggingArgs(log_bucket=logs.name, log_object_prefix="access"),
        force_destroy=False,
        opts=pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(retain_on_delete=True, depends_on=[writer])
        ),
    )


def _s3_keys(cluster: str, *, with_region: bool) -> dict[str, Any]:
    name = credentials_secret_name(cluster)
    keys: dict[str, Any] = {
        "accessKeyId": {"name": name, "key": "ACCESS_KEY_ID"},
        "secretAccessKey": {"name": name, "key": "ACCESS_SECRET_KEY"},
    }
    if with_region:
        keys["region"] = {"name": name, "key": "ACCESS_REGION"}
    return keys


def _s3_policy(bucket_arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                    "Resource": bucket_arn,
                },
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    "Resource": f"{bucket_arn}/*",
                },
            ],
        }
    )


def _base_spec(store: ObjectStore | None, region_id: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "instances": INSTANCES,
        "imageName": IMAGE,
        "storage": {"size": STORAGE_SIZE},
        "enableSuperuserAccess": False,
        # a pgaudit.* parameter makes the operator preload pgaudit and create the extension
        "postgresql": {
            "parameters": {"archive_timeout": ARCHIVE_TIMEOUT, **posture.POSTGRES_AUDIT_SETTINGS}
        },
        # one instance per zone where the region has zones
        "affinity": {
            "enablePodAntiAffinity": True,
            "topologyKey": "topology.kubernetes.io/zone",
            "podAntiAffinityType": "preferred",
        },
        "resources": {
            "requests": {"cpu": "500m", "memory": "1Gi"},
            "limits": {"memory": "1Gi"},
        },
    }
    if store is not None and store.annotations.get(region_id):
        spec["serviceAccountTemplate"] = {"metadata": {"annotations": store.annotations[region_id]}}
    if store is not None:
        spec.update(store.pod.get(region_id, {}))
    return spec


def primary_spec(
    *, owner_secret: str, runtime_secret: str, store: ObjectStore | None, region_id: str
) -> dict[str, Any]:
    """The writer's cluster: a new database with its owner and the runtime login role, backups
    and WAL archive in the object store."""
    spec = _base_spec(store, region_id)
    spec["bootstrap"] = {
        "initdb": {"database": DATABASE, "owner": OWNER, "secret": {"name": owner_secret}}
    }
    # a plain login: the schema job grants it data access to the tables the owner creates
    spec["managed"] = {
        "roles": [
            {
                "name": postgres.RUNTIME_ROLE,
                "ensure": "present",
                "login": True,
                "passwordSecret": {"name": runtime_secret},
            }
        ]
    }
    if store is not None:
        spec["backup"] = {
            "retentionPolicy": RETENTION,
            "barmanObjectStore": {
                **store.barman(region_id),
                "data": {"compression": "gzip"},
            },
        }
    return spec


def replica_spec(*, source: str, store: ObjectStore, region_id: str) -> dict[str, Any]:
    """A replica cluster: restored from the writer's object store (`source`, one of the
    external clusters `distributed` lists), then replaying the primary's WAL archive."""
    spec = _base_spec(store, region_id)
    spec["bootstrap"] = {"recovery": {"source": source}}
    return spec


def replica_stanza(
    clusters: dict[str, str], primary: str, home: str, region_id: str
) -> dict[str, str]:
    """`spec.replica` of the cluster in `region_id` in a distributed topology whose primary is
    in region `primary`: replicas follow the primary; the primary names the cluster it would be
    demoted to follow (the stack file's writer `home` when it is not the primary itself, else
    the first other region of the placement)."""
    if region_id != primary:
        return {"primary": clusters[primary], "source": clusters[primary]}
    other = home if home != primary else next(rid for rid in clusters if rid != primary)
    return {"primary": clusters[primary], "source": clusters[other]}


def distributed(
    store: ObjectStore | None, clusters: dict[str, str], placement: Placement, region_id: str
) -> dict[str, Any]:
    """What the cluster in `region_id` adds to take part in the placement's distributed
    topology: nothing for a store of one region; else `spec.replica` (who is primary),
    every cluster as an external cluster, and a WAL archive of its own, which the others
    replay once it is promoted. Merged over the cluster's spec (these keys replace)."""
    if store is None or len(clusters) < 2:
        return {}
    return {
        "replica": replica_stanza(clusters, placement.writes, placement.writer, region_id),
        "externalClusters": [
            {"name": name, "barmanObjectStore": store.barman(region_id, server_name=name)}
            for name in clusters.values()
        ],
        "backup": {
            "retentionPolicy": RETENTION,
            "barmanObjectStore": {**store.barman(region_id), "data": {"compression": "gzip"}},
        },
    }


def _operator(platform: RegionPlatform) -> pulumi.Resource:
    """The region's CloudNativePG operator, which its platform installs for cnpg stores."""
    operator = platform.addons.cnpg_operator
    if operator is None:
        raise ValueError(
            f"the platform of region '{platform.region.id}' installed no CloudNativePG operator: "
            "create it with PlatformArgs.cnpg_operator"
        )
    return operator


def _check_store_possible(args: StoreArgs, placement: tuple[str, ...], writer: str) -> None:
    """A placement spanning regions needs an object store its replicas restore from.

    A rule about user input, reported before registration (`data.cnpg-object-store`): reaching
    this means a caller skipped the checks, or gave them other settings than the program.
    """
    if len(placement) == 1 or writer in args.settings.cnpg_backups:
        return
    platform = args.platforms[writer]
    if platform.region.cloud in (Cloud.AWS, Cloud.GCP) and platform.cloud_provider is not None:
        return
    raise ValueError(
        f"the cnpg writer region '{writer}' has no object store for its replicas to restore "
        f"from; the checks (data.cnpg-object-store) refuse this stack"
    )
