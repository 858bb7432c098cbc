"""`resolve`: what every layer needs from a deployment, computed once.

Checks, residency, topologies and the plan read the resolved model instead of deriving store
groups, timing or names again, so they cannot disagree. `resolve` caches its answer per spec object,
so layers may call it again rather than pass the result around.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import overload

from regionkit.model.names import WORKLOAD_SERVICE_ACCOUNT, regional_hostname, workload_namespace
from regionkit.model.stores import StoreGroup, store_groups
from regionkit.model.timing import FailoverTiming, failover_timing, meets_budget
from regionkit.spec.models import DataClassName, Deployment, Role, StackSpec


@dataclass(frozen=True)
class ResolvedDeployment:
    """One deployment (the stack, or one sub-cluster) with everything derived from it."""

    deployment: Deployment
    #: the stores: data classes sharing engine and scope, with placements and writers
    store_groups: tuple[StoreGroup, ...]
    #: the DNS failover timing the GSLB configures
    timing: FailoverTiming
    #: whether `timing` moves traffic within `dns.failoverBudgetSeconds`
    meets_budget: bool
    #: failover role of each region, by region id
    roles: dict[str, Role]
    #: the namespace and ServiceAccount of the identity server nodes in every region
    namespace: str
    service_account: str = WORKLOAD_SERVICE_ACCOUNT

    @property
    def sub_cluster(self) -> str | None:
        return self.deployment.sub_cluster

    def regional_hostname(self, region_id: str) -> str:
        """The name reaching one region's Gateway directly (needs `dns.hostname`)."""
        return regional_hostname(self.deployment, region_id)

    def group_of(self, data_class: DataClassName) -> StoreGroup:
        """The store group holding `data_class`."""
        return next(g for g in self.store_groups if data_class in g.data_classes)


@dataclass(frozen=True)
class ResolvedStack:
    """Every deployment of a stack, resolved."""

    spec: StackSpec
    deployments: tuple[ResolvedDeployment, ...]


@overload
def resolve(subject: Deployment) -> ResolvedDeployment: ...
@overload
def resolve(subject: StackSpec) -> ResolvedStack: ...
def resolve(subject: Deployment | StackSpec) -> ResolvedDeployment | ResolvedStack:
    """The resolved model of a deployment or of a whole stack, computed once per object."""
    return _resolve(_Same(subject))


@dataclass(frozen=True, eq=False)
class _Same:
    """A cache key that is one spec object itself: equal only to a key of the same object.

    The key keeps its object alive, so the object's id is not reused while it is cached; spec
    models are frozen, so a cached result cannot go stale.
    """

    subject: Deployment | StackSpec

    def __hash__(self) -> int:
        return id(self.subject)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.subject is self.subject


@functools.lru_cache(maxsize=256)
def _resolve(key: _Same) -> ResolvedDeployment | ResolvedStack:
    subject = key.subject
    if isinstance(subject, Deployment):
        return _resolve_deployment(subject)
    return ResolvedStack(spec=subject, deployments=tuple(resolve(d) for d in subject.deployments()))


def _resolve_deployment(deployment: Deployment) -> ResolvedDeployment:
    dns = deployment.dns
    return ResolvedDeployment(
        deployment=deployment,
        store_groups=store_groups(deployment),
        timing=failover_timing(dns.provider, dns.failover_budget_seconds, deployment.regions),
        meets_budget=meets_budget(dns.provider, dns.failover_budget_seconds, deployment.regions),
        roles={r.id: r.role for r in deployment.regions},
        namespace=workload_namespace(deployment),
    )
