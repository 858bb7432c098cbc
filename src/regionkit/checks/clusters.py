"""Existing clusters: what a region on a cluster regionkit does not create cannot give a store.

A region with `cluster.kubeconfigContext` brings its own Kubernetes cluster, so regionkit knows
neither its VPC nor its IRSA trust: engines that need either (catalog `needs_created_cluster`)
only run where regionkit creates the cluster.
"""

from __future__ import annotations

from regionkit.catalog import engines as catalog
from regionkit.findings import Finding, error
from regionkit.model import resolve
from regionkit.model.text import ids, join
from regionkit.spec.models import Cloud, Engine
from regionkit.spec.paths import Paths


def check(paths: Paths) -> list[Finding]:
    d = paths.deployment
    by_id = {r.id: r for r in d.regions}
    out = []
    for group in resolve(d).store_groups:
        info = catalog.facts(group.engine)
        if info.needs_created_cluster is None:
            continue
        # a region of another cloud is engine.cloud's finding
        existing = [
            by_id[rid]
            for placement in group.placements
            for rid in placement
            if info.runs_on(by_id[rid].cloud) and not by_id[rid].creates_cluster
        ]
        if not existing:
            continue
        keys = join(paths.region(r.id, "cluster.kubeconfigContext") for r in existing)
        message = (
            f"{group.engine} needs {info.needs_created_cluster}, which regionkit knows only for a "
            f"cluster it creates, but {ids(existing)} "
            f"{'runs' if len(existing) == 1 else 'run'} on an existing cluster ({keys}). Remove "
            f"the kubeconfigContext so regionkit creates the cluster, or use "
            f"{_others(existing[0].cloud, group.engine)}."
        )
        out += [
            error("engine.existing-cluster", paths.of(f"data.{name}.engine"), message)
            for name in group.data_classes
        ]
    return out


def _others(cloud: Cloud, engine: Engine) -> str:
    """Engines that run on an existing cluster of `cloud`."""
    fits = [
        str(e)
        for e in catalog.alternatives({cloud}, exclude=[engine])
        if catalog.facts(e).needs_created_cluster is None
    ]
    return join([*fits, "external (a database you manage)"], "or")
