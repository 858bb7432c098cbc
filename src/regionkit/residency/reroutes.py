"""Where DNS sends users, and whether their data is there: the routing, failover and reach rules.

- `residency.routing` (error): in normal operation DNS can send users to a region whose store
  of a personal-data class is not theirs, and residency.crossBorder does not allow their data
  there: they sign in, or have their audit records written, outside their jurisdiction;
- `residency.failover` (error): the same after a region fails, reported at the region that
  receives them;
- `residency.routing` (warning): routing by nearest region (latency, or Cloud DNS geolocation)
  between jurisdictions whose personal data is kept apart: users near a border can cross it;
- `data.reach` (warning): accounts or tokens kept apart per region or jurisdiction while DNS can
  lawfully move a user to a region without theirs: they cannot log in, or must sign in again.
  The audit log is only appended to, wherever a request lands, so a user moved away from it
  loses nothing.
"""

from __future__ import annotations

from itertools import permutations

from regionkit.catalog.regions import same_jurisdiction
from regionkit.findings import Finding, error, warning
from regionkit.model import resolve
from regionkit.model.text import join, region_label
from regionkit.residency.report import FAILOVER, REACH, ROUTING, Place, transfer_allowed
from regionkit.residency.routing import Reroute, by_nearest, reroutes
from regionkit.residency.stores import places, replicated
from regionkit.residency.transfers import where
from regionkit.spec.models import DataClassName, DnsProvider, Routing, Scope, Topology
from regionkit.spec.paths import Paths

#: data classes a user's requests read back
READ_BY_USERS: tuple[DataClassName, ...] = ("accounts", "tokens")

_STORED = {"accounts": "accounts are", "tokens": "tokens are", "audit": "audit log is"}

#: what a user sent across a border, away from their own store, meets there
_CROSSING = {
    "accounts": "cannot log in there, and their sign-in is handled outside their jurisdiction",
    "tokens": "lose their session there and sign in again outside their jurisdiction",
    "audit": "have their audit records written there, outside their jurisdiction",
}

#: what a user moved (lawfully) away from their store loses
_UNREACHABLE = {
    "accounts": "cannot log in there",
    "tokens": "lose their session there and must sign in again",
}


def reroute_findings(paths: Paths) -> list[Finding]:
    """`residency.routing`, `residency.failover` and `data.reach` findings of a deployment."""
    d = paths.deployment
    if d.topology is Topology.SINGLE_REGION:
        # a single region sends users nowhere else; a second one is a topology.shape finding
        return []
    at, resolved = places(d), resolve(d)
    crossing: dict[tuple[str, str, DataClassName], list[Reroute]] = {}
    unreachable: dict[DataClassName, list[Reroute]] = {}
    for move in reroutes(d):
        if not same_jurisdiction(move.users, at[move.home].jurisdiction):
            # a user's data is kept in their own jurisdiction: one who signed in elsewhere was
            # already sent across, and that move is reported on its own
            continue
        # nothing of the user's is copied (the store does not span both regions): what crosses
        # is the user, whose sign-in and audit records happen where they are sent
        lawful = transfer_allowed(d.residency, move.users, at[move.target].jurisdiction)
        for data_class, _ in d.data.items():
            if replicated(resolved.group_of(data_class), move.home, move.target):
                # a store that copies personal data across a border is a cross-border finding
                continue
            if data_class in d.residency.personal_data and not lawful:
                if move.failed is None:
                    key = (ROUTING, paths.of("dns.routing"), data_class)
                else:
                    key = (FAILOVER, paths.region(move.target), data_class)
                crossing.setdefault(key, []).append(move)
            elif data_class in READ_BY_USERS:
                unreachable.setdefault(data_class, []).append(move)
    out = [
        _crossing(paths, rule, path, data_class, moves)
        for (rule, path, data_class), moves in crossing.items()
    ]
    out += [_unreachable(paths, data_class, moves) for data_class, moves in unreachable.items()]
    return out


