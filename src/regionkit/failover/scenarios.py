"""The seed article's three scenarios with writes taken into account, before and after the
failover command.

`regionkit.residency.scenarios` says whether a user's data and keys reach the region DNS sends
them to. A login also writes (the session, nonces and the authorization code go to the tokens
store), and so do session operations and a refresh (new tokens): where the tokens store is a
read-only replica, all three fail although the data is readable. Each scenario therefore has a
verdict before the failover command and one after it; it works only when both do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from regionkit.failover.access import Can, access, failover_target
from regionkit.model import resolve
from regionkit.residency import Scenario as ReachScenario
from regionkit.residency import Verdict
from regionkit.residency import scenarios as reach_scenarios
from regionkit.residency.report import LABELS
from regionkit.residency.scenarios import OK, all_of
from regionkit.spec.models import DataClassName, Deployment, StackSpec

#: the data class each scenario writes: sessions, nonces, codes and tokens
WRITTEN: DataClassName = "tokens"


def failover_command(stack: str, target: str) -> str:
    return f"regionkit failover {stack} --to {target}"


@dataclass(frozen=True)
class Check:
    """One scenario's verdict before and after the failover command."""

    before: Verdict
    after: Verdict

    @property
    def verdict(self) -> Verdict:
        if self.before.ok and self.after.ok:
            return OK
        if self.after.ok:
            return Verdict(
                False, f"until the failover command: {self.before.reason}", self.before.fix
            )
        return all_of(self.before, self.after)

    @property
    def until_failover(self) -> bool:
        """Fails now, works once the failover command ran."""
        return not self.before.ok and self.after.ok

    def to_json(self) -> dict[str, Any]:
        return {
            **self.verdict.to_json(),
            "beforeFailover": self.before.to_json(),
            "afterFailover": self.after.to_json(),
        }


@dataclass(frozen=True)
class Scenario:
    reach: ReachScenario
    command: str | None
    login: Check
    session: Check
    refresh: Check

    @property
    def ok(self) -> bool:
        return all(c.verdict.ok for c in (self.login, self.session, self.refresh))

    def to_json(self) -> dict[str, Any]:
        return {
            **self.reach.to_json(),
            "login": self.login.to_json(),
            "session": self.session.to_json(),
            "refresh": self.refresh.to_json(),
            "failoverCommand": self.command,
        }


def scenarios(spec: StackSpec, stack: str = "STACK") -> list[Scenario]:
    """Every reroute of `regionkit.residency.scenarios`, with writes taken into account."""
    by_name = {d.name: d for d in spec.deployments()}
    by_sub = {d.sub_cluster: d for d in spec.deployments()}
    out = []
    for reach in reach_scenarios(spec):
        deployment = by_sub[reach.sub_cluster] if reach.sub_cluster else by_name[reach.deployment]
        out.append(with_writes(deployment, reach, stack))
    return out


def with_writes(deployment: Deployment, reach: ReachScenario, stack: str) -> Scenario:
    """`reach` (a user sent to `reach.target` while `reach.failed` is down) with the writes of
    each scenario checked in the target region before and after the failover command."""
    target, failed = reach.target.region, reach.failed
    moved_to = failover_target(deployment, failed) if failed else None
    command = failover_command(stack, moved_to) if moved_to else None
    before = _writes(deployment, target, failed, command, after_failover=False)
    after = _writes(deployment, target, failed, command, after_failover=True)

    def check(verdict: Verdict) -> Check:
        return Check(all_of(verdict, before), all_of(verdict, after))

    return Scenario(
        reach=reach,
        command=command if before != after else None,
        login=check(reach.login),
        session=check(reach.session),
        refresh=check(reach.refresh),
    )


def _writes(
    deployment: Deployment,
    region: str,
    failed: str | None,
    command: str | None,
    *,
    after_failover: bool,
) -> Verdict:
    group = resolve(deployment).group_of(WRITTEN)
    found = access(deployment, group, region, failed, after_failover=after_failover)
    if found.writes is not Can.NO:
        return OK
    if not after_failover and command is not None and "until the failover" in found.why:
        fix = f"run `{command}`"
    else:
        fix = (
            f"keep {WRITTEN} where every serving region writes (engine dynamodb, a multi-writer "
            f"store), or send these users only to the writer region"
        )
    return Verdict(False, f"{LABELS[WRITTEN]} cannot be written in {region}: {found.why}", fix)
