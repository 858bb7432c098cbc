"""Small helpers that make messages (findings, residency reports) read as sentences."""

from __future__ import annotations

from collections.abc import Iterable

from regionkit.spec.models import Deployment, RegionSpec


def join(items: Iterable[object], word: str = "and") -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    parts = [str(i) for i in items]
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {word} {parts[-1]}"


def region_label(region: RegionSpec) -> str:
    """ "us-east (US)": the region id and its jurisdiction."""
    return f"{region.id} ({region.jurisdiction})"


def ids(regions: Iterable[RegionSpec]) -> str:
    return join(r.id for r in regions)


def topology_label(deployment: Deployment) -> str:
    """ "global-cluster", or "sub-cluster eu (active-passive)" inside sub-clusters."""
    if deployment.sub_cluster is None:
        return str(deployment.topology)
    return f"sub-cluster {deployment.sub_cluster} ({deployment.topology})"
