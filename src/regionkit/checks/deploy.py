"""What a deployment needs from the stack file beyond its shape: cloud settings and backup targets.

Everything `regionkit up` needs is in the stack file or the environment, never in per-machine
Pulumi config. These checks are apart from `validate()` (which `plan` runs): `regionkit validate`
adds them, and `preview` and `up` refuse to start while any `DEPLOY_RULES` finding remains,
whatever its level. A missing GCP project does not stop an offline plan, hence a warning.
"""

from __future__ import annotations

from regionkit.findings import Finding, error, warning
from regionkit.model import store_groups
from regionkit.spec.loader import LoadedStack
from regionkit.spec.models import Cloud, DnsProvider, Engine, StackSpec
from regionkit.spec.paths import Paths

GCP_PROJECT = "deploy.gcp-project"
CNPG_BACKUPS = "deploy.cnpg-backups"
UNUSED_BACKUPS = "deploy.backups-unused"
#: rules whose findings stop `preview` and `up`, whatever their level
DEPLOY_RULES = frozenset({GCP_PROJECT, CNPG_BACKUPS})


def check_stack(spec: StackSpec) -> list[Finding]:
    """`clouds.gcp.project` is set when any region or DNS zone is on Google Cloud."""
    if spec.clouds.gcp is not None:
        return []
    users = [f"{path} (cloud gcp)" for path, r in spec.all_regions() if r.cloud is Cloud.GCP]
    users += [
        f"{'' if d.sub_cluster is None else d.path_prefix}dns.provider (cloud-dns)"
        for d in spec.deployments()
        if d.dns.provider is DnsProvider.CLOUD_DNS
    ]
    if spec.dns.global_hostname and spec.dns.provider is DnsProvider.CLOUD_DNS:
        users.append("dns.globalHostname (cloud-dns)")
    if not users:
        return []
    return [
        warning(
            GCP_PROJECT,
            "clouds.gcp.project",
            f"{', '.join(dict.fromkeys(users))} need(s) a Google Cloud project: set "
            "clouds: {gcp: {project: <project id>}}. `plan` works without it; `preview` and "
            "`up` refuse to start, rather than take a project from gcloud's defaults.",
        )
    ]


def check(paths: Paths) -> list[Finding]:
    """A cnpg writer whose replicas restore from an object store regionkit cannot create needs
    `backups`; `backups` on a region that writes no cnpg store is ignored (a warning)."""
    d = paths.deployment
    clouds = {r.id: r.cloud for r in d.regions}
    backups = {r.id for r in d.regions if r.backups is not None}
    out: list[Finding] = []
    used: set[str] = set()
    for group in store_groups(d):
        if group.engine is not Engine.CNPG:
            continue
        for placement, writer in zip(group.placements, group.writers, strict=True):
            used.add(writer)
            if len(placement) == 1 or writer in backups or clouds[writer] is not Cloud.KUBERNETES:
                continue
            replicas = ", ".join(r for r in placement if r != writer)
            out.append(
                error(
                    CNPG_BACKUPS,
                    paths.region(writer, "backups"),
                    f"the cnpg writer '{writer}' runs on an existing cluster and its replica "
                    f"regions ({replicas}) restore from its backups: name an S3-compatible "
                    "object store, backups: {destinationPath: s3://bucket/path, credentials: "
                    "{accessKeyIdEnv: VAR, secretAccessKeyEnv: VAR}} (environment variable "
                    "names, never the keys), or put the writer on aws or gcp",
                )
            )
    for region_id in sorted(backups - used):
        out.append(
            warning(
                UNUSED_BACKUPS,
                paths.region(region_id, "backups"),
                f"region '{region_id}' holds no cnpg writer, so its backups are not used",
            )
        )
    return out


def deploy_findings(loaded: LoadedStack) -> list[Finding]:
    """Every deploy finding of a loaded stack file, located at its file and line."""
    spec = loaded.spec
    findings = check_stack(spec)
    for deployment in spec.deployments():
        findings.extend(check(Paths(spec, deployment)))
    return [loaded.locate(f) for f in dict.fromkeys(findings)]


def blocks_deploy(finding: Finding) -> bool:
    return finding.is_error or finding.rule in DEPLOY_RULES
