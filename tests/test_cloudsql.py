"""Cloud SQL for PostgreSQL under Pulumi mocks: primary, cross-region replicas, connections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s
import pytest

import regionkit.plan.mocks_gcp  # noqa: F401  (registers the GCP mock outputs)
from regionkit.components.data.cloudsql import CloudSqlPostgresql
from regionkit.components.facts import ClusterFacts, PlatformFacts
from regionkit.components.platform.gcp import (
    PRIVATE_SERVICE_CIDR,
    GcpNetwork,
    GkePlatform,
    shared_network,
)
from regionkit.components.protocols import DataConnection, PlatformArgs, RegionPlatform, StoreArgs
from regionkit.components.settings import StackSettings
from regionkit.model import placement_key, store_groups
from regionkit.plan import mock_outputs
from regionkit.plan.recorder import Registration, record
from regionkit.spec import load_stack_text
from regionkit.spec.models import Deployment, Engine
from tests.platform_fixtures import gcp_facts
from tests.refusals import refusals

INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"


def run(program: Callable[[], Any]) -> list[Registration]:
    return record(program, project="regionkit-test", stack="test")


def deployment(topology: str, regions: list[str], scope: str = "global") -> Deployment:
    data = "".join(
        f"  {c}: {{engine: cloudsql-postgresql, scope: {scope}}}\n"
        for c in ("tokens", "accounts", "audit")
    )
    text = (
        f"apiVersion: regionkit/v1\nname: acme-id\ntopology: {topology}\n"
        "dns: {provider: cloud-dns, zone: example.com, hostname: login.example.com}\n"
        f"data:\n{data}regions:\n" + "".join(f"  - {r}\n" for r in regions)
    )
    return load_stack_text(text).spec.deployments()[0]


ACTIVE = "{id: us-east, cloud: gcp, location: us-east4, jurisdiction: US, role: active}"
PASSIVE = "{id: us-west, cloud: gcp, location: us-west1, jurisdiction: US, role: passive}"


def with_store(
    d: Deployment,
    connections: dict[str, DataConnection],
    values: dict[str, Any],
    settings: StackSettings | None = None,
) -> Callable[[], Any]:
    def program() -> Any:
        network = shared_network("acme-id-network", d)
        assert network is not None

        def shared() -> GcpNetwork:
            return network

        platforms = {
            r.id: GkePlatform(f"acme-id-{r.id}", PlatformArgs(d, r, gcp_network=shared)).platform
            for r in d.regions
        }
        (group,) = store_groups(d)
        store = CloudSqlPostgresql(
            "acme-id-db", StoreArgs(d, group, platforms, settings or StackSettings())
        )
        outputs: dict[str, Any] = {}
        for r in d.regions:
            connections[r.id] = connection = store.connection(r.id)
            outputs[f"{r.id}.url"] = connection.env["JDBC_URL"]
            outputs[f"{r.id}.password_secret"] = pulumi.Output.from_input(
                connection.secret_env["DB_PASSWORD"]
            ).is_secret()
            outputs[f"{r.id}.user_secret"] = pulumi.Output.from_input(
                connection.secret_env["DB_USERNAME"]
            ).is_secret()
        return pulumi.Output.all(**outputs).apply(values.update)

    return program


def instances(regs: list[Registration]) -> dict[str, Registration]:
    return {r.name: r for r in regs if r.type == INSTANCE}


def test_primary_in_the_writer_region_is_ha_private_backed_up_and_protected() -> None:
    d = deployment("active-passive", [ACTIVE, PASSIVE])
    regs = run(with_store(d, {}, {}))
    primary = instances(regs)["acme-id-db-us-east-primary"]
    assert primary.inputs["databaseVersion"] == "POSTGRES_16"
    assert primary.inputs["region"] == "us-east4"
    assert primary.inputs["deletionProtection"] is True
    assert primary.protect is True
    settings = primary.inputs["settings"]
    assert settings["availabilityType"] == "REGIONAL"
    assert settings["backupConfiguration"]["enabled"] is True
    assert settings["backupConfiguration"]["pointInTimeRecoveryEnabled"] is True
    assert settings["ipConfiguration"]["ipv4Enabled"] is False
    assert settings["ipConfiguration"]["privateNetwork"] == "acme-id-network-vpc-id"
    assert settings["deletionProtectionEnabled"] is True
    assert primary.provider is not None and "::acme-id-us-east::" in primary.provider


def test_replica_follows_the_primary_from_the_passive_region() -> None:
    d = deployment("active-passive", [ACTIVE, PASSIVE])
    regs = run(with_store(d, {}, {}))
    found = instances(regs)
    assert set(found) == {"acme-id-db-us-east-primary", "acme-id-db-us-west-replica"}
    replica = found["acme-id-db-us-west-replica"]
    primary_name = (
        f"acme-id-db-us-east-primary-{mock_outputs.digest('acme-id-db-us-east-primary', 7)}"
    )
    assert replica.inputs["masterInstanceName"] == primary_name
    assert replica.inputs["region"] == "us-west1"
    assert replica.protect is True
    assert "backupConfiguration" not in replica.inputs["settings"]
    # on the primary's network: the only one Cloud SQL replicates within
    assert (
        replica.inputs["settings"]["ipConfiguration"]["privateNetwork"] == "acme-id-network-vpc-id"
    )
    assert replica.provider is not None and "::acme-id-us-west::" in replica.provider
    by_urn = {r.urn: r for r in regs}
    assert by_urn[replica.parent or ""].inputs == {"region": "us-west"}


def test_database_and_user_with_a_secret_password() -> None:
    d = deployment("active-passive", [ACTIVE, PASSIVE])
    regs = run(with_store(d, {}, {}))
    (database,) = [r for r in regs if r.type == "gcp:sql/database:Database"]
    (user,) = [r for r in regs if r.type == "gcp:sql/user:User"]
    assert database.inputs["name"] == "idsvr" and database.protect is True
    assert user.inputs["name"] == "idsvr"
    assert user.inputs["password"] == "[secret]"
    primary_name = instances(regs)["acme-id-db-us-west-replica"].inputs["masterInstanceName"]
    assert database.inputs["instance"] == user.inputs["instance"] == primary_name


def test_the_writer_runs_the_schema_job_as_the_admin_and_the_nodes_use_the_runtime_role() -> None:
    d = deployment("active-passive", [ACTIVE, PASSIVE])
    connections: dict[str, DataConnection] = {}
    regs = run(with_store(d, connections, {}))
    (job,) = [r for r in regs if r.type == "kubernetes:batch/v1:Job"]
    (component,) = [r for r in regs if r.type == "regionkit:data:SchemaJob"]
    assert component.inputs == {"region": "us-east"}
    assert job.provider is not None and "::acme-id-us-east::" in job.provider
    # the job waits for the database and its admin user
    (database,) = [r for r in regs if r.type == "gcp:sql/database:Database"]
    (user,) = [r for r in regs if r.type == "gcp:sql/user:User"]
    assert {database.urn, user.urn} <= set(job.dependencies)
    pod = job.inputs["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["initContainers"]] == ["copy-sql", "roles", "schema"]
    roles = {e["name"]: e.get("value") for e in pod["initContainers"][1]["env"]}
    assert roles["ADMIN_EXTENSIONS"] == "pgaudit"  # the audit trail's extension, by the admin
    # replicas get the schema by replication: every region's nodes wait for the writer's job
    for rid in ("us-east", "us-west"):
        (ready,) = connections[rid].ready
        assert ready is connections["us-east"].ready[0]
    policy = next(r for r in regs if r.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy")
    cidrs = [
        peer["ipBlock"]["cidr"] for rule in policy.inputs["spec"]["egress"]
        for peer in rule.get("to", [])
    ]  # fmt: skip
    assert cidrs == [PRIVATE_SERVICE_CIDR]


def test_connections_reach_each_regions_instance_over_private_ip() -> None:
    d = deployment("active-passive", [ACTIVE, PASSIVE])
    connections: dict[str, DataConnection] = {}
    values: dict[str, Any] = {}
    regs = run(with_store(d, connections, values))
    for rid, read_only in (("us-east", False), ("us-west", True)):
        connection = connections[rid]
        assert connection.engine is Engine.CLOUDSQL_POSTGRESQL
        assert connection.data_source_id == "tokens-accounts-audit"
        assert connection.read_only is read_only
        assert values[f"{rid}.url"].startswith("jdbc:postgresql://10.255.")
        assert values[f"{rid}.url"].endswith(":5432/idsvr?sslmode=require")
        assert values[f"{rid}.password_secret"] and values[f"{rid}.user_secret"]
        (rule,) = connection.egress
        assert rule.port == 5432 and rule.cidrs == (PRIVATE_SERVICE_CIDR,)
    assert values["us-east.url"] != values["us-west.url"]
    assert len(instances(regs)) == 2


def test_one_primary_per_jurisdiction() -> None:
    d = deployment(
        "global-cluster",
        [
            "{id: us-east, cloud: gcp, location: us-east4, jurisdiction: US}",
            "{id: us-west, cloud: gcp, location: us-west1, jurisdiction: US}",
            "{id: eu-west, cloud: gcp, location: europe-west1, jurisdiction: EU}",
        ],
        scope="jurisdiction",
    )
    connections: dict[str, DataConnection] = {}
    found = instances(run(with_store(d, connections, {})))
    assert set(found) == {
        "acme-id-db-us-east-primary",
        "acme-id-db-us-west-replica",
        "acme-id-db-eu-west-primary",
    }
    assert connections["eu-west"].read_only is False
    assert (
        found["acme-id-db-us-west-replica"]
        .inputs["masterInstanceName"]
        .startswith("acme-id-db-us-east-primary")
    )


def hand_made(d: Deployment, facts: PlatformFacts) -> Callable[[], None]:
    def program() -> None:
        platforms = {
            r.id: RegionPlatform(
                region=r,
                k8s_provider=k8s.Provider(f"k8s-{r.id}", context=r.id),
                facts=facts,
                cloud_provider=gcp.Provider(f"gcp-{r.id}", region=r.location),
            )
            for r in d.regions
        }
        (group,) = store_groups(d)
        CloudSqlPostgresql("acme-id-db", StoreArgs(d, group, platforms))

    return program


def test_a_cluster_regionkit_did_not_create_has_no_known_network() -> None:
    d = deployment("single-region", [ACTIVE])
    # validate refuses it first (engine.existing-cluster, breaks-engine-existing-cluster.yaml)
    with pytest.raises(ValueError, match=r"kubeconfigContext.*engine\.existing-cluster"):
        run(hand_made(d, ClusterFacts("us-east")))


def test_regions_on_other_clouds_are_rejected() -> None:
    d = deployment(
        "single-region", ["{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US}"]
    )
    assert "engine.cloud" in refusals(d)
    with pytest.raises(ValueError, match=r"runs on cloud 'gcp'.*engine\.cloud"):
        run(hand_made(d, gcp_facts()))


def test_unknown_region_connection_is_a_key_error() -> None:
    d = deployment("single-region", [ACTIVE])
    store: list[CloudSqlPostgresql] = []

    def program() -> None:
        platform = RegionPlatform(
            region=d.regions[0],
            k8s_provider=k8s.Provider("k8s"),
            facts=gcp_facts(),
            cloud_provider=gcp.Provider("gcp", region="us-east4"),
        )
        (group,) = store_groups(d)
        store.append(CloudSqlPostgresql("db", StoreArgs(d, group, {"us-east": platform})))

    run(program)
    assert store[0].connection("us-east").read_only is False
    with pytest.raises(KeyError, match="eu-west"):
        store[0].connection("eu-west")


def test_a_recorded_writer_makes_its_region_read_write_and_keeps_the_instances() -> None:
    d = deployment("active-passive", [ACTIVE, PASSIVE])
    (group,) = store_groups(d)
    settings = StackSettings(current_writers={placement_key(d, group, 0): "us-west"})
    connections: dict[str, DataConnection] = {}
    moved = run(with_store(d, connections, {}, settings))
    assert (connections["us-east"].read_only, connections["us-west"].read_only) == (True, False)
    home = run(with_store(d, {}, {}))
    assert {n: r.inputs for n, r in instances(moved).items()} == {
        n: r.inputs for n, r in instances(home).items()
    }
