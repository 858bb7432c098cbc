"""Hand-made platform facts for store tests that do not build a whole EKS or GKE platform."""

from __future__ import annotations

from regionkit.components.facts import AwsFacts, GcpFacts

#: the service account token issuer of a GKE cluster (its OIDC discovery is public)
GKE_ISSUER = (
    "https://container.googleapis.com/v1/projects/{project}/locations/europe-west1/clusters/gke"
)


def gcp_facts(project: str = "acme-prod") -> GcpFacts:
    """What a GKE platform regionkit created gives its consumers (plain values)."""
    return GcpFacts(
        project=project,
        network_id="n",
        network_self_link="n",
        private_service_connection="c",
        private_service_cidr="10.255.0.0/16",
        subnet_id="s",
        subnet_cidr="10.0.0.0/20",
        pods_cidr="10.4.0.0/14",
        services_cidr="10.1.0.0/20",
        workload_pool=f"{project}.svc.id.goog",
        oidc_issuer_url=GKE_ISSUER.format(project=project),
    )


def aws_facts(rid: str, location: str, index: int = 0) -> AwsFacts:
    """What an EKS platform regionkit created gives its consumers (plain values)."""
    return AwsFacts(
        vpc_id=f"vpc-{rid}",
        vpc_cidr=f"10.{100 + index}.0.0/16",
        private_subnet_ids=tuple(f"subnet-{rid}-{z}" for z in "abc"),
        public_subnet_ids=(),
        oidc_provider_arn=(
            f"arn:aws:iam::123456789012:oidc-provider/oidc.eks.{location}.amazonaws.com/id/"
            f"{rid.upper()}"
        ),
        oidc_provider_url=f"oidc.eks.{location}.amazonaws.com/id/{rid.upper()}",
        workload_role_name=f"acme-id-{rid}-workload",
        workload_role_arn=f"arn:aws:iam::123456789012:role/acme-id-{rid}-workload",
    )
