"""The JSON Schema of the stack file (printed by `regionkit schema`).

Generated from the pydantic models, so the two cannot drift apart: keys are the camelCase
aliases, unknown keys are rejected. The models' cross-field rules that JSON Schema can express
are added as if/then conditions; the rest (unique region ids, maxNodes >= minNodes) are left to
`regionkit validate`.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from regionkit.spec.models import API_VERSION, StackSpec

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:regionkit:schema:stack:v1"
SCHEMA_TITLE = "regionkit stack file"


class _StackSchema(GenerateJsonSchema):
    schema_dialect = SCHEMA_DIALECT

    def field_title_should_be_set(self, schema: Any) -> bool:
        # pydantic's titles of fields are the field name capitalised ("Allowedcidrs"):
        # noise next to the camelCase key itself
        return False


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a stack file."""
    generated = StackSpec.model_json_schema(by_alias=True, schema_generator=_StackSchema)
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": SCHEMA_TITLE,
        "description": (
            f"One environment of a regionkit deployment ({API_VERSION}): the topology, its "
            "regions, DNS, data stores and residency rules."
        ),
    }
    schema.update({k: v for k, v in generated.items() if k not in schema})
    defs = schema["$defs"]
    schema["allOf"] = [_regions_or_sub_clusters()]
    _add_condition(defs["RegionSpec"], _kubernetes_needs_context())
    _add_condition(defs["DataClassSpec"], _connection_only_for_external())
    return copy.deepcopy(schema)


def _add_condition(definition: dict[str, Any], condition: dict[str, Any]) -> None:
    definition.setdefault("allOf", []).append(condition)


def _absent_or_empty() -> dict[str, Any]:
    return {"anyOf": [{"type": "null"}, {"type": "array", "maxItems": 0}]}


def _regions_or_sub_clusters() -> dict[str, Any]:
    return {
        "if": {"properties": {"topology": {"const": "sub-clusters"}}, "required": ["topology"]},
        "then": {
            "required": ["subClusters"],
            "properties": {
                "subClusters": {"type": "array", "minItems": 1},
                "regions": _absent_or_empty(),
            },
        },
        "else": {
            "required": ["regions"],
            "properties": {
                "regions": {"type": "array", "minItems": 1},
                "subClusters": _absent_or_empty(),
            },
        },
    }


def _kubernetes_needs_context() -> dict[str, Any]:
    return {
        "if": {"properties": {"cloud": {"const": "kubernetes"}}, "required": ["cloud"]},
        "then": {
            "required": ["cluster"],
            "properties": {
                "cluster": {
                    "required": ["kubeconfigContext"],
                    "properties": {"kubeconfigContext": {"type": "string", "minLength": 1}},
                }
            },
        },
    }


def _connection_only_for_external() -> dict[str, Any]:
    return {
        "if": {"properties": {"engine": {"const": "external"}}, "required": ["engine"]},
        "then": {"required": ["connection"], "properties": {"connection": {"type": "object"}}},
        "else": {"properties": {"connection": {"type": "null"}}},
    }
