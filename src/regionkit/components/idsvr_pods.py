"""Pod specs of the identity server nodes and of the job that makes `cluster.xml`.

Plain builders, no resources: `identity_server.py` registers what these describe.

How a node starts under a read-only root filesystem: an init container (the server's own image)
seeds empty writable volumes for `etc/init` and `var` from the image, copies the startup
configuration (the ConfigMap) and the region's `cluster.xml` into `etc/init`, and turns the
shared PEM signing key into the server's keystore format with the vendor's `convertks` (the only
form in which the server loads a private key from XML), and the admin node's TLS certificate
likewise. The server then starts on those volumes.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pulumi
import pulumi_kubernetes as k8s

from regionkit.catalog import idsvr
from regionkit.components import curity_config as cc
from regionkit.components.protocols import DataConnection
from regionkit.model import WORKLOAD_SERVICE_ACCOUNT, env_prefix
from regionkit.spec.models import AdminSpec, RuntimeSpec

APP_NAME = "curity-idsvr"
ADMIN = "admin"
RUNTIME = "runtime"
CLUSTER_JOB = "cluster-config"

# Kubernetes object names inside the deployment's namespace (one namespace per deployment).
SERVICE_ACCOUNT = WORKLOAD_SERVICE_ACCOUNT
KEYS_SECRET = "idsvr-keys"
CONFIG_MAP = "idsvr-config"
CLUSTER_SECRET = "idsvr-cluster-config"
#: the Secret regionkit makes from a license file (an existing one keeps the name it has)
LICENSE_SECRET = "idsvr-license-file"
CLUSTER_JOB_NAME = "idsvr-cluster-config"
ADMIN_NAME = "idsvr-admin"
RUNTIME_NAME = "idsvr-runtime"

# Keys of the keys Secret. Those that fill a configuration parameter are named like the
# environment variable, so another job can resolve `#{PARAMETER}`s from the same Secret.
CONFIG_ENCRYPTION_KEY = idsvr.CONFIG_ENCRYPTION_KEY_ENV
SSO_COOKIE_KEY = cc.SSO_COOKIE_KEY_ENV
ADMIN_PASSWORD = "ADMIN_PASSWORD"
SIGNING_KEY_PEM = "SIGNING_KEY_PEM"
SIGNING_CERT_PEM = "SIGNING_CERT_PEM"
SIGNING_KEYSTORE_PASSWORD = "SIGNING_KEYSTORE_PASSWORD"
#: the admin node's TLS key and certificate, and the CA that config-sync trusts (generated)
ADMIN_TLS_KEY_PEM = "ADMIN_TLS_KEY_PEM"
ADMIN_TLS_CERT_PEM = "ADMIN_TLS_CERT_PEM"
ADMIN_TLS_CA_PEM = "ADMIN_TLS_CA_PEM"
#: the server's unattended setup reads the admin password from this variable
PASSWORD_ENV = "PASSWORD"

RUNTIME_SERVICE_ROLE = "default"
ADMIN_SERVICE_ROLE = "admin"

# Where the init container finds its inputs and writes its outputs.
_STAGE = "/run/regionkit"
_CONFIG_DIR = f"{_STAGE}/config"
_KEYS_DIR = f"{_STAGE}/keys"
_ADMIN_TLS_DIR = f"{_STAGE}/admin-tls"
_CLUSTER_DIR = f"{_STAGE}/cluster"
_LICENSE_STAGE = f"{_STAGE}/license"
_INIT_OUT = f"{_STAGE}/init"
_VAR_OUT = f"{_STAGE}/var"
_VAR_DIR = f"{idsvr.HOME_DIR}/var"
_SIGNING_ALIAS = "regionkit-signing"
_ADMIN_TLS_ALIAS = "regionkit-admin-tls"
_CONVERTKS = f"{idsvr.HOME_DIR}/bin/convertks"

_FILE_PATH = re.compile(idsvr.INIT_FILE_PATH)

CONFIG_HASH_ANNOTATION = "regionkit.io/config-hash"
SECRET_HASH_ANNOTATION = "regionkit.io/secret-hash"
LICENSE_HASH_ANNOTATION = "regionkit.io/license-hash"


def labels(instance: str, component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": APP_NAME,
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "regionkit",
        "app.kubernetes.io/managed-by": "regionkit",
    }


def selector(instance: str, component: str) -> dict[str, str]:
    """The labels pods are selected by: stable, so selectors never change after creation."""
    return {
        "app.kubernetes.io/name": APP_NAME,
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/component": component,
    }


@dataclass(frozen=True)
class Placement:
    """Where an identity server's Kubernetes objects go: one cluster, one namespace.

    Every child component of `IdentityServer` registers its objects through one, so each
    object gets the region's provider explicitly, the namespace and the platform's waits.
    """

    provider: pulumi.ProviderResource
    #: the Namespace resource's name (an Output, so every object waits for the namespace)
    namespace: pulumi.Input[str]
    #: the namespace's name as a plain value: the `app.kubernetes.io/instance` label
    instance: str
    #: what every object waits for (the platform's node group, cluster add-ons)
    depends_on: tuple[pulumi.Resource, ...] = ()
    #: the component the objects were children of before they had a component of their own
    #: (`IdentityServer`): an alias to it keeps existing stacks from replacing them
    previous_parent: pulumi.Resource | None = None

    def options(
        self, parent: pulumi.Resource, *, depends_on: Sequence[pulumi.Resource] = ()
    ) -> pulumi.ResourceOptions:
        """Options of one object: `parent`, the provider, the waits, the alias."""
        aliases: list[pulumi.Alias | str] | None = None
        if self.previous_parent is not None:
            aliases = [pulumi.Alias(parent=self.previous_parent)]
        return pulumi.ResourceOptions(
            parent=parent,
            provider=self.provider,
            depends_on=[*self.depends_on, *depends_on],
            aliases=aliases,
        )

    def metadata(self, object_name: str, component: str) -> k8s.meta.v1.ObjectMetaArgs:
        return k8s.meta.v1.ObjectMetaArgs(
            name=object_name, namespace=self.namespace, labels=labels(self.instance, component)
        )


# --- configuration files -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigFile:
    """One file of `etc/init`: its ConfigMap key and its path below `etc/init`."""

    key: str
    path: str


def config_files(files: Mapping[str, str]) -> list[ConfigFile]:
    """ConfigMap keys for the startup files.

    Paths may have directories (`subsystem/profiles.xml`); a ConfigMap key cannot, so `/`
    becomes `__` in the key. Which names a stack's files may have is a rule about user input:
    `regionkit validate` reports a breach (`config.file-name`, from the catalog's
    `INIT_FILE_PATH` and `GENERATED_FILES`), so a name that reaches here against it is a bug
    of the caller.
    """
    out = []
    keys: dict[str, str] = {}
    for path in sorted(files):
        if not _FILE_PATH.match(path) or path in idsvr.GENERATED_FILES:
            raise ValueError(
                f"config file {path!r} is not a startup file name the checks allow "
                f"(reserved: {', '.join(idsvr.GENERATED_FILES)})"
            )
        key = path.replace("/", "__")
        if key in keys:
            raise ValueError(f"config files {keys[key]!r} and {path!r} map to the same key")
        keys[key] = path
        out.append(ConfigFile(key=key, path=path))
    return out


@dataclass(frozen=True)
class License:
    """Where the nodes' license comes from: a Secret whose key `license.json` holds the file.

    `content` is the file's text when regionkit makes that Secret (`LICENSE_SECRET`) from a
    file; None when the Secret exists already (`identityServer.license.secretName`). It is a
    secret: kept out of `repr`, and put into the Secret only as a secret Output.
    """

    secret_name: str
    content: str | None = field(default=None, repr=False)

    @classmethod
    def from_file(cls, content: str) -> License:
        return cls(secret_name=LICENSE_SECRET, content=content)

    def content_hash(self) -> str | None:
        """A digest of the file (rolls the nodes when it changes); None for an existing Secret,
        whose changes apply when the nodes restart."""
        if self.content is None:
            return None
        return hashlib.sha256(self.content.encode()).hexdigest()


def content_hash(files: Mapping[str, str]) -> str:
    """SHA-256 over the files' names and contents: changes whenever any file changes."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path].encode() + b"\0")
    return digest.hexdigest()


