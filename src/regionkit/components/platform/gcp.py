"""The Google Cloud platform of a region: a subnet of the deployment's VPC, Cloud NAT, a GKE cluster.

For `cloud: gcp` regions without `cluster.kubeconfigContext`. The region gets its own
`gcp.Provider` and `kubernetes.Provider`, both named after the region.

A VPC network on Google Cloud is global, and Cloud SQL read replicas live on their primary's
network: a replica in another region is only reachable from that region's cluster when both
clusters share one network. So the network and its private services access (the peering Cloud
SQL private IPs come from) form `GcpNetwork`, created once per deployment; each `GkePlatform`
adds its region's subnet, router, NAT and cluster to it.

Which network a `GkePlatform` joins: the one `PlatformArgs.gcp_network` gives (the topology
passes `network_once`, so the deployment's Google Cloud regions share the network the first of
them makes); without it, a network of its own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s
from pulumi_gcp import container

from regionkit.catalog import posture
from regionkit.components.facts import GatewayTls, GcpFacts, SecretCertificate
from regionkit.components.platform.addons import install_addons
from regionkit.components.platform.gcp_apis import GoogleApis, required_apis
from regionkit.components.platform.gke_certificates import (
    DnsAuthorizations,
    StackAuthorizations,
    gateway_certificates,
)
from regionkit.components.protocols import PlatformArgs, RegionPlatform
from regionkit.components.settings import StackSettings
from regionkit.model import type_token
from regionkit.spec.models import Cloud, Deployment, RegionSpec

DEFAULT_MACHINE_TYPE = "e2-standard-4"
RELEASE_CHANNEL = "REGULAR"
#: Gateway API GatewayClass of the global external Application Load Balancer
GATEWAY_CLASS = "gke-l7-global-external-managed"
#: where that load balancer and its health checks reach the pods from: Google's front ends
GOOGLE_FRONT_END_CIDRS = ("35.191.0.0/16", "130.211.0.0/22")
#: the range Google-managed services (Cloud SQL private IPs) take their addresses from
PRIVATE_SERVICE_ADDRESS = "10.255.0.0"
PRIVATE_SERVICE_PREFIX = 16
PRIVATE_SERVICE_CIDR = f"{PRIVATE_SERVICE_ADDRESS}/{PRIVATE_SERVICE_PREFIX}"
#: ports admission webhooks listen on (CloudNativePG 9443, others 8443): a private cluster's
#: control plane only reaches nodes on 443 and 10250 unless a firewall rule opens more
WEBHOOK_PORTS = ("8443", "9443")
#: roles of the nodes' own service account (Google's least-privilege node service account)
NODE_ROLES = (
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
)
#: the identity server nodes' ServiceAccount (same convention as the AWS platform's IRSA)
MAX_REGIONS = 15


@dataclass(frozen=True)
class SubnetPlan:
    """The address ranges of one region's subnet: distinct between regions of one network."""

    nodes: str
    services: str
    pods: str
    master: str


def subnet_plan(deployment: Deployment, region: RegionSpec) -> SubnetPlan:
    """A /12 block per region index (10.0/12, 10.16/12, ...), below the private service range."""
    index = deployment.region_index(region.id)
    if index >= MAX_REGIONS:
        raise ValueError(
            f"region {region.id!r}: a Google Cloud network holds at most {MAX_REGIONS} regions "
            "of one deployment"
        )
    base = 16 * index
    return SubnetPlan(
        nodes=f"10.{base}.0.0/20",
        services=f"10.{base + 1}.0.0/20",
        pods=f"10.{base + 4}.0.0/14",
        master=f"172.16.{index}.0/28",
    )


def gcp_project(
    provider: pulumi.ProviderResource, parent: pulumi.Resource, configured: str | None
) -> pulumi.Output[str]:
    """The project resources of `provider` land in: the stack's configured project, or the
    provider's default (environment, gcloud) when none is configured."""
    if configured:
        return pulumi.Output.from_input(configured)
    config = gcp.organizations.get_client_config_output(
        opts=pulumi.InvokeOutputOptions(parent=parent, provider=provider)
    )
    return config.project


def kubeconfig(cluster_name: str, endpoint: str, ca_data: str) -> str:
    """A kubeconfig that authenticates with gke-gcloud-auth-plugin (no credentials stored)."""
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "gke-gcloud-auth-plugin",
            "installHint": "Install gke-gcloud-auth-plugin: gcloud components install "
            "gke-gcloud-auth-plugin",
            "provideClusterInfo": True,
        }
    }
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": cluster_name,
                    "cluster": {
                        "server": f"https://{endpoint}",
                        "certificate-authority-data": ca_data,
                    },
                }
            ],
            "users": [{"name": cluster_name, "user": user}],
            "contexts": [
                {"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}
            ],
            "current-context": cluster_name,
        }
    )


