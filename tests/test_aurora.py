"""Aurora PostgreSQL under Pulumi mocks: global clusters, regional clusters, connections."""

from __future__ import annotations

import pulumi
import pytest

from regionkit.components.data.aurora_postgresql import (
    MAX_SECONDARIES,
    AuroraPostgresql,
    check_group,
    cluster_options,
)
from regionkit.components.platform.aws import EksPlatform
from regionkit.components.protocols import DataConnection, PlatformArgs, StoreArgs
from regionkit.components.settings import StackSettings
from regionkit.model import StoreGroup, placement_key, store_groups
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

ACTIVE = "{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US}"
PASSIVE = "{id: us-west, cloud: aws, location: us-west-2, jurisdiction: US, role: passive}"
ALL_AURORA = (
    "  tokens: {engine: aurora-postgresql, scope: global}\n"
    "  accounts: {engine: aurora-postgresql, scope: global}\n"
    "  audit: {engine: aurora-postgresql, scope: global}\n"
)


def build(
    dep: Deployment,
    connections: dict[str, DataConnection] | None = None,
    eks: bool = False,
    settings: StackSettings | None = None,
) -> list[Registration]:
    def program() -> None:
        if eks:
            platforms = {
                r.id: EksPlatform(f"acme-id-{r.id}", PlatformArgs(dep, r)).platform
                for r in dep.regions
            }
        else:
            platforms = minimal_platforms(dep)
        (group,) = [g for g in store_groups(dep) if g.engine is Engine.AURORA_POSTGRESQL]
        store = AuroraPostgresql(
            "acme-id-db", StoreArgs(dep, group, platforms, settings or StackSettings())
        )
        for rid in (r.id for r in dep.regions):
            connection = store.connection(rid)
            if connections is not None:
                connections[rid] = connection
            sink(f"{rid}-jdbc", connection.env["JDBC_URL"])
            sink(f"{rid}-user", connection.secret_env["DB_USERNAME"])
            sink(f"{rid}-password", connection.secret_env["DB_PASSWORD"])

    return run(program)


def active_passive() -> Deployment:
    return deployment([ACTIVE, PASSIVE], topology="active-passive", data=ALL_AURORA)


def test_global_cluster_spans_the_placement() -> None:
    regs = build(active_passive())
    (global_cluster,) = of_type(regs, "aws:rds/globalCluster:GlobalCluster")
    assert global_cluster.inputs["engine"] == "aurora-postgresql"
    assert global_cluster.inputs["storageEncrypted"] is True
    assert global_cluster.inputs["deletionProtection"] is True
    assert global_cluster.protect
    # the global cluster belongs to no region; its members to theirs
    assert region_of(regs, global_cluster) is None
    clusters = {region_of(regs, c): c for c in of_type(regs, "aws:rds/cluster:Cluster")}
    assert set(clusters) == {"us-east", "us-west"}
    for cluster in clusters.values():
        assert cluster.inputs["globalClusterIdentifier"] == f"{global_cluster.name}-id"
        assert cluster.inputs["deletionProtection"] is True
        assert cluster.inputs["storageEncrypted"] is True
        assert cluster.inputs["kmsKeyId"].startswith("arn:aws:kms:")
        assert cluster.protect


def test_only_the_primary_holds_the_database_and_a_secret_password() -> None:
    regs = build(active_passive())
    primary = one(regs, "aws:rds/cluster:Cluster", "acme-id-db-us-east-cluster")
    secondary = one(regs, "aws:rds/cluster:Cluster", "acme-id-db-us-west-cluster")
    assert primary.inputs["masterPassword"] == "[secret]"
    assert primary.inputs["masterUsername"] == "idsvr"
    assert primary.inputs["databaseName"] == "idsvr"
    assert primary.inputs["skipFinalSnapshot"] is False
    for key in ("masterPassword", "masterUsername", "databaseName"):
        assert key not in secondary.inputs
    # the master's, and the owner's and runtime role's the schema job sets
    passwords = {p.name: p for p in of_type(regs, "random:index/randomPassword:RandomPassword")}
    assert set(passwords) == {
        "acme-id-db-password",
        "acme-id-db-us-east-owner-password",
        "acme-id-db-us-east-runtime-password",
    }
    assert all(p.inputs["length"] >= 32 for p in passwords.values())


