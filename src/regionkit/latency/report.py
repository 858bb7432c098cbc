"""The latency map of a stack: where each user country is served, how fast, and after failures.

    report = latency_map(spec)                  # users: the stack's jurisdictions' populations
    report.placements                           # per country: region(s), hostname, round trip
    report.overall, report.jurisdictions        # population-weighted median and 95th percentile
    report.failures                             # the same with each region removed from routing

Failures are modelled by removing one region from routing at a time (`serving` without it, as
DNS health checks would): the failover simulation of `regionkit simulate` is not used here.
"""

from __future__ import annotations

from dataclasses import dataclass

from regionkit.catalog.countries import country
from regionkit.catalog.regions import in_jurisdiction
from regionkit.latency.figures import Figures, by_jurisdiction, figures
from regionkit.latency.model import DEFAULT_MODEL, LatencyModel
from regionkit.latency.routing import Placement, Router
from regionkit.latency.users import Users, default_users, stack_jurisdictions
from regionkit.spec.models import Deployment, StackSpec

FAILURE_MODEL = "the region removed from routing (DNS answers with the remaining regions)"


@dataclass(frozen=True)
class Failure:
    """The figures while `region` is down, and the countries whose users it moved."""

    region: str
    overall: Figures
    jurisdictions: dict[str, Figures]
    moved: tuple[Placement, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "region": self.region,
            "overall": self.overall.to_json(),
            "byJurisdiction": {j: f.to_json() for j, f in self.jurisdictions.items()},
            "moved": [_placement_json(p) for p in self.moved],
        }


@dataclass(frozen=True)
class LatencyReport:
    stack: str
    topology: str
    model: LatencyModel
    users: Users
    placements: tuple[Placement, ...]
    overall: Figures
    jurisdictions: dict[str, Figures]
    failures: tuple[Failure, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "stack": self.stack,
            "topology": self.topology,
            "model": self.model.to_json(),
            "users": self.users.to_json(),
            "countries": [_placement_json(p) for p in self.placements],
            "overall": self.overall.to_json(),
            "byJurisdiction": {j: f.to_json() for j, f in self.jurisdictions.items()},
            "failureModel": FAILURE_MODEL,
            "failures": [f.to_json() for f in self.failures],
        }


def latency_map(
    spec: StackSpec, users: Users | None = None, model: LatencyModel = DEFAULT_MODEL
) -> LatencyReport:
    users = users if users is not None else default_users(spec)
    return map_deployments(spec, spec.deployments(), users, model)


def map_deployments(
    spec: StackSpec,
    deployments: list[Deployment],
    users: Users,
    model: LatencyModel,
    *,
    with_failures: bool = True,
) -> LatencyReport:
    """The map of `deployments` (the stack's own, or with a candidate region added)."""
    router = Router(deployments, model)
    labels = _jurisdiction_labels(spec, deployments, users)
    normal = place_all(router, users, labels)
    failures = []
    if with_failures:
        for deployment in deployments:
            for region in deployment.regions:
                after = place_all(router, users, labels, region.id)
                failures.append(
                    Failure(
                        region=region.id,
                        overall=figures(after),
                        jurisdictions=by_jurisdiction(after),
                        moved=tuple(
                            a for a, b in zip(after, normal, strict=True) if a.targets != b.targets
                        ),
                    )
                )
    return LatencyReport(
        stack=spec.name,
        topology=str(spec.topology),
        model=model,
        users=users,
        placements=tuple(normal),
        overall=figures(normal),
        jurisdictions=by_jurisdiction(normal),
        failures=tuple(failures),
    )


def place_all(
    router: Router, users: Users, labels: dict[str, str], failed: str | None = None
) -> list[Placement]:
    out = []
    for code, weight in users.weights.items():
        user = country(code)
        assert user is not None, f"users hold catalog countries only, not {code}"
        out.append(router.place(user, weight, labels[code], failed))
    return out


def _jurisdiction_labels(
    spec: StackSpec, deployments: list[Deployment], users: Users
) -> dict[str, str]:
    """Each user country's jurisdiction as the stack names it: "EU" for DE when regions say EU."""
    named = [d.jurisdiction for d in deployments if d.jurisdiction] + stack_jurisdictions(spec)
    return {
        code: next((j for j in named if in_jurisdiction(code, j)), code) for code in users.weights
    }


def _placement_json(p: Placement) -> dict[str, object]:
    return {
        "country": p.country,
        "jurisdiction": p.jurisdiction,
        "weight": p.weight,
        "subCluster": p.sub_cluster,
        "hostname": p.hostname,
        "routing": p.routing,
        "regions": [
            {"region": t.region, "share": round(t.share, 4), "rttMs": t.rtt_ms} for t in p.targets
        ],
        "rttMs": None if p.rtt_ms is None else round(p.rtt_ms, 1),
    }