#: where the init container writes the AWS profile of the IRSA role (not *.xml: not config)
AWS_CONFIG_NAME = "aws-config"


@dataclass(frozen=True)
class TlsSecret:
    """Where a TLS certificate, its key and its CA are: a Secret and its keys."""

    secret_name: str
    cert_key: str
    key_key: str
    ca_key: str


#: the admin certificate regionkit generates (`shared_keys`), in the nodes' keys Secret
GENERATED_ADMIN_TLS = TlsSecret(
    KEYS_SECRET, ADMIN_TLS_CERT_PEM, ADMIN_TLS_KEY_PEM, ADMIN_TLS_CA_PEM
)


def admin_tls_secret(admin: AdminSpec) -> TlsSecret:
    """The admin node's certificate: the stack's `identityServer.admin.tls` Secret (in
    cert-manager's form) or the one regionkit generates."""
    if admin.tls is None:
        return GENERATED_ADMIN_TLS
    return TlsSecret(admin.tls.secret_name, "tls.crt", "tls.key", "ca.crt")


def _keystore_lines(alias: str, pem_key: str, pem_cert: str, variable: str) -> list[str]:
    """Shell lines that put `convertks`' keystore of a PEM key and certificate in `$variable`.

    The PKCS#12 between the two only lives in the init container's memory-backed /tmp.
    """
    p12 = f"/tmp/{alias}.p12"
    return [
        f"openssl pkcs12 -export -name {alias} -inkey {pem_key} -in {pem_cert} "
        f"-passout env:{SIGNING_KEYSTORE_PASSWORD} -out {p12}",
        f"openssl base64 -A -in {p12} -out {p12}-b64",
        f'{variable}="$({_CONVERTKS} --in-file {p12}-b64 '
        f'--in-alias {alias} --in-password "${SIGNING_KEYSTORE_PASSWORD}" '
        f'--in-entry-password "${SIGNING_KEYSTORE_PASSWORD}")"',
        f'test -n "${variable}"',
        f"rm -f {p12} {p12}-b64",
    ]


