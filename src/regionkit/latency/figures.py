"""Population-weighted percentiles of round-trip times."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from regionkit.latency.routing import Placement


@dataclass(frozen=True)
class Figures:
    """Weighted median and 95th percentile over the users whose round trip is known.

    `unserved`: the share of users no region serves; `unknown`: the share sent to a region of
    unknown location (a `kubernetes` region's free label), left out of the percentiles.
    """

    p50_ms: float | None
    p95_ms: float | None
    unserved: float = 0.0
    unknown: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "p50Ms": self.p50_ms,
            "p95Ms": self.p95_ms,
            "unservedShare": self.unserved,
            "unknownShare": self.unknown,
        }


def weighted_percentile(samples: list[tuple[float, float]], q: float) -> float | None:
    """The smallest value at or below which a fraction `q` of the total weight lies."""
    total = sum(w for _, w in samples)
    if total <= 0:
        return None
    running = 0.0
    for value, weight in sorted(samples):
        running += weight
        if running >= q * total - 1e-9:
            return value
    return max(v for v, _ in samples)


def figures(placements: Iterable[Placement]) -> Figures:
    samples: list[tuple[float, float]] = []
    unserved = unknown = total = 0.0
    for p in placements:
        total += p.weight
        known = [t for t in p.targets if t.rtt_ms is not None]
        if not p.targets:
            unserved += p.weight
        elif not known:
            unknown += p.weight
        if not known:
            continue
        share = sum(t.share for t in known)
        samples += [(t.rtt_ms, p.weight * t.share / share) for t in known if t.rtt_ms is not None]
    return Figures(
        p50_ms=weighted_percentile(samples, 0.50),
        p95_ms=weighted_percentile(samples, 0.95),
        unserved=round(unserved / total, 4) if total else 0.0,
        unknown=round(unknown / total, 4) if total else 0.0,
    )


def by_jurisdiction(placements: list[Placement]) -> dict[str, Figures]:
    order = list(dict.fromkeys(p.jurisdiction for p in placements))
    return {j: figures(p for p in placements if p.jurisdiction == j) for j in order}
