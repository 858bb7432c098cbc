"""Spanner under Pulumi mocks: the configuration choice, instance, database and identity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s
import pytest

import regionkit.plan.mocks_gcp  # noqa: F401  (registers the GCP mock outputs)
from regionkit.components.data.spanner import Spanner, choose_config, instance_id
from regionkit.components.facts import ClusterFacts, WorkloadIdentity
from regionkit.components.protocols import DataConnection, RegionPlatform, StoreArgs
from regionkit.model import store_groups
from regionkit.plan.mocks_gcp import PROJECT
from regionkit.plan.recorder import Registration, record
from regionkit.spec import load_stack_text
from regionkit.spec.models import Deployment
from tests.platform_fixtures import gcp_facts
from tests.refusals import refusals


def run(program: Callable[[], Any]) -> list[Registration]:
    return record(program, project="regionkit-test", stack="test")


@pytest.mark.parametrize(
    ("locations", "config"),
    [
        (["us-east4"], "regional-us-east4"),
        (["us-east4", "us-east1"], "nam3"),
        (["us-central1", "us-east1"], "nam11"),
        (["us-central1", "us-east1", "us-west1"], "nam6"),
        (["europe-west1", "europe-west4"], "eur3"),
        (["europe-west2", "europe-west1"], "eur5"),
        (["europe-west3", "europe-west10"], "dual-region-germany1"),
        # a dual-region configuration in one country wins over a multi-region of equal size
        (["asia-northeast1", "asia-northeast2"], "dual-region-japan1"),
        (["australia-southeast2", "australia-southeast1"], "dual-region-australia1"),
        (["us-central1", "europe-west1", "asia-east1"], "nam-eur-asia1"),
        (["us-east4", "us-east4"], "regional-us-east4"),
    ],
)
def test_choose_config(locations: list[str], config: str) -> None:
    assert choose_config(locations).name == config


def test_no_configuration_serves_the_regions() -> None:
    # validate refuses spanner whatever its regions (engine.curity)
    with pytest.raises(ValueError, match=r"engine\.curity") as error:
        choose_config(["us-east4", "europe-west2"])
    message = str(error.value)
    assert "us-east4, europe-west2" in message
    assert "eur5" in message  # the configurations considered are named


def test_region_without_spanner() -> None:
    with pytest.raises(ValueError, match=r"us-central2.*engine\.curity"):
        choose_config(["us-central2"])


def test_instance_ids_fit_spanner_limits() -> None:
    for name in ("ab", "acme-identity-tokens-accounts-audit-us-east", "9-x"):
        identifier = instance_id(name)
        assert 6 <= len(identifier) <= 30
        assert identifier[0].isalpha() and identifier[-1].isalnum()
    assert instance_id("acme-identity-tokens-accounts-audit-us-east") != instance_id(
        "acme-identity-tokens-accounts-audit-us-west"
    )


def deployment(regions: list[str], scope: str = "global") -> Deployment:
    data = "".join(
        f"  {c}: {{engine: spanner, scope: {scope}}}\n" for c in ("tokens", "accounts", "audit")
    )
    topology = "global-cluster" if len(regions) > 1 else "single-region"
    text = (
        f"apiVersion: regionkit/v1\nname: acme-id\ntopology: {topology}\nconsistency: strong\n"
        "dns: {provider: cloud-dns, zone: example.com, hostname: login.example.com}\n"
        f"data:\n{data}regions:\n" + "".join(f"  - {r}\n" for r in regions)
    )
    return load_stack_text(text).spec.deployments()[0]


US3 = [
    "{id: central, cloud: gcp, location: us-central1, jurisdiction: US}",
    "{id: east, cloud: gcp, location: us-east1, jurisdiction: US}",
    "{id: west, cloud: gcp, location: us-west1, jurisdiction: US}",
]


def with_store(
    d: Deployment, connections: dict[str, DataConnection], values: dict[str, Any]
) -> Callable[[], Any]:
    def program() -> Any:
        platforms = {
            r.id: RegionPlatform(
                region=r,
                k8s_provider=k8s.Provider(f"k8s-{r.id}", context=r.id),
                facts=gcp_facts(PROJECT) if r.cloud.value == "gcp" else ClusterFacts(r.id),
                cloud_provider=gcp.Provider(f"gcp-{r.id}", region=r.location),
            )
            for r in d.regions
        }
        (group,) = store_groups(d)
        store = Spanner("acme-id-db", StoreArgs(d, group, platforms))
        outputs: dict[str, Any] = {}
        for r in d.regions:
            connections[r.id] = connection = store.connection(r.id)
            outputs[f"{r.id}.url"] = connection.env["JDBC_URL"]
            assert isinstance(connection.identity, WorkloadIdentity)
            outputs[f"{r.id}.account"] = connection.identity.service_account_email
        return pulumi.Output.all(**outputs).apply(values.update)

    return program


def test_multi_region_instance_and_postgresql_database() -> None:
    regs = run(with_store(deployment(US3), {}, {}))
    (instance,) = [r for r in regs if r.type == "gcp:spanner/instance:Instance"]
    (database,) = [r for r in regs if r.type == "gcp:spanner/database:Database"]
    assert instance.inputs["config"] == "nam6"
    assert instance.inputs["processingUnits"] == 1000
    assert instance.inputs["edition"] == "ENTERPRISE_PLUS"
    assert 6 <= len(instance.inputs["name"]) <= 30
    assert instance.protect is True
    assert database.inputs["databaseDialect"] == "POSTGRESQL"
    assert database.inputs["deletionProtection"] is True
    assert database.inputs["enableDropProtection"] is True
    assert database.inputs["instance"] == instance.inputs["name"]
    assert database.protect is True
    # a multi-region instance belongs to no region
    by_urn = {r.urn: r for r in regs}
    assert by_urn[instance.parent or ""].type == "regionkit:data:Spanner"


def test_nodes_use_the_database_through_workload_identity() -> None:
    connections: dict[str, DataConnection] = {}
    values: dict[str, Any] = {}
    regs = run(with_store(deployment(US3), connections, values))
    (account,) = [r for r in regs if r.type == "gcp:serviceaccount/account:Account"]
    email = f"{account.inputs['accountId']}@{PROJECT}.iam.gserviceaccount.com"
    (grant,) = [r for r in regs if r.type == "gcp:spanner/databaseIAMMember:DatabaseIAMMember"]
    assert grant.inputs["role"] == "roles/spanner.databaseUser"
    assert grant.inputs["member"] == f"serviceAccount:{email}"
    assert grant.inputs["database"] == "idsvr"
    (binding,) = [r for r in regs if r.type == "gcp:serviceaccount/iAMMember:IAMMember"]
    assert binding.inputs["role"] == "roles/iam.workloadIdentityUser"
    assert binding.inputs["member"] == f"serviceAccount:{PROJECT}.svc.id.goog[acme-id/idsvr]"
    assert binding.inputs["serviceAccountId"] == f"projects/{PROJECT}/serviceAccounts/{email}"

    (instance,) = [r for r in regs if r.type == "gcp:spanner/instance:Instance"]
    url = (
        f"jdbc:cloudspanner:/projects/{PROJECT}/instances/{instance.inputs['name']}/databases/idsvr"
    )
    for rid, connection in connections.items():
        assert values[f"{rid}.url"] == url
        assert values[f"{rid}.account"] == email
        assert connection.read_only is False
        assert set(connection.secret_env) == {"DB_USERNAME", "DB_PASSWORD"}
        assert connection.env["JDBC_DRIVER"] == "com.google.cloud.spanner.jdbc.JdbcDriver"
        assert {rule.port for rule in connection.egress} == {443, 80, 988}


def test_single_region_instance_is_regional_and_belongs_to_its_region() -> None:
    regs = run(with_store(deployment(US3[:1]), {}, {}))
    (instance,) = [r for r in regs if r.type == "gcp:spanner/instance:Instance"]
    assert instance.inputs["config"] == "regional-us-central1"
    assert instance.inputs["edition"] == "STANDARD"
    by_urn = {r.urn: r for r in regs}
    assert by_urn[instance.parent or ""].inputs == {"region": "central"}


def test_one_instance_per_placement() -> None:
    regions = [*US3[:2], "{id: eu, cloud: gcp, location: europe-west1, jurisdiction: EU}"]
    regs = run(with_store(deployment(regions, scope="jurisdiction"), {}, {}))
    configs = sorted(r.inputs["config"] for r in regs if r.type == "gcp:spanner/instance:Instance")
    assert configs == ["nam11", "regional-europe-west1"]


def test_impossible_placement_fails_before_registering_anything() -> None:
    d = deployment([US3[0], "{id: eu, cloud: gcp, location: europe-west2, jurisdiction: EU}"])
    assert "engine.curity" in refusals(d)
    errors: list[ValueError] = []

    def program() -> None:
        platforms = {
            r.id: RegionPlatform(
                region=r,
                k8s_provider=k8s.Provider(f"k8s-{r.id}", context=r.id),
                facts=ClusterFacts(r.id),
                cloud_provider=gcp.Provider(f"gcp-{r.id}", region=r.location),
            )
            for r in d.regions
        }
        (group,) = store_groups(d)
        try:
            Spanner("acme-id-db", StoreArgs(d, group, platforms))
        except ValueError as error:
            errors.append(error)

    regs = run(program)
    (error,) = errors
    assert "no Spanner configuration" in str(error)
    assert [r.type for r in regs if not r.type.startswith("pulumi:providers")] == []


def test_regions_on_other_clouds_are_rejected() -> None:
    regions = [US3[0], "{id: aws, cloud: aws, location: us-east-1, jurisdiction: US}"]
    dep = deployment(regions)
    assert "engine.curity" in refusals(dep)  # the first of the engine rules it breaks
    with pytest.raises(ValueError, match=r"runs on cloud 'gcp'.*engine\.cloud"):
        run(with_store(dep, {}, {}))
