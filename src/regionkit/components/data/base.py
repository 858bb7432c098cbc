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
from regionkit.model import StoreGroup, data_source_id, placement_key

#: the input of a single-writer store component listing each placement's writer
WRITERS_INPUT = "writers"


@dataclass(frozen=True)
class Placement:
    """One store of a group: its index in the group, its regions and its writer region."""

    index: int
    regions: tuple[str, ...]
    #: the stack file's writer region: where the store was created and keeps its structure
    writer: str
    #: the region that writes now: `writer` unless a failover moved it (roles.json)
    current: str = ""

    @property
    def writes(self) -> str:
        """The region whose nodes connect read-write."""
        return self.current or self.writer


class MultiRegionStore(pulumi.ComponentResource):
    """Base of the data-store components, one subclass per engine."""

    TOKEN: ClassVar[str]
    #: one writer per placement, which a failover moves (Aurora, Cloud SQL, CloudNativePG)
    SINGLE_WRITER: ClassVar[bool] = False

    def __init__(self, name: str, args: StoreArgs, opts: pulumi.ResourceOptions | None = None):
        self.check(args)
        group = args.group
        placements = []
        for index, (regions, writer) in enumerate(
            zip(group.placements, group.writers, strict=True)
        ):
            current = current_writer(args, index)
            placements.append(
                Placement(index, regions, writer, current if current in regions else writer)
            )
        # registered, so a plan shows the writers deployed (and where they come from)
        props = {WRITERS_INPUT: self._writers(args, placements)} if self.SINGLE_WRITER else {}
        super().__init__(self.TOKEN, name, props, opts)
        self.group: StoreGroup = group
        self.source_id = data_source_id(group.data_classes)
        self._connections: dict[str, DataConnection] = {}
        for placement in placements:
            self._connections.update(self.place(name, args, placement))
        self.register_outputs(self.outputs())

    @staticmethod
    def _writers(args: StoreArgs, placements: list[Placement]) -> list[dict[str, Any]]:
        return [
            {
                "key": placement_key(args.deployment, args.group, p.index),
                "engine": args.group.engine.value,
                "regions": list(p.regions),
                "writer": p.writes,
                "stackFileWriter": p.writer,
                "source": "recorded" if p.writes != p.writer else "stack file",
            }
            for p in placements
            if len(p.regions) > 1
        ]

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


def current_writer(args: StoreArgs, index: int) -> str:
    """The recorded writer of placement `index` of `args.group` ("" when none is recorded)."""
    return args.settings.current_writers.get(placement_key(args.deployment, args.group, index), "")
