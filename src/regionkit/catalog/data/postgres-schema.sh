#!/bin/sh
# Gives a PostgreSQL database the identity server's schema, from the SQL its image ships.
#
# Runs in the schema Job (regionkit.components.schema_job) before the runtime rolls out, as the
# database's owner role. Safe to run again and again:
#   - the expected tables are the `CREATE TABLE` statements of the SQL file, so the check
#     follows the image version rather than a list kept here;
#   - none of them present: the whole file runs in one transaction (PostgreSQL DDL is
#     transactional, so a failed run leaves nothing behind);
#   - all present: nothing is created;
#   - some present: a half-created schema that no run of the file can repair; the job fails
#     and names the present and the missing tables.
# Then, when a runtime role is named, it is granted data access only (no DDL), also for
# tables the owner creates later (schema upgrades).
#
# Environment:
#   SCHEMA_SQL_FILE      the image's postgres-create_database.sql
#   JDBC_URL             jdbc:postgresql://host[:port]/database[?...], as the identity server
#                        gets it; the query is ignored: TLS comes from PGSSLMODE/PGSSLROOTCERT
#   PGUSER, PGPASSWORD   the owner role (and any other libpq variable: PGSSLMODE, ...)
#   SCHEMA_RUNTIME_ROLE  optional: the role the identity server connects as
# Exit status: 0 schema complete; 2 invalid input; 4 half-created schema; else psql's.
set -eu

say() { printf 'postgres-schema: %s\n' "$*"; }
fail() {
    status=$1
    shift
    printf 'postgres-schema: error: %s\n' "$*" >&2
    exit "$status"
}
# one name a line -> "a, b, c"
joined() { printf '%s\n' "$1" | awk 'NF { out = out (n++ ? ", " : "") $0 } END { print out }'; }

sql_file=${SCHEMA_SQL_FILE:-}
[ -n "$sql_file" ] || fail 2 "SCHEMA_SQL_FILE is not set"
[ -r "$sql_file" ] || fail 2 "cannot read the schema file $sql_file"
# never print the URL: a JDBC URL may carry credentials in its query
case ${JDBC_URL:-} in
    jdbc:postgresql://?*) ;;
    *) fail 2 "JDBC_URL must be a jdbc:postgresql://host[:port]/database URL" ;;
esac
uri=${JDBC_URL#jdbc:}
uri=${uri%%\?*}
[ -n "${PGUSER:-}" ] || fail 2 "PGUSER (the owner role) is not set"

run_psql() { psql -X -q -v ON_ERROR_STOP=1 -d "$uri" "$@"; }

# Unquoted identifiers fold to lower case; an optional IF NOT EXISTS and schema prefix.
expected=$(awk '
    {
        line = tolower($0)
        if (!match(line, /^[ \t]*create[ \t]+table[ \t]+/)) next
        rest = substr(line, RLENGTH + 1)
        if (match(rest, /^if[ \t]+not[ \t]+exists[ \t]+/)) rest = substr(rest, RLENGTH + 1)
        if (!match(rest, /^[a-z0-9_."]+/)) next
        name = substr(rest, 1, RLENGTH)
        gsub(/"/, "", name)
        n = split(name, parts, ".")
        print parts[n]
    }' "$sql_file" | sort -u)
[ -n "$expected" ] || fail 2 "$sql_file has no CREATE TABLE statement: is it the image's schema file?"

present=$(run_psql -At -c "SELECT c.relname FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1") ||
    fail $? "cannot read the database's tables (see psql's message above)"

split=$(printf '%s\n' "$expected" | awk -v present="$present" '
    BEGIN { n = split(present, names, "\n"); for (i = 1; i <= n; i++) have[names[i]] = 1 }
    { print (($0 in have) ? "found " : "missing ") $0 }')
found=$(printf '%s\n' "$split" | sed -n 's/^found //p')
missing=$(printf '%s\n' "$split" | sed -n 's/^missing //p')
count=$(printf '%s\n' "$expected" | wc -l | tr -d ' ')

if [ -z "$found" ]; then
    say "none of the $count tables of $(basename "$sql_file") exist: creating the schema"
    run_psql --single-transaction -f "$sql_file" ||
        fail $? "creating the schema failed; its transaction was rolled back, nothing was created"
    say "created $count tables"
elif [ -z "$missing" ]; then
    say "all $count tables of $(basename "$sql_file") exist: nothing to create"
else
    fail 4 "the schema is half-created, which running $(basename "$sql_file") cannot repair." \
        "Present: $(joined "$found"). Missing: $(joined "$missing")." \
        "Restore the database from a backup, or drop the present tables if they hold no data," \
        "then run the job again."
fi

role=${SCHEMA_RUNTIME_ROLE:-}
[ -n "$role" ] || exit 0
checks=$(run_psql -At -F ' ' -v role="$role" <<'SQL'
SELECT (SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = :'role'),
       (:'role' = current_user)::int;
SQL
)
case $checks in
    "1 0") ;;
    "1 1") fail 2 "the runtime role must not be the owner role: it gets data access only" ;;
    *) fail 2 "the runtime role $role does not exist: create it (LOGIN, no other rights) first" ;;
esac
run_psql --single-transaction -v role="$role" <<'SQL'
SELECT quote_ident(current_schema()) AS schema, quote_ident(current_user) AS owner \gset
GRANT USAGE ON SCHEMA :schema TO :"role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA :schema TO :"role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA :schema TO :"role";
ALTER DEFAULT PRIVILEGES FOR ROLE :owner IN SCHEMA :schema
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"role";
ALTER DEFAULT PRIVILEGES FOR ROLE :owner IN SCHEMA :schema
    GRANT USAGE, SELECT ON SEQUENCES TO :"role";
SQL
say "granted $role data access (SELECT, INSERT, UPDATE, DELETE) to the tables, now and later"
can_create=$(run_psql -At -v role="$role" <<'SQL'
SELECT has_schema_privilege(:'role', current_schema(), 'CREATE');
SQL
)
if [ "$can_create" = t ]; then
    say "warning: $role can still create objects in the schema (PostgreSQL 14 and older grant" \
        "CREATE on schema public to PUBLIC): REVOKE CREATE ON SCHEMA public FROM PUBLIC"
fi
