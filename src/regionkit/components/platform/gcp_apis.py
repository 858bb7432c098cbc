"""The Google APIs a deployment's GKE regions use, enabled once in the project before anything else.

A fresh project has almost every API off, and creating a resource of a disabled API fails. Each
API regionkit's resources use is a `gcp.projects.Service`, decided from the stack (plain data),
and never disabled on destroy: other workloads of the project may use it too. Enabling is
eventually consistent, so the region's Google Cloud provider depends on all of them: every
resource created with that provider (network, cluster, stores) waits for the APIs.

Not enabled here: `serviceusage` (needed to enable anything; on by default in every project) and
`dns` (the managed zone must exist before regionkit runs, so its API is on already).
"""

from __future__ import annotations

from typing import ClassVar

import pulumi
import pulumi_gcp as gcp

from regionkit.model import store_groups, type_token
from regionkit.spec.models import Cloud, Deployment, Engine

#: what every GKE region uses, with why
ALWAYS: dict[str, str] = {
    "cloudresourcemanager.googleapis.com": "project IAM members of the nodes' account",
    "compute.googleapis.com": "network, subnets, router, NAT, firewall",
    "container.googleapis.com": "the GKE cluster and node pool",
    "iam.googleapis.com": "service accounts of the nodes and the stores",
    "iamcredentials.googleapis.com": "Workload Identity tokens of the pods",
    "servicenetworking.googleapis.com": "private services access of the network",
}
CERTIFICATE_MANAGER = "certificatemanager.googleapis.com"
#: what a store of an engine uses in the project of its GKE regions
BY_ENGINE: dict[Engine, str] = {
    Engine.CLOUDSQL_POSTGRESQL: "sqladmin.googleapis.com",
    Engine.SPANNER: "spanner.googleapis.com",
    # CloudNativePG backups of a writer on gcp go to a Cloud Storage bucket
    Engine.CNPG: "storage.googleapis.com",
}


def required_apis(deployment: Deployment) -> tuple[str, ...]:
    """The APIs the deployment's resources in its GKE regions' project use, sorted."""
    gke = [r for r in deployment.regions if r.cloud is Cloud.GCP and r.creates_cluster]
    if not gke:
        return ()
    apis = set(ALWAYS)
    if any(r.cluster.addons.certificates for r in gke):
        apis.add(CERTIFICATE_MANAGER)
    clouds = {r.id: r.cloud for r in deployment.regions}
    for group in store_groups(deployment):
        api = BY_ENGINE.get(group.engine)
        if api is None:
            continue
        # cnpg uses Cloud Storage only for a writer on gcp; the others run only on gcp
        if group.engine is not Engine.CNPG or any(clouds[w] is Cloud.GCP for w in group.writers):
            apis.add(api)
    return tuple(sorted(apis))


def service_resource_name(prefix: str, api: str) -> str:
    """`<prefix>-api-sqladmin` for `sqladmin.googleapis.com`."""
    return f"{prefix}-api-{api.removesuffix('.googleapis.com')}"


class GoogleApis(pulumi.ComponentResource):
    """The deployment's Google APIs; depend on this component to wait for all of them."""

    TOKEN: ClassVar[str] = type_token("platform", "GoogleApis")

    services: dict[str, gcp.projects.Service]

    def __init__(
        self,
        name: str,
        apis: tuple[str, ...],
        project: pulumi.Input[str],
        provider: pulumi.ProviderResource,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(self.TOKEN, name, {}, opts)
        self.services = {
            api: gcp.projects.Service(
                service_resource_name(name, api),
                project=project,
                service=api,
                # the project may hold other workloads that use the same APIs
                disable_on_destroy=False,
                opts=pulumi.ResourceOptions(parent=self, provider=provider),
            )
            for api in apis
        }
        self.register_outputs({"services": list(apis)})
