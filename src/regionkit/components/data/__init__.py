"""Data-store components, one per engine; each serves one `StoreGroup`."""

from __future__ import annotations

import importlib
from typing import Any

from regionkit.spec.models import Engine

_STORES: dict[Engine, tuple[str, str]] = {
    Engine.AURORA_POSTGRESQL: ("regionkit.components.data.aurora_postgresql", "AuroraPostgresql"),
    Engine.AURORA_DSQL: ("regionkit.components.data.aurora_dsql", "AuroraDsql"),
    Engine.DYNAMODB: ("regionkit.components.data.dynamodb", "DynamoDb"),
    Engine.CLOUDSQL_POSTGRESQL: ("regionkit.components.data.cloudsql", "CloudSqlPostgresql"),
    Engine.SPANNER: ("regionkit.components.data.spanner", "Spanner"),
    Engine.CNPG: ("regionkit.components.data.cnpg", "Cnpg"),
    Engine.EXTERNAL: ("regionkit.components.data.external", "External"),
}


def store_for(engine: Engine) -> Any:
    """The component class of `engine`, imported only when a stack uses it."""
    module, cls = _STORES[engine]
    return getattr(importlib.import_module(module), cls)
