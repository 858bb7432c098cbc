"""The Curity configuration regionkit generates, as XML text.

Everything here is parameterised: values that differ per region or are secret are `#{VAR}`
parameters that the server reads from environment variables at start (filled from the region's
Secret or from plain values), so the XML itself is the same in every region, holds no secret and
can sit in a ConfigMap. Element names follow the server's own configuration
(`idsvr -d` output): `environments/environment/base-url`,
`services/zones/default-zone/symmetric-key`, `facilities/data-sources/data-source` with a `jdbc`
or `dynamodb` child, `facilities/crypto/signing-keys/signing-key`.

regionkit owns the base URL, the SSO cookie key, the data sources and the signing key; a user's
configuration refers to them by id (`SIGNING_KEY_ID`, each data source's id) and does not set
them itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from regionkit.components.facts import ConnectionKind, IrsaRole
from regionkit.components.protocols import DataConnection
from regionkit.model import env_prefix
from regionkit.spec.models import Engine

NS_CONFIG = "http://tail-f.com/ns/config/1.0"
NS_BASE = "https://curity.se/ns/conf/base"
NS_JDBC = "https://curity.se/ns/ext-conf/jdbc"
NS_DYNAMODB = "https://curity.se/ns/ext-conf/dynamodb"

#: the signing key's id; token issuers name it in `jwt-issuer-settings/signing-key-id`
SIGNING_KEY_ID = "regionkit-signing-key"
#: the admin node's TLS server key (`facilities/crypto/ssl/server-keystore`)
ADMIN_TLS_KEYSTORE_ID = "regionkit-admin-tls"

#: environment variables the generated configuration reads
BASE_URL_ENV = "IDSVR_BASE_URL"
ISSUER_ENV = "ISSUER"
SSO_COOKIE_KEY_ENV = "SSO_COOKIE_KEY"

#: the keys of a JDBC data connection (DataConnection contract) and the driver regionkit adds
JDBC_URL = "JDBC_URL"
JDBC_DRIVER = "JDBC_DRIVER"
DB_USERNAME = "DB_USERNAME"
DB_PASSWORD = "DB_PASSWORD"
JDBC_REQUIRED = (JDBC_URL, DB_USERNAME, DB_PASSWORD)
#: the keys of a DynamoDB data connection
DYNAMODB_REGION = "DYNAMODB_REGION"
DYNAMODB_TABLE_PREFIX = "DYNAMODB_TABLE_PREFIX"

POSTGRESQL_DRIVER = "org.postgresql.Driver"

_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def parameter(env_name: str) -> str:
    """The configuration parameter `#{NAME}` that the server fills from environment `NAME`."""
    if not _ENV_NAME.match(env_name):
        raise ValueError(f"{env_name!r} is not an environment variable name (A-Z, 0-9, _)")
    return "#{" + env_name + "}"


def _document(root: str, body: str) -> str:
    """A configuration document: `body` inside `<root>` of the base namespace."""
    return (
        f'<config xmlns="{NS_CONFIG}">\n'
        f'  <{root} xmlns="{NS_BASE}">\n'
        f"{_indent(body, 4)}"
        f"  </{root}>\n"
        "</config>\n"
    )


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "".join(f"{pad}{line}\n" if line else "\n" for line in text.splitlines())


def _element(tag: str, text: str) -> str:
    return f"<{tag}>{escape(text)}</{tag}>"


def environment_xml() -> str:
    """Base URL and the SSO cookie key of the default zone, both from parameters.

    The base URL is the issuer's origin and the symmetric key is the deployment's shared key,
    so a user's session cookie and tokens are valid in whichever region serves the next request.
    """
    body = (
        "<environment>\n"
        f"  {_element('base-url', parameter(BASE_URL_ENV))}\n"
        "  <services>\n"
        "    <zones>\n"
        "      <default-zone>\n"
        f"        {_element('symmetric-key', parameter(SSO_COOKIE_KEY_ENV))}\n"
        "      </default-zone>\n"
        "    </zones>\n"
        "  </services>\n"
        "</environment>"
    )
    return _document("environments", body)


def jdbc_driver(engine: Engine) -> str:
    """The JDBC driver class of an engine; every engine regionkit manages speaks PostgreSQL."""
    if engine is Engine.DYNAMODB:
        raise ValueError("dynamodb is not a JDBC engine")
    return POSTGRESQL_DRIVER


def is_jdbc(connection: DataConnection) -> bool:
    return connection.kind is ConnectionKind.JDBC


def connection_keys(connection: DataConnection) -> set[str]:
    """The (unprefixed) environment keys a connection provides; all of them for `secret_ref`."""
    if connection.secret_ref is not None:
        return set(JDBC_REQUIRED)
    return set(connection.env) | set(connection.secret_env)


def check_connection(connection: DataConnection) -> None:
    """Reject a connection that lacks a key its data source reads, naming what is missing."""
    if is_jdbc(connection):
        required: Iterable[str] = JDBC_REQUIRED
    else:
        required = (DYNAMODB_REGION,)
    missing = sorted(set(required) - connection_keys(connection))
    if missing:
        raise ValueError(
            f"data source {connection.data_source_id!r} ({connection.engine.value}) has no "
            f"{', '.join(missing)}; a {connection.engine.value} connection provides "
            f"{', '.join(required)}"
        )


def _jdbc_source(connection: DataConnection) -> str:
    prefix = env_prefix(connection.data_source_id)
    return (
        f'<jdbc xmlns="{NS_JDBC}">\n'
        f"  {_element('connection-string', parameter(prefix + JDBC_URL))}\n"
        f"  {_element('driver', parameter(prefix + JDBC_DRIVER))}\n"
        f"  {_element('username', parameter(prefix + DB_USERNAME))}\n"
        f"  {_element('password', parameter(prefix + DB_PASSWORD))}\n"
        "</jdbc>"
    )


#: the AWS profile the nodes' init container writes from the IRSA role (see idsvr_pods)
IRSA_PROFILE = "regionkit-irsa"


def uses_irsa(connection: DataConnection) -> bool:
    return isinstance(connection.identity, IrsaRole)


def _dynamodb_source(connection: DataConnection) -> str:
    prefix = env_prefix(connection.data_source_id)
    # Credentials are never a stored key: the pod's IRSA role through an AWS profile (the
    # plugin takes a profile, not the SDK's default chain), else the node's instance profile.
    access = (
        [
            "    <aws-profile>",
            f"      {_element('aws-profile-name', IRSA_PROFILE)}",
            "    </aws-profile>",
        ]
        if uses_irsa(connection)
        else ["    <ec2-instance-profile>true</ec2-instance-profile>"]
    )
    lines = [
        f'<dynamodb xmlns="{NS_DYNAMODB}">',
        f"  {_element('aws-region', parameter(prefix + DYNAMODB_REGION))}",
        "  <dynamodb-access-method>",
        *access,
        "  </dynamodb-access-method>",
    ]
    if DYNAMODB_TABLE_PREFIX in connection_keys(connection):
        lines.append(
            f"  {_element('table-name-prefix', parameter(prefix + DYNAMODB_TABLE_PREFIX))}"
        )
    lines.append("</dynamodb>")
    return "\n".join(lines)


def data_sources_xml(connections: Sequence[DataConnection]) -> str | None:
    """One data source per connection, or None when the region has no data connections."""
    if not connections:
        return None
    ids = [c.data_source_id for c in connections]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"data source ids must be unique in a region: {', '.join(duplicates)}")
    sources = []
    for connection in sorted(connections, key=lambda c: c.data_source_id):
        check_connection(connection)
        source = _jdbc_source(connection) if is_jdbc(connection) else _dynamodb_source(connection)
        sources.append(
            "<data-source>\n"
            f"  {_element('id', connection.data_source_id)}\n"
            f"{_indent(source, 2)}"
            "</data-source>"
        )
    body = "<data-sources>\n" + _indent("\n".join(sources), 2) + "</data-sources>"
    return _document("facilities", body)


def admin_tls_xml(keystore: str) -> str:
    """The admin node's TLS key, and the admin service (6749) serving with it.

    `keystore` is the server's `convertks` output of the certificate regionkit generated or the
    one the stack names; without `admin-service/http/ssl-server-keystore` the installer's own
    self-signed key (`default-admin-ssl-key`) would serve, whose CA nobody knows in advance.
    """
    key = (
        "<crypto>\n"
        "  <ssl>\n"
        "    <server-keystore>\n"
        f"      {_element('id', ADMIN_TLS_KEYSTORE_ID)}\n"
        f"      <keystore>{keystore}</keystore>\n"
        "    </server-keystore>\n"
        "  </ssl>\n"
        "</crypto>"
    )
    service = (
        "<environment>\n"
        "  <admin-service>\n"
        "    <http>\n"
        f"      {_element('ssl-server-keystore', ADMIN_TLS_KEYSTORE_ID)}\n"
        "    </http>\n"
        "  </admin-service>\n"
        "</environment>"
    )
    facilities = _document("facilities", key).splitlines(keepends=True)
    environments = _document("environments", service).splitlines(keepends=True)
    # one document, both roots: <config> ... </config>
    return "".join(facilities[:-1] + environments[1:])


def signing_key_xml(keystore: str) -> str:
    """The shared token signing key; `keystore` is the server's `convertks` output.

    The server only loads a private key from XML in its own encrypted keystore format, so the
    nodes build this file at start (see `idsvr_pods.prepare_script`) from the shared PEM key.
    """
    body = (
        "<crypto>\n"
        "  <signing-keys>\n"
        "    <signing-key>\n"
        f"      {_element('id', SIGNING_KEY_ID)}\n"
        f"      <keystore>{keystore}</keystore>\n"
        "    </signing-key>\n"
        "  </signing-keys>\n"
        "</crypto>"
    )
    return _document("facilities", body)
