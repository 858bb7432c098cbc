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
    chart = _Chart(plan)
    lines = ["flowchart LR", '  users(("Users"))', chart.dns_node()]
    sub_clusters: dict[str | None, list[Mapping[str, Any]]] = {}
    for region in plan["regions"]:
        sub_clusters.setdefault(region["subCluster"], []).append(region)
    for sub, regions in sub_clusters.items():
        if sub is None:
            for region in regions:
                lines += chart.region_block(region, "  ")
        else:
            g = chart.g
            lines.append(f"  subgraph {g.node_id('sub_' + sub)}[{_label(f'sub-cluster {sub}')}]")
            for region in regions:
                lines += chart.region_block(region, "    ")
            lines.append("  end")
    lines += chart.global_stores()
    _replication_edges(chart)
    return "\n".join(lines + chart.g.edges) + "\n"


class _Chart:
    """The plan's resources placed by region, and the graph's nodes and edges so far."""

    def __init__(self, plan: Mapping[str, Any]) -> None:
        self.resources: list[Resource] = plan["resources"]
        self.location_to_region = {(r["cloud"], r["location"]): r["id"] for r in plan["regions"]}
        self.providers = {
            r["urn"]: r for r in self.resources if r["type"].startswith("pulumi:providers:")
        }
        self.by_region: dict[str | None, list[Resource]] = {r["id"]: [] for r in plan["regions"]}
        for resource in self.resources:
            self.by_region.setdefault(self.home(resource), []).append(resource)
        self.g = _Graph()
        self.store_nodes: dict[str, str] = {}  # resource urn -> node id
        self.dynamo_nodes: dict[str, str] = {}  # region id -> node id of its DynamoDB tables

    def home(self, resource: Resource) -> str | None:
        """The region a resource runs in: its own, else its provider's cloud region."""
        if resource.get("region"):
            return str(resource["region"])
        provider = self.providers.get(resource.get("provider") or "")
        if provider is None:
            return None
        cloud = provider["type"].removeprefix("pulumi:providers:")
        location = provider["inputs"].get("region")
        if not isinstance(location, str):
            return None
        return self.location_to_region.get((cloud, location))

    def dns_node(self) -> str:
        """Users -> the GSLB / DNS node, labelled with (up to four of) the hostnames."""
        hostnames = _hostnames(self.resources)
        dns_label = "GSLB / DNS" + "".join(f"<br/>{h}" for h in hostnames[:4])
        if len(hostnames) > 4:
            dns_label += f"<br/>+{len(hostnames) - 4} more"
        self.g.ids["dns"] = "dns"
        self.g.ids["users"] = "users"
        self.g.edge("users", "-->", "dns")
        return f"  dns{{{{{_label(dns_label)}}}}}"

    def region_block(self, region: Mapping[str, Any], indent: str) -> list[str]:
        rid = region["id"]
        members = self.by_region.get(rid, [])
        title = f"{rid}: {region['cloud']} {region['location']} ({region['jurisdiction']})"
        out = [f"{indent}subgraph {self.g.node_id('sg_' + rid)}[{_label(title)}]"]
        chain = self._chain(region, members, indent, out)
        arrow = "-.->" if region["role"] == "passive" else "-->"
        self.g.edge("dns", arrow, chain[0], "failover" if region["role"] == "passive" else None)
        tables = [r for r in members if r["type"] == "aws:dynamodb/table:Table"]
        if tables or _is_replica_region(self.resources, rid, self.location_to_region):
            node = self.g.node_id(f"dynamodb_{rid}")
            self.dynamo_nodes[rid] = node
            count = f"{len(tables)} table{'s' if len(tables) != 1 else ''}"
            label = f"DynamoDB ({count})" if tables else "DynamoDB (replicas)"
            out.append(f"{indent}  {node}[({_label(label)})]")
            self.g.edge(chain[-1], "-->", node)
        for r in members:
            if r["type"] in STORES and r["type"] != "aws:dynamodb/table:Table":
                node = self.g.node_id(f"store_{rid}_{r['name']}")
                self.store_nodes[r["urn"]] = node
                label = f"{STORES[r['type']]}<br/>{r['name']}"
                out.append(f"{indent}  {node}[({_label(label)})]")
                self.g.edge(chain[-1], "-->", node)
        out.append(f"{indent}end")
        return out

    def _chain(
        self, region: Mapping[str, Any], members: list[Resource], indent: str, out: list[str]
    ) -> list[str]:
        """Gateway -> identity server of a region (or its bare cluster): node ids, in order."""
        rid = region["id"]
        chain: list[str] = []
        if any(GATEWAY.match(r["type"]) for r in members):
            chain.append(self.g.node_id(f"gw_{rid}"))
            out.append(f"{indent}  {chain[-1]}[{_label('Gateway')}]")
        if any(r["type"] == WORKLOAD for r in members):
            chain.append(self.g.node_id(f"idsvr_{rid}"))
            out.append(f"{indent}  {chain[-1]}[{_label(_identity_label(members))}]")
        if not chain:
            kind = next((r["type"] for r in members if r["type"] in CLUSTERS), None)
            chain.append(self.g.node_id(f"cluster_{rid}"))
            label = "Kubernetes cluster" if kind or region["cloud"] == "kubernetes" else "region"
            out.append(f"{indent}  {chain[-1]}[{_label(label)}]")
        for a, b in itertools.pairwise(chain):
            self.g.edge(a, "-->", b)
        return chain

    def global_stores(self) -> list[str]:
        """Stores of no region (global database clusters), outside every region's subgraph."""
        lines = []
        for r in self.by_region.get(None, []):
            if r["type"] in STORES and r["type"] != "aws:dynamodb/table:Table":
                node = self.g.node_id(f"store_global_{r['name']}")
                self.store_nodes[r["urn"]] = node
                label = f"{STORES[r['type']]} (global)<br/>{r['name']}"
                lines.append(f"  {node}[({_label(label)})]")
        return lines

    def store_edge(self, a: Resource, arrow: str, b: Resource, label: str) -> None:
        self.g.edge(self.store_nodes[a["urn"]], arrow, self.store_nodes[b["urn"]], label)

    def stores_of(self, type_token: str) -> list[Resource]:
        return [
            r for r in self.resources if r["type"] == type_token and r["urn"] in self.store_nodes
        ]


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


