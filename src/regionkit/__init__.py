"""regionkit: multi-region OAuth identity server topologies on Pulumi.

The components are imported on first use, so `import regionkit` (and `regionkit validate`, which
never imports Pulumi) stay fast. Type checkers see the real imports below, so
`from regionkit import ActivePassive` is the class itself to mypy, not `Any`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from regionkit.program import stack_program
    from regionkit.spec.loader import load_stack
    from regionkit.spec.models import StackSpec
    from regionkit.topologies.active_passive import ActivePassive
    from regionkit.topologies.base import TopologyArgs
    from regionkit.topologies.global_cluster import GlobalCluster
    from regionkit.topologies.single_region import SingleRegion
    from regionkit.topologies.sub_clusters import SubClusters

_EXPORTS = {
    "SingleRegion": "regionkit.topologies.single_region",
    "ActivePassive": "regionkit.topologies.active_passive",
    "GlobalCluster": "regionkit.topologies.global_cluster",
    "SubClusters": "regionkit.topologies.sub_clusters",
    "TopologyArgs": "regionkit.topologies.base",
    "StackSpec": "regionkit.spec.models",
    "load_stack": "regionkit.spec.loader",
    "stack_program": "regionkit.program",
}

__all__ = [
    "ActivePassive",
    "GlobalCluster",
    "SingleRegion",
    "StackSpec",
    "SubClusters",
    "TopologyArgs",
    "load_stack",
    "stack_program",
]

if not TYPE_CHECKING:
    # Hidden from type checkers: they resolve the names through the imports above, and an
    # unknown name stays an error for them instead of becoming `Any`.

    def __getattr__(name: str) -> object:
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module 'regionkit' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # the next access skips this hook
        return value
