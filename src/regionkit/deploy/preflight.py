"""What must be on this machine before the engine starts: provider plugins and helper binaries.

The engine fetches a missing provider plugin on demand, which looks like a silent stall and fails
where plugin acquisition is off; so the plugins the stack needs are installed first, at the
versions of the installed Python SDKs, with a line per plugin. The kubeconfigs regionkit writes
for the clusters it creates run `aws eks get-token` (EKS) and `gke-gcloud-auth-plugin` (GKE);
a missing one would fail deep inside the update, so it is reported before anything starts.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

from regionkit.errors import RegionkitError
from regionkit.spec.models import Cloud, DnsProvider, StackSpec

#: provider plugin name -> the Python distribution of its SDK
PLUGIN_PACKAGES = {
    "aws": "pulumi-aws",
    "gcp": "pulumi-gcp",
    "kubernetes": "pulumi-kubernetes",
    "random": "pulumi-random",
    "tls": "pulumi-tls",
}
#: every deployment has a Kubernetes workload and generated shared keys
ALWAYS = ("kubernetes", "random", "tls")


@dataclass(frozen=True)
class Plugin:
    name: str
    version: str


@dataclass(frozen=True)
class Tool:
    binary: str
    needed_by: str
    install: str


def needed_plugins(spec: StackSpec) -> list[Plugin]:
    """The resource plugins the stack's program uses, at the installed SDKs' versions."""
    names = set(ALWAYS)
    deployments = spec.deployments()
    clouds = {region.cloud for _, region in spec.all_regions()}
    providers = {d.dns.provider for d in deployments}
    if spec.dns.global_hostname:
        providers.add(spec.dns.provider)
    if Cloud.AWS in clouds or DnsProvider.ROUTE53 in providers:
        names.add("aws")
    if Cloud.GCP in clouds or DnsProvider.CLOUD_DNS in providers:
        names.add("gcp")
    return [Plugin(name, sdk_version(name)) for name in sorted(names)]


def sdk_version(plugin: str) -> str:
    """The version of the installed Python SDK of `plugin`: the plugin version it was built for."""
    package = PLUGIN_PACKAGES[plugin]
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        raise RegionkitError(
            f"the Python package {package} is not installed, but this stack needs the {plugin} "
            "provider; reinstall regionkit (`pip install regionkit`)"
        ) from None


def needed_tools(spec: StackSpec) -> list[Tool]:
    """Binaries the kubeconfigs of the clusters regionkit creates run to get a token."""
    tools: dict[str, Tool] = {}
    for path, region in spec.all_regions():
        if not region.creates_cluster:
            continue
        if region.cloud is Cloud.AWS:
            tools.setdefault(
                "aws",
                Tool(
                    "aws",
                    f"{path} (EKS: the kubeconfig runs `aws eks get-token`)",
                    "install the AWS CLI v2: https://docs.aws.amazon.com/cli/latest/userguide/"
                    "getting-started-install.html",
                ),
            )
        elif region.cloud is Cloud.GCP:
            tools.setdefault(
                "gke-gcloud-auth-plugin",
                Tool(
                    "gke-gcloud-auth-plugin",
                    f"{path} (GKE: the kubeconfig runs gke-gcloud-auth-plugin)",
                    "`gcloud components install gke-gcloud-auth-plugin` (or your package "
                    "manager's google-cloud-cli-gke-gcloud-auth-plugin)",
                ),
            )
    return list(tools.values())


def require_tools(spec: StackSpec, which: Callable[[str], str | None] | None = None) -> None:
    """Raise, naming each missing binary, what needs it and how to install it."""
    which = which or shutil.which
    missing = [tool for tool in needed_tools(spec) if which(tool.binary) is None]
    if missing:
        lines = [f"`{t.binary}` is not on PATH; {t.needed_by}: {t.install}" for t in missing]
        raise RegionkitError(
            "this stack's clusters cannot be reached without these programs:\n  "
            + "\n  ".join(lines)
        )
