"""Which optional cloud SDK (a pip extra of regionkit) a stack needs, and why.

The Pulumi AWS and Google Cloud SDKs are large (most of an install) and a stack on an existing
cluster needs neither, so they are extras: `regionkit[aws]`, `regionkit[gcp]`, `regionkit[all]`.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from regionkit.spec.models import Cloud, DnsProvider, Engine, StackSpec


@dataclass(frozen=True)
class Extra:
    name: str
    module: str
    what: str


AWS = Extra("aws", "pulumi_aws", "the Pulumi AWS SDK")
GCP = Extra("gcp", "pulumi_gcp", "the Pulumi Google Cloud SDK")

BY_CLOUD = {Cloud.AWS: AWS, Cloud.GCP: GCP}
BY_DNS = {DnsProvider.ROUTE53: AWS, DnsProvider.CLOUD_DNS: GCP}
BY_ENGINE = {
    Engine.AURORA_POSTGRESQL: AWS,
    Engine.AURORA_DSQL: AWS,
    Engine.DYNAMODB: AWS,
    Engine.CLOUDSQL_POSTGRESQL: GCP,
    Engine.SPANNER: GCP,
}


#: (key path, its value) of a stack file key that needs an extra
Need = tuple[str, str]


def needed_extras(spec: StackSpec) -> dict[Extra, list[Need]]:
    """Each extra the stack needs, with the keys that need it (first one first)."""
    needs: dict[Extra, list[Need]] = {}
    for deployment in spec.deployments():
        for i, region in enumerate(deployment.regions):
            if region.cloud in BY_CLOUD:
                path = deployment.key_path(f"regions[{i}].cloud")
                needs.setdefault(BY_CLOUD[region.cloud], []).append((path, region.cloud))
        if deployment.dns.provider in BY_DNS:
            path = deployment.key_path("dns.provider")
            extra = BY_DNS[deployment.dns.provider]
            needs.setdefault(extra, []).append((path, deployment.dns.provider))
        for data_class, store in deployment.data.items():
            if store.engine in BY_ENGINE:
                path = deployment.key_path(f"data.{data_class}.engine")
                needs.setdefault(BY_ENGINE[store.engine], []).append((path, store.engine))
    return {extra: list(dict.fromkeys(keys)) for extra, keys in needs.items()}


def missing_extras(spec: StackSpec) -> dict[Extra, list[Need]]:
    """The needed extras whose SDK cannot be imported here."""
    return {
        extra: paths
        for extra, paths in needed_extras(spec).items()
        if importlib.util.find_spec(extra.module) is None
    }


def missing_extras_message(missing: dict[Extra, list[Need]], where: str = "") -> str:
    """One message naming every missing extra, the first key that needs it (`where` says the file
    and line: `stacks/x.yaml:12: `) and the command that installs it."""
    lines = [
        f"{extra.what} ({extra.module}) is not installed; {keys[0][0]}: {keys[0][1]} needs it"
        + (f" (and {len(keys) - 1} more key(s))" if len(keys) > 1 else "")
        for extra, keys in missing.items()
    ]
    names = ",".join(extra.name for extra in missing)
    return where + "; ".join(lines) + f". Install it: pip install 'regionkit[{names}]'"
