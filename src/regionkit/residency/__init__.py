"""Data residency: where each data class lives, how it moves, where DNS sends users, and the
seed article's multi-region test scenarios.

    report = analyse(spec)            # stores, replication edges, DNS paths, findings
    report.findings                   # what `regionkit validate` reports for residency
    for s in scenarios(spec): ...     # login / session / refresh for every reroute

Every name is imported on first use: the analysis needs no rich, and the routing model
(`regionkit.residency.routing`, which the latency map reuses) needs neither.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from regionkit.residency.analysis import analyse
    from regionkit.residency.render import render_report, report_markdown, scenarios_markdown
    from regionkit.residency.scenarios import Scenario, Verdict, evaluate, scenarios

#: names imported on first use, with their modules: the analysis pulls in the components'
#: protocols (and Pulumi), which the routing model (`regionkit.residency.routing`) must not
_MODULES = {
    "analyse": "analysis",
    **dict.fromkeys(("render_report", "report_markdown", "scenarios_markdown"), "render"),
    **dict.fromkeys(("Scenario", "Verdict", "evaluate", "scenarios"), "scenarios"),
}

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
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'regionkit.residency' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"regionkit.residency.{module}"), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """Keeps `scenarios` the function: importing a submodule binds it on its package."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _MODULES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
