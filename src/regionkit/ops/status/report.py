"""The status document of a stack (`--json`) and its table (a terminal)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.targets import store_targets
from regionkit.ops.status.reading import UNKNOWN, Reading
from regionkit.ops.status.regions import dns_answer, region_row
from regionkit.ops.status.stores import Now, store_rows, utcnow


def status_document(
    resolved: Sequence[Any], clients: Clients, environment: str, now: Now = utcnow
) -> dict[str, Any]:
    """Every reading of the stack's deployments (`model.resolve(spec).deployments`)."""
    hostnames, regions, stores = [], [], []
    for deployment in resolved:
        hostname = deployment.deployment.hostname
        answer = dns_answer(clients, hostname)
        hostnames.append({"hostname": hostname, "answer": answer})
        regions += [
            region_row(clients, deployment, r.id, answer) for r in deployment.deployment.regions
        ]
        stores += [
            store_rows(clients, t, now) for t in store_targets(deployment) if len(t.regions) > 1
        ]
    document: dict[str, Any] = as_json(
        {
            "apiVersion": "regionkit/v1",
            "stack": environment,
            "dns": hostnames,
            "regions": regions,
            "stores": stores,
        }
    )
    return document


def as_json(value: Any) -> Any:
    if isinstance(value, Reading):
        return value.to_json()
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


def _cell(reading: dict[str, Any]) -> Text:
    if reading["state"] == UNKNOWN:
        return Text(f"unknown: {reading['reason']}", style="yellow")
    value = reading["value"]
    if isinstance(value, bool):
        return Text("yes" if value else "no", style="green" if value else "red")
    if value is None:
        return Text(reading.get("reason") or "-", style="dim")
    if isinstance(value, list):
        return Text(", ".join(map(str, value)))
    style = {"unhealthy": "red", "healthy": "green", "promoted": "bold yellow"}.get(str(value), "")
    return Text(str(value), style=style)


def render_status(document: dict[str, Any]) -> RenderableType:
    """Regions, then stores, as tables."""
    parts: list[RenderableType] = [Text(f"regionkit status: {document['stack']}", style="bold")]
    for item in document["dns"]:
        parts.append(Text.assemble(f"DNS {item['hostname']}: ", _cell(item["answer"])))
    regions = Table(title="Regions", box=box.SIMPLE_HEAD, title_justify="left")
    for column in ("region", "in DNS answer", "health check", "/serving", "ready replicas"):
        regions.add_column(column, overflow="fold")
    for row in document["regions"]:
        regions.add_row(
            row["id"],
            *(_cell(row[k]) for k in ("inDnsAnswer", "health", "serving", "readyReplicas")),
        )
    parts.append(regions)
    if document["stores"]:
        stores = Table(title="Stores", box=box.SIMPLE_HEAD, title_justify="left")
        for column in ("store", "region", "role", "replication lag (s)"):
            stores.add_column(column, overflow="fold")
        for store in document["stores"]:
            for row in store["regions"]:
                stores.add_row(
                    f"{store['engine']} {store['key']}",
                    row["id"],
                    _cell(row["role"]),
                    _cell(row["lag"]),
                )
        parts.append(stores)
    return Group(*parts)
