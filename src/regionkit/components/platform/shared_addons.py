"""Add-ons any platform that installs them installs the same way: the Gateway API CRDs and
metrics-server.

The Gateway API CRDs come from the bundle vendored under catalog/data (offline at preview, the
version pinned by the wheel). Each object is registered on its own, so a plan shows every CRD and
each one is kept on `destroy`: the Gateway API's CRD-management guide asks installers never to
remove them, since other tenants' Gateways and routes would go with them. The pulumi-kubernetes
provider applies server side by default, which the HTTPRoute CRD needs (it is larger than the
256 KiB client-side `last-applied-configuration` annotation allows).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml

from regionkit.catalog.addons import ALL, AddonPin, Source, addon

GATEWAY_API_CRDS = addon(ALL, "gateway-api-crds")
METRICS_SERVER = addon(ALL, "metrics-server")

#: the kinds the standard bundle holds, by the resource class that registers them
_KINDS: dict[str, Callable[..., pulumi.CustomResource]] = {
    "CustomResourceDefinition": k8s.apiextensions.v1.CustomResourceDefinition,
    "ValidatingAdmissionPolicy": k8s.admissionregistration.v1.ValidatingAdmissionPolicy,
    "ValidatingAdmissionPolicyBinding": k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding,
}


@functools.cache
def gateway_api_objects() -> tuple[dict[str, Any], ...]:
    """The objects of the vendored Gateway API bundle, in file order (CRDs first)."""
    assert GATEWAY_API_CRDS.source is Source.MANIFEST_BUNDLE
    text = (resources.files("regionkit.catalog") / "data" / GATEWAY_API_CRDS.name).read_text()
    # libyaml where installed: the pure-Python loader takes seconds over the 1.1 MB bundle
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(doc for doc in yaml.load_all(text, Loader=loader) if doc)


def gateway_api_crds(
    prefix: str,
    provider: k8s.Provider,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> tuple[pulumi.Resource, ...]:
    """The Gateway API standard channel in the cluster of `provider`, kept on destroy."""
    opts = pulumi.ResourceOptions(
        parent=parent, provider=provider, depends_on=list(depends_on), retain_on_delete=True
    )
    registered: list[pulumi.Resource] = []
    for obj in gateway_api_objects():
        name = obj["metadata"]["name"]
        short = name.split(".", 1)[0] if obj["kind"] == "CustomResourceDefinition" else name
        resource = _KINDS[obj["kind"]](
            f"{prefix}-gateway-api-{short}",
            metadata=obj["metadata"],
            spec=obj["spec"],
            opts=opts,
        )
        registered.append(resource)
    return tuple(registered)


def helm_release(
    prefix: str,
    pin: AddonPin,
    values: dict[str, Any],
    provider: k8s.Provider,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
    *,
    create_namespace: bool = False,
) -> k8s.helm.v3.Release:
    """The Helm release of a pinned chart, named after its catalog key, in the pin's namespace.

    A `helm.v3.Release` (Helm installs it in the cluster, and waits for its workloads): charts
    that generate their webhook certificates at render time would otherwise show a new
    certificate on every preview.
    """
    if pin.source is not Source.HELM_CHART:
        raise ValueError(f"add-on {pin.key!r} is not a Helm chart")
    return k8s.helm.v3.Release(
        f"{prefix}-{pin.key}",
        name=pin.key,
        chart=pin.name,
        version=pin.version,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=pin.repository),
        namespace=pin.namespace,
        # unset unless asked: kube-system exists, and a plan shows no input that changes nothing
        create_namespace=create_namespace or None,
        values=values,
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=list(depends_on)),
    )


def metrics_server(
    prefix: str,
    provider: k8s.Provider,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> k8s.helm.v3.Release:
    """metrics-server, which every HorizontalPodAutoscaler reads CPU use from."""
    # two replicas and a PodDisruptionBudget: the HPA goes blind while the one pod restarts
    values = {"replicas": 2, "podDisruptionBudget": {"enabled": True, "minAvailable": 1}}
    return helm_release(prefix, METRICS_SERVER, values, provider, parent, depends_on)
