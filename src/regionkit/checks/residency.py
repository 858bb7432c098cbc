"""Residency in `regionkit validate`: the findings of the residency analysis, once per stack.

The rules (cross-border replication, regions outside their sub-cluster's jurisdiction, routing
and failover away from personal data, reach of accounts and tokens, the global hostname) live in
`regionkit.residency`, the one implementation that validate, plan and the Python API share.
"""

from __future__ import annotations

from regionkit.findings import Finding
from regionkit.residency.analysis import analyse
from regionkit.residency.report import transfer_allowed
from regionkit.spec.models import StackSpec


def check_stack(spec: StackSpec) -> list[Finding]:
    """The residency findings of `spec`, at stack-file key paths."""
    return list(analyse(spec).findings)


__all__ = ["check_stack", "transfer_allowed"]
