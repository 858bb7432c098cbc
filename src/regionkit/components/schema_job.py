"""The Job that gives a PostgreSQL store the identity server's schema before the runtime rolls out.

One per writer of a JDBC store, in the writer region's cluster (the network that reaches the
database) and the identity server's namespace. Its pod runs, in order:
1. `copy-sql` (init, the configured identity server image): copies the image's own
   `postgres-create_database.sql` into a shared emptyDir, so the schema always matches the
   image (the image has no `psql`);
2. `roles` (the official PostgreSQL image, only with `admin`): runs `catalog/data/postgres-roles.sh`
   as the database's admin (Aurora's master user, a Cloud SQL user), which makes the owner
   and runtime login roles with no other rights, sets their passwords and creates the
   extensions the image's SQL names, and pgaudit;
3. `schema` (the official PostgreSQL image): runs `catalog/data/postgres-schema.sh` from a
   ConfigMap as the database's owner role: creates the schema when none of its tables exist,
   changes nothing when all do, fails naming the tables when only some do; then grants the
   runtime role data access only (no DDL);
4. `upgrade` (the identity server image, when it is Curity 11.0 or later, or `upgrade=True`):
   `idsvr -L default`, Curity's Liquibase changelog, which does nothing when the schema is
   current.

Schema upgrades: the Job's Kubernetes name carries a digest of both images, the script and the
options, so a new identity server image makes a new Job; Pulumi registers it (replacing the
previous one) and waits for it to complete before anything that depends on this component,
such as the runtime Deployment (pulumi-kubernetes awaits a Job's `Complete` condition and fails
the update on `Failed`; `pulumi.com/skipAwait` is deliberately not set). When its
`ttlSecondsAfterFinished` removes the finished Job, a `pulumi refresh` forgets it and the next
`up` runs it again, which is harmless: every step is idempotent.

Credentials come from Secrets by name and key (admin and owner for DDL; the runtime role by
name, and its password only for the admin's step), never as values in the spec. The stores
(`components/data`) run the job in a namespace of their own in the writer's cluster, so the
admin and owner credentials never share a namespace with the identity server's nodes; each
connection they give carries the job (`DataConnection.ready`), and the identity server of
every region of the store waits for it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import ClassVar, Literal

import pulumi
import pulumi_kubernetes as k8s

from regionkit.catalog import postgres
from regionkit.catalog.idsvr import HOME_DIR
from regionkit.components import idsvr_pods as pods
from regionkit.components.network_policies import egress_rule
from regionkit.components.protocols import EgressRule
from regionkit.model import type_token

SslMode = Literal["disable", "require", "verify-ca", "verify-full"]

SQL_DIR = "/var/run/regionkit/sql"
SCRIPT_DIR = "/var/run/regionkit/schema"
CA_DIR = "/var/run/regionkit/ca"
#: a half-created schema and invalid input fail at once; a lost connection gets one more try
BACKOFF_LIMIT = 2
#: below Pulumi's wait (CUSTOM_TIMEOUT), so a stuck job ends as Failed rather than a timeout
ACTIVE_DEADLINE_SECONDS = 600
CUSTOM_TIMEOUT = "15m"
#: a failed job's logs stay readable for a day
TTL_SECONDS_AFTER_FINISHED = 86400
CONNECT_TIMEOUT_SECONDS = 10
#: the digest in the Job's name; 63 characters is the limit of a Job name
DIGEST_LENGTH = 10
MAX_BASE_LENGTH = 63 - 1 - DIGEST_LENGTH
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True)
class SecretKey:
    """One key of an existing Secret in the job's namespace."""

    name: pulumi.Input[str]
    key: str


