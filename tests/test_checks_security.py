"""Security: admin networks, pinned images, runtime nodes per region."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from regionkit.checks.security import image_pinned
from regionkit.findings import Finding, Level
from regionkit.spec import load_stack, load_stack_text
from tests.completeness import validate_rest

FIXTURES = Path(__file__).parent / "fixtures" / "stacks"

HEAD = """\
apiVersion: regionkit/v1
name: acme-id
dns: {zone: example.com, hostname: login.example.com}
data:
  tokens: {engine: dynamodb, scope: global}
  accounts: {engine: aurora-postgresql, scope: global}
  audit: {engine: aurora-postgresql, scope: global}
"""
US_EAST = "{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}"


def fixture(name: str) -> tuple[list[Finding], str]:
    path = FIXTURES / name
    return validate_rest(load_stack(path)), path.read_text()


def run(body: str) -> tuple[list[Finding], str]:
    text = HEAD + dedent(body)
    return validate_rest(load_stack_text(text, Path("x.yaml"))), text


def line_of(text: str, needle: str) -> int:
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(numbers) == 1, f"{needle!r} is on lines {numbers}"
    return numbers[0]


def test_admin_open_to_the_internet_is_an_error_per_entry() -> None:
    findings, text = fixture("breaks-security-admin-cidr.yaml")
    assert [(f.rule, f.level, f.path, f.line) for f in findings] == [
        (
            "security.admin-cidr",
            Level.ERROR,
            "identityServer.admin.allowedCidrs[1]",
            line_of(text, "- 0.0.0.0/0"),
        ),
        (
            "security.admin-cidr",
            Level.ERROR,
            "identityServer.admin.allowedCidrs[2]",
            line_of(text, "- ::/0"),
        ),
    ]
    assert "6749" in findings[0].message and "0.0.0.0/0" in findings[0].message


def test_private_and_single_host_admin_networks_are_fine() -> None:
    assert fixture("keeps-security-admin-cidr.yaml")[0] == []


def test_a_non_canonical_catch_all_is_still_the_internet() -> None:
    findings, _ = run(
        f"""
        topology: single-region
        identityServer: {{admin: {{allowedCidrs: [0.0.0.0/0, 1.2.3.4/0]}}}}
        regions: [{US_EAST}]
        """
    )
    assert [f.path for f in findings] == [
        "identityServer.admin.allowedCidrs[0]",
        "identityServer.admin.allowedCidrs[1]",
    ]


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("curity.azurecr.io/curity/idsvr:11.2", True),
        ("curity.azurecr.io/curity/idsvr:latest", False),
        ("curity.azurecr.io/curity/idsvr", False),
        ("curity.azurecr.io/curity/idsvr:", False),
        ("registry.example.com:5000/idsvr", False),
        ("registry.example.com:5000/idsvr:11.2.1", True),
        ("idsvr@sha256:" + "a" * 64, True),
        ("curity.azurecr.io/curity/idsvr:latest@sha256:" + "b" * 64, True),
        ("idsvr@md5:abc", False),
    ],
)
def test_image_pinned(image: str, pinned: bool) -> None:
    assert image_pinned(image) is pinned


@pytest.mark.parametrize(
    "name", ["breaks-security-image-unpinned.yaml", "breaks-security-image-unpinned-no-tag.yaml"]
)
def test_unpinned_image_is_an_error(name: str) -> None:
    findings, text = fixture(name)
    (finding,) = findings
    assert (finding.rule, finding.level, finding.path) == (
        "security.image-unpinned",
        Level.ERROR,
        "identityServer.image",
    )
    assert finding.line == line_of(text, "image:")
    assert "@sha256" in finding.message and ":<version>" in finding.message


def test_image_pinned_by_digest_is_fine() -> None:
    assert fixture("keeps-security-image-digest.yaml")[0] == []


def test_config_sync_image_must_be_pinned_too() -> None:
    findings, text = run(
        f"""
        topology: active-passive
        regions:
          - {US_EAST}
          - {{id: us-west, cloud: aws, location: us-west-2, jurisdiction: US, role: passive, cluster: {{apiAllowedCidrs: [203.0.113.0/24]}}}}
        configSync:
          repository: https://github.com/acme/idsvr-config.git
          image: ghcr.io/acme/regionkit:latest
        """
    )
    (finding,) = findings
    assert (finding.rule, finding.path) == ("security.image-unpinned", "configSync.image")
    assert finding.line == line_of(text, "image: ghcr.io")


def test_one_runtime_node_is_an_error() -> None:
    findings, text = fixture("breaks-security-min-nodes.yaml")
    (finding,) = findings
    assert (finding.rule, finding.level, finding.path) == (
        "security.min-nodes",
        Level.ERROR,
        "identityServer.runtime.minNodes",
    )
    assert finding.line == line_of(text, "minNodes: 1")
    assert "at least 2" in finding.message
    assert fixture("keeps-security-min-nodes.yaml")[0] == []


def test_inherited_settings_are_reported_once_where_written() -> None:
    findings, text = run(
        """
        topology: sub-clusters
        identityServer:
          image: curity.azurecr.io/curity/idsvr:latest
        subClusters:
          - id: eu
            jurisdiction: EU
            topology: single-region
            dns: {hostname: login.eu.example.com}
            identityServer: {runtime: {minNodes: 1, maxNodes: 2}}
            regions: [{id: eu-west, cloud: aws, location: eu-west-1, jurisdiction: EU, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}]
          - id: us
            jurisdiction: US
            topology: single-region
            dns: {hostname: login.us.example.com}
            regions: [{id: us-east, cloud: aws, location: us-east-1, jurisdiction: US, cluster: {apiAllowedCidrs: [203.0.113.0/24]}}]
        """
    )
    assert [(f.rule, f.path, f.line) for f in findings] == [
        ("security.image-unpinned", "identityServer.image", line_of(text, ":latest")),
        (
            "security.min-nodes",
            "subClusters[0].identityServer.runtime.minNodes",
            line_of(text, "minNodes: 1"),
        ),
    ]
