"""The residency report and scenarios for a compliance reviewer: rich tables, JSON, Markdown."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from regionkit.residency.report import DnsPath, Edge, ResidencyReport, Store
from regionkit.residency.scenarios import Scenario, Verdict

if TYPE_CHECKING:
    from rich.console import Console

ReportFormat = Literal["table", "json", "markdown"]

_CHECK, _CROSS = "✅", "❌"


def render_report(
    report: ResidencyReport,
    fmt: ReportFormat | str,
    console: Console,
    scenarios: Sequence[Scenario] | None = None,
) -> None:
    """Print `report` (and `scenarios`, when given) to `console` as tables, JSON or Markdown."""
    if fmt == "json":
        document = report.to_json()
        if scenarios is not None:
            document["scenarios"] = [s.to_json() for s in scenarios]
        console.out(json.dumps(document, indent=2), highlight=False)
    elif fmt == "markdown":
        text = report_markdown(report)
        if scenarios is not None:
            text += "\n" + scenarios_markdown(scenarios)
        console.out(text, highlight=False)
    elif fmt == "table":
        for table in _tables(report, scenarios):
            console.print(table)
    else:
        raise ValueError(f"unknown report format {fmt!r}: table, json or markdown")


# --- Markdown ----------------------------------------------------------------------------------


def report_markdown(report: ResidencyReport) -> str:
    lines = [f"## Data residency: {report.stack} ({report.topology})", ""]
    lines += ["### Where each data class is stored", ""]
    lines += _md_table(
        [
            "deployment",
            "data class",
            "personal data",
            "engine",
            "scope",
            "regions",
            "jurisdictions",
        ],
        [_store_row(s) for s in report.stores],
    )
    lines += ["", "### Replication between regions", ""]
    if report.edges:
        lines += _md_table(
            ["deployment", "kind", "data", "from", "to", "cross-border", "allowed"],
            [_edge_row(e) for e in report.edges],
        )
    else:
        lines.append("No data or configuration leaves the region it is written in.")
    lines += ["", "### DNS paths", ""]
    lines += _md_table(
        ["deployment", "hostname", "routing", "users of", "when", "sent to"],
        [_path_row(p) for p in report.paths],
    )
    if report.hints:
        lines += [
            "",
            f"### Global hostname {report.hints[0].hostname} (a hint, not enforcement)",
            "",
        ]
        lines += _md_table(
            ["jurisdiction", "countries", "sent to"],
            [
                [h.jurisdiction, ", ".join(h.countries) or "(none)", h.target_hostname or ""]
                for h in report.hints
            ],
        )
    lines += ["", "### Findings", ""]
    if report.findings:
        lines += _md_table(
            ["level", "rule", "path", "message"],
            [[str(f.level), f.rule, f"`{f.path}`", f.message] for f in report.findings],
        )
    else:
        lines.append("No residency findings.")
    return "\n".join(lines) + "\n"


def scenarios_markdown(scenarios: Sequence[Scenario]) -> str:
    """A plan section: per deployment, a table of reroutes and the three scenarios' verdicts."""
    lines = ["## Multi-region test scenarios", ""]
    if not scenarios:
        lines.append("No deployment has more than one region: nothing to reroute to.")
        return "\n".join(lines) + "\n"
    lines += [
        "Login: the user's credentials exist there. Session: no new sign-in; introspection, "
        "refresh and logout work. Refresh: tokens refresh after a 401.",
        "",
    ]
    for title, group in _by_deployment(scenarios):
        lines += [f"### {title}", ""]
        lines += _md_table(
            ["home", "target", "when", "login", "session", "refresh"],
            [
                [
                    str(s.home),
                    str(s.target),
                    s.when,
                    _md_verdict(s.login),
                    _md_verdict(s.session),
                    _md_verdict(s.refresh),
                ]
                for s in group
            ],
        )
        lines.append("")
    return "\n".join(lines)


def _md_verdict(verdict: Verdict) -> str:
    if verdict.ok:
        return _CHECK
    return f"{_CROSS} {verdict.reason}. Fix: {verdict.fix}"


