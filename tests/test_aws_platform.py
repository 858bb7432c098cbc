"""The EKS platform under Pulumi mocks: VPC, cluster, node group, IRSA, providers."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from regionkit.components.facts import AwsFacts
from regionkit.components.platform.aws import (
    DEFAULT_INSTANCE_TYPE,
    DEFAULT_KUBERNETES_VERSION,
    GATEWAY_CLASS,
    AwsRegion,
    EksPlatform,
    aws_region,
    irsa_trust_policy,
    kubeconfig,
    subnet_cidrs,
    workload_service_account,
)
from regionkit.components.protocols import PlatformArgs
from tests.aws_fixtures import (
    deployment,
    minimal_platforms,
    of_type,
    one,
    region_of,
    run,
    sink,
    sunk,
)

US_EAST = "{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US}"
EU_WEST = "{id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU}"


def build(dep: Any, index: int = 0, captured: dict[str, Any] | None = None) -> Any:
    def program() -> None:
        region = dep.regions[index]
        component = EksPlatform(f"acme-id-{region.id}", PlatformArgs(dep, region))
        if captured is not None:
            captured["platform"] = component.platform
            facts = component.platform.facts
            assert isinstance(facts, AwsFacts)
            for key, value in vars(facts).items():
                sink(f"network-{key}", list(value) if isinstance(value, tuple) else value)

    return run(program)


def test_vpc_spans_three_zones_with_private_and_public_subnets() -> None:
    regs = build(deployment([US_EAST, EU_WEST]))
    (vpc,) = of_type(regs, "aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == "10.100.0.0/16"
    subnets = of_type(regs, "aws:ec2/subnet:Subnet")
    private = [s for s in subnets if "kubernetes.io/role/internal-elb" in s.inputs["tags"]]
    public = [s for s in subnets if "kubernetes.io/role/elb" in s.inputs["tags"]]
    assert len(private) == len(public) == 3
    # zones from the availability-zones invoke, one subnet of each kind per zone
    assert sorted(s.inputs["availabilityZone"] for s in private) == [
        "us-east-1a",
        "us-east-1b",
        "us-east-1c",
    ]
    assert sorted(s.inputs["availabilityZone"] for s in public) == [
        "us-east-1a",
        "us-east-1b",
        "us-east-1c",
    ]
    assert all(
        s.inputs["tags"]["kubernetes.io/cluster/acme-id-us-east"] == "shared" for s in subnets
    )
    assert len(of_type(regs, "aws:ec2/natGateway:NatGateway")) == 3
    assert len(of_type(regs, "aws:ec2/internetGateway:InternetGateway")) == 1
    tables = of_type(regs, "aws:ec2/routeTable:RouteTable")
    nat_routes = [t for t in tables if "natGatewayId" in t.inputs["routes"][0]]
    igw_routes = [t for t in tables if "gatewayId" in t.inputs["routes"][0]]
    assert (len(nat_routes), len(igw_routes)) == (3, 1)
    assert len(of_type(regs, "aws:ec2/routeTableAssociation:RouteTableAssociation")) == 6


def test_second_region_gets_a_distinct_vpc_range() -> None:
    regs = build(deployment([US_EAST, EU_WEST]), index=1)
    (vpc,) = of_type(regs, "aws:ec2/vpc:Vpc")
    assert vpc.inputs["cidrBlock"] == "10.101.0.0/16"


def test_subnet_ranges_do_not_overlap() -> None:
    import ipaddress

    private, public = subnet_cidrs("10.100.0.0/16")
    networks = [ipaddress.ip_network(c) for c in private + public]
    assert all(not a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1 :])


def test_provider_is_pinned_to_the_region_and_named_after_it() -> None:
    regs = build(deployment([US_EAST]))
    provider = one(regs, "pulumi:providers:aws", "acme-id-us-east")
    assert provider.inputs["region"] == "us-east-1"
    vpc = of_type(regs, "aws:ec2/vpc:Vpc")[0]
    assert vpc.provider is not None and vpc.provider.startswith(provider.urn)


def test_cluster_defaults_encryption_logs_and_endpoint_access() -> None:
    region = (
        "{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US, "
        "cluster: {apiAllowedCidrs: [10.0.0.0/8, 52.1.0.0/16]}}"
    )
    regs = build(deployment([region]))
    (cluster,) = of_type(regs, "aws:eks/cluster:Cluster")
    inputs = cluster.inputs
    assert inputs["name"] == "acme-id-us-east"
    assert inputs["version"] == DEFAULT_KUBERNETES_VERSION
    assert set(inputs["enabledClusterLogTypes"]) == {
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    }
    assert inputs["encryptionConfig"]["resources"] == ["secrets"]
    key = one(regs, "aws:kms/key:Key", "acme-id-us-east-secrets")
    assert key.inputs["enableKeyRotation"] is True
    assert inputs["encryptionConfig"]["provider"]["keyArn"].startswith("arn:aws:kms:")
    vpc_config = inputs["vpcConfig"]
    assert vpc_config["endpointPrivateAccess"] is True
    # only the public ranges of apiAllowedCidrs reach the public endpoint; the private ones
    # reach the private endpoint through the cluster security group
    assert vpc_config["endpointPublicAccess"] is True
    assert vpc_config["publicAccessCidrs"] == ["52.1.0.0/16"]
    (rule,) = of_type(regs, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert (rule.inputs["cidrIpv4"], rule.inputs["fromPort"]) == ("10.0.0.0/8", 443)
    assert len(vpc_config["subnetIds"]) == 3
    assert inputs["accessConfig"]["authenticationMode"] == "API"


def test_cluster_version_and_instance_type_come_from_the_region() -> None:
    region = "{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US, cluster: {kubernetesVersion: '1.32', instanceType: c7i.xlarge}}"
    regs = build(deployment([region]))
    assert of_type(regs, "aws:eks/cluster:Cluster")[0].inputs["version"] == "1.32"
    assert of_type(regs, "aws:eks/nodeGroup:NodeGroup")[0].inputs["instanceTypes"] == ["c7i.xlarge"]


def test_node_group_is_sized_from_the_runtime_nodes_the_admin_and_a_surge_pod() -> None:
    extra = "identityServer: {runtime: {minNodes: 3, maxNodes: 6}}\n"
    regs = build(deployment([US_EAST], extra=extra))
    (group,) = of_type(regs, "aws:eks/nodeGroup:NodeGroup")
    # max: 6 runtime nodes, the admin node and the rolling update's surge pod
    assert group.inputs["scalingConfig"] == {"minSize": 4, "maxSize": 8, "desiredSize": 4}
    assert group.inputs["instanceTypes"] == [DEFAULT_INSTANCE_TYPE]
    assert group.inputs["nodeRepairConfig"] == {"enabled": True}
    assert len(group.inputs["subnetIds"]) == 3


def test_iam_roles_get_the_managed_eks_policies() -> None:
    regs = build(deployment([US_EAST]))
    arns = [
        a.inputs["policyArn"]
        for a in of_type(regs, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.inputs["policyArn"].startswith("arn:aws:iam::aws:")
    ]
    assert sorted(arns) == sorted(
        f"arn:aws:iam::aws:policy/{name}"
        for name in (
            "AmazonEC2ContainerRegistryReadOnly",
            "AmazonEKSClusterPolicy",
            "AmazonEKS_CNI_Policy",
            "AmazonEKSWorkerNodePolicy",
        )
    )
    cluster_role = one(regs, "aws:iam/role:Role", "acme-id-us-east-cluster")
    assert json.loads(cluster_role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "eks.amazonaws.com"
    }


def test_china_regions_use_their_partition_in_policy_arns() -> None:
    regs = build(deployment(["{id: cn-north, cloud: aws, location: cn-north-1, jurisdiction: CN}"]))
    arns = [
        a.inputs["policyArn"]
        for a in of_type(regs, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if ":iam::aws:policy/" in a.inputs["policyArn"]
    ]
    assert arns and all(a.startswith("arn:aws-cn:iam::aws:policy/") for a in arns)
    # the load balancer controller's vendored policy of the partition
    (policy,) = of_type(regs, "aws:iam/policy:Policy")
    assert "arn:aws-cn:elasticloadbalancing:" in policy.inputs["policy"]
    assert "arn:aws:" not in policy.inputs["policy"]


def test_oidc_provider_and_kubernetes_provider() -> None:
    regs = build(deployment([US_EAST]))
    (oidc,) = of_type(regs, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert oidc.inputs["url"].startswith("https://oidc.eks.")
    (provider,) = of_type(regs, "pulumi:providers:kubernetes")
    assert provider.name == "acme-id-us-east"
    config = json.loads(provider.inputs["kubeconfig"])
    exec_ = config["users"][0]["user"]["exec"]
    assert exec_["command"] == "aws"
    assert exec_["args"] == [
        "eks",
        "get-token",
        "--cluster-name",
        "acme-id-us-east",
        "--region",
        "us-east-1",
    ]
    assert config["clusters"][0]["cluster"]["server"].startswith("https://")


def test_platform_exposes_hostname_gateways_network_and_irsa_facts() -> None:
    captured: dict[str, Any] = {}
    regs = build(deployment([US_EAST]), captured=captured)
    platform = captured["platform"]
    assert platform.gateway_address_kind == "hostname"
    assert platform.gateway_class == GATEWAY_CLASS
    # AWS load balancers reach the pods from inside the VPC
    assert platform.gateway_source_cidrs == ("10.100.0.0/16",)
    assert platform.region.id == "us-east"
    assert sunk(regs, "network-vpc_id") == "acme-id-us-east-vpc-id"
    assert sunk(regs, "network-vpc_cidr") == "10.100.0.0/16"
    assert sunk(regs, "network-private_subnet_ids") == [
        f"acme-id-us-east-private-{z}-id" for z in "abc"
    ]
    assert sunk(regs, "network-oidc_provider_arn").startswith(
        "arn:aws:iam::123456789012:oidc-provider/oidc.eks."
    )
    url = sunk(regs, "network-oidc_provider_url")
    assert url.startswith("oidc.eks.") and not url.startswith("https://")
    # the workload waits for the nodes, the load balancer controller, metrics-server and the
    # GatewayClass with its two configurations
    assert [type(r).__name__ for r in platform.depends_on] == [
        "NodeGroup",
        "Release",
        "Release",
        "CustomResource",
        "CustomResource",
        "CustomResource",
    ]


def test_every_resource_belongs_to_the_region() -> None:
    regs = build(deployment([US_EAST]))
    (component,) = of_type(regs, "regionkit:platform:EksPlatform")
    assert component.inputs == {"region": "us-east"}
    children = [r for r in regs if r is not component and r.type != "test:index:Sink"]
    assert children and all(region_of(regs, r) == "us-east" for r in children)


def test_two_plans_are_identical() -> None:
    dep = deployment([US_EAST])
    first = [(r.type, r.name, r.inputs) for r in build(dep)]
    second = [(r.type, r.name, r.inputs) for r in build(dep)]
    assert sorted(first, key=repr) == sorted(second, key=repr)


def test_rejects_regions_that_do_not_create_an_eks_cluster() -> None:
    dep = deployment(["{id: eu, cloud: gcp, location: europe-west1, jurisdiction: EU}"])
    with pytest.raises(ValueError, match="cloud 'aws'"):
        run(lambda: EksPlatform("acme-id-eu", PlatformArgs(dep, dep.regions[0])))


def test_without_public_api_ranges_the_public_endpoint_is_off_never_open() -> None:
    region = (
        "{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US, "
        "cluster: {apiAllowedCidrs: [10.0.0.0/8]}}"
    )
    (cluster,) = of_type(build(deployment([region])), "aws:eks/cluster:Cluster")
    vpc_config = cluster.inputs["vpcConfig"]
    assert vpc_config["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in vpc_config


def test_kubeconfig_uses_exec_authentication() -> None:
    config = json.loads(kubeconfig("c1", "https://x", "Q0E=", "eu-west-1"))
    assert config["current-context"] == "c1"
    assert config["clusters"][0]["cluster"]["certificate-authority-data"] == "Q0E="
    assert "token" not in json.dumps(config["users"][0]["user"]).replace("get-token", "")


def test_irsa_trust_policy_names_one_service_account() -> None:
    def program() -> None:
        sink(
            "trust",
            irsa_trust_policy(
                "arn:aws:iam::1:oidc-provider/oidc.x/id/A", "oidc.x/id/A", "acme-id", "idsvr"
            ),
        )

    policy = json.loads(sunk(run(program), "trust"))
    statement = policy["Statement"][0]
    assert statement["Principal"] == {"Federated": "arn:aws:iam::1:oidc-provider/oidc.x/id/A"}
    assert statement["Condition"]["StringEquals"] == {
        "oidc.x/id/A:sub": "system:serviceaccount:acme-id:idsvr",
        "oidc.x/id/A:aud": "sts.amazonaws.com",
    }
    assert workload_service_account(deployment([US_EAST])) == ("acme-id", "idsvr")


def test_aws_region_rejects_platforms_off_aws() -> None:
    dep = deployment([US_EAST, "{id: eu, cloud: gcp, location: europe-west1, jurisdiction: EU}"])
    found: dict[str, Any] = {}

    def program() -> None:
        platforms = minimal_platforms(dep)
        found["aws"] = aws_region(platforms["us-east"], "dynamodb")
        # validate refuses it first (engine.cloud, breaks-engine-cloud.yaml)
        with pytest.raises(
            ValueError, match=r"AWS only; region 'eu' is cloud 'gcp'.*engine\.cloud"
        ):
            aws_region(platforms["eu"], "dynamodb")
        pulumi.export("ok", True)

    run(program)
    assert found["aws"].location == "us-east-1"
    assert found["aws"].created("aurora-postgresql").vpc_cidr == "10.100.0.0/16"
    existing = AwsRegion(found["aws"].region, found["aws"].provider, None)
    # validate refuses it first (breaks-engine-existing-cluster.yaml)
    with pytest.raises(ValueError, match=r"VPC and IRSA trust.*engine\.existing-cluster"):
        existing.created("aurora-postgresql")


def test_one_workload_role_per_region_trusts_the_nodes_service_account() -> None:
    regs = build(deployment([US_EAST]), captured={})
    role = one(regs, "aws:iam/role:Role", "acme-id-us-east-workload-role")
    assert region_of(regs, role) == "us-east"
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"]["Federated"].startswith("arn:aws:iam::123456789012:oidc-provider/")
    (subject,) = [v for k, v in trust["Condition"]["StringEquals"].items() if k.endswith(":sub")]
    assert subject == "system:serviceaccount:acme-id:idsvr"
    # every AWS data store of the region attaches its access to this one role
    assert sunk(regs, "network-workload_role_name") == "acme-id-us-east-workload-role"
    assert sunk(regs, "network-workload_role_arn") == (
        "arn:aws:iam::123456789012:role/acme-id-us-east-workload-role"
    )
