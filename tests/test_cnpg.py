"""CloudNativePG under Pulumi mocks: operator, primary and replica clusters, object stores."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s
import pytest

import regionkit.plan.mocks_aws
import regionkit.plan.mocks_gcp  # noqa: F401  (buckets, service accounts, keys)
from regionkit.components.data.cnpg import Cnpg
from regionkit.components.facts import ClusterFacts, PlatformFacts
from regionkit.components.platform.addons import (
    CNPG_CHART,
    CNPG_CHART_REPOSITORY,
    CNPG_CHART_VERSION,
    CNPG_NAMESPACE,
    install_addons,
)
from regionkit.components.protocols import (
    CnpgOperatorArgs,
    DataConnection,
    PlatformArgs,
    RegionPlatform,
    StoreArgs,
)
from regionkit.components.settings import CnpgBackupTarget, StackSettings
from regionkit.model import placement_key, store_groups
from regionkit.plan import mock_outputs
from regionkit.plan.recorder import Registration, record
from regionkit.spec import load_stack_text
from regionkit.spec.models import Cloud, Deployment
from tests.platform_fixtures import GKE_ISSUER, aws_facts, gcp_facts

CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster"
RELEASE = "kubernetes:helm.sh/v3:Release"
SECRET = "kubernetes:core/v1:Secret"
NAMESPACE = "acme-id-tokens-accounts-audit-db"


def run(program: Callable[[], Any]) -> list[Registration]:
    return record(program, project="regionkit-test", stack="test")


def deployment(topology: str, regions: list[str], data: str = "") -> Deployment:
    data = data or "".join(
        f"  {c}: {{engine: cnpg, scope: global}}\n" for c in ("tokens", "accounts", "audit")
    )
    text = (
        f"apiVersion: regionkit/v1\nname: acme-id\ntopology: {topology}\n"
        "dns: {provider: route53, zone: example.com, hostname: login.example.com}\n"
        f"data:\n{data}regions:\n" + "".join(f"  - {r}\n" for r in regions)
    )
    return load_stack_text(text).spec.deployments()[0]


GKE = "{id: eu-gcp, cloud: gcp, location: europe-west1, jurisdiction: EU, role: active}"
AWS_PASSIVE = "{id: eu-aws, cloud: aws, location: eu-west-1, jurisdiction: EU, role: passive}"
EKS = "{id: eu-aws, cloud: aws, location: eu-west-1, jurisdiction: EU, role: active}"
GKE_PASSIVE = "{id: eu-gcp, cloud: gcp, location: europe-west1, jurisdiction: EU, role: passive}"
ON_PREM = (
    "{id: on-prem, cloud: kubernetes, location: dc1, jurisdiction: EU, role: active, "
    "cluster: {kubeconfigContext: dc1, gatewayClass: eg}}"
)


def platform_of(d: Deployment, region: Any, *, native: bool) -> RegionPlatform:
    """A hand-made platform: GKE/EKS-like (`native`: Workload Identity, IRSA) or an existing
    one, with the CloudNativePG operator a platform installs for cnpg stores."""
    cloud_provider: pulumi.ProviderResource | None = None
    facts: PlatformFacts = ClusterFacts(region.id)
    if region.cloud is Cloud.GCP:
        cloud_provider = gcp.Provider(f"gcp-{region.id}", region=region.location)
        if native:
            facts = gcp_facts("acme-prod")
    elif region.cloud is Cloud.AWS:
        cloud_provider = aws.Provider(f"aws-{region.id}", region=region.location)
        if native:
            facts = aws_facts(region.id, region.location)
    k8s_provider = k8s.Provider(f"k8s-{region.id}", context=region.id)
    parent = pulumi.ComponentResource("test:index:Platform", f"platform-{region.id}")
    addons = install_addons(
        f"platform-{region.id}",
        PlatformArgs(d, region, cnpg_operator=CnpgOperatorArgs()),
        k8s_provider,
        (),
        parent,
    )
    return RegionPlatform(
        region=region,
        k8s_provider=k8s_provider,
        facts=facts,
        cloud_provider=cloud_provider,
        addons=addons,
    )


def with_stores(
    d: Deployment,
    connections: dict[str, DataConnection] | None = None,
    values: dict[str, Any] | None = None,
    native: bool = True,
    settings: StackSettings | None = None,
) -> Callable[[], Any]:
    def program() -> Any:
        platforms = {r.id: platform_of(d, r, native=native) for r in d.regions}
        outputs: dict[str, Any] = {}
        for group in store_groups(d):
            store = Cnpg(
                f"acme-id-{'-'.join(group.data_classes)}",
                StoreArgs(d, group, platforms, settings or StackSettings()),
            )
            for r in d.regions:
                connection = store.connection(r.id)
                if connections is not None:
                    connections[f"{'-'.join(group.data_classes)}/{r.id}"] = connection
                outputs[f"{r.id}.password_secret"] = pulumi.Output.from_input(
                    connection.secret_env["DB_PASSWORD"]
                ).is_secret()
        if values is not None:
            return pulumi.Output.all(**outputs).apply(values.update)
        return None

    return program


def clusters(regs: list[Registration]) -> dict[str, Registration]:
    return {r.inputs["metadata"]["name"]: r for r in regs if r.type == CLUSTER}


def test_primary_cluster_bootstraps_the_database_and_backs_up_to_its_clouds_bucket() -> None:
    regs = run(with_stores(deployment("active-passive", [GKE, AWS_PASSIVE])))
    primary = clusters(regs)["tokens-accounts-audit-eu-gcp"]
    spec = primary.inputs["spec"]
    assert primary.inputs["metadata"]["namespace"] == NAMESPACE
    assert spec["instances"] == 3
    assert spec["bootstrap"]["initdb"] == {
        "database": "idsvr",
        "owner": "idsvr",
        "secret": {"name": "tokens-accounts-audit-eu-gcp-owner"},
    }
    buckets = {r.name: r for r in regs if r.type == "gcp:storage/bucket:Bucket"}
    assert set(buckets) == {
        "acme-id-tokens-accounts-audit-eu-gcp-backups",
        "acme-id-tokens-accounts-audit-eu-gcp-backups-access-logs",
    }
    bucket = buckets["acme-id-tokens-accounts-audit-eu-gcp-backups"]
    assert bucket.retain_on_delete is True
    assert bucket.inputs["publicAccessPrevention"] == "enforced"
    assert bucket.inputs["versioning"] == {"enabled": True}
    replaced, abandoned = bucket.inputs["lifecycleRules"]
    assert replaced["condition"]["withState"] == "ARCHIVED"
    assert abandoned == {
        "action": {"type": "AbortIncompleteMultipartUpload"},
        "condition": {"age": 7},
    }
    # usage logs into a private log bucket Cloud Storage's logger may write to
    logs = buckets["acme-id-tokens-accounts-audit-eu-gcp-backups-access-logs"]
    assert bucket.inputs["logging"]["logBucket"] == (
        f"{logs.name}-{mock_outputs.digest(logs.name, 7)}"
    )
    assert logs.inputs["publicAccessPrevention"] == "enforced"
    (writer,) = [r for r in regs if r.name.endswith("-access-logs-writer")]
    assert writer.inputs["member"] == "group:cloud-storage-analytics@google.com"
    assert writer.inputs["role"] == "roles/storage.objectCreator"
    bucket_name = f"{bucket.name}-{mock_outputs.digest(bucket.name, 7)}"
    store = spec["backup"]["barmanObjectStore"]
    assert store["destinationPath"] == f"gs://{bucket_name}/"
    assert store["googleCredentials"] == {"gkeEnvironment": True}
    annotations = spec["serviceAccountTemplate"]["metadata"]["annotations"]
    assert annotations["iam.gke.io/gcp-service-account"].endswith(
        "@plan-project.iam.gserviceaccount.com"
    )
    assert primary.retain_on_delete is True
    (owner,) = [r for r in regs if r.type == SECRET and r.name.endswith("-owner")]
    assert owner.inputs["type"] == "kubernetes.io/basic-auth"
    assert owner.inputs["stringData"] == "[secret]"
    (backup,) = [r for r in regs if r.type == "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup"]
    assert backup.inputs["spec"]["cluster"] == {"name": "tokens-accounts-audit-eu-gcp"}
    assert backup.inputs["spec"]["immediate"] is True
    # the GKE cluster's instances act as the bucket's service account
    bindings = [r for r in regs if r.type == "gcp:serviceaccount/iAMMember:IAMMember"]
    assert {b.inputs["member"] for b in bindings} >= {
        f"serviceAccount:acme-prod.svc.id.goog[{NAMESPACE}/tokens-accounts-audit-eu-gcp]"
    }


def test_the_owner_runs_the_schema_job_once_ready_and_the_nodes_use_a_managed_runtime_role() -> (
    None
):
    connections: dict[str, DataConnection] = {}
    regs = run(with_stores(deployment("active-passive", [GKE, AWS_PASSIVE]), connections))
    primary = clusters(regs)["tokens-accounts-audit-eu-gcp"]
    # Pulumi waits for the writer to be Ready: the schema job connects to it next
    assert primary.inputs["metadata"]["annotations"] == {"pulumi.com/waitFor": "condition=Ready"}
    assert primary.inputs["spec"]["managed"]["roles"] == [
        {
            "name": "idsvr_runtime",
            "ensure": "present",
            "login": True,
            "passwordSecret": {"name": "tokens-accounts-audit-eu-gcp-runtime"},
        }
    ]
    (runtime,) = [r for r in regs if r.type == SECRET and r.name.endswith("-runtime")]
    assert runtime.inputs["type"] == "kubernetes.io/basic-auth"
    assert runtime.inputs["metadata"]["name"] == "tokens-accounts-audit-eu-gcp-runtime"
    assert runtime.urn in primary.dependencies
    replica = clusters(regs)["tokens-accounts-audit-eu-aws"].inputs
    assert "managed" not in replica["spec"] and "annotations" not in replica["metadata"]
    # one job, in the writer's cluster and the store's namespace, after the cluster
    (job,) = [r for r in regs if r.type == "kubernetes:batch/v1:Job"]
    assert job.provider is not None and "::k8s-eu-gcp::" in job.provider
    assert job.inputs["metadata"]["namespace"] == NAMESPACE
    assert primary.urn in job.dependencies
    pod = job.inputs["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["initContainers"]] == ["copy-sql", "schema"]
    schema = pod["initContainers"][1]
    env = {e["name"]: e.get("value", e.get("valueFrom")) for e in schema["env"]}
    owner = {"name": "tokens-accounts-audit-eu-gcp-owner", "key": "username"}
    assert env["PGUSER"] == {"secretKeyRef": owner}
    assert env["SCHEMA_RUNTIME_ROLE"] == "idsvr_runtime"
    for rid in ("eu-gcp", "eu-aws"):
        connection = connections[f"tokens-accounts-audit/{rid}"]
        assert connection.secret_env["DB_USERNAME"] is not None
        (ready,) = connection.ready
        assert ready is connections["tokens-accounts-audit/eu-gcp"].ready[0]


def test_passive_region_on_another_cloud_gets_a_replica_cluster() -> None:
    regs = run(with_stores(deployment("active-passive", [GKE, AWS_PASSIVE])))
    found = clusters(regs)
    primary = found["tokens-accounts-audit-eu-gcp"].inputs["spec"]
    replica = found["tokens-accounts-audit-eu-aws"]
    spec = replica.inputs["spec"]
    source = "tokens-accounts-audit-eu-gcp"
    # CloudNativePG's distributed topology: the stack file's writer is the primary
    assert spec["replica"] == {"primary": source, "source": source}
    assert primary["replica"] == {"primary": source, "source": "tokens-accounts-audit-eu-aws"}
    assert spec["bootstrap"] == {"recovery": {"source": source}}
    external, own = spec["externalClusters"]
    assert (external["name"], own["name"]) == (source, "tokens-accounts-audit-eu-aws")
    archive = external["barmanObjectStore"]
    assert archive["serverName"] == source
    assert own["barmanObjectStore"]["serverName"] == "tokens-accounts-audit-eu-aws"
    assert [e["name"] for e in primary["externalClusters"]] == [source, own["name"]]
    assert archive["destinationPath"] == primary["backup"]["barmanObjectStore"]["destinationPath"]
    # on EKS: the cluster's own token through a workload identity pool, no key anywhere
    credentials = archive["googleCredentials"]["applicationCredentials"]
    assert credentials == {
        "name": "tokens-accounts-audit-eu-aws-backup-credentials",
        "key": "gcsCredentials",
    }
    assert [r for r in regs if r.type == "gcp:serviceaccount/key:Key"] == []
    (source,) = spec["projectedVolumeTemplate"]["sources"]
    token = source["serviceAccountToken"]
    assert token["path"] == "gcp/token"
    (provider,) = [
        r
        for r in regs
        if r.type == "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
    ]
    issuer = aws_facts("eu-aws", "eu-west-1").oidc_provider_url
    assert provider.inputs["oidc"] == {
        "issuerUri": f"https://{issuer}",
        "allowedAudiences": [token["audience"]],
    }
    subject = f"system:serviceaccount:{NAMESPACE}:tokens-accounts-audit-eu-aws"
    assert provider.inputs["attributeCondition"] == f"assertion.sub == '{subject}'"
    (impersonation,) = [r for r in regs if r.name.endswith("-impersonation")]
    assert impersonation.inputs["role"] == "roles/iam.workloadIdentityUser"
    assert impersonation.inputs["member"].startswith("principal://iam.googleapis.com/projects/")
    assert impersonation.inputs["member"].endswith(f"/subject/{subject}")
    (secret,) = [
        r for r in regs if r.type == SECRET and r.name.endswith("-credential-configuration")
    ]
    assert secret.inputs["metadata"]["name"] == credentials["name"]
    # the replica archives too (under its own name): once promoted, the others replay it
    assert "serverName" not in spec["backup"]["barmanObjectStore"]
    assert spec["backup"]["barmanObjectStore"]["destinationPath"] == archive["destinationPath"]
    assert spec["backup"]["barmanObjectStore"]["googleCredentials"] == archive["googleCredentials"]
    assert "initdb" not in spec["bootstrap"] and "managed" not in spec
    assert replica.retain_on_delete is True
    by_urn = {r.urn: r for r in regs}
    assert by_urn[replica.parent or ""].inputs == {"region": "eu-aws"}
    assert replica.provider is not None and "::k8s-eu-aws::" in replica.provider


def test_connections_use_the_rw_service_read_only_in_replica_regions() -> None:
    connections: dict[str, DataConnection] = {}
    values: dict[str, Any] = {}
    run(with_stores(deployment("active-passive", [GKE, AWS_PASSIVE]), connections, values))
    for rid, read_only in (("eu-gcp", False), ("eu-aws", True)):
        connection = connections[f"tokens-accounts-audit/{rid}"]
        cluster = f"tokens-accounts-audit-{rid}"
        assert connection.env["JDBC_URL"] == (
            f"jdbc:postgresql://{cluster}-rw.{NAMESPACE}.svc:5432/idsvr?sslmode=require"
        )
        assert connection.read_only is read_only
        (rule,) = connection.egress
        assert rule.port == 5432
        assert rule.pod_selector == {"cnpg.io/cluster": cluster}
        assert rule.namespace == NAMESPACE
        assert values[f"{rid}.password_secret"] is True


def test_every_cluster_waits_for_its_platforms_operator() -> None:
    data = (
        "  tokens: {engine: cnpg, scope: global}\n"
        "  accounts: {engine: cnpg, scope: region}\n"
        "  audit: {engine: cnpg, scope: global}\n"
    )
    regs = run(with_stores(deployment("active-passive", [GKE, AWS_PASSIVE], data)))
    releases = {r.provider.split("::")[-2]: r for r in regs if r.type == RELEASE and r.provider}
    assert set(releases) == {"k8s-eu-gcp", "k8s-eu-aws"}
    for release in releases.values():
        assert release.inputs["chart"] == CNPG_CHART
        assert release.inputs["version"] == CNPG_CHART_VERSION
        assert release.inputs["repositoryOpts"] == {"repo": CNPG_CHART_REPOSITORY}
        assert release.inputs["namespace"] == CNPG_NAMESPACE
    found = clusters(regs)
    assert len(found) == 4
    for cluster in found.values():
        region = cluster.inputs["metadata"]["labels"]["regionkit/region"]
        assert releases[f"k8s-{region}"].urn in cluster.dependencies


def test_a_platform_without_the_operator_is_a_programming_error() -> None:
    d = deployment("single-region", [ON_PREM])

    def program() -> None:
        (region,) = d.regions
        platform = RegionPlatform(
            region=region,
            k8s_provider=k8s.Provider("k8s", context="dc1"),
            facts=ClusterFacts("dc1"),
        )
        (group,) = store_groups(d)
        Cnpg("acme-id-db", StoreArgs(d, group, {region.id: platform}))

    with pytest.raises(ValueError, match=r"PlatformArgs\.cnpg_operator"):
        run(program)


def test_aws_writer_uses_irsa_on_eks_and_web_identity_from_gke() -> None:
    regs = run(with_stores(deployment("active-passive", [EKS, GKE_PASSIVE])))
    found = clusters(regs)
    primary = found["tokens-accounts-audit-eu-aws"].inputs["spec"]
    store = primary["backup"]["barmanObjectStore"]
    assert store["destinationPath"].startswith("s3://acme-id-tokens-accounts-audit-eu-aws-backups-")
    assert store["s3Credentials"] == {"inheritFromIAMRole": True}
    roles = {r.name: r for r in regs if r.type == "aws:iam/role:Role"}
    role = roles["acme-id-tokens-accounts-audit-eu-aws-backups"]
    policy = json.loads(role.inputs["assumeRolePolicy"])
    (statement,) = policy["Statement"]
    issuer = aws_facts("eu-aws", "eu-west-1").oidc_provider_url
    assert statement["Condition"]["StringEquals"][f"{issuer}:sub"] == (
        f"system:serviceaccount:{NAMESPACE}:tokens-accounts-audit-eu-aws"
    )
    annotations = primary["serviceAccountTemplate"]["metadata"]["annotations"]
    assert annotations == {
        "eks.amazonaws.com/role-arn": f"arn:aws:iam::123456789012:role/{role.name}"
    }

    # GKE: the cluster's own token assumes a role trusting its issuer; no IAM user, no key
    replica = found["tokens-accounts-audit-eu-gcp"].inputs["spec"]
    archive = replica["externalClusters"][0]["barmanObjectStore"]
    assert archive["s3Credentials"] == {"inheritFromIAMRole": True}
    assert [r for r in regs if r.type in ("aws:iam/user:User", "aws:iam/accessKey:AccessKey")] == []
    (oidc,) = [r for r in regs if r.type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider"]
    gke_issuer = GKE_ISSUER.format(project="acme-prod")
    assert oidc.inputs == {"url": gke_issuer, "clientIdLists": ["sts.amazonaws.com"]}
    federated = roles["acme-id-tokens-accounts-audit-eu-gcp-backups"]
    (trust,) = json.loads(federated.inputs["assumeRolePolicy"])["Statement"]
    host_path = gke_issuer.removeprefix("https://")
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Condition"]["StringEquals"] == {
        f"{host_path}:sub": f"system:serviceaccount:{NAMESPACE}:tokens-accounts-audit-eu-gcp",
        f"{host_path}:aud": "sts.amazonaws.com",
    }
    env = {e["name"]: e["value"] for e in replica["env"]}
    assert env["AWS_ROLE_ARN"] == f"arn:aws:iam::123456789012:role/{federated.name}"
    assert env["AWS_WEB_IDENTITY_TOKEN_FILE"] == "/projected/aws/token"
    assert env["AWS_DEFAULT_REGION"] == "eu-west-1"
    (source,) = replica["projectedVolumeTemplate"]["sources"]
    assert source["serviceAccountToken"]["audience"] == "sts.amazonaws.com"
    assert source["serviceAccountToken"]["path"] == "aws/token"
    (grant,) = [r for r in regs if r.name == federated.name and r.type.endswith("RolePolicy")]
    actions = {a for s in json.loads(grant.inputs["policy"])["Statement"] for a in s["Action"]}
    assert actions == {
        "s3:ListBucket",
        "s3:GetBucketLocation",
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
    }
    lifecycles = {
        r.name: r
        for r in regs
        if r.type == "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
    }
    replaced, abandoned = lifecycles["acme-id-tokens-accounts-audit-eu-aws-backups"].inputs["rules"]
    assert replaced["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
    assert abandoned["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    # server access logs into a private bucket only S3's log delivery writes, for this bucket
    (logging,) = [r for r in regs if r.type == "aws:s3/bucketLogging:BucketLogging"]
    assert logging.inputs["targetPrefix"] == "access/"
    (policy,) = [r for r in regs if r.type == "aws:s3/bucketPolicy:BucketPolicy"]
    delivery, _tls_only = json.loads(policy.inputs["policy"])["Statement"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Condition"]["ArnLike"]["aws:SourceArn"].startswith(
        "arn:aws:s3:::acme-id-tokens-accounts-audit-eu-aws-backups-"
    )


def test_a_cluster_regionkit_did_not_create_keeps_a_key_out_of_the_plan() -> None:
    regs = run(with_stores(deployment("active-passive", [EKS, GKE_PASSIVE]), native=False))
    replica = clusters(regs)["tokens-accounts-audit-eu-gcp"].inputs["spec"]
    keys = replica["externalClusters"][0]["barmanObjectStore"]["s3Credentials"]
    assert keys["accessKeyId"] == {
        "name": "tokens-accounts-audit-eu-gcp-backup-credentials",
        "key": "ACCESS_KEY_ID",
    }
    assert keys["secretAccessKey"]["key"] == "ACCESS_SECRET_KEY"
    assert "projectedVolumeTemplate" not in replica
    # one key of one IAM user for both existing clusters, its values never in the plan
    secrets = [r for r in regs if r.type == SECRET and r.name.endswith("-backup-credentials")]
    assert len(secrets) == 2
    assert {s.inputs["stringData"] for s in secrets} == {"[secret]"}
    assert len([r for r in regs if r.type == "aws:iam/accessKey:AccessKey"]) == 1


def test_existing_cluster_writer_alone_runs_without_backups() -> None:
    regs = run(with_stores(deployment("single-region", [ON_PREM])))
    (cluster,) = clusters(regs).values()
    assert "backup" not in cluster.inputs["spec"]
    assert not [r for r in regs if "bucket" in r.type.lower()]
    assert not [r for r in regs if r.type.endswith(":ScheduledBackup")]


def test_existing_cluster_writer_with_replicas_needs_an_object_store() -> None:
    # validation refuses it first (data.cnpg-object-store); a caller that skips it is at fault
    d = deployment("active-passive", [ON_PREM, AWS_PASSIVE])
    with pytest.raises(ValueError, match=r"'on-prem' has no object store.*data\.cnpg-object-store"):
        run(with_stores(d))


def test_object_store_from_the_stack_settings() -> None:
    target = CnpgBackupTarget(
        destination_path="s3://dc1-backups/idsvr/",
        endpoint_url="https://minio.dc1.example:9000",
        access_key_id=pulumi.Output.secret("dc1-user"),
        secret_access_key=pulumi.Output.secret("dc1-password"),
    )
    settings = StackSettings(cnpg_backups={"on-prem": target})
    d = deployment("active-passive", [ON_PREM, AWS_PASSIVE])
    regs = run(with_stores(d, settings=settings))
    found = clusters(regs)
    primary = found["tokens-accounts-audit-on-prem"].inputs["spec"]["backup"]["barmanObjectStore"]
    assert primary["destinationPath"] == "s3://dc1-backups/idsvr/"
    assert primary["endpointURL"] == "https://minio.dc1.example:9000"
    replica = found["tokens-accounts-audit-eu-aws"].inputs["spec"]["externalClusters"][0]
    assert replica["barmanObjectStore"]["destinationPath"] == "s3://dc1-backups/idsvr/"
    secrets = [r for r in regs if r.type == SECRET and r.name.endswith("-backup-credentials")]
    assert len(secrets) == 2
    assert {s.inputs["stringData"] for s in secrets} == {"[secret]"}
    assert not [r for r in regs if r.type.startswith("aws:s3")]


def test_namespaces_are_kept_when_removed_from_the_program() -> None:
    regs = run(with_stores(deployment("active-passive", [GKE, AWS_PASSIVE])))
    namespaces = [r for r in regs if r.type == "kubernetes:core/v1:Namespace"]
    assert {n.inputs["metadata"]["name"] for n in namespaces} == {NAMESPACE}
    assert len(namespaces) == 2 and all(n.retain_on_delete for n in namespaces)


def test_a_recorded_writer_moves_the_primary_of_the_distributed_topology() -> None:
    d = deployment("active-passive", [GKE, AWS_PASSIVE])
    (group,) = store_groups(d)
    settings = StackSettings(current_writers={placement_key(d, group, 0): "eu-aws"})
    connections: dict[str, DataConnection] = {}
    home = clusters(run(with_stores(d)))
    moved = clusters(run(with_stores(d, connections, settings=settings)))
    gcp, aws = "tokens-accounts-audit-eu-gcp", "tokens-accounts-audit-eu-aws"
    # what a switchover or failover patched: the next `up` keeps it
    assert moved[aws].inputs["spec"]["replica"] == {"primary": aws, "source": gcp}
    assert moved[gcp].inputs["spec"]["replica"] == {"primary": aws, "source": aws}
    assert connections["tokens-accounts-audit/eu-aws"].read_only is False
    assert connections["tokens-accounts-audit/eu-gcp"].read_only is True
    # bootstrap, roles and backups stay as created: CloudNativePG reads bootstrap only once
    for name in (gcp, aws):
        before, after = home[name].inputs["spec"], moved[name].inputs["spec"]
        assert {k: v for k, v in after.items() if k != "replica"} == {
            k: v for k, v in before.items() if k != "replica"
        }


def test_a_gcs_writer_gives_clusters_it_did_not_create_a_key_in_a_secret() -> None:
    regs = run(with_stores(deployment("active-passive", [GKE, AWS_PASSIVE]), native=False))
    replica = clusters(regs)["tokens-accounts-audit-eu-aws"].inputs["spec"]
    credentials = replica["externalClusters"][0]["barmanObjectStore"]["googleCredentials"]
    assert credentials == {
        "applicationCredentials": {
            "name": "tokens-accounts-audit-eu-aws-backup-credentials",
            "key": "gcsCredentials",
        }
    }
    assert len([r for r in regs if r.type == "gcp:serviceaccount/key:Key"]) == 1
    secrets = [r for r in regs if r.type == SECRET and r.name.endswith("-backup-credentials")]
    assert {s.inputs["metadata"]["name"] for s in secrets} >= {
        credentials["applicationCredentials"]["name"]
    }
    assert {s.inputs["data"] for s in secrets} == {"[secret]"}
    assert [r for r in regs if "workloadIdentityPool" in r.type] == []
