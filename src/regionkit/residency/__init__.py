"""Data residency: where each data class lives, how it moves, where DNS sends users, and the
seed article's multi-region test scenarios.

    report = analyse(spec)            # stores, replication edges, DNS paths, findings
    report.findings                   # what `regionkit validate` reports for residency
    for s in scenarios(spec): ...     # login / session / refresh for every reroute

The renderers (`render_report`, `report_markdown`, `scenarios_markdown`) live in
`regionkit.residency.render`, imported on first use so the analysis needs no rich.
"""

from __future__ import annotations

import importlib
from typing import Any

from regionkit.residency.analysis import analyse
from regionkit.residency.report import (
    CROSS_BORDER,
    FAILOVER,
    GLOBAL_HOSTNAME,
    REACH,
    ROUTING,
    RULES,
    SUB_CLUSTER,
    DnsPath,
    Edge,
    EdgeKind,
    HostnameHint,
    Place,
    ResidencyReport,
    Store,
    transfer_allowed,
)
from regionkit.residency.scenarios import Scenario, Verdict, evaluate, scenarios

_RENDER = ("render_report", "report_markdown", "scenarios_markdown")

__all__ = [
    "CROSS_BORDER",
    "FAILOVER",
    "GLOBAL_HOSTNAME",
    "REACH",
    "ROUTING",
    "RULES",
    "SUB_CLUSTER",
    "DnsPath",
    "Edge",
    "EdgeKind",
    "HostnameHint",
    "Place",
    "ResidencyReport",
    "Scenario",
    "Store",
    "Verdict",
    "analyse",
    "evaluate",
    "render_report",
    "report_markdown",
    "scenarios",
    "scenarios_markdown",
    "transfer_allowed",
]


def __getattr__(name: str) -> Any:
    if name in _RENDER:
        return getattr(importlib.import_module("regionkit.residency.render"), name)
    raise AttributeError(f"module 'regionkit.residency' has no attribute {name!r}")
