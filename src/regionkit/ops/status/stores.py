"""Each store's role and replication lag per region, from the engine's own API and metric.

| engine | role | lag |
|---|---|---|
| aurora-postgresql | `DescribeGlobalClusters` (`IsWriter`) | CloudWatch `AWS/RDS` `AuroraGlobalDBReplicationLag` (ms) of each secondary cluster, in its region |
| dynamodb | every replica writes | CloudWatch `AWS/DynamoDB` `ReplicationLatency` (ms) of one table, from the stack file's writer region to each other |
| cloudsql-postgresql | Cloud SQL Admin `instances.list` (`instanceType`) | Cloud Monitoring `cloudsql.googleapis.com/database/replication/replica_lag` (s) |
| cnpg | `spec.replica.primary` / `enabled` of each `Cluster` | not in the Cluster status: its phase instead (a replica is at most `archive_timeout` behind its archive) |

A role is "writer" where the stack file puts the writer, "promoted" where another region writes
now (after a failover or switchover), "replica" elsewhere. The last data point of the past
`WINDOW_SECONDS` is the lag; none is an unknown reading with that reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from regionkit.ops.failover import aurora, cloudsql, cnpg
from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.targets import StoreTarget
from regionkit.ops.status.reading import Reading, read, unknown
from regionkit.spec.models import Engine

WINDOW_SECONDS = 600
PERIOD_SECONDS = 60
#: the table whose replication latency stands for a DynamoDB placement, by preference
DYNAMODB_TABLES = ("sessions", "accounts")
CNPG_LAG = (
    "CloudNativePG reports no replication lag in the Cluster status; a replica cluster is at most "
    "archive_timeout behind the WAL archive"
)

Now = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def store_rows(clients: Clients, target: StoreTarget, now: Now = utcnow) -> dict[str, Any]:
    """The store placement's readings: role and lag per region."""
    engine = target.engine
    if engine is Engine.AURORA_POSTGRESQL:
        writer = read("RDS DescribeGlobalClusters", lambda: _aurora_writer(clients, target))
        regions = [
            _row(target, rid, writer, _aurora_lag(clients, target, rid, writer, now))
            for rid in target.regions
        ]
    elif engine is Engine.CLOUDSQL_POSTGRESQL:
        writer = read("Cloud SQL instances.list", lambda: cloudsql.writer_region(clients, target))
        regions = [
            _row(target, rid, writer, _cloudsql_lag(clients, target, rid, writer, now))
            for rid in target.regions
        ]
    elif engine is Engine.CNPG:
        writer = read(
            "CloudNativePG Cluster spec.replica", lambda: cnpg.writer_region(clients, target)
        )
        regions = [
            _row(target, rid, writer, _cnpg_phase(clients, target, rid)) for rid in target.regions
        ]
    elif engine is Engine.DYNAMODB:
        every = Reading("every region", source="DynamoDB global tables")
        regions = [
            {
                "id": rid,
                "role": Reading("writer", source=every.source),
                "lag": _dynamodb_lag(clients, target, rid, now),
            }
            for rid in target.regions
        ]
    else:
        regions = [
            {
                "id": rid,
                "role": unknown(f"{engine.value}: not observed by regionkit"),
                "lag": unknown("-"),
            }
            for rid in target.regions
        ]
    return {"key": target.key, "engine": engine.value, "regions": regions}


def _row(target: StoreTarget, region_id: str, writer: Reading, lag: Reading) -> dict[str, Any]:
    if writer.state != "ok":
        role = writer
    elif writer.value is None:
        role = unknown("no region writes", writer.source)
    elif writer.value != region_id:
        role = Reading("replica", source=writer.source)
    else:
        name = "writer" if region_id == target.home_writer else "promoted"
        role = Reading(name, source=writer.source)
    return {"id": region_id, "role": role, "lag": lag}


# --- aurora ---------------------------------------------------------------------------------


def _aurora_writer(clients: Clients, target: StoreTarget) -> str | None:
    for rid in target.regions:
        try:
            return aurora.writer_region(clients.aws_client("rds", target.location(rid)), target)
        except Exception:
            if rid == target.regions[-1]:
                raise
    return None


def _lag(source: str, region_id: str, writer: Reading, probe: Callable[[], Any]) -> Reading:
    """A replica's lag from `probe`; none for the region that writes."""
    if writer.state == "ok" and writer.value == region_id:
        return Reading(None, source=source)
    return read(source, probe)


