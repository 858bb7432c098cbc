"""Issue 10 on EKS and Route 53: a first `up` installs what the cluster then relies on.

For every example stack with an EKS region, the recording of the stack's program shows the
add-ons with the dependencies that order them (CRDs before the load balancer controller, which
comes before its GatewayClass and the Gateway; metrics-server before the HPA), an ACM certificate
for every name DNS sends to the region's Gateway, a public API endpoint that is never open to the
world, and Route 53 alias records for the ALBs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from regionkit.catalog.addons import addon
from regionkit.catalog.eks import AUTOSCALER_IMAGES, LBC_POLICY_PARTITIONS
from regionkit.checks import check_spec
from regionkit.components.platform import aws_addons
from regionkit.components.platform.aws import EksPlatform
from regionkit.components.platform.shared_addons import gateway_api_objects
from regionkit.components.protocols import PlatformArgs
from regionkit.findings import Finding
from regionkit.model import served_hostnames
from regionkit.plan.recorder import Registration
from regionkit.spec import load_stack_text
from regionkit.spec.loader import load_stack
from regionkit.spec.models import Cloud
from tests.aws_fixtures import deployment, run
from tests.conftest import example_stacks
from tests.registrations import of_type
from tests.stack_graph import graph

CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
RELEASE = "kubernetes:helm.sh/v3:Release"
ADDON = "aws:eks/addon:Addon"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
CLUSTER = "aws:eks/cluster:Cluster"
GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
GATEWAY_CLASS = "kubernetes:gateway.networking.k8s.io/v1:GatewayClass"
LB_CONFIG = "kubernetes:gateway.k8s.aws/v1:LoadBalancerConfiguration"
TG_CONFIG = "kubernetes:gateway.k8s.aws/v1:TargetGroupConfiguration"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
SERVICE = "kubernetes:core/v1:Service"
CERTIFICATE = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"


API = "{apiAllowedCidrs: [203.0.113.0/24]}"


def us_east(cluster: str) -> str:
    return (
        "{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US, cluster: " + cluster + "}"
    )


# --- the example stacks ------------------------------------------------------------------------


def _eks_regions(stack: Path) -> dict[str, Any]:
    spec = load_stack(stack).spec
    return {
        r.id: (d, r)
        for d in spec.deployments()
        for r in d.regions
        if r.cloud is Cloud.AWS and r.creates_cluster
    }


EKS_STACKS = [s for s in example_stacks() if _eks_regions(s)]


@pytest.mark.parametrize("stack", EKS_STACKS, ids=lambda p: p.stem)
def test_eks_addons_exist_in_dependency_order(stack: Path) -> None:
    g = graph(stack)
    assert _eks_regions(stack)  # EKS_STACKS holds only stacks with one
    for rid in _eks_regions(stack):
        nodes = g.one(NODE_GROUP, rid)
        (cni,) = g.of(ADDON, rid)
        assert cni.inputs["addonName"] == "vpc-cni"
        assert json.loads(cni.inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}
        # the nodes start with NetworkPolicy enforcement
        assert g.after(nodes, cni)

        crds = g.of(CRD, rid)
        assert len(crds) == 10 and all(c.retain_on_delete for c in crds)
        assert all(g.after(c, nodes) for c in crds)

        releases = {r.inputs["chart"]: r for r in g.of(RELEASE, rid)}
        lbc = releases["aws-load-balancer-controller"]
        # the controller detects the Gateway API kinds once, at start-up
        assert all(g.after(lbc, c) for c in crds) and g.after(lbc, nodes)
        assert lbc.inputs["values"]["defaultTargetType"] == "ip"
        assert lbc.inputs["values"]["enableServiceMutatorWebhook"] is False
        role = lbc.inputs["values"]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"]
        assert role.startswith("arn:aws:iam::")
        for chart in ("metrics-server", "cluster-autoscaler"):
            assert g.after(releases[chart], nodes)

        gateway_class = g.one(GATEWAY_CLASS, rid)
        config = g.one(LB_CONFIG, rid)
        assert gateway_class.inputs["spec"]["controllerName"] == "gateway.k8s.aws/alb"
        assert g.after(gateway_class, lbc) and g.after(gateway_class, config)
        assert config.inputs["spec"]["scheme"] == "internet-facing"
        # the listener's certificate is the ARN ACM issued: the configuration waits for it
        assert g.after(config, g.one(VALIDATION, rid))
        targets = g.one(TG_CONFIG, rid).inputs["spec"]["defaultConfiguration"]
        assert targets["targetType"] == "ip"
        assert targets["healthCheckConfig"]["healthCheckPath"] == "/serving"
        assert targets["healthCheckConfig"]["healthCheckPort"] == "4465"

        # the workload: Services need the controller, the Gateway its class, the HPA metrics
        gateway = g.one(GATEWAY, rid)
        assert g.after(gateway, gateway_class) and g.after(gateway, lbc)
        assert all(g.after(s, lbc) for s in g.of(SERVICE, rid))
        assert all(g.after(h, releases["metrics-server"]) for h in g.of(HPA, rid))


@pytest.mark.parametrize("stack", EKS_STACKS, ids=lambda p: p.stem)
def test_every_name_dns_sends_to_an_eks_gateway_has_a_listener_and_its_certificate(
    stack: Path,
) -> None:
    g = graph(stack)
    assert _eks_regions(stack)  # EKS_STACKS holds only stacks with one
    for rid, (dep, _) in _eks_regions(stack).items():
        names = {n.hostname for n in served_hostnames(dep, rid)}
        certificate = g.one(CERTIFICATE, rid)
        covered = {certificate.inputs["domainName"], *certificate.inputs["subjectAlternativeNames"]}
        listeners = g.one(GATEWAY, rid).inputs["spec"]["listeners"]
        assert {listener["hostname"] for listener in listeners} == names
        assert covered == names
        # the ALB holds the certificate: no listener references a Secret
        assert all("tls" not in listener for listener in listeners)
        # Route 53 names that lead to this region are among them
        regional = f"{rid}.{dep.hostname}"
        assert any(r.inputs["name"] == regional for r in g.regs if r.type == RECORD), (
            f"no record {regional}"
        )


@pytest.mark.parametrize("stack", EKS_STACKS, ids=lambda p: p.stem)
def test_each_validation_record_is_made_once_and_awaited_by_every_certificate(
    stack: Path,
) -> None:
    g = graph(stack)
    validation = [
        r
        for r in of_type(g.regs, RECORD)
        if r.inputs.get("type") == "CNAME" and "acm-validations" in str(r.inputs["records"])
    ]
    names = [r.inputs["name"] for r in validation]
    assert len(names) == len(set(names))
    assert all(r.retain_on_delete for r in validation)
    for rid in _eks_regions(stack):
        issued = g.one(VALIDATION, rid)
        certificate = g.one(CERTIFICATE, rid)
        domains = {certificate.inputs["domainName"], *certificate.inputs["subjectAlternativeNames"]}
        assert len(issued.inputs["validationRecordFqdns"]) == len(domains)
        assert {r.urn for r in validation if g.after(issued, r)}, rid


@pytest.mark.parametrize("stack", EKS_STACKS, ids=lambda p: p.stem)
def test_the_eks_public_endpoint_is_never_open_to_the_world(stack: Path) -> None:
    g = graph(stack)
    assert _eks_regions(stack)  # EKS_STACKS holds only stacks with one
    for rid in _eks_regions(stack):
        vpc = g.one(CLUSTER, rid).inputs["vpcConfig"]
        if vpc["endpointPublicAccess"]:
            assert vpc["publicAccessCidrs"], "an empty list means 0.0.0.0/0 to EKS"
        assert "0.0.0.0/0" not in vpc.get("publicAccessCidrs", [])


@pytest.mark.parametrize("stack", EKS_STACKS, ids=lambda p: p.stem)
def test_route53_answers_for_an_alb_with_alias_a_records(stack: Path) -> None:
    g = graph(stack)
    behind_route53 = 0
    for rid, (dep, _) in _eks_regions(stack).items():
        if dep.dns.provider.value != "route53":
            continue
        behind_route53 += 1
        regional = [r for r in of_type(g.regs, RECORD) if r.name.endswith(f"-{rid}-address")]
        (record_,) = regional
        assert record_.inputs["type"] == "A"
        (alias,) = record_.inputs["aliases"]
        assert alias["zoneId"].startswith("Z") and "ttl" not in record_.inputs
        assert alias["evaluateTargetHealth"] is True
    # every example stack with EKS puts it behind Route 53 (Cloud DNS cannot check a name)
    assert behind_route53


# --- opting out --------------------------------------------------------------------------------


def _platform(cluster: str) -> list[Registration]:
    dep = deployment([us_east(cluster)])
    return run(lambda: EksPlatform("acme-id-us-east", PlatformArgs(dep, dep.regions[0])))


def test_each_addon_is_skipped_when_the_cluster_already_has_it() -> None:
    off = (
        "{apiAllowedCidrs: [203.0.113.0/24], gatewayClass: team-alb, addons: {gatewayApiCrds: "
        "false, loadBalancerController: false, metricsServer: false, nodeAutoscaler: false, "
        "networkPolicy: false, certificates: false}}"
    )
    regs = _platform(off)
    for type_ in (CRD, RELEASE, ADDON, GATEWAY_CLASS, LB_CONFIG, CERTIFICATE, VALIDATION):
        assert not of_type(regs, type_), type_
    on = _platform("{apiAllowedCidrs: [203.0.113.0/24]}")
    for type_ in (CRD, RELEASE, ADDON, GATEWAY_CLASS, LB_CONFIG, CERTIFICATE, VALIDATION):
        assert of_type(on, type_), type_


def test_the_cluster_admins_get_access_entries_with_the_admin_policy() -> None:
    admins = [
        "arn:aws:iam::123456789012:role/ci-deploy",
        "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1",
    ]
    regs = _platform(f"{{apiAllowedCidrs: [203.0.113.0/24], adminPrincipals: {admins}}}")
    entries = of_type(regs, "aws:eks/accessEntry:AccessEntry")
    assert sorted(e.inputs["principalArn"] for e in entries) == sorted(admins)
    associations = of_type(regs, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert len(associations) == 2
    for a in associations:
        assert a.inputs["policyArn"].endswith(":cluster-access-policy/AmazonEKSClusterAdminPolicy")
        assert a.inputs["accessScope"] == {"type": "cluster"}
    # EKS already gives the creator an entry: regionkit does not make a second one
    (cluster,) = of_type(regs, CLUSTER)
    assert cluster.inputs["accessConfig"]["bootstrapClusterCreatorAdminPermissions"] is True


def test_the_autoscaler_runs_the_control_planes_minor_and_scales_only_its_groups() -> None:
    regs = _platform("{apiAllowedCidrs: [203.0.113.0/24], kubernetesVersion: '1.32'}")
    (release,) = [r for r in of_type(regs, RELEASE) if r.inputs["chart"] == "cluster-autoscaler"]
    assert release.inputs["values"]["image"]["tag"] == AUTOSCALER_IMAGES["1.32"] == "v1.32.7"
    assert release.inputs["values"]["autoDiscovery"]["clusterName"] == "acme-id-us-east"
    assert release.inputs["version"] == addon("eks", "cluster-autoscaler").version
    (policy,) = [
        p for p in of_type(regs, "aws:iam/rolePolicy:RolePolicy") if "autoscaler" in p.name
    ]
    scaling = json.loads(policy.inputs["policy"])["Statement"][1]
    assert scaling["Condition"] == {
        "Null": {"aws:ResourceTag/k8s.io/cluster-autoscaler/acme-id-us-east": "false"}
    }


# --- vendored files ----------------------------------------------------------------------------


def test_the_vendored_gateway_api_bundle_is_the_pinned_standard_channel() -> None:
    objects = gateway_api_objects()
    crds = [o for o in objects if o["kind"] == "CustomResourceDefinition"]
    assert len(crds) == 10
    version = addon("all", "gateway-api-crds").version
    for crd in crds:
        annotations = crd["metadata"]["annotations"]
        assert annotations["gateway.networking.k8s.io/bundle-version"] == version
        assert annotations["gateway.networking.k8s.io/channel"] == "standard"
    # the kinds the load balancer controller needs for ALB Gateways
    kinds = {c["spec"]["names"]["kind"] for c in crds}
    assert {"Gateway", "GatewayClass", "HTTPRoute", "GRPCRoute"} <= kinds


@pytest.mark.parametrize("partition", LBC_POLICY_PARTITIONS)
def test_the_controller_policy_of_each_partition_names_only_that_partition(
    partition: str,
) -> None:
    policy = json.loads(aws_addons.lbc_iam_policy(partition))
    arns = {a.split(":")[1] for a in json.dumps(policy).split('"') if a.startswith("arn:")}
    assert arns == {partition}
    actions = {a for s in policy["Statement"] for a in _list(s.get("Action"))}
    # certificate discovery and the ALB itself
    assert {"acm:DescribeCertificate", "elasticloadbalancing:CreateLoadBalancer"} <= actions


def _list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value] if value else []


def test_the_vendored_files_are_listed_with_their_source() -> None:
    from importlib import resources

    folder = resources.files("regionkit.catalog") / "data"
    readme = (folder / "README.md").read_text()
    listed = 0
    for entry in folder.iterdir():
        if entry.name != "README.md" and not entry.name.startswith("postgres-"):
            assert f"`{entry.name}`" in readme, entry.name
            listed += 1
    assert listed, "no vendored file was checked"


# --- checks ------------------------------------------------------------------------------------


def _findings(region_cluster: str, dns: str | None = None) -> dict[str, list[str]]:
    text = (
        "apiVersion: regionkit/v1\nname: acme-id\ntopology: single-region\n"
        f"dns: {dns or '{provider: route53, zone: example.com, hostname: login.example.com}'}\n"
        "identityServer: {image: 'curity.azurecr.io/curity/idsvr:11.2'}\n"
        f"regions:\n  - {us_east(region_cluster)}\n"
    )
    out: dict[str, list[str]] = {}
    for f in _eks_findings(text):
        out.setdefault(f.rule, []).append(f"{f.path}: {f.message}")
    return out


def _eks_findings(text: str) -> list[Finding]:
    # every registered check: the EKS rules and the API access rule EKS shares with GKE
    return check_spec(load_stack_text(text).spec)


def test_a_created_eks_cluster_needs_api_ranges_and_never_the_whole_internet() -> None:
    missing = _findings("{}")["cluster.api-access"]
    assert missing and missing[0].startswith("regions[0].cluster.apiAllowedCidrs:")
    assert "203.0.113.0/24" in missing[0]
    world = _findings("{apiAllowedCidrs: [203.0.113.0/24, 0.0.0.0/0]}")["cluster.api-access"]
    assert world[0].startswith("regions[0].cluster.apiAllowedCidrs[1]:")
    assert "cluster.api-access" not in _findings("{apiAllowedCidrs: [203.0.113.0/24]}")


def test_admin_principals_are_role_or_user_arns_listed_once() -> None:
    session = "arn:aws:sts::123456789012:assumed-role/ci-deploy/run-42"
    role = "arn:aws:iam::123456789012:role/ci-deploy"
    found = _findings(
        f"{{apiAllowedCidrs: [203.0.113.0/24], adminPrincipals: [{session}, {role}, {role}, ci]}}"
    )["eks.admin-principal"]
    assert len(found) == 3
    assert found[0].startswith("regions[0].cluster.adminPrincipals[0]:")
    assert f"role/{'ci-deploy'}" in found[0]
    assert "listed twice" in found[1] and "not an IAM role" in found[2]


def test_a_kubernetes_version_outside_the_pinned_addons_is_refused() -> None:
    found = _findings("{apiAllowedCidrs: [203.0.113.0/24], kubernetesVersion: '1.35'}")
    # Cluster Autoscaler is pinned for 1.35, the VPC CNI version only up to 1.33
    (message,) = found["eks.kubernetes-version"]
    assert "VPC CNI" in message and "networkPolicy: false" in message
    off = "{apiAllowedCidrs: [203.0.113.0/24], kubernetesVersion: '1.35', addons: {networkPolicy: false}}"
    assert "eks.kubernetes-version" not in _findings(off)


def test_the_certificate_is_validated_in_the_route53_zone() -> None:
    eu = "{id: eu-ie, cloud: aws, location: eu-west-1, jurisdiction: EU, cluster: " + API + "}"
    text = (
        "apiVersion: regionkit/v1\nname: acme-id\ntopology: sub-clusters\n"
        "identityServer: {image: 'curity.azurecr.io/curity/idsvr:11.2'}\n"
        "dns: {provider: route53, zone: example.com, globalHostname: login.example.com}\n"
        "subClusters:\n"
        "  - {id: eu, jurisdiction: EU, topology: single-region,\n"
        f"     dns: {{zone: example.eu, hostname: login.example.eu}}, regions: [{eu}]}}\n"
        "  - {id: us, jurisdiction: US, topology: single-region,\n"
        f"     dns: {{hostname: login.us.example.com}}, regions: [{us_east(API)}]}}\n"
    )
    found = [f for f in _eks_findings(text) if f.rule == "eks.certificate-dns"]
    # the eu partition's zone holds its own names, not the global one
    (only,) = found
    assert only.path == "dns.globalHostname"
    assert "login.example.com is not in the DNS zone example.eu" in only.message
    cloud_dns = "{provider: cloud-dns, zone: example.com, hostname: login.example.com}"
    found_ = _findings("{apiAllowedCidrs: [203.0.113.0/24]}", cloud_dns)["eks.certificate-dns"]
    assert found_[0].startswith("dns.provider:")
    off = "{apiAllowedCidrs: [203.0.113.0/24], addons: {certificates: false}}"
    assert "eks.certificate-dns" not in _findings(off, cloud_dns)


def test_example_stacks_with_eks_exist() -> None:
    # the parametrised tests above would pass vacuously without any
    assert {p.stem for p in EKS_STACKS} >= {"aws-ap", "aws-global", "mixed-ap", "sovereign"}
