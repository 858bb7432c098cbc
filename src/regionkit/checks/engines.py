"""Engine fit: each store's engine runs on its regions' clouds, can replicate between them, and
gives the consistency the topology declares (DESIGN section 3)."""

from __future__ import annotations

from regionkit.catalog import engines as catalog
from regionkit.catalog.regions import (
    DSQL_REGION_SETS,
    DYNAMODB_STRONG_REGION_SETS,
    RegionSet,
    lookup,
    region_set_for,
    spanner_config_for,
    spanner_configs_near,
)
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
        problems = _cloud(d, group, stores)
        rule = "engine.cloud"
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
            "for tokens and accounts only. Use a JDBC engine for audit (aurora-postgresql, "
            "aurora-dsql, cloudsql-postgresql, spanner, cnpg) or external.",
        )
    ]


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
    locations = [r.location for r in store]
    if group.engine is Engine.AURORA_DSQL:
        return _dsql(group, store, where)
    if group.engine is Engine.DYNAMODB and _needed(d, store) is Consistency.STRONG:
        return _dynamodb_strong(group, store, where)
    if group.engine is Engine.SPANNER and spanner_config_for(locations) is None:
        return [_spanner(store, where)]
    if info.max_regions is not None and len(store) > info.max_regions:
        return [
            f"{group.engine} replicates as {info.replication}, at most {info.max_regions} "
            f"regions; {where}. Use {_NARROWER}."
        ]
    return []


def _sets(sets: tuple[RegionSet, ...]) -> str:
    return "; ".join(f"{s.name}: {', '.join(s.regions)}" for s in sets)


def _dsql(group: StoreGroup, store: list[RegionSpec], where: str) -> list[str]:
    if len(store) != catalog.DSQL_PEERED_REGIONS:
        return [
            f"aurora-dsql peers exactly {catalog.DSQL_PEERED_REGIONS} regions (plus a witness "
            f"region); {where}. Use dynamodb or spanner for 3 or more strongly consistent "
            f"regions, or {_NARROWER}."
        ]
    if region_set_for(DSQL_REGION_SETS, (r.location for r in store)) is None:
        return [
            f"aurora-dsql peers 2 regions of one region set ({_sets(DSQL_REGION_SETS)}); "
            f"{where}, at {join(r.location for r in store)}, which no set holds. Move the regions "
            f"into one set, or use {_NARROWER}."
        ]
    return []


def _dynamodb_strong(group: StoreGroup, store: list[RegionSpec], where: str) -> list[str]:
    count = catalog.DYNAMODB_STRONG_REPLICAS
    if len(store) not in (count - 1, count):
        return [
            f"dynamodb with consistency strong replicates to exactly {count} regions, or "
            f"{count - 1} and a witness; {where}. Use consistency eventual (global tables, last "
            f"writer wins), spanner, or {_NARROWER}."
        ]
    if region_set_for(DYNAMODB_STRONG_REGION_SETS, (r.location for r in store)) is None:
        return [
            "dynamodb with consistency strong keeps its replicas inside one region set "
            f"({_sets(DYNAMODB_STRONG_REGION_SETS)}); {where}, at "
            f"{join(r.location for r in store)}, which no set holds. Move the regions into one "
            f"set, use consistency eventual, or {_NARROWER}."
        ]
    return []


def _spanner(store: list[RegionSpec], where: str) -> str:
    countries = {facts.country for r in store if (facts := lookup(r.cloud, r.location))}
    near = spanner_configs_near(r.location for r in store)
    nearest = join((f"{c.name} ({', '.join(c.serving)})" for c in near), "or")
    if len(store) == 2 and len(countries) > 1:
        reason = "Spanner dual-region configurations stay inside one country"
    else:
        reason = "no Spanner configuration has replicas in all of them"
    hint = f" The closest configurations: {nearest}." if nearest else ""
    return (
        f"spanner cannot serve {join(r.location for r in store)}: {reason}; {where}.{hint} "
        f"Place the regions where one configuration serves them, or use {_NARROWER}."
    )


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
