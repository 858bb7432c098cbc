"""Aurora global databases: `FailoverGlobalCluster` (AllowDataLoss) or `SwitchoverGlobalCluster`.

Both take the target cluster's ARN, which `DescribeGlobalClusters` lists among the members; the
call goes to the target's region, which answers while the old writer region is down. The
step is done when the target member is the writer (`IsWriter`), which Aurora reports once the
promotion completed.
"""

from __future__ import annotations

from typing import Any

from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.steps import Mode, Step, StepFailed
from regionkit.ops.failover.targets import StoreTarget

#: promotion takes minutes (REFERENCE: Aurora global failover RTO minutes)
TIMEOUT_SECONDS = 1800.0


def members(rds: Any, global_id: str) -> list[dict[str, Any]]:
    answer = rds.describe_global_clusters(GlobalClusterIdentifier=global_id)
    clusters = answer.get("GlobalClusters", [])
    if not clusters:
        raise StepFailed(f"no Aurora global cluster '{global_id}'")
    return list(clusters[0].get("GlobalClusterMembers", []))


def cluster_arn(rds: Any, global_id: str, cluster_id: str) -> str:
    for member in members(rds, global_id):
        if member["DBClusterArn"].endswith(f":cluster:{cluster_id}"):
            return str(member["DBClusterArn"])
    raise StepFailed(f"cluster '{cluster_id}' is not a member of global cluster '{global_id}'")


def writer_region(rds: Any, target: StoreTarget) -> str | None:
    """The region id whose cluster is the global cluster's writer now."""
    by_id = {target.aurora_cluster_id(rid): rid for rid in target.regions}
    for member in members(rds, target.aurora_global_id):
        if member.get("IsWriter"):
            cluster = member["DBClusterArn"].rsplit(":cluster:", 1)[-1]
            return by_id.get(cluster)
    return None


def promote_step(clients: Clients, target: StoreTarget, to: str, mode: Mode) -> Step:
    global_id = target.aurora_global_id
    cluster_id = target.aurora_cluster_id(to)

    def rds() -> Any:
        return clients.aws_client("rds", target.location(to))

    def done() -> bool:
        return writer_region(rds(), target) == to

    def act() -> None:
        arn = cluster_arn(rds(), global_id, cluster_id)
        if mode.allows_data_loss:
            rds().failover_global_cluster(
                GlobalClusterIdentifier=global_id, TargetDbClusterIdentifier=arn, AllowDataLoss=True
            )
        else:
            rds().switchover_global_cluster(
                GlobalClusterIdentifier=global_id, TargetDbClusterIdentifier=arn
            )

    verb = "fail over (data loss allowed)" if mode.allows_data_loss else "switch over (no loss)"
    return Step(
        id=f"aurora/{global_id}",
        title=f"Aurora global database {global_id}: {verb} to {cluster_id} in {to}",
        done=done,
        act=act,
        timeout_seconds=TIMEOUT_SECONDS,
        note=(
            "writes of the last seconds before the loss may be missing (RPO: the replication lag)"
            if mode.allows_data_loss
            else ""
        ),
        writer=(target.key, to),
    )


def endpoint(clients: Clients, target: StoreTarget, region_id: str, *, writer: bool) -> str:
    """The endpoint the components give a region's nodes: the global database's writer endpoint
    where the region writes (`GlobalCluster.endpoint`, which Aurora keeps pointing at the current
    primary), else the region's cluster's reader endpoint."""
    rds = clients.aws_client("rds", target.location(region_id))
    if writer:
        answer = rds.describe_global_clusters(GlobalClusterIdentifier=target.aurora_global_id)
        found = answer.get("GlobalClusters") or [{}]
        if not found[0].get("Endpoint"):
            raise StepFailed(
                f"Aurora global cluster '{target.aurora_global_id}' reports no writer endpoint"
            )
        return str(found[0]["Endpoint"])
    answer = rds.describe_db_clusters(DBClusterIdentifier=target.aurora_cluster_id(region_id))
    return str(answer["DBClusters"][0]["ReaderEndpoint"])