@dataclass(frozen=True)
class AdminRoles:
    """The database's admin login, which makes the owner and the runtime roles first."""

    username: SecretKey
    password: SecretKey
    #: the passwords the roles get (set again on every run: a rotation takes effect)
    owner_password: SecretKey
    runtime_password: SecretKey
    #: extensions the admin creates besides those of the image's SQL (pgaudit on a managed
    #: database, whose admin alone may create it)
    extensions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SchemaJobArgs:
    """Where the job runs, what it connects to, and as whom."""

    #: the writer region: its id names the children, its cluster runs the job
    region_id: str
    k8s_provider: k8s.Provider
    #: the identity server's namespace in that cluster
    namespace: pulumi.Input[str]
    #: the configured identity server image: the SQL and the upgrade come from it
    idsvr_image: str
    #: the writer's `jdbc:postgresql://host:port/db` (the store's `JDBC_URL`), or the Secret key
    #: holding it (engine `external`); its query is ignored by psql, TLS is `ssl_mode`
    jdbc_url: pulumi.Input[str] | SecretKey
    #: the owner role (DDL): user name and password keys of an existing Secret
    owner_username: SecretKey
    owner_password: SecretKey
    #: the role the identity server connects as, granted SELECT/INSERT/UPDATE/DELETE only; it
    #: must exist (or `admin` makes it) and differ from the owner. None: no grants (the
    #: runtime uses the owner)
    runtime_role: pulumi.Input[str] | SecretKey | None = None
    #: the admin that makes the owner and runtime roles before the schema (needs `runtime_role`)
    admin: AdminRoles | None = None
    #: Kubernetes name of the job's objects before the digest; default `<name>-schema`
    object_name: str | None = None
    #: psql's TLS mode; default verify-full with `ca`, require without
    ssl_mode: SslMode | None = None
    #: the CA of the database's server certificate (a PEM in a Secret)
    ca: SecretKey | None = None
    #: run Curity's Liquibase changelog after creating; None: where the image has it (11.0+)
    upgrade: bool | None = None
    #: where the job's pods may connect (the store's egress rules), besides DNS; empty: no
    #: NetworkPolicy is made (the namespace must then allow the job's egress itself)
    egress: tuple[EgressRule, ...] = ()
    psql_image: str = postgres.PSQL_IMAGE


@dataclass(frozen=True)
class SchemaJobNames:
    """The Kubernetes names of one job version."""

    base: str
    digest: str

    @property
    def job(self) -> str:
        return f"{self.base}-{self.digest}"

    @property
    def config_map(self) -> str:
        return f"{self.base}-{self.digest}"

    @property
    def network_policy(self) -> str:
        return f"{self.base}-egress"


class SchemaJob(pulumi.ComponentResource):
    """ConfigMap (the script), an egress NetworkPolicy and the schema Job of one writer."""

    TOKEN: ClassVar[str] = type_token("data", "SchemaJob")

    #: the Job's Kubernetes name (it changes with the image: see the module docstring)
    job_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: SchemaJobArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        scripts = job_scripts(args)
        names = job_names(args, args.object_name or f"{name}-schema", "\n".join(scripts.values()))
        super().__init__(self.TOKEN, name, {"region": args.region_id}, opts)
        rid = args.region_id
        # children are `<name>-<region>-schema...`; a caller that put the region into `name`
        # (one job per writer of a store) does not get it twice
        name = name.removesuffix(f"-{rid}")
        labels = pod_labels(args, names)
        child = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider)

        script = k8s.core.v1.ConfigMap(
            f"{name}-{rid}-schema-script",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=names.config_map, namespace=args.namespace, labels=labels
            ),
            data=scripts,
            immutable=True,
            opts=child,
        )
        waits_for: list[pulumi.Resource] = [script]
        if args.egress:
            waits_for.append(
                k8s.networking.v1.NetworkPolicy(
                    f"{name}-{rid}-schema-egress",
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        name=names.network_policy, namespace=args.namespace, labels=labels
                    ),
                    spec=egress_policy(args, names),
                    opts=child,
                )
            )
        job = k8s.batch.v1.Job(
            f"{name}-{rid}-schema",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=names.job, namespace=args.namespace, labels=labels
            ),
            spec=job_spec(args, names),
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=args.k8s_provider,
                depends_on=waits_for,
                custom_timeouts=pulumi.CustomTimeouts(create=CUSTOM_TIMEOUT, update=CUSTOM_TIMEOUT),
            ),
        )
        self.job_name = job.metadata.apply(lambda m: m.name or names.job)
        self.register_outputs({"jobName": self.job_name})


