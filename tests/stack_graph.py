"""The recording of an example stack's own program as a graph: resources by region and kind,
and who waits for whom (transitively). The recording is the one the stack's example plan is made
from, made once per test session, so the first-up tests of every cloud walk one recording."""

from __future__ import annotations

import functools
from pathlib import Path

from regionkit.plan.recorder import Registration
from tests.example_plans import example_recording
from tests.registrations import of_type, region_of


class Graph:
    """The recording's resources by region and kind, and who waits for whom (transitively)."""

    def __init__(self, regs: tuple[Registration, ...]) -> None:
        self.regs = list(regs)
        self.by_urn = {r.urn: r for r in regs}
        self.region = {r.urn: region_of(self.regs, r) for r in regs}

    def of(self, type_: str, region: str) -> list[Registration]:
        return [r for r in of_type(self.regs, type_) if self.region[r.urn] == region]

    def one(self, type_: str, region: str, name_suffix: str = "") -> Registration:
        (found,) = [r for r in self.of(type_, region) if r.name.endswith(name_suffix)]
        return found

    @functools.cache  # noqa: B019 (one graph per stack, alive for the test session)
    def waits(self, urn: str) -> frozenset[str]:
        out: set[str] = set()
        todo = list(self.by_urn[urn].dependencies)
        while todo:
            dep = todo.pop()
            if dep in out or dep not in self.by_urn:
                continue
            out.add(dep)
            todo.extend(self.by_urn[dep].dependencies)
        return frozenset(out)

    def after(self, later: Registration, earlier: Registration) -> bool:
        return earlier.urn in self.waits(later.urn)


@functools.cache
def graph(stack: Path) -> Graph:
    return Graph(example_recording(stack))
