"""The topology of a plan as a Mermaid flowchart.

users -> GSLB/DNS -> each region (a subgraph, inside its sub-cluster's) -> its gateway, identity
server and data stores, with replication edges between stores of different regions. Everything
is read from the plan's resources: the types regionkit emits and their inputs.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Resource = Mapping[str, Any]

STORES: dict[str, str] = {
    "aws:rds/cluster:Cluster": "Aurora PostgreSQL",
    "aws:dsql/cluster:Cluster": "Aurora DSQL",
    "aws:dynamodb/table:Table": "DynamoDB",
    "gcp:sql/databaseInstance:DatabaseInstance": "Cloud SQL",
    "gcp:spanner/instance:Instance": "Spanner",
    "kubernetes:postgresql.cnpg.io/v1:Cluster": "CloudNativePG",
}
DNS_RECORDS = ("aws:route53/record:Record", "gcp:dns/recordSet:RecordSet")
GATEWAY = re.compile(r"^kubernetes:gateway\.networking\.k8s\.io/[^:]+:Gateway$")
WORKLOAD = "kubernetes:apps/v1:Deployment"
AUTOSCALER = re.compile(r"^kubernetes:autoscaling/[^:]+:HorizontalPodAutoscaler$")
CLUSTERS = ("aws:eks/cluster:Cluster", "gcp:container/cluster:Cluster")


@dataclass
class _Graph:
    """Mermaid node ids are made unique and safe here; labels are escaped once."""

    ids: dict[str, str] = field(default_factory=dict)
    edges: list[str] = field(default_factory=list)

    def node_id(self, key: str) -> str:
        if key not in self.ids:
            base = re.sub(r"[^A-Za-z0-9_]", "_", key)
            candidate, n = base, 1
            while candidate in self.ids.values():
                n += 1
                candidate = f"{base}_{n}"
            self.ids[key] = candidate
        return self.ids[key]

    def edge(self, a: str, arrow: str, b: str, label: str | None = None) -> None:
        text = f"  {a} {arrow}|{_label(label)}| {b}" if label else f"  {a} {arrow} {b}"
        if text not in self.edges:
            self.edges.append(text)


def _label(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def render_mermaid(plan: Mapping[str, Any]) -> str:
    resources = plan["resources"]
    location_to_region = {(r["cloud"], r["location"]): r["id"] for r in plan["regions"]}
    providers = {r["urn"]: r for r in resources if r["type"].startswith("pulumi:providers:")}

    def home(resource: Resource) -> str | None:
        """The region a resource runs in: its own, else its provider's cloud region."""
        if resource.get("region"):
            return str(resource["region"])
        provider = providers.get(resource.get("provider") or "")
        if provider is None:
            return None
        cloud = provider["type"].removeprefix("pulumi:providers:")
        location = provider["inputs"].get("region")
        return location_to_region.get((cloud, location)) if isinstance(location, str) else None

    g = _Graph()
    lines = ["flowchart LR", '  users(("Users"))']
    hostnames = _hostnames(resources)
    dns_label = "GSLB / DNS" + "".join(f"<br/>{h}" for h in hostnames[:4])
    if len(hostnames) > 4:
        dns_label += f"<br/>+{len(hostnames) - 4} more"
    lines.append(f"  dns{{{{{_label(dns_label)}}}}}")
    g.ids["dns"] = "dns"
    g.ids["users"] = "users"
    g.edge("users", "-->", "dns")

    by_region: dict[str | None, list[Resource]] = {r["id"]: [] for r in plan["regions"]}
    for resource in resources:
        by_region.setdefault(home(resource), []).append(resource)

    store_nodes: dict[str, str] = {}  # resource urn -> node id
    dynamo_nodes: dict[str, str] = {}  # region id -> node id of its DynamoDB tables

    def region_block(region: Mapping[str, Any], indent: str) -> list[str]:
        rid = region["id"]
        members = by_region.get(rid, [])
        title = f"{rid}: {region['cloud']} {region['location']} ({region['jurisdiction']})"
        out = [f"{indent}subgraph {g.node_id('sg_' + rid)}[{_label(title)}]"]
        chain: list[str] = []
        if any(GATEWAY.match(r["type"]) for r in members):
            chain.append(g.node_id(f"gw_{rid}"))
            out.append(f"{indent}  {chain[-1]}[{_label('Gateway')}]")
        workloads = [r for r in members if r["type"] == WORKLOAD]
        if workloads:
            chain.append(g.node_id(f"idsvr_{rid}"))
            out.append(f"{indent}  {chain[-1]}[{_label(_identity_label(members))}]")
        if not chain:
            kind = next((r["type"] for r in members if r["type"] in CLUSTERS), None)
            chain.append(g.node_id(f"cluster_{rid}"))
            label = "Kubernetes cluster" if kind or region["cloud"] == "kubernetes" else "region"
            out.append(f"{indent}  {chain[-1]}[{_label(label)}]")
        for a, b in itertools.pairwise(chain):
            g.edge(a, "-->", b)
        arrow = "-.->" if region["role"] == "passive" else "-->"
        g.edge("dns", arrow, chain[0], "failover" if region["role"] == "passive" else None)
        tables = [r for r in members if r["type"] == "aws:dynamodb/table:Table"]
        if tables or _is_replica_region(resources, rid, location_to_region):
            node = g.node_id(f"dynamodb_{rid}")
            dynamo_nodes[rid] = node
            count = f"{len(tables)} table{'s' if len(tables) != 1 else ''}"
            label = f"DynamoDB ({count})" if tables else "DynamoDB (replicas)"
            out.append(f"{indent}  {node}[({_label(label)})]")
            g.edge(chain[-1], "-->", node)
        for r in members:
            if r["type"] in STORES and r["type"] != "aws:dynamodb/table:Table":
                node = g.node_id(f"store_{rid}_{r['name']}")
                store_nodes[r["urn"]] = node
                label = f"{STORES[r['type']]}<br/>{r['name']}"
                out.append(f"{indent}  {node}[({_label(label)})]")
                g.edge(chain[-1], "-->", node)
        out.append(f"{indent}end")
        return out

    sub_clusters: dict[str | None, list[Mapping[str, Any]]] = {}
    for region in plan["regions"]:
        sub_clusters.setdefault(region["subCluster"], []).append(region)
    for sub, regions in sub_clusters.items():
        if sub is None:
            for region in regions:
                lines += region_block(region, "  ")
        else:
            lines.append(f"  subgraph {g.node_id('sub_' + sub)}[{_label(f'sub-cluster {sub}')}]")
            for region in regions:
                lines += region_block(region, "    ")
            lines.append("  end")
    for r in by_region.get(None, []):
        if r["type"] in STORES and r["type"] != "aws:dynamodb/table:Table":
            node = g.node_id(f"store_global_{r['name']}")
            store_nodes[r["urn"]] = node
            label = f"{STORES[r['type']]} (global)<br/>{r['name']}"
            lines.append(f"  {node}[({_label(label)})]")
    _replication_edges(g, resources, store_nodes, dynamo_nodes, home, location_to_region)
    return "\n".join(lines + g.edges) + "\n"