def job_scripts(args: SchemaJobArgs) -> dict[str, str]:
    """The scripts the job's ConfigMap carries, by file name."""
    scripts = {postgres.SCRIPT_NAME: postgres.schema_script()}
    if args.admin is not None:
        scripts[postgres.ROLES_SCRIPT_NAME] = postgres.roles_script()
    return scripts


def job_names(args: SchemaJobArgs, base: str, script: str) -> SchemaJobNames:
    """The names of the job version that `args` and `script` make (deterministic)."""
    if not _DNS_LABEL.match(base) or len(base) > MAX_BASE_LENGTH:
        raise ValueError(
            f"schema job name {base!r}: lower-case letters, digits and '-', at most "
            f"{MAX_BASE_LENGTH} characters (a digest follows it)"
        )
    if args.ca is not None and args.ssl_mode == "disable":
        raise ValueError("a schema job with a CA (`ca`) cannot have ssl_mode 'disable'")
    if args.admin is not None and args.runtime_role is None:
        raise ValueError("a schema job whose admin makes the roles (`admin`) needs runtime_role")
    return SchemaJobNames(base=base, digest=schema_digest(args, script))


def schema_digest(args: SchemaJobArgs, script: str) -> str:
    """A short digest of what decides the schema: images, script, options (not endpoints).

    A new identity server image changes it, so the job runs again for a schema upgrade.
    """
    facts = {
        "idsvrImage": args.idsvr_image,
        "psqlImage": args.psql_image,
        "script": script,
        "upgrade": upgrades(args),
        "sslMode": ssl_mode(args),
        "runtimeRole": _plain(args.runtime_role),
        "owner": [_plain(args.owner_username), _plain(args.owner_password)],
    }
    if args.admin is not None:
        admin = args.admin
        facts["admin"] = [
            _plain(key)
            for key in (
                admin.username,
                admin.password,
                admin.owner_password,
                admin.runtime_password,
            )
        ]
        facts["adminExtensions"] = list(admin.extensions)  # a new extension runs the job again
    text = json.dumps(facts, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:DIGEST_LENGTH]


def _plain(value: pulumi.Input[str] | SecretKey | None) -> object:
    """A value's plain form for the digest; an Output is unknown when the program runs."""
    if isinstance(value, SecretKey):
        return [value.name if isinstance(value.name, str) else None, value.key]
    return value if isinstance(value, str) or value is None else "<output>"


def ssl_mode(args: SchemaJobArgs) -> SslMode:
    if args.ssl_mode is not None:
        return args.ssl_mode
    return "verify-full" if args.ca is not None else "require"


def upgrades(args: SchemaJobArgs) -> bool:
    """Whether the job runs `idsvr -L default` after creating the schema."""
    return postgres.has_liquibase(args.idsvr_image) if args.upgrade is None else args.upgrade


def pod_labels(args: SchemaJobArgs, names: SchemaJobNames) -> dict[str, str]:
    """Labels of every object and pod; stable across job versions (the NetworkPolicy's)."""
    return {
        "app.kubernetes.io/name": "regionkit-schema",
        "app.kubernetes.io/instance": names.base,
        "app.kubernetes.io/component": "schema",
        "app.kubernetes.io/part-of": "regionkit",
        "regionkit.io/region": args.region_id,
    }


def egress_policy(
    args: SchemaJobArgs, names: SchemaJobNames
) -> k8s.networking.v1.NetworkPolicySpecArgs:
    """DNS and the store's rules, for the job's pods only."""
    dns = k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        ports=[
            k8s.networking.v1.NetworkPolicyPortArgs(protocol=protocol, port=53)
            for protocol in ("UDP", "TCP")
        ]
    )
    return k8s.networking.v1.NetworkPolicySpecArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=pod_labels(args, names)),
        policy_types=["Egress"],
        egress=[dns, *(egress_rule(rule) for rule in args.egress)],
    )


