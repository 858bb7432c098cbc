"""The Pulumi program of a stack file: used by `regionkit plan`, `regionkit up` and `pulumi up`.

This is the one place that turns what the stack file refers to (environment variables holding
the keys of a region's `backups` object store) into what the components take through their args.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import pulumi

from regionkit.components.protocols import BackupKeys
from regionkit.errors import InvalidInput
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


def backup_keys(
    spec: StackSpec, environ: Mapping[str, str], *, required: bool
) -> dict[str, BackupKeys]:
    """The keys of each region's `backups`, as secrets, read from the variables it names.

    With `required` an unset variable is an error; without (an offline plan, which never shows
    secret values) it stands in as an empty secret.
    """
    missing = missing_backup_variables(spec, environ)
    if required and missing:
        raise InvalidInput(
            "environment variables named in the stack file are not set: "
            + "; ".join(f"{path}: {variable}" for path, variable in missing)
        )
    keys = {}
    for _, region in spec.all_regions():
        if region.backups is not None:
            credentials = region.backups.credentials
            keys[region.id] = BackupKeys(
                access_key_id=pulumi.Output.secret(environ.get(credentials.access_key_id_env, "")),
                secret_access_key=pulumi.Output.secret(
                    environ.get(credentials.secret_access_key_env, "")
                ),
            )
    return keys


def stack_program(
    loaded: LoadedStack,
    *,
    validate: bool = False,
    environ: Mapping[str, str] | None = None,
    deploying: bool = True,
) -> pulumi.ComponentResource:
    """Instantiate the stack's topology component and export its outputs.

    The CLI runs the checks before calling this; `validate=True` runs them here (for a
    hand-written `__main__.py`). Every environment variable the stack file names must be set,
    unless `deploying=False` (the offline plan), where unset ones stand in as empty secrets.
    """
    from regionkit.topologies import DEPLOYABLE, TopologyArgs
    from regionkit.topologies.sub_clusters import SubClusters

    spec = loaded.spec
    keys = backup_keys(spec, os.environ if environ is None else environ, required=deploying)
    args = TopologyArgs(spec, config_dir=loaded.base_dir, validate=validate, backup_keys=keys)
    if spec.topology is Topology.SUB_CLUSTERS:
        sub = SubClusters(spec.name, args)
        pulumi.export("hostnames", sub.hostnames)
        return sub
    component = DEPLOYABLE[spec.topology](spec.name, args)
    pulumi.export("hostname", component.hostname)
    pulumi.export("issuer", component.issuer)
    pulumi.export("endpoints", component.endpoints)
    return component
