"""Small helpers that make messages (findings, residency reports) read as sentences."""

from __future__ import annotations

import re
from collections.abc import Iterable

from regionkit.spec.models import Deployment, RegionSpec

#: what a terminal would act on instead of showing: C0 and C1 controls but tab and newline,
#: DEL, and the invisible or reordering formatting characters (bidi embeddings, overrides and
#: isolates, marks, zero-width characters, line and paragraph separators, the BOM)
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2069\ufeff\ufff9-\ufffb]"
)


def printable(text: str) -> str:
    """`text` with every control and bidirectional-formatting character escaped (`\\x1b`,
    `\\u202e`), so a value quoted from a stack file cannot recolour, rewrite or reorder what a
    terminal shows. Every message the CLI prints passes through here."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def join(items: Iterable[object], word: str = "and") -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    parts = [str(i) for i in items]
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {word} {parts[-1]}"


def region_label(region: RegionSpec) -> str:
    """ "us-east (US)": the region id and its jurisdiction."""
    return f"{region.id} ({region.jurisdiction})"


def ids(regions: Iterable[RegionSpec]) -> str:
    return join(r.id for r in regions)


def topology_label(deployment: Deployment) -> str:
    """ "global-cluster", or "sub-cluster eu (active-passive)" inside sub-clusters."""
    if deployment.sub_cluster is None:
        return str(deployment.topology)
    return f"sub-cluster {deployment.sub_cluster} ({deployment.topology})"
