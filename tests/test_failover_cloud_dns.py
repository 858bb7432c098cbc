"""Pinning the Cloud DNS failover record through the Cloud DNS API's discovery document:
googleapiclient builds every request from the bundled document (methods, paths, parameters)
and a recording HTTP mock answers it; no request leaves the machine."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httplib2
from googleapiclient.discovery import build
from googleapiclient.http import HttpMock

from regionkit.model import resolve
from regionkit.ops.failover.clients import Clients
from regionkit.ops.failover.cloud_dns import managed_zone_name
from regionkit.ops.failover.plan import Request, build_steps
from regionkit.ops.failover.steps import Clock, Mode, Outcome, run_steps
from regionkit.spec.loader import load_stack

STACK = Path(__file__).resolve().parent.parent / "stacks" / "gcp-ap.yaml"
NO_SLEEP = Clock(sleep=lambda _: None, now=lambda: 0.0)
BASE = "https://dns.googleapis.com/dns/v1/projects/acme-eu-prod/managedZones/example-eu/rrsets"
BE, NL = "198.51.100.10", "198.51.100.20"
CHECK = "projects/acme-eu-prod/global/healthChecks/acme-eu-gslb"


def policy_record() -> dict[str, Any]:
    """The record set as the GSLB component makes it: eu-be primary, eu-nl the backup."""
    return {
        "kind": "dns#resourceRecordSet",
        "name": "login.example.eu.",
        "type": "A",
        "ttl": 30,
        "routingPolicy": {
            "healthCheck": CHECK,
            "primaryBackup": {
                "primaryTargets": {"externalEndpoints": [BE]},
                "backupGeoTargets": {
                    "enableFencing": False,
                    "items": [
                        {
                            "location": "europe-west4",
                            "healthCheckedTargets": {"externalEndpoints": [NL]},
                        }
                    ],
                },
                "trickleTraffic": 0.0,
            },
        },
    }


class CloudDns(HttpMock):
    """A recording Cloud DNS zone: a PATCH replaces the record set it names."""

    def __init__(self) -> None:
        super().__init__(headers={"status": "200"})
        self.records = {
            "login.example.eu.": policy_record(),
            "eu-be.login.example.eu.": {"name": "eu-be.login.example.eu.", "rrdatas": [BE]},
            "eu-nl.login.example.eu.": {"name": "eu-nl.login.example.eu.", "rrdatas": [NL]},
        }
        self.requests: list[tuple[str, str, Any]] = []
        self.refuse = False

    def request(
        self, uri: str, method: str = "GET", body: Any = None, headers: Any = None, **_: Any
    ) -> Any:
        path = unquote(uri.split("?")[0])
        self.requests.append((method, path, json.loads(body) if body else None))
        assert path.startswith(BASE + "/") and path.endswith("/A"), path
        name = path[len(BASE) + 1 : -len("/A")]
        if method == "PATCH":
            if self.refuse:
                self.refuse = False
                return _response({"error": {"code": 412, "message": "precondition"}}, "412")
            self.records[name] = json.loads(body)
        return _response(copy.deepcopy(self.records[name]))


def _response(document: Any, status: str = "200") -> Any:
    return httplib2.Response({"status": status}), json.dumps(document).encode()


def dns_steps(http: CloudDns, mode: Mode, to: str | None = "eu-nl") -> list[Any]:
    clients = Clients(
        clouddns=lambda: build("dns", "v1", http=http, static_discovery=True),
        gcp_project="acme-eu-prod",
    )
    request = Request(mode, to, {})
    steps = build_steps(resolve(load_stack(STACK).spec).deployments, request, clients)
    return [s for s in steps if s.id.startswith("dns/")]


def test_the_zone_name_is_the_components_convention() -> None:
    from regionkit.components.gslb.cloud_dns import managed_zone_name as component_name

    assert managed_zone_name("example.eu") == component_name("example.eu") == "example-eu"


def test_failover_pins_the_new_writer_as_primary_once_keeping_the_rest_of_the_policy() -> None:
    http = CloudDns()
    (step,) = dns_steps(http, Mode.FAILOVER)
    assert step.pin == ("login.example.eu", "eu-nl")
    run = run_steps([step], lambda _: None, NO_SLEEP)
    assert [r.outcome for r in run.results] == [Outcome.DONE]
    (patch,) = [(p, b) for m, p, b in http.requests if m == "PATCH"]
    assert patch[0] == f"{BASE}/login.example.eu./A"
    expected = policy_record()
    expected["routingPolicy"]["primaryBackup"]["primaryTargets"] = {"externalEndpoints": [NL]}
    item = expected["routingPolicy"]["primaryBackup"]["backupGeoTargets"]["items"][0]
    item["healthCheckedTargets"]["externalEndpoints"] = [BE]
    assert patch[1] == expected
    # run again: already pinned, no second patch
    again = run_steps(dns_steps(http, Mode.FAILOVER), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in again.results] == [Outcome.ALREADY]
    assert [m for m, _, _ in http.requests].count("PATCH") == 1


def test_a_refused_patch_fails_the_step_and_a_rerun_pins() -> None:
    http = CloudDns()
    http.refuse = True
    first = run_steps(dns_steps(http, Mode.FAILOVER), lambda _: None, NO_SLEEP)
    assert first.results[0].outcome is Outcome.FAILED
    assert "precondition" in (first.results[0].error or "")
    second = run_steps(dns_steps(http, Mode.FAILOVER), lambda _: None, NO_SLEEP)
    assert second.results[0].outcome is Outcome.DONE
    primary = http.records["login.example.eu."]["routingPolicy"]["primaryBackup"]
    assert primary["primaryTargets"] == {"externalEndpoints": [NL]}


def test_switchback_pins_the_stack_files_active_region_again() -> None:
    http = CloudDns()
    run_steps(dns_steps(http, Mode.FAILOVER), lambda _: None, NO_SLEEP)
    back = run_steps(dns_steps(http, Mode.SWITCHBACK, to=None), lambda _: None, NO_SLEEP)
    assert [r.outcome for r in back.results] == [Outcome.DONE]
    assert http.records["login.example.eu."] == policy_record()