# --- the deployment's network ------------------------------------------------------------------


@dataclass(frozen=True)
class GcpNetworkArgs:
    deployment: Deployment
    #: the project of a provider the network makes itself (explicit providers do not read
    #: `gcp:project`); None: the provider's default
    project: str | None = None
    #: the provider to create the network with; None creates one
    provider: gcp.Provider | None = None
    #: the stack's DNS authorizations when several deployments share them (sub-clusters)
    authorizations: StackAuthorizations | None = None


class GcpNetwork(pulumi.ComponentResource):
    """The VPC network of a deployment's Google Cloud regions and its private services access,
    after the Google APIs the deployment uses (`apis`: depend on it to wait for them)."""

    TOKEN: ClassVar[str] = type_token("platform", "GcpNetwork")

    network: gcp.compute.Network
    private_service_connection: gcp.servicenetworking.Connection
    project: pulumi.Output[str]
    provider: gcp.Provider
    apis: GoogleApis

    def __init__(
        self, name: str, args: GcpNetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TOKEN, name, {}, opts)
        self._name = name
        self.provider = args.provider or gcp.Provider(
            name, project=args.project, opts=pulumi.ResourceOptions(parent=self)
        )
        self.project = gcp_project(self.provider, self, args.project)
        self.apis = GoogleApis(
            f"{name}-apis",
            required_apis(args.deployment),
            self.project,
            self.provider,
            pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self, provider=self.provider, depends_on=[self.apis])
        self.network = gcp.compute.Network(
            f"{name}-vpc",
            auto_create_subnetworks=False,
            # routes learned by one region's Cloud Router serve every region's subnet
            routing_mode="GLOBAL",
            description=f"regionkit deployment {args.deployment.name}",
            opts=child,
        )
        address = gcp.compute.GlobalAddress(
            f"{name}-private-services",
            purpose="VPC_PEERING",
            address_type="INTERNAL",
            address=PRIVATE_SERVICE_ADDRESS,
            prefix_length=PRIVATE_SERVICE_PREFIX,
            network=self.network.id,
            opts=child,
        )
        self.private_service_connection = gcp.servicenetworking.Connection(
            f"{name}-private-services",
            network=self.network.id,
            service="servicenetworking.googleapis.com",
            reserved_peering_ranges=[address.name],
            # the peering cannot be deleted while Cloud SQL instances use it; abandoning it
            # lets `destroy` finish and the peering goes with the network
            deletion_policy="ABANDON",
            opts=child,
        )
        self._deployment = args.deployment
        self._shared_authorizations = args.authorizations
        self._authorizations: DnsAuthorizations | None = None
        self.register_outputs(
            {"networkId": self.network.id, "networkSelfLink": self.network.self_link}
        )

    def dns_authorizations(self) -> DnsAuthorizations:
        """The deployment's Certificate Manager DNS authorizations, made on first use."""
        if self._authorizations is None:
            self._authorizations = DnsAuthorizations(
                f"{self._name}-dns-authorizations",
                self._deployment,
                self.provider,
                after=(self.apis,),
                opts=pulumi.ResourceOptions(parent=self),
                shared=self._shared_authorizations,
            )
        return self._authorizations


def shared_network(
    name: str,
    deployment: Deployment,
    settings: StackSettings | None = None,
    opts: pulumi.ResourceOptions | None = None,
) -> GcpNetwork | None:
    """The network every `GkePlatform` of `deployment` should join, or None without any."""
    if not any(r.cloud is Cloud.GCP and r.creates_cluster for r in deployment.regions):
        return None
    project = settings.gcp_project if settings else None
    return GcpNetwork(name, GcpNetworkArgs(deployment, project), opts)


def network_once(
    name: str,
    deployment: Deployment,
    settings: StackSettings,
    opts: pulumi.ResourceOptions,
    authorizations: StackAuthorizations | None = None,
) -> Callable[[], GcpNetwork]:
    """`PlatformArgs.gcp_network` of a deployment: the first GKE platform that calls it makes
    the network, the others join it."""
    made: list[GcpNetwork] = []

    def network() -> GcpNetwork:
        if not made:
            network_args = GcpNetworkArgs(
                deployment, settings.gcp_project, authorizations=authorizations
            )
            made.append(GcpNetwork(name, network_args, opts))
        return made[0]

    return network