def job_spec(args: SchemaJobArgs, names: SchemaJobNames) -> k8s.batch.v1.JobSpecArgs:
    """The Job's spec: plain data from the args (no resource is registered here)."""
    schema = _schema_container(args)
    steps = [_copy_container(args)]
    if args.admin is not None:
        steps.append(_roles_container(args, args.admin))
    init = [*steps, schema] if upgrades(args) else steps
    main = _upgrade_container(args) if upgrades(args) else schema
    return k8s.batch.v1.JobSpecArgs(
        backoff_limit=BACKOFF_LIMIT,
        active_deadline_seconds=ACTIVE_DEADLINE_SECONDS,
        ttl_seconds_after_finished=TTL_SECONDS_AFTER_FINISHED,
        pod_failure_policy=k8s.batch.v1.PodFailurePolicyArgs(
            rules=[
                # the script's verdicts; another try would give the same answer
                k8s.batch.v1.PodFailurePolicyRuleArgs(
                    action="FailJob",
                    on_exit_codes=k8s.batch.v1.PodFailurePolicyOnExitCodesRequirementArgs(
                        container_name=schema.name,
                        operator="In",
                        values=[2, postgres.HALF_CREATED_STATUS],
                    ),
                ),
                *(
                    [
                        k8s.batch.v1.PodFailurePolicyRuleArgs(
                            action="FailJob",
                            on_exit_codes=k8s.batch.v1.PodFailurePolicyOnExitCodesRequirementArgs(
                                container_name="roles", operator="In", values=[2]
                            ),
                        )
                    ]
                    if args.admin is not None
                    else []
                ),
                # a drained node is no failure of the job
                k8s.batch.v1.PodFailurePolicyRuleArgs(
                    action="Ignore",
                    on_pod_conditions=[
                        k8s.batch.v1.PodFailurePolicyOnPodConditionsPatternArgs(
                            type="DisruptionTarget", status="True"
                        )
                    ],
                ),
            ]
        ),
        template=k8s.core.v1.PodTemplateSpecArgs(
            metadata=k8s.meta.v1.ObjectMetaArgs(labels=pod_labels(args, names)),
            spec=k8s.core.v1.PodSpecArgs(
                restart_policy="Never",
                automount_service_account_token=False,
                enable_service_links=False,
                security_context=pods.pod_security_context(),
                init_containers=init,
                containers=[main],
                volumes=_volumes(args, names),
            ),
        ),
    )


def _volumes(args: SchemaJobArgs, names: SchemaJobNames) -> list[k8s.core.v1.VolumeArgs]:
    volumes = [
        k8s.core.v1.VolumeArgs(
            name="sql", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="16Mi")
        ),
        k8s.core.v1.VolumeArgs(
            name="script",
            config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(
                name=names.config_map, default_mode=0o444
            ),
        ),
        k8s.core.v1.VolumeArgs(
            name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="64Mi")
        ),
    ]
    if upgrades(args):
        volumes.append(
            k8s.core.v1.VolumeArgs(
                name="idsvr-var", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs()
            )
        )
    if args.ca is not None:
        volumes.append(
            k8s.core.v1.VolumeArgs(
                name="ca",
                secret=k8s.core.v1.SecretVolumeSourceArgs(
                    secret_name=args.ca.name,
                    items=[k8s.core.v1.KeyToPathArgs(key=args.ca.key, path="ca.crt")],
                    default_mode=0o444,
                ),
            )
        )
    return volumes


def _env(name: str, value: pulumi.Input[str] | SecretKey) -> k8s.core.v1.EnvVarArgs:
    if isinstance(value, SecretKey):
        return k8s.core.v1.EnvVarArgs(
            name=name,
            value_from=k8s.core.v1.EnvVarSourceArgs(
                secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(name=value.name, key=value.key)
            ),
        )
    return k8s.core.v1.EnvVarArgs(name=name, value=value)


def _copy_container(args: SchemaJobArgs) -> k8s.core.v1.ContainerArgs:
    return k8s.core.v1.ContainerArgs(
        name="copy-sql",
        image=args.idsvr_image,
        command=["cp", postgres.CREATE_SQL, f"{SQL_DIR}/"],
        volume_mounts=[k8s.core.v1.VolumeMountArgs(name="sql", mount_path=SQL_DIR)],
        resources=k8s.core.v1.ResourceRequirementsArgs(
            requests={"cpu": "10m", "memory": "16Mi"}, limits={"cpu": "100m", "memory": "64Mi"}
        ),
        security_context=pods.container_security_context(),
    )


