"""What a deployment needs from the stack file beyond its shape: cloud settings.

Everything `regionkit up` needs is in the stack file or the environment, never in per-machine
Pulumi config. These checks are apart from `validate()` (which `plan` runs): `regionkit validate`
adds them, and `preview` and `up` refuse to start while any `DEPLOY_RULES` finding remains,
whatever its level. A missing GCP project does not stop an offline plan, hence a warning. (A
cnpg writer's `backups` is checked with the data stores, in `checks/backups.py`.)
"""

from __future__ import annotations

from regionkit.findings import Finding, warning
from regionkit.spec.loader import LoadedStack
from regionkit.spec.models import Cloud, DnsProvider, StackSpec

GCP_PROJECT = "deploy.gcp-project"
#: rules whose findings stop `preview` and `up`, whatever their level
DEPLOY_RULES = frozenset({GCP_PROJECT})


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


def deploy_findings(loaded: LoadedStack) -> list[Finding]:
    """Every deploy finding of a loaded stack file, located at its file and line."""
    spec = loaded.spec
    return [loaded.locate(f) for f in dict.fromkeys(check_stack(spec))]


def blocks_deploy(finding: Finding) -> bool:
    return finding.is_error or finding.rule in DEPLOY_RULES
