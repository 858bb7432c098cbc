"""The resolved model: store groups, timing, roles and names, computed once per spec object."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionkit.catalog.dns import LIMITS
from regionkit.model import (
    ResolvedDeployment,
    failover_timing,
    meets_budget,
    minimum_budget,
    resolve,
    workload_service_account,
)
from regionkit.spec.loader import load_stack
from regionkit.spec.models import DnsProvider, Role, StackSpec

STACKS = Path(__file__).parent.parent / "stacks"


def spec_of(name: str) -> StackSpec:
    return load_stack(STACKS / f"{name}.yaml").spec


def test_resolve_is_computed_once_per_object() -> None:
    spec = spec_of("sovereign")
    resolved = resolve(spec)
    assert resolve(spec) is resolved
    for deployment in resolved.deployments:
        assert resolve(deployment.deployment) is deployment
    # an equal spec loaded again is another object: resolved again, to an equal answer
    again = resolve(spec_of("sovereign"))
    assert again is not resolved
    assert [d.store_groups for d in again.deployments] == [
        d.store_groups for d in resolved.deployments
    ]


def test_store_groups_carry_ids_placements_and_writers() -> None:
    (resolved,) = resolve(spec_of("aws-ap")).deployments
    tokens, accounts = resolved.store_groups
    assert tokens.data_source_id == "tokens"
    assert accounts.data_source_id == "accounts-audit"
    assert accounts.env_prefix == "DS_ACCOUNTS_AUDIT_"
    assert accounts.placements == (("us-east", "us-west"),)
    assert accounts.writers == ("us-east",)  # the active region, not the passive one
    assert resolved.group_of("audit") is accounts
    assert resolved.roles == {"us-east": Role.ACTIVE, "us-west": Role.PASSIVE}


def test_sub_clusters_resolve_each_with_its_own_names() -> None:
    resolved = resolve(spec_of("sovereign"))
    assert [d.sub_cluster for d in resolved.deployments] == ["eu", "us", "cn"]
    eu = resolved.deployments[0]
    assert (eu.namespace, eu.service_account) == workload_service_account(eu.deployment)
    assert eu.namespace == "acme-sov-eu"
    assert eu.regional_hostname("eu-ie") == f"eu-ie.{eu.deployment.hostname}"
    # scope jurisdiction in a sub-cluster of one jurisdiction: one store over both regions
    assert eu.group_of("accounts").placements == (("eu-ie", "eu-de"),)


@pytest.mark.parametrize("provider", list(DnsProvider))
@pytest.mark.parametrize("budget", range(1, 400, 3))
def test_timing_is_always_within_the_providers_limits(provider: DnsProvider, budget: int) -> None:
    """What the GSLB configures as is: no component needs to clamp it."""
    limits = LIMITS[provider]
    timing = failover_timing(provider, budget)
    assert timing.interval_seconds in limits.intervals
    # sized against flapping: one lost check never moves traffic
    assert 2 <= timing.failure_threshold <= limits.max_threshold
    assert limits.min_ttl <= timing.ttl_seconds <= limits.max_ttl
    assert meets_budget(provider, budget) is (timing.worst_case_seconds <= budget)
    if budget >= minimum_budget(provider):
        assert meets_budget(provider, budget)


def test_cloud_dns_is_never_probed_faster_than_every_30_seconds() -> None:
    assert min(failover_timing(DnsProvider.CLOUD_DNS, b).interval_seconds for b in range(500)) == 30


def test_resolved_timing_is_the_deployments_budget() -> None:
    (resolved,) = resolve(spec_of("gcp-global")).deployments
    dns = resolved.deployment.dns
    assert isinstance(resolved, ResolvedDeployment)
    regions = resolved.deployment.regions
    assert resolved.timing == failover_timing(dns.provider, dns.failover_budget_seconds, regions)
    assert resolved.meets_budget is meets_budget(dns.provider, dns.failover_budget_seconds, regions)
