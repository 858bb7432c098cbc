"""Cross-cloud CloudNativePG backups without stored keys: each cluster's own token, federated.

A replica region on another cloud than the writer's object store proves who it is with a
projected Kubernetes ServiceAccount token (`spec.projectedVolumeTemplate`, mounted under
`/projected`) that the other cloud's identity federation trusts:
- GKE -> S3: an IAM OIDC provider for the GKE cluster's issuer (its discovery document is
  public), and a role only `system:serviceaccount:<namespace>:<cluster>` of that cluster
  assumes. barman-cloud's boto3 reads `AWS_ROLE_ARN` and `AWS_WEB_IDENTITY_TOKEN_FILE`
  (`s3Credentials.inheritFromIAMRole`), as on EKS with IRSA.
- EKS -> Cloud Storage: a workload identity pool with an OIDC provider for the EKS cluster's
  issuer; the ServiceAccount impersonates the store's Google service account. The credential
  configuration (an `external_account` file: no key, only where to find the token) reaches
  barman-cloud through `googleCredentials.applicationCredentials`, which CloudNativePG writes
  to a file named by `GOOGLE_APPLICATION_CREDENTIALS`.
Clusters regionkit did not create (`cloud: kubernetes`, `kubeconfigContext`) have no issuer
regionkit knows to be reachable: they keep a key in a Secret (README, security).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pulumi

#: the audience of the projected token AWS STS accepts (as IRSA's)
STS_AUDIENCE = "sts.amazonaws.com"
#: projected tokens are rotated by the kubelet at 80 % of their lifetime
TOKEN_SECONDS = 3600
PROJECTED = "/projected"
AWS_TOKEN_PATH = "aws/token"
GCP_TOKEN_PATH = "gcp/token"
GOOGLE_STS_URL = "https://sts.googleapis.com/v1/token"


@dataclass
class Federated:
    """What a region's cluster needs to reach the writer's bucket through federation."""

    #: `barmanObjectStore` credentials block
    credentials: dict[str, Any]
    #: Cluster spec keys: `env` and `projectedVolumeTemplate`
    pod: dict[str, Any]
    #: resources the cluster must wait for (role policy, IAM bindings, the config Secret)
    resources: list[pulumi.Resource] = field(default_factory=list)


def subject(namespace: str, service_account: str) -> str:
    """The `sub` claim of a ServiceAccount's token."""
    return f"system:serviceaccount:{namespace}:{service_account}"


def projected_token(audience: pulumi.Input[str], path: str) -> dict[str, Any]:
    return {
        "sources": [
            {
                "serviceAccountToken": {
                    "audience": audience,
                    "expirationSeconds": TOKEN_SECONDS,
                    "path": path,
                }
            }
        ]
    }


def federation_id(name: str) -> str:
    """A pool or provider id: 4 to 32 of [a-z0-9-], not starting with the reserved `gcp-`."""
    cleaned = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    if cleaned.startswith("gcp-") or not cleaned[:1].isalpha():
        cleaned = f"rk-{cleaned}"
    if len(cleaned) <= 32:
        return cleaned.ljust(4, "0")
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{cleaned[:25].rstrip('-')}-{digest}"


def gke_to_s3(
    name: str,
    *,
    issuer: pulumi.Input[str],
    namespace: str,
    service_account: str,
    bucket_policy: pulumi.Input[str],
    bucket_region: str,
    opts: pulumi.ResourceOptions,
) -> Federated:
    """A GKE cluster's ServiceAccount assumes an S3 role through web identity federation.

    `opts` carry the writer's AWS provider: the OIDC provider and role live in its account.
    """
    import pulumi_aws as aws

    from regionkit.components.platform.aws import irsa_trust_policy

    provider = aws.iam.OpenIdConnectProvider(
        f"{name}-oidc", url=issuer, client_id_lists=[STS_AUDIENCE], opts=opts
    )
    role = aws.iam.Role(
        name,
        assume_role_policy=irsa_trust_policy(
            provider.arn,
            pulumi.Output.from_input(issuer).apply(lambda url: url.removeprefix("https://")),
            namespace,
            service_account,
        ),
        opts=opts,
    )
    grant = aws.iam.RolePolicy(name, role=role.id, policy=bucket_policy, opts=opts)
    env = {
        "AWS_ROLE_ARN": role.arn,
        "AWS_WEB_IDENTITY_TOKEN_FILE": f"{PROJECTED}/{AWS_TOKEN_PATH}",
        "AWS_REGION": bucket_region,
        "AWS_DEFAULT_REGION": bucket_region,
        "AWS_STS_REGIONAL_ENDPOINTS": "regional",
    }
    return Federated(
        credentials={"s3Credentials": {"inheritFromIAMRole": True}},
        pod={
            "env": [{"name": k, "value": v} for k, v in env.items()],
            "projectedVolumeTemplate": projected_token(STS_AUDIENCE, AWS_TOKEN_PATH),
        },
        resources=[grant],
    )


