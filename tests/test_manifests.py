"""Every Kubernetes manifest a plan writes is a valid object.

Core kinds are checked with `kubernetes-validate` (strict: unknown fields are errors); the
custom resources regionkit writes against the CRD schemas vendored in tests/schemas/.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import kubernetes_validate.utils
import pytest
import yaml
from referencing import Registry, Resource

from regionkit.plan import mock_outputs
from regionkit.plan.manifests import api_version_of, kube_objects, manifests, to_yaml
from regionkit.plan.model import TYPE_SECRET_FIELDS
from regionkit.plan.render import write_outputs
from tests import plan_sample
from tests.conftest import example_stacks
from tests.example_plans import example_plan

# kubernetes-validate reads and parses its schema files on every call, the definitions (several
# megabytes) included: most of this file's time. They do not change while the tests run.
kubernetes_validate.utils.schema_contents = functools.cache(  # type: ignore[method-assign]
    kubernetes_validate.utils.schema_contents
)

#: the oldest Kubernetes minor version the manifests must be valid for (EKS/GKE standard support)
K8S_VERSION = "1.33"
SCHEMAS = Path(__file__).parent / "schemas"
CRD_SCHEMAS = {
    ("gateway.networking.k8s.io/v1", "Gateway"): "gateway.networking.k8s.io_v1_Gateway.json",
    ("gateway.networking.k8s.io/v1", "HTTPRoute"): "gateway.networking.k8s.io_v1_HTTPRoute.json",
    (
        "gateway.networking.k8s.io/v1",
        "GatewayClass",
    ): "gateway.networking.k8s.io_v1_GatewayClass.json",
    ("gateway.k8s.aws/v1", "LoadBalancerConfiguration"): (
        "gateway.k8s.aws_v1_LoadBalancerConfiguration.json"
    ),
    ("gateway.k8s.aws/v1", "TargetGroupConfiguration"): (
        "gateway.k8s.aws_v1_TargetGroupConfiguration.json"
    ),
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "monitoring.coreos.com_v1_ServiceMonitor.json",
    ("networking.gke.io/v1", "HealthCheckPolicy"): "networking.gke.io_v1_HealthCheckPolicy.json",
    ("cert-manager.io/v1", "Certificate"): "cert-manager.io_v1_Certificate.json",
    ("postgresql.cnpg.io/v1", "Cluster"): "postgresql.cnpg.io_v1_Cluster.json",
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): "postgresql.cnpg.io_v1_ScheduledBackup.json",
}


def _strict(node: Any) -> Any:
    """The API server's strict field validation: unknown fields are errors."""
    if isinstance(node, dict):
        out = {k: _strict(v) for k, v in node.items()}
        if (
            "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


@functools.cache
def _core_definitions() -> Resource:
    folder = f"v{K8S_VERSION}.0-local-strict"
    path = (
        resources.files("kubernetes_validate")
        / "kubernetes-json-schema"
        / folder
        / "_definitions.json"
    )
    return Resource.from_contents(json.loads(path.read_text()))


@functools.cache
def _crd_validator(key: tuple[str, str]) -> jsonschema.Draft202012Validator:
    schema = _strict(json.loads((SCHEMAS / CRD_SCHEMAS[key]).read_text()))
    registry: Registry = _core_definitions() @ Registry()
    return jsonschema.Draft202012Validator(schema, registry=registry)


def validate_manifest(manifest: dict[str, Any]) -> None:
    """Raise AssertionError naming every problem of `manifest`."""
    key = (manifest["apiVersion"], manifest["kind"])
    where = f"{key[1]} {manifest['metadata'].get('name')}"
    if key in CRD_SCHEMAS:
        errors = sorted(_crd_validator(key).iter_errors(manifest), key=lambda e: list(e.path))
        if errors:
            detail = "; ".join(
                f"{'.'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in errors
            )
            raise AssertionError(f"{where}: {detail}")
        return
    group = key[0].split("/")[0] if "/" in key[0] else ""
    if "." in group and not group.endswith(".k8s.io"):
        raise AssertionError(f"{where}: no vendored schema for {key}; add one to tests/schemas/")
    try:
        kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = ".".join(str(p) for p in exc.path)
        raise AssertionError(f"{where}: {path}: {exc.message}") from None


@pytest.fixture(scope="module")
def plan() -> dict:
    return plan_sample.plan()


def test_every_manifest_of_the_sample_is_valid(plan: dict) -> None:
    objects = manifests(plan)
    kinds = {m["kind"] for m in objects.values()}
    assert {"Deployment", "Secret", "Gateway", "HTTPRoute", "ServiceMonitor", "Cluster"} <= kinds
    for manifest in objects.values():
        validate_manifest(manifest)


@pytest.mark.parametrize(
    ("kind", "mutate"),
    [
        ("Deployment", lambda m: m["spec"].update(replica=3)),
        ("Deployment", lambda m: m["spec"].update(replicas="two")),
        ("Gateway", lambda m: m["spec"].pop("listeners")),
        ("HTTPRoute", lambda m: m["spec"]["rules"][0].update(backendRef=[])),
        ("HTTPRoute", lambda m: m["spec"]["rules"][0]["timeouts"].update(request="30 seconds")),
        ("ServiceMonitor", lambda m: m["spec"]["endpoints"][0].update(interval="often")),
        ("Cluster", lambda m: m["spec"].update(instances=0)),
        ("Cluster", lambda m: m["spec"]["storage"].update(sizee="1Gi")),
        ("Secret", lambda m: m["metadata"].update(labels={"a": 1})),
    ],
)
def test_invalid_manifests_are_rejected(plan: dict, kind: str, mutate: Any) -> None:
    manifest = copy.deepcopy(next(m for m in manifests(plan).values() if m["kind"] == kind))
    validate_manifest(manifest)
    mutate(manifest)
    with pytest.raises(AssertionError):
        validate_manifest(manifest)


def test_an_unknown_custom_resource_needs_a_vendored_schema() -> None:
    with pytest.raises(AssertionError, match="no vendored schema"):
        validate_manifest(
            {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
        )


def test_files_are_named_by_region_kind_and_name(plan: dict) -> None:
    keys = set(manifests(plan))
    assert ("us-east", "deployment-idsvr-runtime.yaml") in keys
    assert ("eu-west", "cluster-idsvr-db.yaml") in keys
    assert ("us-east", "namespace-idsvr.yaml") in keys
    assert ("us-east", "httproute-idsvr.yaml") in keys
    # components, providers and cloud resources are not Kubernetes objects
    assert not any("provider" in name or "aurora" in name or "workload" in name for _, name in keys)
    assert len(keys) == 2 * 14


def test_core_group_api_version_and_custom_resources() -> None:
    assert api_version_of("kubernetes:core/v1:Secret") == ("v1", "Secret")
    assert api_version_of("kubernetes:networking.k8s.io/v1:NetworkPolicy") == (
        "networking.k8s.io/v1",
        "NetworkPolicy",
    )


def test_manifest_text_notes_redactions_and_autonaming(plan: dict) -> None:
    objects = {(o.region_dir, o.filename): o for o in kube_objects(plan)}
    secret = objects[("us-east", "secret-idsvr-plain.yaml")]
    assert secret.redacted == ("data", "stringData")
    assert "data" not in secret.manifest and "stringData" not in secret.manifest
    text = to_yaml(secret)
    assert "# stringData: redacted (secret values never appear in a plan)" in text
    assert text.splitlines()[0] == f"# regionkit plan: {secret.urn}"
    assert yaml.safe_load(text) == secret.manifest
    extra = objects[("us-east", "namespace-acme-id-us-east-ns-extra.yaml")]
    assert extra.autonamed
    assert "Pulumi appends a random suffix" in to_yaml(extra)
    config = to_yaml(objects[("us-east", "configmap-idsvr-config.yaml")])
    assert "config.xml: |" in config  # multi-line values as literal blocks


def _resource(kind: str, name: str, namespace: str | None, region: str = "home") -> dict:
    metadata = {"name": name} | ({"namespace": namespace} if namespace else {})
    type_ = f"kubernetes:core/v1:{kind}"
    return {
        "urn": f"urn:pulumi:s::p::{type_}::{name}-{namespace}",
        "type": type_,
        "name": f"{name}-{namespace}",
        "parent": None,
        "region": region,
        "custom": True,
        "inputs": {"apiVersion": "v1", "kind": kind, "metadata": metadata},
    }


def test_same_name_in_two_namespaces_is_told_apart_by_namespace() -> None:
    plan = {
        "resources": [
            _resource("ConfigMap", "settings", "a"),
            _resource("ConfigMap", "settings", "b"),
            _resource("ConfigMap", "other", "a"),
            _resource("ConfigMap", "settings", "a", region=None),  # type: ignore[arg-type]
        ]
    }
    assert set(manifests(plan)) == {
        ("home", "configmap-a-settings.yaml"),
        ("home", "configmap-b-settings.yaml"),
        ("home", "configmap-other.yaml"),
        ("_global", "configmap-settings.yaml"),
    }


def test_helm_releases_patches_and_components_are_not_written() -> None:
    release = {
        "urn": "urn:pulumi:s::p::kubernetes:helm.sh/v3:Release::gw",
        "type": "kubernetes:helm.sh/v3:Release",
        "name": "gw",
        "parent": None,
        "region": "home",
        "custom": True,
        "inputs": {"chart": "envoy-gateway", "values": {}},
    }
    patch = {**release, "type": "kubernetes:core/v1:ConfigMapPatch", "urn": "urn:x::ConfigMapPatch"}
    group = {
        **release,
        "type": "kubernetes:yaml/v2:ConfigGroup",
        "urn": "urn:x::g",
        "custom": False,
    }
    assert manifests({"resources": [release, patch, group]}) == {}


def _has_program() -> bool:
    return importlib.util.find_spec("regionkit.program") is not None


@pytest.mark.parametrize("stack", example_stacks(), ids=lambda p: p.stem)
def test_every_manifest_of_every_example_stack_is_valid(stack: Path, tmp_path: Path) -> None:
    if not _has_program():
        pytest.skip("regionkit.program (the stack program) does not exist yet")
    try:
        plan = example_plan(stack)
    except Exception as exc:  # its traceback runs through the whole program: too long to read
        pytest.fail(f"{stack.name}: planning failed: {type(exc).__name__}: {exc}", pytrace=False)
    written = write_outputs(plan, tmp_path)
    files = [p for p in written if p.suffix == ".yaml"]
    assert files, f"{stack.name}: the plan wrote no Kubernetes manifest"
    identities = set()
    for path in files:
        region = path.parent.name
        assert region in {r["id"] for r in plan["regions"]} | {"_global"}, path
        # libyaml's loader: the pure-Python one took half of this test on a large stack
        manifest = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
        validate_manifest(manifest)
        meta = manifest["metadata"]
        identity = (
            region,
            manifest["apiVersion"],
            manifest["kind"],
            meta.get("namespace"),
            meta["name"],
        )
        assert identity not in identities, f"{stack.name}: {identity} is written twice"
        identities.add(identity)
    texts = [p.read_text() for p in written]
    secrets = _mock_secrets(plan)
    assert secrets, f"{stack.name}: no secret value to look for"
    for secret in secrets:
        assert not any(secret in text for text in texts), f"{stack.name}: a secret value leaked"


def _mock_secrets(plan: dict) -> list[str]:
    """The secret outputs the plan's mocks computed for the stack's keys and passwords."""
    values = []
    for resource in plan["resources"]:
        fields = TYPE_SECRET_FIELDS.get(resource["type"], ())
        outputs = mock_outputs.outputs_for(resource["type"], resource["name"], resource["inputs"])
        values += [str(outputs[f]) for f in fields if isinstance(outputs.get(f), str)]
    return [v for v in values if len(v) >= 8]
