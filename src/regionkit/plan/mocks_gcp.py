"""Mock outputs of the Google Cloud resources and invokes regionkit's GCP components read.

Deterministic placeholders derived from resource names: the project `plan-project`, addresses
from the documentation and private ranges, names from `digest`. Also the few AWS resources the
CloudNativePG object store reads (a bucket name, an access key), which no other module mocks.
"""

from __future__ import annotations

import base64
from typing import Any

from regionkit.plan import mock_outputs
from regionkit.plan.mock_outputs import digest, test_net_ip

PROJECT = "plan-project"
#: a documentation-style project number, as resource names carry numbers, not ids
PROJECT_NUMBER = "000000000000"
COMPUTE = f"https://www.googleapis.com/compute/v1/projects/{PROJECT}"


def _name(name: str, inputs: dict[str, Any]) -> str:
    """The name a provider would give: the explicit one, or the resource name and a suffix."""
    return str(inputs.get("name") or f"{name}-{digest(name, 7)}")


@mock_outputs.register_call("gcp:organizations/getClientConfig:getClientConfig")
def _client_config(args: dict[str, Any]) -> dict[str, Any]:
    return {"project": PROJECT, "region": "", "zone": "", "accessToken": "", "id": PROJECT}


@mock_outputs.register_call("gcp:dns/getManagedZone:getManagedZone")
def _managed_zone(args: dict[str, Any]) -> dict[str, Any]:
    zone = str(args.get("name", "zone"))
    return {
        "name": zone,
        "project": PROJECT,
        "dnsName": zone.replace("-", ".") + ".",
        "managedZoneId": str(int(digest(zone, 12), 16)),
        "nameServers": [f"ns-cloud-a{i}.googledomains.com." for i in range(1, 5)],
        "visibility": "public",
        "id": f"projects/{PROJECT}/managedZones/{zone}",
    }


@mock_outputs.register("gcp:compute/network:Network")
def _network(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    network = _name(name, inputs)
    return {"name": network, "selfLink": f"{COMPUTE}/global/networks/{network}"}


@mock_outputs.register("gcp:compute/subnetwork:Subnetwork")
def _subnetwork(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    subnet = _name(name, inputs)
    region = inputs.get("region", "xx-mock1")
    return {"name": subnet, "selfLink": f"{COMPUTE}/regions/{region}/subnetworks/{subnet}"}


@mock_outputs.register("gcp:compute/router:Router")
def _router(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"name": _name(name, inputs)}


@mock_outputs.register("gcp:compute/globalAddress:GlobalAddress")
def _global_address(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    address = _name(name, inputs)
    return {"name": address, "selfLink": f"{COMPUTE}/global/addresses/{address}"}


@mock_outputs.register("gcp:compute/healthCheck:HealthCheck")
def _health_check(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    check = _name(name, inputs)
    return {"name": check, "selfLink": f"{COMPUTE}/global/healthChecks/{check}"}


@mock_outputs.register("gcp:certificatemanager/dnsAuthorization:DnsAuthorization")
def _dns_authorization(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    domain = str(inputs.get("domain", "example.com"))
    return {
        "dnsResourceRecords": [
            {
                "name": f"_acme-challenge_{digest(name, 8)}.{domain}.",
                "type": "CNAME",
                "data": f"{digest(name, 12)}.9.authorize.certificatemanager.goog.",
            }
        ]
    }


@mock_outputs.register("gcp:servicenetworking/connection:Connection")
def _service_connection(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"peering": "servicenetworking-googleapis-com"}


@mock_outputs.register("gcp:container/cluster:Cluster")
def _gke_cluster(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    cluster = _name(name, inputs)
    ca = base64.b64encode(f"mock certificate authority of {cluster}".encode()).decode()
    return {
        "name": cluster,
        "endpoint": test_net_ip(f"{name}-endpoint"),
        "masterAuth": {"clusterCaCertificate": ca},
        "selfLink": f"https://container.googleapis.com/v1/projects/{PROJECT}/locations/"
        f"{inputs.get('location', 'xx-mock1')}/clusters/{cluster}",
    }


@mock_outputs.register("gcp:container/nodePool:NodePool")
def _node_pool(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"name": _name(name, inputs)}


@mock_outputs.register("gcp:serviceaccount/account:Account")
def _service_account(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    account = str(inputs.get("accountId") or digest(name, 20))
    email = f"{account}@{PROJECT}.iam.gserviceaccount.com"
    return {
        "email": email,
        "name": f"projects/{PROJECT}/serviceAccounts/{email}",
        "member": f"serviceAccount:{email}",
        "uniqueId": str(int(digest(name, 15), 16)),
    }


@mock_outputs.register("gcp:serviceaccount/key:Key")
def _service_account_key(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    # a credentials file without any key material: base64 of a JSON naming the mock
    document = f'{{"type": "service_account", "mock": "{digest(name, 12)}"}}'
    return {"privateKey": base64.b64encode(document.encode()).decode()}


@mock_outputs.register("gcp:sql/databaseInstance:DatabaseInstance")
def _sql_instance(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    instance = _name(name, inputs)
    value = int(digest(name, 4), 16)
    region = inputs.get("region", "xx-mock1")
    return {
        "name": instance,
        "privateIpAddress": f"10.255.{value % 250}.{value // 250 % 250 + 2}",
        "connectionName": f"{PROJECT}:{region}:{instance}",
        "selfLink": f"https://sqladmin.googleapis.com/sql/v1beta4/projects/{PROJECT}/instances/{instance}",
    }


@mock_outputs.register("gcp:spanner/instance:Instance")
def _spanner_instance(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"name": _name(name, inputs), "state": "READY"}


@mock_outputs.register("gcp:spanner/database:Database")
def _spanner_database(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"name": _name(name, inputs), "state": "READY"}


@mock_outputs.register("gcp:iam/workloadIdentityPool:WorkloadIdentityPool")
def _workload_identity_pool(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    pool = inputs.get("workloadIdentityPoolId") or name
    return {"name": f"projects/{PROJECT_NUMBER}/locations/global/workloadIdentityPools/{pool}"}


@mock_outputs.register("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")
def _workload_identity_pool_provider(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    pool = inputs.get("workloadIdentityPoolId") or name
    provider = inputs.get("workloadIdentityPoolProviderId") or name
    return {
        "name": f"projects/{PROJECT_NUMBER}/locations/global/workloadIdentityPools/{pool}"
        f"/providers/{provider}"
    }


@mock_outputs.register("gcp:storage/bucket:Bucket")
def _gcs_bucket(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    bucket = _name(name, inputs)
    return {
        "name": bucket,
        "url": f"gs://{bucket}",
        "selfLink": f"https://www.googleapis.com/storage/v1/b/{bucket}",
    }


@mock_outputs.register("aws:s3/bucket:Bucket")
def _s3_bucket(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    bucket = str(inputs.get("bucket") or f"{name}-{digest(name, 7)}")
    return {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}"}


@mock_outputs.register("aws:iam/user:User")
def _iam_user(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    user = str(inputs.get("name") or name)
    return {"name": user, "arn": f"arn:aws:iam::123456789012:user/{user}"}


@mock_outputs.register("aws:iam/accessKey:AccessKey")
def _access_key(name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"secret": "mock-" + digest(f"{name}-secret", 35), "status": "Active"}
