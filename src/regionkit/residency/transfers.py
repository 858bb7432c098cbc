"""Where personal data may be stored: the rules on replication and on sub-cluster regions.

- `residency.cross-border`: a store copies a personal-data class from where it is written to a
  region of another jurisdiction, and `residency.crossBorder` does not allow the transfer;
- `residency.sub-cluster`: a sub-cluster, the partition of one jurisdiction, holds a region of
  another that `residency.crossBorder` does not allow.
"""

from __future__ import annotations

from regionkit.catalog.regions import in_jurisdiction
from regionkit.findings import Finding, error
from regionkit.residency.report import CROSS_BORDER, LABELS, SUB_CLUSTER, Edge, transfer_allowed
from regionkit.spec.paths import Paths


def cross_border_findings(paths: Paths, edges: list[Edge]) -> list[Finding]:
    """One finding per personal-data class, listing every forbidden transfer and its copies."""
    d = paths.deployment
    forbidden: dict[str, list[Edge]] = {}
    for edge in edges:
        if edge.allowed or edge.source is None:
            continue
        for data_class in edge.personal:
            forbidden.setdefault(data_class, []).append(edge)
    out = []
    for data_class, found in forbidden.items():
        spec = getattr(d.data, data_class)
        transfers = list(
            dict.fromkeys((e.source.jurisdiction, e.target.jurisdiction) for e in found if e.source)
        )
        arrows = ", ".join(f"{a} -> {b}" for a, b in transfers)
        entries = ", ".join(f"{{from: {a}, to: {b}}}" for a, b in transfers)
        out.append(
            error(
                CROSS_BORDER,
                paths.of(f"data.{data_class}.scope"),
                f"{where(paths)}personal data '{data_class}' ({LABELS[data_class]}, "
                f"{spec.engine}, scope {spec.scope}) is copied across borders that "
                f"residency.crossBorder does not allow ({arrows}): "
                f"{'; '.join(e.describe() for e in found)}. Fix: keep it inside each "
                f"jurisdiction with data.{data_class}.scope: jurisdiction (or region) and route "
                f"users to their own jurisdiction (sub-clusters or geolocation routing); or, if "
                f"the transfers are lawful, declare them in "
                f"{paths.of('residency.crossBorder')}: [{entries}].",
            )
        )
    return out


def sub_cluster_findings(paths: Paths) -> list[Finding]:
    d = paths.deployment
    if d.jurisdiction is None:
        return []
    return [
        error(
            SUB_CLUSTER,
            paths.region(region.id, "jurisdiction"),
            f"sub-cluster '{d.sub_cluster}' is the partition of jurisdiction {d.jurisdiction}, "
            f"but region {region.id} is in {region.jurisdiction}: its users' personal data "
            f"would be kept outside {d.jurisdiction}. Fix: move the region to the sub-cluster "
            f"of {region.jurisdiction}, or, if the transfer is lawful, declare residency."
            f"crossBorder: [{{from: {d.jurisdiction}, to: {region.jurisdiction}}}].",
        )
        for region in d.regions
        if not in_jurisdiction(region.jurisdiction, d.jurisdiction)
        and not transfer_allowed(d.residency, d.jurisdiction, region.jurisdiction)
    ]


def where(paths: Paths) -> str:
    """The prefix naming the sub-cluster a finding is about, if any."""
    d = paths.deployment
    return f"sub-cluster '{d.sub_cluster}': " if d.sub_cluster else ""
