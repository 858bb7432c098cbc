"""Data-store components, one per engine (registered in `STORES`); each serves one `StoreGroup`.

Adding an engine: a module with a `MultiRegionStore` subclass, its row in `catalog/engines.py`
and its line here.
"""

from __future__ import annotations

from regionkit.components.protocols import Lazy, StoreClass
from regionkit.spec.models import Engine

STORES: dict[Engine, Lazy[StoreClass]] = {
    Engine.AURORA_POSTGRESQL: Lazy(
        "regionkit.components.data.aurora_postgresql", "AuroraPostgresql"
    ),
    Engine.AURORA_DSQL: Lazy("regionkit.components.data.aurora_dsql", "AuroraDsql"),
    Engine.DYNAMODB: Lazy("regionkit.components.data.dynamodb", "DynamoDb"),
    Engine.CLOUDSQL_POSTGRESQL: Lazy("regionkit.components.data.cloudsql", "CloudSqlPostgresql"),
    Engine.SPANNER: Lazy("regionkit.components.data.spanner", "Spanner"),
    Engine.CNPG: Lazy("regionkit.components.data.cnpg", "Cnpg"),
    Engine.EXTERNAL: Lazy("regionkit.components.data.external", "External"),
}


def store_for(engine: Engine) -> StoreClass:
    """The component class of `engine`, imported only when a stack uses it."""
    return STORES[engine].load()
