"""The plan document (DESIGN section 4): keys, types, determinism, attribution, redaction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regionkit.errors import InvalidInput, StackInvalid
from regionkit.findings import Finding, Level
from regionkit.model import failover_timing
from regionkit.plan.model import (
    SECRET,
    build_plan,
    check_plan,
    clean_inputs,
    load_plan,
    plan_json,
    urn_type,
)
from regionkit.plan.recorder import Registration
from regionkit.plan.render import write_outputs
from regionkit.plan.runner import failover_summary, plan_stack
from regionkit.spec.loader import LoadedStack, load_stack_text
from regionkit.spec.models import DnsProvider, StackSpec
from tests import plan_sample

CONTRACT_KEYS = [
    "apiVersion",
    "stack",
    "topology",
    "regions",
    "resources",
    "findings",
    "failover",
    "scenarios",  # an extension of DESIGN section 4 (issue 5): the article's test scenarios
    "summary",
]
RESOURCE_KEYS = {"urn", "type", "name", "parent", "region", "inputs"}
REGION_KEYS = {"id", "cloud", "location", "jurisdiction", "role", "subCluster"}


@pytest.fixture(scope="module")
def plan() -> dict:
    return plan_sample.plan()


def by_name(plan: dict, name: str) -> dict:
    return next(r for r in plan["resources"] if r["name"] == name)


def test_top_level_keys_and_types(plan: dict) -> None:
    assert list(plan) == CONTRACT_KEYS
    assert plan["apiVersion"] == "regionkit/v1"
    assert plan["stack"] == "test"
    assert plan["topology"] == "global-cluster"
    assert isinstance(plan["failover"], dict)
    assert set(plan["summary"]) >= {"resources", "byType", "byRegion"}


def test_regions_rows(plan: dict) -> None:
    assert plan["regions"] == [
        {
            "id": "us-east",
            "cloud": "aws",
            "location": "us-east-1",
            "jurisdiction": "US",
            "role": "active",
            "subCluster": None,
        },
        {
            "id": "eu-west",
            "cloud": "aws",
            "location": "eu-west-1",
            "jurisdiction": "EU",
            "role": "active",
            "subCluster": None,
        },
    ]


def test_every_resource_has_the_contract_fields(plan: dict) -> None:
    assert plan["resources"]
    for resource in plan["resources"]:
        assert set(resource) >= RESOURCE_KEYS, resource["urn"]
        assert isinstance(resource["urn"], str) and resource["urn"].startswith("urn:pulumi:test::")
        assert urn_type(resource["urn"]) == resource["type"]
        assert resource["parent"] is None or resource["parent"].startswith("urn:pulumi:")
        assert resource["region"] in (None, "us-east", "eu-west")
        assert isinstance(resource["inputs"], dict)


def test_resources_sorted_by_urn_and_unique(plan: dict) -> None:
    urns = [r["urn"] for r in plan["resources"]]
    assert urns == sorted(urns)
    assert len(set(urns)) == len(urns)


def test_same_program_planned_twice_is_byte_identical() -> None:
    first = plan_json(plan_sample.plan())
    second = plan_json(plan_sample.plan())
    assert first == second
    assert json.loads(first)["resources"]


def test_root_stack_parent_is_null_and_children_name_their_parent(plan: dict) -> None:
    assert by_name(plan, "acme-id-us-east")["parent"] is None
    workload = by_name(plan, "acme-id-us-east-workload")
    assert by_name(plan, "acme-id-us-east-workload-runtime")["parent"] == workload["urn"]
    assert workload["parent"] == by_name(plan, "acme-id-us-east")["urn"]


def test_region_is_the_nearest_component_ancestor_with_a_region_input(plan: dict) -> None:
    # through a nested component that has no region prop of its own
    assert by_name(plan, "acme-id-eu-west-workload-runtime")["region"] == "eu-west"
    assert by_name(plan, "acme-id-eu-west-workload")["region"] == "eu-west"
    assert by_name(plan, "acme-id-eu-west")["region"] == "eu-west"
    # a custom resource's own "region" input (a provider pinned to a cloud region) is not one
    assert by_name(plan, "acme-id-gslb-aws")["inputs"]["region"] == "us-east-1"
    assert by_name(plan, "acme-id-gslb-aws")["region"] is None
    assert by_name(plan, "acme-id-gslb-us-east")["region"] is None
    assert by_name(plan, "acme-id-accounts")["region"] is None


def test_summary_counts(plan: dict) -> None:
    summary = plan["summary"]
    resources = plan["resources"]
    assert summary["resources"] == len(resources)
    assert sum(summary["byType"].values()) == len(resources)
    assert summary["byType"]["kubernetes:apps/v1:Deployment"] == 2
    assert list(summary["byRegion"]) == ["us-east", "eu-west"]
    assert summary["byRegion"]["us-east"] == sum(r["region"] == "us-east" for r in resources)
    assert summary["global"] == sum(r["region"] is None for r in resources)
    assert sum(summary["byRegion"].values()) + summary["global"] == len(resources)


def test_numbers_are_ints_where_integral(plan: dict) -> None:
    deployment = by_name(plan, "acme-id-us-east-workload-runtime")
    assert deployment["inputs"]["spec"]["replicas"] == 2
    assert type(deployment["inputs"]["spec"]["replicas"]) is int
    assert '"replicas": 2,' in plan_json(plan) or '"replicas": 2\n' in plan_json(plan)
    assert "2.0" not in json.dumps(deployment)


def test_input_keys_are_sorted(plan: dict) -> None:
    def check(value: object) -> None:
        if isinstance(value, dict):
            assert list(value) == sorted(value)
            for item in value.values():
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)

    assert plan["resources"]
    for resource in plan["resources"]:
        check(resource["inputs"])


def test_secret_values_are_redacted_where_they_were(plan: dict) -> None:
    assert by_name(plan, "acme-id-us-east-workload-keys")["inputs"]["stringData"] == SECRET
    assert by_name(plan, "acme-id-us-east-aurora")["inputs"]["masterPassword"] == SECRET
    assert by_name(plan, "acme-id-us-east-aurora")["inputs"]["masterUsername"] == "idsvr"
    env = by_name(plan, "acme-id-us-east-workload-runtime")["inputs"]["spec"]["template"]["spec"][
        "containers"
    ][0]["env"]
    assert {"name": "ADMIN_PASSWORD", "value": SECRET} in env
    assert {"name": "LOG_LEVEL", "value": "INFO"} in env


def test_no_secret_value_appears_in_any_output(plan: dict, tmp_path: Path) -> None:
    written = write_outputs(plan, tmp_path)
    assert any(p.suffix == ".yaml" for p in written)
    texts = {str(p): p.read_text() for p in written}
    texts["<plan json>"] = plan_json(plan)
    for secret in plan_sample.secret_values():
        for where, text in texts.items():
            assert secret not in text, f"{secret!r} leaked into {where}"


def test_clean_inputs_drops_internal_keys_and_redacts_by_type_and_key() -> None:
    assert clean_inputs("aws:s3/bucket:Bucket", {"__defaults": [], "bucket": "b", "size": 3.0}) == {
        "bucket": "b",
        "size": 3,
    }
    assert clean_inputs("tls:index/privateKey:PrivateKey", {"privateKeyPem": "-----BEGIN"}) == {
        "privateKeyPem": SECRET
    }
    # a Secret's keys stay visible, every value is redacted
    assert clean_inputs("kubernetes:core/v1:Secret", {"data": {"A": "eA==", "B": "eQ=="}}) == {
        "data": {"A": SECRET, "B": SECRET}
    }
    assert clean_inputs(
        "gcp:sql/user:User",
        {"password": "x", "passwordWo": "y", "secretName": "s", "manageMasterUserPassword": True},
    ) == {
        "manageMasterUserPassword": True,
        "password": SECRET,
        "passwordWo": SECRET,
        "secretName": "s",
    }


def test_findings_and_failover_pass_through() -> None:
    finding = Finding(Level.WARNING, "shape.regions", "regions", "fewer than 3 regions")
    plan = build_plan(
        stack="dev",
        spec=plan_sample.spec(),
        registrations=[],
        findings=[finding],
        failover=None,
    )
    assert plan["findings"] == [
        {
            "level": "warning",
            "rule": "shape.regions",
            "path": "regions",
            "message": "fewer than 3 regions",
        }
    ]
    assert plan["failover"] is None
    assert plan["resources"] == []
    assert plan["summary"] == {
        "resources": 0,
        "byType": {},
        "byRegion": {"us-east": 0, "eu-west": 0},
        "global": 0,
    }


#: a service role and no data source: a configuration that fits every data layout
MINIMAL_CONFIG = Path(__file__).parent / "fixtures" / "stacks" / "config-minimal"
COMPLETE = {"config": {"path": str(MINIMAL_CONFIG)}, "license": {"secretName": "idsvr-license"}}

SUB_CLUSTERS = {
    "name": "acme-id",
    "topology": "sub-clusters",
    "identityServer": COMPLETE,
    "dns": {"provider": "route53", "zone": "example.com", "failoverBudgetSeconds": 60},
    "subClusters": [
        {
            "id": "eu",
            "jurisdiction": "EU",
            "topology": "single-region",
            "dns": {"hostname": "login.eu.example.com", "failoverBudgetSeconds": 300},
            "regions": [
                {
                    "id": "eu-west",
                    "cloud": "aws",
                    "location": "eu-west-1",
                    "jurisdiction": "EU",
                    "cluster": {"apiAllowedCidrs": ["203.0.113.0/24"]},
                }
            ],
        },
        {
            "id": "us",
            "jurisdiction": "US",
            "topology": "single-region",
            "dns": {"hostname": "login.us.example.com"},
            "regions": [
                {
                    "id": "us-east",
                    "cloud": "aws",
                    "location": "us-east-1",
                    "jurisdiction": "US",
                    "cluster": {"apiAllowedCidrs": ["203.0.113.0/24"]},
                }
            ],
        },
    ],
}


def _topology(sub_cluster: str | None, timing: dict[str, int]) -> Registration:
    return Registration(
        urn=f"urn:pulumi:dev::acme-id::regionkit:topology:SingleRegion::{sub_cluster}",
        type="regionkit:topology:SingleRegion",
        name=str(sub_cluster),
        parent=None,
        custom=False,
        provider=None,
        inputs={"subCluster": sub_cluster, "failover": timing},
    )


def test_failover_is_read_from_the_recording_not_the_spec() -> None:
    # a timing no budget yields: the summary can only have read it from the registration
    odd = {"detectSeconds": 7, "ttlSeconds": 5, "worstCaseSeconds": 12}
    assert failover_summary([_topology(None, odd)]) == odd
    assert failover_summary([]) is None


def test_failover_of_sub_clusters_is_the_worst_with_each_one() -> None:
    spec = StackSpec.model_validate(SUB_CLUSTERS)
    eu_sub, us_sub = spec.deployments()
    # EKS regions behind Route 53: alias records, whose TTL Route 53 fixes at 60 s
    eu = failover_timing(DnsProvider.ROUTE53, 300, eu_sub.regions).to_json()
    us = failover_timing(DnsProvider.ROUTE53, 60, us_sub.regions).to_json()
    assert eu["ttlSeconds"] == us["ttlSeconds"] == 60
    assert eu["worstCaseSeconds"] > us["worstCaseSeconds"]
    plan = plan_stack(LoadedStack(spec=spec))
    assert plan["failover"] == {**eu, "bySubCluster": {"eu": eu, "us": us}}
    registered = [
        r["inputs"]["failover"]
        for r in plan["resources"]
        if r["type"] == "regionkit:topology:SingleRegion"
    ]
    assert registered == [eu, us]


def test_sub_cluster_regions_and_summary() -> None:
    spec = StackSpec.model_validate(SUB_CLUSTERS)
    plan = build_plan(stack="sov", spec=spec, registrations=[], findings=[], failover=None)
    assert [(r["id"], r["subCluster"]) for r in plan["regions"]] == [
        ("eu-west", "eu"),
        ("us-east", "us"),
    ]
    assert plan["topology"] == "sub-clusters"
    assert plan["summary"]["bySubCluster"] == {"eu": 0, "us": 0}


STACK = """\
apiVersion: regionkit/v1
name: acme-id
topology: single-region
identityServer:
  admin:
    allowedCidrs: [{cidr}]
  config: {{path: {config}}}
  license: {{secretName: idsvr-license}}
