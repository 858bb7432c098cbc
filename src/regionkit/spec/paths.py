"""Key paths in the stack file: where a deployment's setting comes from (for findings)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from regionkit.spec.models import Deployment, StackSpec

_SEGMENT = re.compile(r"^(?P<key>[^\[\]]+)(?P<indexes>(\[\d+\])*)$")


@dataclass(frozen=True)
class Paths:
    """Maps a deployment's relative key paths to stack-file key paths.

    A sub-cluster inherits every top-level key it does not set, so a setting is reported where it
    is written: in the sub-cluster when set there, at the top level when inherited from there, and
    in the sub-cluster (where it would be added) when set nowhere.
    """

    spec: StackSpec
    deployment: Deployment

    def of(self, path: str) -> str:
        d = self.deployment
        if d.sub_cluster is None:
            return path
        if path.split(".", 1)[0].split("[", 1)[0] == "regions":
            return d.path_prefix + path
        if is_set(self._sub_cluster(), path):
            return d.path_prefix + path
        if is_set(self.spec, path):
            return path
        return self.missing(path)

    def missing(self, path: str) -> str:
        """Where a key that is not set should be added."""
        return self.deployment.path_prefix + path

    def region(self, region_id: str, key: str | None = None) -> str:
        base = self.deployment.region_path(region_id)
        return f"{base}.{key}" if key else base

    def _sub_cluster(self) -> BaseModel:
        index = int(self.deployment.path_prefix.split("[", 1)[1].split("]", 1)[0])
        assert self.spec.sub_clusters is not None
        return self.spec.sub_clusters[index]


def is_set(model: BaseModel, path: str) -> bool:
    """Whether `path` (camelCase, e.g. "identityServer.admin.allowedCidrs[0]") is written in
    `model`, rather than taken from a default."""
    value: Any = model
    for segment in path.split("."):
        match = _SEGMENT.match(segment)
        if match is None or not isinstance(value, BaseModel):
            return False
        name = _field_name(type(value), match["key"])
        if name is None or name not in value.model_fields_set:
            return False
        value = getattr(value, name)
        for index in re.findall(r"\[(\d+)\]", match["indexes"]):
            if not isinstance(value, list) or int(index) >= len(value):
                return False
            value = value[int(index)]
    return True


def _field_name(model: type[BaseModel], key: str) -> str | None:
    for name, field in model.model_fields.items():
        if key in (field.alias, name):
            return name
    return None
