"""Mock outputs of the AWS resources and invokes regionkit's AWS components read.

Deterministic placeholders derived from resource names: the documentation account id
123456789012, ids and hashes from `digest`. The region of a resource is its provider's, which the
mocks do not see, so ARNs and endpoints carry the placeholder region `xx-mock-1`.
"""

from __future__ import annotations

import base64
from typing import Any

from regionkit.plan import mock_outputs
from regionkit.plan.mock_outputs import digest

ACCOUNT = "123456789012"
REGION = "xx-mock-1"


def _arn(service: str, resource: str, region: str = REGION) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"


@mock_outputs.register("aws:eks/cluster:Cluster")
def _eks_cluster(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    cluster = inputs.get("name") or name
    oidc_id = digest(f"{name}-oidc", 32).upper()
    ca = base64.b64encode(f"mock certificate authority of {cluster}".encode()).decode()
    return {
        "name": cluster,
        "arn": _arn("eks", f"cluster/{cluster}"),
        "endpoint": f"https://{digest(name, 32).upper()}.gr7.{REGION}.eks.amazonaws.com",
        "certificateAuthority": {"data": ca},
        "identities": [
            {"oidcs": [{"issuer": f"https://oidc.eks.{REGION}.amazonaws.com/id/{oidc_id}"}]}
        ],
        "status": "ACTIVE",
    }


@mock_outputs.register("aws:iam/role:Role")
def _iam_role(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    role = inputs.get("name") or name
    return {"name": role, "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}"}


@mock_outputs.register("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
def _oidc_provider(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    url = str(inputs.get("url", name)).removeprefix("https://")
    return {"arn": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{url}"}


@mock_outputs.register("aws:kms/key:Key")
def _kms_key(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    hexed = digest(name, 32)
    key_id = f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"
    return {"keyId": key_id, "arn": _arn("kms", f"key/{key_id}")}


@mock_outputs.register("aws:ec2/vpc:Vpc")
def _vpc(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"arn": _arn("ec2", f"vpc/vpc-{digest(name, 17)}"), "ownerId": ACCOUNT}


@mock_outputs.register("aws:cloudwatch/logGroup:LogGroup")
def _log_group(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"arn": _arn("logs", f"log-group:{inputs.get('name') or name}")}


@mock_outputs.register("aws:rds/clusterParameterGroup:ClusterParameterGroup")
def _cluster_parameter_group(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"name": inputs.get("name") or name}


@mock_outputs.register("aws:ec2/subnet:Subnet")
def _subnet(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"arn": _arn("ec2", f"subnet/subnet-{digest(name, 17)}")}


@mock_outputs.register("aws:rds/globalCluster:GlobalCluster")
def _global_cluster(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    identifier = inputs.get("globalClusterIdentifier") or name
    return {
        "arn": f"arn:aws:rds::{ACCOUNT}:global-cluster:{identifier}",
        "globalClusterResourceId": f"cluster-{digest(name, 26)}",
        # the global writer endpoint: a name Aurora keeps pointing at the current primary
        "endpoint": f"{identifier}.global-{digest(name, 12)}.global.rds.amazonaws.com",
    }


@mock_outputs.register("aws:rds/cluster:Cluster")
def _rds_cluster(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    identifier = inputs.get("clusterIdentifier") or name
    suffix = digest(name, 12)
    return {
        "arn": _arn("rds", f"cluster:{identifier}"),
        "endpoint": f"{identifier}.cluster-{suffix}.{REGION}.rds.amazonaws.com",
        "readerEndpoint": f"{identifier}.cluster-ro-{suffix}.{REGION}.rds.amazonaws.com",
        "port": 5432,
    }


@mock_outputs.register("aws:dynamodb/table:Table")
def _dynamodb_table(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    table = inputs.get("name") or name
    arn = _arn("dynamodb", f"table/{table}")
    return {"arn": arn, "streamArn": f"{arn}/stream/2025-01-01T00:00:00.000"}


@mock_outputs.register("aws:dsql/cluster:Cluster")
def _dsql_cluster(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    identifier = digest(name, 26)
    return {
        "identifier": identifier,
        "arn": _arn("dsql", f"cluster/{identifier}"),
        "vpcEndpointServiceName": f"com.amazonaws.{REGION}.dsql-{digest(name, 4)}",
    }


@mock_outputs.register("aws:route53/healthCheck:HealthCheck")
def _health_check(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"arn": f"arn:aws:route53:::healthcheck/{digest(name, 8)}"}


@mock_outputs.register_call("aws:route53/getZone:getZone")
def _get_zone(args: dict[str, Any]) -> dict[str, Any]:
    zone = str(args.get("name") or "example.com").rstrip(".")
    zone_id = "Z" + digest(zone, 20).upper()
    return {"id": zone_id, "zoneId": zone_id, "name": zone, "privateZone": False}


@mock_outputs.register_call("aws:index/getAvailabilityZones:getAvailabilityZones")
def _availability_zones(args: dict[str, Any]) -> dict[str, Any]:
    region = str(args.get("region") or REGION)
    return {
        "id": region,
        "names": [f"{region}{letter}" for letter in "abc"],
        "zoneIds": [f"{digest(region, 4)}-az{n}" for n in (1, 2, 3)],
    }


@mock_outputs.register("aws:acm/certificate:Certificate")
def _acm_certificate(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    # ACM's validation record of a domain is the same in every region of an account
    domains = [inputs.get("domainName", name), *inputs.get("subjectAlternativeNames", [])]
    options = [
        {
            "domainName": domain,
            "resourceRecordName": f"_{digest(domain, 32)}.{domain}.",
            "resourceRecordType": "CNAME",
            "resourceRecordValue": f"_{digest(f'value-{domain}', 32)}.acm-validations.aws.",
        }
        for domain in domains
    ]
    return {
        "arn": _arn("acm", f"certificate/{digest(name, 36)}"),
        "domainValidationOptions": options,
        "status": "PENDING_VALIDATION",
    }


@mock_outputs.register("aws:route53/record:Record")
def _route53_record(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"fqdn": str(inputs.get("name", name)).rstrip(".")}


@mock_outputs.register("aws:iam/policy:Policy")
def _iam_policy(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    policy = inputs.get("name") or name
    return {"arn": f"arn:aws:iam::{ACCOUNT}:policy/{policy}"}


@mock_outputs.register_call("aws:lb/getHostedZoneId:getHostedZoneId")
def _lb_hosted_zone(args: dict[str, Any]) -> dict[str, Any]:
    region = str(args.get("region") or REGION)
    # a placeholder of the shape of an ALB's canonical hosted zone id, stable per region
    return {"id": "Z" + digest(f"alb-{region}", 13).upper()}
