"""Deploying with the Pulumi Automation API: the only package that imports `pulumi.automation`.

`run_operation`, `cancel_stack` and `stack_outputs` load the Automation API when first used, so importing
`regionkit.deploy` (for `DeployOptions`, say) keeps `regionkit --help` fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from regionkit.deploy.options import (
    OPERATIONS,
    DeployError,
    DeployOptions,
    Operation,
    OperationResult,
)

if TYPE_CHECKING:
    from regionkit.deploy.runner import cancel_stack, run_operation, stack_outputs

__all__ = [
    "OPERATIONS",
    "DeployError",
    "DeployOptions",
    "Operation",
    "OperationResult",
    "cancel_stack",
    "run_operation",
    "stack_outputs",
]


def __getattr__(name: str) -> Any:
    if name in ("cancel_stack", "run_operation", "stack_outputs"):
        from regionkit.deploy import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
