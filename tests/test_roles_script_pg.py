"""The admin's roles script, then the schema script, run for real against PostgreSQL.

As on Aurora or Cloud SQL, the database belongs to an admin login that is no superuser but may
create roles (CREATEROLE), and the identity server's owner and runtime roles do not exist yet:
the roles script makes them, then the schema script creates the schema as the owner and grants
the runtime role data access. The server is the one `test_schema_script_pg` starts.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

import pytest

from regionkit.catalog import postgres
from tests.test_schema_script_pg import FIXTURE, Server, _snapshot, _tables, server

__all__ = ["server"]  # the module-scoped PostgreSQL of the schema script's tests

ADMIN, ADMIN_PASSWORD = "cluster_admin", "admin-secret-0"
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def admin(server: Server) -> str:
    server.admin(f"CREATE ROLE {ADMIN} LOGIN CREATEROLE PASSWORD '{ADMIN_PASSWORD}'")
    return ADMIN


@pytest.fixture
def names(server: Server, admin: str) -> tuple[str, str, str]:
    """A database of the admin's (as a managed database is), and two role names not yet made."""
    n = next(_ids)
    database = f"managed_{n}"
    server.admin(f"CREATE DATABASE {database} OWNER {admin}")
    return database, f"owner_{n}", f"runtime_{n}"


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    (tmp_path / postgres.SCRIPT_NAME).write_text(postgres.schema_script(), encoding="utf-8")
    (tmp_path / postgres.ROLES_SCRIPT_NAME).write_text(postgres.roles_script(), encoding="utf-8")
    return tmp_path


