"""The AWS platform of a region: VPC over three zones, an EKS cluster and its managed node group.

For `cloud: aws` regions without `cluster.kubeconfigContext`. The region gets its own
`aws.Provider` and `kubernetes.Provider`, both named after the region, and the IAM OIDC provider
that IRSA roles of the data stores trust.
"""

from __future__ import annotations

import functools
import ipaddress
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from regionkit.catalog import posture
from regionkit.catalog.eks import DEFAULT_KUBERNETES_VERSION
from regionkit.components.facts import AwsFacts, IrsaRole, LoadBalancerCertificates
from regionkit.components.platform import aws_addons
from regionkit.components.platform.addons import install_addons
from regionkit.components.platform.aws_access import ApiNetworks, admin_access, private_api_rules
from regionkit.components.platform.aws_certificates import AcmValidation, validation_once
from regionkit.components.protocols import PlatformArgs, RegionPlatform
from regionkit.errors import skipped_check
from regionkit.model import type_token, workload_service_account
from regionkit.spec.models import Cloud, Deployment, RegionSpec

TOKEN = type_token("platform", "EksPlatform")

#: 2 vCPU / 8 GiB: one runtime node (1 CPU request by default) per instance with headroom
DEFAULT_INSTANCE_TYPE = "m6i.large"
#: the GatewayClass of the AWS Load Balancer Controller's Gateway API support (ALB for HTTPRoute)
GATEWAY_CLASS = aws_addons.GATEWAY_CLASS
ZONES = 3
CONTROL_PLANE_LOGS = ("api", "audit", "authenticator", "controllerManager", "scheduler")
#: nodes beyond the runtime nodes: the admin node, and the runtime Deployment's surge pod
#: (maxSurge 1, maxUnavailable 0), which stays Pending through every rolling update otherwise
EXTRA_NODES = 2


def vpc_cidr(deployment: Deployment, region: RegionSpec) -> str:
    """A /16 per region, distinct between the regions of a deployment so VPCs can be peered."""
    return f"10.{100 + deployment.region_index(region.id)}.0.0/16"


def subnet_cidrs(cidr: str) -> tuple[list[str], list[str]]:
    """Private /19s (nodes, databases) and public /22s (load balancers, NAT), one per zone."""
    network = ipaddress.IPv4Network(cidr)
    private = [str(s) for s in list(network.subnets(new_prefix=19))[:ZONES]]
    public_block = list(network.subnets(new_prefix=19))[ZONES]
    public = [str(s) for s in list(public_block.subnets(new_prefix=22))[:ZONES]]
    return private, public


def kubernetes_version(region: RegionSpec) -> str:
    """The control plane's minor version: the stack's, or regionkit's default."""
    return region.cluster.kubernetes_version or DEFAULT_KUBERNETES_VERSION


def partition(location: str) -> str:
    from regionkit.catalog.regions import lookup

    facts = lookup(Cloud.AWS, location)
    return (facts.partition if facts is not None else None) or "aws"


def kubeconfig(cluster_name: str, endpoint: str, ca_data: str, location: str) -> str:
    """A kubeconfig that authenticates with `aws eks get-token` (no credentials stored)."""
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", location],
        }
    }
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": cluster_name,
                    "cluster": {"server": endpoint, "certificate-authority-data": ca_data},
                }
            ],
            "users": [{"name": cluster_name, "user": user}],
            "contexts": [
                {"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}
            ],
            "current-context": cluster_name,
        }
    )


def irsa_trust_policy(
    oidc_provider_arn: pulumi.Input[str],
    oidc_provider_url: pulumi.Input[str],
    namespace: str,
    service_account: str,
) -> pulumi.Output[str]:
    """The trust policy of an IRSA role: only `namespace/service_account` of one cluster."""

    def policy(args: list[Any]) -> str:
        arn, url = args
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": arn},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {
                            "StringEquals": {
                                f"{url}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                                f"{url}:aud": "sts.amazonaws.com",
                            }
                        },
                    }
                ],
            }
        )

    return pulumi.Output.all(oidc_provider_arn, oidc_provider_url).apply(policy)


