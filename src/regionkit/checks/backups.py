"""CloudNativePG object stores: where a cnpg writer backs up, and where its replicas restore from.

regionkit creates the object store (an S3 or Cloud Storage bucket) of a cnpg writer on aws or gcp.
On `kubernetes` it cannot: the writer backs up only to an object store the stack's Pulumi config
names (`regionkit:cnpgBackups.<region-id>`). A writer without one keeps no backups (a warning);
and its replica clusters, which restore from that store, cannot exist (an error).
"""

from __future__ import annotations

from collections.abc import Collection

from regionkit.findings import Finding, error, warning
from regionkit.model import resolve
from regionkit.model.text import join
from regionkit.spec.models import Cloud, Engine
from regionkit.spec.paths import Paths

#: the Pulumi config object of bring-your-own cnpg object stores, by writer region id
CONFIG_KEY = "regionkit:cnpgBackups"
#: clouds where regionkit creates the writer's object store itself
STORE_CLOUDS = (Cloud.AWS, Cloud.GCP)


def check(paths: Paths, configured: Collection[str] = ()) -> list[Finding]:
    """Findings of the cnpg stores of a deployment; `configured`: writer region ids that the
    stack's Pulumi config gives an object store (unknown to a check that reads no config)."""
    d = paths.deployment
    clouds = {r.id: r.cloud for r in d.regions}
    out = []
    for group in resolve(d).store_groups:
        if group.engine is not Engine.CNPG:
            continue
        for placement, writer in zip(group.placements, group.writers, strict=True):
            cloud = clouds[writer]
            if cloud in STORE_CLOUDS or writer in configured:
                continue
            config = f"{CONFIG_KEY}.{writer}"
            replicas = [rid for rid in placement if rid != writer]
            key = paths.region(writer, "cloud")
            if replicas:
                out.append(
                    error(
                        "data.cnpg-object-store",
                        key,
                        f"the cnpg store {group.data_source_id} writes in {writer} (cloud "
                        f"{cloud}), where regionkit creates no object store, and its replicas in "
                        f"{join(replicas)} restore from one. Set the Pulumi config {config} "
                        "(destinationPath, accessKeyId, secretAccessKey), which `regionkit "
                        "preview` and `up` read (validate and plan read no Pulumi config); or "
                        "make a region on aws or gcp the writer, or use scope region for "
                        f"{join(group.data_classes)}.",
                    )
                )
            else:
                out.append(
                    warning(
                        "data.cnpg-backups",
                        key,
                        f"the cnpg store {group.data_source_id} in {writer} keeps no backups: "
                        f"regionkit creates object storage on aws and gcp only. Set the Pulumi "
                        f"config {config} (destinationPath, accessKeyId, secretAccessKey) to back "
                        "it up.",
                    )
                )
    return out
