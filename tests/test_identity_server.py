"""The identity server of one region, built for stacks/dev.yaml under mocks."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

import pulumi
import pytest

from regionkit.catalog import idsvr
from regionkit.components import curity_config as cc
from regionkit.components.data.external import External
from regionkit.components.facts import ConnectionKind, IrsaRole, WorkloadIdentity
from regionkit.components.idsvr_pods import config_files, cpu_quantity, millicores
from regionkit.components.platform import platform_for
from regionkit.components.protocols import DataConnection, StoreArgs
from regionkit.model import StoreGroup
from regionkit.plan.recorder import SECRET, RecordingMonitor, record
from regionkit.spec.models import Engine, RegionSpec, Scope
from tests.example_plans import example_plan
from tests.idsvr_fixtures import (
    build,
    cnpg_connection,
    dev_deployment,
    example_config,
    of_type,
    one,
    two_region_deployment,
)
from tests.test_manifests import validate_manifest

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SECRET_TYPE = "kubernetes:core/v1:Secret"


@pytest.fixture(scope="module")
def dev() -> list[Any]:
    registrations, _ = build()
    return registrations


def _pod(registrations: list[Any], name: str) -> dict[str, Any]:
    return one(registrations, DEPLOYMENT, name).inputs["spec"]["template"]


def _container(registrations: list[Any], name: str) -> dict[str, Any]:
    (container,) = _pod(registrations, name)["spec"]["containers"]
    return container


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def test_one_region_registers_the_whole_workload(dev: list[Any]) -> None:
    counts = Counter(r.type for r in dev)
    assert counts["regionkit:idsvr:IdentityServer"] == 1
    assert counts[DEPLOYMENT] == 2
    assert counts["kubernetes:core/v1:Service"] == 2
    assert counts["kubernetes:core/v1:Namespace"] == 1
    assert counts["kubernetes:core/v1:ConfigMap"] == 1
    assert counts["kubernetes:autoscaling/v2:HorizontalPodAutoscaler"] == 1
    assert counts["kubernetes:policy/v1:PodDisruptionBudget"] == 1
    assert counts["kubernetes:batch/v1:Job"] == 1
    assert counts["kubernetes:gateway.networking.k8s.io/v1:Gateway"] == 1
    assert counts["kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"] == 1
    # no ServiceMonitor unless asked for
    assert counts["kubernetes:monitoring.coreos.com/v1:ServiceMonitor"] == 0


def test_every_child_uses_the_region_provider_and_component(dev: list[Any]) -> None:
    (server,) = of_type(dev, "regionkit:idsvr:IdentityServer")
    assert server.inputs == {"region": "home"}
    kube = [r for r in dev if r.type.startswith("kubernetes:")]
    assert kube and all(r.provider for r in kube)
    assert {r.provider.split("::")[-2] for r in kube if r.provider} == {"acme-id-platform-home"}
    # the cluster's add-ons are the platform's; everything else the identity server's
    workload = [r for r in kube if "regionkit:platform:ExistingCluster" not in (r.parent or "")]
    assert workload and all(
        r.parent and "regionkit:idsvr:IdentityServer" in r.parent for r in workload
    )


#: the children IdentityServer is composed of (the Gateway had a component of its own before)
CHILD_COMPONENTS = {
    "regionkit:idsvr:Workload": 8,
    "regionkit:idsvr:NetworkPolicies": 8,
    "regionkit:idsvr:ClusterConfig": 5,
    "regionkit:keys:RegionKeys": 1,
}


def test_identity_server_is_composed_of_child_components(dev: list[Any]) -> None:
    (server,) = of_type(dev, "regionkit:idsvr:IdentityServer")
    by_urn = {r.urn: r for r in dev}
    children = Counter(by_urn[r.parent].type for r in dev if r.custom and r.parent in by_urn)
    for token, count in CHILD_COMPONENTS.items():
        (component,) = of_type(dev, token)
        assert component.parent == server.urn
        # the ServiceMonitor is off: the Workload has 8 objects
        assert children[token] == count, token
    assert children["regionkit:idsvr:IdentityServer"] == 1  # the namespace stays its own


def _alias_urn(monitor: RecordingMonitor, request: Any, alias: Any) -> str:
    """The full URN of one alias: the SDK sends a URN, or a spec of what differs."""
    if alias.WhichOneof("alias") == "urn":
        return str(alias.urn)
    spec = alias.spec
    parent = "" if spec.noParent else (spec.parentUrn or request.parent)
    return str(monitor.make_urn(parent, spec.type or request.type, spec.name or request.name))


@pytest.fixture(scope="module")
def dev_aliases() -> tuple[list[Any], dict[str, tuple[str, ...]]]:
    """The dev registrations, and the alias URNs each was registered with (by URN)."""
    aliases: dict[str, tuple[str, ...]] = {}
    register = RecordingMonitor.RegisterResource

    def spy(monitor: RecordingMonitor, request: Any) -> Any:
        response = register(monitor, request)
        aliases[response.urn] = tuple(_alias_urn(monitor, request, a) for a in request.aliases)
        return response

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RecordingMonitor, "RegisterResource", spy)
        registrations, _ = build()
    return registrations, aliases


def test_objects_that_moved_into_children_keep_their_urns(
    dev_aliases: tuple[list[Any], dict[str, tuple[str, ...]]],
) -> None:
    """An alias to IdentityServer keeps each moved object's URN: existing stacks keep them."""
    dev, aliases = dev_aliases
    (server,) = of_type(dev, "regionkit:idsvr:IdentityServer")
    by_urn = {r.urn: r for r in dev}
    moved = [r for r in dev if r.custom and by_urn[r.parent].type in CHILD_COMPONENTS]
    assert len(moved) == sum(CHILD_COMPONENTS.values())
    server_type = server.urn.split("::")[2].split("$")[-1]
    for reg in moved:
        before = f"urn:pulumi:dev::acme-id::{server_type}${reg.type}::{reg.name}"
        # (the Kubernetes SDK adds aliases of its own for renamed API versions)
        assert before in aliases[reg.urn], reg.name
        assert before not in by_urn
    # the namespace stayed where it was: no alias to another parent
    (namespace,) = of_type(dev, "kubernetes:core/v1:Namespace")
    assert namespace.parent == server.urn
    assert all(f"{server_type}$" in a for a in aliases[namespace.urn])


