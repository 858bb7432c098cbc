"""Where DNS sends each user country, per the routing policy the stack configures.

The policies are the residency package's routing model (`regionkit.residency.routing`): which
regions serve while one is down (`serving`), which policies answer with the nearest region
(`by_nearest`), and the targets of failover, weighted and Route 53 geolocation routing
(`targets`). What this module adds is the user's side: a country's centre instead of a region,
so "nearest" is the region with the lowest modelled round trip from the country.

Sub-clusters: a country goes to the partition whose jurisdiction contains it (the first one, as
the global hostname's hint does); a country inside none goes to the partition with the nearest
serving region (it has no partition of its own, and would be sent to one by whoever answers).
"""

from __future__ import annotations

from dataclasses import dataclass

from regionkit.catalog.countries import Country
from regionkit.catalog.regions import in_jurisdiction, lookup
from regionkit.latency.model import LatencyModel
from regionkit.residency.routing import by_nearest, serving, targets
from regionkit.spec.models import Deployment, RegionSpec


@dataclass(frozen=True)
class Target:
    """A region a country's users are sent to, their share of those users and the round trip."""

    region: str
    share: float
    rtt_ms: float | None


@dataclass(frozen=True)
class Placement:
    """Where the users of one country go."""

    country: str
    jurisdiction: str
    weight: float
    sub_cluster: str | None
    hostname: str | None
    routing: str
    targets: tuple[Target, ...]

    @property
    def rtt_ms(self) -> float | None:
        """The expected round trip over the targets, None when unserved or unknown."""
        if not self.targets or any(t.rtt_ms is None for t in self.targets):
            return None
        return sum(t.share * (t.rtt_ms or 0.0) for t in self.targets)


class Router:
    """Placements of countries over a stack's deployments, with round trips memoised."""

    def __init__(self, deployments: list[Deployment], model: LatencyModel):
        self.deployments = deployments
        self.model = model
        self._rtt: dict[tuple[str, str, str], float | None] = {}

    def rtt(self, user: Country, region: RegionSpec) -> float | None:
        """Modelled round trip from a country's centre to a region; None without coordinates."""
        key = (user.code, region.cloud, region.location)
        if key not in self._rtt:
            facts = lookup(region.cloud, region.location)
            self._rtt[key] = (
                None
                if facts is None
                else round(self.model.rtt_ms(user.lat, user.lon, facts.lat, facts.lon), 1)
            )
        return self._rtt[key]

    def deployment_for(self, user: Country) -> Deployment:
        if len(self.deployments) == 1:
            return self.deployments[0]
        for deployment in self.deployments:
            if deployment.jurisdiction and in_jurisdiction(user.code, deployment.jurisdiction):
                return deployment
        return min(self.deployments, key=lambda d: self._nearest_rtt(user, serving(d)))

    def place(
        self, user: Country, weight: float, jurisdiction: str, failed: str | None = None
    ) -> Placement:
        deployment = self.deployment_for(user)
        chosen = self.regions_for(deployment, user, failed)
        share = 1.0 / len(chosen) if chosen else 0.0
        return Placement(
            country=user.code,
            jurisdiction=jurisdiction,
            weight=weight,
            sub_cluster=deployment.sub_cluster,
            hostname=deployment.dns.hostname,
            routing=str(deployment.routing),
            targets=tuple(Target(r.id, share, self.rtt(user, r)) for r in chosen),
        )

    def regions_for(
        self, deployment: Deployment, user: Country, failed: str | None
    ) -> list[RegionSpec]:
        alive = serving(deployment, failed)
        if not alive:
            return []
        if by_nearest(deployment):
            return [min(alive, key=lambda r: self._sort_rtt(user, r))]
        by_id = {r.id: r for r in deployment.regions}
        return [by_id[i] for i in targets(deployment, user.code, None, failed)]

    def _sort_rtt(self, user: Country, region: RegionSpec) -> float:
        rtt = self.rtt(user, region)
        return float("inf") if rtt is None else rtt

    def _nearest_rtt(self, user: Country, regions: list[RegionSpec]) -> float:
        return min((self._sort_rtt(user, r) for r in regions), default=float("inf"))