def _identity_label(members: list[Resource]) -> str:
    label = "Identity Server"
    for r in members:
        if AUTOSCALER.match(r["type"]):
            spec = r["inputs"].get("spec") or {}
            low, high = spec.get("minReplicas"), spec.get("maxReplicas")
            if low is not None and high is not None:
                return f"{label}<br/>runtime {low}..{high} nodes"
    return label


def _hostnames(resources: Iterable[Resource]) -> list[str]:
    names = {
        str(r["inputs"]["name"]).rstrip(".")
        for r in resources
        if r["type"] in DNS_RECORDS and isinstance(r["inputs"].get("name"), str)
    }
    return sorted(names)


def _replica_locations(table: Resource) -> list[str]:
    replicas = table["inputs"].get("replicas") or []
    return [
        str(rep["regionName"])
        for rep in replicas
        if isinstance(rep, dict) and rep.get("regionName")
    ]


def _is_replica_region(
    resources: Iterable[Resource], region_id: str, location_to_region: Mapping[tuple[str, str], str]
) -> bool:
    return any(
        location_to_region.get(("aws", loc)) == region_id
        for r in resources
        if r["type"] == "aws:dynamodb/table:Table"
        for loc in _replica_locations(r)
    )


def _replication_edges(
    g: _Graph,
    resources: list[Resource],
    store_nodes: Mapping[str, str],
    dynamo_nodes: Mapping[str, str],
    home: Any,
    location_to_region: Mapping[tuple[str, str], str],
) -> None:
    def of_type(type_token: str) -> list[Resource]:
        return [r for r in resources if r["type"] == type_token and r["urn"] in store_nodes]

    # Aurora Global Database: members share a globalClusterIdentifier; the writer is the one
    # created with credentials (secondaries inherit them from the global cluster).
    aurora: dict[str, list[Resource]] = {}
    for r in of_type("aws:rds/cluster:Cluster"):
        gid = r["inputs"].get("globalClusterIdentifier")
        if isinstance(gid, str) and gid:
            aurora.setdefault(gid, []).append(r)
    for members in aurora.values():
        writer = next(
            (
                m
                for m in members
                if {"masterUsername", "masterPassword", "manageMasterUserPassword"}
                & set(m["inputs"])
            ),
            members[0],
        )
        for m in members:
            if m is not writer:
                g.edge(store_nodes[writer["urn"]], "-.->", store_nodes[m["urn"]], "Aurora global")

    # DynamoDB global tables: one edge per pair of regions, however many tables replicate.
    for table in (r for r in resources if r["type"] == "aws:dynamodb/table:Table"):
        source = home(table)
        for location in _replica_locations(table):
            target = location_to_region.get(("aws", location))
            if source is None or target is None or source == target:
                continue
            if source in dynamo_nodes and target in dynamo_nodes:
                g.edge(dynamo_nodes[source], "<-.->", dynamo_nodes[target], "global tables")

    # Cloud SQL: a replica names its primary in masterInstanceName: the primary's `name`
    # input, or the name Pulumi generates from its logical name (`<name>-<suffix>`).
    sql = of_type("gcp:sql/databaseInstance:DatabaseInstance")
    for replica in sql:
        master = replica["inputs"].get("masterInstanceName")
        if not isinstance(master, str) or not master:
            continue
        candidates = [
            p
            for p in sql
            if p is not replica
            and (
                master in (p["inputs"].get("name"), p["name"]) or master.startswith(p["name"] + "-")
            )
        ]
        if candidates:
            primary = max(candidates, key=lambda p: len(p["name"]))
            g.edge(store_nodes[primary["urn"]], "-.->", store_nodes[replica["urn"]], "replica")

    # CloudNativePG: a replica cluster (spec.replica.enabled) streams from a primary cluster
    # of another region, named by its replica source / external cluster entries.
    cnpg = of_type("kubernetes:postgresql.cnpg.io/v1:Cluster")
    for replica in cnpg:
        spec = replica["inputs"].get("spec") or {}
        if not (spec.get("replica") or {}).get("enabled"):
            continue
        hints = _cnpg_source_hints(spec)
        candidates = [
            c
            for c in cnpg
            if c is not replica
            and home(c) != home(replica)
            and not ((c["inputs"].get("spec") or {}).get("replica") or {}).get("enabled")
        ]
        named = [
            c
            for c in candidates
            if any(name in hint for name in _cnpg_names(c, home(c)) for hint in hints)
        ]
        for primary in named or (candidates if len(candidates) == 1 else []):
            g.edge(
                store_nodes[primary["urn"]], "-.->", store_nodes[replica["urn"]], "replica cluster"
            )

    # Aurora DSQL: peered clusters are written synchronously in every region.
    dsql = of_type("aws:dsql/cluster:Cluster")
    if any(r["type"] == "aws:dsql/clusterPeering:ClusterPeering" for r in resources):
        for a, b in itertools.pairwise(dsql):
            g.edge(store_nodes[a["urn"]], "<-.->", store_nodes[b["urn"]], "DSQL peering")


def _cnpg_names(cluster: Resource, region: str | None) -> list[str]:
    meta_name = (cluster["inputs"].get("metadata") or {}).get("name")
    return [str(n) for n in (meta_name, cluster["name"], region) if n]


def _cnpg_source_hints(spec: Mapping[str, Any]) -> list[str]:
    source = (spec.get("replica") or {}).get("source")
    hints = [str(source)] if source else []
    for external in spec.get("externalClusters") or []:
        if not isinstance(external, dict) or (source and external.get("name") != source):
            continue
        params = external.get("connectionParameters") or {}
        hints += [str(v) for v in (external.get("name"), params.get("host")) if v]
    return [h for h in hints if h]
