"""The Pulumi program of a stack file: used by `regionkit plan`, `regionkit up` and `pulumi up`.

The program is the one place that turns what the stack file says and refers to (the Google
Cloud project, environment variables holding the keys of a region's `backups` object store) into
the `StackSettings` components take through their args; nothing is read from hidden per-machine
Pulumi configuration. The one thing read besides the stack file is what the failover commands
recorded next to it (`.regionkit/workspaces/<environment>/roles.json`): the writer of each store
and the DNS primary as a failover left them, so the next `up` keeps them instead of reverting.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from types import MappingProxyType

import pulumi

from regionkit.components.settings import CnpgBackupTarget, StackSettings
from regionkit.errors import InvalidInput
from regionkit.ops.failover.roles import RecordedRoles, read_roles, roles_path
from regionkit.spec.loader import LoadedStack
from regionkit.spec.models import StackSpec, Topology


def missing_backup_variables(spec: StackSpec, environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(key path, variable) of every variable a region's `backups` names that is unset or empty."""
    missing = []
    for path, region in spec.all_regions():
        if region.backups is None:
            continue
        credentials = region.backups.credentials
        for key, variable in (
            ("accessKeyIdEnv", credentials.access_key_id_env),
            ("secretAccessKeyEnv", credentials.secret_access_key_env),
        ):
            if not environ.get(variable):
                missing.append((f"{path}.backups.credentials.{key}", variable))
    return missing


def require_extras(loaded: LoadedStack) -> None:
    """InvalidInput naming the pip extra (`regionkit[aws]`, ...) of each cloud SDK the stack needs
    and this environment lacks, before any component imports it."""
    from regionkit.catalog.extras import missing_extras, missing_extras_message

    missing = missing_extras(loaded.spec)
    if not missing:
        return
    first_path = next(iter(missing.values()))[0][0]
    line = loaded.line_of(first_path)
    where = "" if loaded.path is None else f"{loaded.path}{'' if line is None else f':{line}'}: "
    raise InvalidInput(missing_extras_message(missing, where))


def read_settings(spec: StackSpec, environ: Mapping[str, str], *, required: bool) -> StackSettings:
    """What the components take from the stack file's references: the GCP project and, per
    cnpg writer region with `backups`, its object store with the keys read from the environment.

    With `required` an unset variable is an error; without (an offline plan, which never shows
    secret values) it stands in as an empty secret.
    """
    missing = missing_backup_variables(spec, environ)
    if required and missing:
        raise InvalidInput(
            "environment variables named in the stack file are not set: "
            + "; ".join(f"{path}: {variable}" for path, variable in missing)
        )
    backups = {}
    for _, region in spec.all_regions():
        if region.backups is None:
            continue
        credentials = region.backups.credentials
        backups[region.id] = CnpgBackupTarget(
            destination_path=region.backups.destination_path,
            access_key_id=pulumi.Output.secret(environ.get(credentials.access_key_id_env, "")),
            secret_access_key=pulumi.Output.secret(
                environ.get(credentials.secret_access_key_env, "")
            ),
            endpoint_url=region.backups.endpoint_url,
            region=region.backups.region,
        )
    gcp = spec.clouds.gcp
    return StackSettings(gcp_project=gcp.project if gcp else None, cnpg_backups=backups)


def recorded_roles(loaded: LoadedStack) -> RecordedRoles:
    """What the failover commands recorded for the stack's environment (none without a file)."""
    if loaded.path is None:
        return RecordedRoles()
    return read_roles(roles_path(loaded.path, loaded.environment))


def with_roles(settings: StackSettings, roles: RecordedRoles) -> StackSettings:
    """`settings` with the recorded writers and DNS primaries the components follow."""
    return dataclasses.replace(
        settings,
        current_writers=MappingProxyType(dict(roles.writers)),
        dns_primaries=MappingProxyType(dict(roles.dns)),
    )


def stack_program(
    loaded: LoadedStack,
    *,
    validate: bool = False,
    environ: Mapping[str, str] | None = None,
    deploying: bool = True,
    roles: RecordedRoles | None = None,
) -> pulumi.ComponentResource:
    """Instantiate the stack's topology component and export its outputs.

    The CLI runs the checks before calling this; `validate=True` runs them here (for a
    hand-written `__main__.py`). Every environment variable the stack file names must be set,
    unless `deploying=False` (the offline plan), where unset ones stand in as empty secrets.
    `roles` defaults to the roles file of the stack's environment (`recorded_roles`).
    """
    from regionkit.topologies import DEPLOYABLE, TopologyArgs
    from regionkit.topologies.sub_clusters import SubClusters

    require_extras(loaded)
    spec = loaded.spec
    settings = read_settings(spec, os.environ if environ is None else environ, required=deploying)
    settings = with_roles(settings, recorded_roles(loaded) if roles is None else roles)
    args = TopologyArgs(spec, config_dir=loaded.base_dir, validate=validate, settings=settings)
    if spec.topology is Topology.SUB_CLUSTERS:
        sub = SubClusters(spec.name, args)
        pulumi.export("hostnames", sub.hostnames)
        _export_dns_records({p: t.gslb for p, t in sub.partitions.items()})
        return sub
    component = DEPLOYABLE[spec.topology](spec.name, args)
    pulumi.export("hostname", component.hostname)
    pulumi.export("issuer", component.issuer)
    pulumi.export("endpoints", component.endpoints)
    _export_dns_records({None: component.gslb})
    return component


def _export_dns_records(gslbs: Mapping[str | None, object]) -> None:
    """`dns.provider: none`: the records regionkit would have created, as the output
    `dnsRecords` (a list; per sub-cluster for sub-clusters)."""
    from regionkit.components.gslb.external import ExternalDnsGslb

    records = {key: g.records for key, g in gslbs.items() if isinstance(g, ExternalDnsGslb)}
    if list(records) == [None]:
        pulumi.export("dnsRecords", records[None])
    elif records:
        pulumi.export("dnsRecords", records)
