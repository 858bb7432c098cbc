"""The JSON Schema of the stack file agrees with the models on every example stack."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from regionkit.spec.loader import parse_yaml
from regionkit.spec.models import StackSpec
from regionkit.spec.schema import SCHEMA_DIALECT, json_schema

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted(
    [*(ROOT / "stacks").glob("*.yaml"), *(Path(__file__).parent / "fixtures").rglob("*.yaml")]
)


def validator() -> Any:
    return jsonschema.Draft202012Validator(json_schema())


def load(path: Path) -> Any:
    return parse_yaml(path.read_text(), str(path))[0]


def model_accepts(data: Any) -> bool:
    try:
        StackSpec.model_validate(data)
    except ValidationError:
        return False
    return True


def test_schema_header_and_dialect() -> None:
    schema = json_schema()
    assert schema["$schema"] == SCHEMA_DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"]
    jsonschema.Draft202012Validator.check_schema(schema)


def test_keys_are_camel_case_and_unknown_keys_are_closed() -> None:
    schema = json_schema()
    assert {"apiVersion", "identityServer", "subClusters", "configSync"} <= set(
        schema["properties"]
    )
    defs = schema["$defs"]
    assert "allowedCidrs" in defs["AdminSpec"]["properties"]
    assert set(defs["CrossBorder"]["properties"]) == {"from", "to"}
    for name, definition in defs.items():
        if definition.get("type") == "object":
            assert definition["additionalProperties"] is False, name
            assert not any("_" in key for key in definition["properties"]), name


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_schema_accepts_every_example_stack_the_models_accept(path: Path) -> None:
    data = load(path)
    if not model_accepts(data):
        assert "/fixtures/stacks/" not in str(path), "fixture stacks must all load"
        pytest.skip("not a stack file the models accept")
    errors = [e.message for e in validator().iter_errors(data)]
    assert errors == []


def test_there_are_examples() -> None:
    assert ROOT / "stacks" / "dev.yaml" in EXAMPLES
    assert len([p for p in EXAMPLES if "/fixtures/stacks/" in str(p)]) >= 40


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


_DELETE = object()
_ENV_KEYS = {"accessKeyIdEnv": "DC1_KEY_ID", "secretAccessKeyEnv": "DC1_SECRET"}


def test_deployment_settings_are_in_the_schema() -> None:
    data = load(ROOT / "stacks" / "dev.yaml")
    _set(data, "clouds.gcp.project", "acme-prod-1")
    _set(
        data,
        "regions.0.backups",
        {"destinationPath": "s3://dc1-backups/x", "credentials": _ENV_KEYS},
    )
    assert model_accepts(data) and not list(validator().iter_errors(data))
    schema = json_schema()
    assert "clouds" in schema["properties"]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("colour", "blue"),
        ("regions.0.zone", "a"),
        ("identityServer.runtime.min_nodes", 3),
        ("topology", "multi-master"),
        ("name", "Acme_ID"),
        ("regions.0.id", "1st"),
        ("regions.0.jurisdiction", "usa"),
        ("regions.0.cloud", "azure"),
        ("identityServer.runtime.minNodes", "two"),
        ("dns.failoverBudgetSeconds", 0),
        ("dns.hostname", "Login.Example.com"),
        ("data.tokens.engine", "redis"),
        ("data.tokens.connection", {"secretName": "tokens-db"}),
        ("data.audit.connection", _DELETE),
        ("regions.0.cluster", _DELETE),
        ("regions", _DELETE),
        ("topology", "sub-clusters"),
        ("residency.personalData", ["passwords"]),
        ("residency.crossBorder", [{"from": "EU"}]),
        ("apiVersion", "regionkit/v2"),
        ("clouds.gcp.project", "Acme Prod"),
        ("clouds.gcp", {}),
        ("clouds.azure", {"subscription": "x"}),
        ("regions.0.backups", {"destinationPath": "s3://dc1-backups/idsvr"}),
        ("regions.0.backups", {"destinationPath": "/mnt/backups", "credentials": _ENV_KEYS}),
        (
            "regions.0.backups",
            {
                "destinationPath": "s3://dc1-backups",
                "credentials": {"accessKeyId": "AKIA...", "secretAccessKey": "in git"},
            },
        ),
        (
            "regions.0.backups",
            {
                "destinationPath": "s3://dc1-backups",
                "credentials": {"accessKeyIdEnv": "key id", "secretAccessKeyEnv": "SECRET"},
            },
        ),
    ],
)
def test_schema_and_models_reject_the_same_mistakes(path: str, value: Any) -> None:
    data = load(ROOT / "stacks" / "dev.yaml")
    assert model_accepts(data) and not list(validator().iter_errors(data))
    broken = copy.deepcopy(data)
    _set(broken, path, value)
    assert not model_accepts(broken)
    assert list(validator().iter_errors(broken)), f"the schema accepts {path}={value!r}"


def test_sub_clusters_take_regions_inside_each_sub_cluster() -> None:
    data = load(
        Path(__file__).parent / "fixtures" / "stacks" / "keeps-topology-shape-sub-clusters.yaml"
    )
    assert not list(validator().iter_errors(data))
    with_top_regions = copy.deepcopy(data)
    with_top_regions["regions"] = data["subClusters"][0]["regions"]
    assert not model_accepts(with_top_regions)
    assert list(validator().iter_errors(with_top_regions))
    without = copy.deepcopy(data)
    del without["subClusters"]
    assert not model_accepts(without)
    assert list(validator().iter_errors(without))


def test_each_call_returns_a_fresh_schema() -> None:
    first = json_schema()
    first["$defs"].clear()
    assert json_schema()["$defs"]
