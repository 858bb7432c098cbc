"""Node identity: the identity server nodes of a region run as one cloud identity.

A store whose engine gives the nodes an identity of its own (catalog `identity_per_store`, e.g.
a Google service account per Spanner store) leaves no room for a second such store: two data
classes of one engine with different scopes make two stores, and two identities.
"""

from __future__ import annotations

from regionkit.catalog import engines as catalog
from regionkit.findings import Finding, error
from regionkit.model import StoreGroup, resolve
from regionkit.model.text import join
from regionkit.spec.models import Engine
from regionkit.spec.paths import Paths


def check(paths: Paths) -> list[Finding]:
    out = []
    first: dict[Engine, StoreGroup] = {}
    for group in resolve(paths.deployment).store_groups:
        identity = catalog.facts(group.engine).identity_per_store
        if identity is None:
            continue
        kept = first.setdefault(group.engine, group)
        if kept is group:
            continue
        message = (
            f"each {group.engine} store gives the nodes {identity}, and a node runs as one "
            f"identity; {join(group.data_classes)} (scope {group.scope}) would make a second "
            f"{group.engine} store next to that of {join(kept.data_classes)} (scope "
            f"{kept.scope}). Give every {group.engine} data class one scope (one store), or use "
            "another engine for these."
        )
        out += [
            error("engine.node-identity", paths.of(f"data.{name}.scope"), message)
            for name in group.data_classes
        ]
    return out
