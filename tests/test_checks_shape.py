"""Topology shape, ids, DNS names, consistency, configSync and region locations."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from regionkit.checks import check_spec
from regionkit.findings import Finding, Level
from regionkit.spec import load_stack, load_stack_text
from regionkit.spec.paths import Paths, is_set
from tests.completeness import validate_rest

FIXTURES = Path(__file__).parent / "fixtures" / "stacks"


def run(text: str) -> tuple[list[Finding], str]:
    text = dedent(text).lstrip()
    return validate_rest(load_stack_text(text, Path("x.yaml"))), text


def fixture(name: str) -> tuple[list[Finding], str]:
    path = FIXTURES / name
    return validate_rest(load_stack(path)), path.read_text()


def line_of(text: str, needle: str) -> int:
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(numbers) == 1, f"{needle!r} is on lines {numbers}"
    return numbers[0]


def only(findings: list[Finding], rule: str) -> Finding:
    matching = [f for f in findings if f.rule == rule]
    assert len(matching) == 1, [f.format() for f in findings]
    return matching[0]


def stack(body: str) -> str:
    """HEAD followed by `body`: a stack with DNS and data set, to which a test adds the rest."""
    return HEAD + dedent(body)


def run_body(body: str) -> tuple[list[Finding], str]:
    return run(stack(body))


def rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


REGION = "{id: %s, cloud: aws, location: %s, jurisdiction: US, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}"
US_EAST = REGION % ("us-east", "us-east-1")
US_EAST_2 = REGION % ("us-east-2", "us-east-2")
US_WEST = REGION % ("us-west", "us-west-2")
HEAD = """\
apiVersion: regionkit/v1
name: acme-id
dns: {zone: example.com, hostname: login.example.com}
data:
  tokens: {engine: dynamodb, scope: global}
  accounts: {engine: dynamodb, scope: global}
  audit: {engine: external, scope: global, connection: {secretName: idsvr-audit-db}}
