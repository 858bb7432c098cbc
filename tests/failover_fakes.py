"""Fakes of the Kubernetes APIs the failover commands call, recording every request."""

from __future__ import annotations

import copy
from typing import Any


class FakeCustomObjects:
    """CustomObjectsApi over a dict of CNPG Clusters; a hook may change state after a patch."""

    def __init__(self, clusters: dict[str, dict[str, Any]], on_patch: Any = None):
        self.clusters = clusters
        self.patches: list[tuple[str, str, dict[str, Any]]] = []
        self.on_patch = on_patch
        self.fail_next: Exception | None = None

    def get_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, name: str
    ) -> dict[str, Any]:
        assert (group, version, plural) == ("postgresql.cnpg.io", "v1", "clusters")
        return copy.deepcopy(self.clusters[f"{namespace}/{name}"])

    def patch_namespaced_custom_object(
        self, group: str, version: str, namespace: str, plural: str, name: str, body: Any
    ) -> None:
        assert (group, version, plural) == ("postgresql.cnpg.io", "v1", "clusters")
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        self.patches.append((namespace, name, body))
        key = f"{namespace}/{name}"
        _merge(self.clusters[key], body)
        if self.on_patch:
            self.on_patch(key, self.clusters[key])


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """RFC 7386 JSON merge patch."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict):
            _merge(target.setdefault(key, {}), value)
        else:
            target[key] = value


class FakeApps:
    """AppsV1Api over Deployments as the client's to_dict() gives them; patches roll out."""

    def __init__(self, deployments: dict[str, dict[str, Any]]):
        self.deployments = deployments
        self.patches: list[tuple[str, str, dict[str, Any]]] = []

    def read_namespaced_deployment(self, name: str, namespace: str) -> dict[str, Any]:
        return copy.deepcopy(self.deployments[f"{namespace}/{name}"])

    def patch_namespaced_deployment(self, name: str, namespace: str, body: Any) -> None:
        self.patches.append((namespace, name, body))
        deployment = self.deployments[f"{namespace}/{name}"]
        wanted = body["spec"]["template"]["spec"]["containers"][0]
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            if container["name"] == wanted["name"]:
                env = {e["name"]: e for e in container["env"]}
                env.update({e["name"]: e for e in wanted["env"]})
                container["env"] = list(env.values())
        deployment["metadata"]["generation"] += 1
        deployment["status"]["observed_generation"] = deployment["metadata"]["generation"]


def deployment(namespace: str, name: str, env: dict[str, str], replicas: int = 2) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace, "generation": 1},
        "spec": {
            "replicas": replicas,
            "template": {
                "spec": {
                    "containers": [
                        {"name": "idsvr", "env": [{"name": k, "value": v} for k, v in env.items()]}
                    ]
                }
            },
        },
        "status": {
            "observed_generation": 1,
            "updated_replicas": replicas,
            "ready_replicas": replicas,
        },
    }