def _md_table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return out


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# --- rows shared by Markdown and tables --------------------------------------------------------


def _deployment(name: str, sub_cluster: str | None) -> str:
    return f"{name}/{sub_cluster}" if sub_cluster else name


def _store_row(store: Store) -> list[str]:
    return [
        _deployment(store.deployment, store.sub_cluster),
        store.data_class,
        "yes" if store.personal else "no",
        str(store.engine),
        str(store.scope),
        ", ".join(p.region for p in store.places),
        ", ".join(store.jurisdictions),
    ]


def _edge_row(edge: Edge) -> list[str]:
    data = ", ".join(edge.data_classes) or "configuration"
    source = str(edge.source) if edge.source is not None else f"git ({edge.via})"
    return [
        _deployment(edge.deployment, edge.sub_cluster),
        edge.kind.label,
        data,
        source,
        str(edge.target),
        "yes" if edge.cross_border else "no",
        "yes" if edge.allowed else "NO",
    ]


def _path_row(path: DnsPath) -> list[str]:
    users = path.users + (f" near {path.near}" if path.near else "")
    return [
        _deployment(path.deployment, path.sub_cluster),
        path.hostname or "",
        path.routing,
        users,
        path.when,
        ", ".join(str(t) for t in path.targets),
    ]


def _by_deployment(scenarios: Sequence[Scenario]) -> list[tuple[str, list[Scenario]]]:
    groups: dict[str, list[Scenario]] = {}
    for scenario in scenarios:
        groups.setdefault(_deployment(scenario.deployment, scenario.sub_cluster), []).append(
            scenario
        )
    return list(groups.items())


# --- rich tables -------------------------------------------------------------------------------


def _tables(report: ResidencyReport, scenarios: Sequence[Scenario] | None) -> list[object]:
    from rich.table import Table
    from rich.text import Text

    def table(title: str, header: list[str], rows: Iterable[list[str]]) -> Table:
        out = Table(title=title, title_justify="left", show_lines=False)
        for column in header:
            out.add_column(column, overflow="fold")
        for row in rows:
            # plain Text: messages hold brackets that rich would read as markup
            out.add_row(*(Text(cell) for cell in row))
        return out

    tables: list[object] = [
        table(
            f"Data stores of {report.stack}",
            ["deployment", "data class", "personal", "engine", "scope", "regions", "jurisdictions"],
            (_store_row(s) for s in report.stores),
        ),
        table(
            "Replication between regions",
            ["deployment", "kind", "data", "from", "to", "cross-border", "allowed"],
            (_edge_row(e) for e in report.edges),
        )
        if report.edges
        else Text("No data or configuration leaves the region it is written in."),
        table(
            "DNS paths",
            ["deployment", "hostname", "routing", "users of", "when", "sent to"],
            (_path_row(p) for p in report.paths),
        ),
    ]
    if report.hints:
        tables.append(
            table(
                f"Global hostname {report.hints[0].hostname} (a hint, not enforcement)",
                ["jurisdiction", "countries", "sent to"],
                (
                    [h.jurisdiction, ", ".join(h.countries) or "(none)", h.target_hostname or ""]
                    for h in report.hints
                ),
            )
        )
    if report.findings:
        tables.append(
            table(
                "Residency findings",
                ["level", "rule", "path", "message"],
                ([str(f.level), f.rule, f.path, f.message] for f in report.findings),
            )
        )
    else:
        tables.append(Text("No residency findings."))
    if scenarios:
        tables.append(
            table(
                "Multi-region test scenarios",
                ["deployment", "home", "target", "when", "login", "session", "refresh"],
                (
                    [
                        _deployment(s.deployment, s.sub_cluster),
                        str(s.home),
                        str(s.target),
                        s.when,
                        _md_verdict(s.login),
                        _md_verdict(s.session),
                        _md_verdict(s.refresh),
                    ]
                    for s in scenarios
                ),
            )
        )
    return tables
