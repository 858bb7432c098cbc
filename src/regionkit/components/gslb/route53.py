"""Route 53 GSLB: one health check per region and the hostname's records under a routing policy.

Every region also gets a plain record `<region-id>.<hostname>` pointing at its Gateway: what the
health check of a hostname endpoint asks for (Route 53 sends its `fqdn` as Host and SNI, and a
load balancer's own DNS name matches no HTTPRoute), and a handle to reach one region directly.

Route 53 allows one record per name and latency region, one per geolocation and one PRIMARY and
one SECONDARY per name. Where several regions share one of those, the record is an alias to a
nested name (`<label>.<hostname>`) that spreads over them, as AWS documents for latency +
weighted records. Records of the global hostname are global: this component has no region.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_aws as aws

from regionkit.catalog.dns import aws_latency_region, route53_geolocation
from regionkit.components.gslb.global_hostname import GeoRecordsArgs, geo_rules
from regionkit.components.protocols import GslbArgs, RegionEndpoint
from regionkit.errors import skipped_check
from regionkit.model import FailoverTiming, regional_hostname, type_token
from regionkit.spec.models import Deployment, RegionSpec, Routing

TOKEN = type_token("gslb", "Route53Gslb")
#: Route 53 is global; its API lives in us-east-1
PROVIDER_REGION = "us-east-1"
HEALTH_PATH = "/serving"
HTTPS_PORT = 443
WEIGHT = 100

Policy = Literal["failover", "latency", "geolocation", "weighted"]


@dataclass(frozen=True)
class Member:
    """A region as the routing plan sees it."""

    region_id: str
    role: str
    #: None where no AWS region stands for the region; `why` says so if latency routing needs one
    latency_region: str | None
    #: ("continent" | "country", code)
    location: tuple[str, str]
    why: str = ""


@dataclass(frozen=True)
class RecordPlan:
    """One record of a routing policy: to a region's endpoint, or an alias to a nested name."""

    key: str
    dns_name: str
    set_identifier: str
    policy: Policy
    value: str
    region_id: str | None = None
    alias_to: str | None = None


def latency_region(region: RegionSpec) -> str:
    """The AWS region whose latency data stands for `region`: itself, or the nearest one.

    Validation refuses a region without one where latency records need it (`dns.location`).
    """
    nearest = aws_latency_region(region)
    if nearest is None:
        raise skipped_check(_no_latency_region(region), "dns.location")
    return nearest


def _no_latency_region(region: RegionSpec) -> str:
    return (
        f"region '{region.id}': latency routing needs an AWS region near "
        f"'{region.location}', and neither the location nor the jurisdiction "
        f"'{region.jurisdiction}' names one"
    )


def geolocation(region: RegionSpec) -> tuple[str, str]:
    """Route 53 geolocation of the region's users: the EU as the continent Europe, else the country."""
    return route53_geolocation(region.jurisdiction)


def _member(endpoint: RegionEndpoint) -> Member:
    region = endpoint.region
    # only latency records need it: a failover or weighted setup does without
    nearest = aws_latency_region(region)
    why = "" if nearest is not None else _no_latency_region(region)
    return Member(region.id, endpoint.role, nearest, geolocation(region), why)


def plan_records(routing: Routing, hostname: str, members: Sequence[Member]) -> list[RecordPlan]:
    """The records of `hostname` for `routing` over `members` (plain data, no resources)."""
    if not members:
        raise ValueError("the GSLB needs at least one region endpoint")
    planners: dict[Routing, Callable[[str, str, Sequence[Member]], list[RecordPlan]]] = {
        Routing.FAILOVER: _failover,
        Routing.LATENCY: _latency,
        Routing.GEOLOCATION: _geolocation,
        Routing.WEIGHTED: _weighted,
    }
    plans = planners[routing]("", hostname, members)
    keys = [p.key for p in plans]
    clash = sorted({k for k in keys if keys.count(k) > 1})
    if clash:
        raise skipped_check(
            f"region ids {clash} clash with the labels of Route 53 {routing} records",
            "dns.record-name",
        )
    return plans


def _key(label: str, set_id: str) -> str:
    return f"{set_id}-{label}" if label else set_id


def _to(
    label: str, name: str, set_id: str, policy: Policy, value: str, member: Member
) -> RecordPlan:
    return RecordPlan(_key(label, set_id), name, set_id, policy, value, region_id=member.region_id)


def _alias(label: str, name: str, set_id: str, policy: Policy, value: str, sub: str) -> RecordPlan:
    return RecordPlan(_key(label, set_id), name, set_id, policy, value, alias_to=f"{sub}.{name}")


def _nested(
    sub: str, name: str, members: Sequence[Member], planner: Callable[..., list[RecordPlan]]
) -> list[RecordPlan]:
    return planner(sub, f"{sub}.{name}", members)


def _weighted(label: str, name: str, members: Sequence[Member]) -> list[RecordPlan]:
    return [_to(label, name, m.region_id, "weighted", str(WEIGHT), m) for m in members]


