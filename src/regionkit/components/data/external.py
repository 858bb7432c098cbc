"""A database regionkit does not manage (engine `external`).

Nothing is created: each region's namespace already holds the Secret named by
`connection.secretName` with JDBC_URL, DB_USERNAME and DB_PASSWORD, and the identity server
reads it with the data source's prefix (`envFrom` with `prefix`). regionkit only opens egress to
the database's port; the address is whatever JDBC_URL says, so the rule allows any destination
unless the caller narrows it with `cidrs`.
"""

from __future__ import annotations

from typing import ClassVar

import pulumi

from regionkit.components.protocols import DataConnection, EgressRule, StoreArgs
from regionkit.model import data_source_id, type_token
from regionkit.spec.models import Engine

POSTGRESQL_PORT = 5432


class External(pulumi.ComponentResource):
    """Wires an existing database's Secret into the identity server of every region it serves."""

    TOKEN: ClassVar[str] = type_token("data", "External")

    def __init__(
        self,
        name: str,
        args: StoreArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        port: int = POSTGRESQL_PORT,
        cidrs: tuple[str, ...] = (),
    ) -> None:
        group = args.group
        if group.engine is not Engine.EXTERNAL:
            raise ValueError(f"External serves engine 'external', not {group.engine.value!r}")
        if not group.secret_name:
            raise ValueError(
                f"data classes {', '.join(group.data_classes)}: engine 'external' needs "
                "connection.secretName (an existing Secret in each region's namespace)"
            )
        if not 0 < port < 65536:
            raise ValueError(f"port {port} is not a TCP port")
        super().__init__(self.TOKEN, name, {}, opts)
        self._group = group
        self._regions = frozenset(rid for placement in group.placements for rid in placement)
        self._egress = (EgressRule(port=port, cidrs=cidrs),)
        self.secret_name = group.secret_name
        self.register_outputs(
            {"secretName": group.secret_name, "dataSource": data_source_id(group.data_classes)}
        )

    def connection(self, region_id: str) -> DataConnection:
        if region_id not in self._regions:
            raise ValueError(
                f"region {region_id!r} is not served by the external store of "
                f"{', '.join(self._group.data_classes)}"
            )
        return DataConnection(
            engine=Engine.EXTERNAL,
            data_classes=self._group.data_classes,
            data_source_id=data_source_id(self._group.data_classes),
            secret_ref=self._group.secret_name,
            egress=self._egress,
        )
