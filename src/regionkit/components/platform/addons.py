"""Cluster-wide add-ons a platform installs into its cluster for the deployment's components.

Each cluster gets each add-on once, owned by the platform, whatever the number of components
that need it: today the CloudNativePG operator, when a cnpg store runs in the region.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from regionkit.catalog.addons import ALL, addon
from regionkit.components.facts import ClusterAddons
from regionkit.components.protocols import PlatformArgs

_CNPG = addon(ALL, "cnpg-operator")
CNPG_CHART = _CNPG.name
CNPG_CHART_REPOSITORY = _CNPG.repository
CNPG_CHART_VERSION = _CNPG.version
CNPG_NAMESPACE = _CNPG.namespace
CNPG_RELEASE = "cnpg"


def install_addons(
    prefix: str,
    args: PlatformArgs,
    k8s_provider: k8s.Provider,
    depends_on: tuple[pulumi.Resource, ...],
    parent: pulumi.Resource,
) -> ClusterAddons:
    """The add-ons `args` asks for, as children of the platform `parent`."""
    operator = args.cnpg_operator
    if operator is None:
        return ClusterAddons()
    aliases = (
        [pulumi.Alias(name=operator.previous_name, parent=operator.previous_parent)]
        if operator.previous_name is not None
        else None
    )
    release = k8s.helm.v3.Release(
        f"{prefix}-cnpg-operator",
        name=CNPG_RELEASE,
        chart=CNPG_CHART,
        version=CNPG_CHART_VERSION,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CNPG_CHART_REPOSITORY),
        namespace=CNPG_NAMESPACE,
        create_namespace=True,
        # the chart installs the CRDs the clusters need
        skip_crds=False,
        opts=pulumi.ResourceOptions(
            parent=parent, provider=k8s_provider, depends_on=list(depends_on), aliases=aliases
        ),
    )
    return ClusterAddons(cnpg_operator=release)
