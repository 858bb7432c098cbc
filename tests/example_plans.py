"""The offline plan of each example stack, made once per test process.

Several test files walk the plan of every example stack (manifests, first up, posture); a plan
of the largest takes seconds. Each caller gets its own copy, so no test can change another's.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from regionkit.plan.runner import plan_stack
from regionkit.spec.loader import load_stack


@functools.cache
def _plan_text(stack: Path) -> str:
    return json.dumps(plan_stack(load_stack(stack)))


def example_plan(stack: Path) -> dict[str, Any]:
    """The plan of the stack file `stack` (validated first, as `regionkit plan` does)."""
    plan: dict[str, Any] = json.loads(_plan_text(stack.resolve()))
    return plan
