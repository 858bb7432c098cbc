"""Facts of the Curity Identity Server that the components and checks share (REFERENCE.md)."""

from __future__ import annotations

from dataclasses import dataclass

from regionkit.catalog import curity_dynamodb

IMAGE_REPOSITORY = "curity.azurecr.io/curity/idsvr"

# --- ports -------------------------------------------------------------------------------------
#: OAuth and OpenID Connect endpoints of the runtime nodes
RUNTIME_PORT = 8443
#: Admin UI and RESTCONF on the admin node; never routed from the internet
ADMIN_PORT = 6749
#: cluster configuration service of the admin node; runtime nodes connect to it
CLUSTER_PORT = 6789
#: distributed service of the admin node
DISTRIBUTED_PORT = 6790
#: status endpoint (liveness and readiness); env STATUS_CMD_PORT moves it
STATUS_PORT = 4465
#: Prometheus metrics: always the status port + 1
METRICS_PORT = STATUS_PORT + 1

# --- probes and metrics ------------------------------------------------------------------------
#: 200 when started and configured, 503 otherwise
LIVENESS_PATH = "/"
#: 200 when ready to serve requests
READINESS_PATH = "/serving"
METRICS_PATH = "/metrics"


@dataclass(frozen=True)
class ProbeDefaults:
    """The probe timing of the vendor's Helm chart."""

    initial_delay_seconds: int = 30
    period_seconds: int = 10
    timeout_seconds: int = 1
    failure_threshold: int = 3
    #: readiness needs this many successes in a row
    readiness_success_threshold: int = 3


PROBE_DEFAULTS = ProbeDefaults()

# --- process -----------------------------------------------------------------------------------
RUN_AS_USER = 10001
RUN_AS_GROUP = 10000
JAVA_OPTS = "-XX:MaxRAMPercentage=75.0"
#: the short-lived tool containers on the image (the nodes' `prepare` init container, the
#: cluster-config Job's `genclust`): each starts a JVM once. Requests and limits for both CPU and
#: memory, so a tool never takes a node's CPU from the identity server beside it.
TOOL_REQUESTS = {"cpu": "100m", "memory": "256Mi"}
TOOL_LIMITS = {"cpu": "1", "memory": "512Mi"}

# --- environment variables ---------------------------------------------------------------------
STATUS_PORT_ENV = "STATUS_CMD_PORT"
CONFIG_ENCRYPTION_KEY_ENV = "CONFIG_ENCRYPTION_KEY"

# --- paths -------------------------------------------------------------------------------------
HOME_DIR = "/opt/idsvr"
#: every *.xml here is loaded at start (configuration, cluster.xml)
INIT_DIR = f"{HOME_DIR}/etc/init"
LICENSE_DIR = f"{INIT_DIR}/license"
CLUSTER_XML = f"{INIT_DIR}/cluster.xml"
#: files regionkit writes into etc/init next to the user's configuration: no user file may
#: take one of these names
ENVIRONMENT_FILE = "regionkit-environment.xml"
DATA_SOURCES_FILE = "regionkit-data-sources.xml"
SIGNING_KEY_FILE = "regionkit-signing-key.xml"
ADMIN_TLS_FILE = "regionkit-admin-tls.xml"
CLUSTER_FILE = CLUSTER_XML.rsplit("/", 1)[1]
GENERATED_FILES = (
    ENVIRONMENT_FILE,
    DATA_SOURCES_FILE,
    SIGNING_KEY_FILE,
    CLUSTER_FILE,
    ADMIN_TLS_FILE,
)
#: the configuration's ConfigMap: the API server refuses one whose values hold more than 1 MiB
#: together (Kubernetes' core validation of ConfigMap data)
CONFIG_MAP_LIMIT = 1024 * 1024
#: what of that regionkit keeps for the files it adds (environment, data sources: about 1.5 KB
#: with three stores), so that a configuration the checks pass always fits
GENERATED_CONFIG_ALLOWANCE = 16 * 1024
#: a path below etc/init that is safe as a file name and, with `/` as `__`, a ConfigMap key
INIT_FILE_PATH = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$"
#: the license file: Curity reads it from etc/init/license/ at start (its images and examples
#: copy `license.json` there); a Secret holding it keeps the same key
LICENSE_FILE = "license.json"
LICENSE_PATH = f"{LICENSE_DIR}/{LICENSE_FILE}"
#: where a configuration directory, laid out like etc/init, holds the license
CONFIG_LICENSE_PATH = LICENSE_PATH.removeprefix(f"{INIT_DIR}/")
#: a license file is a few kilobytes of JSON; more is not a license file
LICENSE_MAX_BYTES = 64 * 1024
#: the JSON member of a license file that holds the license key
LICENSE_KEY_MEMBER = "License"
#: scripts run on every committed configuration change
POST_COMMIT_SCRIPTS_DIR = f"{HOME_DIR}/usr/bin/post-commit-scripts"

# --- RESTCONF (RFC 8040) on the admin port -----------------------------------------------------
RESTCONF_DATA_PATH = "/admin/api/restconf/data"
RESTCONF_CONTENT_TYPE = "application/yang-data+xml"

# --- start commands ----------------------------------------------------------------------------
IDSVR_BIN = f"{HOME_DIR}/bin/idsvr"
GENCLUST_BIN = f"{HOME_DIR}/bin/genclust"

# --- DynamoDB data source ----------------------------------------------------------------------
#: the tables of Curity's DynamoDB data source (`curity-<name>`)
DYNAMODB_TABLES: tuple[str, ...] = tuple(t.name for t in curity_dynamodb.TABLES)
#: the time-to-live attribute Curity writes on expiring items
DYNAMODB_TTL_ATTRIBUTE = curity_dynamodb.TTL_ATTRIBUTE