def border_findings(paths: Paths) -> list[Finding]:
    """Routing by nearest region between jurisdictions that keep personal data apart."""
    d = paths.deployment
    if d.topology is Topology.SINGLE_REGION or not by_nearest(d):
        return []
    geolocation = d.routing is Routing.GEOLOCATION
    if geolocation:
        how = (
            "Cloud DNS geolocation answers with the nearest Google Cloud region, not with the "
            "region of the user's country"
        )
        fix = "use provider route53, whose geolocation goes by country"
    else:
        how = (
            f"{d.routing} routing answers with the region nearest the user's DNS resolver, "
            "whatever its jurisdiction"
        )
        fix = "use geolocation routing on provider route53 (by country)"
    out = []
    resolved = resolve(d)
    for data_class, spec in d.data.items():
        if data_class not in d.residency.personal_data:
            continue
        group = resolved.group_of(data_class)
        pairs = [
            (a, b)
            for a, b in permutations(d.regions, 2)
            if not same_jurisdiction(a.jurisdiction, b.jurisdiction)
            and not replicated(group, a.id, b.id)
            and not transfer_allowed(d.residency, a.jurisdiction, b.jurisdiction)
        ]
        if not pairs:
            continue
        home, to = pairs[0]
        moved = {r.id for pair in pairs for r in pair}
        among = join(region_label(r) for r in d.regions if r.id in moved)
        out.append(
            warning(
                ROUTING,
                paths.of("dns.routing"),
                f"{where(paths)}{how}, so users near a border (or behind a distant resolver) "
                f"can reach a region of another jurisdiction among {among} (e.g. users of "
                f"{home.jurisdiction} sent to {region_label(to)}), where their "
                f"{_STORED[data_class]} not stored (data.{data_class}.scope: {spec.scope}): they "
                f"{_CROSSING[data_class]}. Fix: {fix}, with a second region in each "
                "jurisdiction to fail over to; or one sub-cluster per jurisdiction.",
            )
        )
    return out


def unreadable_fix(paths: Paths, data_class: str, home: Place, target: Place) -> str:
    """How to make `data_class` written at `home` readable at `target`, or stop sending its
    users there."""
    d = paths.deployment
    scope_path = paths.of(f"data.{data_class}.scope")
    if not same_jurisdiction(home.jurisdiction, target.jurisdiction):
        return crossing_fix(paths, data_class, [(home.jurisdiction, target.jurisdiction)])
    if getattr(d.data, data_class).scope is Scope.JURISDICTION:
        # one store per declared code: DE and IE are one area for transfers, two stores here
        return (
            f"replicate it between {home.region} and {target.region}: {scope_path}: "
            f"global, or declare both regions with one jurisdiction (e.g. EU)."
        )
    return (
        f"replicate it between {home.region} and {target.region}: "
        f"{scope_path}: jurisdiction (or global)."
    )


def crossing_fix(paths: Paths, data_class: str, transfers: list[tuple[str, str]]) -> str:
    """How to keep users out of the jurisdictions DNS sends them to: `transfers` are the
    (users' jurisdiction, target jurisdiction) pairs."""
    d = paths.deployment
    scope_path = paths.of(f"data.{data_class}.scope")
    users = list(dict.fromkeys(u for u, _ in transfers))
    who = f"users of {join(users)}"
    if d.topology is Topology.ACTIVE_PASSIVE:
        # failover is the only routing of active-passive: the regions must change instead
        home = d.active_regions[0].jurisdiction if d.active_regions else users[0]
        keep = f"put the passive regions in jurisdiction {home}"
    else:
        provider = " on provider route53" if d.dns.provider is DnsProvider.CLOUD_DNS else ""
        keep = f"use geolocation routing{provider} so {who} stay in their jurisdiction"
        alone = [
            u for u in users if sum(same_jurisdiction(r.jurisdiction, u) for r in d.regions) < 2
        ]
        if alone:
            each = "each of " if len(alone) > 1 else ""
            keep += f", with a second region in {each}{join(alone)} to fail over to"
    if data_class == "audit":
        # the audit log is written where the request lands, whatever its scope: keeping users
        # home, or allowing the transfer, is the whole fix
        scope, widen = "", ""
    else:
        scope, widen = f" ({scope_path}: jurisdiction)", f" and set {scope_path}: global"
    entries = ", ".join(f"{{from: {u}, to: {t}}}" for u, t in dict.fromkeys(transfers))
    return (
        f"keep {who} in their jurisdiction: split the stack into sub-clusters per jurisdiction, "
        f"or {keep}{scope}; or, if the transfers are lawful, declare "
        f"residency.crossBorder: [{entries}]{widen}."
    )


