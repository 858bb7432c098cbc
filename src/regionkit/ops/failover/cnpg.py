"""CloudNativePG replica clusters: promotion, and demotion with the demotion token.

JSON merge patches (the Kubernetes client's content type for custom objects) on
`postgresql.cnpg.io/v1` `Cluster` objects, in each region's cluster, following CloudNativePG's
"Replica clusters" documentation. The components create the distributed topology
(`components/data/cnpg.py`): every cluster says in `spec.replica` which cluster is `primary`
and which it replicates from (`source`), lists every cluster in `externalClusters` and archives
its own WAL.
- switchover: the primary is demoted by naming the target as `primary` and `source`; once it
  archived its shutdown checkpoint it publishes `status.demotionToken`; the target is then
  promoted with `primary` and `promotionToken` in one patch: no data loss, and the former
  primary keeps replaying as a replica. Any other replica is pointed at the new primary.
- failover: the target names itself `primary` without a token, which promotes it at once
  (the former primary must be rebuilt as a replica if it comes back).
- a standalone replica cluster (`spec.replica.enabled: true`, what regionkit created before
  the distributed topology) can only be promoted (`enabled: false`, irreversible); a
  switchover of it fails before patching anything and says to run `regionkit up` first.
Done means the spec says so and the cluster reports "Cluster in healthy state". The identity
server connects to `<cluster>-rw`, which follows the designated primary: no change there.
"""

from __future__ import annotations

from collections.abc import Callable
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
    demote, token = _demote_step(clients, target, to, current, done)

    def promote() -> None:
        cluster = get_cluster(clients, target, to)
        patch_cluster(clients, target, to, promotion_patch(cluster, name, token()))

    others = [rid for rid in target.regions if rid not in (to, current)]
    return [
        demote,
        Step(
            id=f"cnpg/{name}/promote",
            title=f"{where}: promote with the demotion token (no data loss)",
            done=done,
            act=promote,
            timeout_seconds=TIMEOUT_SECONDS,
            writer=(target.key, to),
        ),
        *(_follow_step(clients, target, rid, name) for rid in others),
    ]


def _demote_step(
    clients: Clients, target: StoreTarget, to: str, current: str, promoted: Callable[[], bool]
) -> tuple[Step, Callable[[], str]]:
    """Demote the primary in `current` in favour of `to`; and the reader of its token."""
    name, old = target.cnpg_cluster(to), target.cnpg_cluster(current)
    found: dict[str, str] = {}

    def token() -> str:
        if "value" not in found and not demoted():
            raise StepFailed(f"{target.cnpg_namespace}/{old} published no demotion token yet")
        return found["value"]

    def demoted() -> bool:
        cluster = get_cluster(clients, target, current)
        _require_distributed(cluster, target, old, name)
        value = (cluster.get("status") or {}).get("demotionToken")
        if replica_spec(cluster).get("primary") == name and value:
            found["value"] = str(value)
            return True
        return False

    def done() -> bool:
        # once the target is the primary the demotion is behind us (a re-run after success)
        return promoted() or demoted()

    step = Step(
        id=f"cnpg/{old}/demote",
        title=f"CloudNativePG {target.cnpg_namespace}/{old} in {current}: demote, wait for "
        "its demotion token",
        done=done,
        act=lambda: patch_cluster(clients, target, current, demotion_patch(name)),
        timeout_seconds=TIMEOUT_SECONDS,
    )
    return step, token


def demotion_patch(new_primary: str) -> dict[str, Any]:
    """The merge patch that demotes a primary to follow `new_primary`."""
    return {"spec": {"replica": {"primary": new_primary, "source": new_primary}}}


def _require_distributed(cluster: dict[str, Any], target: StoreTarget, old: str, new: str) -> None:
    externals = {e.get("name") for e in cluster.get("spec", {}).get("externalClusters") or []}
    if distributed(cluster) and new in externals:
        return
    raise StepFailed(
        f"{target.cnpg_namespace}/{old} is a standalone replica setup (spec.replica.enabled, "
        f"no external cluster '{new}'): CloudNativePG can only promote such a replica, not "
        "switch over to it. Run `regionkit up` first: it moves the clusters to the distributed "
        "topology (spec.replica.primary), which a switchover needs; or use `regionkit failover` "
        "(promotion; the former primary is rebuilt)"
    )


def _follow_step(clients: Clients, target: StoreTarget, region_id: str, primary: str) -> Step:
    """Point another replica cluster of the placement at the new primary."""
    name = target.cnpg_cluster(region_id)

    def done() -> bool:
        return replica_spec(get_cluster(clients, target, region_id)).get("primary") == primary

    return Step(
        id=f"cnpg/{name}/follow",
        title=f"CloudNativePG {target.cnpg_namespace}/{name} in {region_id}: replicate from "
        f"the new primary {primary}",
        done=done,
        act=lambda: patch_cluster(clients, target, region_id, demotion_patch(primary)),
        timeout_seconds=300.0,
    )


def writer_region(clients: Clients, target: StoreTarget) -> str | None:
    for rid in target.regions:
        if is_primary(get_cluster(clients, target, rid), target.cnpg_cluster(rid)):
            return rid
    return None
