"""What each region looks like from outside and from its cluster: DNS, health, /serving, nodes.

- DNS answer: the public hostname's A addresses against the region's own (`<region>.<hostname>`,
  the record the GSLB keeps for it): whether users resolving the hostname now reach the region;
- health: Route 53's health checkers' last observations of the region's record
  (`GetHealthCheckStatus`; healthy when more than 18 % of checkers report success, Route 53's
  own rule). Cloud DNS keeps the state of its routing health checks to itself;
- `/serving` on the regional hostname (what the health checks probe): 200 means the runtime
  service serves requests;
- the identity server's runtime Deployment: ready replicas of desired.
"""

from __future__ import annotations

from typing import Any

from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.idsvr import as_dict
from regionkit.ops.failover.route53 import API_REGION, fqdn, zone_id
from regionkit.ops.failover.targets import kube_context
from regionkit.ops.status.reading import Reading, read, unknown
from regionkit.spec.models import DnsProvider

RUNTIME_DEPLOYMENT = "idsvr-runtime"
#: Route 53 considers an endpoint healthy when more than this share of checkers agree
HEALTHY_SHARE = 0.18


def region_row(clients: Clients, resolved: Any, region_id: str, answer: Reading) -> dict[str, Any]:
    """Every reading of one region; `answer` is the public hostname's DNS answer."""
    deployment = resolved.deployment
    regional = resolved.regional_hostname(region_id)
    return {
        "id": region_id,
        "subCluster": deployment.sub_cluster,
        "hostname": regional,
        "inDnsAnswer": read(
            f"DNS A {deployment.hostname}", lambda: _in_answer(clients, answer, regional)
        ),
        "health": _health(clients, deployment, region_id),
        "serving": read(
            f"GET https://{regional}/serving",
            lambda: clients.get_status(f"https://{regional}/serving") == 200,
        ),
        "readyReplicas": read(
            f"Deployment {resolved.namespace}/{RUNTIME_DEPLOYMENT}",
            lambda: _replicas(clients, kube_context(deployment, region_id), resolved.namespace),
        ),
    }


def dns_answer(clients: Clients, hostname: str) -> Reading:
    return read(f"DNS A {hostname}", lambda: clients.addresses(hostname))


def _in_answer(clients: Clients, answer: Reading, regional: str) -> bool | Reading:
    if answer.state != "ok":
        return unknown(f"the public hostname did not resolve: {answer.reason}")
    return bool(set(clients.addresses(regional)) & set(answer.value))


def _health(clients: Clients, deployment: Any, region_id: str) -> Reading:
    if deployment.dns.provider is not DnsProvider.ROUTE53:
        return unknown(
            "Cloud DNS does not publish the state of routing-policy health checks; "
            "see the serving column",
            "Cloud DNS",
        )
    return read(
        "Route 53 GetHealthCheckStatus",
        lambda: _route53_health(clients, deployment.dns.zone, deployment.hostname, region_id),
    )


def _route53_health(clients: Clients, zone: str, hostname: str, region_id: str) -> str | Reading:
    route53 = clients.aws_client("route53", API_REGION)
    answer = route53.list_resource_record_sets(
        HostedZoneId=zone_id(route53, zone), StartRecordName=fqdn(hostname)
    )
    checks = {
        r.get("SetIdentifier"): r.get("HealthCheckId")
        for r in answer.get("ResourceRecordSets", [])
        if r["Name"] == fqdn(hostname)
    }
    check = checks.get(region_id)
    if not check:
        return unknown(f"no health-checked record of {hostname} for {region_id}")
    status = route53.get_health_check_status(HealthCheckId=check)
    reports = [
        o.get("StatusReport", {}).get("Status", "")
        for o in status.get("HealthCheckObservations", [])
    ]
    if not reports:
        return unknown("no checker reported yet")
    healthy = sum(r.startswith("Success") for r in reports) / len(reports) > HEALTHY_SHARE
    return "healthy" if healthy else "unhealthy"


def _replicas(clients: Clients, context: str, namespace: str) -> str:
    deployment = as_dict(
        clients.apps(context).read_namespaced_deployment(RUNTIME_DEPLOYMENT, namespace)
    )
    ready = (deployment.get("status") or {}).get("ready_replicas") or 0
    desired = deployment["spec"].get("replicas") or 0
    return f"{ready}/{desired}"
