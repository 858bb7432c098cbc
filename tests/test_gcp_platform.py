"""The GKE platform under Pulumi mocks: network, cluster, node pool, providers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

import regionkit.plan.mocks_gcp  # noqa: F401  (registers the GCP mock outputs)
from regionkit.components.facts import GcpFacts
from regionkit.components.platform.gcp import (
    GATEWAY_CLASS,
    GOOGLE_FRONT_END_CIDRS,
    PRIVATE_SERVICE_CIDR,
    GkePlatform,
    kubeconfig,
    network_once,
    service_account_id,
    shared_network,
    subnet_plan,
)
from regionkit.components.protocols import PlatformArgs, RegionPlatform
from regionkit.components.settings import StackSettings
from regionkit.plan import mock_outputs
from regionkit.plan.mocks_gcp import PROJECT
from regionkit.plan.recorder import Registration, record
from regionkit.spec import load_stack_text
from regionkit.spec.models import Deployment, RegionSpec
from tests.registrations import of_type, one, region_of


def run(program: Callable[[], Any]) -> list[Registration]:
    return record(program, project="regionkit-test", stack="test")


def deployment(regions: list[str], runtime: str = "") -> Deployment:
    text = (
        "apiVersion: regionkit/v1\nname: acme-id\ntopology: global-cluster\n"
        "dns: {provider: cloud-dns, zone: example.com, hostname: login.example.com}\n"
        + (f"identityServer: {{runtime: {runtime}}}\n" if runtime else "")
        + "regions:\n"
        + "".join(f"  - {r}\n" for r in regions)
    )
    return load_stack_text(text).spec.deployments()[0]


TWO_GCP = [
    "{id: us-east, cloud: gcp, location: us-east4, jurisdiction: US}",
    "{id: eu-west, cloud: gcp, location: europe-west1, jurisdiction: EU}",
]


def build_two(
    d: Deployment, seen: dict[str, RegionPlatform], settings: StackSettings | None = None
) -> Callable[[], None]:
    def program() -> None:
        settings_ = settings or StackSettings()
        parent = pulumi.ComponentResource("test:index:Topology", "acme-id")
        network = network_once(
            "acme-id-network", d, settings_, pulumi.ResourceOptions(parent=parent)
        )
        for region in d.regions:
            component = GkePlatform(
                f"acme-id-{region.id}",
                PlatformArgs(d, region, settings_, gcp_network=network),
                pulumi.ResourceOptions(parent=parent),
            )
            seen[region.id] = component.platform

    return program


def test_regions_share_one_network_with_private_service_access() -> None:
    d = deployment(TWO_GCP)
    regs = run(build_two(d, {}))

    (network,) = of_type(regs, "gcp:compute/network:Network")
    assert network.inputs["autoCreateSubnetworks"] is False
    (address,) = of_type(regs, "gcp:compute/globalAddress:GlobalAddress")
    assert address.inputs["purpose"] == "VPC_PEERING"
    assert (
        f"{address.inputs['address']}/{int(address.inputs['prefixLength'])}" == PRIVATE_SERVICE_CIDR
    )
    (peering,) = of_type(regs, "gcp:servicenetworking/connection:Connection")
    assert peering.inputs["service"] == "servicenetworking.googleapis.com"

    subnets = of_type(regs, "gcp:compute/subnetwork:Subnetwork")
    assert len(subnets) == 2
    assert {s.inputs["network"] for s in subnets} == {f"{network.name}-id"}
    assert len({s.inputs["ipCidrRange"] for s in subnets}) == 2
    for subnet in subnets:
        ranges = {r["rangeName"] for r in subnet.inputs["secondaryIpRanges"]}
        assert ranges == {"pods", "services"}
        assert subnet.inputs["privateIpGoogleAccess"] is True
    assert {s.inputs["region"] for s in subnets} == {"us-east4", "europe-west1"}


def test_each_region_gets_router_and_nat_for_private_nodes() -> None:
    regs = run(build_two(deployment(TWO_GCP), {}))
    routers = of_type(regs, "gcp:compute/router:Router")
    nats = of_type(regs, "gcp:compute/routerNat:RouterNat")
    assert {r.inputs["region"] for r in routers} == {"us-east4", "europe-west1"}
    assert len(nats) == 2
    router_names = {f"{r.name}-{mock_outputs.digest(r.name, 7)}" for r in routers}
    assert {n.inputs["router"] for n in nats} == router_names


def test_cluster_is_regional_private_with_workload_identity_and_gateway_api() -> None:
    regs = run(build_two(deployment(TWO_GCP), {}))
    cluster = one(regs, "gcp:container/cluster:Cluster", "acme-id-us-east-cluster")
    inputs = cluster.inputs
    assert inputs["location"] == "us-east4"
    assert inputs["removeDefaultNodePool"] is True
    assert inputs["privateClusterConfig"]["enablePrivateNodes"] is True
    assert inputs["workloadIdentityConfig"]["workloadPool"] == f"{PROJECT}.svc.id.goog"
    assert inputs["gatewayApiConfig"]["channel"] == "CHANNEL_STANDARD"
    assert inputs["releaseChannel"]["channel"] == "REGULAR"
    assert inputs["deletionProtection"] is True
    assert inputs["datapathProvider"] == "ADVANCED_DATAPATH"
    assert inputs["ipAllocationPolicy"] == {
        "clusterSecondaryRangeName": "pods",
        "servicesSecondaryRangeName": "services",
    }
    masters = {
        c.inputs["privateClusterConfig"]["masterIpv4CidrBlock"] for c in of_type(regs, cluster.type)
    }
    assert len(masters) == 2


def test_node_pool_autoscales_from_the_runtime_nodes_plus_the_admin_node() -> None:
    d = deployment(TWO_GCP, runtime="{minNodes: 3, maxNodes: 6}")
    regs = run(build_two(d, {}))
    pools = of_type(regs, "gcp:container/nodePool:NodePool")
    assert len(pools) == 2
    pool = one(regs, "gcp:container/nodePool:NodePool", "acme-id-us-east-nodes")
    assert pool.inputs["autoscaling"]["totalMinNodeCount"] == 4
    assert pool.inputs["autoscaling"]["totalMaxNodeCount"] == 7
    assert pool.inputs["management"] == {"autoRepair": True, "autoUpgrade": True}
    assert pool.inputs["location"] == "us-east4"
    assert pool.inputs["nodeConfig"]["workloadMetadataConfig"]["mode"] == "GKE_METADATA"
    account = one(regs, "gcp:serviceaccount/account:Account", "acme-id-us-east-nodes")
    assert pool.inputs["nodeConfig"]["serviceAccount"].startswith(account.inputs["accountId"] + "@")


def test_providers_are_named_after_the_region_and_pinned_to_it() -> None:
    regs = run(build_two(deployment(TWO_GCP), {}))
    gcp_provider = one(regs, "pulumi:providers:gcp", "acme-id-us-east")
    assert gcp_provider.inputs["region"] == "us-east4"
    k8s_provider = one(regs, "pulumi:providers:kubernetes", "acme-id-us-east")
    config = json.loads(k8s_provider.inputs["kubeconfig"])
    assert config["clusters"][0]["cluster"]["server"].startswith("https://203.0.113.")
    assert config["users"][0]["user"]["exec"]["command"] == "gke-gcloud-auth-plugin"
    # the cluster's children use the region's provider
    cluster = one(regs, "gcp:container/cluster:Cluster", "acme-id-us-east-cluster")
    assert cluster.provider is not None and "::acme-id-us-east::" in cluster.provider


def test_project_comes_from_the_stack_settings_when_set() -> None:
    regs = run(build_two(deployment(TWO_GCP), {}, StackSettings(gcp_project="acme-prod")))
    assert one(regs, "pulumi:providers:gcp", "acme-id-us-east").inputs["project"] == "acme-prod"
    cluster = one(regs, "gcp:container/cluster:Cluster", "acme-id-us-east-cluster")
    assert cluster.inputs["workloadIdentityConfig"]["workloadPool"] == "acme-prod.svc.id.goog"


def test_platform_exposes_network_facts_gateway_and_providers() -> None:
    d = deployment(TWO_GCP)
    seen: dict[str, RegionPlatform] = {}
    values: dict[str, Any] = {}

    def program() -> Any:
        build_two(d, seen)()
        facts = seen["eu-west"].facts
        assert isinstance(facts, GcpFacts)
        return pulumi.Output.all(**vars(facts)).apply(values.update)

    run(program)
    platform = seen["eu-west"]
    assert platform.gateway_address_kind == "ip"
    assert platform.gateway_class == GATEWAY_CLASS
    assert platform.gateway_source_cidrs == GOOGLE_FRONT_END_CIDRS
    assert platform.region.id == "eu-west"
    assert values["subnet_cidr"] == subnet_plan(d, d.regions[1]).nodes
    assert values["private_service_cidr"] == PRIVATE_SERVICE_CIDR
    assert values["network_id"] == "acme-id-network-vpc-id"
    assert values["private_service_connection"] == "acme-id-network-private-services-id"
    assert values["project"] == PROJECT
    assert values["workload_pool"] == f"{PROJECT}.svc.id.goog"
    assert len(platform.depends_on) == 1


def test_every_regional_resource_belongs_to_its_region() -> None:
    regs = run(build_two(deployment(TWO_GCP), {}))
    regional = [
        r
        for r in regs
        if r.type.startswith(("gcp:container", "gcp:compute/router", "gcp:compute/sub"))
    ]
    assert len(regional) == 10  # subnet, router, NAT, cluster, node pool per region
    for reg in regional:
        assert region_of(regs, reg) == ("us-east" if "-us-east-" in reg.name else "eu-west")
    # the shared network is global
    (network,) = of_type(regs, "gcp:compute/network:Network")
    assert region_of(regs, network) is None


def test_a_platform_without_a_shared_network_creates_its_own() -> None:
    d = deployment(TWO_GCP[:1])

    def program() -> None:
        GkePlatform("acme-id-us-east", PlatformArgs(d, d.regions[0]))

    regs = run(program)
    (network,) = of_type(regs, "gcp:compute/network:Network")
    assert region_of(regs, network) == "us-east"
    assert len(of_type(regs, "gcp:servicenetworking/connection:Connection")) == 1
    # the network enables the Google APIs with a provider of its own; the region's provider
    # waits for them, so it cannot be the one that enables them
    network_provider, region_provider = of_type(regs, "pulumi:providers:gcp")
    assert network.provider is not None and network.provider.startswith(network_provider.urn)
    services = {r.urn for r in of_type(regs, "gcp:projects/service:Service")}
    assert services and services <= set(region_provider.dependencies)


def test_rejects_regions_it_cannot_create_a_cluster_for() -> None:
    d = deployment(
        [
            "{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US}",
            "{id: eu-west, cloud: gcp, location: europe-west1, jurisdiction: EU, "
            "cluster: {kubeconfigContext: prod-eu, gatewayClass: eg}}",
        ]
    )
    for region in d.regions:

        def program(region: RegionSpec = region) -> None:
            GkePlatform("x", PlatformArgs(d, region))

        with pytest.raises(ValueError, match=region.id):
            run(program)


def test_shared_network_only_for_gcp_cluster_regions() -> None:
    d = deployment(["{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US}"])
    assert shared_network("n", d) is None


def test_subnet_plans_do_not_overlap_and_stop_before_the_private_service_range() -> None:
    import ipaddress

    regions = [f"{{id: r{i}, cloud: gcp, location: us-east4, jurisdiction: US}}" for i in range(16)]
    d = deployment(regions)
    plans = [subnet_plan(d, r) for r in d.regions[:15]]
    blocks = [ipaddress.ip_network(c) for p in plans for c in (p.nodes, p.services, p.pods)]
    blocks.append(ipaddress.ip_network(PRIVATE_SERVICE_CIDR))
    for i, a in enumerate(blocks):
        for b in blocks[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    with pytest.raises(ValueError, match="at most 15"):
        subnet_plan(d, d.regions[15])


def test_helpers() -> None:
    config = json.loads(kubeconfig("c", "198.51.100.1", "Q0E="))
    assert config["current-context"] == "c"
    assert config["clusters"][0]["cluster"]["certificate-authority-data"] == "Q0E="
    long_id = service_account_id("acme-identity-production-europe-west-nodes")
    assert 6 <= len(long_id) <= 30 and long_id[0].isalpha() and long_id[-1].isalnum()
    assert service_account_id("acme-identity-production-europe-west-nodes") == long_id
    assert service_account_id("ab") == "ab0000"


def test_the_regions_of_a_deployment_share_its_network() -> None:
    d = deployment(TWO_GCP)
    other = deployment(["{id: ap, cloud: gcp, location: asia-southeast1, jurisdiction: SG}"])
    other = other.model_copy(update={"sub_cluster": "ap"})

    def program() -> None:
        topology = pulumi.ComponentResource("test:index:Topology", "acme-id", None, None)
        child = pulumi.ResourceOptions(parent=topology)
        network = network_once("acme-id-network", d, StackSettings(), child)
        for region in d.regions:
            GkePlatform(f"acme-id-{region.id}", PlatformArgs(d, region, gcp_network=network), child)
        # another deployment (a sub-cluster) under the same parent gets its own network
        own = network_once("acme-id-ap-network", other, StackSettings(), child)
        GkePlatform("acme-id-ap-ap", PlatformArgs(other, other.regions[0], gcp_network=own), child)

    regs = run(program)
    networks = of_type(regs, "regionkit:platform:GcpNetwork")
    assert sorted(n.name for n in networks) == ["acme-id-ap-network", "acme-id-network"]
    by_urn = {r.urn: r for r in regs}
    assert {by_urn[n.parent or ""].type for n in networks} == {"test:index:Topology"}
    subnets = of_type(regs, "gcp:compute/subnetwork:Subnetwork")
    assert sorted(s.inputs["network"] for s in subnets) == [
        "acme-id-ap-network-vpc-id",
        "acme-id-network-vpc-id",
        "acme-id-network-vpc-id",
    ]