"""


# --- topology.shape ----------------------------------------------------------------------------


def test_single_region_takes_one_region_and_names_the_alternatives() -> None:
    findings, text = fixture("breaks-topology-shape-single-region.yaml")
    finding = only(findings, "topology.shape")
    assert (finding.level, finding.path) == (Level.ERROR, "regions")
    assert finding.line == line_of(text, "regions:")
    assert "found 2 (us-east and us-west)" in finding.message
    assert "active-passive" in finding.message and "global-cluster" in finding.message
    assert fixture("keeps-topology-shape-single-region.yaml")[0] == []


def test_active_passive_takes_exactly_one_active_region() -> None:
    findings, text = fixture("breaks-topology-shape-active-passive.yaml")
    finding = only(findings, "topology.shape")
    assert finding.level is Level.ERROR
    assert finding.line == line_of(text, "regions:")
    assert "found 2 (us-east and us-east-2)" in finding.message
    assert "role: passive" in finding.message
    assert fixture("keeps-topology-shape-active-passive.yaml")[0] == []


def test_active_passive_needs_a_passive_region() -> None:
    findings, _ = fixture("breaks-topology-shape-active-passive-no-passive.yaml")
    assert "at least one passive region" in only(findings, "topology.shape").message


def test_global_cluster_needs_two_active_regions_and_warns_below_three() -> None:
    one = only(fixture("breaks-topology-shape-global-cluster.yaml")[0], "topology.shape")
    two = only(
        fixture("breaks-topology-shape-global-cluster-two-regions.yaml")[0], "topology.shape"
    )
    assert one.level is Level.ERROR and "single-region" in one.message
    assert two.level is Level.WARNING and "3 or more" in two.message
    assert fixture("keeps-topology-shape-global-cluster.yaml")[0] == []


def test_sub_clusters_need_at_least_two_partitions() -> None:
    findings, text = fixture("breaks-topology-shape-sub-clusters.yaml")
    finding = only(findings, "topology.shape")
    assert (finding.path, finding.line) == ("subClusters", line_of(text, "subClusters:"))
    assert fixture("keeps-topology-shape-sub-clusters.yaml")[0] == []


def test_a_sub_cluster_shape_is_reported_inside_the_sub_cluster() -> None:
    findings, text = run_body(
        f"""
        topology: sub-clusters
        subClusters:
          - id: eu
            jurisdiction: EU
            topology: single-region
            dns: {{hostname: login.eu.example.com}}
            regions:
              - {{id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU, cluster: {{apiAllowedCidrs: [203.0.113.0/24]}}}}
              - {{id: eu-central, cloud: aws, location: eu-central-1, jurisdiction: EU, cluster: {{apiAllowedCidrs: [203.0.113.0/24]}}}}
          - id: us
            jurisdiction: US
            topology: single-region
            dns: {{hostname: login.us.example.com}}
            regions: [{US_EAST}]
        """
    )
    finding = only(findings, "topology.shape")
    assert finding.path == "subClusters[0].regions"
    lines = text.splitlines()
    assert finding.line == 1 + lines.index("    regions:")
    assert "sub-cluster eu (single-region)" in finding.message


# --- ids and roles ------------------------------------------------------------------------------


def test_region_ids_are_unique_across_sub_clusters() -> None:
    findings, text = fixture("breaks-schema-duplicate-id.yaml")
    finding = only(findings, "schema.duplicate-id")
    assert finding.path == "subClusters[1].regions[0].id"
    assert finding.line == line_of(text, "- id: main")
    assert "subClusters[0].regions[0]" in finding.message


def test_region_ids_are_unique_within_one_list() -> None:
    findings, text = run_body(
        f"""
        topology: global-cluster
        consistency: eventual
        regions:
          - {US_EAST}
          - {US_WEST}
          - {{id: us-east, cloud: aws, location: us-east-2, jurisdiction: US, cluster: {{apiAllowedCidrs: [203.0.113.0/24]}}}}
        """
    )
    finding = only(findings, "schema.duplicate-id")
    assert (finding.path, finding.line) == ("regions[2].id", line_of(text, "location: us-east-2"))


def test_sub_cluster_ids_are_unique() -> None:
    findings, _ = run_body(
        f"""
        topology: sub-clusters
        subClusters:
          - {{id: eu, jurisdiction: EU, topology: single-region, dns: {{hostname: a.example.com}},
              regions: [{{id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU, cluster: {{apiAllowedCidrs: [203.0.113.0/24]}}}}]}}
          - {{id: eu, jurisdiction: US, topology: single-region, dns: {{hostname: b.example.com}},
              regions: [{US_EAST}]}}
        """
    )
    assert only(findings, "schema.duplicate-id").path == "subClusters[1].id"


def test_passive_role_only_in_active_passive() -> None:
    findings, text = fixture("breaks-topology-role.yaml")
    finding = only(findings, "topology.role")
    assert (finding.path, finding.line) == ("regions[2].role", line_of(text, "role: passive"))
    assert "global-cluster" in finding.message


# --- dns ----------------------------------------------------------------------------------------


def test_zone_is_required_and_reported_at_the_dns_key() -> None:
    findings, text = fixture("breaks-dns-zone.yaml")
    finding = only(findings, "dns.zone")
    assert (finding.path, finding.line) == ("dns.zone", line_of(text, "dns:"))


def test_hostname_is_required() -> None:
    findings, text = run(
        f"""
        apiVersion: regionkit/v1
        name: acme-id
        topology: single-region
        dns: {{zone: example.com}}
        regions: [{US_EAST}]
        """
    )
    finding = only(findings, "dns.hostname")
    assert (finding.path, finding.line) == ("dns.hostname", line_of(text, "dns:"))


def test_hostname_must_be_inside_the_zone() -> None:
    findings, text = fixture("breaks-dns-hostname.yaml")
    finding = only(findings, "dns.hostname")
    assert finding.line == line_of(text, "hostname: login.example.org")
    assert ".example.com" in finding.message
    assert fixture("keeps-dns-hostname-apex.yaml")[0] == []


def test_a_zone_suffix_that_is_not_a_label_boundary_is_outside() -> None:
    findings, _ = run(
        f"""
        apiVersion: regionkit/v1
        name: acme-id
        topology: single-region
        dns: {{zone: example.com, hostname: loginexample.com}}
        regions: [{US_EAST}]
        """
    )
    assert rules(findings) == {"dns.hostname"}


def test_sub_clusters_sharing_an_inherited_hostname() -> None:
    findings, text = run_body(
        f"""
        topology: sub-clusters
        subClusters:
          - {{id: eu, jurisdiction: EU, topology: single-region,
              regions: [{{id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU, cluster: {{apiAllowedCidrs: [203.0.113.0/24]}}}}]}}
          - {{id: us, jurisdiction: US, topology: single-region, regions: [{US_EAST}]}}
        """
    )
    finding = only(findings, "dns.hostname")
    # the hostname both inherit is written at the top level
    assert finding.path == "dns.hostname"
    assert finding.line == line_of(text, "dns:")
    assert "sub-cluster us" in finding.message and "sub-cluster eu" in finding.message


def test_routing_must_fit_the_topology() -> None:
    findings, text = fixture("breaks-dns-routing.yaml")
    finding = only(findings, "dns.routing")
    assert finding.line == line_of(text, "routing: latency")
    assert "failover" in finding.message
    text = stack(
        f"""
        topology: global-cluster
        consistency: eventual
        regions: [{US_EAST}, {US_EAST_2}, {US_WEST}]
        """
    )
    global_failover, _ = run(text.replace("example.com}", "example.com, routing: failover}"))
    assert "latency" in only(global_failover, "dns.routing").message


def test_global_hostname_outside_sub_clusters_is_ignored() -> None:
    finding = only(fixture("breaks-dns-global-hostname.yaml")[0], "dns.global-hostname")
    assert finding.level is Level.WARNING


# --- consistency and configSync -----------------------------------------------------------------


def test_global_cluster_must_declare_consistency() -> None:
    findings, _ = fixture("breaks-topology-consistency.yaml")
    finding = only(findings, "topology.consistency")
    assert (finding.level, finding.path, finding.line) == (Level.ERROR, "consistency", 1)
    for choice in ("partitioned", "strong", "eventual"):
        assert choice in finding.message


def test_consistency_outside_global_cluster_is_ignored_with_a_warning() -> None:
    findings, text = fixture("breaks-topology-consistency-ignored.yaml")
    finding = only(findings, "topology.consistency")
    assert finding.level is Level.WARNING
    assert finding.line == line_of(text, "consistency: strong")


def test_a_global_cluster_sub_cluster_missing_consistency_points_at_the_sub_cluster() -> None:
    findings, text = run_body(
        f"""
        topology: sub-clusters
        subClusters:
          - id: us
            jurisdiction: US
            topology: global-cluster
            dns: {{hostname: login.us.example.com}}
            regions: [{US_EAST}, {US_EAST_2}, {US_WEST}]
          - id: eu
            jurisdiction: EU
            topology: single-region
            dns: {{hostname: login.eu.example.com}}
            regions: [{{id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU, cluster: {{apiAllowedCidrs: [203.0.113.0/24]}}}}]
        """
    )
    finding = only(findings, "topology.consistency")
    assert (finding.path, finding.line) == ("subClusters[0].consistency", line_of(text, "- id: us"))


def test_top_level_consistency_unused_by_every_sub_cluster() -> None:
    findings, _ = run_body(
        f"""
        topology: sub-clusters
        consistency: eventual
        subClusters:
          - {{id: eu, jurisdiction: EU, topology: single-region, dns: {{hostname: a.example.com}},
              regions: [{{id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU, cluster: {{apiAllowedCidrs: [203.0.113.0/24]}}}}]}}
          - {{id: us, jurisdiction: US, topology: single-region, dns: {{hostname: b.example.com}},
              regions: [{US_EAST}]}}
        """
    )
    finding = only(findings, "topology.consistency")
    assert (finding.level, finding.path) == (Level.WARNING, "consistency")


def test_active_passive_expects_config_sync() -> None:
    findings, _ = fixture("breaks-topology-config-sync.yaml")
    finding = only(findings, "topology.config-sync")
    assert (finding.level, finding.path) == (Level.WARNING, "configSync")
    assert "us-west" in finding.message


# --- region locations ---------------------------------------------------------------------------


def test_unknown_location_names_close_matches() -> None:
    findings, text = fixture("breaks-region-location.yaml")
    finding = only(findings, "region.location")
    assert finding.line == line_of(text, "location: eu-west-9")
    assert "eu-west-1" in finding.message


def test_a_location_of_the_other_cloud_suggests_the_nearest_regions() -> None:
    findings, _ = run_body(
        """
        topology: single-region
        regions: [{id: belgium, cloud: aws, location: europe-west1, jurisdiction: BE, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}]
        """
    )
    finding = only(findings, "region.location")
    assert finding.path == "regions[0].location"
    assert "eu-west-3" in finding.message  # Paris is the AWS region nearest to St. Ghislain


def test_kubernetes_locations_are_free_labels() -> None:
    assert fixture("keeps-region-location-kubernetes.yaml")[0] == []


def test_jurisdiction_must_contain_the_location() -> None:
    findings, text = fixture("breaks-region-jurisdiction.yaml")
    finding = only(findings, "region.jurisdiction")
    assert finding.line == line_of(text, "jurisdiction: US")
    assert "DE or EU" in finding.message
    assert fixture("keeps-region-jurisdiction-eu.yaml")[0] == []


@pytest.mark.parametrize("declared", ["GB", "UK"])
def test_london_is_in_gb_also_written_uk(declared: str) -> None:
    findings, _ = run_body(
        f"""
        topology: single-region
        regions: [{{id: london, cloud: aws, location: eu-west-2, jurisdiction: {declared},
                   cluster: {{apiAllowedCidrs: [203.0.113.0/24]}}}}]
        """
    )
    assert findings == []


# --- paths of inherited settings ----------------------------------------------------------------


def test_paths_point_where_a_sub_cluster_setting_is_written() -> None:
    loaded = load_stack_text(
        stack(
            f"""
            topology: sub-clusters
            identityServer: {{runtime: {{minNodes: 3, maxNodes: 6}}}}
            subClusters:
              - id: eu
                jurisdiction: EU
                topology: single-region
                identityServer: {{admin: {{allowedCidrs: [10.0.0.0/8]}}}}
                dns: {{hostname: login.eu.example.com}}
                regions: [{{id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU, cluster: {{apiAllowedCidrs: [203.0.113.0/24]}}}}]
              - id: us
                jurisdiction: US
                topology: single-region
                dns: {{hostname: login.us.example.com}}
                regions: [{US_EAST}]
            """
        )
    )
    eu, us = loaded.spec.deployments()
    eu_paths, us_paths = Paths(loaded.spec, eu), Paths(loaded.spec, us)
    assert eu_paths.of("identityServer.admin.allowedCidrs[0]") == (
        "subClusters[0].identityServer.admin.allowedCidrs[0]"
    )
    assert eu_paths.of("identityServer.runtime.minNodes") == "identityServer.runtime.minNodes"
    assert eu_paths.of("dns.hostname") == "subClusters[0].dns.hostname"
    assert eu_paths.of("dns.zone") == "dns.zone"
    assert us_paths.of("configSync") == "subClusters[1].configSync"
    assert us_paths.region("us-east", "location") == "subClusters[1].regions[0].location"
    assert is_set(loaded.spec, "data.accounts.scope")
    assert not is_set(loaded.spec, "dns.routing")
    assert not is_set(loaded.spec, "regions[0]")


def test_check_spec_works_without_a_file() -> None:
    loaded = load_stack(FIXTURES / "breaks-security-min-nodes.yaml")
    findings = check_spec(loaded.spec)
    assert [(f.rule, f.file, f.line) for f in findings] == [("security.min-nodes", None, None)]
