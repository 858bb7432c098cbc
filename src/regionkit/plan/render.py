"""Render a plan: a terminal table, Markdown for a pull-request comment, a Mermaid topology."""

from __future__ import annotations

import html
import io
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regionkit.plan.diff import COMMENT_LIMIT, fit_comment
from regionkit.plan.manifests import manifest_files
from regionkit.plan.model import count_by, plan_json, resources_by_region
from regionkit.plan.out_dir import write_owned
from regionkit.plan.topology_graph import render_mermaid

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = [
    "render_markdown",
    "render_mermaid",
    "render_table",
    "render_text",
    "write_outputs",
]

Plan = Mapping[str, Any]


def _region_label(region_id: str | None) -> str:
    return region_id if region_id is not None else "global"


def _finding_counts(plan: Plan) -> str:
    findings = plan.get("findings") or []
    if not findings:
        return "no findings"
    levels = count_by(findings, "level")
    parts = [f"{n} {level}{'s' if n != 1 else ''}" for level, n in levels.items()]
    return ", ".join(parts)


def _failover_rows(plan: Plan) -> list[tuple[str, Mapping[str, Any]]]:
    failover = plan.get("failover")
    if not failover:
        return []
    by_sub = failover.get("bySubCluster")
    if by_sub:
        return [(f"sub-cluster {sub}", timing) for sub, timing in by_sub.items()]
    return [("", failover)]


def _failover_sentence(timing: Mapping[str, Any]) -> str:
    nominal = timing.get("nominalSeconds")
    return (
        (f"nominal {nominal} s, " if nominal is not None else "")
        + f"worst case {timing['worstCaseSeconds']} s (detect {timing['detectSeconds']} s, "
        f"TTL {timing['ttlSeconds']} s)"
    )


def _failover_terms(timing: Mapping[str, Any]) -> list[str]:
    """The terms of one failover figure as a Markdown table, then its caveats."""
    terms = timing.get("terms") or []
    if not terms:
        return []
    lines = ["| term | nominal (s) | worst case (s) | source |", "|---|---|---|---|"]
    for term in terms:
        source = term["source"] + ("" if term.get("documented", True) else " (assumed)")
        lines.append(
            f"| {_cell(term['term'])} | {term['nominalSeconds']} | "
            f"{term['worstCaseSeconds']} | {_cell(source)} |"
        )
    lines.append(f"| **total** | {timing.get('nominalSeconds')} | {timing['worstCaseSeconds']} | |")
    return ["", *lines, "", *(f"_{_cell(c)}_" for c in timing.get("caveats") or []), ""]


# --- terminal ----------------------------------------------------------------------------------


def render_table(plan: Plan) -> RenderableType:
    """Regions, resources by region and type, findings, failover: a rich renderable."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    summary = plan["summary"]
    title = Text.assemble(
        ("Plan ", "bold"),
        (plan["stack"], "bold cyan"),
        f" ({plan['topology']}): {summary['resources']} resources in "
        f"{len(plan['regions'])} region(s), {_finding_counts(plan)}",
    )
    with_sub = any(r["subCluster"] for r in plan["regions"])
    regions = Table(title="Regions", box=box.SIMPLE_HEAD, title_justify="left")
    columns = ["region"] + (["sub-cluster"] if with_sub else [])
    for column in (*columns, "cloud", "location", "jurisdiction", "role"):
        regions.add_column(column)
    regions.add_column("resources", justify="right")
    for r in plan["regions"]:
        regions.add_row(
            r["id"],
            *([r["subCluster"]] if with_sub else []),
            r["cloud"],
            r["location"],
            r["jurisdiction"],
            r["role"],
            str(summary["byRegion"].get(r["id"], 0)),
        )
    by_type = Table(title="Resources by region and type", box=box.SIMPLE_HEAD, title_justify="left")
    by_type.add_column("region")
    by_type.add_column("type")
    by_type.add_column("count", justify="right")
    for region_id, resources in resources_by_region(plan).items():
        for index, (type_token, n) in enumerate(count_by(resources, "type").items()):
            by_type.add_row(_region_label(region_id) if index == 0 else "", type_token, str(n))
        if resources:
            by_type.add_section()
    parts: list[RenderableType] = [title, regions, by_type]
    findings = plan.get("findings") or []
    if findings:
        table = Table(title="Findings", box=box.SIMPLE_HEAD, title_justify="left")
        for column in ("level", "rule", "path", "message"):
            table.add_column(column, overflow="fold")
        styles = {"error": "bold red", "warning": "yellow"}
        for f in findings:
            table.add_row(
                Text(f["level"], style=styles.get(f["level"], "")),
                f["rule"],
                f["path"],
                f["message"],
            )
        parts.append(table)
    else:
        parts.append(Text("No findings."))
    for label, timing in _failover_rows(plan):
        prefix = f"DNS failover {label}: " if label else "DNS failover: "
        parts.append(Text(prefix + _failover_sentence(timing)))
    parts.extend(Text(line, style="yellow") for line in recorded_role_lines(plan))
    return Group(*parts)


def _role_rows(roles: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(what, writer or primary, the stack file's, source) of every store and DNS record."""
    rows = [
        (f"{s['engine']} {s['key']}", s["writer"], s["stackFileWriter"], s["source"])
        for s in roles.get("stores") or []
    ]
    rows += [
        (f"DNS {d['hostname']}", d["region"] or "", d["stackFileRegion"] or "", d["source"])
        for d in roles.get("dns") or []
    ]
    return rows


