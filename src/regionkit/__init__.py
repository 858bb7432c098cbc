"""regionkit: multi-region OAuth identity server topologies on Pulumi.

The components are imported on first use, so `import regionkit` (and the CLI) stay fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

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

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'regionkit' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
