"""The names the failover commands act on are the names the components register."""

from __future__ import annotations

from pathlib import Path

from regionkit.model import resolve
from regionkit.ops.failover.targets import store_targets
from regionkit.spec.loader import load_stack
from tests.example_plans import example_plan

STACKS = Path(__file__).resolve().parent.parent / "stacks"


def test_aurora_and_cnpg_names_match_an_offline_plan() -> None:
    names: dict[str, set[str]] = {}
    checked: set[str] = set()
    for stack in ("aws-ap.yaml", "mixed-ap.yaml"):
        loaded = load_stack(STACKS / stack)
        plan = example_plan(STACKS / stack)
        for resource in plan["resources"]:
            inputs = resource["inputs"]
            for key in ("globalClusterIdentifier", "clusterIdentifier"):
                if resource["type"].startswith("aws:rds/") and isinstance(inputs.get(key), str):
                    names.setdefault("aurora", set()).add(inputs[key])
            if resource["type"] == "kubernetes:postgresql.cnpg.io/v1:Cluster":
                meta = inputs["metadata"]
                names.setdefault("cnpg", set()).add(f"{meta['namespace']}/{meta['name']}")
        for target in store_targets(resolve(loaded.spec).deployments[0]):
            checked.add(target.engine.value)
            if target.engine.value == "aurora-postgresql":
                assert target.aurora_global_id in names["aurora"]
                for rid in target.regions:
                    assert target.aurora_cluster_id(rid) in names["aurora"]
            if target.engine.value == "cnpg":
                for rid in target.regions:
                    assert f"{target.cnpg_namespace}/{target.cnpg_cluster(rid)}" in names["cnpg"]
    assert names["aurora"] and names["cnpg"]
    assert {"aurora-postgresql", "cnpg"} <= checked
