#!/bin/sh
# Makes the two login roles of the identity server's database, as the database's admin.
#
# Runs in the schema Job (regionkit.components.schema_job) before postgres-schema.sh, on
# managed databases whose only built-in login is an admin (Aurora's master user, a Cloud SQL
# user): no Pulumi resource makes a PostgreSQL role there without a network path to the
# database, and the job has one. Safe to run again and again:
#   - the owner role (DDL: the schema job only) and the runtime role (the identity server:
#     data access only, granted by postgres-schema.sh) are created when missing, and their
#     passwords set on every run, so a rotated password takes effect with the next job;
#   - the extensions the schema file creates are made here, by the admin (a managed
#     database lets only its admin create extensions), so the owner's CREATE EXTENSION IF NOT
#     EXISTS finds them; so are those ADMIN_EXTENSIONS names (pgaudit: the audit trail);
#   - the owner may create in the schema (USAGE, CREATE); the runtime role may use it (USAGE).
# The roles get no other right: no SUPERUSER, CREATEDB or CREATEROLE, no membership.
# Passwords travel from the environment into psql with \getenv, never on a command line.
#
# Environment:
#   SCHEMA_SQL_FILE          the image's postgres-create_database.sql (for its extensions)
#   JDBC_URL                 jdbc:postgresql://host[:port]/database[?...]
#   PGUSER, PGPASSWORD       the admin (and any other libpq variable: PGSSLMODE, ...)
#   SCHEMA_OWNER_ROLE, SCHEMA_OWNER_PASSWORD
#   SCHEMA_RUNTIME_ROLE, SCHEMA_RUNTIME_PASSWORD
#   ADMIN_EXTENSIONS         optional: more extensions to create, names separated by spaces
# Exit status: 0 roles ready; 2 invalid input; else psql's.
set -eu

say() { printf 'postgres-roles: %s\n' "$*"; }
fail() {
    status=$1
    shift
    printf 'postgres-roles: error: %s\n' "$*" >&2
    exit "$status"
}

sql_file=${SCHEMA_SQL_FILE:-}
[ -r "$sql_file" ] || fail 2 "cannot read the schema file ${sql_file:-(SCHEMA_SQL_FILE is not set)}"
case ${JDBC_URL:-} in
    jdbc:postgresql://?*) ;;
    *) fail 2 "JDBC_URL must be a jdbc:postgresql://host[:port]/database URL" ;;
esac
uri=${JDBC_URL#jdbc:}
uri=${uri%%\?*}
[ -n "${PGUSER:-}" ] || fail 2 "PGUSER (the admin) is not set"
for name in SCHEMA_OWNER_ROLE SCHEMA_OWNER_PASSWORD SCHEMA_RUNTIME_ROLE SCHEMA_RUNTIME_PASSWORD; do
    eval "value=\${$name:-}"
    [ -n "$value" ] || fail 2 "$name is not set"
done
owner=$SCHEMA_OWNER_ROLE
runtime=$SCHEMA_RUNTIME_ROLE
[ "$owner" != "$runtime" ] || fail 2 "the owner and the runtime role must be two roles"
for extension in ${ADMIN_EXTENSIONS:-}; do
    case $extension in
        *[!a-z0-9_]*) fail 2 "ADMIN_EXTENSIONS: '$extension' is not an extension name ([a-z0-9_])" ;;
    esac
done
{ [ "$owner" != "$PGUSER" ] && [ "$runtime" != "$PGUSER" ]; } ||
    fail 2 "neither the owner nor the runtime role may be the admin $PGUSER"

# `create extension [if not exists] "name"` lines of the schema file, names as PostgreSQL folds
# them, and ADMIN_EXTENSIONS
extensions=$({
    awk '
        {
            line = tolower($0)
            if (!match(line, /^[ \t]*create[ \t]+extension[ \t]+/)) next
            rest = substr(line, RLENGTH + 1)
            if (match(rest, /^if[ \t]+not[ \t]+exists[ \t]+/)) rest = substr(rest, RLENGTH + 1)
            if (!match(rest, /^("[^"]+"|[a-z0-9_]+)/)) next
            name = substr(rest, 1, RLENGTH)
            gsub(/"/, "", name)
            print name
        }' "$sql_file"
    for extension in ${ADMIN_EXTENSIONS:-}; do printf '%s\n' "$extension"; done
} | sort -u)

run_psql() { psql -X -q -v ON_ERROR_STOP=1 -d "$uri" "$@"; }

run_psql --single-transaction -v owner="$owner" -v runtime="$runtime" <<'SQL'
\getenv owner_password SCHEMA_OWNER_PASSWORD
\getenv runtime_password SCHEMA_RUNTIME_PASSWORD
SELECT format('CREATE ROLE %I LOGIN', role) FROM (VALUES (:'owner'), (:'runtime')) AS r(role)
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role) \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'owner', :'owner_password') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'runtime', :'runtime_password') \gexec
SELECT quote_ident(current_schema()) AS schema \gset
GRANT USAGE, CREATE ON SCHEMA :schema TO :"owner";
GRANT USAGE ON SCHEMA :schema TO :"runtime";
SQL
say "roles $owner (schema owner) and $runtime (runtime) are ready"

for extension in $extensions; do
    run_psql -v extension="$extension" <<'SQL'
SELECT format('CREATE EXTENSION IF NOT EXISTS %I', :'extension') \gexec
SQL
    say "extension $extension is installed"
done
