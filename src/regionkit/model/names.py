"""The names every layer derives from a deployment: type tokens, data source ids, namespaces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regionkit.spec.models import Deployment

TOKEN_PREFIX = "regionkit"

#: the ServiceAccount of the identity server nodes in every region
WORKLOAD_SERVICE_ACCOUNT = "idsvr"


def type_token(module: str, name: str) -> str:
    """The component type token `regionkit:<module>:<Name>`; once released, never changed."""
    return f"{TOKEN_PREFIX}:{module}:{name}"


def data_source_id(data_classes: tuple[str, ...]) -> str:
    """The Curity data source id of a store serving `data_classes`, e.g. "accounts-audit"."""
    return "-".join(data_classes)


def env_prefix(source_id: str) -> str:
    """Environment prefix of a data source's variables, e.g. "DS_ACCOUNTS_AUDIT_"."""
    return "DS_" + source_id.upper().replace("-", "_") + "_"


def workload_namespace(deployment: Deployment) -> str:
    """The namespace of a deployment's identity server: `<name>` or `<name>-<sub-cluster>`."""
    return "-".join(p for p in (deployment.name, deployment.sub_cluster) if p)


def workload_service_account(deployment: Deployment) -> tuple[str, str]:
    """Namespace and ServiceAccount the nodes run as: what IRSA and workload identity trust."""
    return workload_namespace(deployment), WORKLOAD_SERVICE_ACCOUNT


def regional_hostname(deployment: Deployment, region_id: str) -> str:
    """The name that reaches one region's Gateway directly, e.g. `us-east.login.example.com`.

    GSLB health checks send it as Host/SNI (a load balancer's own DNS name matches no route), and
    operators use it to reach one region on purpose.
    """
    return f"{region_id}.{deployment.hostname}"


@dataclass(frozen=True)
class ServedHostname:
    """A name regionkit puts in DNS for a region's Gateway, and which one it is."""

    #: "public" (dns.hostname), "regional" (`<region>.<hostname>`) or "global" (the
    #: sub-clusters' dns.globalHostname, whose geolocation records land on this partition)
    role: str
    hostname: str


def served_hostnames(deployment: Deployment, region_id: str) -> tuple[ServedHostname, ...]:
    """Every name DNS sends to the Gateway of `region_id`: each needs a listener and a
    certificate there. The one list the Gateway's listeners and every platform's certificates
    (ACM, Certificate Manager, cert-manager) are made from."""
    names = [
        ServedHostname("public", deployment.hostname),
        ServedHostname("regional", regional_hostname(deployment, region_id)),
    ]
    global_hostname = deployment.dns.global_hostname
    if deployment.sub_cluster is not None and global_hostname is not None:
        names.append(ServedHostname("global", global_hostname))
    return tuple(names)


def region_in_name(name: str, prefix: str, region_ids: list[str]) -> str | None:
    """The region id that appears as whole words in `name` after `<prefix>-`, if any.

    The earliest match wins; at one position the longest id wins (`eu-west` over `eu`).
    """
    rest = name[len(prefix) + 1 :] if prefix and name.startswith(prefix + "-") else name
    words = rest.split("-")
    candidates = sorted(region_ids, key=lambda r: -len(r.split("-")))
    for start in range(len(words)):
        for region in candidates:
            size = len(region.split("-"))
            if "-".join(words[start : start + size]) == region:
                return region
    return None


def urn_name(urn: str) -> str:
    """The resource name: the last `::` segment of `urn:pulumi:<stack>::<project>::<type>::<name>`."""
    parts = urn.split("::", 3)
    return parts[3] if len(parts) == 4 else urn