def _latency(label: str, name: str, members: Sequence[Member]) -> list[RecordPlan]:
    groups: dict[str, list[Member]] = {}
    for member in members:
        if member.latency_region is None:
            raise skipped_check(member.why, "dns.location")
        groups.setdefault(member.latency_region, []).append(member)
    plans: list[RecordPlan] = []
    for region, group in groups.items():
        if len(group) == 1:
            plans.append(_to(label, name, group[0].region_id, "latency", region, group[0]))
        else:
            plans.append(_alias(label, name, region, "latency", region, region))
            plans += _nested(region, name, group, _weighted)
    return plans


def _geolocation(label: str, name: str, members: Sequence[Member]) -> list[RecordPlan]:
    groups: dict[tuple[str, str], list[Member]] = {}
    for member in members:
        groups.setdefault(member.location, []).append(member)
    plans: list[RecordPlan] = []
    for (kind, code), group in groups.items():
        value = f"{kind}:{code}"
        if len(group) == 1:
            plans.append(_to(label, name, group[0].region_id, "geolocation", value, group[0]))
        else:
            sub = f"geo-{code.lower()}"
            plans.append(_alias(label, name, sub, "geolocation", value, sub))
            plans += _nested(sub, name, group, _latency)
    # users outside every listed location: the first region
    plans.append(_to(label, name, "default", "geolocation", "country:*", members[0]))
    return plans


def _failover(label: str, name: str, members: Sequence[Member]) -> list[RecordPlan]:
    primaries = [m for m in members if m.role == "primary"]
    if len(primaries) > 1:
        ids = ", ".join(m.region_id for m in primaries)
        raise skipped_check(
            f"failover routing needs one primary region, got {len(primaries)}: {ids}",
            "topology.shape",
        )
    primary = primaries[0] if primaries else members[0]
    others = [m for m in members if m is not primary]
    plans = [_to(label, name, primary.region_id, "failover", "PRIMARY", primary)]
    if len(others) == 1:
        plans.append(_to(label, name, others[0].region_id, "failover", "SECONDARY", others[0]))
    elif others:
        # Route 53 takes one SECONDARY per name: it spreads over the others by latency
        plans.append(_alias(label, name, "secondary", "failover", "SECONDARY", "secondary"))
        plans += _nested("secondary", name, others, _latency)
    return plans


def _policy_args(plan: RecordPlan) -> dict[str, Any]:
    if plan.policy == "failover":
        return {
            "failover_routing_policies": [
                aws.route53.RecordFailoverRoutingPolicyArgs(type=plan.value)
            ]
        }
    if plan.policy == "latency":
        return {
            "latency_routing_policies": [
                aws.route53.RecordLatencyRoutingPolicyArgs(region=plan.value)
            ]
        }
    if plan.policy == "weighted":
        return {
            "weighted_routing_policies": [
                aws.route53.RecordWeightedRoutingPolicyArgs(weight=int(plan.value))
            ]
        }
    kind, code = plan.value.split(":", 1)
    geo = aws.route53.RecordGeolocationRoutingPolicyArgs(**{kind: code})
    return {"geolocation_routing_policies": [geo]}


def _answers_a(endpoint: RegionEndpoint) -> bool:
    """Whether the endpoint is answered with an A record: an IP, or an alias to a load
    balancer (Route 53's native answer for an ALB, where a CNAME costs a second lookup)."""
    return endpoint.address_kind == "ip" or endpoint.alias_zone_id is not None


def _answer(
    endpoint: RegionEndpoint,
    record_type: str,
    ttl: int,
    deployment: Deployment | None = None,
) -> dict[str, Any]:
    """The record arguments that answer with `endpoint`: an alias to its load balancer (no
    TTL: Route 53 uses the load balancer's, 60 s), its IP, or a CNAME to its hostname; a CNAME
    of a name whose other regions answer with IPs points at the region's own name."""
    if record_type == "A" and endpoint.alias_zone_id is not None:
        alias = aws.route53.RecordAliasArgs(
            name=endpoint.address, zone_id=endpoint.alias_zone_id, evaluate_target_health=True
        )
        return {"type": "A", "aliases": [alias]}
    value: pulumi.Input[str] = endpoint.address
    if record_type == "CNAME" and endpoint.address_kind == "ip" and deployment is not None:
        value = regional_hostname(deployment, endpoint.region.id)
    return {"type": record_type, "ttl": ttl, "records": [value]}


def _alias_record(
    name: str,
    plan: RecordPlan,
    zone_id: pulumi.Input[str],
    record_type: str,
    opts: pulumi.ResourceOptions,
) -> aws.route53.Record:
    """A policy record that answers with another record of the zone, healthy while it is."""
    assert plan.alias_to is not None
    return aws.route53.Record(
        f"{name}-{plan.key}-record",
        zone_id=zone_id,
        name=plan.dns_name,
        type=record_type,
        set_identifier=plan.set_identifier,
        aliases=[
            aws.route53.RecordAliasArgs(
                name=plan.alias_to, zone_id=zone_id, evaluate_target_health=True
            )
        ],
        opts=opts,
        **_policy_args(plan),
    )


