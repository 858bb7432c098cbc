"""Region placement advice: the candidate regions that would most lower the weighted p95.

Candidates are the known regions of the clouds a deployment already uses (commercial partitions
only: a China or GovCloud region needs accounts of its own), not yet in the stack. Each is added
on its own, as an active region of the deployment it may join, and the whole map is recomputed.

A candidate is never suggested when it could break residency. The guard is conservative and
pure (the residency analysis is not imported here, so this command stays free of Pulumi):
- a sub-cluster takes only regions inside its jurisdiction (`residency.sub-cluster`);
- a region of a jurisdiction the deployment already has adds no new border to cross;
- a region of a new jurisdiction is allowed only when the deployment holds no personal data,
  or `residency.crossBorder` allows transfers both ways between it and every jurisdiction the
  deployment has (so replication, and DNS sending users either way, stays lawful);
- when some personal data is not replicated everywhere (scope `jurisdiction` or `region`), no
  DNS move (`regionkit.residency.routing.reroutes`: normal operation, or after the user's home
  region fails) may send users of another jurisdiction to the new region.
The tests check this guard against the residency analysis: no candidate adds a residency error.
"""

from __future__ import annotations

from dataclasses import dataclass

from regionkit.catalog.regions import RegionFacts, in_jurisdiction, regions_of, same_jurisdiction
from regionkit.latency.figures import Figures
from regionkit.latency.model import DEFAULT_MODEL, LatencyModel
from regionkit.latency.report import map_deployments
from regionkit.latency.users import Users, default_users
from regionkit.residency.routing import reroutes
from regionkit.spec.models import Cloud, Deployment, RegionSpec, Scope, StackSpec, Topology

#: the id a candidate region gets in the stack (ids are at most 16 characters)
CANDIDATE_ID = "candidate"

#: topologies whose DNS sends users to more than one region in normal operation
_SPREADING = (Topology.GLOBAL_CLUSTER,)


@dataclass(frozen=True)
class Suggestion:
    cloud: str
    location: str
    city: str
    jurisdiction: str
    sub_cluster: str | None
    overall: Figures
    jurisdictions: dict[str, Figures]

    def to_json(self) -> dict[str, object]:
        return {
            "cloud": self.cloud,
            "location": self.location,
            "city": self.city,
            "jurisdiction": self.jurisdiction,
            "subCluster": self.sub_cluster,
            "overall": self.overall.to_json(),
            "byJurisdiction": {j: f.to_json() for j, f in self.jurisdictions.items()},
        }


@dataclass(frozen=True)
class Candidate:
    facts: RegionFacts
    deployment: int
    jurisdiction: str


def suggest(
    spec: StackSpec, n: int, users: Users | None = None, model: LatencyModel = DEFAULT_MODEL
) -> list[Suggestion]:
    """Up to `n` candidates, best first, that lower the overall weighted p95 the most."""
    users = users if users is not None else default_users(spec)
    deployments = spec.deployments()
    base = map_deployments(spec, deployments, users, model, with_failures=False).overall
    found = []
    for candidate in candidates(spec):
        changed = list(deployments)
        changed[candidate.deployment] = with_region(deployments[candidate.deployment], candidate)
        after = map_deployments(spec, changed, users, model, with_failures=False)
        if _better(after.overall, base):
            found.append(
                Suggestion(
                    cloud=str(candidate.facts.cloud),
                    location=candidate.facts.name,
                    city=candidate.facts.city,
                    jurisdiction=candidate.jurisdiction,
                    sub_cluster=deployments[candidate.deployment].sub_cluster,
                    overall=after.overall,
                    jurisdictions=after.jurisdictions,
                )
            )
    found.sort(key=lambda s: (s.overall.p95_ms, s.overall.p50_ms, s.cloud, s.location))
    return found[:n]


def candidates(spec: StackSpec) -> list[Candidate]:
    """Every region that could join a deployment of `spec` without breaking residency."""
    used = {(r.cloud, r.location) for _, r in spec.all_regions()}
    out = []
    for index, deployment in enumerate(spec.deployments()):
        if deployment.topology not in _SPREADING:
            continue
        clouds = list(
            dict.fromkeys(r.cloud for r in deployment.regions if r.cloud != Cloud.KUBERNETES)
        )
        for cloud in clouds:
            for facts in regions_of(cloud):
                if facts.partition is not None or (facts.cloud, facts.name) in used:
                    continue
                jurisdiction = residency_allows(deployment, facts)
                if jurisdiction is None:
                    continue
                candidate = Candidate(facts, index, jurisdiction)
                if not _moves_users_across_borders(
                    with_region(deployment, candidate), jurisdiction
                ):
                    out.append(candidate)
    return out


def residency_allows(deployment: Deployment, facts: RegionFacts) -> str | None:
    """The jurisdiction `facts` would join `deployment` as, or None if that could break residency."""
    if deployment.jurisdiction and not in_jurisdiction(facts.country, deployment.jurisdiction):
        return None
    present = list(dict.fromkeys(r.jurisdiction for r in deployment.regions))
    declared = next((j for j in present if in_jurisdiction(facts.country, j)), facts.country)
    if any(same_jurisdiction(declared, j) for j in present):
        return declared
    residency = deployment.residency
    if not residency.personal_data:
        return declared
    both_ways = all(
        residency.allows(j, declared) and residency.allows(declared, j) for j in present
    )
    return declared if both_ways else None


def _moves_users_across_borders(deployment: Deployment, jurisdiction: str) -> bool:
    """Whether DNS may send users of another jurisdiction to the candidate, while some of their
    personal data is kept out of it."""
    personal = [getattr(deployment.data, name) for name in deployment.residency.personal_data]
    if all(spec.scope is Scope.GLOBAL for spec in personal):
        return False
    return any(
        move.target == CANDIDATE_ID and not same_jurisdiction(move.users, jurisdiction)
        for move in reroutes(deployment)
    )


def with_region(deployment: Deployment, candidate: Candidate) -> Deployment:
    region = RegionSpec(
        id=CANDIDATE_ID,
        cloud=candidate.facts.cloud,
        location=candidate.facts.name,
        jurisdiction=candidate.jurisdiction,
    )
    return deployment.model_copy(update={"regions": [*deployment.regions, region]})


def _better(after: Figures, before: Figures) -> bool:
    if after.p95_ms is None:
        return False
    return before.p95_ms is None or after.p95_ms < before.p95_ms
