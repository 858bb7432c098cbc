"""`regionkit status` against recorded and fake live systems: Route 53 and CloudWatch in moto,
RDS through botocore's Stubber (the service model checks each request), `/serving` on a local
HTTP server, the runtime Deployments in a fake Kubernetes API. Whatever cannot be read is an
"unknown" reading with its reason, never an exception."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
import httplib2
import pytest
from botocore.stub import Stubber
from googleapiclient.discovery import build
from googleapiclient.http import HttpMock
from moto import mock_aws
from typer.testing import CliRunner

from regionkit.cli import app
from regionkit.model import resolve
from regionkit.ops.failover.clients import Clients, _http_status
from regionkit.ops.failover.targets import store_targets
from regionkit.ops.status.report import as_json, render_status, status_document
from regionkit.ops.status.stores import store_rows
from regionkit.spec.loader import load_stack
from tests.failover_fakes import FakeApps, deployment
from tests.test_failover_aws import make_zone

STACKS = Path(__file__).resolve().parent.parent / "stacks"
STACK = STACKS / "aws-ap.yaml"
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
GLOBAL = "acme-ap-accounts-audit-global"
ARN = "arn:aws:rds:{region}:123456789012:cluster:acme-ap-accounts-audit-{rid}"
ADDRESSES = {
    "login.example.com": ["192.0.2.1"],
    "us-east.login.example.com": ["192.0.2.1"],
    "us-west.login.example.com": ["192.0.2.2"],
}


pytestmark = pytest.mark.usefixtures("aws_credentials")


class Serving(BaseHTTPRequestHandler):
    """`/<region>/serving`: 200 for us-east, 503 (not serving) for the others."""

    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/us-east/serving" else 503)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        return None


@pytest.fixture
def local_serving() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Serving)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def rewrite(base: str) -> Any:
    """The real HTTP probe, sent to the local server: https://<region>.<host>/serving ->
    <base>/<region>/serving."""

    def status(url: str) -> int:
        region = url.removeprefix("https://").split(".", 1)[0]
        return _http_status(f"{base}/{region}/serving")

    return status


def global_clusters() -> dict[str, Any]:
    return {
        "GlobalClusters": [
            {
                "GlobalClusterIdentifier": GLOBAL,
                "GlobalClusterMembers": [
                    {
                        "DBClusterArn": ARN.format(region="us-east-1", rid="us-east"),
                        "IsWriter": False,
                    },
                    {
                        "DBClusterArn": ARN.format(region="us-west-2", rid="us-west"),
                        "IsWriter": True,
                    },
                ],
            }
        ]
    }


class World:
    def __init__(self, serving: str) -> None:
        self.rds = boto3.client("rds", region_name="us-east-1")
        self.stub = Stubber(self.rds)
        self.route53 = boto3.client("route53", region_name="us-east-1")
        make_zone(self.route53)
        self.cloudwatch = {
            loc: boto3.client("cloudwatch", region_name=loc) for loc in ("us-east-1", "us-west-2")
        }
        apps = FakeApps(
            {
                "acme-ap/idsvr-runtime": deployment("acme-ap", "idsvr-runtime", {}, replicas=3),
            }
        )
        apps.deployments["acme-ap/idsvr-runtime"]["status"]["ready_replicas"] = 2
        self.clients = Clients(
            aws=self._aws,
            k8s_apps=lambda context: apps,
            resolve=lambda name: ADDRESSES[name],
            http_status=rewrite(serving),
        )

    def _aws(self, service: str, region: str) -> Any:
        if service == "rds":
            return self.rds
        if service == "route53":
            return self.route53
        return self.cloudwatch[region]

    def document(self) -> dict[str, Any]:
        deployments = resolve(load_stack(STACK).spec).deployments
        return status_document(deployments, self.clients, "aws-ap", now=lambda: NOW)


def test_status_of_an_aws_stack_after_a_failover(local_serving: str) -> None:
    with mock_aws():
        world = World(local_serving)
        # the Aurora secondary's lag (ms) in its region; DynamoDB's from us-east-1 to us-west-2
        world.cloudwatch["us-east-1"].put_metric_data(
            Namespace="AWS/RDS",
            MetricData=[
                {
                    "MetricName": "AuroraGlobalDBReplicationLag",
                    "Dimensions": [
                        {"Name": "DBClusterIdentifier", "Value": "acme-ap-accounts-audit-us-east"}
                    ],
                    "Timestamp": NOW - dt.timedelta(minutes=1),
                    "Value": 850.0,
                    "Unit": "Milliseconds",
                }
            ],
        )
        world.cloudwatch["us-east-1"].put_metric_data(
            Namespace="AWS/DynamoDB",
            MetricData=[
                {
                    "MetricName": "ReplicationLatency",
                    "Dimensions": [
                        {"Name": "TableName", "Value": "acme-ap-curity-sessions"},
                        {"Name": "ReceivingRegion", "Value": "us-west-2"},
                    ],
                    "Timestamp": NOW - dt.timedelta(minutes=2),
                    "Value": 1200.0,
                    "Unit": "Milliseconds",
                }
            ],
        )
        world.stub.add_response(
            "describe_global_clusters", global_clusters(), {"GlobalClusterIdentifier": GLOBAL}
        )
        with world.stub:
            document = world.document()
            world.stub.assert_no_pending_responses()

    (answer,) = document["dns"]
    assert answer["answer"]["value"] == ["192.0.2.1"]
    regions = {r["id"]: r for r in document["regions"]}
    assert regions["us-east"]["inDnsAnswer"]["value"] is True
    assert regions["us-west"]["inDnsAnswer"]["value"] is False
    assert regions["us-east"]["serving"]["value"] is True
    assert regions["us-west"]["serving"]["value"] is False
    assert regions["us-east"]["readyReplicas"]["value"] == "2/3"
    assert regions["us-east"]["health"]["state"] == "ok"
    assert regions["us-east"]["health"]["value"] in ("healthy", "unhealthy")
    stores = {s["engine"]: {r["id"]: r for r in s["regions"]} for s in document["stores"]}
    aurora = stores["aurora-postgresql"]
    assert aurora["us-west"]["role"]["value"] == "promoted"
    assert aurora["us-east"]["role"]["value"] == "replica"
    assert aurora["us-east"]["lag"]["value"] == 0.85
    assert aurora["us-west"]["lag"]["value"] is None
    dynamodb = stores["dynamodb"]
    assert dynamodb["us-west"]["lag"]["value"] == 1.2
    assert dynamodb["us-east"]["role"]["value"] == "writer"
    rendered = render_status(document)
    assert rendered is not None


def test_unreachable_sources_are_unknown_with_the_reason(local_serving: str) -> None:
    def no_aws(service: str, region: str) -> Any:
        raise RuntimeError(f"Unable to locate credentials for {service} in {region}")

    def no_cluster(context: str) -> Any:
        raise RuntimeError(f"kubeconfig context '{context}' not usable")

    def no_dns(name: str) -> list[str]:
        raise RuntimeError(f"The DNS query name does not exist: {name}.")

    clients = Clients(
        aws=no_aws, k8s_apps=no_cluster, resolve=no_dns, http_status=rewrite(local_serving)
    )
    deployments = resolve(load_stack(STACK).spec).deployments
    document = status_document(deployments, clients, "aws-ap", now=lambda: NOW)
    region = document["regions"][0]
    assert region["inDnsAnswer"]["state"] == "unknown"
    assert "did not resolve" in region["inDnsAnswer"]["reason"]
    assert "Unable to locate credentials" in region["health"]["reason"]
    assert "kubeconfig context 'us-east'" in region["readyReplicas"]["reason"]
    assert region["serving"]["value"] is True  # the one source that answers
    aurora = next(s for s in document["stores"] if s["engine"] == "aurora-postgresql")
    assert {r["role"]["state"] for r in aurora["regions"]} == {"unknown"}


def test_the_cli_prints_one_json_document_and_refuses_watch_with_json() -> None:
    both = CliRunner().invoke(app, ["status", str(STACK), "--json", "--watch"])
    assert both.exit_code == 2 and "pick one" in both.output


class Monitoring(HttpMock):
    """Cloud Monitoring's timeSeries.list, recording the request googleapiclient built."""

    def __init__(self) -> None:
        super().__init__(headers={"status": "200"})
        self.uris: list[str] = []

    def request(self, uri: str, method: str = "GET", **_: Any) -> Any:
        self.uris.append(unquote(uri))
        points = [
            {"interval": {"endTime": "2026-11-30T11:58:00Z"}, "value": {"doubleValue": 0.4}},
            {"interval": {"endTime": "2026-11-30T11:59:00Z"}, "value": {"doubleValue": 2.5}},
        ]
        body = {"timeSeries": [{"points": points}]}
        return httplib2.Response({"status": "200"}), json.dumps(body).encode()


