"""The schema Job of a PostgreSQL writer, recorded under the mock monitor, and its pure parts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import kubernetes_validate
import pulumi
import pulumi_kubernetes as k8s
import pytest

from regionkit.catalog import postgres
from regionkit.components.protocols import EgressRule
from regionkit.components.schema_job import (
    AdminRoles,
    SchemaJob,
    SchemaJobArgs,
    SecretKey,
    job_names,
    schema_digest,
)
from regionkit.plan.recorder import Registration, record
from tests.registrations import of_type, region_of

KUBERNETES_VERSION = "1.33.0"
IMAGE = "curity.azurecr.io/curity/idsvr:11.2"
JOB = "kubernetes:batch/v1:Job"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
OWNER_USER = SecretKey("acme-id-accounts-owner", "username")
OWNER_PASSWORD = SecretKey("acme-id-accounts-owner", "password")
#: the pure functions only carry the provider; they never use it
NO_PROVIDER = cast("k8s.Provider", None)


def _args(provider: k8s.Provider, **overrides: Any) -> SchemaJobArgs:
    values: dict[str, Any] = {
        "region_id": "eu-west",
        "k8s_provider": provider,
        "namespace": "idsvr",
        "idsvr_image": IMAGE,
        "jdbc_url": pulumi.Output.from_input(
            "jdbc:postgresql://acme-id.cluster-x.eu-west-1.rds.amazonaws.com:5432/idsvr"
            "?sslmode=require"
        ),
        "owner_username": OWNER_USER,
        "owner_password": OWNER_PASSWORD,
        "runtime_role": SecretKey("acme-id-idsvr", "DS_ACCOUNTS_DB_USERNAME"),
    }
    values.update(overrides)
    return SchemaJobArgs(**values)


def _record(*, dependent: bool = False, **overrides: Any) -> list[Registration]:
    def program() -> None:
        provider = k8s.Provider("eu-west", kubeconfig="{}")
        job = SchemaJob("acme-id-accounts", _args(provider, **overrides))
        if dependent:
            k8s.apps.v1.Deployment(
                "runtime",
                metadata=k8s.meta.v1.ObjectMetaArgs(name="runtime", namespace="idsvr"),
                spec=k8s.apps.v1.DeploymentSpecArgs(
                    selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"app": "runtime"}),
                    template=k8s.core.v1.PodTemplateSpecArgs(
                        metadata=k8s.meta.v1.ObjectMetaArgs(labels={"app": "runtime"}),
                        spec=k8s.core.v1.PodSpecArgs(
                            containers=[k8s.core.v1.ContainerArgs(name="idsvr", image=IMAGE)]
                        ),
                    ),
                ),
                opts=pulumi.ResourceOptions(provider=provider, depends_on=[job]),
            )

    return record(program, project="regionkit", stack="test")


def _job(registrations: list[Registration]) -> Registration:
    (job,) = of_type(registrations, JOB)
    return job


def _pod(job: Registration) -> dict[str, Any]:
    pod: dict[str, Any] = job.inputs["spec"]["template"]["spec"]
    return pod


def _containers(job: Registration) -> dict[str, dict[str, Any]]:
    pod = _pod(job)
    return {c["name"]: c for c in [*pod.get("initContainers", []), *pod["containers"]]}


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def _secret(name: str, key: str) -> dict[str, Any]:
    return {"secretKeyRef": {"name": name, "key": key}}


def test_copies_the_images_sql_then_creates_then_upgrades_in_order() -> None:
    registrations = _record()
    job = _job(registrations)
    pod = _pod(job)
    assert [c["name"] for c in pod["initContainers"]] == ["copy-sql", "schema"]
    assert [c["name"] for c in pod["containers"]] == ["upgrade"]
    containers = _containers(job)
    copy, schema, upgrade = containers["copy-sql"], containers["schema"], containers["upgrade"]
    # the SQL is the configured image's own, copied where the psql container reads it
    assert copy["image"] == IMAGE
    assert copy["command"] == [
        "cp",
        "/opt/idsvr/etc/postgres-create_database.sql",
        "/var/run/regionkit/sql/",
    ]
    assert schema["image"] == postgres.PSQL_IMAGE
    assert schema["command"] == ["sh", "/var/run/regionkit/schema/postgres-schema.sh"]
    assert _env(schema)["SCHEMA_SQL_FILE"] == "/var/run/regionkit/sql/postgres-create_database.sql"
    assert upgrade["image"] == IMAGE
    assert upgrade["command"] == ["/opt/idsvr/bin/idsvr", "-L", "default"]
    mounts = {
        c: {m["name"]: m["mountPath"] for m in containers[c]["volumeMounts"]} for c in containers
    }
    assert mounts["copy-sql"]["sql"] == mounts["schema"]["sql"] == "/var/run/regionkit/sql"
    # the script comes from the component's ConfigMap, as shipped in the package
    (config_map,) = of_type(registrations, CONFIG_MAP)
    assert config_map.inputs["data"] == {"postgres-schema.sh": postgres.schema_script()}
    assert config_map.inputs["immutable"] is True
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["script"]["configMap"]["name"] == config_map.inputs["metadata"]["name"]
    assert "emptyDir" in volumes["sql"] and "emptyDir" in volumes["idsvr-var"]


def test_without_upgrade_the_psql_container_is_the_job() -> None:
    pod = _pod(_job(_record(upgrade=False)))
    assert [c["name"] for c in pod["initContainers"]] == ["copy-sql"]
    assert [c["name"] for c in pod["containers"]] == ["schema"]
    assert "idsvr-var" not in {v["name"] for v in pod["volumes"]}


def test_an_image_older_than_liquibase_gets_no_upgrade_step_unless_asked() -> None:
    old = "curity.azurecr.io/curity/idsvr:10.7.1"
    assert [c["name"] for c in _pod(_job(_record(idsvr_image=old)))["containers"]] == ["schema"]
    forced = _pod(_job(_record(idsvr_image=old, upgrade=True)))
    assert [c["name"] for c in forced["containers"]] == ["upgrade"]


def test_credentials_come_from_secret_references_only() -> None:
    containers = _containers(_job(_record()))
    schema, upgrade = _env(containers["schema"]), _env(containers["upgrade"])
    assert schema["PGUSER"] == _secret("acme-id-accounts-owner", "username")
    assert schema["PGPASSWORD"] == _secret("acme-id-accounts-owner", "password")
    assert schema["SCHEMA_RUNTIME_ROLE"] == _secret("acme-id-idsvr", "DS_ACCOUNTS_DB_USERNAME")
    assert schema["JDBC_URL"].startswith("jdbc:postgresql://acme-id.cluster-x")
    # Curity's migration reads JDBC_URL/JDBC_USERNAME/JDBC_PASSWORD, as the owner
    assert upgrade == {
        "JDBC_URL": schema["JDBC_URL"],
        "JDBC_USERNAME": schema["PGUSER"],
        "JDBC_PASSWORD": schema["PGPASSWORD"],
    }
    # no literal value of a credential anywhere in the spec
    literal = {e["name"] for c in containers.values() for e in c.get("env", []) if "value" in e}
    assert not literal & {"PGUSER", "PGPASSWORD", "JDBC_USERNAME", "JDBC_PASSWORD"}


ADMIN = AdminRoles(
    username=SecretKey("acme-id-accounts-schema", "admin-username"),
    password=SecretKey("acme-id-accounts-schema", "admin-password"),
    owner_password=SecretKey("acme-id-accounts-schema", "owner-password"),
    runtime_password=SecretKey("acme-id-accounts-schema", "runtime-password"),
)


def test_an_admin_makes_the_roles_before_the_owner_creates_the_schema() -> None:
    registrations = _record(admin=ADMIN, runtime_role="idsvr_runtime")
    job = _job(registrations)
    pod = _pod(job)
    assert [c["name"] for c in pod["initContainers"]] == ["copy-sql", "roles", "schema"]
    roles, schema = _containers(job)["roles"], _containers(job)["schema"]
    assert roles["image"] == postgres.PSQL_IMAGE
    assert roles["command"] == ["sh", "/var/run/regionkit/schema/postgres-roles.sh"]
    env = _env(roles)
    # the admin logs in; the owner and runtime roles get their names and passwords
    assert env["PGUSER"] == _secret("acme-id-accounts-schema", "admin-username")
    assert env["PGPASSWORD"] == _secret("acme-id-accounts-schema", "admin-password")
    assert env["SCHEMA_OWNER_ROLE"] == _secret("acme-id-accounts-owner", "username")
    assert env["SCHEMA_OWNER_PASSWORD"] == _secret("acme-id-accounts-schema", "owner-password")
    assert env["SCHEMA_RUNTIME_ROLE"] == "idsvr_runtime"
    assert env["SCHEMA_RUNTIME_PASSWORD"] == _secret("acme-id-accounts-schema", "runtime-password")
    assert env["SCHEMA_SQL_FILE"] == _env(schema)["SCHEMA_SQL_FILE"]
    assert "ADMIN_EXTENSIONS" not in env  # none asked for
    # the schema step still logs in as the owner, never as the admin
    assert _env(schema)["PGUSER"] == _secret("acme-id-accounts-owner", "username")
    (config_map,) = of_type(registrations, CONFIG_MAP)
    assert config_map.inputs["data"] == {
        "postgres-schema.sh": postgres.schema_script(),
        "postgres-roles.sh": postgres.roles_script(),
    }
    rules = job.inputs["spec"]["podFailurePolicy"]["rules"]
    assert {"containerName": "roles", "operator": "In", "values": [2]} in [
        r.get("onExitCodes") for r in rules
    ]
    kubernetes_validate.validate(job.inputs, KUBERNETES_VERSION, strict=True)


def test_an_admin_without_a_runtime_role_is_refused() -> None:
    with pytest.raises(ValueError, match="needs runtime_role"):
        _record(admin=ADMIN, runtime_role=None)


def test_a_jdbc_url_kept_in_a_secret_is_referenced() -> None:
    url = SecretKey("idsvr-audit-db", "JDBC_URL")
    containers = _containers(_job(_record(jdbc_url=url, runtime_role=None)))
    assert _env(containers["schema"])["JDBC_URL"] == _secret("idsvr-audit-db", "JDBC_URL")
    assert _env(containers["upgrade"])["JDBC_URL"] == _secret("idsvr-audit-db", "JDBC_URL")
    assert "SCHEMA_RUNTIME_ROLE" not in _env(containers["schema"])


def test_tls_is_required_and_verified_where_a_ca_is_given() -> None:
    plain = _env(_containers(_job(_record()))["schema"])
    assert plain["PGSSLMODE"] == "require" and "PGSSLROOTCERT" not in plain
    job = _job(_record(ca=SecretKey("acme-id-db-ca", "ca.crt")))
    schema = _containers(job)["schema"]
    env = _env(schema)
    assert env["PGSSLMODE"] == "verify-full"
    mounts = {m["name"]: m["mountPath"] for m in schema["volumeMounts"]}
    assert env["PGSSLROOTCERT"] == f"{mounts['ca']}/ca.crt"
    volumes = {v["name"]: v for v in _pod(job)["volumes"]}
    assert volumes["ca"]["secret"]["secretName"] == "acme-id-db-ca"
    assert volumes["ca"]["secret"]["items"] == [{"key": "ca.crt", "path": "ca.crt"}]
    with pytest.raises(ValueError, match="ssl_mode 'disable'"):
        _record(ca=SecretKey("acme-id-db-ca", "ca.crt"), ssl_mode="disable")


def test_restricted_pod_security_and_bounded_resources_on_every_container() -> None:
    job = _job(_record())
    pod = _pod(job)
    assert pod["automountServiceAccountToken"] is False
    assert pod["restartPolicy"] == "Never"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    for name, container in _containers(job).items():
        security = container["securityContext"]
        assert security["runAsNonRoot"] is True, name
        assert security["runAsUser"] != 0, name
        assert security["readOnlyRootFilesystem"] is True, name
        assert security["allowPrivilegeEscalation"] is False, name
        assert security["capabilities"] == {"drop": ["ALL"]}, name
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}, name
        resources = container["resources"]
        for kind in ("requests", "limits"):
            assert set(resources[kind]) == {"cpu", "memory"}, (name, kind)


def test_the_job_is_awaited_fails_fast_and_cleans_up() -> None:
    registrations = _record()
    job = _job(registrations)
    spec = job.inputs["spec"]
    assert 0 < spec["backoffLimit"] <= 3
    assert spec["ttlSecondsAfterFinished"] > 0
    assert spec["activeDeadlineSeconds"] > 0
    # Pulumi must wait for completion: nothing turns its await off
    annotations = job.inputs["metadata"].get("annotations") or {}
    assert "pulumi.com/skipAwait" not in annotations
    # a half-created schema or invalid input fails the Job at once
    [verdicts, disruption] = spec["podFailurePolicy"]["rules"]
    assert verdicts["action"] == "FailJob"
    assert verdicts["onExitCodes"] == {
        "containerName": "schema",
        "operator": "In",
        "values": [2, postgres.HALF_CREATED_STATUS],
    }
    assert disruption["action"] == "Ignore"


def test_a_resource_depending_on_the_component_waits_for_the_job() -> None:
    registrations = _record(dependent=True)
    job = _job(registrations)
    (deployment,) = of_type(registrations, "kubernetes:apps/v1:Deployment")
    assert job.urn in deployment.dependencies
    # the Job waits for its script
    (config_map,) = of_type(registrations, CONFIG_MAP)
    assert config_map.urn in job.dependencies


def test_children_are_in_the_writer_regions_cluster_and_namespace() -> None:
    registrations = _record(egress=(EgressRule(port=5432, cidrs=("10.1.0.0/16",)),))
    (component,) = of_type(registrations, "regionkit:data:SchemaJob")
    assert component.inputs == {"region": "eu-west"}
    (provider,) = of_type(registrations, "pulumi:providers:kubernetes")
    children = [r for r in registrations if r.type.startswith("kubernetes:")]
    assert {r.type for r in children} == {
        JOB,
        CONFIG_MAP,
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    }
    for child in children:
        assert child.parent == component.urn
        assert child.provider and child.provider.startswith(provider.urn)
        assert child.inputs["metadata"]["namespace"] == "idsvr"
        assert region_of(registrations, child) == "eu-west"
        assert child.name.startswith("acme-id-accounts-eu-west-schema")


def test_egress_is_dns_and_the_stores_rules_for_the_jobs_pods_only() -> None:
    registrations = _record(egress=(EgressRule(port=5432, cidrs=("10.1.0.0/16",)),))
    (policy,) = of_type(registrations, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
    spec = policy.inputs["spec"]
    assert spec["policyTypes"] == ["Egress"]
    assert (
        spec["podSelector"]["matchLabels"]
        == _job(registrations).inputs["spec"]["template"]["metadata"]["labels"]
    )
    dns, store = spec["egress"]
    assert sorted(p["protocol"] for p in dns["ports"]) == ["TCP", "UDP"]
    assert store["to"] == [{"ipBlock": {"cidr": "10.1.0.0/16"}}]
    assert store["ports"] == [{"protocol": "TCP", "port": 5432}]
    assert policy.urn in _job(registrations).dependencies
    # without rules the namespace's own policies decide; no policy is made
    assert not of_type(_record(), "kubernetes:networking.k8s.io/v1:NetworkPolicy")


def test_a_new_image_makes_a_new_job_and_the_same_inputs_the_same_one() -> None:
    first = _job(_record()).inputs["metadata"]["name"]
    assert first == _job(_record()).inputs["metadata"]["name"]
    assert first.startswith("acme-id-accounts-schema-") and len(first) <= 63
    upgraded = _job(_record(idsvr_image="curity.azurecr.io/curity/idsvr:11.3")).inputs
    assert upgraded["metadata"]["name"] != first
    # the ConfigMap follows the job version, so a running old job keeps its script
    assert (
        upgraded["spec"]["template"]["spec"]["volumes"][1]["configMap"]["name"]
        == upgraded["metadata"]["name"]
    )
    # the endpoint is not part of the name: a new endpoint changes the spec, not the version
    moved = _record(jdbc_url="jdbc:postgresql://elsewhere:5432/idsvr")
    assert _job(moved).inputs["metadata"]["name"] == first


def test_the_digest_follows_the_script_and_options() -> None:
    args = _args(NO_PROVIDER)
    base = schema_digest(args, "script")
    assert schema_digest(args, "script v2") != base
    assert schema_digest(replace(args, upgrade=False), "script") != base
    assert schema_digest(replace(args, psql_image="postgres:18.1-bookworm"), "script") != base
    assert schema_digest(replace(args, namespace="other"), "script") == base
    with_admin = replace(args, admin=ADMIN, runtime_role="idsvr_runtime")
    audited = replace(with_admin, admin=replace(ADMIN, extensions=("pgaudit",)))
    assert schema_digest(audited, "script") != schema_digest(with_admin, "script")


@pytest.mark.parametrize("name", ["Acme", "acme_id", "-acme", "a" * 53])
def test_an_invalid_kubernetes_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="schema job name"):
        job_names(_args(NO_PROVIDER), name, "script")


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("curity.azurecr.io/curity/idsvr:11.2", True),
        ("curity.azurecr.io/curity/idsvr:11.0.1", True),
        ("curity.azurecr.io/curity/idsvr:10.7.1", False),
        ("registry.local:5000/idsvr:9.6-slim", False),
        ("curity.azurecr.io/curity/idsvr@sha256:" + "a" * 64, True),
    ],
)
def test_liquibase_is_known_from_the_image_tag(image: str, expected: bool) -> None:
    assert postgres.has_liquibase(image) is expected


def test_every_object_is_a_valid_kubernetes_manifest() -> None:
    registrations = _record(
        egress=(EgressRule(port=5432, cidrs=("10.1.0.0/16",)),),
        ca=SecretKey("acme-id-db-ca", "ca.crt"),
    )
    objects = [r for r in registrations if r.type.startswith("kubernetes:")]
    assert len(objects) == 3
    for registration in objects:
        kubernetes_validate.validate(registration.inputs, KUBERNETES_VERSION, strict=True)
