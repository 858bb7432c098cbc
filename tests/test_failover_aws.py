"""Failover and switchover of an AWS active-passive stack: Aurora through botocore's Stubber
(moto implements no global-cluster failover; the Stubber checks every request against the RDS
service model), Route 53 against moto, the identity server against a fake Kubernetes API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from regionkit.model import resolve
from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.plan import Request, build_steps
from regionkit.ops.failover.steps import Clock, Mode, Outcome, run_steps
from regionkit.spec.loader import load_stack
from tests.failover_fakes import FakeApps, deployment

STACK = Path(__file__).resolve().parent.parent / "stacks" / "aws-ap.yaml"
GLOBAL = "acme-ap-accounts-audit-global"
ARN = "arn:aws:rds:{region}:123456789012:cluster:acme-ap-accounts-audit-{rid}"
EAST, WEST = (
    ARN.format(region="us-east-1", rid="us-east"),
    ARN.format(region="us-west-2", rid="us-west"),
)
VAR = "DS_ACCOUNTS_AUDIT_JDBC_URL"
#: the global writer endpoint: one name whichever region is primary
WRITER = "acme-ap-accounts-audit-global.global-abc.global.rds.amazonaws.com"
READER_WEST = "acme-ap-accounts-audit-us-west.cluster-ro-abc.us-west-2.rds.amazonaws.com"
NO_SLEEP = Clock(sleep=lambda _: None, now=lambda: 0.0)


pytestmark = pytest.mark.usefixtures("aws_credentials")


def global_clusters(writer: str) -> dict[str, Any]:
    return {
        "GlobalClusters": [
            {
                "GlobalClusterIdentifier": GLOBAL,
                "Endpoint": WRITER,
                "GlobalClusterMembers": [
                    {"DBClusterArn": EAST, "IsWriter": writer == "us-east"},
                    {"DBClusterArn": WEST, "IsWriter": writer == "us-west"},
                ],
            }
        ]
    }


def make_zone(route53: Any) -> str:
    zone = route53.create_hosted_zone(Name="example.com", CallerReference="t")["HostedZone"]["Id"]
    changes = []
    for rid, role in (("us-east", "PRIMARY"), ("us-west", "SECONDARY")):
        check = route53.create_health_check(
            CallerReference=rid,
            HealthCheckConfig={
                "Type": "HTTPS",
                "FullyQualifiedDomainName": f"{rid}.login.example.com",
                "ResourcePath": "/serving",
            },
        )["HealthCheck"]["Id"]
        changes.append(
            {
                "Action": "CREATE",
                "ResourceRecordSet": {
                    "Name": "login.example.com.",
                    "Type": "A",
                    "SetIdentifier": rid,
                    "Failover": role,
                    "TTL": 60,
                    "ResourceRecords": [
                        {"Value": "192.0.2.1" if rid == "us-east" else "192.0.2.2"}
                    ],
                    "HealthCheckId": check,
                },
            }
        )
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    return zone


def primary_of(route53: Any, zone: str) -> str:
    records = route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return next(r["SetIdentifier"] for r in records if r.get("Failover") == "PRIMARY")


class World:
    """The AWS stack's live systems: a stubbed RDS, a moto Route 53, a fake cluster."""

    def __init__(self) -> None:
        self.rds = boto3.client("rds", region_name="us-west-2")
        self.stub = Stubber(self.rds)
        self.route53 = boto3.client("route53", region_name="us-east-1")
        self.zone = make_zone(self.route53)
        self.apps = FakeApps(
            {
                f"acme-ap/{name}": deployment(
                    "acme-ap",
                    name,
                    {VAR: f"jdbc:postgresql://{READER_WEST}:5432/idsvr?sslmode=require"},
                )
                for name in ("idsvr-admin", "idsvr-runtime")
            }
        )
        self.clients = Clients(aws=self._aws, k8s_apps=self._context)
        self.contexts: list[str] = []

    def _aws(self, service: str, region: str) -> Any:
        assert (service, region) in {("rds", "us-west-2"), ("route53", "us-east-1")}
        return self.rds if service == "rds" else self.route53

    def _context(self, context: str) -> Any:
        self.contexts.append(context)
        return self.apps

    def steps(self, mode: Mode) -> list[Any]:
        return build_steps(
            resolve(load_stack(STACK).spec).deployments, Request(mode, "us-west", {}), self.clients
        )


def test_plan_of_an_aws_failover_names_every_store_and_dns() -> None:
    with mock_aws():
        titles = [s.title for s in World().steps(Mode.FAILOVER)]
    assert titles[0].startswith("DynamoDB global tables")
    assert f"Aurora global database {GLOBAL}: fail over" in titles[1]
    assert "identity server in us-west" in titles[2]
    assert titles[3].startswith("Route 53 login.example.com")


