"""What each data engine can do (DESIGN section 3): clouds, writers, consistency, limits, and
how the identity server connects to it (research of issue 11: Curity's data sources, its
DynamoDB plugin, the Aurora DSQL and Spanner documentation)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from regionkit.catalog import curity_dynamodb
from regionkit.spec.models import Cloud, Consistency, Engine, Topology


class Writers(StrEnum):
    ONE = "one"
    MANY = "many"


#: Aurora Global Database: one primary cluster and up to 10 secondary clusters.
AURORA_GLOBAL_MAX_SECONDARIES = 10
#: Aurora DSQL multi-region: exactly 2 peered clusters plus a witness region.
DSQL_PEERED_REGIONS = 2
#: Cloud SQL: read replicas of one primary.
CLOUDSQL_MAX_READ_REPLICAS = 10

_ALL_CLOUDS = frozenset(Cloud)


class DataSource(StrEnum):
    """The kind of Curity data source a store is configured as."""

    JDBC = "jdbc"
    DYNAMODB = "dynamodb"
    NONE = "none"


@dataclass(frozen=True)
class CurityAccess:
    """How the identity server connects to a store of an engine."""

    data_source: DataSource
    driver: str
    authentication: str
    #: why the identity server cannot use the engine, naming what to use instead; None if it can
    refusal: str | None = None
    #: the cloud locations its data source can reach; None for any
    locations: frozenset[str] | None = None


_POSTGRESQL = "org.postgresql.Driver (pgJDBC, in the Curity image)"
_PASSWORD = "user name and password from the store's Secret (DB_USERNAME, DB_PASSWORD)"

_ALL_TOPOLOGIES = frozenset(Topology)
_ALL_CONSISTENCY = frozenset(Consistency)
_NOT_STRONG = frozenset({Consistency.PARTITIONED, Consistency.EVENTUAL})

#: AWS's words on multi-Region strong consistency (MRSC) global tables, against what Curity does
DYNAMODB_STRONG_REFUSAL = (
    "dynamodb with consistency strong (multi-Region strong consistency) cannot hold Curity's "
    'tables: AWS says "Time to Live (TTL) is not supported", "Local secondary indexes (LSIs) '
    'are not supported" and MRSC replicas "do not support transaction operations", while Curity '
    "expires items by TTL on deletableAt, queries the LSIs of database-clients and "
    "database-service-providers, and writes with transactions. Use consistency eventual "
    "(global tables, last writer wins), or consistency partitioned with scope jurisdiction or "
    "region"
)


@dataclass(frozen=True)
class EngineFacts:
    engine: Engine
    clouds: frozenset[Cloud]
    writers: Writers
    #: what a store of this engine gives a global-cluster whose active regions all write to it
    consistency: frozenset[Consistency]
    #: topologies the engine is meant for (DESIGN section 3, "fits")
    topologies: frozenset[Topology]
    #: whether one store can replicate between regions of different clouds
    cross_cloud: bool
    #: the most regions one store can span; None for no fixed limit
    max_regions: int | None
    #: how it replicates, for messages
    replication: str
    #: how the identity server connects to it
    curity: CurityAccess
    #: what the engine takes from a cluster regionkit creates (for messages); None when a region
    #: on an existing cluster (`cluster.kubeconfigContext`) can hold it too
    needs_created_cluster: str | None = None
    #: the identity each store of the engine gives the nodes (for messages); None when the
    #: stores share the region's one identity or need none. A node runs as one identity, so
    #: a deployment can hold one such store.
    identity_per_store: str | None = None

    def runs_on(self, cloud: Cloud) -> bool:
        return cloud in self.clouds

    @property
    def single_writer(self) -> bool:
        return self.writers is Writers.ONE

    def gives(self, consistency: Consistency) -> bool:
        return consistency in self.consistency

    @property
    def usable(self) -> bool:
        """Whether the identity server can use a store of this engine at all."""
        return self.curity.refusal is None


ENGINES: dict[Engine, EngineFacts] = {
    Engine.AURORA_POSTGRESQL: EngineFacts(
        engine=Engine.AURORA_POSTGRESQL,
        clouds=frozenset({Cloud.AWS}),
        writers=Writers.ONE,
        consistency=frozenset({Consistency.PARTITIONED}),
        topologies=frozenset(
            {Topology.SINGLE_REGION, Topology.ACTIVE_PASSIVE, Topology.GLOBAL_CLUSTER}
        ),
        cross_cloud=False,
        max_regions=1 + AURORA_GLOBAL_MAX_SECONDARIES,
        replication="an Aurora Global Database: one writer, read-only secondaries",
        curity=CurityAccess(DataSource.JDBC, _POSTGRESQL, _PASSWORD),
        needs_created_cluster="the region's VPC (subnets, security group) of the EKS cluster",
    ),
    Engine.AURORA_DSQL: EngineFacts(
        engine=Engine.AURORA_DSQL,
        clouds=frozenset({Cloud.AWS}),
        writers=Writers.MANY,
        consistency=_ALL_CONSISTENCY,
        topologies=_ALL_TOPOLOGIES - {Topology.SUB_CLUSTERS},
        cross_cloud=False,
        max_regions=DSQL_PEERED_REGIONS,
        replication="Aurora DSQL peered clusters: 2 regions and a witness, strongly consistent",
        curity=CurityAccess(
            DataSource.JDBC,
            "none in the Curity image (Aurora DSQL needs its own JDBC connector)",
            "IAM authentication tokens only",
            refusal="Curity cannot use Aurora DSQL: DSQL authenticates with IAM tokens, which need "
            "the Aurora DSQL JDBC connector that the Curity image does not ship, and Curity's "
            "PostgreSQL schema uses the uuid-ossp extension, JSONB columns and GIN indexes, which "
            "DSQL rejects. Use aurora-postgresql (one writer, an Aurora Global Database) or "
            "dynamodb (many writers, consistency eventual)",
        ),
        needs_created_cluster="the IRSA trust (OIDC provider) of the EKS cluster",
    ),
    Engine.DYNAMODB: EngineFacts(
        engine=Engine.DYNAMODB,
        clouds=frozenset({Cloud.AWS}),
        writers=Writers.MANY,
        consistency=_NOT_STRONG,
        topologies=_ALL_TOPOLOGIES - {Topology.SUB_CLUSTERS},
        cross_cloud=False,
        max_regions=None,
        replication="DynamoDB global tables: eventual (last writer wins)",
        curity=CurityAccess(
            DataSource.DYNAMODB,
            "Curity's DynamoDB data source (AWS SDK)",
            "the region's IRSA workload role (web identity token)",
            locations=curity_dynamodb.REGIONS,
        ),
        needs_created_cluster="the IRSA trust (OIDC provider) of the EKS cluster",
    ),
    Engine.CLOUDSQL_POSTGRESQL: EngineFacts(
        engine=Engine.CLOUDSQL_POSTGRESQL,
        clouds=frozenset({Cloud.GCP}),
        writers=Writers.ONE,
        consistency=frozenset({Consistency.PARTITIONED}),
        topologies=frozenset(
            {Topology.SINGLE_REGION, Topology.ACTIVE_PASSIVE, Topology.GLOBAL_CLUSTER}
        ),
        cross_cloud=False,
        max_regions=1 + CLOUDSQL_MAX_READ_REPLICAS,
        replication="a Cloud SQL primary with cross-region read replicas",
        curity=CurityAccess(DataSource.JDBC, _POSTGRESQL, _PASSWORD),
        needs_created_cluster="a private IP on the VPC network of the GKE cluster",
    ),
    Engine.SPANNER: EngineFacts(
        engine=Engine.SPANNER,
        clouds=frozenset({Cloud.GCP}),
        writers=Writers.MANY,
        consistency=_ALL_CONSISTENCY,
        topologies=_ALL_TOPOLOGIES - {Topology.SUB_CLUSTERS},
        cross_cloud=False,
        max_regions=None,
        replication="a Spanner dual-region or multi-region configuration, strongly consistent",
        curity=CurityAccess(
            DataSource.NONE,
            "none: Curity has no Spanner data source and the image no Spanner driver",
            "none",
            refusal="Curity has no Spanner data source and its image no Spanner driver. Use "
            "cloudsql-postgresql (one writer, cross-region read replicas) or cnpg or external "
            "PostgreSQL; for many writers across regions, dynamodb on AWS",
        ),
        identity_per_store="a Google service account of its own (Workload Identity)",
    ),
    Engine.CNPG: EngineFacts(
        engine=Engine.CNPG,
        clouds=_ALL_CLOUDS,
        writers=Writers.ONE,
        consistency=frozenset({Consistency.PARTITIONED}),
        topologies=frozenset(
            {Topology.SINGLE_REGION, Topology.ACTIVE_PASSIVE, Topology.GLOBAL_CLUSTER}
        ),
        cross_cloud=True,
        max_regions=None,
        replication="CloudNativePG replica clusters: one writer, read-only replicas",
        curity=CurityAccess(DataSource.JDBC, _POSTGRESQL, _PASSWORD),
    ),
    Engine.EXTERNAL: EngineFacts(
        engine=Engine.EXTERNAL,
        clouds=_ALL_CLOUDS,
        writers=Writers.MANY,
        consistency=_ALL_CONSISTENCY,
        topologies=_ALL_TOPOLOGIES - {Topology.SUB_CLUSTERS},
        cross_cloud=True,
        max_regions=None,
        replication="a database regionkit does not manage",
        curity=CurityAccess(
            DataSource.JDBC,
            "the driver the connection string names (PostgreSQL, MySQL, MariaDB, SQL Server, "
            "Oracle)",
            "JDBC_URL, DB_USERNAME and DB_PASSWORD from the Secret connection.secretName",
        ),
    ),
}


def facts(engine: Engine) -> EngineFacts:
    return ENGINES[engine]


def runs_on(engine: Engine, cloud: Cloud) -> bool:
    return ENGINES[engine].runs_on(cloud)


def jdbc() -> list[Engine]:
    """The engines the identity server reaches through a JDBC data source."""
    return [
        e
        for e, info in ENGINES.items()
        if info.usable and info.curity.data_source is DataSource.JDBC
    ]


def alternatives(
    clouds: Iterable[Cloud],
    consistency: Consistency | None = None,
    *,
    exclude: Iterable[Engine] = (),
) -> list[Engine]:
    """Managed engines the identity server can use that run on every one of `clouds`
    (replicating across them if several) and give `consistency` with every region writing;
    `external` is always possible, so it is not suggested here."""
    wanted = set(clouds)
    skip = {*exclude, Engine.EXTERNAL}
    out = []
    for engine, info in ENGINES.items():
        if engine in skip or not info.usable or not wanted <= info.clouds:
            continue
        if len(wanted) > 1 and not info.cross_cloud:
            continue
        if consistency is not None and not info.gives(consistency):
            continue
        out.append(engine)
    return out