@dataclass(frozen=True)
class AwsRegion:
    """What an AWS data store needs from a region's platform."""

    region: RegionSpec
    provider: pulumi.ProviderResource
    #: None on a cluster regionkit did not create: its network and IRSA trust are unknown
    facts: AwsFacts | None

    @property
    def location(self) -> str:
        return self.region.location

    def created(self, engine: str) -> AwsFacts:
        """The facts of the EKS platform; an existing cluster has none (engine.existing-cluster)."""
        if self.facts is None:
            raise skipped_check(
                f"engine '{engine}' in region '{self.region.id}' needs the region's VPC and IRSA "
                "trust, which only a cluster regionkit creates (no cluster.kubeconfigContext) "
                "provides",
                "engine.existing-cluster",
            )
        return self.facts


def aws_region(platform: RegionPlatform, engine: str) -> AwsRegion:
    """The region's AWS provider and facts; a region off AWS is engine.cloud's finding."""
    region = platform.region
    if region.cloud is not Cloud.AWS or platform.cloud_provider is None:
        raise skipped_check(
            f"engine '{engine}' runs on AWS only; region '{region.id}' is cloud '{region.cloud}'",
            "engine.cloud",
        )
    facts = platform.facts if isinstance(platform.facts, AwsFacts) else None
    return AwsRegion(region, platform.cloud_provider, facts)


@dataclass(frozen=True)
class WorkloadAccess:
    """A data store's access, granted to the region's one workload role (IRSA)."""

    identity: IrsaRole
    policy: aws.iam.RolePolicy


def irsa_role(
    name: str,
    where: AwsRegion,
    engine: str,
    policy: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> WorkloadAccess:
    """Grant `policy` to the role the region's identity server nodes assume through IRSA."""
    facts = where.created(engine)
    access = aws.iam.RolePolicy(
        f"{name}-access", role=facts.workload_role_name, policy=policy, opts=opts
    )
    return WorkloadAccess(identity=IrsaRole(facts.workload_role_arn), policy=access)


def _oidc_issuer(identities: Sequence[Any] | None) -> str:
    # A created cluster always reports its issuer; only unit-test mocks that echo the inputs
    # back (Pulumi's plain mocks) leave it empty: the trust policy then names no issuer.
    oidcs = identities[0].oidcs if identities else None
    return str(oidcs[0].issuer or "") if oidcs else ""


def _zone_of(names: Sequence[str] | None, index: int, location: str) -> str:
    # The account's zones; none only from unit-test mocks that answer every invoke with
    # nothing: then the conventional names of the region's first zones stand in.
    zones = names or [f"{location}{letter}" for letter in "abc"]
    # regions with fewer zones than ZONES reuse zones rather than fail
    return zones[index % len(zones)]


def _assume_role(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": ["sts:AssumeRole", "sts:TagSession"],
                }
            ],
        }
    )


def _flow_logs_trust(account: str) -> str:
    # aws:SourceAccount keeps another account's flow logs from using the role (confused deputy)
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                }
            ],
        }
    )


def _flow_logs_policy(log_group_arn: str) -> str:
    # what the VPC Flow Logs documentation lists for CloudWatch Logs; writes to one group only
    # (regionkit creates the group, so the role needs no logs:CreateLogGroup)
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": [log_group_arn, f"{log_group_arn}:*"],
                },
                # listing calls take no single group as their resource
                {
                    "Effect": "Allow",
                    "Action": ["logs:DescribeLogGroups", "logs:DescribeLogStreams"],
                    "Resource": "*",
                },
            ],
        }
    )


