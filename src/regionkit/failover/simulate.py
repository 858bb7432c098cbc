"""`simulate`: what the loss of one region does to a stack, computed offline from the stack file.

For the failed region's deployment: where DNS sends each group of users (`residency.routing`),
reads and writes of every data class in every surviving region before and after the failover
command (`failover.access`), what each store touching the region loses (RPO) and what the
command does to it, how long until reads and writes work again (RTO: the DNS timing the GSLB is
configured with, then the engines' promotions and the identity server's switch, each term with
its source), whether residency still holds, and the article's scenarios with writes.
"""

from __future__ import annotations

from regionkit.catalog.engines import facts
from regionkit.catalog.failover import failover_facts, rollout
from regionkit.errors import InvalidInput
from regionkit.failover.access import access, failover_target, writer_after
from regionkit.failover.records import DataAccess, Failure, RoutedUsers, Rto, StoreOutcome
from regionkit.failover.scenarios import failover_command, with_writes
from regionkit.model import StoreGroup, TimingTerm, resolve
from regionkit.model.text import join
from regionkit.residency import evaluate, transfer_allowed
from regionkit.residency.routing import targets, user_groups
from regionkit.spec.models import Deployment, Engine, StackSpec

#: regionkit never promotes on its own: someone runs the command
OPERATOR_CAVEAT = (
    "writes return only after someone runs the failover command: the time until then is not counted"
)


def simulate(spec: StackSpec, fail: str | None = None, stack: str = "STACK") -> list[Failure]:
    """The failure of region `fail`, or of every region in turn (InvalidInput for an unknown
    id, listing the known ones)."""
    regions = [(d, r.id) for d in spec.deployments() for r in d.regions]
    if fail is not None:
        chosen = [(d, rid) for d, rid in regions if rid == fail]
        if not chosen:
            known = ", ".join(rid for _, rid in regions)
            raise InvalidInput(f"no region {fail!r} in stack {spec.name!r}; regions: {known}")
        regions = chosen
    return [failure(spec, deployment, rid, stack) for deployment, rid in regions]


def failure(spec: StackSpec, deployment: Deployment, failed: str, stack: str) -> Failure:
    resolved = resolve(deployment)
    target = failover_target(deployment, failed)
    stores = tuple(
        _outcome(deployment, group, index, failed, target)
        for group in resolved.store_groups
        for index, placement in enumerate(group.placements)
        if failed in placement
    )
    promotes = any(s.writer_after not in (None, s.writer_before) for s in stores)
    routes = _routes(deployment, failed)
    return Failure(
        stack=stack,
        deployment=deployment.name,
        sub_cluster=deployment.sub_cluster,
        failed=failed,
        target=target,
        command=failover_command(stack, target) if target and promotes else None,
        routes=routes,
        access=_access(deployment, failed),
        stores=stores,
        rto=_rto(deployment, failed, target, routes, stores),
        residency=tuple(_residency(deployment, failed, target, routes)),
        scenarios=tuple(
            with_writes(deployment, evaluate(spec, failed, to, failed), stack)
            for to in dict.fromkeys(t for r in routes if failed in r.before for t in r.after)
        ),
    )


def _routes(deployment: Deployment, failed: str) -> tuple[RoutedUsers, ...]:
    return tuple(
        RoutedUsers(
            users,
            near,
            targets(deployment, users, near),
            targets(deployment, users, near, failed),
        )
        for users, near in user_groups(deployment)
    )


def _access(deployment: Deployment, failed: str) -> tuple[DataAccess, ...]:
    out = []
    for region in deployment.regions:
        if region.id == failed:
            continue
        for data_class, spec in deployment.data.items():
            group = resolve(deployment).group_of(data_class)
            out.append(
                DataAccess(
                    data_class=data_class,
                    region=region.id,
                    engine=str(spec.engine),
                    before=access(deployment, group, region.id, failed, after_failover=False),
                    after=access(deployment, group, region.id, failed, after_failover=True),
                )
            )
    return tuple(out)


