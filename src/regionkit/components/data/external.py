"""A database regionkit does not manage (engine `external`).

Nothing is created: each region's namespace already holds the Secret named by
`connection.secretName` with JDBC_URL, DB_USERNAME and DB_PASSWORD, and the identity server
reads it with the data source's prefix (`envFrom` with `prefix`). regionkit only opens egress to
the database's port; the address is whatever JDBC_URL says, so the rule allows any destination
unless the caller narrows it with `cidrs`.

No schema job: regionkit holds no credentials for a database it does not manage but the
runtime's own (DB_USERNAME/DB_PASSWORD), which should be the data-only role of the least-privilege
split that the managed engines make, not one that may create tables. Whoever owns the database
creates the schema once, and upgrades it on a new image version, with the identity server's own
tooling (`idsvr -I`, then `idsvr -L default` from 11.0, with JDBC_URL/JDBC_USERNAME/JDBC_PASSWORD
of the owner; or the image's `etc/postgres-create_database.sql`); the README says so.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi

from regionkit.components.data.base import MultiRegionStore, Placement
from regionkit.components.protocols import DataConnection, EgressRule, StoreArgs
from regionkit.model import type_token
from regionkit.spec.models import Engine

POSTGRESQL_PORT = 5432


class External(MultiRegionStore):
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
        if not 0 < port < 65536:
            raise ValueError(f"port {port} is not a TCP port")
        self._egress = (EgressRule(port=port, cidrs=cidrs),)
        self.secret_name = args.group.secret_name
        super().__init__(name, args, opts)

    def check(self, args: StoreArgs) -> None:
        group = args.group
        if group.engine is not Engine.EXTERNAL:
            raise ValueError(f"External serves engine 'external', not {group.engine.value!r}")
        if not group.secret_name:
            raise ValueError(
                f"data classes {', '.join(group.data_classes)}: engine 'external' needs "
                "connection.secretName (an existing Secret in each region's namespace)"
            )

    def place(self, name: str, args: StoreArgs, placement: Placement) -> dict[str, DataConnection]:
        connection = DataConnection(
            engine=Engine.EXTERNAL,
            data_classes=self.group.data_classes,
            data_source_id=self.source_id,
            secret_ref=self.group.secret_name,
            egress=self._egress,
        )
        return dict.fromkeys(placement.regions, connection)

    def outputs(self) -> dict[str, Any]:
        return {"secretName": self.group.secret_name, "dataSource": self.source_id}
