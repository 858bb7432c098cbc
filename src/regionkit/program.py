"""The Pulumi program of a stack file: used by `regionkit plan`, `regionkit up` and `pulumi up`.

The program is the one reader of the stack's Pulumi configuration (`read_settings`): components
take what they need through their args.
"""

from __future__ import annotations

from typing import Any

import pulumi

from regionkit.components.settings import CnpgBackupTarget, StackSettings
from regionkit.errors import InvalidInput
from regionkit.spec.loader import LoadedStack
from regionkit.spec.models import Topology

#: the Pulumi config object of bring-your-own cnpg object stores, by writer region id
CNPG_BACKUPS_KEY = "cnpgBackups"
CNPG_BACKUP_REQUIRED = ("destinationPath", "accessKeyId", "secretAccessKey")


def read_settings() -> StackSettings:
    """The stack's configuration outside its stack file: `gcp:project`, `regionkit:cnpgBackups`.

    `regionkit:cnpgBackups` maps a cnpg writer region id to `destinationPath`
    (`s3://bucket/path/`), optional `endpointURL` and `region`, and `accessKeyId` and
    `secretAccessKey` (set with `pulumi config set --secret --path`); the keys stay secrets.
    """
    config = pulumi.Config("regionkit")
    plain: dict[str, Any] = config.get_object(CNPG_BACKUPS_KEY) or {}
    backups: dict[str, CnpgBackupTarget] = {}
    if plain:
        secret = config.require_secret_object(CNPG_BACKUPS_KEY)
        for region_id, target in plain.items():
            backups[region_id] = _backup_target(region_id, target, secret)
    return StackSettings(gcp_project=pulumi.Config("gcp").get("project"), cnpg_backups=backups)


def _backup_target(region_id: str, target: Any, secret: pulumi.Output[Any]) -> CnpgBackupTarget:
    path = f"regionkit:{CNPG_BACKUPS_KEY}.{region_id}"
    if not isinstance(target, dict):
        raise InvalidInput(f"Pulumi config {path} must be an object")
    missing = [k for k in CNPG_BACKUP_REQUIRED if not target.get(k)]
    if missing:
        raise InvalidInput(f"Pulumi config {path} needs {', '.join(missing)}")
    return CnpgBackupTarget(
        destination_path=str(target["destinationPath"]),
        access_key_id=secret.apply(lambda c: str(c[region_id]["accessKeyId"])),
        secret_access_key=secret.apply(lambda c: str(c[region_id]["secretAccessKey"])),
        endpoint_url=target.get("endpointURL"),
        region=str(target["region"]) if target.get("region") else None,
    )


def stack_program(loaded: LoadedStack, *, validate: bool = False) -> pulumi.ComponentResource:
    """Instantiate the stack's topology component and export its outputs.

    The CLI runs the checks before calling this; `validate=True` runs them here (for a
    hand-written `__main__.py`).
    """
    from regionkit.topologies import DEPLOYABLE, TopologyArgs
    from regionkit.topologies.sub_clusters import SubClusters

    spec = loaded.spec
    args = TopologyArgs(
        spec, config_dir=loaded.base_dir, validate=validate, settings=read_settings()
    )
    if spec.topology is Topology.SUB_CLUSTERS:
        sub = SubClusters(spec.name, args)
        pulumi.export("hostnames", sub.hostnames)
        return sub
    component = DEPLOYABLE[spec.topology](spec.name, args)
    pulumi.export("hostname", component.hostname)
    pulumi.export("issuer", component.issuer)
    pulumi.export("endpoints", component.endpoints)
    return component