def prepare_script(files: Sequence[ConfigFile], *, license_file: bool = False) -> str:
    """The init container's script: seed writable dirs, copy config and the license, build the
    signing key and the admin node's TLS key."""
    copies = []
    for f in files:
        target = f"{_INIT_OUT}/{f.path}"
        if "/" in f.path:
            copies.append(f"mkdir -p {shlex.quote(target.rsplit('/', 1)[0])}")
        copies.append(f"cp {shlex.quote(f'{_CONFIG_DIR}/{f.key}')} {shlex.quote(target)}")
    if license_file:
        # a plain file where Curity reads it, as the vendor's images place it
        license_dir = f"{_INIT_OUT}/{idsvr.CONFIG_LICENSE_PATH.rsplit('/', 1)[0]}"
        copies += [
            f"mkdir -p {license_dir}",
            f"cp {_LICENSE_STAGE}/{idsvr.LICENSE_FILE} {_INIT_OUT}/{idsvr.CONFIG_LICENSE_PATH}",
        ]
    pem_key, pem_cert = f"{_KEYS_DIR}/signing-key.pem", f"{_KEYS_DIR}/signing-cert.pem"
    lines = [
        "set -eu",
        "umask 077",
        "# writable copies of what the image ships in etc/init and var",
        f"cp -R {idsvr.INIT_DIR}/. {_INIT_OUT}/",
        f"cp -R {_VAR_DIR}/. {_VAR_OUT}/",
        *copies,
        f"cp {_CLUSTER_DIR}/{idsvr.CLUSTER_FILE} {_INIT_OUT}/{idsvr.CLUSTER_FILE}",
        "# the shared signing key, in the keystore format the server loads from XML",
        *_keystore_lines(_SIGNING_ALIAS, pem_key, pem_cert, "KEYSTORE"),
        f"cat > {_INIT_OUT}/{idsvr.SIGNING_KEY_FILE} <<EOF",
        cc.signing_key_xml("${KEYSTORE}").rstrip("\n"),
        "EOF",
        "# the admin node's TLS key: RESTCONF clients verify it against its known CA",
        *_keystore_lines(
            _ADMIN_TLS_ALIAS, f"{_ADMIN_TLS_DIR}/tls.key", f"{_ADMIN_TLS_DIR}/tls.crt", "ADMIN_TLS"
        ),
        f"cat > {_INIT_OUT}/{idsvr.ADMIN_TLS_FILE} <<EOF",
        cc.admin_tls_xml("${ADMIN_TLS}").rstrip("\n"),
        "EOF",
        "# the IRSA role as an AWS profile: EKS injects AWS_ROLE_ARN and the token file",
        'if [ -n "${AWS_ROLE_ARN:-}" ]; then',
        f"  printf '[profile {cc.IRSA_PROFILE}]\\nrole_arn = %s\\nweb_identity_token_file = %s\\n' "
        f'"$AWS_ROLE_ARN" "$AWS_WEB_IDENTITY_TOKEN_FILE" > {_INIT_OUT}/{AWS_CONFIG_NAME}',
        "fi",
    ]
    return "\n".join(lines) + "\n"


