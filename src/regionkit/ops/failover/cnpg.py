"""CloudNativePG replica clusters: promotion, and demotion with the demotion token.

JSON merge patches on `postgresql.cnpg.io/v1` `Cluster` objects, in each region's cluster
(CloudNativePG's "Replica clusters" documentation):
- failover, a cluster as the components create it (`spec.replica.enabled: true` + `source`):
  `{"spec": {"replica": {"enabled": false}}}` promotes its designated primary. Irreversible: the
  former primary must be rebuilt as a replica of the new one.
- failover in a distributed topology (`spec.replica.primary`, CloudNativePG 1.24+): naming itself
  as `primary` without a token promotes it (the former primary is rebuilt as well).
- switchover (distributed topology only): the current primary is demoted by naming the target as
  `primary`; once it archived its shutdown checkpoint it publishes `status.demotionToken`; the
  target is then promoted with `primary` and `promotionToken` in one patch: no data loss, and
  the former primary keeps replaying as a replica.
Done means the spec says so and the cluster reports "Cluster in healthy state". The identity
server connects to `<cluster>-rw`, which follows the designated primary: no change there.
"""

from __future__ import annotations

from typing import Any

from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.steps import Mode, Step, StepFailed
from regionkit.ops.failover.targets import StoreTarget, kube_context

GROUP, VERSION, PLURAL = "postgresql.cnpg.io", "v1", "clusters"
HEALTHY = "Cluster in healthy state"
TIMEOUT_SECONDS = 1800.0


def get_cluster(clients: Clients, target: StoreTarget, region_id: str) -> dict[str, Any]:
    api = clients.custom_objects(kube_context(target.deployment, region_id))
    return dict(
        api.get_namespaced_custom_object(
            GROUP, VERSION, target.cnpg_namespace, PLURAL, target.cnpg_cluster(region_id)
        )
    )


def patch_cluster(
    clients: Clients, target: StoreTarget, region_id: str, body: dict[str, Any]
) -> None:
    api = clients.custom_objects(kube_context(target.deployment, region_id))
    api.patch_namespaced_custom_object(
        GROUP, VERSION, target.cnpg_namespace, PLURAL, target.cnpg_cluster(region_id), body
    )


def replica_spec(cluster: dict[str, Any]) -> dict[str, Any]:
    return dict(cluster.get("spec", {}).get("replica") or {})


def distributed(cluster: dict[str, Any]) -> bool:
    return "primary" in replica_spec(cluster)


def is_primary(cluster: dict[str, Any], name: str) -> bool:
    """Whether the spec makes `cluster` (named `name`) the primary."""
    replica = replica_spec(cluster)
    if "primary" in replica:
        return bool(replica["primary"] == name)
    return not replica.get("enabled", False)


def healthy(cluster: dict[str, Any]) -> bool:
    return (cluster.get("status") or {}).get("phase") == HEALTHY


def promotion_patch(cluster: dict[str, Any], name: str, token: str | None = None) -> dict[str, Any]:
    """The merge patch that promotes `cluster` (with the demotion token: a switchover)."""
    if not distributed(cluster):
        return {"spec": {"replica": {"enabled": False}}}
    replica: dict[str, Any] = {"primary": name}
    if token:
        replica["promotionToken"] = token
    return {"spec": {"replica": replica}}


def promote_steps(
    clients: Clients, target: StoreTarget, to: str, mode: Mode, current: str
) -> list[Step]:
    """Make the cluster in `to` the primary; `current` is the writer region now."""
    name = target.cnpg_cluster(to)
    where = f"CloudNativePG {target.cnpg_namespace}/{name} in {to}"

    def done() -> bool:
        cluster = get_cluster(clients, target, to)
        return is_primary(cluster, name) and healthy(cluster)

    if mode.allows_data_loss:
        return [
            Step(
                id=f"cnpg/{name}/promote",
                title=f"{where}: promote the replica cluster",
                done=done,
                act=lambda: patch_cluster(
                    clients, target, to, promotion_patch(get_cluster(clients, target, to), name)
                ),
                timeout_seconds=TIMEOUT_SECONDS,
                note="WAL not yet archived is lost (up to archive_timeout); the former primary "
                "must be rebuilt as a replica",
                writer=(target.key, to),
            )
        ]
    old = target.cnpg_cluster(current)
    token: dict[str, str] = {}

    def demoted() -> bool:
        cluster = get_cluster(clients, target, current)
        if not distributed(cluster):
            raise StepFailed(
                f"{target.cnpg_namespace}/{old} uses spec.replica.enabled, not CloudNativePG's "
                "distributed topology (spec.replica.primary/self with each cluster in the "
                "other's externalClusters): a switchover needs the demotion token of that "
                "topology; use `regionkit failover` (promotion, the former primary rebuilt)"
            )
        value = (cluster.get("status") or {}).get("demotionToken")
        if replica_spec(cluster).get("primary") == name and value:
            token["value"] = str(value)
            return True
        return False

    def promote() -> None:
        cluster = get_cluster(clients, target, to)
        patch_cluster(clients, target, to, promotion_patch(cluster, name, token["value"]))

    return [
        Step(
            id=f"cnpg/{old}/demote",
            title=f"CloudNativePG {target.cnpg_namespace}/{old} in {current}: demote, wait for "
            "its demotion token",
            done=demoted,
            act=lambda: patch_cluster(
                clients, target, current, {"spec": {"replica": {"primary": name}}}
            ),
            timeout_seconds=TIMEOUT_SECONDS,
        ),
        Step(
            id=f"cnpg/{name}/promote",
            title=f"{where}: promote with the demotion token (no data loss)",
            done=lambda: demoted() and done(),
            act=promote,
            timeout_seconds=TIMEOUT_SECONDS,
            writer=(target.key, to),
        ),
    ]


def writer_region(clients: Clients, target: StoreTarget) -> str | None:
    for rid in target.regions:
        if is_primary(get_cluster(clients, target, rid), target.cnpg_cluster(rid)):
            return rid
    return None
