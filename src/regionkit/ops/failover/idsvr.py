"""The identity server of a region switched between a store's writer and reader endpoints.

The components give each region's nodes the data source's JDBC URL as a plain environment
variable of the `idsvr` container (`DS_<SOURCE>_JDBC_URL`) in the admin and runtime Deployments:
an Aurora secondary region gets its cluster's reader endpoint, the writing region the global
writer endpoint (the same name whichever region is primary, so `regionkit up` after a failover
gives the nodes the URL this step set, and no restart). Changing it is a strategic merge
patch of both Deployments, which Kubernetes rolls out as a restart of the nodes (runtime: one
surge pod at a time; admin: recreated). Cloud SQL (a promoted replica keeps its address) and
CloudNativePG (`<cluster>-rw` follows the designated primary) need no change.
"""

from __future__ import annotations

from typing import Any

from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.steps import Step

#: the Deployments and container the components create (components/idsvr_pods.py)
DEPLOYMENTS = ("idsvr-admin", "idsvr-runtime")
CONTAINER = "idsvr"
PORT = 5432
DATABASE = "idsvr"
ROLLOUT_SECONDS = 900.0


def jdbc_url(endpoint: str) -> str:
    return f"jdbc:postgresql://{endpoint}:{PORT}/{DATABASE}?sslmode=require"


def as_dict(obj: Any) -> dict[str, Any]:
    """A Kubernetes model as a dict with the client's snake_case keys."""
    return obj if isinstance(obj, dict) else dict(obj.to_dict())


def env_value(deployment: dict[str, Any], name: str) -> str | None:
    for container in deployment["spec"]["template"]["spec"]["containers"]:
        if container["name"] == CONTAINER:
            for var in container.get("env") or []:
                if var["name"] == name:
                    value: str | None = var.get("value")
                    return value
    return None


def rolled_out(deployment: dict[str, Any]) -> bool:
    status, spec = deployment.get("status") or {}, deployment["spec"]
    replicas = spec.get("replicas") or 0
    return (
        (status.get("observed_generation") or 0) >= (deployment["metadata"].get("generation") or 0)
        and (status.get("updated_replicas") or 0) >= replicas
        and (status.get("ready_replicas") or 0) >= replicas
    )


def patch_body(variable: str, value: str) -> dict[str, Any]:
    return {
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"name": CONTAINER, "env": [{"name": variable, "value": value}]}]
                }
            }
        }
    }


def jdbc_step(
    clients: Clients,
    *,
    context: str,
    namespace: str,
    source_id: str,
    env_prefix: str,
    region_id: str,
    url: Any,
    writes: bool,
) -> Step:
    """Point a region's nodes at `url()` (resolved when the step runs, after the promotion)."""
    variable = env_prefix + "JDBC_URL"

    def deployments() -> list[dict[str, Any]]:
        apps = clients.apps(context)
        return [as_dict(apps.read_namespaced_deployment(n, namespace)) for n in DEPLOYMENTS]

    def done() -> bool:
        wanted = url()
        return all(env_value(d, variable) == wanted and rolled_out(d) for d in deployments())

    def act() -> None:
        body = patch_body(variable, url())
        apps = clients.apps(context)
        for name in DEPLOYMENTS:
            apps.patch_namespaced_deployment(name, namespace, body)

    side = "writer (read-write)" if writes else "reader (read-only)"
    return Step(
        id=f"idsvr/{region_id}/{source_id}",
        title=f"identity server in {region_id}: data source {source_id} to the {side} endpoint",
        done=done,
        act=act,
        timeout_seconds=ROLLOUT_SECONDS,
        note="restarts the region's admin and runtime nodes (a rolling update of both Deployments)",
    )