def _outcome(
    deployment: Deployment, group: StoreGroup, index: int, failed: str, target: str | None
) -> StoreOutcome:
    engine = failover_facts(group.engine)
    placement = group.placements[index]
    single = facts(group.engine).single_writer
    writer = group.writers[index] if single else None
    after = writer_after(deployment, group, index, failed, target) if single else None
    promoted = single and after is not None and after != writer
    if len(placement) == 1:
        action = f"nothing to fail over to: the store lives in {failed} only"
        note = f"its data is unavailable until {failed} returns"
    elif single and not promoted:
        action = f"nothing to promote: the writer {writer} is up"
        note = f"nothing lost: {failed} held a replica, rebuilt when it returns"
    else:
        action = engine.failover_action
        note = (
            "unknown: a database regionkit does not manage"
            if engine.rpo is None
            else f"writes {failed} had not replicated ({engine.replication})"
        )
    return StoreOutcome(
        data_classes=group.data_classes,
        engine=str(group.engine),
        scope=str(group.scope),
        regions=placement,
        replication=str(engine.replication),
        writer_before=writer,
        writer_after=after,
        action=action,
        rpo=engine.rpo if len(placement) > 1 and (promoted or not single) else None,
        rpo_note=note,
        promotion=engine.promotion if promoted else None,
        identity_server=engine.identity_server if promoted else "none",
    )


def _rto(
    deployment: Deployment,
    failed: str,
    target: str | None,
    routes: tuple[RoutedUsers, ...],
    stores: tuple[StoreOutcome, ...],
) -> Rto:
    if target is None:
        return Rto(
            None, None, (), (f"no region is left: users are not served until {failed} returns",)
        )
    timing = resolve(deployment).timing
    moved = any(r.moved for r in routes)
    dns = timing.terms if moved else ()
    promotions = tuple(
        TimingTerm(
            f"{s.engine} promotion ({', '.join(s.data_classes)})",
            s.promotion.nominal_seconds or 0,
            s.promotion.worst_case_seconds or 0,
            s.promotion.source,
            detection=False,
        )
        for s in stores
        if s.promotion is not None
    )
    rollouts = any(
        failover_facts(Engine(s.engine)).needs_rollout for s in stores if s.promotion is not None
    )
    switch: tuple[TimingTerm, ...] = ()
    if rollouts:
        figure = rollout()
        switch = (
            TimingTerm(
                f"identity server in {target} switched to read-write (a rollout)",
                figure.nominal_seconds or 0,
                figure.worst_case_seconds or 0,
                figure.source,
                detection=False,
            ),
        )
    reads = sum(t.worst_case_seconds for t in dns)
    caveats = (timing.to_json()["caveats"] if moved else []) + (
        [OPERATOR_CAVEAT] if promotions else []
    )
    return Rto(
        reads_seconds=reads,
        writes_seconds=reads + sum(t.worst_case_seconds for t in (*promotions, *switch)),
        terms=(*dns, *promotions, *switch),
        caveats=tuple(caveats),
    )


def _residency(
    deployment: Deployment, failed: str, target: str | None, routes: tuple[RoutedUsers, ...]
) -> list[str]:
    """Users sent to a jurisdiction their personal data may not go to, and personal data a
    promoted writer replicates where residency.crossBorder does not allow."""
    residency = deployment.residency
    if not residency.personal_data:
        return []
    where = {r.id: r.jurisdiction for r in deployment.regions}
    out = []
    for route in routes:
        if not route.moved:
            continue
        crossing = [
            t for t in route.after if not transfer_allowed(residency, route.users, where[t])
        ]
        if crossing:
            out.append(
                f"users of {route.users} are sent to {join(f'{t} ({where[t]})' for t in crossing)}: "
                f"their personal data ({join(residency.personal_data)}) is processed outside their "
                "jurisdiction, which residency.crossBorder does not allow"
            )
    for group in resolve(deployment).store_groups:
        personal = [c for c in group.data_classes if c in residency.personal_data]
        if not personal or not facts(group.engine).single_writer:
            continue
        for index, placement in enumerate(group.placements):
            new = writer_after(deployment, group, index, failed, target)
            if new is None or new == group.writers[index]:
                continue
            for other in placement:
                if other != new and not transfer_allowed(residency, where[new], where[other]):
                    out.append(
                        f"after the failover {join(personal)} written in {new} ({where[new]}) "
                        f"replicate to {other} ({where[other]}), which residency.crossBorder "
                        "does not allow"
                    )
    return out
