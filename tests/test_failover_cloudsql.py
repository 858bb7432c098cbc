"""Cloud SQL promotion and switchover through the Cloud SQL Admin API's discovery document:
googleapiclient builds every request from the bundled document (methods, paths, parameters)
and a recording HTTP mock answers it; no request leaves the machine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from googleapiclient.discovery import build
from googleapiclient.http import HttpMock

from regionkit.model import resolve
from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.plan import Request, build_steps
from regionkit.ops.failover.steps import Clock, Mode, Outcome, run_steps
from regionkit.spec.loader import load_stack

STACK = Path(__file__).resolve().parent.parent / "stacks" / "gcp-ap.yaml"
PRIMARY = "acme-eu-tokens-accounts-audit-eu-be-primary-1a2b3c4"
REPLICA = "acme-eu-tokens-accounts-audit-eu-nl-replica-5d6e7f8"
NO_SLEEP = Clock(sleep=lambda _: None, now=lambda: 0.0)
BASE = "https://sqladmin.googleapis.com/v1/projects/acme-prod/instances"


class CloudSql(HttpMock):
    """A recording Cloud SQL: instance types change when a promotion or switchover arrives."""

    def __init__(self) -> None:
        super().__init__(headers={"status": "200"})
        self.types = {PRIMARY: "CLOUD_SQL_INSTANCE", REPLICA: "READ_REPLICA_INSTANCE"}
        self.dr: str | None = None
        self.requests: list[tuple[str, str, Any]] = []
        self.refuse: str | None = None

    def request(
        self, uri: str, method: str = "GET", body: Any = None, headers: Any = None, **_: Any
    ) -> Any:
        self.requests.append((method, uri.split("?")[0], json.loads(body) if body else None))
        path = uri.split("?")[0]
        if self.refuse and path.endswith(self.refuse):
            self.refuse = None
            return _response({"error": {"code": 409, "message": "operation in progress"}}, "409")
        if method == "GET" and path == BASE:
            assert "filter=settings.userLabels.regionkit%3Aidentity-server" in uri
            items = [
                {
                    "name": n,
                    "instanceType": t,
                    "replicationCluster": {"failoverDrReplicaName": self.dr},
                }
                for n, t in self.types.items()
            ]
            return _response({"items": items})
        if path.endswith(f"{REPLICA}/promoteReplica"):
            self.types[REPLICA] = "CLOUD_SQL_INSTANCE"
        elif path.endswith(f"{REPLICA}/switchover"):
            self.types = {PRIMARY: "READ_REPLICA_INSTANCE", REPLICA: "CLOUD_SQL_INSTANCE"}
        elif method == "PATCH" and path.endswith(PRIMARY):
            self.dr = json.loads(body)["replicationCluster"]["failoverDrReplicaName"]
        return _response({"kind": "sql#operation", "name": "op-1", "status": "PENDING"})


def _response(document: Any, status: str = "200") -> Any:
    import httplib2

    return httplib2.Response({"status": status}), json.dumps(document).encode()


def clients(http: CloudSql) -> Clients:
    return Clients(
        sqladmin=lambda: build("sqladmin", "v1", http=http, static_discovery=True),
        gcp_project="acme-prod",
    )


def sql_steps(client: Clients, mode: Mode) -> list[Any]:
    all_steps = build_steps(
        resolve(load_stack(STACK).spec).deployments, Request(mode, "eu-nl", {}), client
    )
    return [s for s in all_steps if s.id.startswith("cloudsql/")]


def test_failover_promotes_the_replica_once() -> None:
    http = CloudSql()
    client = clients(http)
    run = run_steps(sql_steps(client, Mode.FAILOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in run.results] == [Outcome.DONE]
    posts = [(m, u) for m, u, _ in http.requests if m != "GET"]
    assert posts == [("POST", f"{BASE}/{REPLICA}/promoteReplica")]
    again = run_steps(sql_steps(client, Mode.FAILOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in again.results] == [Outcome.ALREADY]
    assert [m for m, _, _ in http.requests].count("POST") == 1


def test_switchover_designates_the_dr_replica_then_switches_and_resumes_after_a_refusal() -> None:
    http = CloudSql()
    http.refuse = f"{REPLICA}/switchover"
    client = clients(http)
    first = run_steps(sql_steps(client, Mode.SWITCHOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in first.results] == [Outcome.DONE, Outcome.FAILED]
    assert "operation in progress" in (first.results[1].error or "")
    patch = next(b for m, _, b in http.requests if m == "PATCH")
    assert patch == {"replicationCluster": {"failoverDrReplicaName": f"acme-prod:{REPLICA}"}}

    second = run_steps(sql_steps(client, Mode.SWITCHOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in second.results] == [Outcome.ALREADY, Outcome.DONE]
    writes = [(m, u) for m, u, _ in http.requests if m != "GET"]
    assert writes == [
        ("PATCH", f"{BASE}/{PRIMARY}"),
        ("POST", f"{BASE}/{REPLICA}/switchover"),
        ("POST", f"{BASE}/{REPLICA}/switchover"),
    ]
