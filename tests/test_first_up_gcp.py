"""A first `up` on a fresh GCP project, checked on the plan of every example stack (issue 10).

Walks what the stack program registers (the recording the plan is made from) and asserts, for
every GKE region regionkit creates: the Google APIs come first, the control plane admits only
the stack's ranges, Workload Identity members wait for the cluster, the Gateway serves every
name DNS sends it with a Certificate Manager certificate made before it, the load balancer's
health check asks `/serving` on the status port (and the NetworkPolicies admit its checkers),
and no Cloud DNS item answers a region statically.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from regionkit.checks import check_spec
from regionkit.components.gke_backend import API_VERSION as GKE_POLICY_API
from regionkit.components.platform.gke_certificates import CERTMAP_ANNOTATION
from regionkit.plan.recorder import Registration, record
from regionkit.program import stack_program
from regionkit.spec.loader import load_stack, load_stack_text
from regionkit.spec.models import Cloud
from tests.conftest import ROOT, example_stacks
from tests.conftest import STACKS as STACK_DIR
from tests.example_plans import example_recording
from tests.registrations import of_type, region_of

STACKS = {p.stem: p for p in example_stacks()}
CHECKERS = {"35.191.0.0/16", "130.211.0.0/22"}
SERVICE = "gcp:projects/service:Service"
GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"


def _recording(path: Path) -> tuple[list[Registration], set[str]]:
    loaded = load_stack(path)
    regs = list(example_recording(path))  # validated and planned: a stack that cannot plan fails
    gke = {r.id for _, r in loaded.spec.all_regions() if r.cloud is Cloud.GCP and r.creates_cluster}
    return regs, gke


@pytest.fixture(scope="module", params=sorted(STACKS))
def planned(request: pytest.FixtureRequest) -> tuple[str, list[Registration], set[str]]:
    regs, gke = _recording(STACKS[request.param])
    return request.param, regs, gke


def _in(regs: list[Registration], type_: str, regions: set[str]) -> list[Registration]:
    return [r for r in of_type(regs, type_) if region_of(regs, r) in regions]


def test_google_apis_come_before_every_regional_resource(planned: Any) -> None:
    _, regs, gke = planned
    services = {r.urn for r in of_type(regs, SERVICE)}
    if not gke:
        assert not services, "APIs enabled for a stack without a GKE cluster"
        return
    assert {r.inputs["service"] for r in of_type(regs, SERVICE)} >= {
        "container.googleapis.com",
        "compute.googleapis.com",
        "certificatemanager.googleapis.com",
    }
    assert all(r.inputs["disableOnDestroy"] is False for r in of_type(regs, SERVICE))
    providers = {r.urn: r for r in of_type(regs, "pulumi:providers:gcp")}
    for cluster in _in(regs, "gcp:container/cluster:Cluster", gke):
        provider = providers[(cluster.provider or "").rsplit("::", 1)[0]]
        assert services <= set(provider.dependencies)


def test_control_plane_admits_only_the_stack_ranges(planned: Any) -> None:
    _, regs, gke = planned
    clusters = _in(regs, "gcp:container/cluster:Cluster", gke)
    assert len(clusters) == len(gke)
    for cluster in clusters:
        config = cluster.inputs["masterAuthorizedNetworksConfig"]
        blocks = [b["cidrBlock"] for b in config["cidrBlocks"]]
        assert blocks and "0.0.0.0/0" not in blocks
        assert config["gcpPublicCidrsAccessEnabled"] is False


def test_workload_identity_members_wait_for_a_cluster(tmp_path: Path) -> None:
    # no example stack grants a workload identity (only spanner, which validation refuses, and
    # cnpg's backups to Cloud Storage do): gcp-ap with cnpg instead of Cloud SQL
    stacks = ROOT / "stacks"
    text = (stacks / "gcp-ap.yaml").read_text()
    assert "engine: cloudsql-postgresql" in text
    path = tmp_path / "gcp-ap.yaml"
    path.write_text(text.replace("engine: cloudsql-postgresql", "engine: cnpg"))
    shutil.copytree(stacks / "idsvr-config-one-store", tmp_path / "idsvr-config-one-store")
    regs, _ = _recording(path)
    clusters = {r.urn for r in of_type(regs, "gcp:container/cluster:Cluster")}
    members = [
        r
        for r in of_type(regs, "gcp:serviceaccount/iAMMember:IAMMember")
        if r.inputs["role"] == "roles/iam.workloadIdentityUser"
        and ".svc.id.goog[" in r.inputs["member"]
    ]
    assert members, "no workload identity member: the test would check nothing"
    for member in members:
        assert clusters & set(member.dependencies), member.name


def test_every_served_name_has_a_listener_and_a_certificate_made_first(planned: Any) -> None:
    _, regs, gke = planned
    by_urn = {r.urn: r for r in regs}
    gateways = _in(regs, GATEWAY, gke)
    assert len(gateways) == len(gke)
    for gateway in gateways:
        listeners = gateway.inputs["spec"]["listeners"]
        names = {listener["hostname"] for listener in listeners}
        # the certificate map replaces certificateRefs, which GKE refuses beside it
        assert all("tls" not in listener for listener in listeners)
        assert CERTMAP_ANNOTATION in gateway.inputs["metadata"]["annotations"]
        waits = [by_urn[u] for u in gateway.dependencies if u in by_urn]
        entries = [r for r in waits if r.type.endswith("certificateMapEntry:CertificateMapEntry")]
        assert {e.inputs.get("hostname") for e in entries} >= names
        (certificate,) = [r for r in waits if r.type.endswith("certificate:Certificate")]
        assert set(certificate.inputs["managed"]["domains"]) == names
        authorizations = [by_urn[u] for u in certificate.dependencies if u in by_urn]
        domains = {a.inputs["domain"] for a in authorizations if "domain" in a.inputs}
        assert domains == names


def test_each_authorization_has_its_record_in_the_zone(planned: Any) -> None:
    _, regs, _ = planned
    authorizations = of_type(regs, "gcp:certificatemanager/dnsAuthorization:DnsAuthorization")
    records = of_type(regs, "gcp:dns/recordSet:RecordSet") + of_type(
        regs, "aws:route53/record:Record"
    )
    for authorization in authorizations:
        assert [r for r in records if authorization.urn in r.dependencies], authorization.name
    assert len({a.inputs["domain"] for a in authorizations}) == len(authorizations)


def test_load_balancer_checks_serving_on_the_status_port(planned: Any) -> None:
    _, regs, gke = planned
    policies = _in(regs, f"kubernetes:{GKE_POLICY_API}:HealthCheckPolicy", gke)
    assert len(policies) == len(gke)
    gateways = {region_of(regs, g): g for g in of_type(regs, "regionkit:gateway:RuntimeGateway")}
    for policy in policies:
        check = policy.inputs["spec"]["default"]["config"]["httpHealthCheck"]
        assert (check["port"], check["requestPath"]) == (4465, "/serving")
        assert policy.urn in gateways[region_of(regs, policy)].dependencies
    ingress = 0
    for netpol in _in(regs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", gke):
        if netpol.inputs["metadata"]["name"] != "idsvr-runtime-ingress":
            continue
        ingress += 1
        (rule,) = netpol.inputs["spec"]["ingress"]
        cidrs = {p["ipBlock"]["cidr"] for p in rule["from"] if "ipBlock" in p}
        assert cidrs >= CHECKERS and 4465 in {p["port"] for p in rule["ports"]}
    assert ingress == len(gke), "one runtime ingress policy per GKE region"


def test_no_health_checked_item_answers_statically(planned: Any) -> None:
    _, regs, _ = planned
    checked = 0
    for record_set in of_type(regs, "gcp:dns/recordSet:RecordSet"):
        policy = record_set.inputs.get("routingPolicy") or {}
        items = [
            *policy.get("geos", []),
            *policy.get("wrrs", []),
            *(policy.get("primaryBackup") or {}).get("backupGeos", []),
        ]
        for item in items:
            assert not ("healthCheckedTargets" in item and item.get("rrdatas")), record_set.name
            checked += 1
    checks = of_type(regs, "gcp:compute/healthCheck:HealthCheck")
    # a stack with a Cloud DNS health check has health-checked items, and only such a stack
    assert bool(checked) == bool(checks)
    for check in checks:
        assert check.inputs["unhealthyThreshold"] >= 2


# --- two GKE sub-clusters: one owner of the global hostname's authorization --------------------

TWO_GKE_PARTITIONS = """
apiVersion: regionkit/v1
name: acme-two
topology: sub-clusters
clouds:
  gcp: {project: acme-two-prod}