_GENCLUST_SCRIPT = r"""set -eu
SA=/var/run/secrets/kubernetes.io/serviceaccount
TOKEN="$(cat $SA/token)"
NAMESPACE="$(cat $SA/namespace)"
URL="/api/v1/namespaces/$NAMESPACE/secrets/$SECRET_NAME"
api() {
  openssl s_client -quiet -CAfile "$SA/ca.crt" -connect kubernetes.default.svc:443 \
    -servername kubernetes.default.svc 2>/dev/null <<REQUEST
$1 $URL HTTP/1.1
Host: kubernetes.default.svc
Authorization: Bearer $TOKEN
Accept: application/json
Content-Type: $2
Content-Length: ${#3}
Connection: close

$3
REQUEST
}
if api GET application/json '' | grep -q '"@FILE@"'; then
  echo "@FILE@ exists in $SECRET_NAME; keeping it"
  exit 0
fi
XML="$(@GENCLUST@ -c "$ADMIN_HOST" -p "$ADMIN_PORT" | base64 -w 0)"
test -n "$XML"
BODY="{\"data\":{\"@FILE@\":\"$XML\"}}"
api PATCH application/merge-patch+json "$BODY" | head -n 1 | grep -q " 200 " || {
  echo "could not write @FILE@ into $SECRET_NAME" >&2
  exit 1
}
echo "wrote @FILE@ into $SECRET_NAME"
"""


def genclust_script() -> str:
    """The cluster job's script: write `cluster.xml` into the cluster Secret once.

    `genclust` is the vendor's generator of the cluster keystore; the script runs it only when
    the Secret has no `cluster.xml` yet, so a rerun (new image, replaced job) keeps the running
    nodes' keystore. The Kubernetes API is reached with `openssl s_client`, as in the vendor's
    chart, because the server image has no HTTP client.
    """
    return _GENCLUST_SCRIPT.replace("@FILE@", idsvr.CLUSTER_FILE).replace(
        "@GENCLUST@", idsvr.GENCLUST_BIN
    )


# --- container pieces --------------------------------------------------------------------------


def millicores(cpu: str) -> int:
    """CPU quantity in millicores: "500m" -> 500, "1.5" -> 1500."""
    if cpu.endswith("m"):
        return int(cpu[:-1])
    return int(Decimal(cpu) * 1000)


