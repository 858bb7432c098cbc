"""The seed article's three test scenarios, evaluated for every reroute DNS can make.

For every deployment with more than one region, for each region a user signed in at (home) and
each region DNS can send them to (in normal operation, or after a region fails):
- `login`: their credentials exist there (accounts replicated, and residency allows it);
- `session`: they are not asked to sign in again (tokens, sessions, delegations and nonces
  replicated; the SSO cookie key and config encryption key shared);
- `refresh`: tokens can be refreshed and introspected (tokens replicated; the token signing key
  shared). Clients retry a 401 once after a refresh, since gateway caches are regional.

Keys are generated once per deployment and written into each of its regions, so they are shared
within a deployment and never across sub-clusters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from regionkit.errors import InvalidInput
from regionkit.model import resolve
from regionkit.residency.report import LABELS, Place, transfer_allowed
from regionkit.residency.reroutes import unreadable_fix
from regionkit.residency.routing import reroutes
from regionkit.residency.stores import places, replicated
from regionkit.spec.models import DataClassName, Deployment, StackSpec
from regionkit.spec.paths import Paths

#: the keys each scenario needs besides its data, as named in messages
SESSION_KEYS = ("SSO cookie key", "config encryption key")
REFRESH_KEYS = ("token signing key",)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str | None = None
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "reason": self.reason, "fix": self.fix}


OK = Verdict(True)


@dataclass(frozen=True)
class Scenario:
    deployment: str
    sub_cluster: str | None
    home: Place
    target: Place
    failed: str | None
    login: Verdict
    session: Verdict
    refresh: Verdict

    @property
    def when(self) -> str:
        return "normal" if self.failed is None else f"after {self.failed} fails"

    @property
    def ok(self) -> bool:
        return self.login.ok and self.session.ok and self.refresh.ok

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "subCluster": self.sub_cluster,
            "from": self.home.region,
            "fromJurisdiction": self.home.jurisdiction,
            "to": self.target.region,
            "toJurisdiction": self.target.jurisdiction,
            "when": self.when,
            "login": self.login.to_json(),
            "session": self.session.to_json(),
            "refresh": self.refresh.to_json(),
        }


def scenarios(spec: StackSpec) -> list[Scenario]:
    """Every (home, target) move DNS can make in every multi-region deployment of `spec`."""
    out: list[Scenario] = []
    for deployment in spec.deployments():
        if len(deployment.regions) < 2:
            continue
        seen: set[tuple[str, str]] = set()
        for move in reroutes(deployment):
            if (move.home, move.target) in seen:
                continue
            seen.add((move.home, move.target))
            paths = Paths(spec, deployment)
            out.append(_evaluate(paths, move.home, deployment, move.target, move.failed))
    return out


def evaluate(spec: StackSpec, home: str, target: str, failed: str | None = None) -> Scenario:
    """The three verdicts for a user who signed in at region `home` and is sent to `target`.

    The regions may lie in different sub-clusters: that is what a user sent to another
    partition would meet (nothing of theirs is there).
    """
    home_deployment, target_deployment = _deployment_of(spec, home), _deployment_of(spec, target)
    return _evaluate(Paths(spec, home_deployment), home, target_deployment, target, failed)


def _deployment_of(spec: StackSpec, region_id: str) -> Deployment:
    for deployment in spec.deployments():
        if any(r.id == region_id for r in deployment.regions):
            return deployment
    known = ", ".join(r.id for _, r in spec.all_regions())
    raise InvalidInput(f"no region {region_id!r} in stack {spec.name!r} (regions: {known})")


def _evaluate(
    paths: Paths,
    home: str,
    target_deployment: Deployment,
    target: str,
    failed: str | None,
) -> Scenario:
    """`paths` is of the home region's deployment."""
    home_deployment = paths.deployment
    h = places(home_deployment)[home]
    t = places(target_deployment)[target]

    def data(data_class: DataClassName) -> Verdict:
        return _data_verdict(paths, target_deployment, data_class, h, t)

    tokens = data("tokens")
    return Scenario(
        deployment=home_deployment.name,
        sub_cluster=home_deployment.sub_cluster,
        home=h,
        target=t,
        failed=failed,
        login=data("accounts"),
        session=all_of(tokens, _keys_verdict(home_deployment, target_deployment, SESSION_KEYS)),
        refresh=all_of(tokens, _keys_verdict(home_deployment, target_deployment, REFRESH_KEYS)),
    )


def all_of(*verdicts: Verdict) -> Verdict:
    """One verdict: ok when every part is, else every failing part's reason and fix."""
    failing = [v for v in verdicts if not v.ok]
    if not failing:
        return OK
    return Verdict(
        False,
        "; ".join(dict.fromkeys(v.reason for v in failing if v.reason)),
        "; ".join(dict.fromkeys(v.fix for v in failing if v.fix)),
    )


def _data_verdict(
    paths: Paths,
    target_deployment: Deployment,
    data_class: DataClassName,
    home: Place,
    target: Place,
) -> Verdict:
    label = LABELS[data_class]
    home_deployment = paths.deployment
    if home_deployment.sub_cluster != target_deployment.sub_cluster:
        return Verdict(
            False,
            f"{label} of sub-cluster '{home_deployment.sub_cluster}' never reach sub-cluster "
            f"'{target_deployment.sub_cluster}': partitions share no data",
            "send users only to their own partition's hostname; they sign in there again",
        )
    deployment = home_deployment
    group = resolve(deployment).group_of(data_class)
    if not replicated(group, home.region, target.region):
        return Verdict(
            False,
            f"{label} written at {home} are not replicated to {target} "
            f"(engine {group.engine}, scope {group.scope})",
            unreadable_fix(paths, data_class, home, target),
        )
    residency = deployment.residency
    if data_class in residency.personal_data and not transfer_allowed(
        residency, home.jurisdiction, target.jurisdiction
    ):
        return Verdict(
            False,
            f"residency forbids it: {data_class} is personal data and residency.crossBorder does "
            f"not allow {home.jurisdiction} -> {target.jurisdiction}",
            f"keep users of {home.jurisdiction} in {home.jurisdiction} (sub-clusters per "
            f"jurisdiction, or geolocation routing with data.{data_class}.scope: jurisdiction); "
            f"or, if the transfer is lawful, declare residency.crossBorder: "
            f"[{{from: {home.jurisdiction}, to: {target.jurisdiction}}}]",
        )
    return OK


def _keys_verdict(
    home_deployment: Deployment, target_deployment: Deployment, keys: tuple[str, ...]
) -> Verdict:
    if home_deployment.sub_cluster == target_deployment.sub_cluster:
        return OK
    return Verdict(
        False,
        f"the {' and '.join(keys)} are generated per deployment: sub-clusters "
        f"'{home_deployment.sub_cluster}' and '{target_deployment.sub_cluster}' do not share them",
        "send users only to their own partition's hostname",
    )
