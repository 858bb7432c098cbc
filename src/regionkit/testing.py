"""Unit-testing your own Pulumi program that uses regionkit components.

Pulumi's plain mocks echo a resource's inputs back as its outputs, which leaves empty what a
cloud computes: a Gateway's address, a cluster's certificate authority, a table's ARN.
`RegionkitMocks` answers those as `regionkit plan` does (deterministic placeholders derived from
resource names) and remembers what was created, for ordinary `pulumi.runtime.set_mocks`:

    mocks = RegionkitMocks()
    pulumi.runtime.set_mocks(mocks, preview=False)

Subclass it for your own resources' outputs and call `super()` for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from regionkit.plan.recorder import PlanMocks

__all__ = ["Created", "RegionkitMocks"]


@dataclass(frozen=True)
class Created:
    """A resource the program created under the mocks: type token, name, inputs."""

    type: str
    name: str
    inputs: dict[str, Any]


class RegionkitMocks(PlanMocks):
    """Pulumi mocks with the outputs regionkit's components read; `created` lists every resource."""

    def __init__(self) -> None:
        super().__init__()
        self.created: list[Created] = []

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        resource_id, state = super().new_resource(args)
        self.created.append(Created(args.typ, args.name, dict(args.inputs)))
        return resource_id, state

    def of_type(self, type_token: str) -> list[Created]:
        """The created resources of one type, e.g. `kubernetes:apps/v1:Deployment`."""
        return [c for c in self.created if c.type == type_token]
