"""CloudNativePG object stores: where a cnpg writer backs up, and where its replicas restore from.

regionkit creates the object store (an S3 or Cloud Storage bucket) of a cnpg writer on aws or gcp.
On `kubernetes` it cannot: the writer backs up only to an S3-compatible object store named in its
region's `backups` (with the keys in environment variables it names). A writer without one keeps
no backups (a warning); and its replica clusters, which restore from that store, cannot exist
(an error). `backups` on a region that writes no cnpg store is not used (a warning).
"""

from __future__ import annotations

from regionkit.findings import Finding, error, warning
from regionkit.model import resolve
from regionkit.model.text import join
from regionkit.spec.models import Cloud, Engine
from regionkit.spec.paths import Paths

#: what a region's `backups` takes, for messages
BACKUPS_SHAPE = (
    "backups: {destinationPath: s3://bucket/path, credentials: {accessKeyIdEnv: VAR, "
    "secretAccessKeyEnv: VAR}} (names of environment variables, never the keys)"
)
#: clouds where regionkit creates the writer's object store itself
STORE_CLOUDS = (Cloud.AWS, Cloud.GCP)


def check(paths: Paths) -> list[Finding]:
    """Findings of the cnpg stores of a deployment and of the regions' `backups`."""
    d = paths.deployment
    clouds = {r.id: r.cloud for r in d.regions}
    configured = {r.id for r in d.regions if r.backups is not None}
    writers: set[str] = set()
    out = []
    for group in resolve(d).store_groups:
        if group.engine is not Engine.CNPG:
            continue
        for placement, writer in zip(group.placements, group.writers, strict=True):
            writers.add(writer)
            cloud = clouds[writer]
            if cloud in STORE_CLOUDS or writer in configured:
                continue
            config = f"{paths.region(writer, 'backups')}: {BACKUPS_SHAPE}"
            replicas = [rid for rid in placement if rid != writer]
            key = paths.region(writer, "cloud")
            if replicas:
                out.append(
                    error(
                        "data.cnpg-object-store",
                        key,
                        f"the cnpg store {group.data_source_id} writes in {writer} (cloud "
                        f"{cloud}), where regionkit creates no object store, and its replicas in "
                        f"{join(replicas)} restore from one. Set {config}, make a region on "
                        "aws or gcp the writer, or use scope region for the data classes "
                        f"{join(group.data_classes)}.",
                    )
                )
            else:
                out.append(
                    warning(
                        "data.cnpg-backups",
                        key,
                        f"the cnpg store {group.data_source_id} in {writer} keeps no backups: "
                        f"regionkit creates object storage on aws and gcp only. Set {config} "
                        "to back it up.",
                    )
                )
    for region_id in sorted(configured - writers):
        out.append(
            warning(
                "data.backups-unused",
                paths.region(region_id, "backups"),
                f"region '{region_id}' holds no cnpg writer, so its backups are not used",
            )
        )
    return out