dns: {{provider: route53, zone: example.com, hostname: login.example.com}}
data:
  tokens: {{engine: cnpg, scope: region}}
  accounts: {{engine: cnpg, scope: region}}
  audit: {{engine: cnpg, scope: region}}
regions:
  - {{id: home, cloud: kubernetes, location: dc-1, jurisdiction: SE,
      cluster: {{kubeconfigContext: dev, gatewayClass: eg}}}}
"""


def test_runner_plans_a_valid_stack_with_a_given_program() -> None:
    loaded = load_stack_text(
        STACK.format(cidr="10.0.0.0/8", config=MINIMAL_CONFIG), Path("stacks/dev.yaml")
    )
    plan = plan_stack(
        loaded, program=lambda: plan_sample.program(plan_sample.Options(regions=("us-east",)))
    )
    assert plan["stack"] == "dev"
    assert plan["topology"] == "single-region"
    assert [r["id"] for r in plan["regions"]] == ["home"]
    # the failover block is what a topology registered, and this program registers none
    assert plan["failover"] is None
    assert all(f["level"] != "error" for f in plan["findings"])
    assert plan["summary"]["byType"]["kubernetes:apps/v1:Deployment"] == 1


def test_runner_refuses_an_invalid_stack_before_running_the_program() -> None:
    loaded = load_stack_text(
        STACK.format(cidr="0.0.0.0/0", config=MINIMAL_CONFIG), Path("stacks/dev.yaml")
    )
    ran = []
    with pytest.raises(StackInvalid) as caught:
        plan_stack(loaded, program=lambda: ran.append(True))
    assert ran == []
    assert any(f.is_error for f in caught.value.findings)


def test_check_plan_and_load_plan(tmp_path: Path, plan: dict) -> None:
    good = tmp_path / "plan.json"
    good.write_text(plan_json(plan))
    assert load_plan(good) == plan
    with pytest.raises(InvalidInput, match="missing"):
        check_plan({"apiVersion": "regionkit/v1"}, "x.json")
    with pytest.raises(InvalidInput, match="apiVersion"):
        check_plan({**plan, "apiVersion": "regionkit/v0"}, "x.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(InvalidInput, match="not JSON"):
        load_plan(broken)
    with pytest.raises(InvalidInput, match="no such plan file"):
        load_plan(tmp_path / "missing.json")


def test_record_skips_pulumi_stack_trace_capture_and_restores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pulumi.runtime import resource as pulumi_resource

    from regionkit.plan.recorder import record

    captured: list[bool] = []

    def capture() -> object:
        captured.append(True)
        raise AssertionError("the offline plan must not walk the stack")

    monkeypatch.setattr(pulumi_resource, "_get_stack_trace", capture)
    registrations = record(
        lambda: plan_sample.program(plan_sample.Options(regions=("us-east",))),
        project="test",
        stack="dev",
    )
    assert registrations
    assert captured == []
    assert pulumi_resource._get_stack_trace is capture


def test_record_restores_stack_trace_capture_when_the_program_fails() -> None:
    from pulumi.runtime import resource as pulumi_resource

    from regionkit.plan.recorder import record

    before = pulumi_resource._get_stack_trace

    def program() -> None:
        raise ValueError("broken program")

    with pytest.raises(ValueError, match="broken program"):
        record(program, project="test", stack="dev")
    assert pulumi_resource._get_stack_trace is before


def test_registrations_name_the_custom_resources_they_wait_for() -> None:
    registrations = plan_sample.registrations(plan_sample.Options(regions=("us-east",)))
    by_name = {r.name: r for r in registrations}
    # global_cluster_identifier=global_cluster.id: an input from another resource's output
    assert [d.rsplit("::", 1)[1] for d in by_name["acme-id-us-east-aurora"].dependencies] == [
        "acme-id-accounts"
    ]
    assert by_name["acme-id-accounts"].dependencies == ()
