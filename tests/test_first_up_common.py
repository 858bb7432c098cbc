"""Issue 10 across clouds: pinned add-ons, a listener and certificate for every DNS name,
existing clusters' add-ons in order, and failover timing with its terms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi_kubernetes as k8s
import pytest

from regionkit.catalog.addons import ADDONS, ALL, Source, addon
from regionkit.catalog.dns import FLAP_TOLERANCE_SECONDS, LIMITS, flap_threshold
from regionkit.components.facts import SecretCertificate
from regionkit.components.platform import PlatformKind, platform_kind
from regionkit.components.platform.shared_addons import gateway_api_objects
from regionkit.components.protocols import PlatformArgs, RegionPlatform
from regionkit.model import FailoverTiming, failover_timing, minimum_budget, served_hostnames
from regionkit.plan.recorder import Registration
from regionkit.spec import load_stack
from regionkit.spec.loader import LoadedStack
from regionkit.spec.models import AddonsSpec, DnsProvider, RegionSpec
from tests.conftest import STACKS, example_stacks
from tests.example_plans import example_plan as cached_plan
from tests.registrations import of_type
from tests.stack_graph import Graph, graph

GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"


def test_addon_rows_are_sorted_unique_and_complete() -> None:
    keys = [(row.platform, row.key) for row in ADDONS]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    switches = set(AddonsSpec.model_json_schema(by_alias=True)["properties"])
    for row in ADDONS:
        assert row.version and row.origin
        assert row.switch is None or row.switch in switches
        if row.source is Source.HELM_CHART:
            assert row.repository and row.namespace


def test_addon_falls_back_to_the_shared_row_and_refuses_unknown_ones() -> None:
    assert addon("existing-cluster", "gateway-api-crds") is addon(ALL, "gateway-api-crds")
    assert addon("existing-cluster", "cert-manager").platform == "existing-cluster"
    with pytest.raises(KeyError, match="no add-on 'cert-manager' pinned for platform 'gke'"):
        addon("gke", "cert-manager")


# --- failover timing ---------------------------------------------------------------------------


def test_thresholds_are_sized_against_flapping_before_the_budget() -> None:
    for provider in DnsProvider:
        for interval in LIMITS[provider].intervals:
            threshold = flap_threshold(interval)
            # one lost check never moves traffic; nor does a disturbance under the tolerance,
            # which fails at most tolerance // interval + 1 consecutive checks
            assert threshold >= 2
            assert FLAP_TOLERANCE_SECONDS // interval + 1 < threshold
    # whatever the budget, never a threshold of 1 (Cloud DNS flapped with it)
    for budget in (1, 30, 60, 120, 600):
        assert failover_timing(DnsProvider.CLOUD_DNS, budget).failure_threshold >= 2
        assert failover_timing(DnsProvider.ROUTE53, budget).failure_threshold >= 2


def test_route53_worst_case_counts_every_term_with_its_source() -> None:
    timing = FailoverTiming(10, 3, 60, DnsProvider.ROUTE53, ttl_fixed=True)
    terms = {t.term: t for t in timing.terms}
    assert [t.worst_case_seconds for t in timing.terms] == [10, 30, 24, 60, 60]
    # (N + 1)(I + t) + propagation + TTL: 4 x 16 + 60 + 60
    assert timing.worst_case_seconds == 184
    assert timing.nominal_seconds == 9 + 30 + 0 + 0 + 30
    assert timing.detect_seconds == 10 + 30 + 24
    assert "18 %" in terms["check phase across checkers"].source.text
    assert "4 s" in terms["per-check timeout of a hung endpoint"].source.text
    assert "60 s" in terms["propagation into the provider's answers"].source.text
    assert "fixed" in terms["resolver caches (TTL)"].source.text
    assert all(t.source.documented for t in timing.terms)


def test_cloud_dns_says_which_terms_it_assumes() -> None:
    timing = FailoverTiming(30, 2, 30, DnsProvider.CLOUD_DNS)
    assert timing.worst_case_seconds == 30 + 60 + 5 + 60 + 30
    assumed = {t.term for t in timing.terms if not t.source.documented}
    assert assumed == {"check phase across checkers", "propagation into the provider's answers"}
    block = timing.to_json()
    assert {"detectSeconds", "ttlSeconds", "worstCaseSeconds", "nominalSeconds"} <= set(block)
    assert sum(t["worstCaseSeconds"] for t in block["terms"]) == block["worstCaseSeconds"]
    assert sum(t["nominalSeconds"] for t in block["terms"]) == block["nominalSeconds"]
    assert any("past the TTL" in c for c in block["caveats"])


def test_alias_records_fix_the_ttl_the_timing_reports() -> None:
    eks = RegionSpec.model_validate(
        {"id": "us-east", "cloud": "aws", "location": "us-east-1", "jurisdiction": "US"}
    )
    existing = RegionSpec.model_validate(
        {
            "id": "us-west",
            "cloud": "aws",
            "location": "us-west-2",
            "jurisdiction": "US",
            "cluster": {"kubeconfigContext": "b"},
        }
    )
    for budget in (1, 100, 200, 1000):
        timing = failover_timing(DnsProvider.ROUTE53, budget, [existing, eks])
        assert (timing.ttl_seconds, timing.ttl_fixed) == (60, True)
    # an existing cluster's load balancer is reached by CNAME: its TTL is regionkit's choice
    assert not failover_timing(DnsProvider.ROUTE53, 200, [existing]).ttl_fixed
    assert minimum_budget(DnsProvider.ROUTE53, [eks]) == 184
    assert not failover_timing(DnsProvider.CLOUD_DNS, 200, [eks]).ttl_fixed


@pytest.mark.parametrize("provider", list(DnsProvider))
def test_a_budget_that_fits_is_met_by_the_longest_interval_that_fits(
    provider: DnsProvider,
) -> None:
    minimum = minimum_budget(provider)
    for budget in range(minimum, minimum + 400, 7):
        timing = failover_timing(provider, budget)
        assert timing.worst_case_seconds <= budget
        longer = [i for i in LIMITS[provider].intervals if i > timing.interval_seconds]
        for interval in longer:
            slower = FailoverTiming(
                interval, flap_threshold(interval), LIMITS[provider].min_ttl, provider
            )
            assert slower.worst_case_seconds > budget
    assert failover_timing(provider, minimum - 1).worst_case_seconds == minimum


# --- every example stack: the plan's failover block, and a listener for every DNS name ----------


@pytest.fixture(scope="module", params=[p.stem for p in example_stacks()])
def example_plan(request: pytest.FixtureRequest) -> tuple[LoadedStack, dict[str, Any]]:
    loaded = load_stack(STACKS / f"{request.param}.yaml")
    return loaded, cached_plan(STACKS / f"{request.param}.yaml")


def test_the_failover_block_keeps_its_keys_and_adds_the_terms(
    example_plan: tuple[LoadedStack, dict[str, Any]],
) -> None:
    loaded, plan = example_plan
    if len(loaded.spec.deployments()) == 1 and len(loaded.spec.deployments()[0].regions) < 2:
        return  # a single region: the block is there, with nothing to fail over to
    for block in (plan["failover"], *(plan["failover"].get("bySubCluster") or {}).values()):
        assert block["worstCaseSeconds"] == sum(t["worstCaseSeconds"] for t in block["terms"])
        assert block["nominalSeconds"] == sum(t["nominalSeconds"] for t in block["terms"])
        assert block["nominalSeconds"] < block["worstCaseSeconds"]
        assert block["failureThreshold"] >= 2
        assert all(t["source"] for t in block["terms"])
    # the example budgets fit their worst case: no dns.budget warning
    assert not [f for f in plan["findings"] if f["rule"] == "dns.budget"]


def test_every_name_dns_sends_to_a_region_has_a_listener(
    example_plan: tuple[LoadedStack, dict[str, Any]],
) -> None:
    loaded, plan = example_plan
    gateways = [r for r in plan["resources"] if r["type"] == GATEWAY]
    by_region = {g["region"]: g for g in gateways}
    for deployment in loaded.spec.deployments():
        for region in deployment.regions:
            listeners = by_region[region.id]["inputs"]["spec"]["listeners"]
            wanted = {s.hostname for s in served_hostnames(deployment, region.id)}
            assert {listener["hostname"] for listener in listeners} == wanted
            if deployment.sub_cluster is not None and loaded.spec.dns.global_hostname:
                assert loaded.spec.dns.global_hostname in wanted


# --- every region of every example stack: its add-ons, and a certificate for every name --------

CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
RELEASE = "kubernetes:helm.sh/v3:Release"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
ACM_CERTIFICATE = "aws:acm/certificate:Certificate"
ACM_ISSUED = "aws:acm/certificateValidation:CertificateValidation"
GKE_CERTIFICATE = "gcp:certificatemanager/certificate:Certificate"
CERT_MANAGER_CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate"


def _releases(g: Graph, region: str) -> dict[str, Registration]:
    return {r.inputs["chart"]: r for r in g.of(RELEASE, region)}


def _eks(g: Graph, region: RegionSpec, gateway: Registration, names: set[str]) -> None:
    crds = g.of(CRD, region.id)
    assert crds and all(g.after(gateway, c) for c in crds)
    releases = _releases(g, region.id)
    assert g.after(gateway, releases["aws-load-balancer-controller"])
    assert all(g.after(h, releases["metrics-server"]) for h in g.of(HPA, region.id))
    certificate = g.one(ACM_CERTIFICATE, region.id)
    covered = {certificate.inputs["domainName"], *certificate.inputs["subjectAlternativeNames"]}
    assert covered == names
    # the listener's certificate is the one ACM issued: the Gateway waits for the issuance
    assert g.after(gateway, g.one(ACM_ISSUED, region.id))


def _gke(g: Graph, region: RegionSpec, gateway: Registration, names: set[str]) -> None:
    # GKE installs and manages the Gateway API CRDs, metrics and node autoscaling itself
    assert not g.of(CRD, region.id)
    assert not {"metrics-server", "cluster-autoscaler"} & set(_releases(g, region.id))
    certificate = g.one(GKE_CERTIFICATE, region.id)
    assert set(certificate.inputs["managed"]["domains"]) == names
    assert g.after(gateway, certificate)


def _existing(g: Graph, region: RegionSpec, gateway: Registration, names: set[str]) -> None:
    switches, tls = region.cluster.addons, region.cluster.tls
    assert gateway.inputs["spec"]["gatewayClassName"] == region.cluster.gateway_class
    crds = g.of(CRD, region.id)
    assert bool(crds) is switches.gateway_api_crds
    assert all(c.retain_on_delete and g.after(gateway, c) for c in crds)
    releases = _releases(g, region.id)
    assert ("metrics-server" in releases) is switches.metrics_server
    if switches.metrics_server:
        hpas = g.of(HPA, region.id)
        assert hpas and all(g.after(h, releases["metrics-server"]) for h in hpas)
    secrets = {
        ref["name"]
        for listener in gateway.inputs["spec"]["listeners"]
        for ref in listener["tls"]["certificateRefs"]
    }
    if tls is None or tls.cluster_issuer is None:
        # the user's Secret: nothing regionkit can issue, only reference
        assert not g.of(CERT_MANAGER_CERTIFICATE, region.id)
        assert len(secrets) == 1 and (tls is None or secrets == {tls.secret_name})
        return
    certificate = g.one(CERT_MANAGER_CERTIFICATE, region.id)
    assert set(certificate.inputs["spec"]["dnsNames"]) == names
    assert certificate.inputs["spec"]["issuerRef"]["name"] == tls.cluster_issuer
    assert secrets == {certificate.inputs["spec"]["secretName"]}
    assert g.after(gateway, certificate)
    if switches.certificates:
        cert_manager = releases["cert-manager"]
        assert g.after(certificate, cert_manager)
        assert all(g.after(cert_manager, c) for c in crds)


CERTIFIED = {
    PlatformKind.EKS: _eks,
    PlatformKind.GKE: _gke,
    PlatformKind.EXISTING_CLUSTER: _existing,
}


@pytest.mark.parametrize("stack", example_stacks(), ids=lambda p: p.stem)
def test_every_region_waits_for_its_addons_and_certifies_every_name(stack: Path) -> None:
    g = graph(stack)
    spec = load_stack(stack).spec
    kinds: set[PlatformKind] = set()
    for deployment in spec.deployments():
        for region in deployment.regions:
            names = {s.hostname for s in served_hostnames(deployment, region.id)}
            gateway = g.one(GATEWAY, region.id)
            assert {
                listener["hostname"] for listener in gateway.inputs["spec"]["listeners"]
            } == names
            kind = platform_kind(region)
            CERTIFIED[kind](g, region, gateway, names)
            kinds.add(kind)
    assert kinds, "a stack without regions"


def test_the_example_stacks_cover_every_platform_and_certificate_source() -> None:
    regions = [r for s in example_stacks() for _, r in load_stack(s).spec.all_regions()]
    assert {platform_kind(r) for r in regions} == set(PlatformKind)
    existing = [r.cluster.tls for r in regions if not r.creates_cluster]
    assert any(t is not None and t.cluster_issuer for t in existing)
    assert any(t is not None and t.secret_name for t in existing)


# --- an existing cluster: what it installs, and what it leaves to the cluster ------------------


def _existing_platform(cluster: str) -> tuple[list[Registration], RegionPlatform]:
    from regionkit.components.platform.kubernetes import ExistingCluster
    from tests.aws_fixtures import deployment, run

    region = "{id: home, cloud: kubernetes, location: dc1, jurisdiction: SE, cluster: "
    dep = deployment([region + cluster + "}"], topology="single-region")
    made: dict[str, RegionPlatform] = {}

    def program() -> None:
        made["platform"] = ExistingCluster("acme-id", PlatformArgs(dep, dep.regions[0])).platform

    return run(program), made["platform"]


def test_an_existing_cluster_gets_the_crds_metrics_and_cert_manager_in_order() -> None:
    regs, platform = _existing_platform(
        "{kubeconfigContext: dc1, gatewayClass: eg, tls: {clusterIssuer: letsencrypt}}"
    )
    crds = of_type(regs, CRD)
    assert len(crds) == 10 and all(c.retain_on_delete for c in crds)
    releases = {r.inputs["chart"]: r for r in of_type(regs, RELEASE)}
    assert set(releases) == {"metrics-server", "cert-manager"}
    cert_manager = releases["cert-manager"]
    assert cert_manager.inputs["version"] == addon("existing-cluster", "cert-manager").version
    assert cert_manager.inputs["createNamespace"] is True
    # its CRDs stay with the release gone; its Gateway API support needs the CRDs at start-up
    values = cert_manager.inputs["values"]
    assert values["crds"] == {"enabled": True, "keep": True}
    assert values["config"]["gatewayAPI"] == {"enabled": True}
    assert {c.urn for c in crds} <= set(cert_manager.dependencies)
    assert platform.gateway_class == "eg"
    tls = platform.gateway_tls
    assert isinstance(tls, SecretCertificate) and tls.cluster_issuer == "letsencrypt"
    (issuer_waits,) = tls.depends_on
    assert isinstance(issuer_waits, k8s.helm.v3.Release)
    # the namespace, and with it every object of the workload, waits for the CRDs and metrics
    # (the example stacks' graphs check the order object by object)
    assert len(platform.depends_on) == len(gateway_api_objects()) + 1


def test_an_existing_cluster_installs_nothing_it_already_has() -> None:
    off = "{gatewayApiCrds: false, metricsServer: false, certificates: false}"
    regs, platform = _existing_platform(
        "{kubeconfigContext: dc1, gatewayClass: istio, tls: {clusterIssuer: corp-ca}, "
        f"addons: {off}}}"
    )
    assert not of_type(regs, CRD) and not of_type(regs, RELEASE)
    tls = platform.gateway_tls
    # the cluster's own cert-manager still issues the Certificate regionkit asks for
    assert isinstance(tls, SecretCertificate) and tls.cluster_issuer == "corp-ca"
    assert tls.depends_on == () and platform.depends_on == ()
    # a user's Secret needs no cert-manager at all
    regs, platform = _existing_platform(
        "{kubeconfigContext: dc1, gatewayClass: eg, tls: {secretName: idsvr-tls}}"
    )
    assert "cert-manager" not in {r.inputs["chart"] for r in of_type(regs, RELEASE)}
    assert platform.gateway_tls == SecretCertificate(secret_name="idsvr-tls")


def test_an_existing_cluster_without_a_gateway_class_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match=r"needs cluster\.gatewayClass"):
        _existing_platform("{kubeconfigContext: dc1}")
