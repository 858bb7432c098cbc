"""Validation of a loaded stack (DESIGN section 1): pure functions from a spec to findings.

`validate(loaded)` runs the stack-wide checks (shape across sub-clusters, and the residency
analysis, which walks every deployment itself) and every per-deployment check on every deployment
(the stack, or each sub-cluster), and locates each finding at the file and line of its key path.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from regionkit.checks import (
    backups,
    budget,
    cluster_api,
    clusters,
    config,
    config_sync,
    dns_none,
    eks,
    engines,
    existing_cluster,
    gke,
    global_hostname,
    identity,
    quantities,
    residency,
    routing,
    security,
    shape,
)
from regionkit.findings import Finding
from regionkit.spec.loader import LoadedStack
from regionkit.spec.models import StackSpec
from regionkit.spec.paths import Paths

#: the checks run on each deployment, in report order
DEPLOYMENT_CHECKS: tuple[Callable[[Paths], list[Finding]], ...] = (
    shape.check,
    security.check,
    quantities.check,
    config_sync.check,
    engines.check,
    clusters.check,
    cluster_api.check,
    existing_cluster.check,
    eks.check,
    gke.check,
    identity.check,
    routing.check,
    budget.check,
    dns_none.check,
)

#: the checks run once on the whole stack
STACK_CHECKS: tuple[Callable[[StackSpec], list[Finding]], ...] = (
    shape.check_stack,
    global_hostname.check_stack,
    residency.check_stack,
)


def check_spec(spec: StackSpec) -> list[Finding]:
    """Every finding of `spec`, unlocated (for stacks built in Python, with no file)."""
    findings = [f for check in STACK_CHECKS for f in check(spec)]
    for deployment in spec.deployments():
        paths = Paths(spec, deployment)
        for check in DEPLOYMENT_CHECKS:
            findings.extend(check(paths))
        findings.extend(backups.check(paths))
    # a setting inherited by several sub-clusters is checked once per sub-cluster
    return list(dict.fromkeys(findings))


def validate(loaded: LoadedStack, *, base_dir: Path | None = None) -> list[Finding]:
    """Every finding of a loaded stack file, located at its file and line, in file order.

    `base_dir`: where `identityServer.config.path` is relative to, when not the stack file's
    directory (a program that passes `TopologyArgs.config_dir`).
    """
    findings = check_spec(loaded.spec)
    findings += config.check(loaded.spec, base_dir or loaded.base_dir)
    located = [loaded.locate(f) for f in findings]
    return sorted(located, key=lambda f: f.line if f.line is not None else 0)


__all__ = ["check_spec", "validate"]