def cpu_quantity(milli: int) -> str:
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def resources(runtime: RuntimeSpec) -> k8s.core.v1.ResourceRequirementsArgs:
    """Requests from the stack file; memory limit = request (no overcommit of the JVM heap),
    CPU limit twice the request (start-up and bursts are CPU-bound)."""
    return k8s.core.v1.ResourceRequirementsArgs(
        requests={"cpu": runtime.cpu, "memory": runtime.memory},
        limits={"cpu": cpu_quantity(2 * millicores(runtime.cpu)), "memory": runtime.memory},
    )


def container_security_context() -> k8s.core.v1.SecurityContextArgs:
    return k8s.core.v1.SecurityContextArgs(
        run_as_non_root=True,
        run_as_user=idsvr.RUN_AS_USER,
        run_as_group=idsvr.RUN_AS_GROUP,
        allow_privilege_escalation=False,
        read_only_root_filesystem=True,
        capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
        seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
    )


def pod_security_context() -> k8s.core.v1.PodSecurityContextArgs:
    return k8s.core.v1.PodSecurityContextArgs(
        run_as_non_root=True,
        run_as_user=idsvr.RUN_AS_USER,
        run_as_group=idsvr.RUN_AS_GROUP,
        fs_group=idsvr.RUN_AS_GROUP,
        seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
    )


def probe(path: str, *, readiness: bool) -> k8s.core.v1.ProbeArgs:
    """The vendor chart's probe timing on the status port."""
    defaults = idsvr.PROBE_DEFAULTS
    return k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path=path, port="status"),
        initial_delay_seconds=defaults.initial_delay_seconds,
        period_seconds=defaults.period_seconds,
        timeout_seconds=defaults.timeout_seconds,
        failure_threshold=defaults.failure_threshold,
        success_threshold=defaults.readiness_success_threshold if readiness else 1,
    )


def _secret_env(name: str, key: str, secret: str = KEYS_SECRET) -> k8s.core.v1.EnvVarArgs:
    return k8s.core.v1.EnvVarArgs(
        name=name,
        value_from=k8s.core.v1.EnvVarSourceArgs(
            secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(name=secret, key=key)
        ),
    )


def data_secret_values(connections: Sequence[DataConnection]) -> dict[str, pulumi.Input[str]]:
    """The connections' secret values, keyed by their prefixed names in the keys Secret."""
    values: dict[str, pulumi.Input[str]] = {}
    for connection in connections:
        prefix = env_prefix(connection.data_source_id)
        for key, value in connection.secret_env.items():
            values[prefix + key] = pulumi.Output.secret(value)
    return values


def data_env(
    connections: Sequence[DataConnection],
) -> tuple[list[k8s.core.v1.EnvVarArgs], list[k8s.core.v1.EnvFromSourceArgs]]:
    """Environment of the data sources: plain values, keys Secret refs, existing Secrets."""
    env: list[k8s.core.v1.EnvVarArgs] = []
    env_from: list[k8s.core.v1.EnvFromSourceArgs] = []
    for connection in sorted(connections, key=lambda c: c.data_source_id):
        prefix = env_prefix(connection.data_source_id)
        plain: dict[str, pulumi.Input[str]] = dict(connection.env)
        if cc.is_jdbc(connection) and cc.JDBC_DRIVER not in cc.connection_keys(connection):
            plain[cc.JDBC_DRIVER] = cc.jdbc_driver(connection.engine)
        for key in sorted(plain):
            env.append(k8s.core.v1.EnvVarArgs(name=prefix + key, value=plain[key]))
        for key in sorted(connection.secret_env):
            env.append(_secret_env(prefix + key, prefix + key))
        if connection.secret_ref is not None:
            env_from.append(
                k8s.core.v1.EnvFromSourceArgs(
                    prefix=prefix,
                    secret_ref=k8s.core.v1.SecretEnvSourceArgs(name=connection.secret_ref),
                )
            )
    return env, env_from