# --- the regional platform ---------------------------------------------------------------------


class GkePlatform(pulumi.ComponentResource):
    """One region's subnet, Cloud NAT, GKE cluster, node pool and Kubernetes provider."""

    TOKEN: ClassVar[str] = type_token("platform", "GkePlatform")

    platform: RegionPlatform

    def __init__(
        self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        region, deployment = args.region, args.deployment
        if region.cloud is not Cloud.GCP or not region.creates_cluster:
            raise ValueError(
                f"GkePlatform is for cloud 'gcp' regions that create their cluster; region "
                f"'{region.id}' is cloud '{region.cloud}'"
                + ("" if region.creates_cluster else " with cluster.kubeconfigContext set")
            )
        super().__init__(self.TOKEN, name, {"region": region.id}, opts)
        # the lead names platforms "<deployment>-<region id>": do not repeat the region id
        prefix = name if name.endswith(f"-{region.id}") else f"{name}-{region.id}"
        self._prefix = prefix
        plan = subnet_plan(deployment, region)
        network = self._network(args, prefix)
        # every resource of the region's provider (cluster, stores) waits for the Google APIs
        self.provider = gcp.Provider(
            prefix,
            region=region.location,
            project=args.settings.gcp_project,
            default_labels={"regionkit-deployment": deployment.name, "regionkit-region": region.id},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[network.apis]),
        )
        self._child = pulumi.ResourceOptions(parent=self, provider=self.provider)
        subnet = self._subnet(region, network, plan)
        node_tag = f"{prefix}-node"
        self._firewall(network, plan, node_tag)
        cluster = self._cluster(region, network, subnet, plan, network.project)
        node_pool = self._node_pool(deployment, region, cluster, network.project, node_tag)

        config = pulumi.Output.all(
            cluster.name, cluster.endpoint, cluster.master_auth.cluster_ca_certificate
        ).apply(lambda a: kubeconfig(a[0], a[1], a[2] or ""))
        self.k8s_provider = k8s.Provider(
            prefix,
            kubeconfig=config,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[node_pool]),
        )
        self.cluster = cluster
        self.network = network
        self.addons = install_addons(prefix, args, self.k8s_provider, (node_pool,), self)
        self.platform = RegionPlatform(
            region=region,
            k8s_provider=self.k8s_provider,
            facts=gcp_facts(network, subnet, plan, cluster),
            cloud_provider=self.provider,
            gateway_address_kind="ip",
            gateway_class=GATEWAY_CLASS,
            gateway_tls=self._gateway_tls(args, network, prefix),
            gateway_source_cidrs=GOOGLE_FRONT_END_CIDRS,
            addons=self.addons,
            depends_on=(node_pool,),
        )
        self.register_outputs(
            {
                "clusterName": cluster.name,
                "clusterEndpoint": cluster.endpoint,
                "networkId": network.network.id,
            }
        )

    def _gateway_tls(self, args: PlatformArgs, network: GcpNetwork, prefix: str) -> GatewayTls:
        """Certificate Manager certificates, or the user's Secret where the stack opts out."""
        cluster = args.region.cluster
        if not cluster.addons.certificates:
            return SecretCertificate(secret_name=cluster.tls.secret_name if cluster.tls else None)
        return gateway_certificates(
            prefix, args.deployment, args.region, network.dns_authorizations(), self._child
        )

    def _network(self, args: PlatformArgs, prefix: str) -> GcpNetwork:
        """The deployment's shared network, or one of the platform's own."""
        if args.gcp_network is not None:
            return args.gcp_network()
        return GcpNetwork(
            f"{prefix}-network",
            GcpNetworkArgs(args.deployment, args.settings.gcp_project),
            pulumi.ResourceOptions(parent=self),
        )

    def _subnet(
        self, region: RegionSpec, network: GcpNetwork, plan: SubnetPlan
    ) -> gcp.compute.Subnetwork:
        p, child = self._prefix, self._child
        subnet = gcp.compute.Subnetwork(
            f"{p}-nodes",
            network=network.network.id,
            region=region.location,
            ip_cidr_range=plan.nodes,
            secondary_ip_ranges=[
                gcp.compute.SubnetworkSecondaryIpRangeArgs(
                    range_name="pods", ip_cidr_range=plan.pods
                ),
                gcp.compute.SubnetworkSecondaryIpRangeArgs(
                    range_name="services", ip_cidr_range=plan.services
                ),
            ],
            # private nodes reach Google APIs (image pulls, Spanner, Cloud Storage) without NAT
            private_ip_google_access=True,
            # VPC flow logs of the subnet (nodes, pods, services), to Cloud Logging
            log_config=gcp.compute.SubnetworkLogConfigArgs(
                aggregation_interval=posture.GCP_FLOW_LOG_INTERVAL,
                flow_sampling=posture.GCP_FLOW_LOG_SAMPLING,
                metadata=posture.GCP_FLOW_LOG_METADATA,
            ),
            opts=child,
        )
        # private nodes have no external address: Cloud NAT gives them egress (image
        # registries, the git repository of config sync)
        router = gcp.compute.Router(
            f"{p}-router", network=network.network.id, region=region.location, opts=child
        )
        gcp.compute.RouterNat(
            f"{p}-nat",
            router=router.name,
            region=region.location,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
            log_config=gcp.compute.RouterNatLogConfigArgs(enable=True, filter="ERRORS_ONLY"),
            opts=child,
        )
        return subnet

    def _firewall(self, network: GcpNetwork, plan: SubnetPlan, node_tag: str) -> None:
        gcp.compute.Firewall(
            f"{self._prefix}-webhooks",
            network=network.network.id,
            direction="INGRESS",
            source_ranges=[plan.master],
            target_tags=[node_tag],
            allows=[gcp.compute.FirewallAllowArgs(protocol="tcp", ports=list(WEBHOOK_PORTS))],
            description="GKE control plane to admission webhooks on private nodes",
            opts=self._child,
        )

    def _cluster(
        self,
        region: RegionSpec,
        network: GcpNetwork,
        subnet: gcp.compute.Subnetwork,
        plan: SubnetPlan,
        project: pulumi.Output[str],
    ) -> gcp.container.Cluster:
        return container.Cluster(
            f"{self._prefix}-cluster",
            name=self._prefix[:40],
            # a region as location: a regional cluster, control plane and nodes in every zone
            location=region.location,
            network=network.network.id,
            subnetwork=subnet.id,
            networking_mode="VPC_NATIVE",
            ip_allocation_policy=container.ClusterIpAllocationPolicyArgs(
                cluster_secondary_range_name="pods", services_secondary_range_name="services"
            ),
            # the default pool cannot autoscale per our settings: replaced by `_node_pool`
            remove_default_node_pool=True,
            initial_node_count=1,
            private_cluster_config=container.ClusterPrivateClusterConfigArgs(
                enable_private_nodes=True,
                # whoever runs `regionkit up` must reach the API; it stays IAM-authenticated
                enable_private_endpoint=False,
                master_ipv4_cidr_block=plan.master,
                master_global_access_config=container.ClusterPrivateClusterConfigMasterGlobalAccessConfigArgs(
                    enabled=True
                ),
            ),
            workload_identity_config=container.ClusterWorkloadIdentityConfigArgs(
                workload_pool=pulumi.Output.concat(project, ".svc.id.goog")
            ),
            gateway_api_config=container.ClusterGatewayApiConfigArgs(channel="CHANNEL_STANDARD"),
            release_channel=container.ClusterReleaseChannelArgs(channel=RELEASE_CHANNEL),
            min_master_version=region.cluster.kubernetes_version,
            # Dataplane V2 enforces the identity server's NetworkPolicies
            datapath_provider="ADVANCED_DATAPATH",
            addons_config=container.ClusterAddonsConfigArgs(
                http_load_balancing=container.ClusterAddonsConfigHttpLoadBalancingArgs(
                    disabled=False
                )
            ),
            enable_shielded_nodes=True,
            master_authorized_networks_config=authorized_networks(region),
            deletion_protection=True,
            opts=self._child,
        )

    def _node_pool(
        self,
        deployment: Deployment,
        region: RegionSpec,
        cluster: gcp.container.Cluster,
        project: pulumi.Output[str],
        node_tag: str,
    ) -> gcp.container.NodePool:
        p, child = self._prefix, self._child
        # nodes run as their own least-privilege account, not the Compute Engine default
        account = gcp.serviceaccount.Account(
            f"{p}-nodes",
            account_id=service_account_id(f"{p}-nodes"),
            display_name=f"GKE nodes of {p}",
            opts=child,
        )
        for role in NODE_ROLES:
            gcp.projects.IAMMember(
                f"{p}-nodes-{role.removeprefix('roles/').replace('.', '-').lower()}",
                project=project,
                role=role,
                member=account.email.apply(lambda email: f"serviceAccount:{email}"),
                opts=child,
            )
        runtime = deployment.identity_server.runtime
        return container.NodePool(
            f"{p}-nodes",
            cluster=cluster.name,
            location=region.location,
            initial_node_count=1,
            autoscaling=container.NodePoolAutoscalingArgs(
                # totals over all zones: one more node than runtime nodes, for the admin node
                total_min_node_count=runtime.min_nodes + 1,
                total_max_node_count=runtime.max_nodes + 1,
                location_policy="BALANCED",
            ),
            management=container.NodePoolManagementArgs(auto_repair=True, auto_upgrade=True),
            upgrade_settings=container.NodePoolUpgradeSettingsArgs(max_surge=1, max_unavailable=0),
            node_config=container.NodePoolNodeConfigArgs(
                machine_type=region.cluster.instance_type or DEFAULT_MACHINE_TYPE,
                service_account=account.email,
                oauth_scopes=["https://www.googleapis.com/auth/cloud-platform"],
                workload_metadata_config=container.NodePoolNodeConfigWorkloadMetadataConfigArgs(
                    mode="GKE_METADATA"
                ),
                shielded_instance_config=container.NodePoolNodeConfigShieldedInstanceConfigArgs(
                    enable_secure_boot=True, enable_integrity_monitoring=True
                ),
                tags=[node_tag],
                labels={"regionkit-region": region.id},
            ),
            opts=child,
        )


