"""What validation says of a deployment a component test builds: the other half of a guard.

A component raises ValueError for input a check refuses (the caller skipped validation); its
test shows both halves: the check refuses the input, and the component names that check.
"""

from __future__ import annotations

from regionkit.checks import check_spec
from regionkit.spec.models import Deployment, StackSpec


def stack_of(deployment: Deployment) -> StackSpec:
    """The stack whose only deployment is `deployment` (never a sub-cluster's)."""
    assert deployment.sub_cluster is None, "a sub-cluster's key paths need its whole stack"
    return StackSpec(
        name=deployment.name,
        topology=deployment.topology,
        identity_server=deployment.identity_server,
        dns=deployment.dns,
        data=deployment.data,
        residency=deployment.residency,
        consistency=deployment.consistency,
        regions=deployment.regions,
        config_sync=deployment.config_sync,
        clouds=deployment.clouds,
    )


def refusals(deployment: Deployment) -> set[str]:
    """The rules of the error findings the checks give the stack of `deployment`."""
    return {f.rule for f in check_spec(stack_of(deployment)) if f.is_error}
