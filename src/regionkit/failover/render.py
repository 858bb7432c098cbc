"""A simulated failure as Markdown (also the terminal text of `regionkit simulate`) and JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from regionkit.catalog.failover import Figure
from regionkit.failover.access import Access, Can
from regionkit.failover.records import Failure
from regionkit.failover.scenarios import Check

_MARK = {Can.YES: "✅", Can.NO: "❌", Can.UNKNOWN: "❔"}


def simulation_json(stack: str, failures: Sequence[Failure]) -> dict[str, Any]:
    return {"stack": stack, "failures": [f.to_json() for f in failures]}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _access(a: Access) -> str:
    return f"{_MARK[a.reads]} / {_MARK[a.writes]}"


def check_cell(check: Check) -> str:
    """✅, ❌, or "❌ until failover" when the failover command makes it work."""
    if check.verdict.ok:
        return "✅"
    return "❌ until failover" if check.until_failover else "❌"


def figure_text(figure: Figure | None) -> str:
    if figure is None:
        return "unknown"
    nominal, worst = figure.nominal_seconds, figure.worst_case_seconds
    typical = f"typically {nominal} s" if nominal is not None else "no typical figure"
    bound = f", at most {worst} s" if worst is not None else ", no documented bound"
    assumed = "" if figure.source.documented else " (partly assumed)"
    return f"{typical}{bound}{assumed}"


def failures_markdown(stack: str, failures: Sequence[Failure]) -> str:
    lines = [f"# regionkit simulate: `{stack}`", ""]
    for failure in failures:
        lines += failure_markdown(failure)
    return "\n".join(lines)


def failure_markdown(f: Failure) -> list[str]:
    where = f" (sub-cluster {f.sub_cluster})" if f.sub_cluster else ""
    lines = [f"## {f.failed} fails{where}", ""]
    if f.target is None:
        lines += [f"No region is left to serve: users wait until {f.failed} returns.", ""]
    else:
        command = f"`{f.command}`" if f.command else "not needed (nothing to promote)"
        lines += [f"Traffic and writers move to **{f.target}**. Failover command: {command}.", ""]
    lines += ["### Routing", "", "| users | near | before | after |", "|---|---|---|---|"]
    for r in f.routes:
        after = ", ".join(r.after) or "nowhere"
        lines.append(f"| {r.users} | {r.near or ''} | {', '.join(r.before)} | {after} |")
    lines += ["", "### Reads / writes per data class", ""]
    lines += ["| region | data class | engine | before failover | after failover | why |"]
    lines += ["|---|---|---|---|---|---|"]
    for a in f.access:
        why = a.after.why if a.after != a.before else a.before.why
        if a.after != a.before:
            why = f"before: {a.before.why}; after: {a.after.why}"
        lines.append(
            f"| {a.region} | {a.data_class} | {a.engine} | {_access(a.before)} | "
            f"{_access(a.after)} | {_cell(why)} |"
        )
    lines += ["", "### Stores", ""]
    lines += ["| data classes | engine | writer | action | RPO | promotion |"]
    lines += ["|---|---|---|---|---|---|"]
    for s in f.stores:
        writer = f"{s.writer_before} → {s.writer_after}" if s.writer_before else "every region"
        lines.append(
            f"| {', '.join(s.data_classes)} | {s.engine} | {writer} | {_cell(s.action)} | "
            f"{_cell(figure_text(s.rpo) if s.rpo else s.rpo_note)} | "
            f"{_cell(figure_text(s.promotion) if s.promotion else 'none')} |"
        )
    lines += ["", *_rto(f), *_residency(f), *_scenarios(f)]
    return lines


def _rto(f: Failure) -> list[str]:
    rto = f.rto
    lines = ["### RTO", ""]
    if rto.reads_seconds is None:
        return [*lines, *(f"_{_cell(c)}_" for c in rto.caveats), ""]
    lines += [
        f"Reads within **{rto.reads_seconds} s**, writes within **{rto.writes_seconds} s** "
        "(worst case).",
        "",
    ]
    if rto.terms:
        lines += ["| term | nominal (s) | worst case (s) | source |", "|---|---|---|---|"]
        for t in rto.terms:
            source = t.source.text + ("" if t.source.documented else " (assumed)")
            lines.append(
                f"| {_cell(t.term)} | {t.nominal_seconds} | {t.worst_case_seconds} | "
                f"{_cell(source)} |"
            )
        lines.append("")
    return [*lines, *(f"_{_cell(c)}_" for c in rto.caveats), ""]


def _residency(f: Failure) -> list[str]:
    if f.residency_holds:
        return ["### Residency", "", "Residency still holds.", ""]
    return ["### Residency", "", *(f"- ❌ {_cell(b)}" for b in f.residency), ""]


def _scenarios(f: Failure) -> list[str]:
    if not f.scenarios:
        return []
    lines = ["### Scenarios of users who signed in at " + f.failed, ""]
    lines += ["| to | login | session | refresh |", "|---|---|---|---|"]
    why: list[str] = []
    for s in f.scenarios:
        checks = {"login": s.login, "session": s.session, "refresh": s.refresh}
        lines.append(
            f"| {s.reach.target.region} | "
            + " | ".join(check_cell(c) for c in checks.values())
            + " |"
        )
        for name, c in checks.items():
            v = c.verdict
            if not v.ok:
                fix = f" Fix: {_cell(v.fix)}" if v.fix else ""
                why.append(f"- {name} at {s.reach.target.region}: {_cell(v.reason)}.{fix}")
    lines.append("")
    if why:
        lines += ["Why not:", "", *dict.fromkeys(why), ""]
    return lines
