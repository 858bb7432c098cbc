"""The steps of a failover, switchover or switchback of a stack, in the order they run.

Per deployment (the stack, or each sub-cluster holding the target region): per store placement
the engine's own promotion, then the identity server where its connection must change, then DNS.
A switchback is a switchover of every placement to the writer the stack file gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from regionkit.errors import InvalidInput
from regionkit.ops.failover import aurora, cloud_dns, cloudsql, cnpg, route53
from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.idsvr import jdbc_step
from regionkit.ops.failover.steps import Mode, Step
from regionkit.ops.failover.targets import StoreTarget, kube_context, store_targets
from regionkit.spec.models import DnsProvider, Engine, Role, Routing

MULTI_WRITER_NOTES = {
    Engine.DYNAMODB: "DynamoDB global tables: every replica region writes; nothing to promote",
    Engine.AURORA_DSQL: "Aurora DSQL: every peer region writes; nothing to promote",
    Engine.SPANNER: "Spanner: the instance configuration serves every region; nothing to promote",
    Engine.EXTERNAL: "external database: managed outside regionkit; move its writer yourself",
}


@dataclass(frozen=True)
class Request:
    mode: Mode
    #: the new writer region (None for switchback: each store's writer of the stack file)
    to: str | None
    #: where each store placement's writer is now (roles.json), by `StoreTarget.key`
    writers: dict[str, str]


def build_steps(resolved: Sequence[Any], request: Request, clients: Clients) -> list[Step]:
    """The steps over `resolved`: the stack's `model.ResolvedDeployment`s (ops sits beside
    the model, so the caller resolves)."""
    deployments = [d for d in resolved if request.to is None or request.to in d.roles]
    if not deployments:
        known = ", ".join(r.id for d in resolved for r in d.deployment.regions)
        raise InvalidInput(f"--to {request.to}: no such region in the stack (regions: {known})")
    steps: list[Step] = []
    for deployment in deployments:
        for target in store_targets(deployment):
            steps.extend(_store_steps(deployment, target, request, clients))
        steps.extend(_dns_steps(deployment, request, clients))
    return steps


def home_writers(resolved: Sequence[Any]) -> dict[str, str]:
    """The writer of every placement as the stack file gives it, by key."""
    return {t.key: t.home_writer for d in resolved for t in store_targets(d)}


def home_dns(resolved: Sequence[Any]) -> dict[str, str]:
    """The region each failover hostname answers with first, as the stack file gives it."""
    return {
        d.deployment.hostname: next(rid for rid, role in d.roles.items() if role is Role.ACTIVE)
        for d in resolved
        if d.deployment.routing is Routing.FAILOVER
    }


def _store_steps(
    resolved: Any, target: StoreTarget, request: Request, clients: Clients
) -> list[Step]:
    if len(target.regions) < 2:
        return []
    if target.engine in MULTI_WRITER_NOTES:
        return [
            Step(
                id=f"{target.engine}/{target.key}",
                title=MULTI_WRITER_NOTES[target.engine],
                informational=True,
            )
        ]
    to = request.to or target.home_writer
    if to not in target.regions:
        return []
    current = request.writers.get(target.key, target.home_writer)
    mode = Mode.SWITCHOVER if request.mode is Mode.SWITCHBACK else request.mode
    if target.engine is Engine.AURORA_POSTGRESQL:
        return [
            aurora.promote_step(clients, target, to, mode),
            *_aurora_idsvr_steps(resolved, target, clients, to=to, old=current, mode=mode),
        ]
    if target.engine is Engine.CLOUDSQL_POSTGRESQL:
        return cloudsql.promote_steps(clients, target, to, mode)
    return cnpg.promote_steps(clients, target, to, mode, current)


def _aurora_idsvr_steps(
    resolved: Any,
    target: StoreTarget,
    clients: Clients,
    *,
    to: str,
    old: str,
    mode: Mode,
) -> list[Step]:
    """The new writer region's nodes to its writer endpoint; after a planned move the old
    writer region's to its reader endpoint (after a failover it may be unreachable: `up` or a
    switchback fixes it)."""

    def endpoint(region_id: str, *, writer: bool) -> Callable[[], str]:
        return lambda: _url(clients, target, region_id, writer=writer)

    moves = [(to, True)]
    if not mode.allows_data_loss and old != to:
        moves.append((old, False))
    return [
        jdbc_step(
            clients,
            context=kube_context(resolved.deployment, rid),
            namespace=resolved.namespace,
            source_id=target.group.data_source_id,
            env_prefix=target.group.env_prefix,
            region_id=rid,
            url=endpoint(rid, writer=writes),
            writes=writes,
        )
        for rid, writes in moves
    ]


def _url(clients: Clients, target: StoreTarget, region_id: str, *, writer: bool) -> str:
    from regionkit.ops.failover.idsvr import jdbc_url

    return jdbc_url(aurora.endpoint(clients, target, region_id, writer=writer))


def _dns_steps(resolved: Any, request: Request, clients: Clients) -> list[Step]:
    deployment = resolved.deployment
    if deployment.routing is not Routing.FAILOVER:
        return [
            Step(
                id=f"dns/{deployment.hostname}",
                title=f"DNS {deployment.hostname} ({deployment.routing} routing): every region "
                "serves; health checks decide, nothing pinned",
                informational=True,
            )
        ]
    to = request.to or next(rid for rid, role in resolved.roles.items() if role is Role.ACTIVE)
    if deployment.dns.provider is DnsProvider.ROUTE53:
        return [
            route53.pin_step(clients, zone=deployment.dns.zone, hostname=deployment.hostname, to=to)
        ]
    if deployment.dns.provider is DnsProvider.NONE:
        return [
            Step(
                id=f"dns/{deployment.hostname}",
                title=f"DNS {deployment.hostname} is managed outside regionkit (dns.provider "
                f"none): point it at {to} there (the stack output dnsRecords lists its records)",
                informational=True,
            )
        ]
    return [
        cloud_dns.pin_step(
            clients,
            zone=deployment.dns.zone,
            hostname=deployment.hostname,
            regional=resolved.regional_hostname(to),
            to=to,
        )
    ]
