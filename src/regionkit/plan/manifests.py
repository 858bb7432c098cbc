"""The Kubernetes objects of a plan as manifests: `k8s/<region-id>/<kind>-<name>.yaml`.

Every custom resource of type `kubernetes:<group>/<version>:<Kind>` is an object (typed
resources and `apiextensions.CustomResource` alike carry `apiVersion` and `kind` in their
inputs). Not objects, and so not written: providers, Helm releases and charts, YAML/kustomize
groups (their objects are registered as resources of their own), and `...Patch` resources
(partial objects applied by server-side apply).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from regionkit.plan.model import SECRET

GLOBAL_DIR = "_global"  # objects of no region; region ids start with a letter, so no clash
_TYPE = re.compile(r"^kubernetes:(?P<group>[^/:]+)/(?P<version>[^/:]+):(?P<kind>[A-Za-z0-9]+)$")
_NOT_OBJECTS = {"helm.sh", "yaml", "kustomize"}
_TOP_LEVEL = ("apiVersion", "kind", "metadata")

ManifestKey = tuple[str, str]


@dataclass(frozen=True)
class KubeObject:
    region_dir: str
    filename: str
    manifest: dict[str, Any]
    urn: str
    #: top-level fields left out because their whole value was a secret
    redacted: tuple[str, ...] = ()
    #: True where Pulumi would auto-name the object (the plan shows the logical name)
    autonamed: bool = False
    notes: tuple[str, ...] = field(default=())


def is_kubernetes_object(resource: Mapping[str, Any]) -> bool:
    match = _TYPE.match(resource["type"])
    if match is None or not resource.get("custom", True):
        return False
    kind = match["kind"]
    return match["group"] not in _NOT_OBJECTS and not kind.endswith(("Patch", "List"))


def api_version_of(type_token: str) -> tuple[str, str]:
    """(apiVersion, kind) from a type token; the core group's apiVersion is just the version."""
    match = _TYPE.match(type_token)
    if match is None:
        raise ValueError(f"{type_token!r} is not a Kubernetes type token")
    group, version = match["group"], match["version"]
    return (version if group == "core" else f"{group}/{version}"), match["kind"]


def kube_objects(plan: Mapping[str, Any]) -> list[KubeObject]:
    """Every Kubernetes object of the plan with the file it is written to, in URN order."""
    drafts = [_draft(r) for r in plan["resources"] if is_kubernetes_object(r)]
    names: dict[tuple[str, str, str], int] = {}
    for d in drafts:
        key = (d.region_dir, d.manifest["kind"].lower(), d.manifest["metadata"]["name"])
        names[key] = names.get(key, 0) + 1
    out: list[KubeObject] = []
    taken: set[tuple[str, str]] = set()
    for d in drafts:
        kind = d.manifest["kind"].lower()
        meta = d.manifest["metadata"]
        stem = f"{kind}-{meta['name']}"
        if names[(d.region_dir, kind, meta["name"])] > 1 and meta.get("namespace"):
            # The same kind and name in two namespaces of one cluster: both stay, by namespace.
            stem = f"{kind}-{meta['namespace']}-{meta['name']}"
        filename, n = f"{stem}.yaml", 1
        while (d.region_dir, filename) in taken:
            n += 1
            filename = f"{stem}-{n}.yaml"
        taken.add((d.region_dir, filename))
        out.append(
            KubeObject(d.region_dir, filename, d.manifest, d.urn, d.redacted, d.autonamed, d.notes)
        )
    return out


def manifests(plan: Mapping[str, Any]) -> dict[ManifestKey, dict[str, Any]]:
    """{(region dir, file name): manifest} for every Kubernetes object of the plan."""
    return {(o.region_dir, o.filename): o.manifest for o in kube_objects(plan)}


def _draft(resource: Mapping[str, Any]) -> KubeObject:
    inputs: dict[str, Any] = dict(resource["inputs"])
    derived_version, derived_kind = api_version_of(resource["type"])
    api_version = inputs.get("apiVersion") or derived_version
    kind = inputs.get("kind") or derived_kind
    metadata = dict(inputs.get("metadata") or {})
    autonamed = not metadata.get("name")
    if autonamed:
        # Pulumi adds a random suffix at deploy time; the logical name stands in for it here.
        metadata["name"] = resource["name"]
    manifest: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": metadata}
    redacted = []
    for key in sorted(inputs):
        if key in _TOP_LEVEL:
            continue
        if inputs[key] == SECRET:
            # A whole field that is a secret cannot be shown, and "[secret]" in its place
            # would not be a valid object: leave it out and say so in the file.
            redacted.append(key)
            continue
        manifest[key] = inputs[key]
    notes = []
    if autonamed:
        notes.append(f"metadata.name: Pulumi appends a random suffix to {resource['name']!r}")
    region = resource.get("region")
    return KubeObject(
        region_dir=region or GLOBAL_DIR,
        filename="",
        manifest=manifest,
        urn=resource["urn"],
        redacted=tuple(redacted),
        autonamed=autonamed,
        notes=tuple(notes),
    )


# --- YAML --------------------------------------------------------------------------------------


def to_yaml(obj: KubeObject) -> str:
    import yaml

    # libyaml's emitter where installed: the pure-Python one takes seconds over a CRD bundle
    class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
        pass

    def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        # Multi-line values (configuration XML, scripts) read best as literal blocks.
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    header = [f"# regionkit plan: {obj.urn}"]
    header += [f"# {key}: redacted (secret values never appear in a plan)" for key in obj.redacted]
    header += [f"# {note}" for note in obj.notes]
    body = yaml.dump(
        obj.manifest, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=100
    )
    return "\n".join(header) + "\n" + body


def manifest_files(plan: Mapping[str, Any]) -> dict[str, str]:
    """Every object as `k8s/<region>/<file>` (relative to the output directory) -> YAML."""
    return {f"k8s/{obj.region_dir}/{obj.filename}": to_yaml(obj) for obj in kube_objects(plan)}