def gcp_facts(
    network: GcpNetwork,
    subnet: gcp.compute.Subnetwork,
    plan: SubnetPlan,
    cluster: container.Cluster,
) -> GcpFacts:
    """What the region's stores and workload read of its Google Cloud platform."""
    return GcpFacts(
        project=network.project,
        network_id=network.network.id,
        network_self_link=network.network.self_link,
        private_service_connection=network.private_service_connection.id,
        private_service_cidr=PRIVATE_SERVICE_CIDR,
        subnet_id=subnet.id,
        subnet_cidr=plan.nodes,
        pods_cidr=plan.pods,
        services_cidr=plan.services,
        # read from the cluster: the pool exists only once a Workload Identity cluster does,
        # so IAM members naming it must wait for the cluster
        workload_pool=workload_pool(cluster),
        oidc_issuer_url=pulumi.Output.concat(
            "https://container.googleapis.com/v1/projects/",
            network.project,
            "/locations/",
            cluster.location,
            "/clusters/",
            cluster.name,
        ),
    )


def authorized_networks(region: RegionSpec) -> container.ClusterMasterAuthorizedNetworksConfigArgs:
    """Who reaches the control plane's public endpoint: `cluster.apiAllowedCidrs` only.

    Not Google Cloud's public ranges (any project's VMs); the nodes and pods reach the private
    endpoint from the VPC whatever this says. Without ranges nobody outside the VPC reaches it,
    which validation reports, as `regionkit up` could not deploy the workload.
    """
    return container.ClusterMasterAuthorizedNetworksConfigArgs(
        cidr_blocks=[
            container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(
                cidr_block=cidr, display_name=f"cluster.apiAllowedCidrs[{index}]"
            )
            for index, cidr in enumerate(region.cluster.api_allowed_cidrs)
        ],
        gcp_public_cidrs_access_enabled=False,
    )


def workload_pool(cluster: gcp.container.Cluster) -> pulumi.Output[str]:
    """The cluster's Workload Identity pool, `<project>.svc.id.goog`, as an output of it."""
    return cluster.workload_identity_config.apply(
        lambda config: config.workload_pool if config and config.workload_pool else ""
    )


def workload_identity_member(
    pool: pulumi.Input[str], namespace: str, service_account: str
) -> pulumi.Output[str]:
    """The IAM member of a Kubernetes ServiceAccount in a Workload Identity pool.

    Pass `GcpFacts.workload_pool` (an output of the cluster) where regionkit created the
    cluster: a member naming a pool that does not exist yet fails ("Identity Pool does not
    exist") on a project that never had a Workload Identity cluster.
    """
    return pulumi.Output.concat("serviceAccount:", pool, f"[{namespace}/{service_account}]")


def service_account_id(name: str) -> str:
    """A service account id (6 to 30 characters, [a-z][a-z0-9-]*[a-z0-9]) stable for `name`."""
    cleaned = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = "sa-" + cleaned
    if len(cleaned) <= 30:
        return cleaned.ljust(6, "0")
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{cleaned[:23].rstrip('-')}-{digest}"