class EksPlatform(pulumi.ComponentResource):
    """One region's VPC, EKS cluster, node group, IRSA OIDC provider and Kubernetes provider."""

    platform: RegionPlatform

    def __init__(self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None):
        region, deployment = args.region, args.deployment
        if region.cloud is not Cloud.AWS or not region.creates_cluster:
            raise ValueError(
                f"EksPlatform is for cloud 'aws' regions that create their cluster; region "
                f"'{region.id}' is cloud '{region.cloud}'"
                + ("" if region.creates_cluster else " with cluster.kubeconfigContext set")
            )
        super().__init__(TOKEN, name, {"region": region.id}, opts)
        # the lead names platforms "<deployment>-<region id>": do not repeat the region id
        prefix = name if name.endswith(f"-{region.id}") else f"{name}-{region.id}"
        self._prefix = prefix
        self._partition = partition(region.location)
        self.provider = self._aws_provider(deployment, region)
        self._child = pulumi.ResourceOptions(parent=self, provider=self.provider)
        cidr = vpc_cidr(deployment, region)
        cluster_name = prefix

        vpc, private_subnets, public_subnets = self._network(region, cidr, cluster_name)
        cluster = self._cluster(region, cluster_name, private_subnets)
        # before the nodes: no pod runs while NetworkPolicies go unenforced
        cni = aws_addons.vpc_cni(prefix, region, cluster, self._child)
        node_group = self._node_group(deployment, region, cluster, private_subnets, cni)
        oidc_url = self._irsa(deployment, cluster)

        self.k8s_provider = self._kubernetes_provider(region, cluster, node_group)
        self.cluster = cluster
        self.addons = install_addons(prefix, args, self.k8s_provider, (node_group,), self)
        self.eks_addons = aws_addons.install(
            self._eks(deployment, region, cluster, vpc.id, node_group),
            args.acm_validation or self._own_validation(),
        )
        lbc = region.cluster.addons.load_balancer_controller
        self.platform = RegionPlatform(
            region=region,
            k8s_provider=self.k8s_provider,
            facts=AwsFacts(
                vpc_id=vpc.id,
                vpc_cidr=cidr,
                private_subnet_ids=tuple(s.id for s in private_subnets),
                public_subnet_ids=tuple(s.id for s in public_subnets),
                oidc_provider_arn=self.oidc_provider.arn,
                oidc_provider_url=oidc_url,
                workload_role_name=self.workload_role.name,
                workload_role_arn=self.workload_role.arn,
            ),
            cloud_provider=self.provider,
            gateway_address_kind="hostname",
            # an ALB's DNS name: Route 53 answers for it with alias A records
            gateway_alias_zone_id=aws.lb.get_hosted_zone_id_output(
                load_balancer_type="application",
                region=region.location,
                opts=pulumi.InvokeOutputOptions(parent=self, provider=self.provider),
            ).id,
            gateway_class=GATEWAY_CLASS if lbc else region.cluster.gateway_class or GATEWAY_CLASS,
            # the ALB holds the ACM certificate; the controller ignores certificateRefs
            gateway_tls=LoadBalancerCertificates(depends_on=self.eks_addons.gateway_class),
            # AWS load balancers reach the pods from inside the VPC
            gateway_source_cidrs=(cidr,),
            addons=self.addons,
            depends_on=(node_group, *self.eks_addons.workload_waits),
        )
        self.register_outputs(
            {
                "clusterName": cluster.name,
                "clusterEndpoint": cluster.endpoint,
                "vpcId": vpc.id,
                "oidcProviderArn": self.oidc_provider.arn,
            }
        )

    def _aws_provider(self, deployment: Deployment, region: RegionSpec) -> aws.Provider:
        """The region's AWS provider, tagging everything with the deployment and region."""
        return aws.Provider(
            self._prefix,
            region=region.location,
            default_tags=aws.ProviderDefaultTagsArgs(
                tags={"regionkit:deployment": deployment.name, "regionkit:region": region.id}
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _kubernetes_provider(
        self, region: RegionSpec, cluster: aws.eks.Cluster, node_group: aws.eks.NodeGroup
    ) -> k8s.Provider:
        """The cluster's Kubernetes provider, usable once the nodes are up."""
        # none only from unit-test mocks that echo the inputs back
        ca_data = cluster.certificate_authority.apply(lambda ca: (ca.data if ca else None) or "")
        config = pulumi.Output.all(cluster.name, cluster.endpoint, ca_data).apply(
            lambda a: kubeconfig(a[0], a[1], a[2], region.location)
        )
        return k8s.Provider(
            self._prefix,
            kubeconfig=config,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[node_group]),
        )

    def _irsa(self, deployment: Deployment, cluster: aws.eks.Cluster) -> pulumi.Output[str]:
        """The cluster's IAM OIDC provider and the identity server nodes' role; the issuer."""
        issuer = cluster.identities.apply(_oidc_issuer)
        self.oidc_provider = aws.iam.OpenIdConnectProvider(
            f"{self._prefix}-oidc",
            url=issuer,
            client_id_lists=["sts.amazonaws.com"],
            opts=self._child,
        )
        self._oidc_url = issuer.apply(lambda url: url.removeprefix("https://"))
        # One IRSA role per region for the identity server nodes: a pod has one identity, so
        # every AWS data store of the region attaches its access to this role.
        namespace, account = workload_service_account(deployment)
        self.workload_role = self._irsa_role("workload-role", namespace, account)
        return self._oidc_url

    def _irsa_role(self, name: str, namespace: str, service_account: str) -> aws.iam.Role:
        """A role only `namespace/service_account` of this cluster assumes (IRSA)."""
        return aws.iam.Role(
            f"{self._prefix}-{name}",
            assume_role_policy=irsa_trust_policy(
                self.oidc_provider.arn, self._oidc_url, namespace, service_account
            ),
            opts=self._child,
        )

    def _eks(
        self,
        deployment: Deployment,
        region: RegionSpec,
        cluster: aws.eks.Cluster,
        vpc_id: pulumi.Input[str],
        node_group: aws.eks.NodeGroup,
    ) -> aws_addons.EksCluster:
        return aws_addons.EksCluster(
            prefix=self._prefix,
            deployment=deployment,
            region=region,
            cluster=cluster,
            cluster_name=self._prefix,
            kubernetes_version=kubernetes_version(region),
            vpc_id=vpc_id,
            partition=self._partition,
            node_group=node_group,
            provider=self.provider,
            k8s_provider=self.k8s_provider,
            parent=self,
            irsa_role=self._irsa_role,
        )

    def _own_validation(self) -> Callable[[], AcmValidation]:
        """A platform built alone (not by a topology) owns its certificates' DNS records."""
        return validation_once(
            f"{self._prefix}-acm-validation", pulumi.ResourceOptions(parent=self)
        )

    # --- network ---------------------------------------------------------------------------

    def _network(
        self, region: RegionSpec, cidr: str, cluster_name: str
    ) -> tuple[aws.ec2.Vpc, list[aws.ec2.Subnet], list[aws.ec2.Subnet]]:
        p, child = self._prefix, self._child
        zones = self._zone_names(region)
        vpc = aws.ec2.Vpc(
            f"{p}-vpc",
            cidr_block=cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": f"{p}-vpc"},
            opts=child,
        )
        self._flow_logs(vpc)
        # no rules: anything that forgets its own security group gets no traffic at all
        aws.ec2.DefaultSecurityGroup(
            f"{p}-default-sg", vpc_id=vpc.id, tags={"Name": f"{p}-default"}, opts=child
        )
        gateway = aws.ec2.InternetGateway(f"{p}-igw", vpc_id=vpc.id, tags={"Name": p}, opts=child)
        public_table = aws.ec2.RouteTable(
            f"{p}-public",
            vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
            tags={"Name": f"{p}-public"},
            opts=child,
        )
        private_cidrs, public_cidrs = subnet_cidrs(cidr)
        owned = {f"kubernetes.io/cluster/{cluster_name}": "shared"}
        private: list[aws.ec2.Subnet] = []
        public: list[aws.ec2.Subnet] = []
        for index in range(ZONES):
            zone = zones.apply(functools.partial(_zone_of, index=index, location=region.location))
            letter = "abc"[index]
            public_subnet = self._public_subnet(
                letter, vpc, zone, public_cidrs[index], owned, public_table
            )
            nat = self._nat_gateway(letter, public_subnet, gateway)
            private_subnet = self._private_subnet(
                letter, vpc, zone, private_cidrs[index], owned, nat
            )
            public.append(public_subnet)
            private.append(private_subnet)
        return vpc, private, public

    def _flow_logs(self, vpc: aws.ec2.Vpc) -> aws.ec2.FlowLog:
        """Every flow of the VPC to CloudWatch Logs, kept a year, through a role only VPC Flow
        Logs of this account assumes."""
        p, child = self._prefix, self._child
        group = aws.cloudwatch.LogGroup(
            f"{p}-flow-logs",
            name=f"/regionkit/{p}/vpc-flow-logs",
            retention_in_days=posture.FLOW_LOG_RETENTION_DAYS,
            opts=child,
        )
        role = aws.iam.Role(
            f"{p}-flow-logs",
            assume_role_policy=vpc.owner_id.apply(_flow_logs_trust),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{p}-flow-logs", role=role.id, policy=group.arn.apply(_flow_logs_policy), opts=child
        )
        return aws.ec2.FlowLog(
            f"{p}-flow-logs",
            vpc_id=vpc.id,
            traffic_type=posture.FLOW_LOG_TRAFFIC_TYPE,
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=posture.FLOW_LOG_AGGREGATION_SECONDS,
            tags={"Name": f"{p}-flow-logs"},
            opts=child,
        )

    def _zone_names(self, region: RegionSpec) -> pulumi.Output[list[str]]:
        # the account's own zone names (us-east-1a is not the same zone in every account, and
        # some regions offer only two zones to new accounts); Local Zones excluded
        return aws.get_availability_zones_output(
            region=region.location,
            state="available",
            filters=[
                aws.GetAvailabilityZonesFilterArgs(
                    name="opt-in-status", values=["opt-in-not-required"]
                )
            ],
            opts=pulumi.InvokeOutputOptions(parent=self, provider=self.provider),
        ).names

    def _public_subnet(
        self,
        letter: str,
        vpc: aws.ec2.Vpc,
        zone: pulumi.Input[str],
        cidr: str,
        owned: dict[str, str],
        route_table: aws.ec2.RouteTable,
    ) -> aws.ec2.Subnet:
        """A zone's public subnet (load balancers, NAT), routed through the internet gateway."""
        p, child = self._prefix, self._child
        subnet = aws.ec2.Subnet(
            f"{p}-public-{letter}",
            vpc_id=vpc.id,
            cidr_block=cidr,
            availability_zone=zone,
            map_public_ip_on_launch=False,
            tags={"Name": f"{p}-public-{letter}", "kubernetes.io/role/elb": "1", **owned},
            opts=child,
        )
        aws.ec2.RouteTableAssociation(
            f"{p}-public-{letter}",
            subnet_id=subnet.id,
            route_table_id=route_table.id,
            opts=child,
        )
        return subnet

    def _nat_gateway(
        self, letter: str, public_subnet: aws.ec2.Subnet, gateway: aws.ec2.InternetGateway
    ) -> aws.ec2.NatGateway:
        # one NAT gateway per zone: losing a zone must not cut the other zones' egress
        p, child = self._prefix, self._child
        eip = aws.ec2.Eip(
            f"{p}-nat-{letter}", domain="vpc", tags={"Name": f"{p}-nat-{letter}"}, opts=child
        )
        return aws.ec2.NatGateway(
            f"{p}-nat-{letter}",
            allocation_id=eip.id,
            subnet_id=public_subnet.id,
            tags={"Name": f"{p}-nat-{letter}"},
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[gateway])),
        )

    def _private_subnet(
        self,
        letter: str,
        vpc: aws.ec2.Vpc,
        zone: pulumi.Input[str],
        cidr: str,
        owned: dict[str, str],
        nat: aws.ec2.NatGateway,
    ) -> aws.ec2.Subnet:
        """A zone's private subnet (nodes, databases), with egress through the zone's NAT."""
        p, child = self._prefix, self._child
        subnet = aws.ec2.Subnet(
            f"{p}-private-{letter}",
            vpc_id=vpc.id,
            cidr_block=cidr,
            availability_zone=zone,
            tags={
                "Name": f"{p}-private-{letter}",
                "kubernetes.io/role/internal-elb": "1",
                **owned,
            },
            opts=child,
        )
        route_table = aws.ec2.RouteTable(
            f"{p}-private-{letter}",
            vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)],
            tags={"Name": f"{p}-private-{letter}"},
            opts=child,
        )
        aws.ec2.RouteTableAssociation(
            f"{p}-private-{letter}",
            subnet_id=subnet.id,
            route_table_id=route_table.id,
            opts=child,
        )
        return subnet

    # --- cluster ---------------------------------------------------------------------------

    def _managed_policy(
        self, role: aws.iam.Role, name: str, policy: str
    ) -> aws.iam.RolePolicyAttachment:
        return aws.iam.RolePolicyAttachment(
            f"{self._prefix}-{name}",
            role=role.name,
            policy_arn=f"arn:{self._partition}:iam::aws:policy/{policy}",
            opts=self._child,
        )

    def _cluster(
        self, region: RegionSpec, cluster_name: str, private_subnets: list[aws.ec2.Subnet]
    ) -> aws.eks.Cluster:
        p, child = self._prefix, self._child
        role = aws.iam.Role(
            f"{p}-cluster", assume_role_policy=_assume_role("eks.amazonaws.com"), opts=child
        )
        attachment = self._managed_policy(role, "cluster-policy", "AmazonEKSClusterPolicy")
        # envelope encryption of Kubernetes Secrets (the identity server's keys live in Secrets)
        key = aws.kms.Key(
            f"{p}-secrets",
            description=f"EKS secrets encryption of {cluster_name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            opts=child,
        )
        networks = ApiNetworks.of(region.cluster.api_allowed_cidrs)
        cluster = aws.eks.Cluster(
            f"{p}-cluster",
            name=cluster_name,
            role_arn=role.arn,
            version=kubernetes_version(region),
            vpc_config=networks.vpc_config([s.id for s in private_subnets]),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API",
                bootstrap_cluster_creator_admin_permissions=True,
            ),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=key.arn),
                resources=["secrets"],
            ),
            enabled_cluster_log_types=list(CONTROL_PLANE_LOGS),
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=[attachment])
            ),
        )
        private_api_rules(p, cluster, networks, child)
        admin_access(p, cluster, region.cluster.admin_principals, self._partition, child)
        return cluster

    def _node_group(
        self,
        deployment: Deployment,
        region: RegionSpec,
        cluster: aws.eks.Cluster,
        private_subnets: list[aws.ec2.Subnet],
        cni: aws.eks.Addon | None,
    ) -> aws.eks.NodeGroup:
        p, child = self._prefix, self._child
        role = aws.iam.Role(
            f"{p}-nodes", assume_role_policy=_assume_role("ec2.amazonaws.com"), opts=child
        )
        attachments = [
            self._managed_policy(role, "nodes-worker", "AmazonEKSWorkerNodePolicy"),
            self._managed_policy(role, "nodes-cni", "AmazonEKS_CNI_Policy"),
            self._managed_policy(role, "nodes-ecr", "AmazonEC2ContainerRegistryReadOnly"),
        ]
        runtime = deployment.identity_server.runtime
        # one more node than runtime nodes for the admin node; at most also one for the surge
        # pod of a rolling update at maxNodes (the Cluster Autoscaler adds it on demand)
        low, high = runtime.min_nodes + 1, runtime.max_nodes + EXTRA_NODES
        return aws.eks.NodeGroup(
            f"{p}-nodes",
            cluster_name=cluster.name,
            node_role_arn=role.arn,
            subnet_ids=[s.id for s in private_subnets],
            instance_types=[region.cluster.instance_type or DEFAULT_INSTANCE_TYPE],
            ami_type="AL2023_x86_64_STANDARD",
            capacity_type="ON_DEMAND",
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=low, max_size=high, desired_size=low
            ),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            node_repair_config=aws.eks.NodeGroupNodeRepairConfigArgs(enabled=True),
            opts=pulumi.ResourceOptions.merge(
                child,
                # a cluster autoscaler owns the desired size between min and max
                pulumi.ResourceOptions(
                    depends_on=[*attachments, *([cni] if cni is not None else [])],
                    ignore_changes=["scalingConfig.desiredSize"],
                ),
            ),
        )
