"""A small two-region Pulumi program with every kind of resource a plan must handle.

Used by the plan tests (model, render, diff, manifests) independently of the topology
components: per-region components with a `region` prop and nested components without one,
global components, Kubernetes core objects and custom resources, cloud data stores that
replicate across regions, and secrets both wrapped (as components must) and not wrapped (the
mistake the plan's defence in depth must still hide).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random
import pulumi_tls as tls

from regionkit.plan import mock_outputs
from regionkit.plan.model import build_plan
from regionkit.plan.recorder import Registration, record
from regionkit.spec.models import StackSpec

# Values a component forgot to wrap with Output.secret: they must still never reach a plan.
PLAIN_MASTER_PASSWORD = "plain-master-password-4711"
PLAIN_ENV_PASSWORD = "plain-admin-password-0815"
PLAIN_SECRET_TOKEN = "plain-token-value-1234"
PLAIN_SECRET_DATA = "plain-data-value-5678"
PASSWORD_LENGTH = 24
CONFIG_XML = '<config xmlns="http://tail-f.com/ns/config/1.0">\n  <environments/>\n</config>\n'

REGIONS = {"us-east": "us-east-1", "eu-west": "eu-west-1"}


@dataclass(frozen=True)
class Options:
    """Knobs the diff tests turn."""

    replicas: int = 2
    max_replicas: int = 6
    extra_env: tuple[tuple[str, str], ...] = ()
    regions: tuple[str, ...] = ("us-east", "eu-west")
    admin_password_length: int = PASSWORD_LENGTH
    config_xml: str = CONFIG_XML
    labels: dict[str, str] = field(default_factory=dict)


def spec(regions: tuple[str, ...] = ("us-east", "eu-west")) -> StackSpec:
    return StackSpec.model_validate(
        {
            "name": "acme-id",
            "topology": "global-cluster" if len(regions) > 1 else "single-region",
            "consistency": "eventual",
            "dns": {"zone": "example.com", "hostname": "login.example.com"},
            "regions": [
                {
                    "id": rid,
                    "cloud": "aws",
                    "location": REGIONS[rid],
                    "jurisdiction": "US" if rid.startswith("us") else "EU",
                }
                for rid in regions
            ],
        }
    )


def password_mock_value(name: str, length: int = PASSWORD_LENGTH) -> str:
    """What the plan mocks compute as `result` of the RandomPassword named `name`."""
    return mock_outputs.outputs_for(
        "random:index/randomPassword:RandomPassword", name, {"length": length}
    )["result"]


def secret_values(options: Options = Options()) -> list[str]:
    """Every secret value the sample program handles, wrapped or not."""
    return [
        PLAIN_MASTER_PASSWORD,
        PLAIN_ENV_PASSWORD,
        PLAIN_SECRET_TOKEN,
        PLAIN_SECRET_DATA,
        base64.b64encode(PLAIN_SECRET_DATA.encode()).decode(),
        password_mock_value("acme-id-admin-password", options.admin_password_length),
    ]


class SharedKeys(pulumi.ComponentResource):
    """Global: one admin password and one signing key for every region."""

    def __init__(self, name: str, options: Options, opts: pulumi.ResourceOptions | None = None):
        super().__init__("regionkit:test:SharedKeys", name, {}, opts)
        self.password = random.RandomPassword(
            f"{name}-admin-password",
            length=options.admin_password_length,
            special=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.signing_key = tls.PrivateKey(
            f"{name}-signing-key",
            algorithm="ECDSA",
            ecdsa_curve="P256",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})


class Workload(pulumi.ComponentResource):
    """A nested component with no region prop: its children take the Region's."""

    def __init__(
        self,
        name: str,
        namespace: str,
        keys: SharedKeys,
        options: Options,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("regionkit:test:Workload", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        labels = {"app.kubernetes.io/name": "idsvr", **options.labels}
        k8s.core.v1.Secret(
            f"{name}-keys",
            metadata={"name": "idsvr-keys", "namespace": namespace},
            string_data={"ADMIN_PASSWORD": keys.password.result},
            opts=child,
        )
        # A component that forgot to wrap: the plan still redacts every value, keeps the keys.
        k8s.core.v1.Secret(
            f"{name}-plain",
            metadata={"name": "idsvr-plain", "namespace": namespace},
            string_data={"TOKEN": PLAIN_SECRET_TOKEN},
            data={"DATA": base64.b64encode(PLAIN_SECRET_DATA.encode()).decode()},
            opts=child,
        )
        k8s.core.v1.ConfigMap(
            f"{name}-config",
            metadata={"name": "idsvr-config", "namespace": namespace},
            data={"config.xml": options.config_xml},
            opts=child,
        )
        env: list[dict[str, Any]] = [
            {"name": "ADMIN_PASSWORD", "value": PLAIN_ENV_PASSWORD},
            {
                "name": "DB_PASSWORD",
                "value_from": {"secret_key_ref": {"name": "idsvr-keys", "key": "ADMIN_PASSWORD"}},
            },
            {"name": "LOG_LEVEL", "value": "INFO"},
        ]
        env += [{"name": k, "value": v} for k, v in options.extra_env]
        metadata: dict[str, Any] = {
            "name": "idsvr-runtime",
            "namespace": namespace,
            "labels": labels,
        }
        deployment_spec: dict[str, Any] = {
            "replicas": options.replicas,
            "selector": {"match_labels": {"app.kubernetes.io/name": "idsvr"}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "security_context": {"run_as_non_root": True, "run_as_user": 10001},
                    "containers": [
                        {
                            "name": "idsvr",
                            "image": "curity.azurecr.io/curity/idsvr:11.2",
                            "ports": [{"name": "http", "container_port": 8443}],
                            "env": env,
                            "resources": {"requests": {"cpu": "1", "memory": "2Gi"}},
                            "readiness_probe": {
                                "http_get": {"path": "/serving", "port": 4465},
                                "period_seconds": 10,
                            },
                        }
                    ],
                },
            },
        }
        k8s.apps.v1.Deployment(
            f"{name}-runtime",
            # Typed dicts do not take a dict built in steps; the SDK accepts it all the same.
            metadata=cast(Any, metadata),
            spec=cast(Any, deployment_spec),
            opts=child,
        )
        k8s.core.v1.Service(
            f"{name}-runtime-svc",
            metadata={"name": "idsvr-runtime", "namespace": namespace},
            spec={
                "selector": {"app.kubernetes.io/name": "idsvr"},
                "ports": [{"name": "http", "port": 8443, "target_port": "http"}],
            },
            opts=child,
        )
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-runtime-hpa",
            metadata={"name": "idsvr-runtime", "namespace": namespace},
            spec={
                "scale_target_ref": {
                    "api_version": "apps/v1",
                    "kind": "Deployment",
                    "name": "idsvr-runtime",
                },
                "min_replicas": options.replicas,
                "max_replicas": options.max_replicas,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "average_utilization": 70},
                        },
                    }
                ],
            },
            opts=child,
        )
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-runtime-pdb",
            metadata={"name": "idsvr-runtime", "namespace": namespace},
            spec={
                "min_available": 1,
                "selector": {"match_labels": {"app.kubernetes.io/name": "idsvr"}},
            },
            opts=child,
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-default-deny",
            metadata={"name": "default-deny", "namespace": namespace},
            spec={"pod_selector": {}, "policy_types": ["Ingress", "Egress"]},
            opts=child,
        )
        self.register_outputs({})