def _replication_edges(chart: _Chart) -> None:
    _aurora_edges(chart)
    _dynamodb_edges(chart)
    _cloudsql_edges(chart)
    _cnpg_edges(chart)
    # Aurora DSQL: peered clusters are written synchronously in every region.
    dsql = chart.stores_of("aws:dsql/cluster:Cluster")
    if any(r["type"] == "aws:dsql/clusterPeering:ClusterPeering" for r in chart.resources):
        for a, b in itertools.pairwise(dsql):
            chart.store_edge(a, "<-.->", b, "DSQL peering")


def _aurora_edges(chart: _Chart) -> None:
    """Aurora Global Database: members share a globalClusterIdentifier; the writer is the one
    created with credentials (secondaries inherit them from the global cluster)."""
    aurora: dict[str, list[Resource]] = {}
    for r in chart.stores_of("aws:rds/cluster:Cluster"):
        gid = r["inputs"].get("globalClusterIdentifier")
        if isinstance(gid, str) and gid:
            aurora.setdefault(gid, []).append(r)
    credentials = {"masterUsername", "masterPassword", "manageMasterUserPassword"}
    for members in aurora.values():
        writer = next((m for m in members if credentials & set(m["inputs"])), members[0])
        for m in members:
            if m is not writer:
                chart.store_edge(writer, "-.->", m, "Aurora global")


def _dynamodb_edges(chart: _Chart) -> None:
    """DynamoDB global tables: one edge per pair of regions, however many tables replicate."""
    nodes = chart.dynamo_nodes
    for table in (r for r in chart.resources if r["type"] == "aws:dynamodb/table:Table"):
        source = chart.home(table)
        for location in _replica_locations(table):
            target = chart.location_to_region.get(("aws", location))
            if source is None or target is None or source == target:
                continue
            if source in nodes and target in nodes:
                chart.g.edge(nodes[source], "<-.->", nodes[target], "global tables")


def _cloudsql_edges(chart: _Chart) -> None:
    """Cloud SQL: a replica names its primary in masterInstanceName: the primary's `name`
    input, or the name Pulumi generates from its logical name (`<name>-<suffix>`)."""
    sql = chart.stores_of("gcp:sql/databaseInstance:DatabaseInstance")
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
            chart.store_edge(primary, "-.->", replica, "replica")


def _cnpg_edges(chart: _Chart) -> None:
    """CloudNativePG: a replica cluster (spec.replica.enabled) streams from a primary cluster
    of another region, named by its replica source / external cluster entries."""
    cnpg = chart.stores_of("kubernetes:postgresql.cnpg.io/v1:Cluster")

    def is_replica(cluster: Resource) -> bool:
        return bool(((cluster["inputs"].get("spec") or {}).get("replica") or {}).get("enabled"))

    for replica in filter(is_replica, cnpg):
        hints = _cnpg_source_hints(replica["inputs"].get("spec") or {})
        candidates = [
            c
            for c in cnpg
            if c is not replica and chart.home(c) != chart.home(replica) and not is_replica(c)
        ]
        named = [
            c
            for c in candidates
            if any(name in hint for name in _cnpg_names(c, chart.home(c)) for hint in hints)
        ]
        for primary in named or (candidates if len(candidates) == 1 else []):
            chart.store_edge(primary, "-.->", replica, "replica cluster")


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