class Route53Gslb(pulumi.ComponentResource):
    """The deployment's hostname in Route 53: health-checked records per routing policy."""

    def __init__(self, name: str, args: GslbArgs, opts: pulumi.ResourceOptions | None = None):
        deployment, timing = args.deployment, args.timing
        zone_name = deployment.dns.zone
        if not zone_name:
            raise skipped_check(
                f"{deployment.key_path('dns.zone')}: route53 needs the hosted zone", "dns.zone"
            )
        endpoints = {e.region.id: e for e in args.endpoints}
        members = [_member(e) for e in args.endpoints]
        hostname = deployment.hostname
        plans = plan_records(deployment.routing, hostname, members)
        super().__init__(TOKEN, name, {}, opts)

        provider = aws.Provider(
            f"{name}-route53", region=PROVIDER_REGION, opts=pulumi.ResourceOptions(parent=self)
        )
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        zone = aws.route53.get_zone_output(
            name=zone_name,
            private_zone=False,
            opts=pulumi.InvokeOutputOptions(parent=self, provider=provider),
        )
        # a name holds records of one type: A when every region answers with an IP or an
        # AWS load balancer (an alias A record), else CNAME
        record_type = "A" if all(_answers_a(e) for e in args.endpoints) else "CNAME"
        ttl = timing.ttl_seconds

        checks: dict[str, aws.route53.HealthCheck] = {}
        answers: dict[str, dict[str, Any]] = {}
        for rid, endpoint in endpoints.items():
            own = pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=list(endpoint.depends_on))
            )
            aws.route53.Record(
                f"{name}-{rid}-address",
                zone_id=zone.zone_id,
                name=regional_hostname(deployment, rid),
                **_answer(endpoint, "A" if _answers_a(endpoint) else "CNAME", ttl),
                opts=own,
            )
            checks[rid] = self._health_check(name, deployment, endpoint, timing, own)
            answers[rid] = _answer(endpoint, record_type, ttl, deployment)

        for plan in plans:
            if plan.alias_to is not None:
                _alias_record(name, plan, zone.zone_id, record_type, child)
                continue
            assert plan.region_id is not None
            endpoint = endpoints[plan.region_id]
            aws.route53.Record(
                f"{name}-{plan.key}-record",
                zone_id=zone.zone_id,
                name=plan.dns_name,
                set_identifier=plan.set_identifier,
                health_check_id=checks[plan.region_id].id,
                opts=pulumi.ResourceOptions.merge(
                    child, pulumi.ResourceOptions(depends_on=list(endpoint.depends_on))
                ),
                **answers[plan.region_id],
                **_policy_args(plan),
            )

        self.hostname = pulumi.Output.from_input(hostname)
        self.zone_id = zone.zone_id
        self.health_check_ids = pulumi.Output.all(**{rid: c.id for rid, c in checks.items()})
        self.register_outputs(
            {
                "hostname": self.hostname,
                "zoneId": self.zone_id,
                "healthCheckIds": self.health_check_ids,
            }
        )

    def _health_check(
        self,
        name: str,
        deployment: Deployment,
        endpoint: RegionEndpoint,
        timing: FailoverTiming,
        opts: pulumi.ResourceOptions,
    ) -> aws.route53.HealthCheck:
        rid = endpoint.region.id
        by_ip = endpoint.address_kind == "ip"
        return aws.route53.HealthCheck(
            f"{name}-{rid}-health",
            type="HTTPS",
            port=HTTPS_PORT,
            resource_path=HEALTH_PATH,
            request_interval=timing.interval_seconds,
            failure_threshold=timing.failure_threshold,
            # by IP: connect to the Gateway's IP and send the public hostname as Host and SNI;
            # by hostname: the regional name, which resolves to this region's Gateway only
            ip_address=endpoint.address if by_ip else None,
            fqdn=deployment.hostname if by_ip else regional_hostname(deployment, rid),
            enable_sni=True,
            tags={"Name": f"{deployment.hostname} {rid}"},
            opts=opts,
        )


def global_hostname_records(name: str, args: GeoRecordsArgs, parent: pulumi.Resource) -> None:
    """The sub-clusters' global hostname: a CNAME per country to its partition's hostname."""
    provider = aws.Provider(
        f"{name}-route53", region=PROVIDER_REGION, opts=pulumi.ResourceOptions(parent=parent)
    )
    child = pulumi.ResourceOptions(parent=parent, provider=provider)
    hosted = aws.route53.get_zone_output(
        name=args.zone,
        private_zone=False,
        opts=pulumi.InvokeOutputOptions(parent=parent, provider=provider),
    )
    for rule in geo_rules(args.partitions):
        aws.route53.Record(
            f"{name}-{rule.set_identifier}",
            zone_id=hosted.zone_id,
            name=args.hostname,
            type="CNAME",
            ttl=args.ttl,
            records=[rule.target],
            set_identifier=rule.set_identifier,
            geolocation_routing_policies=[
                aws.route53.RecordGeolocationRoutingPolicyArgs(country=rule.country)
            ],
            opts=child,
        )