class Region(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        region_id: str,
        *,
        primary: str,
        keys: SharedKeys,
        global_cluster: aws.rds.GlobalCluster,
        options: Options,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("regionkit:test:Region", name, {"region": region_id}, opts)
        k8s_provider = k8s.Provider(
            f"{name}-k8s", context=f"ctx-{region_id}", opts=pulumi.ResourceOptions(parent=self)
        )
        aws_provider = aws.Provider(
            f"{name}-aws", region=REGIONS[region_id], opts=pulumi.ResourceOptions(parent=self)
        )
        child = pulumi.ResourceOptions(parent=self, provider=k8s_provider)
        # Auto-named (no metadata.name): the plan shows the logical name.
        k8s.core.v1.Namespace(f"{name}-ns-extra", opts=child)
        k8s.core.v1.Namespace(f"{name}-ns", metadata={"name": "idsvr"}, opts=child)
        Workload(
            f"{name}-workload",
            "idsvr",
            keys,
            options,
            k8s_provider,
            opts=pulumi.ResourceOptions(parent=self),
        )
        custom = {
            "gateway": (
                "gateway.networking.k8s.io/v1",
                "Gateway",
                {
                    "gatewayClassName": "regionkit",
                    "listeners": [
                        {
                            "name": "https",
                            "port": 443,
                            "protocol": "HTTPS",
                            "hostname": "login.example.com",
                            "tls": {
                                "mode": "Terminate",
                                "certificateRefs": [{"name": "idsvr-tls"}],
                            },
                        }
                    ],
                },
            ),
            "route": (
                "gateway.networking.k8s.io/v1",
                "HTTPRoute",
                {
                    "parentRefs": [{"name": "idsvr", "sectionName": "https"}],
                    "hostnames": ["login.example.com"],
                    "rules": [
                        {
                            "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                            "backendRefs": [{"name": "idsvr-runtime", "port": 8443}],
                            "timeouts": {"request": "30s"},
                        }
                    ],
                },
            ),
            "monitor": (
                "monitoring.coreos.com/v1",
                "ServiceMonitor",
                {
                    "selector": {"matchLabels": {"app.kubernetes.io/name": "idsvr"}},
                    "endpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s"}],
                },
            ),
            "db": ("postgresql.cnpg.io/v1", "Cluster", _cnpg_spec(region_id, primary)),
        }
        for suffix, (api_version, kind, spec_) in custom.items():
            k8s.apiextensions.CustomResource(
                f"{name}-{suffix}",
                api_version=api_version,
                kind=kind,
                metadata={"name": "idsvr" if suffix != "db" else "idsvr-db", "namespace": "idsvr"},
                spec=spec_,
                opts=child,
            )
        writer = region_id == primary
        aws.rds.Cluster(
            f"{name}-aurora",
            cluster_identifier=f"{name}-aurora",
            engine="aurora-postgresql",
            global_cluster_identifier=global_cluster.id,
            master_username="idsvr" if writer else None,
            # Not wrapped in Output.secret on purpose: the plan must redact it by key.
            master_password=PLAIN_MASTER_PASSWORD if writer else None,
            deletion_protection=True,
            opts=pulumi.ResourceOptions(parent=self, provider=aws_provider, protect=True),
        )
        self.register_outputs({})


