"""What each data engine does when a region fails: how it replicates (the RPO of an unplanned
failover), what promotes a replica and how long that takes (its part of the RTO), and what the
identity server in the new writer region must change. Every figure carries its source; a
figure no documentation states is marked as an assumption (`Source.documented` False).

The failure model (`regionkit.failover`) and the runbook read these facts; the failover
commands (`regionkit failover|switchover|switchback`) perform the actions named here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from regionkit.catalog.dns import Source
from regionkit.catalog.idsvr import PROBE_DEFAULTS
from regionkit.spec.models import Engine

AURORA_GLOBAL_DOC = (
    "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database.html"
)
AURORA_FAILOVER_API = (
    "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverGlobalCluster.html"
)
AWS_DR_WORKSHOP = (
    "https://disaster-recovery.workshop.aws/en/services/databases/aurora/global-database.html"
)
CLOUDSQL_CROSS_REGION_DOC = (
    "https://cloud.google.com/sql/docs/postgres/replication/cross-region-replicas"
)
CLOUDSQL_PROMOTE_API = (
    "https://cloud.google.com/sql/docs/postgres/admin-api/rest/v1/instances/promoteReplica"
)
CNPG_REPLICA_DOC = "https://cloudnative-pg.io/documentation/current/replica_cluster/"
POSTGRES_ARCHIVE_DOC = (
    "https://www.postgresql.org/docs/current/runtime-config-wal.html#GUC-ARCHIVE-TIMEOUT"
)
DYNAMODB_GLOBAL_DOC = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-global-table-design.html"
)
DYNAMODB_MONITORING_DOC = (
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
    "V2globaltables_monitoring.html"
)

#: CloudNativePG writers switch to a new WAL segment, and archive it, at least this often
#: (`archive_timeout` of the writer's cluster, `components/data/cnpg.py`): the replica clusters
#: in other regions replay archived WAL only, so this bounds what an unplanned failover loses
CNPG_ARCHIVE_TIMEOUT_SECONDS = 60


class Replication(StrEnum):
    """How a store's writes reach its other regions."""

    SYNCHRONOUS = "synchronous"
    ASYNCHRONOUS = "asynchronous"
    WAL_ARCHIVE = "wal-archive"
    #: every region writes; changes replicate asynchronously, last writer wins
    MULTI_WRITER = "multi-writer-asynchronous"
    #: a database regionkit does not manage: whatever its owner set up
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Figure:
    """A duration in seconds, typical and worst case (None: nothing bounds it), with its source."""

    nominal_seconds: int | None
    worst_case_seconds: int | None
    source: Source

    def to_json(self) -> dict[str, object]:
        return {
            "nominalSeconds": self.nominal_seconds,
            "worstCaseSeconds": self.worst_case_seconds,
            "source": self.source.text,
            "documented": self.source.documented,
        }


@dataclass(frozen=True)
class EngineFailover:
    engine: Engine
    replication: Replication
    #: writes an unplanned loss of the writer's region loses; None for unknown
    rpo: Figure | None
    #: the engine's own promotion of a replica to writer; None when nothing is promoted
    promotion: Figure | None
    #: what `regionkit failover` (unplanned, data loss allowed) does to the store
    failover_action: str
    #: what `regionkit switchover` (planned, no data loss) does to the store
    switchover_action: str
    #: what changes on the identity server of the new writer region
    identity_server: str
    #: the identity server's runtime nodes roll out again to write (a new JDBC URL)
    needs_rollout: bool
    #: what happens to the store's other replicas after a failover
    other_replicas: str
    #: what the failover and switchover commands wait for before the next step
    done_when: str = "nothing to wait for"


def rollout() -> Figure:
    """A rollout of the runtime nodes: each new pod waits for its first probe, then needs
    `readiness_success_threshold` successful readiness probes in a row."""
    probes = PROBE_DEFAULTS
    ready = (
        probes.initial_delay_seconds + probes.readiness_success_threshold * probes.period_seconds
    )
    return Figure(
        ready,
        # a failed probe or two before the node serves; a surge of one pod at a time is not
        # counted (the Deployment's rollout strategy bounds it, not the engine)
        ready + probes.failure_threshold * probes.period_seconds,
        Source(
            f"readiness probes of the vendor's chart: initial delay {probes.initial_delay_seconds} s, "
            f"{probes.readiness_success_threshold} successes every {probes.period_seconds} s "
            f"(worst case: {probes.failure_threshold} failures first)"
        ),
    )


_SINGLE_WRITER_NOTE = "writes fail in the other regions until the failover command promotes one"

