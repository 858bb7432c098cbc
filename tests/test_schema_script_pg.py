"""The schema job's script, run for real (sh + psql) against a PostgreSQL started for the tests.

The server comes from the distribution's packages (.ci/run installs them): initdb and pg_ctl in
a temporary directory, on a free port of 127.0.0.1, as the `postgres` user when the tests run
as root (PostgreSQL refuses root). The database belongs to an owner role without superuser, as
on a managed database; the runtime role is a plain login role. The SQL file is a stand-in with
the shape of the identity server's (tests/fixtures/schema).

Without PostgreSQL these tests are skipped on a workstation, and fail where `CI` is set.
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from regionkit.catalog import postgres

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "schema" / "postgres-create_database.sql"
OWNER, OWNER_PASSWORD = "idsvr_owner", "owner-secret-1"
RUNTIME, RUNTIME_PASSWORD = "idsvr_runtime", "runtime-secret-2"
SERVER_USER = "postgres"


def _bin_dir() -> Path | None:
    """The directory of initdb/pg_ctl/psql: on PATH, else Debian's newest versioned one."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    return versions[-1].parent if versions else None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false"):
        pytest.fail(f"{reason}: CI must run the schema script tests (.ci/run installs PostgreSQL)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    bin_dir: Path
    socket_dir: Path
    port: int

    def psql(
        self,
        sql: str,
        *,
        database: str = "postgres",
        user: str = SERVER_USER,
        password: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """One statement; the superuser over the socket, others with a password over TCP."""
        host = str(self.socket_dir) if password is None else "127.0.0.1"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGPASSWORD": password or ""}
        connect = ["-h", host, "-p", str(self.port), "-U", user, "-d", database]
        options = ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"]
        return subprocess.run(
            [str(self.bin_dir / "psql"), *options, *connect, "-c", sql],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def admin(self, sql: str, database: str = "postgres") -> str:
        done = self.psql(sql, database=database)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    bin_dir = _bin_dir()
    if bin_dir is None or not (bin_dir / "psql").exists():
        _unavailable("PostgreSQL (initdb, pg_ctl, psql) is not installed")
    assert bin_dir is not None
    prefix: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="regionkit-pg-"))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(SERVER_USER)
        except KeyError:
            _unavailable(f"running as root and there is no {SERVER_USER!r} user to run PostgreSQL")
        os.chown(root, account.pw_uid, account.pw_gid)
        prefix = ["runuser", "-u", SERVER_USER, "--"]
    data, log = root / "data", root / "server.log"
    port = _free_port()

    def run(*command: str) -> None:
        done = subprocess.run(
            [*prefix, *command], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, (
            done.stdout + done.stderr + (log.read_text() if log.exists() else "")
        )

    run(
        str(bin_dir / "initdb"), "-D", str(data), "-U", SERVER_USER, "--no-sync",
        "--auth-local=trust", "--auth-host=scram-sha-256",
    )  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
    try:
        pg = Server(bin_dir=bin_dir, socket_dir=root, port=port)
        pg.admin(f"CREATE ROLE {OWNER} LOGIN PASSWORD '{OWNER_PASSWORD}'")
        pg.admin(f"CREATE ROLE {RUNTIME} LOGIN PASSWORD '{RUNTIME_PASSWORD}'")
        yield pg
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


_databases = itertools.count(1)


@pytest.fixture
def database(server: Server) -> str:
    """A new, empty database owned by the owner role (as a managed database's would be)."""
    name = f"idsvr_{next(_databases)}"
    server.admin(f"CREATE DATABASE {name} OWNER {OWNER}")
    return name


@pytest.fixture
def script(tmp_path: Path) -> Path:
    """The script exactly as the job's ConfigMap carries it."""
    path = tmp_path / postgres.SCRIPT_NAME
    path.write_text(postgres.schema_script(), encoding="utf-8")
    return path


def _run(
    server: Server,
    script: Path,
    database: str,
    sql_file: Path = FIXTURE,
    *,
    runtime_role: str | None = RUNTIME,
    jdbc_url: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """The script with the environment the job gives it (and nothing from this machine's)."""
    env = {
        "PATH": f"{server.bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(script.parent),
        # the query is the identity server's; psql ignores it (this server has no TLS)
        "JDBC_URL": jdbc_url
        or f"jdbc:postgresql://127.0.0.1:{server.port}/{database}?sslmode=require&tcpKeepAlive=true",
        "PGUSER": OWNER,
        "PGPASSWORD": OWNER_PASSWORD,
        "PGSSLMODE": "disable",
        "PGCONNECT_TIMEOUT": "10",
        postgres.SCRIPT_SQL_FILE_ENV: str(sql_file),
    }
    if runtime_role is not None:
        env[postgres.SCRIPT_RUNTIME_ROLE_ENV] = runtime_role
    return subprocess.run(
        ["sh", str(script)], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _tables(server: Server, database: str) -> set[str]:
    listed = server.admin(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'", database=database
    )
    return set(listed.split())


def _fixture_tables(sql_file: Path = FIXTURE) -> set[str]:
    return set(re.findall(r"(?im)^CREATE TABLE (\w+)", sql_file.read_text()))


def _snapshot(server: Server, database: str) -> str:
    """Everything a run could change: tables (by oid), columns, indexes, grants, extensions."""
    return server.admin(
        """SELECT string_agg(line, E'\\n' ORDER BY line) FROM (
             SELECT 'relation ' || c.relname || ' ' || c.oid || ' ' || c.relkind::text || ' '
                    || c.relowner::regrole || ' ' || coalesce(c.relacl::text, '-')
               FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
             UNION ALL
             SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' '
                    || is_nullable || ' ' || coalesce(column_default, '-')
               FROM information_schema.columns WHERE table_schema = 'public'
             UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
             UNION ALL
             SELECT 'default ' || defaclrole::regrole || ' ' || defaclobjtype::text || ' '
                    || defaclacl::text FROM pg_default_acl
             UNION ALL SELECT 'extension ' || extname || ' ' || extversion FROM pg_extension
             UNION ALL
             SELECT 'schema ' || nspname || ' ' || coalesce(nspacl::text, '-')
               FROM pg_namespace WHERE nspname = 'public'
           ) AS catalog(line)""",
        database=database,
    )


def _as_runtime(server: Server, database: str, sql: str) -> subprocess.CompletedProcess[str]:
    return server.psql(sql, database=database, user=RUNTIME, password=RUNTIME_PASSWORD)


def test_the_stand_in_has_the_shape_of_curitys_file() -> None:
    tables = _fixture_tables()
    assert len(tables) == 12 and {"accounts", "sessions", "tokens", "audit"} <= tables


def test_first_run_creates_every_table_of_the_file(
    server: Server, script: Path, database: str
) -> None:
    done = _run(server, script, database)
    assert done.returncode == 0, done.stderr
    assert "creating the schema" in done.stdout
    assert _tables(server, database) == _fixture_tables()
    owners = server.admin(
        "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'", database=database
    )
    assert owners == OWNER
    assert "uuid-ossp" in server.admin("SELECT extname FROM pg_extension", database=database)


def test_second_run_changes_nothing(server: Server, script: Path, database: str) -> None:
    assert _run(server, script, database).returncode == 0
    before = _snapshot(server, database)
    assert "relation sessions" in before and f"{RUNTIME}=arwd" in before
    again = _run(server, script, database)
    assert again.returncode == 0, again.stderr
    assert "nothing to create" in again.stdout
    assert _snapshot(server, database) == before


def test_a_half_created_schema_is_detected_and_left_alone(
    server: Server, script: Path, database: str
) -> None:
    assert _run(server, script, database).returncode == 0
    dropped = server.psql(
        "DROP TABLE tokens", database=database, user=OWNER, password=OWNER_PASSWORD
    )
    assert dropped.returncode == 0, dropped.stderr
    before = _snapshot(server, database)
    done = _run(server, script, database)
    assert done.returncode == postgres.HALF_CREATED_STATUS
    assert "half-created" in done.stderr
    assert "Missing: tokens." in done.stderr
    present = re.search(r"Present: ([a-z_, ]+)\.", done.stderr)
    assert present is not None
    assert set(present.group(1).split(", ")) == _fixture_tables() - {"tokens"}
    assert _snapshot(server, database) == before


def test_a_failed_first_run_leaves_nothing_behind(
    server: Server, script: Path, database: str, tmp_path: Path
) -> None:
    broken = tmp_path / "broken-create_database.sql"
    broken.write_text(FIXTURE.read_text() + "\nCREATE TABLE broken (id INT PRIMARY KEY, oops);\n")
    before = _snapshot(server, database)
    done = _run(server, script, database, broken)
    assert done.returncode != 0
    assert "syntax error" in done.stderr
    assert "rolled back, nothing was created" in done.stderr
    assert _tables(server, database) == set()
    assert _snapshot(server, database) == before
    # and the next run, with a good file, starts from a clean database
    assert _run(server, script, database).returncode == 0
    assert _tables(server, database) == _fixture_tables()


def test_the_runtime_role_reads_and_writes_but_cannot_change_the_schema(
    server: Server, script: Path, database: str
) -> None:
    assert _run(server, script, database).returncode == 0
    wrote = _as_runtime(
        server, database, "INSERT INTO sessions (id, session_data, expires) VALUES ('s1', 'x', 1)"
    )
    assert wrote.returncode == 0, wrote.stderr
    read = _as_runtime(server, database, "SELECT session_data FROM sessions WHERE id = 's1'")
    assert read.stdout.strip() == "x"
    for ddl in ("CREATE TABLE extra (id INT)", "DROP TABLE sessions", "TRUNCATE sessions"):
        refused = _as_runtime(server, database, ddl)
        assert refused.returncode != 0, ddl
        assert "permission denied" in refused.stderr or "must be owner" in refused.stderr, ddl
    # a table a later schema upgrade adds (made by the owner) is granted as well
    added = server.psql(
        "CREATE TABLE added_by_upgrade (id INT)",
        database=database,
        user=OWNER,
        password=OWNER_PASSWORD,
    )
    assert added.returncode == 0, added.stderr
    for dml in ("INSERT INTO added_by_upgrade VALUES (1)", "DELETE FROM added_by_upgrade"):
        granted = _as_runtime(server, database, dml)
        assert granted.returncode == 0, (dml, granted.stderr)


def test_without_a_runtime_role_nothing_is_granted(
    server: Server, script: Path, database: str
) -> None:
    assert _run(server, script, database, runtime_role=None).returncode == 0
    denied = _as_runtime(server, database, "SELECT count(*) FROM sessions")
    assert denied.returncode != 0 and "permission denied" in denied.stderr


@pytest.mark.parametrize(
    ("role", "message"),
    [("no_such_role", "does not exist"), (OWNER, "must not be the owner role")],
)
def test_a_wrong_runtime_role_is_refused(
    server: Server, script: Path, database: str, role: str, message: str
) -> None:
    done = _run(server, script, database, runtime_role=role)
    assert done.returncode == 2
    assert message in done.stderr


def test_table_names_are_read_as_postgresql_folds_them(
    server: Server, script: Path, database: str, tmp_path: Path
) -> None:
    sql_file = tmp_path / "variants.sql"
    sql_file.write_text(
        "create table if not exists public.alpha (id int);\n"
        'Create  Table "beta"(id int);\n'
        "  CREATE TABLE Gamma (id INT);\n"
        "CREATE INDEX idx_alpha ON alpha (id);\n"
    )
    first = _run(server, script, database, sql_file)
    assert first.returncode == 0, first.stderr
    assert "none of the 3 tables" in first.stdout
    second = _run(server, script, database, sql_file)
    assert second.returncode == 0, second.stderr
    assert "all 3 tables" in second.stdout


def test_invalid_input_is_refused_without_printing_the_url(
    server: Server, script: Path, database: str, tmp_path: Path
) -> None:
    url = "jdbc:mysql://127.0.0.1:3306/idsvr?user=u&password=hunter2"
    wrong_url = _run(server, script, database, jdbc_url=url)
    assert wrong_url.returncode == 2
    assert "jdbc:postgresql://" in wrong_url.stderr and "hunter2" not in wrong_url.stderr
    empty = tmp_path / "empty.sql"
    empty.write_text("-- nothing here\n")
    no_tables = _run(server, script, database, empty)
    assert no_tables.returncode == 2
    assert "no CREATE TABLE statement" in no_tables.stderr
    assert _tables(server, database) == set()
