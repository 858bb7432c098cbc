"""Curity's DynamoDB tables as Curity defines them: keys, indexes, projections, TTL attribute.

Source: github.com/curityio/dynamodb-data-access-provider at commit 8b616ae ("11.0 release",
Curity 11.0.0, plugin 1.2.0), `src/main/resources/schemas/on-demand/create-table-curity-*.json`;
the identity server ships the same files under `<IDSVR>/etc`. Curity's documentation: only the
table names may take a prefix; "the remaining fields in the JSON files, such indexes names and
attribute names, cannot be changed", because the data source queries each index by name.

The JSON files do not enable TTL. The TTL attribute here is where the provider writes
`deletableAt` (epoch seconds, expiry plus a retain duration): sessions, nonces, delegations,
tokens and devices only (`Dynamo*DataAccessProvider.kt`).

`REGIONS` is the plugin's region enum (`configuration/AWSRegion.kt`): the data source builds its
client's region from it, so it cannot reach a table in any other region.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

CURITY_VERSION = "11.0.0"
SOURCE = "github.com/curityio/dynamodb-data-access-provider@8b616ae"

#: the time-to-live attribute Curity writes on expiring items
TTL_ATTRIBUTE = "deletableAt"


class Projection(StrEnum):
    ALL = "ALL"
    INCLUDE = "INCLUDE"


@dataclass(frozen=True)
class Index:
    """A secondary index; an LSI's hash key is its table's."""

    name: str
    hash_key: str
    range_key: str | None
    projection: Projection
    #: the projected non-key attributes of an INCLUDE projection, in Curity's order
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """One of Curity's tables, named `<table-name-prefix>curity-<name>`."""

    #: the table's name after `curity-`
    name: str
    hash_key: str
    range_key: str | None
    #: Curity's AttributeDefinitions (name, type S or N), in its order
    attributes: tuple[tuple[str, str], ...]
    gsis: tuple[Index, ...] = ()
    lsis: tuple[Index, ...] = ()
    ttl_attribute: str | None = None

    @property
    def table_name(self) -> str:
        """The name in Curity's JSON, before any table-name prefix."""
        return f"curity-{self.name}"


def _all(name: str, hash_key: str, range_key: str | None = None) -> Index:
    return Index(name, hash_key, range_key, Projection.ALL)


def _include(name: str, hash_key: str, range_key: str, *attributes: str) -> Index:
    return Index(name, hash_key, range_key, Projection.INCLUDE, attributes)


# Curity's INCLUDE lists: the listing fields, minus the index's own sort key
_CLIENT = ("client_id", "client_name", "status", "tags")
_SP = ("id", "service_provider_name", "enabled", "tags")

