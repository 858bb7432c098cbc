"""A latency map of a stack's users and region placement advice: pure functions, no Pulumi.

    report = latency_map(spec)              # where each user country goes and how fast
    best = suggest(spec, 3)                 # candidate regions that most lower the p95

The model (`regionkit.latency.model`) is calibrated on a published inter-region round-trip table;
countries' centres and populations come from the catalog (`regionkit.catalog.countries`).
"""

from __future__ import annotations

from regionkit.latency.model import DEFAULT_MODEL, LatencyModel
from regionkit.latency.report import Failure, LatencyReport, latency_map
from regionkit.latency.routing import Placement, Target
from regionkit.latency.suggest import Suggestion, suggest
from regionkit.latency.users import Users, default_users, load_users, parse_users

__all__ = [
    "DEFAULT_MODEL",
    "Failure",
    "LatencyModel",
    "LatencyReport",
    "Placement",
    "Suggestion",
    "Target",
    "Users",
    "default_users",
    "latency_map",
    "load_users",
    "parse_users",
    "suggest",
]