def test_admin_node_and_autoscaled_runtime_nodes(dev: list[Any]) -> None:
    admin = one(dev, DEPLOYMENT, "idsvr-admin").inputs["spec"]
    runtime = one(dev, DEPLOYMENT, "idsvr-runtime").inputs["spec"]
    assert admin["replicas"] == 1 and admin["strategy"]["type"] == "Recreate"
    assert runtime["replicas"] == 2  # runtime.minNodes of dev.yaml
    assert _container(dev, "idsvr-admin")["args"][-4:] == ["admin", "-N", "idsvr-admin", "--admin"]
    assert _container(dev, "idsvr-runtime")["args"][-3:] == ["-s", "default", "--no-admin"]

    hpa = of_type(dev, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")[0].inputs["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 4)
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "idsvr-runtime",
    }
    (metric,) = hpa["metrics"]
    assert metric["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}
    pdb = of_type(dev, "kubernetes:policy/v1:PodDisruptionBudget")[0].inputs["spec"]
    assert pdb["maxUnavailable"] == 1
    assert pdb["selector"]["matchLabels"]["app.kubernetes.io/component"] == "runtime"


def test_ports_and_services(dev: list[Any]) -> None:
    def ports(container: dict[str, Any]) -> set[int]:
        return {p["containerPort"] for p in container["ports"]}

    assert ports(_container(dev, "idsvr-admin")) == {6749, 6789, 6790, 4465, 4466}
    assert ports(_container(dev, "idsvr-runtime")) == {8443, 4465, 4466}
    services = {
        r.inputs["metadata"]["name"]: {p["port"] for p in r.inputs["spec"]["ports"]}
        for r in of_type(dev, "kubernetes:core/v1:Service")
    }
    assert services == {
        "idsvr-admin": {6749, 6789, 6790, 4465, 4466},
        "idsvr-runtime": {8443, 4465, 4466},
    }


def test_probes_on_the_status_port_with_vendor_timing(dev: list[Any]) -> None:
    runtime = _container(dev, "idsvr-runtime")
    assert runtime["livenessProbe"]["httpGet"] == {"path": "/", "port": "status"}
    assert runtime["readinessProbe"]["httpGet"] == {"path": "/serving", "port": "status"}
    for probe in (runtime["livenessProbe"], runtime["readinessProbe"]):
        assert probe["initialDelaySeconds"] == 30
        assert probe["periodSeconds"] == 10
        assert probe["timeoutSeconds"] == 1
        assert probe["failureThreshold"] == 3
    assert runtime["readinessProbe"]["successThreshold"] == 3
    assert runtime["livenessProbe"]["successThreshold"] == 1
    assert {p["containerPort"] for p in runtime["ports"] if p["name"] == "status"} == {4465}
    # the admin node runs no runtime service role, so it readies on "configured"
    admin = _container(dev, "idsvr-admin")
    assert admin["readinessProbe"]["httpGet"]["path"] == "/"


def test_resources_derive_limits_from_requests(dev: list[Any]) -> None:
    resources = _container(dev, "idsvr-runtime")["resources"]
    assert resources["requests"] == {"cpu": "1", "memory": "2Gi"}
    assert resources["limits"] == {"cpu": "2", "memory": "2Gi"}
    assert millicores("500m") == 500 and millicores("1.5") == 1500
    assert cpu_quantity(2 * millicores("750m")) == "1500m"


def test_restricted_pod_security(dev: list[Any]) -> None:
    (namespace,) = of_type(dev, "kubernetes:core/v1:Namespace")
    labels = namespace.inputs["metadata"]["labels"]
    assert namespace.inputs["metadata"]["name"] == "acme-id"
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    for name in ("idsvr-admin", "idsvr-runtime"):
        pod = _pod(dev, name)["spec"]
        assert pod["securityContext"] == {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "runAsGroup": 10000,
            "fsGroup": 10000,
            "seccompProfile": {"type": "RuntimeDefault"},
        }
        assert pod["automountServiceAccountToken"] is False
        for container in [*pod["containers"], *pod["initContainers"]]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert context["runAsNonRoot"] is True
        mounts = {m["mountPath"]: m["name"] for m in pod["containers"][0]["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        for path in ("/opt/idsvr/etc/init", "/opt/idsvr/var", "/tmp"):
            assert "emptyDir" in volumes[mounts[path]], path
        spread = {c["topologyKey"] for c in pod["topologySpreadConstraints"]}
        assert "topology.kubernetes.io/zone" in spread


def test_prometheus_annotations(dev: list[Any]) -> None:
    annotations = _pod(dev, "idsvr-runtime")["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == "4466"
    assert annotations["prometheus.io/path"] == "/metrics"


def test_environment_of_the_nodes(dev: list[Any]) -> None:
    runtime, admin = _env(_container(dev, "idsvr-runtime")), _env(_container(dev, "idsvr-admin"))
    assert runtime["JAVA_OPTS"] == "-XX:MaxRAMPercentage=75.0"
    assert runtime["STATUS_CMD_PORT"] == "4465"
    assert runtime["CONFIG_ENCRYPTION_KEY"] == {
        "secretKeyRef": {"name": "idsvr-keys", "key": "CONFIG_ENCRYPTION_KEY"}
    }
    assert runtime["IDSVR_BASE_URL"] == "https://login.dev.example.com"
    assert runtime["ISSUER"] == "https://login.dev.example.com"
    assert "PASSWORD" not in runtime
    assert admin["PASSWORD"] == {"secretKeyRef": {"name": "idsvr-keys", "key": "ADMIN_PASSWORD"}}
    # the cnpg store: plain URL, user and password from the keys Secret, driver added
    assert runtime["DS_TOKENS_ACCOUNTS_JDBC_URL"].startswith("jdbc:postgresql://")
    assert runtime["DS_TOKENS_ACCOUNTS_JDBC_DRIVER"] == "org.postgresql.Driver"
    assert runtime["DS_TOKENS_ACCOUNTS_DB_PASSWORD"] == {
        "secretKeyRef": {"name": "idsvr-keys", "key": "DS_TOKENS_ACCOUNTS_DB_PASSWORD"}
    }
    # the external store: its existing Secret, under the data source's prefix
    assert _container(dev, "idsvr-runtime")["envFrom"] == [
        {"prefix": "DS_AUDIT_", "secretRef": {"name": "idsvr-audit-db"}}
    ]


def test_secrets_never_appear_in_the_plan(dev: list[Any]) -> None:
    keys = one(dev, SECRET_TYPE, "idsvr-keys")
    assert keys.inputs["stringData"] == SECRET
    plan = json.dumps([r.inputs for r in dev])
    assert "not-a-real-password" not in plan
    assert "BEGIN PRIVATE KEY" not in plan


def test_service_account_carries_the_data_stores_identity(dev: list[Any]) -> None:
    account = one(dev, "kubernetes:core/v1:ServiceAccount", "idsvr")
    assert account.inputs["metadata"]["annotations"] == {
        "iam.gke.io/gcp-service-account": "idsvr@acme-prod.iam.gserviceaccount.com"
    }
    assert account.inputs["automountServiceAccountToken"] is False


def test_startup_configuration_is_the_users_files_plus_generated_xml(dev: list[Any]) -> None:
    (config_map,) = of_type(dev, "kubernetes:core/v1:ConfigMap")
    data = config_map.inputs["data"]
    assert set(data) == set(example_config()) | {idsvr.ENVIRONMENT_FILE, idsvr.DATA_SOURCES_FILE}
    for text in data.values():
        ET.fromstring(text)  # well-formed
    sources = ET.fromstring(data[idsvr.DATA_SOURCES_FILE])
    ids = [e.text for e in sources.iter(f"{{{cc.NS_BASE}}}id")]
    assert ids == ["audit", "tokens-accounts"]
    jdbc = sources.find(f".//{{{cc.NS_JDBC}}}connection-string")
    assert jdbc is not None and jdbc.text == "#{DS_AUDIT_JDBC_URL}"
    env = ET.fromstring(data[idsvr.ENVIRONMENT_FILE])
    key = env.find(f".//{{{cc.NS_BASE}}}symmetric-key")
    assert key is not None and key.text == "#{SSO_COOKIE_KEY}"
    # the init container copies every file and the cluster.xml, and builds the signing key
    (prepare,) = _pod(dev, "idsvr-runtime")["spec"]["initContainers"]
    script = prepare["command"][-1]
    for name in data:
        assert f"/run/regionkit/config/{name} /run/regionkit/init/{name}" in script
    assert "cluster.xml" in script and "convertks" in script
    assert "<id>regionkit-signing-key</id>" in script


def test_config_hash_changes_when_a_config_file_changes() -> None:
    def hashes(config: dict[str, str]) -> tuple[str, str]:
        registrations, _ = build(config=config)
        return tuple(  # type: ignore[return-value]
            _pod(registrations, n)["metadata"]["annotations"]["regionkit.io/config-hash"]
            for n in ("idsvr-admin", "idsvr-runtime")
        )

    base = example_config()
    changed = {**base, "services.xml": base["services.xml"].replace("<protocol>", " <protocol>")}
    first, again, other = hashes(base), hashes(base), hashes(changed)
    assert first == again
    assert first[0] == first[1]
    assert other[0] != first[0]


def test_secret_hash_annotation_is_a_plain_digest(dev: list[Any]) -> None:
    value = _pod(dev, "idsvr-runtime")["metadata"]["annotations"]["regionkit.io/secret-hash"]
    assert value != SECRET and len(value) == 64


def test_cluster_config_job_and_its_least_privilege(dev: list[Any]) -> None:
    (job,) = of_type(dev, "kubernetes:batch/v1:Job")
    pod = job.inputs["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert "genclust" in container["command"][-1]
    env = _env(container)
    assert env["ADMIN_HOST"] == "idsvr-admin" and env["ADMIN_PORT"] == "6789"
    assert env["SECRET_NAME"] == "idsvr-cluster-config"
    (role,) = of_type(dev, "kubernetes:rbac.authorization.k8s.io/v1:Role")
    assert role.inputs["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["secrets"],
            "resourceNames": ["idsvr-cluster-config"],
            "verbs": ["get", "patch"],
        }
    ]
    cluster = one(dev, SECRET_TYPE, "idsvr-cluster-config")
    assert "data" not in cluster.inputs and "stringData" not in cluster.inputs


def test_kubernetes_objects_are_valid_manifests(dev: list[Any]) -> None:
    objects = [
        r.inputs
        for r in dev
        if r.type.startswith("kubernetes:")
        and r.custom
        and r.type != SECRET_TYPE
        # Helm releases are not objects; the add-ons' own manifests are their charts'
        and "regionkit:platform:ExistingCluster" not in (r.parent or "")
    ]
    assert len(objects) > 20
    for manifest in objects:
        validate_manifest(manifest)


def test_passive_region_endpoint_and_service_monitor() -> None:
    registrations, built = build(passive=True, service_monitor=True)
    endpoint = built["servers"]["home"].endpoint
    assert endpoint.role == "secondary"
    (monitor,) = of_type(registrations, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor")
    assert monitor.inputs["spec"]["endpoints"][0]["port"] == "metrics"
    validate_manifest(monitor.inputs)


def test_invalid_configuration_fails_with_a_clear_message() -> None:
    # `regionkit validate` rejects both (checks/config.py); a caller that skips it gets an error
    with pytest.raises(ValueError, match="not a startup file name"):
        build(config={"cluster.xml": "<config/>"})
    with pytest.raises(ValueError, match="not a startup file name"):
        build(config={"../etc/passwd": "x"})
    assert [f.key for f in config_files({"license/license.json": "{}"})] == [
        "license__license.json"
    ]


def test_a_jdbc_connection_without_credentials_is_rejected() -> None:
    def incomplete() -> tuple[DataConnection, ...]:
        return (
            DataConnection(
                engine=Engine.CNPG,
                data_classes=("tokens",),
                data_source_id="tokens",
                env={"JDBC_URL": "jdbc:postgresql://db/idsvr"},
            ),
        )

    with pytest.raises(ValueError, match="'tokens' \\(cnpg\\) has no DB_PASSWORD, DB_USERNAME"):
        build(dev_deployment(), extra=incomplete)


def test_conflicting_service_account_annotations_are_rejected() -> None:
    def twice() -> tuple[DataConnection, ...]:
        first = cnpg_connection()
        second = DataConnection(
            engine=Engine.DYNAMODB,
            data_classes=("audit",),
            data_source_id="other",
            env={"DYNAMODB_REGION": "eu-west-1"},
            kind=ConnectionKind.DYNAMODB,
            identity=WorkloadIdentity("someone-else@acme-prod.iam.gserviceaccount.com"),
        )
        return (first, second)

    with pytest.raises(ValueError, match="more than once"):
        build(dev_deployment(), extra=twice)


# --- platform ----------------------------------------------------------------------------------


def test_platform_for_picks_the_existing_cluster_then_the_cloud() -> None:
    existing = RegionSpec.model_validate(
        {
            "id": "ex",
            "cloud": "aws",
            "location": "eu-west-1",
            "jurisdiction": "SE",
            "cluster": {"kubeconfigContext": "ctx", "gatewayClass": "eg"},
        }
    )
    assert platform_for(existing).__name__ == "ExistingCluster"
    aws = RegionSpec.model_validate(
        {"id": "eks", "cloud": "aws", "location": "eu-west-1", "jurisdiction": "SE"}
    )
    gcp = RegionSpec.model_validate(
        {"id": "gke", "cloud": "gcp", "location": "europe-north1", "jurisdiction": "FI"}
    )
    assert platform_for(aws).__name__ == "EksPlatform"
    assert platform_for(gcp).__name__ == "GkePlatform"


def test_existing_cluster_providers() -> None:
    registrations, built = build(two_region_deployment())
    providers = {r.name: r.inputs for r in registrations if r.type.startswith("pulumi:providers:")}
    assert providers["acme-id-platform-one"] == {"context": "one", "enableServerSideApply": "true"}
    assert providers["acme-id-platform-two"]["context"] == "two"
    # an aws region on an existing cluster also gets the AWS provider of its region
    assert providers["acme-id-platform-two-aws"]["region"] == "eu-west-1"
    assert "acme-id-platform-one-aws" not in providers
    platforms = built["platforms"]
    assert platforms["one"].cloud_provider is None
    assert platforms["two"].gateway_address_kind == "hostname"
    components = [r for r in registrations if r.type == "regionkit:platform:ExistingCluster"]
    assert sorted(r.inputs["region"] for r in components) == ["one", "two"]


# --- external data store -----------------------------------------------------------------------


def test_external_store_wires_the_existing_secret() -> None:
    deployment = dev_deployment()
    group = StoreGroup(
        engine=Engine.EXTERNAL,
        scope=Scope.REGION,
        data_classes=("audit",),
        placements=(("home",),),
        writers=("home",),
        secret_name="idsvr-audit-db",
    )
    out: dict[str, Any] = {}

    def program() -> None:
        store = External("audit", StoreArgs(deployment, group, {}), port=5433)
        out["connection"] = store.connection("home")
        with pytest.raises(KeyError, match="not served"):
            store.connection("elsewhere")

    registrations = record(program, project="p", stack="s")
    assert [r.type for r in registrations] == ["regionkit:data:External"]
    connection = out["connection"]
    assert connection.secret_ref == "idsvr-audit-db"
    assert connection.data_source_id == "audit"
    (rule,) = connection.egress
    assert (rule.port, rule.cidrs, rule.pod_selector) == (5433, (), None)

    with pytest.raises(ValueError, match=r"needs connection\.secretName"):
        record(
            lambda: External(
                "x",
                StoreArgs(deployment, StoreGroup(**{**group.__dict__, "secret_name": None}), {}),
            ),
            project="p",
            stack="s",
        )


def test_generated_parameters_are_environment_names() -> None:
    assert cc.parameter("DS_A_JDBC_URL") == "#{DS_A_JDBC_URL}"
    with pytest.raises(ValueError):
        cc.parameter("not-an-env")
    assert cc.data_sources_xml(()) is None
    with pytest.raises(ValueError, match="unique"):
        cc.data_sources_xml(
            [
                DataConnection(Engine.EXTERNAL, ("audit",), "x", secret_ref="s"),
                DataConnection(Engine.EXTERNAL, ("tokens",), "x", secret_ref="t"),
            ]
        )


def test_outputs_for_other_components(dev: list[Any]) -> None:
    out: dict[str, Any] = {}

    def probe(built: dict[str, Any]) -> None:
        server = built["servers"]["home"]
        out["labels"] = server.admin_pod_labels
        out["key"] = server.admin_password_key
        pulumi.Output.all(server.namespace, server.admin_service_name, server.secret_name).apply(
            lambda values: out.update(names=values)
        )

    build(probe=probe)
    assert out["names"] == ["acme-id", "idsvr-admin", "idsvr-keys"]
    assert out["key"] == "ADMIN_PASSWORD"
    assert out["labels"]["app.kubernetes.io/component"] == "admin"


def test_two_stores_may_share_one_node_identity() -> None:
    def shared() -> tuple[DataConnection, ...]:
        role = IrsaRole("arn:aws:iam::123456789012:role/idsvr")
        return (
            DataConnection(
                engine=Engine.DYNAMODB,
                data_classes=("tokens",),
                data_source_id="tokens",
                env={"DYNAMODB_REGION": "eu-west-1", "DYNAMODB_TABLE_PREFIX": "acme-"},
                kind=ConnectionKind.DYNAMODB,
                identity=role,
            ),
            DataConnection(
                engine=Engine.DYNAMODB,
                data_classes=("accounts",),
                data_source_id="accounts",
                env={"DYNAMODB_REGION": "eu-west-1"},
                kind=ConnectionKind.DYNAMODB,
                identity=role,
            ),
        )

    registrations, _ = build(dev_deployment(), extra=shared)
    account = one(registrations, "kubernetes:core/v1:ServiceAccount", "idsvr")
    assert account.inputs["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/idsvr"
    }
    (config_map,) = of_type(registrations, "kubernetes:core/v1:ConfigMap")
    sources = config_map.inputs["data"][idsvr.DATA_SOURCES_FILE]
    assert "#{DS_TOKENS_DYNAMODB_TABLE_PREFIX}" in sources
    assert "#{DS_ACCOUNTS_DYNAMODB_REGION}" in sources
    assert "DS_ACCOUNTS_DYNAMODB_TABLE_PREFIX" not in sources


def test_a_name_that_already_holds_the_region_is_not_doubled(dev: list[Any]) -> None:
    registrations, _ = build(region_in_name=True)
    names = sorted(r.name for r in registrations if r.type.startswith("kubernetes:"))
    assert names == sorted(r.name for r in dev if r.type.startswith("kubernetes:"))
    assert "acme-id-home-admin" in names and not any("home-home" in n for n in names)


def _dynamodb(identity: IrsaRole | None) -> DataConnection:
    return DataConnection(
        engine=Engine.DYNAMODB,
        data_classes=("tokens",),
        data_source_id="tokens",
        env={"DYNAMODB_REGION": "us-east-1", "DYNAMODB_TABLE_PREFIX": "acme-"},
        identity=identity,
        kind=ConnectionKind.DYNAMODB,
    )


def _access_method(xml: str) -> ET.Element:
    root = ET.fromstring(xml)
    (method,) = [e for e in root.iter() if e.tag.endswith("dynamodb-access-method")]
    return method


def test_dynamodb_with_an_irsa_role_reads_it_through_an_aws_profile() -> None:
    xml = cc.data_sources_xml([_dynamodb(IrsaRole("arn:aws:iam::1:role/r"))])
    assert xml is not None
    method = _access_method(xml)
    names = [e.text for e in method.iter() if e.tag.endswith("aws-profile-name")]
    assert names == [cc.IRSA_PROFILE]
    assert not [e for e in method.iter() if e.tag.endswith("ec2-instance-profile")]


def test_dynamodb_without_irsa_uses_the_instance_profile() -> None:
    xml = cc.data_sources_xml([_dynamodb(None)])
    assert xml is not None
    method = _access_method(xml)
    assert [e.text for e in method.iter() if e.tag.endswith("ec2-instance-profile")] == ["true"]


def test_the_init_container_writes_the_irsa_profile_the_nodes_read() -> None:
    from regionkit.components.idsvr_pods import AWS_CONFIG_NAME, prepare_script

    script = prepare_script([])
    assert f"[profile {cc.IRSA_PROFILE}]" in script
    assert "$AWS_ROLE_ARN" in script and "$AWS_WEB_IDENTITY_TOKEN_FILE" in script
    assert script.rstrip().endswith("fi")
    assert f"/{AWS_CONFIG_NAME}" in script


def test_nodes_of_a_dynamodb_stack_on_eks_point_the_sdk_at_the_irsa_profile() -> None:
    from tests.conftest import STACKS

    plan = example_plan(STACKS / "aws-global.yaml")
    deployments = [r for r in plan["resources"] if r["type"] == "kubernetes:apps/v1:Deployment"]
    assert len(deployments) == 6
    for deployment in deployments:
        (container,) = deployment["inputs"]["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["AWS_CONFIG_FILE"] == "/opt/idsvr/etc/init/aws-config"
    accounts = [r for r in plan["resources"] if r["type"] == "kubernetes:core/v1:ServiceAccount"]
    annotated = [
        a
        for a in accounts
        if "eks.amazonaws.com/role-arn" in (a["inputs"]["metadata"].get("annotations") or {})
    ]
    assert len(annotated) == 3  # the nodes' ServiceAccount in each region
