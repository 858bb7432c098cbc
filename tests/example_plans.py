"""The offline plan of each example stack, and the recording it is made from, made once per
test session.

Several test files walk the plan or the recording of every example stack (manifests, first up,
posture, schema wiring); planning the largest takes seconds. One `plan_stack` run gives both
the plan and the registrations. Under pytest-xdist the workers share the result through files in
the session's common temporary directory (the first worker to need a stack plans it while the
others wait on its lock), so a stack is planned once per session, not once per worker. Each
caller gets its own copy of a plan, so no test can change another's.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from regionkit.plan.recorder import Registration
from regionkit.plan.runner import plan_stack
from regionkit.spec.loader import load_stack

#: where the workers of one xdist session share examples (empty: this process keeps its own)
_shared: list[Path] = []


def share_between_workers(directory: Path) -> None:
    """Share examples through `directory`, common to every worker of one test session."""
    directory.mkdir(parents=True, exist_ok=True)
    _shared[:] = [directory]


@dataclass(frozen=True)
class Example:
    plan_text: str
    registrations: tuple[Registration, ...]


def _make(stack: Path) -> Example:
    registrations: list[Registration] = []
    # validated first, as `regionkit plan` does: a stack whose checks fail raises StackInvalid
    plan = plan_stack(load_stack(stack), on_register=registrations.append)
    return Example(json.dumps(plan), tuple(registrations))


@functools.cache
def example(stack: Path) -> Example:
    """The plan and the registrations of the stack file `stack` (an absolute path)."""
    return shared_example(stack, _shared[0]) if _shared else _make(stack)


def shared_example(stack: Path, directory: Path) -> Example:
    """The example of `stack` from `directory`, planned and written there by the first caller."""
    where = hashlib.sha256(str(stack).encode()).hexdigest()[:16]  # a tmp_path stack's too
    path = directory / f"{stack.stem}-{where}.pickle"
    with FileLock(f"{path}.lock"):
        if path.exists():
            loaded: Example = pickle.loads(path.read_bytes())
            return loaded
        made = _make(stack)
        partial = path.with_suffix(".partial")
        partial.write_bytes(pickle.dumps(made))
        partial.replace(path)
        return made


def example_plan(stack: Path) -> dict[str, Any]:
    """The plan of the stack file `stack` (validated first, as `regionkit plan` does)."""
    plan: dict[str, Any] = json.loads(example(stack.resolve()).plan_text)
    return plan


def example_recording(stack: Path) -> tuple[Registration, ...]:
    """Every registration of the stack's own program, in the order it registered them."""
    return example(stack.resolve()).registrations
