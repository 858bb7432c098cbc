"""Counts and resource quantities with real bounds.

Node counts end up in a HorizontalPodAutoscaler (`minReplicas`/`maxReplicas` are int32) and a
node group; CPU and memory become Kubernetes quantities, whose syntax is stricter than it
looks (decimal kilo is `k`, not `K`) and whose CPU precision stops at 1m. Zero CPU or memory
would start nothing useful.
"""

from __future__ import annotations

import re
from decimal import Decimal

from regionkit.findings import Finding, error
from regionkit.spec.paths import Paths

#: more runtime nodes than this in one region is a typo (an int32 would also overflow far later)
MAX_NODES = 1_000
MAX_CPU = Decimal(256)  # cores per node: no node offers more
MAX_MEMORY = Decimal(4 * 2**40)  # 4 TiB per node

#: Kubernetes' resource.Quantity syntax (k8s.io/apimachinery/pkg/api/resource)
_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$"
)
_MULTIPLIER = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
    **{s: Decimal(1024) ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
}


def quantity(text: str) -> Decimal | None:
    """The value of a Kubernetes quantity, or None when Kubernetes would refuse the text."""
    match = _QUANTITY.match(text)
    if match is None:
        return None
    suffix = match["suffix"] or ""
    number = Decimal(match["number"])
    if suffix[:1] in ("e", "E"):
        return number.scaleb(int(suffix[1:])) if abs(int(suffix[1:])) <= 30 else None
    return number * _MULTIPLIER[suffix]


def check(paths: Paths) -> list[Finding]:
    runtime = paths.deployment.identity_server.runtime
    out = [
        error(
            "quantity.nodes",
            paths.of(f"identityServer.runtime.{key}"),
            f"{key} {value:,} is beyond any region's capacity; at most {MAX_NODES:,} runtime "
            "nodes per region.",
        )
        for key, value in (("minNodes", runtime.min_nodes), ("maxNodes", runtime.max_nodes))
        if value > MAX_NODES
    ]
    out += _cpu(paths, runtime.cpu)
    out += _memory(paths, runtime.memory)
    return out


def _cpu(paths: Paths, text: str) -> list[Finding]:
    value = quantity(text)
    key = paths.of("identityServer.runtime.cpu")
    if value is None:
        return [error("quantity.cpu", key, f"cpu {text!r} is not a Kubernetes quantity")]
    if value <= 0 or value > MAX_CPU or (value * 1000) % 1 != 0:
        return [
            error(
                "quantity.cpu",
                key,
                f"cpu {text!r} is not a request a node can hold: more than 0 and at most "
                f'{MAX_CPU} cores, in steps of 1m (e.g. "500m" or "2").',
            )
        ]
    return []


def _memory(paths: Paths, text: str) -> list[Finding]:
    value = quantity(text)
    key = paths.of("identityServer.runtime.memory")
    if value is None:
        return [
            error(
                "quantity.memory",
                key,
                f"memory {text!r} is not a Kubernetes quantity (suffixes Ki, Mi, Gi, Ti or k, "
                "M, G, T; decimal kilo is a lower-case k)",
            )
        ]
    if value < 1 or value > MAX_MEMORY:
        return [
            error(
                "quantity.memory",
                key,
                f"memory {text!r} is not a request a node can hold: at least 1 byte and at most "
                "4Ti (the identity server wants 2Gi or more).",
            )
        ]
    return []
