"""Where DNS sends users of each jurisdiction, in normal operation and after a region fails.

A pure model of a deployment's GSLB, derived from `dns.routing`:
- failover: everyone goes to the active region; after its failure, to the next (the passive);
- latency: users near a region go to the nearest serving region (users near region R are nearest
  R), after a failure to the nearest remaining one;
- geolocation on Route 53: users of a jurisdiction go to the serving regions of that jurisdiction
  when there is one, else (and once those fail) to the default record, the first region;
- geolocation on Cloud DNS: keyed by Google Cloud region, not by country, and not geo-fenced:
  routed like latency, to the nearest serving region;
- weighted: anyone may go to any serving region.

Routing by nearest region (`by_nearest`) ignores borders: users near one, or behind a distant
DNS resolver, can reach a region of another jurisdiction. The residency rules warn about that
separately; the paths here model the users who are near their own regions.

Users are grouped by the jurisdictions of the deployment's own regions: those are the users
residency rules speak about. Only single-region failures are modelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from regionkit.catalog.regions import distance_km, lookup, same_jurisdiction
from regionkit.spec.models import Deployment, DnsProvider, RegionSpec, Routing

#: distances assumed when a region has no known coordinates (a `kubernetes` label): regions of
#: one jurisdiction count as near each other, others as far, so unknown locations never make a
#: user cross a border that a known map would not
_NEAR_KM = 1_000.0
_FAR_KM = 10_000.0


@dataclass(frozen=True)
class Route:
    """Users of `users` (near region `near`, for latency routing) and where DNS sends them."""

    users: str
    near: str | None
    failed: str | None
    regions: tuple[str, ...]

    @property
    def when(self) -> str:
        return "normal" if self.failed is None else f"after {self.failed} fails"


@dataclass(frozen=True)
class Reroute:
    """A user who signed in at `home` and is sent to `target` (another region) `when`."""

    users: str
    near: str | None
    home: str
    target: str
    failed: str | None

    @property
    def when(self) -> str:
        return "normal" if self.failed is None else f"after {self.failed} fails"


def serving(deployment: Deployment, failed: str | None = None) -> list[RegionSpec]:
    """Regions DNS answers with while `failed` is down: the active ones, or the promoted passives."""
    active = [r for r in deployment.active_regions if r.id != failed]
    if active:
        return active
    return [r for r in deployment.passive_regions if r.id != failed]


def by_nearest(deployment: Deployment) -> bool:
    """Whether DNS answers with the serving region nearest the user, whatever its jurisdiction."""
    routing = deployment.routing
    return routing is Routing.LATENCY or (
        routing is Routing.GEOLOCATION and deployment.dns.provider is DnsProvider.CLOUD_DNS
    )


def user_groups(deployment: Deployment) -> list[tuple[str, str | None]]:
    """(jurisdiction, near region) of each group of users routed alike."""
    if by_nearest(deployment):
        return [(r.jurisdiction, r.id) for r in deployment.regions]
    seen: list[tuple[str, str | None]] = []
    for region in deployment.regions:
        if (region.jurisdiction, None) not in seen:
            seen.append((region.jurisdiction, None))
    return seen


def targets(
    deployment: Deployment, users: str, near: str | None, failed: str | None = None
) -> tuple[str, ...]:
    """The regions DNS may send this group of users to while `failed` is down."""
    alive = serving(deployment, failed)
    if not alive:
        return ()
    routing = deployment.routing
    if routing is Routing.FAILOVER:
        return (alive[0].id,)
    if routing is Routing.WEIGHTED:
        return tuple(r.id for r in alive)
    if not by_nearest(deployment):
        local = [r.id for r in alive if same_jurisdiction(r.jurisdiction, users)]
        return tuple(local) if local else (alive[0].id,)
    origin = next(r for r in deployment.regions if r.id == near)
    nearest = min(alive, key=lambda r: distance(origin, r))
    return (nearest.id,)


def distance(a: RegionSpec, b: RegionSpec) -> float:
    """Kilometres between two regions of a deployment (0 for the same region)."""
    if a.id == b.id:
        return 0.0
    fa, fb = lookup(a.cloud, a.location), lookup(b.cloud, b.location)
    if fa is not None and fb is not None:
        return distance_km(fa, fb)
    return _NEAR_KM if same_jurisdiction(a.jurisdiction, b.jurisdiction) else _FAR_KM


def routes(deployment: Deployment) -> list[Route]:
    """Every DNS path: each group in normal operation, and after each failure that moves it."""
    out: list[Route] = []
    for users, near in user_groups(deployment):
        normal = targets(deployment, users, near)
        out.append(Route(users, near, None, normal))
        for region in deployment.regions:
            after = targets(deployment, users, near, region.id)
            if after and after != normal:
                out.append(Route(users, near, region.id, after))
    return out


def reroutes(deployment: Deployment) -> list[Reroute]:
    """Every move of a signed-in user to another region, first occurrence of each (home, target).

    In normal operation a user may move between the regions their group is sent to (weighted,
    or geolocation with several regions of a jurisdiction). After a failure only the users whose
    home failed move; the others' targets stay among those of normal operation.
    """
    out: list[Reroute] = []
    seen: set[tuple[str, str, str]] = set()

    def add(move: Reroute) -> None:
        key = (move.users, move.home, move.target)
        if key not in seen:
            seen.add(key)
            out.append(move)

    for users, near in user_groups(deployment):
        normal = targets(deployment, users, near)
        for home in normal:
            for target in normal:
                if target != home:
                    add(Reroute(users, near, home, target, None))
        for home in normal:
            for target in targets(deployment, users, near, home):
                if target != home:
                    add(Reroute(users, near, home, target, home))
    return out
