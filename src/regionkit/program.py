"""The Pulumi program of a stack file: used by `regionkit plan`, `regionkit up` and `pulumi up`."""

from __future__ import annotations

import pulumi

from regionkit.spec.loader import LoadedStack
from regionkit.spec.models import Topology


def stack_program(loaded: LoadedStack, *, validate: bool = False) -> pulumi.ComponentResource:
    """Instantiate the stack's topology component and export its outputs.

    The CLI runs the checks before calling this; `validate=True` runs them here (for a
    hand-written `__main__.py`).
    """
    from regionkit.topologies import DEPLOYABLE, TopologyArgs
    from regionkit.topologies.sub_clusters import SubClusters

    spec = loaded.spec
    args = TopologyArgs(spec, config_dir=loaded.base_dir, validate=validate)
    if spec.topology is Topology.SUB_CLUSTERS:
        sub = SubClusters(spec.name, args)
        pulumi.export("hostnames", sub.hostnames)
        return sub
    component = DEPLOYABLE[spec.topology](spec.name, args)
    pulumi.export("hostname", component.hostname)
    pulumi.export("issuer", component.issuer)
    pulumi.export("endpoints", component.endpoints)
    return component