FAILOVER: dict[Engine, EngineFailover] = {
    Engine.AURORA_POSTGRESQL: EngineFailover(
        engine=Engine.AURORA_POSTGRESQL,
        replication=Replication.ASYNCHRONOUS,
        rpo=Figure(
            1,
            None,
            Source(
                "Aurora replicates to secondary Regions with typical latency under a second; "
                f"FailoverGlobalCluster may lose writes not yet replicated ({AURORA_GLOBAL_DOC}; "
                f"{AURORA_FAILOVER_API})"
            ),
        ),
        promotion=Figure(
            60,
            600,
            Source(
                "a secondary Region is promoted to full read/write in under a minute "
                f"({AWS_DR_WORKSHOP}); the worst case of 10 minutes is an assumption: AWS "
                "states no bound",
                documented=False,
            ),
        ),
        failover_action="FailoverGlobalCluster with AllowDataLoss: the secondary cluster in the "
        "target region becomes the global database's primary",
        switchover_action="SwitchoverGlobalCluster: waits until the secondary has every write, "
        "then swaps the roles (no data loss)",
        identity_server="its nodes read the secondary cluster's reader endpoint: the command "
        "points them at the global writer endpoint (GlobalCluster.endpoint, which Aurora keeps "
        "on the current primary), a rollout of the runtime nodes",
        needs_rollout=True,
        other_replicas="the other secondary clusters follow the new primary",
        done_when="DescribeGlobalClusters lists the target region's cluster as the writer",
    ),
    Engine.CLOUDSQL_POSTGRESQL: EngineFailover(
        engine=Engine.CLOUDSQL_POSTGRESQL,
        replication=Replication.ASYNCHRONOUS,
        rpo=Figure(
            None,
            None,
            Source(
                "replication to cross-region replicas is asynchronous: transactions committed "
                "on the primary but not yet replayed on the replica are lost; the replica lag at "
                f"the failure is the loss, with no documented bound ({CLOUDSQL_CROSS_REGION_DOC})"
            ),
        ),
        promotion=Figure(
            120,
            600,
            Source(
                "instances.promoteReplica makes the replica a primary and may restart it "
                f"({CLOUDSQL_PROMOTE_API}); Google states no duration: 2 minutes typical and 10 "
                "in the worst case are assumptions",
                documented=False,
            ),
        ),
        failover_action="instances.promoteReplica on the replica in the target region (with "
        "failover=true for an Enterprise Plus DR replica)",
        switchover_action="instances.switchover of the DR replica (Enterprise Plus, no data "
        "loss); otherwise stop writes, wait for zero replica lag, then promote",
        identity_server="none: its nodes already connect to the promoted instance's private IP",
        needs_rollout=False,
        other_replicas="replicas of the lost primary do not follow the promoted instance: they "
        "stay stale until recreated as its replicas",
        done_when="the operation is DONE and the instance has no masterInstanceName",
    ),
    Engine.CNPG: EngineFailover(
        engine=Engine.CNPG,
        replication=Replication.WAL_ARCHIVE,
        rpo=Figure(
            CNPG_ARCHIVE_TIMEOUT_SECONDS,
            CNPG_ARCHIVE_TIMEOUT_SECONDS,
            Source(
                "replica clusters replay the WAL the writer archives to object storage "
                f"({CNPG_REPLICA_DOC}); archive_timeout {CNPG_ARCHIVE_TIMEOUT_SECONDS} s forces "
                f"a segment out at least that often ({POSTGRES_ARCHIVE_DOC})"
            ),
        ),
        promotion=Figure(
            30,
            120,
            Source(
                "promotion of a replica cluster: spec.replica.enabled false (or spec.replica."
                f"primary set to itself) ({CNPG_REPLICA_DOC}); the operator states no duration: "
                "30 s typical and 2 minutes worst case are assumptions",
                documented=False,
            ),
        ),
        failover_action="promote the replica cluster in the target region "
        "(spec.replica.primary set to itself, no token; spec.replica.enabled: false for a "
        "standalone replica)",
        switchover_action="demote the writer (spec.replica.primary set to the target), read its "
        "demotion token, then promote the target with spec.replica.promotionToken (no data loss)",
        identity_server="none: its nodes connect to the -rw service, which follows the promoted "
        "primary",
        needs_rollout=False,
        other_replicas="other replica clusters are pointed at the new primary (spec.replica."
        "primary and source), whose WAL archive they replay",
        done_when="the Cluster's status names its own instance as the current primary",
    ),
    Engine.DYNAMODB: EngineFailover(
        engine=Engine.DYNAMODB,
        replication=Replication.MULTI_WRITER,
        rpo=Figure(
            1,
            None,
            Source(
                "global tables are active-active, every replica accepts writes and replicates "
                f"them in the background ({DYNAMODB_GLOBAL_DOC}); ReplicationLatency is typically "
                f"under a second ({DYNAMODB_MONITORING_DOC}): writes the lost region had not "
                "replicated are missing elsewhere, and concurrent writes resolve last writer wins"
            ),
        ),
        promotion=None,
        failover_action="nothing: every replica table already accepts writes",
        switchover_action="nothing: every replica table already accepts writes",
        identity_server="none",
        needs_rollout=False,
        other_replicas="every other replica keeps replicating",
    ),
    Engine.AURORA_DSQL: EngineFailover(
        engine=Engine.AURORA_DSQL,
        replication=Replication.SYNCHRONOUS,
        rpo=Figure(0, 0, Source("Aurora DSQL commits synchronously in both peered Regions")),
        promotion=None,
        failover_action="nothing: the surviving peered cluster keeps writing",
        switchover_action="nothing: both peered clusters write",
        identity_server="none",
        needs_rollout=False,
        other_replicas="the witness Region keeps the quorum",
    ),
    Engine.SPANNER: EngineFailover(
        engine=Engine.SPANNER,
        replication=Replication.SYNCHRONOUS,
        rpo=Figure(0, 0, Source("Spanner commits synchronously to a quorum of its replicas")),
        promotion=None,
        failover_action="nothing: Spanner moves its leaders itself",
        switchover_action="nothing: Spanner moves its leaders itself",
        identity_server="none",
        needs_rollout=False,
        other_replicas="the remaining replicas keep the quorum",
    ),
    Engine.EXTERNAL: EngineFailover(
        engine=Engine.EXTERNAL,
        replication=Replication.UNKNOWN,
        rpo=None,
        promotion=None,
        failover_action="nothing regionkit can do: fail the database over with its own tooling",
        switchover_action="nothing regionkit can do: move the database with its own tooling",
        identity_server="none: the Secret connection.secretName names the database",
        needs_rollout=False,
        other_replicas="as the database's owner set it up",
    ),
}


def failover_facts(engine: Engine) -> EngineFailover:
    return FAILOVER[engine]
