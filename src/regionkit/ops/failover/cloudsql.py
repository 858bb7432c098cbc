"""Cloud SQL for PostgreSQL: promote the replica (failover) or switch over to it (planned).

Through the Cloud SQL Admin API v1 (googleapiclient, its bundled discovery document):
- failover: `instances.promoteReplica` makes the replica a standalone primary; the old primary,
  if it comes back, is no longer its source (rebuild it as a replica, e.g. with `regionkit up`
  after the stack file names the new active region);
- switchover: the replica is first designated the primary's DR replica
  (`replicationCluster.failoverDrReplicaName`, `instances.patch`), then `instances.switchover`
  swaps the roles with no data loss (Enterprise Plus, which the components use).
The instances are found by the names the components give them (Pulumi adds a random suffix)
among those labelled `regionkit: identity-server`. A promoted replica keeps its private
address, so the identity server's JDBC URL stays as it is.
"""

from __future__ import annotations

from typing import Any

from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.steps import Mode, Step, StepFailed
from regionkit.ops.failover.targets import StoreTarget

LABEL_FILTER = "settings.userLabels.regionkit:identity-server"
PRIMARY = "CLOUD_SQL_INSTANCE"
TIMEOUT_SECONDS = 1800.0


def instances(clients: Clients) -> list[dict[str, Any]]:
    sql = clients.sql()
    answer = sql.instances().list(project=clients.project(), filter=LABEL_FILTER).execute()
    return list(answer.get("items", []))


def instance(clients: Clients, target: StoreTarget, region_id: str) -> dict[str, Any]:
    prefix = target.cloudsql_name_prefix(region_id)
    found = [i for i in instances(clients) if i["name"].startswith(prefix)]
    if len(found) != 1:
        raise StepFailed(
            f"expected one Cloud SQL instance named {prefix}* in project {clients.project()}, "
            f"found {len(found)}"
        )
    return found[0]


def is_primary(item: dict[str, Any]) -> bool:
    return item.get("instanceType") == PRIMARY


def promote_steps(clients: Clients, target: StoreTarget, to: str, mode: Mode) -> list[Step]:
    def done() -> bool:
        return is_primary(instance(clients, target, to))

    def promote() -> None:
        name = instance(clients, target, to)["name"]
        request = clients.sql().instances().promoteReplica(project=clients.project(), instance=name)
        request.execute()

    def switchover() -> None:
        name = instance(clients, target, to)["name"]
        clients.sql().instances().switchover(project=clients.project(), instance=name).execute()

    source = target.store_name
    if mode.allows_data_loss:
        return [
            Step(
                id=f"cloudsql/{source}/promote",
                title=f"Cloud SQL {source}: promote the replica in {to} to a standalone primary",
                done=done,
                act=promote,
                timeout_seconds=TIMEOUT_SECONDS,
                note="transactions not yet replicated are lost; the old primary stays detached",
                writer=(target.key, to),
            )
        ]
    return [
        _designate_step(clients, target, to),
        Step(
            id=f"cloudsql/{source}/switchover",
            title=f"Cloud SQL {source}: switch over to the DR replica in {to} (no data loss)",
            done=done,
            act=switchover,
            timeout_seconds=TIMEOUT_SECONDS,
            writer=(target.key, to),
        ),
    ]


def _designate_step(clients: Clients, target: StoreTarget, to: str) -> Step:
    def current_primary() -> dict[str, Any]:
        found = [i for rid in target.regions if is_primary(i := instance(clients, target, rid))]
        if len(found) != 1:
            raise StepFailed(
                f"expected one Cloud SQL primary of {target.store_name}, found {len(found)}"
            )
        return found[0]

    def dr_name() -> str:
        return f"{clients.project()}:{instance(clients, target, to)['name']}"

    def done() -> bool:
        replica = instance(clients, target, to)
        if is_primary(replica):
            return True
        cluster = current_primary().get("replicationCluster") or {}
        return cluster.get("failoverDrReplicaName") == dr_name()

    def act() -> None:
        body = {"replicationCluster": {"failoverDrReplicaName": dr_name()}}
        name = current_primary()["name"]
        clients.sql().instances().patch(
            project=clients.project(), instance=name, body=body
        ).execute()

    return Step(
        id=f"cloudsql/{target.store_name}/dr-replica",
        title=f"Cloud SQL {target.store_name}: designate the replica in {to} as DR replica",
        done=done,
        act=act,
        timeout_seconds=600.0,
    )


def writer_region(clients: Clients, target: StoreTarget) -> str | None:
    for rid in target.regions:
        if is_primary(instance(clients, target, rid)):
            return rid
    return None