def _schema_container(args: SchemaJobArgs) -> k8s.core.v1.ContainerArgs:
    extra = []
    if args.runtime_role is not None:
        extra.append(_env(postgres.SCRIPT_RUNTIME_ROLE_ENV, args.runtime_role))
    return _psql_container(
        args, "schema", postgres.SCRIPT_NAME, (args.owner_username, args.owner_password), extra
    )


def _roles_container(args: SchemaJobArgs, admin: AdminRoles) -> k8s.core.v1.ContainerArgs:
    assert args.runtime_role is not None  # job_names
    owner_role, owner_password = postgres.ROLES_SCRIPT_OWNER_ENV
    runtime_role, runtime_password = postgres.ROLES_SCRIPT_RUNTIME_ENV
    extra = [
        _env(owner_role, args.owner_username),
        _env(owner_password, admin.owner_password),
        _env(runtime_role, args.runtime_role),
        _env(runtime_password, admin.runtime_password),
    ]
    if admin.extensions:
        extra.append(_env(postgres.ROLES_SCRIPT_EXTENSIONS_ENV, " ".join(admin.extensions)))
    return _psql_container(
        args, "roles", postgres.ROLES_SCRIPT_NAME, (admin.username, admin.password), extra
    )


def _psql_container(
    args: SchemaJobArgs,
    name: str,
    script: str,
    login: tuple[SecretKey, SecretKey],
    extra_env: list[k8s.core.v1.EnvVarArgs],
) -> k8s.core.v1.ContainerArgs:
    """A step of the official PostgreSQL image running one of the job's scripts as `login`."""
    sql_file = f"{SQL_DIR}/{postgres.CREATE_SQL.rsplit('/', 1)[-1]}"
    env = [
        _env(postgres.SCRIPT_SQL_FILE_ENV, sql_file),
        _env(postgres.SCRIPT_JDBC_URL_ENV, args.jdbc_url),
        _env("PGUSER", login[0]),
        _env("PGPASSWORD", login[1]),
        _env("PGSSLMODE", ssl_mode(args)),
        _env("PGCONNECT_TIMEOUT", str(CONNECT_TIMEOUT_SECONDS)),
        _env("PGAPPNAME", f"regionkit-{name}"),
        _env("HOME", "/tmp"),
    ]
    mounts = [
        k8s.core.v1.VolumeMountArgs(name="sql", mount_path=SQL_DIR, read_only=True),
        k8s.core.v1.VolumeMountArgs(name="script", mount_path=SCRIPT_DIR, read_only=True),
        k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
    ]
    if args.ca is not None:
        env.append(_env("PGSSLROOTCERT", f"{CA_DIR}/ca.crt"))
        mounts.append(k8s.core.v1.VolumeMountArgs(name="ca", mount_path=CA_DIR, read_only=True))
    return k8s.core.v1.ContainerArgs(
        name=name,
        image=args.psql_image,
        command=["sh", f"{SCRIPT_DIR}/{script}"],
        env=[*env, *extra_env],
        volume_mounts=mounts,
        resources=k8s.core.v1.ResourceRequirementsArgs(
            requests={"cpu": "50m", "memory": "64Mi"}, limits={"cpu": "500m", "memory": "256Mi"}
        ),
        # psql needs no account of its own: the user name comes from PGUSER
        security_context=pods.container_security_context(),
    )


def _upgrade_container(args: SchemaJobArgs) -> k8s.core.v1.ContainerArgs:
    url, user, password = postgres.LIQUIBASE_ENV
    return k8s.core.v1.ContainerArgs(
        name="upgrade",
        image=args.idsvr_image,
        command=list(postgres.LIQUIBASE_COMMAND),
        env=[
            _env(url, args.jdbc_url),
            _env(user, args.owner_username),
            _env(password, args.owner_password),
        ],
        volume_mounts=[
            k8s.core.v1.VolumeMountArgs(name="idsvr-var", mount_path=f"{HOME_DIR}/var"),
            k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
        ],
        resources=k8s.core.v1.ResourceRequirementsArgs(
            requests={"cpu": "250m", "memory": "512Mi"}, limits={"cpu": "1", "memory": "1Gi"}
        ),
        security_context=pods.container_security_context(),
    )
