"""PostgreSQL facts of the identity server's schema job (components/schema_job.py).

The identity server image ships its schema as SQL but has no `psql`; the job copies the SQL out
of the configured image and runs it with `psql` from the official PostgreSQL image, through the
script `data/postgres-schema.sh`. Curity 11.0 and later also upgrade a schema with Liquibase,
`idsvr -L default`, run from the identity server image itself.
"""

from __future__ import annotations

import re
from importlib import resources

from regionkit.catalog.idsvr import HOME_DIR, IDSVR_BIN

#: the official image, for `psql`: a Debian one (sh, awk, sed); a pinned minor release
PSQL_IMAGE = "docker.io/library/postgres:17.6-bookworm"

#: where the identity server image keeps its PostgreSQL schema
CREATE_SQL = f"{HOME_DIR}/etc/postgres-create_database.sql"
#: Curity's own Liquibase changelog (`$IDSVR_HOME/etc/liquibase`); applying it again is a no-op
LIQUIBASE_COMMAND = (IDSVR_BIN, "-L", "default")
#: the first version whose `idsvr` has `-L` (schema migrations)
LIQUIBASE_SINCE = (11, 0)
#: the environment `idsvr -L` reads its connection from (Curity's schema migration docs)
LIQUIBASE_ENV = ("JDBC_URL", "JDBC_USERNAME", "JDBC_PASSWORD")

#: the script's file name (package data) and what it reads
SCRIPT_NAME = "postgres-schema.sh"
#: the two login roles of a store regionkit manages: the owner (DDL, the schema job only) and
#: the role the identity server connects as (data access only)
OWNER_ROLE = "idsvr_owner"
RUNTIME_ROLE = "idsvr_runtime"
#: the admin's script that makes the owner and runtime roles first (Aurora, Cloud SQL)
ROLES_SCRIPT_NAME = "postgres-roles.sh"
ROLES_SCRIPT_OWNER_ENV = ("SCHEMA_OWNER_ROLE", "SCHEMA_OWNER_PASSWORD")
ROLES_SCRIPT_RUNTIME_ENV = ("SCHEMA_RUNTIME_ROLE", "SCHEMA_RUNTIME_PASSWORD")
#: extensions the admin creates besides the schema file's (space-separated names)
ROLES_SCRIPT_EXTENSIONS_ENV = "ADMIN_EXTENSIONS"
SCRIPT_SQL_FILE_ENV = "SCHEMA_SQL_FILE"
SCRIPT_RUNTIME_ROLE_ENV = "SCHEMA_RUNTIME_ROLE"
SCRIPT_JDBC_URL_ENV = "JDBC_URL"
#: the script's exit status for a half-created schema (2: invalid input; others: psql's)
HALF_CREATED_STATUS = 4

_VERSION_TAG = re.compile(r":(\d+)\.(\d+)(?:[.\-].*)?$")


def schema_script() -> str:
    """The text of the script the job runs (shipped as package data)."""
    return _script(SCRIPT_NAME)


def roles_script() -> str:
    """The text of the admin's roles script (shipped as package data)."""
    return _script(ROLES_SCRIPT_NAME)


def _script(name: str) -> str:
    return resources.files("regionkit.catalog").joinpath("data", name).read_text("utf-8")


def has_liquibase(image: str) -> bool:
    """Whether an identity server image can run `idsvr -L` (11.0 and later).

    A tag such as `:11.2` or `:10.7.1` decides; an image pinned by digest alone is taken to be
    a current one.
    """
    reference = image.split("@", 1)[0]
    match = _VERSION_TAG.search(reference.rsplit("/", 1)[-1])
    if match is None:
        return True
    return (int(match.group(1)), int(match.group(2))) >= LIQUIBASE_SINCE