def _cnpg_spec(region_id: str, primary: str) -> dict[str, Any]:
    base: dict[str, Any] = {
        "instances": 2,
        "imageName": "ghcr.io/cloudnative-pg/postgresql:17",
        "storage": {"size": "10Gi"},
    }
    if region_id == primary:
        return {**base, "bootstrap": {"initdb": {"database": "idsvr", "owner": "idsvr"}}}
    return {
        **base,
        "bootstrap": {"pg_basebackup": {"source": f"idsvr-db-{primary}"}},
        "replica": {"enabled": True, "source": f"idsvr-db-{primary}"},
        "externalClusters": [
            {
                "name": f"idsvr-db-{primary}",
                "connectionParameters": {
                    "host": f"idsvr-db-rw.{primary}.example.internal",
                    "user": "streaming_replica",
                },
                "password": {"name": "idsvr-db-replication", "key": "password"},
            }
        ],
    }


class Gslb(pulumi.ComponentResource):
    """Global: latency records for the one hostname, and the global tables."""

    def __init__(
        self, name: str, regions: tuple[str, ...], opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("regionkit:test:Gslb", name, {}, opts)
        home = aws.Provider(
            f"{name}-aws", region=REGIONS[regions[0]], opts=pulumi.ResourceOptions(parent=self)
        )
        for rid in regions:
            aws.route53.Record(
                f"{name}-{rid}",
                zone_id="Z123",
                name="login.example.com",
                type="A",
                ttl=30,
                records=["203.0.113.10"],
                set_identifier=rid,
                latency_routing_policies=[{"region": REGIONS[rid]}],
                opts=pulumi.ResourceOptions(parent=self, provider=home),
            )
        aws.dynamodb.Table(
            f"{name}-tokens",
            name="acme-id-tokens",
            hash_key="id",
            attributes=[{"name": "id", "type": "S"}],
            billing_mode="PAY_PER_REQUEST",
            replicas=[{"region_name": REGIONS[rid]} for rid in regions[1:]],
            opts=pulumi.ResourceOptions(parent=self, provider=home, protect=True),
        )
        self.register_outputs({})


def program(options: Options = Options()) -> None:
    keys = SharedKeys("acme-id", options)
    global_cluster = aws.rds.GlobalCluster(
        "acme-id-accounts", global_cluster_identifier="acme-id-accounts", engine="aurora-postgresql"
    )
    for rid in options.regions:
        Region(
            f"acme-id-{rid}",
            rid,
            primary=options.regions[0],
            keys=keys,
            global_cluster=global_cluster,
            options=options,
        )
    Gslb("acme-id-gslb", options.regions)


def registrations(options: Options = Options()) -> list[Registration]:
    return record(lambda: program(options), project="acme-id", stack="test")


def plan(options: Options = Options(), findings: list[Any] | None = None) -> dict[str, Any]:
    return build_plan(
        stack="test",
        spec=spec(options.regions),
        registrations=registrations(options),
        findings=findings or [],
        failover=FAILOVER,
    )


#: a failover block as the topology records it: the contract's three keys, nominal and terms
FAILOVER = {
    "detectSeconds": 30,
    "ttlSeconds": 30,
    "nominalSeconds": 45,
    "worstCaseSeconds": 60,
    "terms": [
        {
            "term": "detection",
            "nominalSeconds": 30,
            "worstCaseSeconds": 30,
            "source": "a health check | its threshold",
            "documented": True,
        },
        {
            "term": "resolver caches (TTL)",
            "nominalSeconds": 15,
            "worstCaseSeconds": 30,
            "source": "an assumed bound",
            "documented": False,
        },
    ],
    "caveats": ["Resolvers that cache past the TTL take longer."],
}