def test_cloud_sql_lag_comes_from_cloud_monitoring_and_cloud_dns_health_is_unknown() -> None:
    from tests.test_failover_cloudsql import REPLICA, CloudSql

    sql, monitoring = CloudSql(), Monitoring()
    clients = Clients(
        sqladmin=lambda: build("sqladmin", "v1", http=sql, static_discovery=True),
        monitoring=lambda: build("monitoring", "v3", http=monitoring, static_discovery=True),
        gcp_project="acme-prod",
        resolve=lambda name: ["198.51.100.10"],
        http_status=lambda url: 200,
        k8s_apps=lambda context: FakeApps(
            {"acme-eu/idsvr-runtime": deployment("acme-eu", "idsvr-runtime", {})}
        ),
    )
    deployments = resolve(load_stack(STACKS / "gcp-ap.yaml").spec).deployments
    document = status_document(deployments, clients, "gcp-ap", now=lambda: NOW)
    (store,) = document["stores"]
    rows = {r["id"]: r for r in store["regions"]}
    assert (rows["eu-be"]["role"]["value"], rows["eu-nl"]["role"]["value"]) == ("writer", "replica")
    assert rows["eu-nl"]["lag"]["value"] == 2.5
    (uri,) = monitoring.uris
    assert uri.startswith("https://monitoring.googleapis.com/v3/projects/acme-prod/timeSeries?")
    assert f'resource.labels.database_id="acme-prod:{REPLICA}"' in uri
    assert "interval.startTime=2026-11-30T11:50:00Z" in uri
    assert "interval.endTime=2026-11-30T12:00:00Z" in uri
    region = document["regions"][0]
    assert region["health"]["state"] == "unknown" and "Cloud DNS" in region["health"]["reason"]
    assert region["readyReplicas"]["value"] == "2/2"


def test_cnpg_roles_from_the_cluster_specs_and_the_phase_instead_of_a_lag() -> None:
    from tests.failover_fakes import FakeCustomObjects
    from tests.test_failover_cnpg import NEW, NS, component_clusters

    clusters = component_clusters()
    clusters[f"{NS}/{NEW}"]["status"] = {"phase": "Waiting for the instances to become active"}
    clients = Clients(k8s_custom=lambda context: FakeCustomObjects(clusters))
    (target,) = [
        t
        for d in resolve(load_stack(STACKS / "mixed-ap.yaml").spec).deployments
        for t in store_targets(d)
    ]
    rows = {r["id"]: r for r in as_json(store_rows(clients, target))["regions"]}
    assert rows["aws-use1"]["role"]["value"] == "writer"
    assert rows["gcp-usc1"]["role"]["value"] == "replica"
    assert "Waiting for the instances" in rows["gcp-usc1"]["lag"]["reason"]