def test_the_writer_runs_the_schema_job_and_every_region_waits_for_it() -> None:
    connections: dict[str, DataConnection] = {}
    regs = build(active_passive(), connections)
    (job,) = of_type(regs, "kubernetes:batch/v1:Job")
    (component,) = of_type(regs, "regionkit:data:SchemaJob")
    assert component.inputs == {"region": "us-east"}
    assert region_of(regs, job) == "us-east"
    for rid in ("us-east", "us-west"):
        (ready,) = connections[rid].ready
        assert isinstance(ready, pulumi.ComponentResource)
    # the job connects to the writer's endpoint once its instances exist, as the master user
    instances = [
        r.urn for r in of_type(regs, "aws:rds/clusterInstance:ClusterInstance")
        if region_of(regs, r) == "us-east"
    ]  # fmt: skip
    assert len(instances) == 2 and set(instances) <= set(job.dependencies)
    pod = job.inputs["spec"]["template"]["spec"]
    steps = {c["name"]: c for c in [*pod["initContainers"], *pod["containers"]]}
    assert list(steps) == ["copy-sql", "roles", "schema", "upgrade"]
    env = {e["name"]: e.get("value", e.get("valueFrom")) for e in steps["roles"]["env"]}
    assert env["JDBC_URL"].startswith("jdbc:postgresql://acme-id-db-us-east.cluster-")
    assert env["SCHEMA_RUNTIME_ROLE"] == "idsvr_runtime"
    assert env["ADMIN_EXTENSIONS"] == "pgaudit"  # the audit trail's extension, by the admin
    assert env["PGUSER"] == {
        "secretKeyRef": {"name": "idsvr-schema-credentials", "key": "admin-username"}
    }
    # in a namespace of the store's own, with the credentials Secret, never the nodes' one
    (secret,) = [
        r for r in of_type(regs, "kubernetes:core/v1:Secret")
        if r.inputs["metadata"]["name"] == "idsvr-schema-credentials"
    ]  # fmt: skip
    assert job.inputs["metadata"]["namespace"] == "acme-id-tokens-accounts-audit-db"
    assert secret.inputs["metadata"]["namespace"] == "acme-id-tokens-accounts-audit-db"
    assert secret.inputs["stringData"] == "[secret]" or all(
        v == "[secret]" for v in secret.inputs["stringData"].values()
    )
    assert secret.urn in job.dependencies


def test_writer_gets_two_instances_and_secondaries_one() -> None:
    regs = build(active_passive())
    instances = of_type(regs, "aws:rds/clusterInstance:ClusterInstance")
    per_region = {
        rid: sum(1 for i in instances if region_of(regs, i) == rid)
        for rid in ("us-east", "us-west")
    }
    assert per_region == {"us-east": 2, "us-west": 1}
    assert all(i.inputs["publiclyAccessible"] is False for i in instances)
    assert all(i.inputs["instanceClass"].startswith("db.r") for i in instances)


def test_each_region_has_its_key_subnets_and_firewall() -> None:
    regs = build(active_passive())
    keys = [k for k in of_type(regs, "aws:kms/key:Key")]
    assert sorted(str(region_of(regs, k)) for k in keys) == ["us-east", "us-west"]
    assert all(k.protect and k.inputs["enableKeyRotation"] for k in keys)
    subnets = one(regs, "aws:rds/subnetGroup:SubnetGroup", "acme-id-db-us-west-subnets")
    assert subnets.inputs["subnetIds"] == [
        "subnet-us-west-a",
        "subnet-us-west-b",
        "subnet-us-west-c",
    ]
    firewall = one(regs, "aws:ec2/securityGroup:SecurityGroup", "acme-id-db-us-west-db")
    assert firewall.inputs["vpcId"] == "vpc-us-west"
    (rule,) = firewall.inputs["ingress"]
    assert (rule["fromPort"], rule["toPort"], rule["protocol"]) == (5432, 5432, "tcp")
    assert rule["cidrBlocks"] == ["10.101.0.0/16"]
    regional = [r for r in of_type(regs, "regionkit:data:AuroraPostgresqlRegion")]
    assert sorted(r.inputs["region"] for r in regional) == ["us-east", "us-west"]
    assert "region" not in of_type(regs, "regionkit:data:AuroraPostgresql")[0].inputs