def _crossing(
    paths: Paths, rule: str, path: str, data_class: DataClassName, moves: list[Reroute]
) -> Finding:
    d = paths.deployment
    at = places(d)
    fix = crossing_fix(paths, data_class, [(m.users, at[m.target].jurisdiction) for m in moves])
    return error(
        rule,
        path,
        f"{where(paths)}{d.routing} routing can send {_moves(at, moves)}, where their "
        f"{_STORED[data_class]} not stored (data.{data_class}.scope: "
        f"{getattr(d.data, data_class).scope}): they {_CROSSING[data_class]}. Fix: {fix}",
    )


def _moves(at: dict[str, Place], moves: list[Reroute]) -> str:
    """ "users of US who signed in at us-east (US) to eu-ie (EU) (after us-east fails); ..." """
    grouped: dict[tuple[str, str, str], list[Reroute]] = {}
    for move in moves:
        key = (move.users, at[move.home].jurisdiction, at[move.target].jurisdiction)
        grouped.setdefault(key, []).append(move)
    parts = []
    for (users, _, _), group in grouped.items():
        when = "; ".join(
            dict.fromkeys("in normal operation" if m.failed is None else m.when for m in group)
        )
        homes = _regions_in(at, [m.home for m in group])
        targets = _regions_in(at, [m.target for m in group])
        parts.append(f"users of {users} who signed in at {homes} to {targets} ({when})")
    return "; and ".join(parts)


def _regions_in(at: dict[str, Place], region_ids: list[str]) -> str:
    """ "a, b (US)" for regions of one jurisdiction."""
    ids = list(dict.fromkeys(region_ids))
    return f"{', '.join(ids)} ({at[ids[0]].jurisdiction})"


def _unreachable(paths: Paths, data_class: DataClassName, moves: list[Reroute]) -> Finding:
    d = paths.deployment
    scope = getattr(d.data, data_class).scope
    at = places(d)
    # one store per declared jurisdiction code spans a move only between regions of one code
    within = all(at[m.home].jurisdiction == at[m.target].jurisdiction for m in moves)
    wider = "jurisdiction or global" if scope is Scope.REGION and within else "global"
    return warning(
        REACH,
        paths.of(f"data.{data_class}.scope"),
        f"{where(paths)}scope {scope} keeps {data_class} apart per {scope}, but {d.routing} "
        f"routing can move a user {_steps(moves)}, where their {_STORED[data_class]} not: they "
        f"{_UNREACHABLE[data_class]}. Fix: use a scope that spans those regions ({wider}), or "
        "keep each user on the regions of their store.",
    )


def _steps(moves: list[Reroute], most: int = 4) -> str:
    """ "between a and b, from c to d (after c fails) and 3 more moves" """
    normal = {(m.home, m.target) for m in moves if m.failed is None}
    said: set[frozenset[str]] = set()
    texts = []
    for move in moves:
        if move.failed is None and (move.target, move.home) in normal:
            # a user can move either way: say so once
            pair = frozenset((move.home, move.target))
            if pair not in said:
                said.add(pair)
                texts.append(f"between {move.home} and {move.target}")
        else:
            when = "" if move.failed is None else f" ({move.when})"
            texts.append(f"from {move.home} to {move.target}{when}")
    texts = list(dict.fromkeys(texts))
    if len(texts) > most:
        texts = [*texts[:most], f"{len(texts) - most} more moves"]
    return join(texts)
