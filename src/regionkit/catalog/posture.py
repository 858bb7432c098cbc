"""Pinned values of the cloud posture: network flow logs, database audit trails, backup buckets.

What an auditor (and checkov's Terraform policies) expect of the infrastructure regionkit
creates; the README's security section says why each value is what it is.
"""

from __future__ import annotations

# --- network flow logs -------------------------------------------------------------------------
#: AWS VPC flow logs go to CloudWatch Logs, kept a year (checkov CKV_AWS_338)
FLOW_LOG_RETENTION_DAYS = 365
#: ALL: rejected traffic alone misses what an incident needs (accepted connections to the DB)
FLOW_LOG_TRAFFIC_TYPE = "ALL"
#: seconds over which AWS aggregates a flow record (60 or 600): one-minute granularity
FLOW_LOG_AGGREGATION_SECONDS = 60
#: GCP subnet flow logs: 5-second aggregation, half of the flows sampled, with metadata
GCP_FLOW_LOG_INTERVAL = "INTERVAL_5_SEC"
GCP_FLOW_LOG_SAMPLING = 0.5
GCP_FLOW_LOG_METADATA = "INCLUDE_ALL_METADATA"

# --- database audit trail ----------------------------------------------------------------------
#: PostgreSQL settings every identity database sets (Cloud SQL flags, Aurora cluster parameter
#: group, CloudNativePG `postgresql.parameters`): schema changes, logins and logouts, and pgaudit's
#: DDL and ROLE classes (grants, role changes). Not READ/WRITE: every token and session write
#: would be logged, which buries the trail and costs more than the database.
POSTGRES_AUDIT_SETTINGS = {
    "log_statement": "ddl",
    "log_connections": "on",
    "log_disconnections": "on",
    "pgaudit.log": "ddl,role",
}
#: the extension an admin creates in the database of a managed store (Aurora, Cloud SQL): both
#: services' pgAudit set-up has `CREATE EXTENSION pgaudit` after loading the library, for
#: pgaudit's event triggers (the objects of a DDL statement); CloudNativePG's operator creates it
PGAUDIT_EXTENSION = "pgaudit"
#: Cloud SQL loads pgaudit only with this flag on
CLOUDSQL_PGAUDIT_FLAG = "cloudsql.enable_pgaudit"
#: Aurora loads pgaudit from its cluster parameter group; pg_stat_statements is Aurora's default,
#: which setting the parameter would otherwise drop
AURORA_SHARED_PRELOAD_LIBRARIES = "pg_stat_statements,pgaudit"

# --- backup buckets ----------------------------------------------------------------------------
#: incomplete multipart uploads (an interrupted base backup) are removed after this many days
ABORT_INCOMPLETE_UPLOAD_DAYS = 7
#: the server access logs of a backup bucket are kept this long
ACCESS_LOG_RETENTION_DAYS = 365