def test_global_members_ignore_their_replication_source() -> None:
    # the options a resource is built with are not in its registration: catch them in a
    # transformation, which the SDK runs in-process for every child of the component
    seen: dict[str, pulumi.ResourceOptions] = {}

    def capture(args: pulumi.ResourceTransformationArgs) -> None:
        if args.type_ == "aws:rds/cluster:Cluster":
            seen[args.name] = args.opts

    def program() -> None:
        dep = active_passive()
        group = store_groups(dep)[0]
        AuroraPostgresql(
            "acme-id-db",
            StoreArgs(dep, group, minimal_platforms(dep)),
            pulumi.ResourceOptions(transformations=[capture]),
        )

    run(program)
    assert set(seen) == {"acme-id-db-us-east-cluster", "acme-id-db-us-west-cluster"}
    for options in seen.values():
        assert options.ignore_changes == ["replicationSourceIdentifier"]
        assert options.protect is True


def test_cluster_options() -> None:
    def program() -> None:
        dep = active_passive()
        platforms = minimal_platforms(dep)
        store = AuroraPostgresql("acme-id-db", StoreArgs(dep, store_groups(dep)[0], platforms))
        provider = platforms["us-west"].cloud_provider
        assert provider is not None
        options = cluster_options(store, provider, global_member=True, depends_on=[store])
        assert options.ignore_changes == ["replicationSourceIdentifier"]
        assert (options.protect, options.parent, options.provider) == (True, store, provider)
        assert options.depends_on == [store]
        assert cluster_options(store, provider, global_member=False).ignore_changes is None

    run(program)


def test_regional_clusters_are_not_global_members() -> None:
    seen: dict[str, pulumi.ResourceOptions] = {}

    def capture(args: pulumi.ResourceTransformationArgs) -> None:
        if args.type_ == "aws:rds/cluster:Cluster":
            seen[args.name] = args.opts

    def program() -> None:
        dep = deployment([ACTIVE], topology="single-region", data=ALL_AURORA)
        AuroraPostgresql(
            "acme-id-db",
            StoreArgs(dep, store_groups(dep)[0], minimal_platforms(dep)),
            pulumi.ResourceOptions(transformations=[capture]),
        )

    run(program)
    (options,) = seen.values()
    assert options.ignore_changes is None and options.protect is True


def test_writer_connects_to_the_global_writer_endpoint_and_secondaries_read_only() -> None:
    connections: dict[str, DataConnection] = {}
    regs = build(active_passive(), connections)
    writer, reader = sunk(regs, "us-east-jdbc"), sunk(regs, "us-west-jdbc")
    # GlobalCluster.endpoint: Aurora keeps it pointing at the current primary's writer
    assert writer.startswith("jdbc:postgresql://acme-id-db-global.global-")
    assert ".global.rds.amazonaws.com:5432/idsvr" in writer
    assert reader.startswith("jdbc:postgresql://acme-id-db-us-west.cluster-ro-")
    assert (connections["us-east"].read_only, connections["us-west"].read_only) == (False, True)
    for rid in ("us-east", "us-west"):
        assert sunk(regs, f"{rid}-user") == "[secret]"
        assert sunk(regs, f"{rid}-password") == "[secret]"
    assert connections["us-west"].egress[0].port == 5432
    assert connections["us-west"].egress[0].cidrs == ("10.101.0.0/16",)
    assert connections["us-east"].engine is Engine.AURORA_POSTGRESQL
    assert connections["us-east"].data_source_id == "tokens-accounts-audit"


def test_one_region_placement_is_a_regional_cluster() -> None:
    data = ALL_AURORA.replace("scope: global", "scope: region")
    regs = build(deployment([ACTIVE, PASSIVE], topology="active-passive", data=data))
    assert of_type(regs, "aws:rds/globalCluster:GlobalCluster") == []
    clusters = of_type(regs, "aws:rds/cluster:Cluster")
    assert len(clusters) == 2
    assert all(
        "globalClusterIdentifier" not in c.inputs and c.inputs["masterPassword"] == "[secret]"
        for c in clusters
    )
    assert len(of_type(regs, "aws:rds/clusterInstance:ClusterInstance")) == 4
    # per regional store: the master's, the owner's and the runtime role's
    assert len(of_type(regs, "random:index/randomPassword:RandomPassword")) == 6
    jobs = of_type(regs, "kubernetes:batch/v1:Job")
    assert sorted(region_of(regs, j) or "" for j in jobs) == ["us-east", "us-west"]