@dataclass(frozen=True)
class NodeInputs:
    """What the pod template of an admin or runtime node is made from."""

    instance: str
    component: str
    image: str
    runtime: RuntimeSpec
    base_url: str
    issuer: str
    files: tuple[ConfigFile, ...]
    connections: tuple[DataConnection, ...]
    config_hash: str
    secret_hash: pulumi.Input[str]
    admin_tls: TlsSecret = GENERATED_ADMIN_TLS
    #: the license the prepare container copies into etc/init/license (None: no license)
    license: License | None = None


def _ports(component: str) -> list[k8s.core.v1.ContainerPortArgs]:
    ports = [("status", idsvr.STATUS_PORT), ("metrics", idsvr.METRICS_PORT)]
    if component == ADMIN:
        ports = [
            ("admin", idsvr.ADMIN_PORT),
            ("cluster", idsvr.CLUSTER_PORT),
            ("distributed", idsvr.DISTRIBUTED_PORT),
            *ports,
        ]
    else:
        ports = [("http", idsvr.RUNTIME_PORT), *ports]
    return [
        k8s.core.v1.ContainerPortArgs(name=name, container_port=port, protocol="TCP")
        for name, port in ports
    ]


def _args(component: str) -> list[str]:
    if component == ADMIN:
        return [idsvr.IDSVR_BIN, "-s", ADMIN_SERVICE_ROLE, "-N", ADMIN_NAME, "--admin"]
    return [idsvr.IDSVR_BIN, "-s", RUNTIME_SERVICE_ROLE, "--no-admin"]


def _node_env(inputs: NodeInputs) -> list[k8s.core.v1.EnvVarArgs]:
    env = [
        k8s.core.v1.EnvVarArgs(name="JAVA_OPTS", value=idsvr.JAVA_OPTS),
        k8s.core.v1.EnvVarArgs(name=idsvr.STATUS_PORT_ENV, value=str(idsvr.STATUS_PORT)),
        k8s.core.v1.EnvVarArgs(name=cc.BASE_URL_ENV, value=inputs.base_url),
        k8s.core.v1.EnvVarArgs(name=cc.ISSUER_ENV, value=inputs.issuer),
        _secret_env(idsvr.CONFIG_ENCRYPTION_KEY_ENV, CONFIG_ENCRYPTION_KEY),
        _secret_env(cc.SSO_COOKIE_KEY_ENV, SSO_COOKIE_KEY),
    ]
    if inputs.component == ADMIN:
        env.append(_secret_env(PASSWORD_ENV, ADMIN_PASSWORD))
    if any(cc.uses_irsa(c) for c in inputs.connections):
        env.append(
            k8s.core.v1.EnvVarArgs(
                name="AWS_CONFIG_FILE", value=f"{idsvr.INIT_DIR}/{AWS_CONFIG_NAME}"
            )
        )
    return env


#: group-readable: the nodes run in the fsGroup
_READ_ONLY = 0o440


def _license_volumes(license: License | None) -> list[k8s.core.v1.VolumeArgs]:
    if license is None:
        return []
    return [
        k8s.core.v1.VolumeArgs(
            name="license",
            secret=k8s.core.v1.SecretVolumeSourceArgs(
                secret_name=license.secret_name,
                items=[k8s.core.v1.KeyToPathArgs(key=idsvr.LICENSE_FILE, path=idsvr.LICENSE_FILE)],
                default_mode=_READ_ONLY,
            ),
        )
    ]


