"""Who reaches an EKS cluster's API: the endpoint's networks and the admins' access entries.

The public endpoint is open only to `cluster.apiAllowedCidrs`' public ranges, never to the whole
internet (the checks reject a created EKS cluster without ranges); with no public range it is
off. Private ranges reach the private endpoint, which is always on, through the cluster
security group. `cluster.adminPrincipals` get cluster admin through access entries: EKS grants
it to the creator only ("bootstrap" entry), and CI or SSO roles would otherwise get 401.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

#: the EKS access policy of cluster admins (EKS user guide, access policies)
CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"
API_PORT = 443


@dataclass(frozen=True)
class ApiNetworks:
    """`cluster.apiAllowedCidrs` split by the endpoint that serves them."""

    public: tuple[str, ...]
    private: tuple[str, ...]

    @classmethod
    def of(cls, cidrs: Sequence[str]) -> ApiNetworks:
        networks = [ipaddress.ip_network(c, strict=False) for c in cidrs]
        return cls(
            public=tuple(str(n) for n in networks if n.is_global),
            private=tuple(str(n) for n in networks if not n.is_global),
        )

    def vpc_config(self, subnet_ids: Sequence[pulumi.Input[str]]) -> aws.eks.ClusterVpcConfigArgs:
        return aws.eks.ClusterVpcConfigArgs(
            subnet_ids=list(subnet_ids),
            endpoint_private_access=True,
            endpoint_public_access=bool(self.public),
            # never empty while public: EKS would read that as 0.0.0.0/0
            public_access_cidrs=list(self.public) if self.public else None,
        )


def private_api_rules(
    prefix: str, cluster: aws.eks.Cluster, networks: ApiNetworks, opts: pulumi.ResourceOptions
) -> list[aws.vpc.SecurityGroupIngressRule]:
    """HTTPS from each private range to the private endpoint (the cluster security group)."""
    group = cluster.vpc_config.apply(lambda c: c.cluster_security_group_id or "")
    rules = []
    for cidr in networks.private:
        v6 = ipaddress.ip_network(cidr).version == 6
        rules.append(
            aws.vpc.SecurityGroupIngressRule(
                f"{prefix}-api-{_key(cidr)}",
                security_group_id=group,
                ip_protocol="tcp",
                from_port=API_PORT,
                to_port=API_PORT,
                cidr_ipv4=None if v6 else cidr,
                cidr_ipv6=cidr if v6 else None,
                description="Kubernetes API from cluster.apiAllowedCidrs",
                opts=opts,
            )
        )
    return rules


def admin_access(
    prefix: str,
    cluster: aws.eks.Cluster,
    principals: Sequence[str],
    partition: str,
    opts: pulumi.ResourceOptions,
) -> list[aws.eks.AccessPolicyAssociation]:
    """Cluster admin for each principal: an access entry and the admin policy on the cluster."""
    grants = []
    for principal in principals:
        # named by the principal, so reordering the list changes nothing
        name = f"{prefix}-admin-{_key(principal)}"
        entry = aws.eks.AccessEntry(
            name,
            cluster_name=cluster.name,
            principal_arn=principal,
            type="STANDARD",
            opts=opts,
        )
        grants.append(
            aws.eks.AccessPolicyAssociation(
                name,
                cluster_name=cluster.name,
                principal_arn=entry.principal_arn,
                policy_arn=f"arn:{partition}:eks::aws:cluster-access-policy/{CLUSTER_ADMIN_POLICY}",
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                opts=opts,
            )
        )
    return grants


def _key(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:8]
