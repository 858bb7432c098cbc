"""`plan` (and so `up`, which runs the same program) deploys the roles a failover recorded."""

from __future__ import annotations

import json
from pathlib import Path

from regionkit.ops.failover.roles import RecordedRoles, roles_path
from regionkit.plan.render import recorded_role_lines, render_markdown
from regionkit.plan.runner import plan_stack
from regionkit.program import recorded_roles, stack_program
from regionkit.spec.loader import LoadedStack, load_stack

STACKS = Path(__file__).resolve().parent.parent / "stacks"
MOVED = RecordedRoles(
    writers={"acme-ap-accounts-audit": "us-west"}, dns={"login.example.com": "us-west"}
)


def plan_with(roles: RecordedRoles) -> dict[str, object]:
    loaded = load_stack(STACKS / "aws-ap.yaml")
    return plan_stack(loaded, program=lambda: stack_program(loaded, deploying=False, roles=roles))


def test_the_plan_shows_the_stack_files_writers_by_default() -> None:
    plan = plan_with(RecordedRoles())
    roles = plan["roles"]
    assert isinstance(roles, dict)
    (store,) = roles["stores"]
    assert (store["key"], store["writer"], store["source"]) == (
        "acme-ap-accounts-audit",
        "us-east",
        "stack file",
    )
    (dns,) = roles["dns"]
    assert (dns["region"], dns["source"]) == ("us-east", "stack file")
    assert recorded_role_lines(plan) == []
    assert "### Writers" in render_markdown(plan)


def test_recorded_writers_move_the_connections_and_the_dns_primary() -> None:
    plan = plan_with(MOVED)
    roles = plan["roles"]
    assert isinstance(roles, dict)
    (store,) = roles["stores"]
    assert (store["writer"], store["stackFileWriter"], store["source"]) == (
        "us-west",
        "us-east",
        "recorded",
    )
    assert roles["dns"][0]["region"] == "us-west"
    resources = plan["resources"]
    assert isinstance(resources, list)
    records = {
        r["inputs"]["setIdentifier"]: r["inputs"]["failoverRoutingPolicies"][0]["type"]
        for r in resources
        if r["type"] == "aws:route53/record:Record" and "failoverRoutingPolicies" in r["inputs"]
    }
    assert records == {"us-west": "PRIMARY", "us-east": "SECONDARY"}
    urls = {
        r["region"]: e["value"]
        for r in resources
        if r["type"] == "kubernetes:apps/v1:Deployment" and r["name"].endswith("-runtime")
        for c in r["inputs"]["spec"]["template"]["spec"]["containers"]
        for e in c.get("env", [])
        if e["name"] == "DS_ACCOUNTS_AUDIT_JDBC_URL"
    }
    assert ".global.rds.amazonaws.com" in urls["us-west"]
    assert ".cluster-ro-" in urls["us-east"]
    lines = recorded_role_lines(plan)
    assert len(lines) == 2 and all("switchback" in line for line in lines)
    assert "| recorded |" in render_markdown(plan)


def test_the_program_reads_the_roles_file_next_to_the_stacks_directory(tmp_path: Path) -> None:
    spec = load_stack(STACKS / "aws-ap.yaml").spec
    loaded = LoadedStack(spec, path=tmp_path / "stacks" / "prod.yaml")
    assert not recorded_roles(loaded)
    path = roles_path(tmp_path / "stacks" / "prod.yaml", "prod")
    assert path == tmp_path / ".regionkit" / "workspaces" / "prod" / "roles.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"writers": MOVED.writers, "dns": MOVED.dns}))
    assert recorded_roles(loaded).writers == MOVED.writers
