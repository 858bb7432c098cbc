"""Engine fit: the identity server can use each store's engine, which runs on its regions' clouds,
can replicate between them, and gives the consistency the topology declares (DESIGN section 3)."""

from __future__ import annotations

from regionkit.catalog import engines as catalog
from regionkit.catalog.curity_dynamodb import CURITY_VERSION
from regionkit.catalog.regions import distance_km, lookup
from regionkit.findings import Finding, error
from regionkit.model import StoreGroup, resolve
from regionkit.model.text import ids, join
from regionkit.spec.models import Cloud, Consistency, Deployment, Engine, RegionSpec, Topology
from regionkit.spec.paths import Paths

_NARROWER = "scope jurisdiction or region (one store per jurisdiction or per region)"


def check(paths: Paths) -> list[Finding]:
    d = paths.deployment
    by_id = {r.id: r for r in d.regions}
    out = _data_classes(paths)
    for group in resolve(d).store_groups:
        if group.engine is Engine.EXTERNAL:
            continue  # the user's own database: regionkit only wires its Secret
        stores = [[by_id[rid] for rid in placement] for placement in group.placements]
        rule = "engine.curity"
        problems = _curity(d, group, stores)
        if not problems:
            rule = "engine.cloud"
            problems = _cloud(d, group, stores)
        if not problems:
            rule = "engine.region"
            problems = _locations(group, stores)
        if not problems:
            rule = "engine.replication"
            problems = [
                p for store in stores if len(store) > 1 for p in _replication(d, group, store)
            ]
        if not problems:
            rule = "engine.consistency"
            problems = [p for store in stores for p in _consistency(d, group, store)]
        out += [
            error(rule, paths.of(f"data.{name}.engine"), problem)
            for name in group.data_classes
            for problem in problems
        ]
    return out


def _data_classes(paths: Paths) -> list[Finding]:
    """Curity's DynamoDB data source has no audit table: audit needs a JDBC store."""
    if paths.deployment.data.audit.engine is not Engine.DYNAMODB:
        return []
    return [
        error(
            "engine.data-class",
            paths.of("data.audit.engine"),
            "engine dynamodb cannot hold the audit log: Curity's DynamoDB data source has tables "
            f"for tokens and accounts only. Use a JDBC engine for audit ({join(catalog.jdbc())}) "
            "or external.",
        )
    ]


def _curity(d: Deployment, group: StoreGroup, stores: list[list[RegionSpec]]) -> list[str]:
    """An engine, or a mode of one, that the identity server cannot use, whatever the regions."""
    info = catalog.facts(group.engine)
    if info.curity.refusal is not None:
        return [f"{group.engine}: {info.curity.refusal}."]
    strong = any(_needed(d, store) is Consistency.STRONG for store in stores)
    if group.engine is Engine.DYNAMODB and strong:
        return [f"{catalog.DYNAMODB_STRONG_REFUSAL}."]
    return []


def _locations(group: StoreGroup, stores: list[list[RegionSpec]]) -> list[str]:
    """Regions the identity server's data source for the engine cannot be pointed at."""
    reachable = catalog.facts(group.engine).curity.locations
    if reachable is None:
        return []
    out = []
    # an unknown location is region.location's finding
    known = [r for store in stores for r in store if lookup(r.cloud, r.location) is not None]
    for region in [r for r in known if r.location not in reachable]:
        others = catalog.alternatives({region.cloud}, exclude=[group.engine])
        out.append(
            f"Curity's {group.engine} data source cannot reach region {region.id} "
            f"({region.location}): the region list of its plugin (Curity {CURITY_VERSION}) lacks "
            f"{region.location}. Move the region to one the plugin lists"
            f"{_nearest(region, reachable)}, or use {join([*map(str, others), 'external'], 'or')} "
            "for this data class."
        )
    return out


def _nearest(region: RegionSpec, reachable: frozenset[str]) -> str:
    here = lookup(region.cloud, region.location)
    assert here is not None
    found = [lookup(region.cloud, name) for name in reachable]
    candidates = [f for f in found if f is not None and f.partition == here.partition]
    if not candidates:
        return ""
    nearest = min(candidates, key=lambda f: distance_km(here, f))
    return f" (the nearest: {nearest.name}, {nearest.city})"


def _needed(d: Deployment, store: list[RegionSpec]) -> Consistency | None:
    """The consistency a store must give: the declared one where several active regions write."""
    actives = {r.id for r in d.active_regions}
    if d.topology is Topology.GLOBAL_CLUSTER and sum(r.id in actives for r in store) > 1:
        return d.consistency
    return None


def _suggest(d: Deployment, group: StoreGroup, clouds: set[Cloud], store: list[RegionSpec]) -> str:
    found = catalog.alternatives(clouds, _needed(d, store), exclude=[group.engine])
    options = [*map(str, found), "external (a database you manage)"]
    return join(options, "or")


def _cloud(d: Deployment, group: StoreGroup, stores: list[list[RegionSpec]]) -> list[str]:
    info = catalog.facts(group.engine)
    wrong = [r for store in stores for r in store if not info.runs_on(r.cloud)]
    if not wrong:
        return []
    runs_on = join(sorted(info.clouds), "or")
    spanning = next((s for s in stores if len({r.cloud for r in s}) > 1), None)
    if spanning is not None:
        clouds = {r.cloud for r in spanning}
        return [
            f"{group.engine} runs on {runs_on}, but scope {group.scope} puts regions of "
            f"{join(sorted(clouds))} in one store ({ids(spanning)}), which needs an engine that "
            f"replicates across clouds. Use {_suggest(d, group, clouds, spanning)}, or "
            f"{_NARROWER}."
        ]
    out = []
    for cloud in sorted({r.cloud for r in wrong}):
        regions = [r for r in wrong if r.cloud == cloud]
        store = next(s for s in stores if regions[0] in s)
        out.append(
            f"{group.engine} runs on {runs_on}, not on {cloud} (region {ids(regions)}). "
            f"On {cloud} use {_suggest(d, group, {cloud}, store)}."
        )
    return out


def _replication(d: Deployment, group: StoreGroup, store: list[RegionSpec]) -> list[str]:
    info = catalog.facts(group.engine)
    where = f"scope {group.scope} puts {len(store)} regions in one store ({ids(store)})"
    clouds = {r.cloud for r in store}
    if len(clouds) > 1 and not info.cross_cloud:
        return [
            f"{group.engine} cannot replicate across clouds, but {where} on "
            f"{join(sorted(clouds))}. Use {_suggest(d, group, clouds, store)}, or {_NARROWER}."
        ]
    if info.max_regions is not None and len(store) > info.max_regions:
        return [
            f"{group.engine} replicates as {info.replication}, at most {info.max_regions} "
            f"regions; {where}. Use {_NARROWER}."
        ]
    return []


def _consistency(d: Deployment, group: StoreGroup, store: list[RegionSpec]) -> list[str]:
    info = catalog.facts(group.engine)
    needed = _needed(d, store)
    if needed is None or info.gives(needed):
        return []
    actives = [r for r in store if r in d.active_regions]
    return [
        f"{group.engine} has one writer ({info.replication}), but consistency {needed} needs "
        f"every active region to write, and scope {group.scope} puts the active regions "
        f"{ids(actives)} in one store. Use {_suggest(d, group, {r.cloud for r in store}, store)}, "
        f"consistency partitioned (each user written in a home region), or {_NARROWER}."
    ]