def test_jurisdiction_scope_gives_one_global_cluster_per_jurisdiction() -> None:
    regions = [
        ACTIVE,
        "{id: us-west, cloud: aws, location: us-west-2, jurisdiction: US}",
        "{id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU}",
        "{id: eu-central, cloud: aws, location: eu-central-1, jurisdiction: EU}",
    ]
    data = ALL_AURORA.replace("scope: global", "scope: jurisdiction")
    regs = build(deployment(regions, data=data, extra="consistency: partitioned\n"))
    names = sorted(
        g.inputs["globalClusterIdentifier"]
        for g in of_type(regs, "aws:rds/globalCluster:GlobalCluster")
    )
    assert names == ["acme-id-db-eu-global", "acme-id-db-us-global"]
    eu = one(regs, "aws:rds/cluster:Cluster", "acme-id-db-eu-central-cluster")
    assert eu.inputs["globalClusterIdentifier"] == "acme-id-db-eu-global-id"


def test_uses_the_eks_platform_network() -> None:
    regs = build(active_passive(), eks=True)
    firewall = one(regs, "aws:ec2/securityGroup:SecurityGroup", "acme-id-db-us-east-db")
    assert firewall.inputs["vpcId"] == "acme-id-us-east-vpc-id"
    assert firewall.inputs["ingress"][0]["cidrBlocks"] == ["10.100.0.0/16"]
    subnets = one(regs, "aws:rds/subnetGroup:SubnetGroup", "acme-id-db-us-east-subnets")
    assert subnets.inputs["subnetIds"] == [f"acme-id-us-east-private-{z}-id" for z in "abc"]


def test_more_than_ten_secondaries_are_rejected() -> None:
    ids = tuple(f"r{i}" for i in range(MAX_SECONDARIES + 2))
    group = StoreGroup(Engine.AURORA_POSTGRESQL, Scope.GLOBAL, ("accounts",), (ids,), (ids[0],))
    # validate refuses it first (engine.replication, breaks-engine-replication-aurora.yaml)
    with pytest.raises(ValueError, match=r"at most 10 secondary regions.*engine\.replication"):
        check_group(group)
    check_group(
        StoreGroup(Engine.AURORA_POSTGRESQL, Scope.GLOBAL, ("accounts",), (ids[:-1],), (ids[0],))
    )


def test_regions_off_aws_are_rejected() -> None:
    dep = deployment(
        [ACTIVE, "{id: eu, cloud: gcp, location: europe-west1, jurisdiction: EU, role: passive}"],
        topology="active-passive",
        data=ALL_AURORA,
    )
    assert "engine.cloud" in refusals(dep)
    with pytest.raises(ValueError, match=r"runs on AWS only; region 'eu'.*engine\.cloud"):
        build(dep)


def test_a_recorded_writer_moves_the_connections_not_the_clusters() -> None:
    dep = active_passive()
    (group,) = store_groups(dep)
    key = placement_key(dep, group, 0)
    assert key == "acme-id-tokens-accounts-audit"
    connections: dict[str, DataConnection] = {}
    moved = build(dep, connections, settings=StackSettings(current_writers={key: "us-west"}))
    # us-west writes now, through the global writer endpoint; us-east reads its reader
    assert sunk(moved, "us-west-jdbc").startswith("jdbc:postgresql://acme-id-db-global.global-")
    assert sunk(moved, "us-east-jdbc").startswith(
        "jdbc:postgresql://acme-id-db-us-east.cluster-ro-"
    )
    assert (connections["us-east"].read_only, connections["us-west"].read_only) == (True, False)
    # the clusters keep the structure they were created with: nothing is replaced
    home = build(dep)
    clusters = {c.name: c.inputs for c in of_type(home, "aws:rds/cluster:Cluster")}
    assert {c.name: c.inputs for c in of_type(moved, "aws:rds/cluster:Cluster")} == clusters
    assert "masterUsername" in clusters["acme-id-db-us-east-cluster"]
    # a recorded region outside the placement is ignored
    build(dep, connections, settings=StackSettings(current_writers={key: "mars"}))
    assert connections["us-east"].read_only is False