def test_failover_promotes_aurora_repoints_the_nodes_pins_dns_and_reruns_as_no_op() -> None:
    with mock_aws():
        world = World()
        stub = world.stub
        stub.add_response(
            "describe_global_clusters",
            global_clusters("us-east"),
            {"GlobalClusterIdentifier": GLOBAL},
        )
        stub.add_response(
            "describe_global_clusters",
            global_clusters("us-east"),
            {"GlobalClusterIdentifier": GLOBAL},
        )
        stub.add_response(
            "failover_global_cluster",
            {},
            {
                "GlobalClusterIdentifier": GLOBAL,
                "TargetDbClusterIdentifier": WEST,
                "AllowDataLoss": True,
            },
        )
        stub.add_response(
            "describe_global_clusters",
            global_clusters("us-west"),
            {"GlobalClusterIdentifier": GLOBAL},
        )
        # the identity server step: its URL (the global writer endpoint), before and after
        for _ in range(3):
            stub.add_response(
                "describe_global_clusters",
                global_clusters("us-west"),
                {"GlobalClusterIdentifier": GLOBAL},
            )
        with stub:
            run = run_steps(world.steps(Mode.FAILOVER), lambda _: None, NO_SLEEP)
            stub.assert_no_pending_responses()
        assert [r.outcome for r in run.results] == [
            Outcome.NOTHING,
            Outcome.DONE,
            Outcome.DONE,
            Outcome.DONE,
        ]
        assert primary_of(world.route53, world.zone) == "us-west"
        assert {p[1] for p in world.apps.patches} == {"idsvr-admin", "idsvr-runtime"}
        env = world.apps.patches[0][2]["spec"]["template"]["spec"]["containers"][0]["env"]
        assert env == [
            {"name": VAR, "value": f"jdbc:postgresql://{WRITER}:5432/idsvr?sslmode=require"}
        ]
        assert set(world.contexts) == {"us-west"}

        # run again: every step sees it is done; no failover call, no patch
        stub.add_response(
            "describe_global_clusters",
            global_clusters("us-west"),
            {"GlobalClusterIdentifier": GLOBAL},
        )
        stub.add_response(
            "describe_global_clusters",
            global_clusters("us-west"),
            {"GlobalClusterIdentifier": GLOBAL},
        )
        with stub:
            again = run_steps(world.steps(Mode.FAILOVER), lambda _: None, NO_SLEEP)
            stub.assert_no_pending_responses()
        assert [r.outcome for r in again.results][1:] == [Outcome.ALREADY] * 3
        assert len(world.apps.patches) == 2


def test_a_failed_switchover_stops_and_a_rerun_resumes_at_the_failed_step() -> None:
    with mock_aws():
        world = World()
        stub = world.stub
        stub.add_response(
            "describe_global_clusters",
            global_clusters("us-east"),
            {"GlobalClusterIdentifier": GLOBAL},
        )
        stub.add_response(
            "describe_global_clusters",
            global_clusters("us-east"),
            {"GlobalClusterIdentifier": GLOBAL},
        )
        stub.add_client_error(
            "switchover_global_cluster",
            service_error_code="InvalidGlobalClusterStateFault",
            service_message="the global cluster is busy",
            expected_params={"GlobalClusterIdentifier": GLOBAL, "TargetDbClusterIdentifier": WEST},
        )
        with stub:
            run = run_steps(world.steps(Mode.SWITCHOVER), lambda _: None, NO_SLEEP)
            stub.assert_no_pending_responses()
        assert run.results[1].outcome is Outcome.FAILED
        assert "the global cluster is busy" in (run.results[1].error or "")
        assert {r.outcome for r in run.results[2:]} == {Outcome.NOT_RUN}
        assert primary_of(world.route53, world.zone) == "us-east"
        assert world.apps.patches == []

        stub.add_response(
            "describe_global_clusters",
            global_clusters("us-east"),
            {"GlobalClusterIdentifier": GLOBAL},
        )
        stub.add_response(
            "describe_global_clusters",
            global_clusters("us-east"),
            {"GlobalClusterIdentifier": GLOBAL},
        )
        stub.add_response(
            "switchover_global_cluster",
            {},
            {"GlobalClusterIdentifier": GLOBAL, "TargetDbClusterIdentifier": WEST},
        )
        stub.add_response(
            "describe_global_clusters",
            global_clusters("us-west"),
            {"GlobalClusterIdentifier": GLOBAL},
        )
        with stub:
            steps = world.steps(Mode.SWITCHOVER)
            # the promotion alone: the nodes' steps are covered above
            rerun = run_steps(steps[:2], lambda _: None, NO_SLEEP)
            stub.assert_no_pending_responses()
        assert rerun.results[1].outcome is Outcome.DONE
        # a switchover also moves the old writer region's nodes to their reader endpoint
        assert "identity server in us-east" in steps[3].title and "reader" in steps[3].title
