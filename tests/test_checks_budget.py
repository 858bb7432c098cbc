"""Failover budget: a warning, with the minimum, when the DNS provider cannot meet it."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from regionkit.findings import Finding, Level
from regionkit.model import minimum_budget
from regionkit.spec import load_stack, load_stack_text
from regionkit.spec.models import DnsProvider
from tests.completeness import validate_rest

FIXTURES = Path(__file__).parent / "fixtures" / "stacks"

ACTIVE_PASSIVE = """\
apiVersion: regionkit/v1
name: acme-id
topology: active-passive
dns:
  provider: {provider}
  zone: example.com
  hostname: login.example.com
  failoverBudgetSeconds: {budget}
data:
  tokens: {{engine: cnpg, scope: global}}
  accounts: {{engine: cnpg, scope: global}}
  audit: {{engine: cnpg, scope: global}}
regions:
  - {{id: dc-a, cloud: kubernetes, location: dc-a, jurisdiction: SE, cluster: {{kubeconfigContext: a, gatewayClass: eg}}}}
  - {{id: dc-b, cloud: kubernetes, location: dc-b, jurisdiction: SE, role: passive,
      cluster: {{kubeconfigContext: b, gatewayClass: eg}}}}
configSync: {{repository: https://github.com/acme/idsvr-config.git}}
"""


def budget_findings(provider: str, budget: int) -> list[Finding]:
    text = ACTIVE_PASSIVE.format(provider=provider, budget=budget)
    return [
        f for f in validate_rest(load_stack_text(text, Path("x.yaml"))) if f.rule == "dns.budget"
    ]


def test_a_budget_route53_cannot_meet_is_a_warning_naming_the_minimum() -> None:
    path = FIXTURES / "breaks-dns-budget.yaml"
    (finding,) = validate_rest(load_stack(path))
    assert (finding.rule, finding.level, finding.path) == (
        "dns.budget",
        Level.WARNING,
        "dns.failoverBudgetSeconds",
    )
    lines = path.read_text().splitlines()
    assert finding.line is not None
    assert "failoverBudgetSeconds: 10" in lines[finding.line - 1]
    assert "at least 184" in finding.message
    assert "every 10 s" in finding.message and "3 failed checks" in finding.message
    assert "TTL of 60 s (fixed by Route 53 for alias records" in finding.message


def test_the_fastest_route53_failover_keeps_the_rule() -> None:
    assert validate_rest(load_stack(FIXTURES / "keeps-dns-budget.yaml")) == []


@pytest.mark.parametrize("provider", ["route53", "cloud-dns"])
def test_the_minimum_is_the_boundary(provider: str) -> None:
    minimum = minimum_budget(DnsProvider(provider))
    below = budget_findings(provider, minimum - 1)
    assert len(below) == 1 and f"at least {minimum}" in below[0].message
    assert budget_findings(provider, minimum) == []
    assert budget_findings(provider, 300) == []


def test_cloud_dns_health_checks_are_slower_than_route53() -> None:
    # existing clusters: no alias records, so Route 53's TTL is regionkit's to choose
    route53, cloud_dns = minimum_budget(DnsProvider.ROUTE53), minimum_budget(DnsProvider.CLOUD_DNS)
    assert route53 < cloud_dns
    assert budget_findings("route53", route53) == []
    (finding,) = budget_findings("cloud-dns", route53)
    assert f"cloud-dns cannot promise a failover within {route53} s" in finding.message


def test_a_single_region_has_nothing_to_fail_over_to() -> None:
    text = dedent(
        """\
        apiVersion: regionkit/v1
        name: acme-id
        topology: single-region
        dns: {zone: example.com, hostname: login.example.com, failoverBudgetSeconds: 5}
        regions:
          - {id: dc-a, cloud: kubernetes, location: dc-a, jurisdiction: SE, cluster: {kubeconfigContext: a, gatewayClass: eg}}
        """
    )
    # (the default cnpg store on kubernetes keeps no backups: a warning of its own)
    findings = validate_rest(load_stack_text(text, Path("x.yaml")))
    assert [f.rule for f in findings] == ["data.cnpg-backups"]


def test_a_sub_cluster_budget_is_reported_where_it_is_set() -> None:
    text = dedent(
        """\
        apiVersion: regionkit/v1
        name: acme-id
        topology: sub-clusters
        dns: {zone: example.com}
        data:
          tokens: {engine: external, scope: global, connection: {secretName: idsvr-db}}
          accounts: {engine: external, scope: global, connection: {secretName: idsvr-db}}
          audit: {engine: external, scope: global, connection: {secretName: idsvr-db}}
        subClusters:
          - id: se
            jurisdiction: SE
            topology: active-passive
            dns:
              hostname: login.se.example.com
              failoverBudgetSeconds: 120
            configSync: {repository: https://github.com/acme/idsvr-config.git}
            regions:
              - {id: dc-a, cloud: kubernetes, location: dc-a, jurisdiction: SE, cluster: {kubeconfigContext: a, gatewayClass: eg}}
              - {id: dc-b, cloud: kubernetes, location: dc-b, jurisdiction: SE, role: passive, cluster: {kubeconfigContext: b, gatewayClass: eg}}
          - id: no
            jurisdiction: "NO"
            topology: single-region
            dns: {hostname: login.no.example.com}
            regions:
              - {id: dc-c, cloud: kubernetes, location: dc-c, jurisdiction: "NO", cluster: {kubeconfigContext: c, gatewayClass: eg}}
        """
    )
    (finding,) = validate_rest(load_stack_text(text, Path("x.yaml")))
    assert (finding.rule, finding.path) == (
        "dns.budget",
        "subClusters[0].dns.failoverBudgetSeconds",
    )
    assert finding.line is not None
    assert text.splitlines()[finding.line - 1].strip() == "failoverBudgetSeconds: 120"
