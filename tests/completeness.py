"""What every deployable stack needs besides the rule a test is about.

A stack without a configuration (`config.required`) or a license (`config.license`) cannot
serve, and `validate` says so. Tests of other rules write small stacks that leave both out; they
look at the other findings through `validate_rest`. Tests that plan need complete stacks.
"""

from __future__ import annotations

from pathlib import Path

from regionkit.checks import validate
from regionkit.findings import Finding
from regionkit.spec.loader import LoadedStack

#: rules every stack must keep to be deployable at all
COMPLETENESS = frozenset({"config.required", "config.license"})


def validate_rest(loaded: LoadedStack, *, base_dir: Path | None = None) -> list[Finding]:
    """`regionkit.checks.validate`, without the findings of `COMPLETENESS`."""
    return [f for f in validate(loaded, base_dir=base_dir) if f.rule not in COMPLETENESS]
