"""What every data-store component shares: the placement loop and the connection guard.

A store serves one `StoreGroup`: one store per placement (a tuple of regions replicated
together, with its writer region). A subclass checks the group before anything is registered
(`check`) and builds one placement at a time (`place`), returning the connection of each
region it serves; `connection(region_id)` answers from those.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi

from regionkit.components.protocols import DataConnection, StoreArgs
from regionkit.model import StoreGroup, data_source_id


@dataclass(frozen=True)
class Placement:
    """One store of a group: its index in the group, its regions and its writer region."""

    index: int
    regions: tuple[str, ...]
    writer: str


class MultiRegionStore(pulumi.ComponentResource):
    """Base of the data-store components, one subclass per engine."""

    TOKEN: ClassVar[str]

    def __init__(self, name: str, args: StoreArgs, opts: pulumi.ResourceOptions | None = None):
        self.check(args)
        super().__init__(self.TOKEN, name, {}, opts)
        self.group: StoreGroup = args.group
        self.source_id = data_source_id(args.group.data_classes)
        self._connections: dict[str, DataConnection] = {}
        group = args.group
        for index, (regions, writer) in enumerate(
            zip(group.placements, group.writers, strict=True)
        ):
            self._connections.update(self.place(name, args, Placement(index, regions, writer)))
        self.register_outputs(self.outputs())

    def check(self, args: StoreArgs) -> None:
        """Reject a group the engine cannot hold, before any resource is registered."""

    def place(self, name: str, args: StoreArgs, placement: Placement) -> dict[str, DataConnection]:
        """Register one placement's store; the connection of each region it serves."""
        raise NotImplementedError

    def outputs(self) -> dict[str, Any]:
        return {}

    def connection(self, region_id: str) -> DataConnection:
        try:
            return self._connections[region_id]
        except KeyError:
            raise KeyError(
                f"region '{region_id}' is not served by the {self.group.engine.value} store "
                f"{self.source_id}"
            ) from None
