"""What each data engine can do (DESIGN section 3): clouds, writers, consistency, limits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from regionkit.spec.models import Cloud, Consistency, Engine, Topology


class Writers(StrEnum):
    ONE = "one"
    MANY = "many"


#: Aurora Global Database: one primary cluster and up to 10 secondary clusters.
AURORA_GLOBAL_MAX_SECONDARIES = 10
#: Aurora DSQL multi-region: exactly 2 peered clusters plus a witness region.
DSQL_PEERED_REGIONS = 2
#: DynamoDB strong consistency: exactly 3 replicas, or 2 replicas and a witness.
DYNAMODB_STRONG_REPLICAS = 3
#: Cloud SQL: read replicas of one primary.
CLOUDSQL_MAX_READ_REPLICAS = 10

_ALL_CLOUDS = frozenset(Cloud)
_ALL_TOPOLOGIES = frozenset(Topology)
_ALL_CONSISTENCY = frozenset(Consistency)


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
        needs_created_cluster="the IRSA trust (OIDC provider) of the EKS cluster",
    ),
    Engine.DYNAMODB: EngineFacts(
        engine=Engine.DYNAMODB,
        clouds=frozenset({Cloud.AWS}),
        writers=Writers.MANY,
        consistency=_ALL_CONSISTENCY,
        topologies=_ALL_TOPOLOGIES - {Topology.SUB_CLUSTERS},
        cross_cloud=False,
        max_regions=None,
        replication="DynamoDB global tables: eventual (last writer wins), or strong in one region set",
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
    ),
}


def facts(engine: Engine) -> EngineFacts:
    return ENGINES[engine]


def runs_on(engine: Engine, cloud: Cloud) -> bool:
    return ENGINES[engine].runs_on(cloud)


def alternatives(
    clouds: Iterable[Cloud],
    consistency: Consistency | None = None,
    *,
    exclude: Iterable[Engine] = (),
) -> list[Engine]:
    """Managed engines that run on every one of `clouds` (replicating across them if several)
    and give `consistency` with every region writing; `external` is always possible, so it is
    not suggested here."""
    wanted = set(clouds)
    skip = {*exclude, Engine.EXTERNAL}
    out = []
    for engine, info in ENGINES.items():
        if engine in skip or not wanted <= info.clouds:
            continue
        if len(wanted) > 1 and not info.cross_cloud:
            continue
        if consistency is not None and not info.gives(consistency):
            continue
        out.append(engine)
    return out