def _aurora_lag(
    clients: Clients, target: StoreTarget, region_id: str, writer: Reading, now: Now
) -> Reading:
    return _lag(
        "CloudWatch AWS/RDS AuroraGlobalDBReplicationLag",
        region_id,
        writer,
        lambda: _metric_seconds(
            clients.aws_client("cloudwatch", target.location(region_id)),
            "AWS/RDS",
            "AuroraGlobalDBReplicationLag",
            [{"Name": "DBClusterIdentifier", "Value": target.aurora_cluster_id(region_id)}],
            now,
        ),
    )


def _metric_seconds(
    cloudwatch: Any, namespace: str, metric: str, dimensions: list[dict[str, str]], now: Now
) -> float | Reading:
    """The latest average of a millisecond metric, in seconds."""
    end = now()
    answer = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=dimensions,
        StartTime=end - dt.timedelta(seconds=WINDOW_SECONDS),
        EndTime=end,
        Period=PERIOD_SECONDS,
        Statistics=["Average"],
    )
    points = sorted(answer.get("Datapoints", []), key=lambda p: p["Timestamp"])
    if not points:
        return unknown(f"no {metric} data points in the last {WINDOW_SECONDS // 60} minutes")
    return round(float(points[-1]["Average"]) / 1000.0, 3)


# --- dynamodb -------------------------------------------------------------------------------


def _dynamodb_lag(clients: Clients, target: StoreTarget, region_id: str, now: Now) -> Reading:
    source = "CloudWatch AWS/DynamoDB ReplicationLatency"
    home = target.home_writer
    if region_id == home:
        return Reading(None, source=source)
    table = _dynamodb_table(target)
    return read(
        source,
        lambda: _metric_seconds(
            clients.aws_client("cloudwatch", target.location(home)),
            "AWS/DynamoDB",
            "ReplicationLatency",
            [
                {"Name": "TableName", "Value": table},
                {"Name": "ReceivingRegion", "Value": target.location(region_id)},
            ],
            now,
        ),
    )


def _dynamodb_table(target: StoreTarget) -> str:
    """One of the placement's tables, named as the component names them."""
    classes = target.group.data_source_id.split("-")
    name = DYNAMODB_TABLES[0] if "tokens" in classes else DYNAMODB_TABLES[1]
    prefix = "-".join(p for p in (target.deployment.name, target.deployment.sub_cluster) if p)
    return f"{prefix}-curity-{name}"


# --- cloudsql -------------------------------------------------------------------------------

REPLICA_LAG = "cloudsql.googleapis.com/database/replication/replica_lag"


def _cloudsql_lag(
    clients: Clients, target: StoreTarget, region_id: str, writer: Reading, now: Now
) -> Reading:
    return _lag(
        f"Cloud Monitoring {REPLICA_LAG}",
        region_id,
        writer,
        lambda: _replica_lag(clients, target, region_id, now),
    )


def _replica_lag(
    clients: Clients, target: StoreTarget, region_id: str, now: Now
) -> float | Reading:
    project = clients.project()
    name = cloudsql.instance(clients, target, region_id)["name"]
    end = now()
    start = end - dt.timedelta(seconds=WINDOW_SECONDS)
    answer = (
        clients.cloud_monitoring()
        .projects()
        .timeSeries()
        .list(
            name=f"projects/{project}",
            filter=f'metric.type="{REPLICA_LAG}" AND resource.labels.database_id="{project}:{name}"',
            **{
                "interval_startTime": _rfc3339(start),
                "interval_endTime": _rfc3339(end),
            },
        )
        .execute()
    )
    points = [p for series in answer.get("timeSeries", []) for p in series.get("points", [])]
    if not points:
        return unknown(f"no replica_lag data points in the last {WINDOW_SECONDS // 60} minutes")
    latest = max(points, key=lambda p: p["interval"]["endTime"])
    value = latest["value"]
    return round(float(value.get("doubleValue", value.get("int64Value", 0))), 3)


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- cnpg -----------------------------------------------------------------------------------


def _cnpg_phase(clients: Clients, target: StoreTarget, region_id: str) -> Reading:
    phase = read(
        "CloudNativePG Cluster status.phase",
        lambda: (cnpg.get_cluster(clients, target, region_id).get("status") or {}).get("phase"),
    )
    if phase.state != "ok":
        return phase
    return Reading(None, source=phase.source, reason=f"{CNPG_LAG}; phase: {phase.value}")