def _volumes(files: Sequence[ConfigFile], admin_tls: TlsSecret) -> list[k8s.core.v1.VolumeArgs]:
    return [
        k8s.core.v1.VolumeArgs(
            name="config",
            config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(
                name=CONFIG_MAP,
                items=[k8s.core.v1.KeyToPathArgs(key=f.key, path=f.key) for f in files],
                default_mode=_READ_ONLY,
            ),
        ),
        k8s.core.v1.VolumeArgs(
            name="keys",
            secret=k8s.core.v1.SecretVolumeSourceArgs(
                secret_name=KEYS_SECRET,
                items=[
                    k8s.core.v1.KeyToPathArgs(key=SIGNING_KEY_PEM, path="signing-key.pem"),
                    k8s.core.v1.KeyToPathArgs(key=SIGNING_CERT_PEM, path="signing-cert.pem"),
                ],
                default_mode=_READ_ONLY,
            ),
        ),
        k8s.core.v1.VolumeArgs(
            name="admin-tls",
            secret=k8s.core.v1.SecretVolumeSourceArgs(
                secret_name=admin_tls.secret_name,
                items=[
                    k8s.core.v1.KeyToPathArgs(key=admin_tls.key_key, path="tls.key"),
                    k8s.core.v1.KeyToPathArgs(key=admin_tls.cert_key, path="tls.crt"),
                ],
                default_mode=_READ_ONLY,
            ),
        ),
        k8s.core.v1.VolumeArgs(
            name="cluster",
            secret=k8s.core.v1.SecretVolumeSourceArgs(
                secret_name=CLUSTER_SECRET,
                items=[k8s.core.v1.KeyToPathArgs(key=idsvr.CLUSTER_FILE, path=idsvr.CLUSTER_FILE)],
                default_mode=_READ_ONLY,
            ),
        ),
        k8s.core.v1.VolumeArgs(name="etc-init", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs()),
        k8s.core.v1.VolumeArgs(name="var", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs()),
        k8s.core.v1.VolumeArgs(name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs()),
        # the PKCS#12 passes through here: memory only, never the node's disk
        k8s.core.v1.VolumeArgs(
            name="prepare-tmp",
            empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(medium="Memory", size_limit="16Mi"),
        ),
    ]


def _mount(name: str, path: str, read_only: bool = False) -> k8s.core.v1.VolumeMountArgs:
    return k8s.core.v1.VolumeMountArgs(name=name, mount_path=path, read_only=read_only)


def tool_resources() -> k8s.core.v1.ResourceRequirementsArgs:
    """CPU and memory requests and limits of a tool container on the identity server image."""
    return k8s.core.v1.ResourceRequirementsArgs(
        requests=dict(idsvr.TOOL_REQUESTS), limits=dict(idsvr.TOOL_LIMITS)
    )


def _prepare_container(inputs: NodeInputs) -> k8s.core.v1.ContainerArgs:
    return k8s.core.v1.ContainerArgs(
        name="prepare",
        image=inputs.image,
        command=[
            "sh",
            "-c",
            prepare_script(inputs.files, license_file=inputs.license is not None),
        ],
        env=[
            _secret_env(idsvr.CONFIG_ENCRYPTION_KEY_ENV, CONFIG_ENCRYPTION_KEY),
            _secret_env(SIGNING_KEYSTORE_PASSWORD, SIGNING_KEYSTORE_PASSWORD),
        ],
        volume_mounts=[
            _mount("config", _CONFIG_DIR, read_only=True),
            _mount("keys", _KEYS_DIR, read_only=True),
            _mount("admin-tls", _ADMIN_TLS_DIR, read_only=True),
            _mount("cluster", _CLUSTER_DIR, read_only=True),
            _mount("etc-init", _INIT_OUT),
            _mount("var", _VAR_OUT),
            _mount("prepare-tmp", "/tmp"),
            *([_mount("license", _LICENSE_STAGE, read_only=True)] if inputs.license else []),
        ],
        resources=tool_resources(),
        security_context=container_security_context(),
    )


def _license_annotation(license: License | None) -> dict[str, str]:
    digest = license.content_hash() if license is not None else None
    return {LICENSE_HASH_ANNOTATION: digest} if digest is not None else {}


