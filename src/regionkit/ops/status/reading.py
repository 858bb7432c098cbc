"""One observed value, or why it is unknown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OK, UNKNOWN = "ok", "unknown"


@dataclass(frozen=True)
class Reading:
    """A value read from a live system, where it was read, or the reason it could not be."""

    value: Any = None
    state: str = OK
    #: where the value comes from (an API call, a metric), for the reader to check
    source: str = ""
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "state": self.state,
            "source": self.source or None,
            "reason": self.reason,
        }


def unknown(reason: str, source: str = "") -> Reading:
    return Reading(state=UNKNOWN, source=source, reason=reason)


def read(source: str, probe: Callable[[], Any]) -> Reading:
    """`probe()` as a Reading: its value, or unknown with the first line of what failed."""
    try:
        value = probe()
    except Exception as exc:  # a status never fails: an unreachable source is a reading too
        return unknown(_reason(exc), source)
    return value if isinstance(value, Reading) else Reading(value, OK, source)


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]
