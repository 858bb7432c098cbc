"""Data partitioned by jurisdiction: each sub-cluster is a complete deployment of its own."""

from __future__ import annotations

import pulumi

from regionkit.components.platform import PlatformKind, platform_kind
from regionkit.model import type_token
from regionkit.spec.models import StackSpec, Topology
from regionkit.topologies.base import DeploymentTopology, TopologyArgs, _validate


class SubClusters(pulumi.ComponentResource):
    """One deployment per jurisdiction, each single-region, active-passive or global-cluster."""

    TOKEN = type_token("topology", "SubClusters")

    def __init__(self, name: str, args: TopologyArgs, opts: pulumi.ResourceOptions | None = None):
        spec = args.spec
        if not isinstance(spec, StackSpec) or spec.topology is not Topology.SUB_CLUSTERS:
            raise ValueError("SubClusters deploys a stack of topology 'sub-clusters'")
        if args.validate:
            _validate(spec, args)
        super().__init__(self.TOKEN, name, {"topology": str(spec.topology)}, opts)
        # one owner of the ACM validation records of every partition: the global hostname's
        # is the same record whichever partitions certify it
        acm_validation = None
        if any(platform_kind(r) is PlatformKind.EKS for d in spec.deployments() for r in d.regions):
            from regionkit.components.platform.aws_certificates import validation_once

            acm_validation = validation_once(
                f"{name}-acm-validation", pulumi.ResourceOptions(parent=self)
            )
        # one owner of the Certificate Manager DNS authorizations too (one project per stack)
        gke_authorizations = None
        if any(platform_kind(r) is PlatformKind.GKE for d in spec.deployments() for r in d.regions):
            from regionkit.components.platform.gke_certificates import StackAuthorizations

            gke_authorizations = StackAuthorizations()
        from regionkit.topologies import DEPLOYABLE

        self.partitions: dict[str, DeploymentTopology] = {}
        for deployment in spec.deployments():
            assert deployment.sub_cluster is not None
            cls = DEPLOYABLE[deployment.topology]
            self.partitions[deployment.sub_cluster] = cls(
                f"{name}-{deployment.sub_cluster}",
                TopologyArgs(
                    deployment,
                    config_dir=args.config_dir,
                    validate=False,
                    settings=args.settings,
                    acm_validation=acm_validation,
                    gke_authorizations=gke_authorizations,
                ),
                pulumi.ResourceOptions(parent=self),
            )
        self.global_hostname = None
        if spec.dns.global_hostname is not None:
            from regionkit.components.gslb.global_hostname import (
                GlobalHostname,
                GlobalHostnameArgs,
                Partition,
            )

            partitions = tuple(
                Partition(
                    sub,
                    p.deployment.jurisdiction or p.deployment.regions[0].jurisdiction,
                    p.deployment.hostname,
                )
                for sub, p in self.partitions.items()
            )
            self.global_hostname = GlobalHostname(
                f"{name}-global",
                GlobalHostnameArgs(spec, partitions, args.settings),
                pulumi.ResourceOptions(parent=self),
            )
        self.hostnames = pulumi.Output.from_input(
            {sub: p.deployment.hostname for sub, p in self.partitions.items()}
        )
        self.register_outputs({"hostnames": self.hostnames})