def pod_template(inputs: NodeInputs) -> k8s.core.v1.PodTemplateSpecArgs:
    """The pod of an admin or runtime node."""
    match = selector(inputs.instance, inputs.component)
    env, env_from = data_env(inputs.connections)
    # The admin node's status says "configured"; `/serving` reports on the runtime service
    # role, which an admin-only node does not run, so it readies on `/`.
    readiness_path = idsvr.READINESS_PATH if inputs.component == RUNTIME else idsvr.LIVENESS_PATH
    container = k8s.core.v1.ContainerArgs(
        name="idsvr",
        image=inputs.image,
        args=_args(inputs.component),
        ports=_ports(inputs.component),
        env=[*_node_env(inputs), *env],
        env_from=env_from or None,
        liveness_probe=probe(idsvr.LIVENESS_PATH, readiness=False),
        readiness_probe=probe(readiness_path, readiness=True),
        resources=resources(inputs.runtime),
        security_context=container_security_context(),
        volume_mounts=[
            _mount("etc-init", idsvr.INIT_DIR),
            _mount("var", _VAR_DIR),
            _mount("tmp", "/tmp"),
        ],
    )
    return k8s.core.v1.PodTemplateSpecArgs(
        metadata=k8s.meta.v1.ObjectMetaArgs(
            labels=labels(inputs.instance, inputs.component),
            annotations={
                "prometheus.io/scrape": "true",
                "prometheus.io/path": idsvr.METRICS_PATH,
                "prometheus.io/port": str(idsvr.METRICS_PORT),
                CONFIG_HASH_ANNOTATION: inputs.config_hash,
                SECRET_HASH_ANNOTATION: inputs.secret_hash,
                **_license_annotation(inputs.license),
            },
        ),
        spec=k8s.core.v1.PodSpecArgs(
            service_account_name=SERVICE_ACCOUNT,
            automount_service_account_token=False,
            # Service links would put every Service of the namespace into the environment the
            # configuration's parameters are read from.
            enable_service_links=False,
            security_context=pod_security_context(),
            init_containers=[_prepare_container(inputs)],
            containers=[container],
            volumes=[*_volumes(inputs.files, inputs.admin_tls), *_license_volumes(inputs.license)],
            topology_spread_constraints=[
                k8s.core.v1.TopologySpreadConstraintArgs(
                    max_skew=1,
                    topology_key=key,
                    # ScheduleAnyway: a cluster without zone labels (on premises) still runs
                    when_unsatisfiable="ScheduleAnyway",
                    label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=match),
                )
                for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
            ],
        ),
    )


def cluster_job_template(instance: str, image: str) -> k8s.core.v1.PodTemplateSpecArgs:
    """The pod of the job that writes `cluster.xml` (see `genclust_script`)."""
    return k8s.core.v1.PodTemplateSpecArgs(
        metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels(instance, CLUSTER_JOB)),
        spec=k8s.core.v1.PodSpecArgs(
            service_account_name=CLUSTER_JOB_NAME,
            automount_service_account_token=True,
            enable_service_links=False,
            restart_policy="Never",
            security_context=pod_security_context(),
            containers=[
                k8s.core.v1.ContainerArgs(
                    name="genclust",
                    image=image,
                    command=["sh", "-c", genclust_script()],
                    env=[
                        k8s.core.v1.EnvVarArgs(name="SECRET_NAME", value=CLUSTER_SECRET),
                        k8s.core.v1.EnvVarArgs(name="ADMIN_HOST", value=ADMIN_NAME),
                        k8s.core.v1.EnvVarArgs(name="ADMIN_PORT", value=str(idsvr.CLUSTER_PORT)),
                        # the keystore in cluster.xml is encrypted with the config key
                        _secret_env(idsvr.CONFIG_ENCRYPTION_KEY_ENV, CONFIG_ENCRYPTION_KEY),
                    ],
                    resources=tool_resources(),
                    security_context=container_security_context(),
                    volume_mounts=[_mount("tmp", "/tmp")],
                )
            ],
            volumes=[
                k8s.core.v1.VolumeArgs(name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs())
            ],
        ),
    )