@dataclass(frozen=True)
class GcsFederationArgs:
    """Where an EKS cluster's ServiceAccount federates into Google Cloud."""

    #: the EKS issuer without `https://` (`AwsFacts.oidc_provider_url`)
    issuer_host_path: pulumi.Input[str]
    namespace: str
    service_account: str
    #: the store's Google service account (`name`, `email`) that holds the bucket roles
    account_name: pulumi.Input[str]
    account_email: pulumi.Input[str]
    #: where the credential configuration Secret goes, and the key CloudNativePG reads
    secret_name: str
    secret_key: str


def eks_to_gcs(
    name: str,
    args: GcsFederationArgs,
    *,
    gcp_opts: pulumi.ResourceOptions,
    k8s_opts: pulumi.ResourceOptions,
) -> Federated:
    """An EKS cluster's ServiceAccount impersonates a Google service account through a
    workload identity pool; `gcp_opts` carry the writer's Google provider, `k8s_opts` the
    region's Kubernetes provider (for the credential configuration Secret)."""
    import pulumi_gcp as gcp
    import pulumi_kubernetes as k8s

    pool = gcp.iam.WorkloadIdentityPool(
        f"{name}-pool",
        workload_identity_pool_id=federation_id(name),
        display_name=federation_id(name)[:32],
        description="CloudNativePG backups from an EKS cluster",
        opts=gcp_opts,
    )
    sub = subject(args.namespace, args.service_account)
    audience = f"regionkit/{federation_id(name)}"
    provider = gcp.iam.WorkloadIdentityPoolProvider(
        f"{name}-provider",
        workload_identity_pool_id=pool.workload_identity_pool_id,
        workload_identity_pool_provider_id=federation_id(f"{name}-eks"),
        attribute_mapping={"google.subject": "assertion.sub"},
        # only the one ServiceAccount of the one cluster, even though the issuer signs for all
        attribute_condition=f"assertion.sub == '{sub}'",
        oidc=gcp.iam.WorkloadIdentityPoolProviderOidcArgs(
            issuer_uri=pulumi.Output.concat("https://", args.issuer_host_path),
            allowed_audiences=[audience],
        ),
        opts=gcp_opts,
    )
    binding = gcp.serviceaccount.IAMMember(
        f"{name}-impersonation",
        service_account_id=args.account_name,
        role="roles/iam.workloadIdentityUser",
        member=pulumi.Output.concat("principal://iam.googleapis.com/", pool.name, "/subject/", sub),
        opts=gcp_opts,
    )
    config = pulumi.Output.all(provider.name, args.account_email).apply(
        lambda a: credential_configuration(str(a[0]), str(a[1]))
    )
    secret = k8s.core.v1.Secret(
        f"{name}-credential-configuration",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=args.secret_name, namespace=args.namespace),
        type="Opaque",
        string_data={args.secret_key: config},
        opts=k8s_opts,
    )
    return Federated(
        credentials={
            "googleCredentials": {
                "applicationCredentials": {"name": args.secret_name, "key": args.secret_key}
            }
        },
        pod={"projectedVolumeTemplate": projected_token(audience, GCP_TOKEN_PATH)},
        resources=[binding, secret],
    )


def credential_configuration(provider_name: str, account_email: str) -> str:
    """google-auth's `external_account` configuration: the token file, no secret material."""
    return json.dumps(
        {
            "type": "external_account",
            "audience": f"//iam.googleapis.com/{provider_name}",
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": GOOGLE_STS_URL,
            "service_account_impersonation_url": (
                "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"
                f"{account_email}:generateAccessToken"
            ),
            "credential_source": {
                "file": f"{PROJECTED}/{GCP_TOKEN_PATH}",
                "format": {"type": "text"},
            },
        },
        sort_keys=True,
    )