# fmt: off
TABLES: tuple[Table, ...] = (
    Table(
        "accounts", "pk", None,
        (("pk", "S"), ("userName", "S"), ("userNameInitial", "S"), ("email", "S"),
         ("emailInitial", "S")),
        gsis=(
            _all("userNameInitial-userName-index", "userNameInitial", "userName"),
            _all("emailInitial-email-index", "emailInitial", "email"),
        ),
    ),
    Table("bucket", "subject", "purpose", (("subject", "S"), ("purpose", "S"))),
    Table(
        "database-clients", "profile_id", "client_id_key",
        (("profile_id", "S"), ("client_id_key", "S"), ("client_name_key", "S"),
         ("client_name", "S"), ("tag_key", "S"), ("created", "N"), ("lastModified", "N")),
        gsis=(
            _include("client_name-created-index", "client_name_key", "created",
                     *_CLIENT, "lastModified", "attributes"),
            _include("client_name-lastModified-index", "client_name_key", "lastModified",
                     *_CLIENT, "created", "attributes"),
            _include("client_name-client_name-index", "client_name_key", "client_name",
                     "client_id", "status", "tags", "created", "lastModified", "attributes"),
            _include("tag-created-index", "tag_key", "created",
                     *_CLIENT, "lastModified", "attributes"),
            _include("tag-lastModified-index", "tag_key", "lastModified",
                     *_CLIENT, "created", "attributes"),
            _include("tag-client_name-index", "tag_key", "client_name",
                     "client_id", "status", "tags", "created", "lastModified", "attributes"),
        ),
        lsis=(
            _include("lsi-created-index", "profile_id", "created",
                     *_CLIENT, "lastModified", "attributes"),
            _include("lsi-lastModified-index", "profile_id", "lastModified",
                     *_CLIENT, "created", "attributes"),
            _include("lsi-client_name-index", "profile_id", "client_name_key",
                     "client_id", "status", "tags", "created", "lastModified", "attributes",
                     "client_name"),
        ),
    ),
    Table(
        "database-service-providers", "profile_id", "service_provider_id_key",
        (("profile_id", "S"), ("service_provider_id_key", "S"),
         ("service_provider_name_key", "S"), ("service_provider_name", "S"), ("tag_key", "S"),
         ("created", "N"), ("lastModified", "N")),
        gsis=(
            _include("service_provider_name-created-index", "service_provider_name_key",
                     "created", *_SP, "lastModified", "attributes"),
            _include("service_provider_name-lastModified-index", "service_provider_name_key",
                     "lastModified", *_SP, "created", "attributes"),
            _include("service_provider_name-service_provider_name-index",
                     "service_provider_name_key", "service_provider_name",
                     "id", "enabled", "tags", "created", "lastModified", "attributes"),
            _include("tag-created-index", "tag_key", "created",
                     *_SP, "lastModified", "attributes"),
            _include("tag-lastModified-index", "tag_key", "lastModified",
                     *_SP, "created", "attributes"),
            _include("tag-service_provider_name-index", "tag_key", "service_provider_name",
                     "id", "enabled", "tags", "created", "lastModified", "attributes"),
        ),
        lsis=(
            _include("lsi-created-index", "profile_id", "created",
                     *_SP, "lastModified", "attributes"),
            _include("lsi-lastModified-index", "profile_id", "lastModified",
                     *_SP, "created", "attributes"),
            _include("lsi-service_provider_name-index", "profile_id", "service_provider_name_key",
                     "id", "enabled", "tags", "created", "lastModified", "attributes",
                     "service_provider_name"),
        ),
    ),
    Table(
        "delegations", "id", None,
        (("id", "S"), ("status", "S"), ("owner", "S"), ("clientId", "S"),
         ("authorizationCodeHash", "S")),
        gsis=(
            _all("owner-status-index", "owner", "status"),
            _all("clientId-status-index", "clientId", "status"),
            _all("authorization-hash-index", "authorizationCodeHash"),
        ),
        ttl_attribute=TTL_ATTRIBUTE,
    ),
    Table(
        "devices", "pk", "sk", (("pk", "S"), ("sk", "S"), ("deviceId", "S")),
        gsis=(_all("deviceId-index", "deviceId"),),
        ttl_attribute=TTL_ATTRIBUTE,
    ),
    Table(
        "dynamic-clients", "clientId", None,
        (("clientId", "S"), ("authenticatedUser", "S"), ("instanceOfClient", "S"),
         ("created", "N"), ("updated", "N")),
        gsis=(
            _all("authenticatedUser-created-index", "authenticatedUser", "created"),
            _all("authenticatedUser-updated-index", "authenticatedUser", "updated"),
            _all("instanceOfClient-created-index", "instanceOfClient", "created"),
            _all("instanceOfClient-updated-index", "instanceOfClient", "updated"),
        ),
    ),
    Table(
        "links", "linkedAccountId_linkedAccountDomainName", None,
        (("linkedAccountId_linkedAccountDomainName", "S"), ("accountId", "S"),
         ("linkingAccountManager", "S")),
        gsis=(_all("list-links-index", "accountId", "linkingAccountManager"),),
    ),
    Table("nonces", "nonce", None, (("nonce", "S"),), ttl_attribute=TTL_ATTRIBUTE),
    Table("sessions", "id", None, (("id", "S"),), ttl_attribute=TTL_ATTRIBUTE),
    Table("tokens", "tokenHash", None, (("tokenHash", "S"),), ttl_attribute=TTL_ATTRIBUTE),
)

#: the AWS regions of the plugin's region enum (its `aws-*-global` pseudo-regions left out)
REGIONS: frozenset[str] = frozenset({
    "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-south-1",
    "ap-southeast-1", "ap-southeast-2", "ca-central-1", "cn-north-1", "cn-northwest-1",
    "eu-central-1", "eu-north-1", "eu-south-1", "eu-west-1", "eu-west-2", "eu-west-3",
    "me-south-1", "sa-east-1", "us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1",
    "us-iso-east-1", "us-isob-east-1", "us-west-1", "us-west-2",
})
# fmt: on

BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
