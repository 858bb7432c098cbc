"""The cloud and cluster posture of the example stacks' plans (issue 13): flow logs, the default
security group, rule descriptions, database audit trails, backup buckets, pod resources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from regionkit.catalog import posture
from tests.conftest import STACKS
from tests.example_plans import example_plan

AUDIT = {
    "log_statement": "ddl",
    "log_connections": "on",
    "log_disconnections": "on",
    "pgaudit.log": "ddl,role",
}


def plan(stack: str) -> dict[str, Any]:
    return example_plan(STACKS / f"{stack}.yaml")


def of_type(stack: str, token: str) -> list[dict[str, Any]]:
    return [r for r in plan(stack)["resources"] if r["type"] == token]


@pytest.mark.parametrize("stack", ["aws-ap", "mixed-ap"])
def test_every_vpc_logs_its_flows_and_locks_its_default_security_group(stack: str) -> None:
    vpcs = of_type(stack, "aws:ec2/vpc:Vpc")
    flow_logs = of_type(stack, "aws:ec2/flowLog:FlowLog")
    defaults = of_type(stack, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    groups = {g["name"]: g for g in of_type(stack, "aws:cloudwatch/logGroup:LogGroup")}
    assert vpcs, "the stack has AWS regions"
    assert len(flow_logs) == len(defaults) == len(vpcs)
    for flow_log in flow_logs:
        assert flow_log["inputs"]["trafficType"] == "ALL"
        assert flow_log["inputs"]["logDestinationType"] == "cloud-watch-logs"
        assert flow_log["inputs"]["iamRoleArn"]
        assert groups[flow_log["name"]]["inputs"]["retentionInDays"] == 365
    for default in defaults:
        assert not default["inputs"].get("ingress") and not default["inputs"].get("egress")


def test_the_flow_log_role_is_for_this_accounts_flow_logs_only() -> None:
    roles = [r for r in of_type("aws-ap", "aws:iam/role:Role") if r["name"].endswith("-flow-logs")]
    assert roles
    for role in roles:
        (statement,) = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
        assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_every_security_group_rule_says_what_it_is_for() -> None:
    groups = of_type("aws-ap", "aws:ec2/securityGroup:SecurityGroup")
    rules = [rule for g in groups for rule in g["inputs"].get("ingress", [])]
    assert rules, "Aurora's security groups have ingress rules"
    assert all(rule.get("description") for rule in rules)


@pytest.mark.parametrize("stack", ["gcp-ap", "mixed-ap"])
def test_every_gcp_subnet_logs_its_flows(stack: str) -> None:
    subnets = of_type(stack, "gcp:compute/subnetwork:Subnetwork")
    assert subnets
    for subnet in subnets:
        assert subnet["inputs"]["logConfig"] == {
            "aggregationInterval": "INTERVAL_5_SEC",
            "flowSampling": 0.5,
            "metadata": "INCLUDE_ALL_METADATA",
        }


def test_cloud_sql_instances_keep_an_audit_trail() -> None:
    instances = of_type("gcp-ap", "gcp:sql/databaseInstance:DatabaseInstance")
    assert instances
    for instance in instances:
        flags = {f["name"]: f["value"] for f in instance["inputs"]["settings"]["databaseFlags"]}
        assert flags == {"cloudsql.enable_pgaudit": "on", **AUDIT}


def test_aurora_clusters_keep_an_audit_trail() -> None:
    groups = {
        g["name"]: g
        for g in of_type("aws-ap", "aws:rds/clusterParameterGroup:ClusterParameterGroup")
    }
    clusters = of_type("aws-ap", "aws:rds/cluster:Cluster")
    assert clusters
    for cluster in clusters:
        group = groups[cluster["inputs"]["dbClusterParameterGroupName"]]
        assert group["inputs"]["family"] == "aurora-postgresql16"
        parameters = {p["name"]: p["value"] for p in group["inputs"]["parameters"]}
        assert parameters == {"shared_preload_libraries": "pg_stat_statements,pgaudit", **AUDIT}
        assert cluster["inputs"]["enabledCloudwatchLogsExports"] == ["postgresql"]


def test_cnpg_clusters_keep_an_audit_trail() -> None:
    clusters = of_type("mixed-ap", "kubernetes:postgresql.cnpg.io/v1:Cluster")
    assert len(clusters) == 2
    for cluster in clusters:
        parameters = cluster["inputs"]["spec"]["postgresql"]["parameters"]
        assert {k: parameters[k] for k in AUDIT} == AUDIT


def test_cross_cloud_backups_hold_no_long_lived_key() -> None:
    # mixed-ap: the writer on EKS, the replica on GKE; the replica federates into AWS
    keys = of_type("mixed-ap", "aws:iam/accessKey:AccessKey")
    users = of_type("mixed-ap", "aws:iam/user:User")
    assert keys == [] and users == []
    urls = sorted(
        p["inputs"]["url"]
        for p in of_type("mixed-ap", "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    )
    # the EKS cluster's own (IRSA), and the GKE cluster's issuer the replica's role trusts
    assert len(urls) == 2
    assert urls[0].startswith("https://container.googleapis.com/v1/projects/acme-mx-prod/")


def test_backup_buckets_log_access_and_drop_abandoned_uploads() -> None:
    (logging,) = of_type("mixed-ap", "aws:s3/bucketLogging:BucketLogging")
    lifecycles = of_type(
        "mixed-ap", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
    )
    assert len(lifecycles) == 2  # the backups' and their access logs'
    for lifecycle in lifecycles:
        aborts = [r for r in lifecycle["inputs"]["rules"] if "abortIncompleteMultipartUpload" in r]
        assert aborts == [
            {**aborts[0], "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}}
        ]
    assert logging["inputs"]["targetPrefix"] == "access/"


def _containers(resource: dict[str, Any]) -> list[dict[str, Any]]:
    spec = resource["inputs"].get("spec") or {}
    template = spec.get("jobTemplate", {}).get("spec", {}).get("template") or spec.get("template")
    if not template:
        return []
    pod = template["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


@pytest.mark.parametrize("stack", sorted(p.stem for p in Path(STACKS).glob("*.yaml")))
def test_every_container_and_init_container_sets_cpu_and_memory_requests_and_limits(
    stack: str,
) -> None:
    containers = [
        c
        for r in plan(stack)["resources"]
        if r["type"].startswith("kubernetes:")
        for c in _containers(r)
    ]
    assert containers, "the plan has pods"
    for container in containers:
        resources = container["resources"]
        for kind in ("requests", "limits"):
            assert set(resources[kind]) >= {"cpu", "memory"}, (container["name"], kind)


def test_posture_values_are_the_documented_ones() -> None:
    assert posture.FLOW_LOG_RETENTION_DAYS >= 365
    assert posture.ABORT_INCOMPLETE_UPLOAD_DAYS == 7
    assert posture.POSTGRES_AUDIT_SETTINGS == AUDIT
