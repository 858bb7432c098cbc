"""What an offline plan has done so far, shown on a terminal once it has taken a second.

A small stack plans in well under a second and should print nothing but its result; a large one
(a dozen regions) takes several, and one static line would look hung. `PlanProgress` hears of
each registration from the recorder and, from the first second on, keeps one transient line up
to date: the resources registered, and how many of the stack's regions the program has reached.
Nothing is shown when the console is not a terminal (CI logs, pipes).

A region counts as reached once a resource named after it is registered; a resource's region is
found in its own name or its parent's, the way the deploy display finds it (STYLE.md's names).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Console
from rich.status import Status

from regionkit.model.names import region_in_name, urn_name

if TYPE_CHECKING:
    from regionkit.plan.recorder import Registration

#: seconds before the line appears: a plan that finishes sooner shows nothing
SHOW_AFTER_SECONDS = 1.0


class PlanProgress:
    """A context manager whose `registered` the recorder calls for every resource."""

    def __init__(
        self,
        console: Console,
        *,
        prefix: str,
        region_ids: list[str],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._console = console
        self._prefix = prefix
        self._region_ids = region_ids
        self._clock = clock
        self._started = clock()
        self._status: Status | None = None
        self.resources = 0
        self.regions: set[str] = set()

    def __enter__(self) -> PlanProgress:
        self._started = self._clock()
        return self

    def __exit__(self, *_: object) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def registered(self, registration: Registration) -> None:
        self.resources += 1
        region = region_in_name(registration.name, self._prefix, self._region_ids)
        if region is None and registration.parent:
            region = region_in_name(urn_name(registration.parent), self._prefix, self._region_ids)
        if region is not None:
            self.regions.add(region)
        if not self._console.is_terminal:
            return
        if self._status is None:
            if self._clock() - self._started < SHOW_AFTER_SECONDS:
                return
            self._status = self._console.status(self.line())
            self._status.start()
        else:
            self._status.update(self.line())

    def line(self) -> str:
        regions = f"{len(self.regions)}/{len(self._region_ids)} regions reached"
        return f"planning offline: {self.resources} resources registered, {regions}"