identityServer:
  image: 'curity.azurecr.io/curity/idsvr:11.2'
  config: {path: idsvr-config-one-store}
  license: {secretName: idsvr-license}
dns: {provider: cloud-dns, zone: example.com, globalHostname: login.example.com}
data:
  tokens: {engine: cloudsql-postgresql, scope: jurisdiction}
  accounts: {engine: cloudsql-postgresql, scope: jurisdiction}
  audit: {engine: cloudsql-postgresql, scope: jurisdiction}
subClusters:
  - id: eu
    jurisdiction: EU
    topology: single-region
    dns: {hostname: login.eu.example.com}
    regions:
      - {id: eu-be, cloud: gcp, location: europe-west1, jurisdiction: EU,
         cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
  - id: us
    jurisdiction: US
    topology: single-region
    dns: {hostname: login.us.example.com}
    regions:
      - {id: us-central, cloud: gcp, location: us-central1, jurisdiction: US,
         cluster: {apiAllowedCidrs: [203.0.113.0/24]}}
"""


def test_two_gke_sub_clusters_share_one_authorization_of_the_global_hostname() -> None:
    loaded = load_stack_text(TWO_GKE_PARTITIONS, STACK_DIR / "two-gke.yaml")
    assert not [f for f in check_spec(loaded.spec) if f.is_error]
    regs = record(lambda: stack_program(loaded), project="acme-two", stack="two-gke")
    by_urn = {r.urn: r for r in regs}
    authorizations = of_type(regs, "gcp:certificatemanager/dnsAuthorization:DnsAuthorization")
    by_domain: dict[str, list[Registration]] = {}
    for a in authorizations:
        by_domain.setdefault(a.inputs["domain"], []).append(a)
    # one authorization (and so one record) per name, the global one included
    assert {d: len(found) for d, found in by_domain.items()} == {
        "login.example.com": 1,
        "login.eu.example.com": 1,
        "eu-be.login.eu.example.com": 1,
        "login.us.example.com": 1,
        "us-central.login.us.example.com": 1,
    }
    (owner,) = by_domain["login.example.com"]
    records = [
        r for r in of_type(regs, "gcp:dns/recordSet:RecordSet") if owner.urn in r.dependencies
    ]
    assert len(records) == 1
    # both partitions' certificates name the global hostname and wait for its one authorization
    certificates = [
        r
        for r in of_type(regs, "gcp:certificatemanager/certificate:Certificate")
        if "login.example.com" in r.inputs["managed"]["domains"]
    ]
    assert {region_of(regs, c) for c in certificates} == {"eu-be", "us-central"}
    for certificate in certificates:
        waits = {by_urn[u].inputs.get("domain") for u in certificate.dependencies if u in by_urn}
        assert "login.example.com" in waits