def _run(
    server: Server,
    scripts: Path,
    script: str,
    database: str,
    *,
    user: str,
    password: str,
    **extra: str,
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{server.bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(scripts),
        "JDBC_URL": f"jdbc:postgresql://127.0.0.1:{server.port}/{database}?sslmode=require",
        "PGUSER": user,
        "PGPASSWORD": password,
        "PGSSLMODE": "disable",
        postgres.SCRIPT_SQL_FILE_ENV: str(FIXTURE),
        **extra,
    }
    return subprocess.run(
        ["sh", str(scripts / script)], env=env, capture_output=True, text=True, timeout=120
    )


def _roles(
    server: Server,
    scripts: Path,
    names: tuple[str, str, str],
    runtime_password: str = "rt-1",
    extensions: str | None = None,
) -> subprocess.CompletedProcess[str]:
    database, owner, runtime = names
    extra = {} if extensions is None else {postgres.ROLES_SCRIPT_EXTENSIONS_ENV: extensions}
    return _run(
        server, scripts, postgres.ROLES_SCRIPT_NAME, database,
        user=ADMIN, password=ADMIN_PASSWORD,
        SCHEMA_OWNER_ROLE=owner, SCHEMA_OWNER_PASSWORD="ow-1",
        SCHEMA_RUNTIME_ROLE=runtime, SCHEMA_RUNTIME_PASSWORD=runtime_password,
        **extra,
    )  # fmt: skip


def _schema(
    server: Server, scripts: Path, names: tuple[str, str, str]
) -> subprocess.CompletedProcess[str]:
    database, owner, runtime = names
    return _run(
        server, scripts, postgres.SCRIPT_NAME, database,
        user=owner, password="ow-1", SCHEMA_RUNTIME_ROLE=runtime,
    )  # fmt: skip


def test_the_admin_makes_both_roles_then_the_owner_creates_the_schema(
    server: Server, scripts: Path, names: tuple[str, str, str]
) -> None:
    database, owner, runtime = names
    roles = _roles(server, scripts, names)
    assert roles.returncode == 0, roles.stderr
    assert "rt-1" not in roles.stdout + roles.stderr and "ow-1" not in roles.stdout + roles.stderr
    rights = server.admin(
        "SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles "
        f"WHERE rolname IN ('{owner}', '{runtime}') ORDER BY 1"
    )
    assert rights.splitlines() == [f"{owner}|t|f|f|f", f"{runtime}|t|f|f|f"]
    # the admin, not the owner, installs the extension the schema file names
    assert (
        server.admin(
            "SELECT extowner::regrole FROM pg_extension WHERE extname = 'uuid-ossp'", database
        )
        == ADMIN
    )
    schema = _schema(server, scripts, names)
    assert schema.returncode == 0, schema.stderr
    assert "creating the schema" in schema.stdout
    owners = server.admin(
        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'", database
    )
    assert owners == owner and len(_tables(server, database)) == 12
    wrote = server.psql(
        "INSERT INTO sessions (id, session_data, expires) VALUES ('s', 'x', 1)",
        database=database, user=runtime, password="rt-1",
    )  # fmt: skip
    assert wrote.returncode == 0, wrote.stderr
    refused = server.psql(
        "CREATE TABLE extra (id INT)", database=database, user=runtime, password="rt-1"
    )
    assert refused.returncode != 0 and "permission denied" in refused.stderr


def test_running_both_again_changes_nothing_and_a_new_password_takes_effect(
    server: Server, scripts: Path, names: tuple[str, str, str]
) -> None:
    database, _, runtime = names
    assert _roles(server, scripts, names).returncode == 0
    assert _schema(server, scripts, names).returncode == 0
    before = _snapshot(server, database)
    again = _roles(server, scripts, names, runtime_password="rt-2")
    assert again.returncode == 0, again.stderr
    second = _schema(server, scripts, names)
    assert second.returncode == 0 and "nothing to create" in second.stdout
    assert _snapshot(server, database) == before
    old = server.psql("SELECT 1", database=database, user=runtime, password="rt-1")
    new = server.psql("SELECT 1", database=database, user=runtime, password="rt-2")
    assert old.returncode != 0 and new.returncode == 0, new.stderr


@pytest.mark.parametrize(
    ("owner", "runtime", "message"),
    [
        ("same_role", "same_role", "must be two roles"),
        (ADMIN, "runtime_x", "may be the admin"),
        ("owner_x", "", "SCHEMA_RUNTIME_ROLE is not set"),
    ],
)
def test_roles_that_would_share_rights_are_refused(
    server: Server, scripts: Path, names: tuple[str, str, str], owner: str, runtime: str,
    message: str,
) -> None:  # fmt: skip
    database = names[0]
    done = _run(
        server, scripts, postgres.ROLES_SCRIPT_NAME, database,
        user=ADMIN, password=ADMIN_PASSWORD,
        SCHEMA_OWNER_ROLE=owner, SCHEMA_OWNER_PASSWORD="ow-1",
        SCHEMA_RUNTIME_ROLE=runtime, SCHEMA_RUNTIME_PASSWORD="rt-1",
    )  # fmt: skip
    assert done.returncode == 2
    assert message in done.stderr
    assert server.admin(f"SELECT count(*) FROM pg_roles WHERE rolname = '{owner}'") == (
        "1" if owner == ADMIN else "0"
    )


def test_the_admin_also_creates_the_extensions_it_is_given(
    server: Server, scripts: Path, names: tuple[str, str, str]
) -> None:
    """As pgaudit on Aurora and Cloud SQL (which this server does not have): pg_trgm, which a
    database's owner may create, stands in for it."""
    database = names[0]
    done = _roles(server, scripts, names, extensions="pg_trgm")
    assert done.returncode == 0, done.stderr
    assert "extension pg_trgm is installed" in done.stdout
    installed = server.admin(
        "SELECT extname, extowner::regrole FROM pg_extension "
        "WHERE extname IN ('pg_trgm', 'uuid-ossp') ORDER BY 1",
        database,
    )
    assert installed.splitlines() == [f"pg_trgm|{ADMIN}", f"uuid-ossp|{ADMIN}"]


def test_an_extension_that_is_no_name_is_refused_before_anything_is_made(
    server: Server, scripts: Path, names: tuple[str, str, str]
) -> None:
    owner = names[1]
    done = _roles(server, scripts, names, extensions="pgaudit x;drop")
    assert done.returncode == 2
    assert "'x;drop' is not an extension name" in done.stderr
    assert server.admin(f"SELECT count(*) FROM pg_roles WHERE rolname = '{owner}'") == "0"