def recorded_role_lines(plan: Plan) -> list[str]:
    """One line per writer or DNS primary a failover left away from the stack file's."""
    return [
        f"{what}: {now} (recorded by a failover; the stack file says {home}; "
        "`regionkit switchback` restores it)"
        for what, now, home, source in _role_rows(plan.get("roles") or {})
        if source == "recorded"
    ]


def roles_section(roles: Mapping[str, Any]) -> list[str]:
    """Who writes: every single-writer store's writer and failover DNS record's primary."""
    rows = _role_rows(roles)
    if not rows:
        return []
    lines = ["### Writers", "", "| store or record | writer | stack file | source |"]
    lines.append("|---|---|---|---|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def render_text(plan: Plan, *, width: int = 120) -> str:
    """`render_table` as plain text (no colour), e.g. for a log or a test."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
    console.print(render_table(plan))
    return buffer.getvalue()


# --- Markdown ----------------------------------------------------------------------------------


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return "<code>" + html.escape(text).replace("|", "&#124;") + "</code>"


def render_markdown(plan: Plan, *, limit: int = COMMENT_LIMIT) -> str:
    """The plan as a pull-request comment, kept under `limit` characters."""
    summary = plan["summary"]
    head = [
        f"## regionkit plan: `{plan['stack']}` ({plan['topology']})",
        "",
        f"**{summary['resources']} resources** in {len(plan['regions'])} region(s); "
        f"{_finding_counts(plan)}.",
        "",
    ]
    with_sub = any(r["subCluster"] for r in plan["regions"])
    columns = ["region"] + (["sub-cluster"] if with_sub else [])
    columns += ["cloud", "location", "jurisdiction", "role", "resources"]
    regions = ["### Regions", "", "| " + " | ".join(columns) + " |", "|---" * len(columns) + "|"]
    for r in plan["regions"]:
        cells = [r["id"]] + ([r["subCluster"] or ""] if with_sub else [])
        cells += [r["cloud"], r["location"], r["jurisdiction"], r["role"]]
        cells.append(str(summary["byRegion"].get(r["id"], 0)))
        regions.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if summary.get("global"):
        blanks = [""] * (len(columns) - 2)
        regions.append("| " + " | ".join(["global", *blanks, str(summary["global"])]) + " |")
    regions.append("")
    types = ["### Resources by type", "", "| type | count |", "|---|---:|"]
    types += [f"| {_code(t)} | {n} |" for t, n in summary["byType"].items()]
    types.append("")
    findings = ["### Findings", ""]
    for f in plan.get("findings") or []:
        findings.append(
            f"- **{f['level']}** {_code(f['rule'])} at {_code(f['path'])}: {_cell(f['message'])}"
        )
    if len(findings) == 2:
        findings.append("No findings.")
    findings.append("")
    sections = [regions, types, findings]
    rows = _failover_rows(plan)
    if rows:
        failover = ["### DNS failover", ""]
        label = "sub-cluster | " if rows[0][0] else ""
        failover += [f"| {label}nominal (s) | detect (s) | TTL (s) | worst case (s) |"]
        failover += ["|" + "---|" * (5 if label else 4)]
        for name, timing in rows:
            cells = ([name.removeprefix("sub-cluster ")] if label else []) + [
                str(timing.get("nominalSeconds", "")),
                str(timing["detectSeconds"]),
                str(timing["ttlSeconds"]),
                str(timing["worstCaseSeconds"]),
            ]
            failover.append("| " + " | ".join(cells) + " |")
        # the terms of the worst one: what each second is, and where its figure comes from
        worst = max((timing for _, timing in rows), key=lambda t: t["worstCaseSeconds"])
        failover += _failover_terms(worst) or [""]
        sections.append(failover)
    sections.append(roles_section(plan.get("roles") or {}))
    sections.append(scenarios_section(plan.get("scenarios") or []))
    if plan.get("latency"):
        from regionkit.latency.render import markdown_lines

        sections.append(markdown_lines(plan["latency"]))
    details = [
        f"<details><summary>All {summary['resources']} resources</summary>",
        "",
        "| region | type | name |",
        "|---|---|---|",
    ]
    for r in plan["resources"]:
        details.append(
            f"| {_region_label(r['region'])} | {_code(r['type'])} | {_cell(r['name'])} |"
        )
    details += ["", "</details>", ""]
    sections.append(details)
    return fit_comment(head, sections, limit, "plan.json")


def scenarios_section(scenarios: list[Mapping[str, Any]]) -> list[str]:
    """The article's three test scenarios for every reroute, from the plan's `scenarios`."""
    lines = ["### Multi-region test scenarios", ""]
    if not scenarios:
        lines += ["No deployment has more than one region: nothing to reroute to.", ""]
        return lines
    lines += [
        "Can a user sent to another region log in, keep the session, and refresh tokens there?",
        "",
        "| deployment | home | target | when | login | session | refresh |",
        "|---|---|---|---|---|---|---|",
    ]
    failing: list[str] = []
    for s in scenarios:
        cells = [
            str(s.get("subCluster") or s.get("deployment") or ""),
            s["from"],
            s["to"],
            s["when"],
        ]
        for check in ("login", "session", "refresh"):
            verdict = s[check]
            cells.append(_verdict_cell(verdict))
            if not verdict["ok"]:
                failing.append(
                    f"- {check} from {_code(s['from'])} to {_code(s['to'])} ({s['when']}): "
                    f"{_cell((verdict.get('reason') or '').rstrip('.'))}."
                    + (f" Fix: {_cell(verdict['fix'])}" if verdict.get("fix") else "")
                )
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines.append("")
    if failing:
        lines += ["Why not:", "", *dict.fromkeys(failing), ""]
    return lines


def _verdict_cell(verdict: Mapping[str, Any]) -> str:
    """✅, ❌, or "❌ until failover" when only the failover command is missing."""
    if verdict["ok"]:
        return "✅"
    after = verdict.get("afterFailover")
    return "❌ until failover" if after and after["ok"] else "❌"


# --- files -------------------------------------------------------------------------------------


def write_outputs(
    plan: Plan, out_dir: str | Path, *, runbook: str | None = None, force: bool = False
) -> list[Path]:
    """Write plan.json, plan.md, topology.mmd, runbook.md (when given: the failover model's,
    `regionkit.failover.runbook_markdown`) and k8s/<region>/<kind>-<name>.yaml, owning them:
    files of a previous plan that this one no longer writes are removed, and a file the plan
    did not write is overwritten only with `force` (`regionkit.plan.out_dir`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "plan.json": plan_json(plan),
        "plan.md": render_markdown(plan),
        "topology.mmd": render_mermaid(plan),
    }
    if runbook is not None:
        files["runbook.md"] = runbook
    return write_owned(out, {**files, **manifest_files(plan)}, force=force)
