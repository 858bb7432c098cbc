"""Renderers of a plan: terminal table, Markdown for a PR comment, Mermaid topology, files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from regionkit.findings import Finding, Level
from regionkit.plan.model import build_plan, plan_json
from regionkit.plan.render import render_markdown, render_mermaid, render_text, write_outputs
from tests import plan_sample

WARNING = Finding(
    Level.WARNING, "residency.cross-border", "data.accounts.scope", "accounts | leave EU"
)


@pytest.fixture(scope="module")
def plan() -> dict:
    return plan_sample.plan(findings=[WARNING])


def test_table_lists_regions_types_findings_and_failover(plan: dict) -> None:
    text = render_text(plan, width=160)
    assert "Plan test (global-cluster): 47 resources in 2 region(s), 1 warning" in text
    for region in ("us-east", "eu-west", "us-east-1", "eu-west-1"):
        assert region in text
    assert "kubernetes:apps/v1:Deployment" in text
    assert "residency.cross-border" in text
    assert "DNS failover: nominal 45 s, worst case 60 s (detect 30 s, TTL 30 s)" in text
    # resources by region, each region's counts under it
    us = text.index("kubernetes:gateway.networking.k8s.io/v1:Gateway")
    assert text.index("Resources by region and type") < us


def test_table_says_no_findings() -> None:
    assert "No findings." in render_text(plan_sample.plan())


def test_markdown_has_every_section(plan: dict) -> None:
    md = render_markdown(plan)
    assert md.startswith("## regionkit plan: `test` (global-cluster)\n")
    assert "**47 resources** in 2 region(s); 1 warning." in md
    assert "| us-east | aws | us-east-1 | US | active | 19 |" in md
    assert "| global |  |  |  |  | 9 |" in md
    assert "| <code>kubernetes:core/v1:Secret</code> | 4 |" in md
    # the finding's pipe must not break the list item into a table cell
    assert (
        "**warning** <code>residency.cross-border</code> at <code>data.accounts.scope</code>: accounts \\| leave EU"
        in md
    )
    assert "| nominal (s) | detect (s) | TTL (s) | worst case (s) |" in md
    assert "| 45 | 30 | 30 | 60 |" in md
    # each term with its source; a pipe in a source stays inside its cell
    assert "| detection | 30 | 30 | a health check \\| its threshold |" in md
    assert "| resolver caches (TTL) | 15 | 30 | an assumed bound (assumed) |" in md
    assert "| **total** | 45 | 60 | |" in md
    assert "_Resolvers that cache past the TTL take longer._" in md
    assert "<details><summary>All 47 resources</summary>" in md
    for resource in plan["resources"]:
        assert f"| {resource['name']} |" in md
    assert md.count("<details>") == md.count("</details>") == 1


def test_markdown_of_sub_clusters_shows_sub_cluster_columns() -> None:
    plan = build_plan(
        stack="sov",
        spec=plan_sample.StackSpec.model_validate(SUB_CLUSTER_SPEC),
        registrations=[],
        findings=[],
        failover={
            "detectSeconds": 60,
            "ttlSeconds": 60,
            "worstCaseSeconds": 120,
            "bySubCluster": {
                "eu": {"detectSeconds": 60, "ttlSeconds": 60, "worstCaseSeconds": 120},
                "us": {"detectSeconds": 30, "ttlSeconds": 30, "worstCaseSeconds": 60},
            },
        },
    )
    md = render_markdown(plan)
    assert "| region | sub-cluster | cloud |" in md
    assert "| eu-west | eu | aws | eu-west-1 | EU | active | 0 |" in md
    # a plan written before nominal figures existed still renders
    assert "| eu |  | 60 | 60 | 120 |" in md and "| us |  | 30 | 30 | 60 |" in md
    text = render_text(plan)
    assert "DNS failover sub-cluster us: worst case 60 s (detect 30 s, TTL 30 s)" in text


def test_markdown_fits_a_comment_and_closes_what_it_opened(plan: dict) -> None:
    md = render_markdown(plan, limit=3000)
    assert len(md) <= 3000
    assert "more lines left out" in md
    assert md.count("<details>") == md.count("</details>")


NODE = re.compile(r"^\s*(\w+)\s*(\(\(|\[\(|\{\{|\[|\()")
EDGE = re.compile(r"^\s*(\w+) (-->|-\.->|<-\.->)(\|\"[^\"]*\"\|)? (\w+)$")


def _graph(text: str) -> tuple[set[str], set[str], list[tuple[str, str, str, str]]]:
    nodes, subgraphs, edges = set(), set(), []
    depth = 0
    for line in text.splitlines()[1:]:
        if line.strip().startswith("subgraph "):
            subgraphs.add(line.split()[1].split("[")[0])
            depth += 1
        elif line.strip() == "end":
            depth -= 1
            assert depth >= 0
        elif (edge := EDGE.match(line)) is not None:
            edges.append((edge[1], edge[2], (edge[3] or "").strip('|"'), edge[4]))
        elif (node := NODE.match(line)) is not None:
            nodes.add(node[1])
        else:
            raise AssertionError(f"unexpected Mermaid line: {line!r}")
    assert depth == 0
    return nodes, subgraphs, edges


def test_mermaid_topology_with_regions_stores_and_replication(plan: dict) -> None:
    text = render_mermaid(plan)
    assert text.startswith("flowchart LR\n")
    nodes, subgraphs, edges = _graph(text)
    assert subgraphs == {"sg_us_east", "sg_eu_west"}
    for a, _, _, b in edges:
        assert a in nodes and b in nodes, (a, b)
    assert ("users", "-->", "", "dns") in edges
    assert ("dns", "-->", "", "gw_us_east") in edges
    assert ("gw_eu_west", "-->", "", "idsvr_eu_west") in edges
    assert "login.example.com" in text
    assert "Identity Server<br/>runtime 2..6 nodes" in text
    labels = {(a, label, b) for a, _, label, b in edges if label}
    assert (
        "store_us_east_acme_id_us_east_aurora",
        "Aurora global",
        "store_eu_west_acme_id_eu_west_aurora",
    ) in labels
    assert ("dynamodb_us_east", "global tables", "dynamodb_eu_west") in labels
    assert (
        "store_us_east_acme_id_us_east_db",
        "replica cluster",
        "store_eu_west_acme_id_eu_west_db",
    ) in labels


def test_mermaid_passive_region_and_sub_clusters() -> None:
    plan = build_plan(
        stack="sov",
        spec=plan_sample.StackSpec.model_validate(SUB_CLUSTER_SPEC),
        registrations=[],
        findings=[],
        failover=None,
    )
    text = render_mermaid(plan)
    _, subgraphs, edges = _graph(text)
    assert {"sub_eu", "sub_us", "sg_eu_west", "sg_eu_central", "sg_us_east"} <= subgraphs
    # the passive region is reached only on failover
    assert ("dns", "-.->", "failover", "cluster_eu_central") in edges
    assert ("dns", "-->", "", "cluster_eu_west") in edges
    assert (
        text.index("subgraph sub_eu")
        < text.index("subgraph sg_eu_west")
        < text.index("subgraph sub_us")
    )


def test_mermaid_cloud_sql_replica_edge() -> None:
    plan = build_plan(
        stack="gcp",
        spec=plan_sample.StackSpec.model_validate(GCP_SPEC),
        registrations=[],
        findings=[],
        failover=None,
    )
    plan["resources"] = [
        _resource(
            "gcp:sql/databaseInstance:DatabaseInstance",
            "db-primary",
            "central",
            {"name": "acme-db", "region": "us-central1"},
        ),
        _resource(
            "gcp:sql/databaseInstance:DatabaseInstance",
            "db-replica",
            "east",
            {"name": "acme-db-replica", "masterInstanceName": "acme-db"},
        ),
        # no name input: the replica names the primary by the name Pulumi generates
        _resource("gcp:sql/databaseInstance:DatabaseInstance", "db", "central", {}),
        _resource(
            "gcp:sql/databaseInstance:DatabaseInstance",
            "db-2",
            "east",
            {"masterInstanceName": "db-849be89"},
        ),
    ]
    _, _, edges = _graph(render_mermaid(plan))
    assert ("store_central_db_primary", "-.->", "replica", "store_east_db_replica") in edges
    assert ("store_central_db", "-.->", "replica", "store_east_db_2") in edges
    assert len([e for e in edges if e[2] == "replica"]) == 2


def _resource(type_: str, name: str, region: str | None, inputs: dict) -> dict:
    return {
        "urn": f"urn:pulumi:gcp::p::{type_}::{name}",
        "type": type_,
        "name": name,
        "parent": None,
        "region": region,
        "inputs": inputs,
    }


def test_write_outputs_writes_every_file_and_removes_stale_manifests(
    plan: dict, tmp_path: Path
) -> None:
    written = write_outputs(plan, tmp_path)
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    assert {"plan.json", "plan.md", "topology.mmd"} <= names
    assert "k8s/us-east/deployment-idsvr-runtime.yaml" in names
    assert json.loads((tmp_path / "plan.json").read_text()) == plan
    assert (tmp_path / "plan.json").read_text() == plan_json(plan)
    smaller = plan_sample.plan(plan_sample.Options(regions=("us-east",)))
    write_outputs(smaller, tmp_path)
    assert not (tmp_path / "k8s" / "eu-west").exists()
    assert (tmp_path / "k8s" / "us-east" / "deployment-idsvr-runtime.yaml").exists()


SUB_CLUSTER_SPEC = {
    "name": "acme-id",
    "topology": "sub-clusters",
    "dns": {"zone": "example.com"},
    "subClusters": [
        {
            "id": "eu",
            "jurisdiction": "EU",
            "topology": "active-passive",
            "dns": {"hostname": "login.eu.example.com"},
            "regions": [
                {"id": "eu-west", "cloud": "aws", "location": "eu-west-1", "jurisdiction": "EU"},
                {
                    "id": "eu-central",
                    "cloud": "aws",
                    "location": "eu-central-1",
                    "jurisdiction": "EU",
                    "role": "passive",
                },
            ],
        },
        {
            "id": "us",
            "jurisdiction": "US",
            "topology": "single-region",
            "dns": {"hostname": "login.us.example.com"},
            "regions": [
                {"id": "us-east", "cloud": "aws", "location": "us-east-1", "jurisdiction": "US"}
            ],
        },
    ],
}

GCP_SPEC = {
    "name": "acme-id",
    "topology": "active-passive",
    "dns": {"provider": "cloud-dns", "zone": "example.com", "hostname": "login.example.com"},
    "regions": [
        {"id": "central", "cloud": "gcp", "location": "us-central1", "jurisdiction": "US"},
        {
            "id": "east",
            "cloud": "gcp",
            "location": "us-east1",
            "jurisdiction": "US",
            "role": "passive",
        },
    ],
}
