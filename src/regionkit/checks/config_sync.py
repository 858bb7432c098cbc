"""configSync's repository and branch, judged by the code config-sync itself runs before git."""

from __future__ import annotations

from regionkit.findings import Finding, error
from regionkit.ops.git_args import git_source_problems
from regionkit.spec.paths import Paths

_RULES = {"repository": "config-sync.repository", "branch": "config-sync.branch"}


def check(paths: Paths) -> list[Finding]:
    sync = paths.deployment.config_sync
    if sync is None:
        return []
    return [
        error(
            _RULES[key],
            paths.of(f"configSync.{key}"),
            f"configSync.{key} {why}; config-sync would refuse it at run time.",
        )
        for key, why in git_source_problems(sync.repository, sync.branch)
    ]
