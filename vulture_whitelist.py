"""Names vulture reports as unused that are used where vulture cannot see it.

vulture reads these lines as uses and never runs them: `python3 -m vulture src/regionkit
vulture_whitelist.py`. Every line says who uses the name. The second part lists what is
unused in work still under way elsewhere (issue 9); delete each line with its code, or once
the code is used.
"""

# ruff: noqa
# fmt: off
_ = object()

# --- used by Python or a framework, not by a call in src/ ---------------------------------
__getattr__  # PEP 562: the lazy attributes of regionkit, regionkit.deploy, regionkit.residency
_.call  # plan/recorder.py: the Mocks method Pulumi's mock monitor calls for every invoke
_.RegisterResource  # plan/recorder.py: the gRPC method of the monitor the Pulumi SDK calls
_.StartDoctypeDeclHandler  # ops/curity_xml.py: expat calls the handlers set on its parser
_.StartElementHandler  # ops/curity_xml.py: (the same)
_.allow_duplicate_keys  # spec/loader.py: a ruamel.yaml setting, read by ruamel
_.model_config  # spec/models.py: pydantic's model configuration
_.max_threshold  # catalog/dns.py: the provider's documented limit, kept beside the others it bounds
_.cluster_autoscaler  # platform/aws_addons.py: EksAddons records the release for callers and tests
signum  # deploy/interrupts.py: Interrupts.handle is a signal handler, called (signum, frame)
frame  # deploy/interrupts.py: (the same)
_.schema_dialect  # spec/schema.py: pydantic's GenerateJsonSchema reads it
_.field_title_should_be_set  # spec/schema.py: a GenerateJsonSchema hook pydantic calls
EVENTUAL  # spec/models.py: an enum member users write in stack files (consistency: eventual)
_.accounts  # spec/models.py: a data class users write in stack files (data.accounts)
_.action  # ops/config_sync.py: SyncResult says what a sync did, for its callers
manifests  # plan/manifests.py: the plan's manifests by file, for Python users (and tests)
INFO  # findings.py: the finding level of the plan's contract (DESIGN section 4)
_.driver  # catalog/engines.py: how Curity connects to each engine, for Python users and tests
_.authentication  # catalog/engines.py: (the same)

# components found by name in a registry (an importlib string today)
AuroraDsql
AuroraPostgresql
CloudSqlPostgresql
Cnpg
DynamoDb
External
Spanner
CloudDnsGslb
Route53Gslb
EksPlatform
GkePlatform
ExistingCluster
global_hostname_records  # gslb/route53.py, gslb/cloud_dns.py: GlobalHostname's registry

# --- unused in work under way elsewhere (issue 9), reported to the lead -------------------
topologies  # catalog/engines.py
IMAGE_REPOSITORY  # catalog/idsvr.py
LICENSE_DIR  # catalog/idsvr.py
CLUSTER_XML  # catalog/idsvr.py
POST_COMMIT_SCRIPTS_DIR  # catalog/idsvr.py
DYNAMODB_TABLES  # catalog/idsvr.py
min_round_trip_ms  # catalog/regions.py
shared_network  # components/platform/gcp.py
GkePlatformArgs  # components/platform/gcp.py
DataStore  # components/protocols.py (issue 9 calls it dead)
PlatformFactory  # components/protocols.py (issue 9 calls it dead)
crosses_border  # residency/report.py
resource_prefix  # spec/models.py
placement_of  # spec/placement.py
_.gslb  # topologies/base.py
_.worst_timing  # model/resolve.py
EKS_ADDON  # catalog/addons.py (no add-on is installed as an EKS add-on yet)
_.switch  # catalog/addons.py (no platform reads an add-on's stack-file switch yet)
# components/facts.py: platform facts that no consumer reads yet
_.public_subnet_ids
_.network_self_link
_.subnet_id
_.subnet_cidr
_.pods_cidr
_.services_cidr
_.workload_pool
SOURCE  # catalog/curity_dynamodb.py (where the table definitions come from)
SchemaJob  # components/schema_job.py (not registered by any topology yet)
# spec/models.py: stack file keys that no component reads yet (cluster add-ons, API access)
_.gateway_api_crds
_.load_balancer_controller
_.metrics_server
_.node_autoscaler
_.certificates
_.addons
_.api_allowed_cidrs
_.admin_principals
# testing.py: the public helper of users' unit tests (the README example calls it)
_.of_type
