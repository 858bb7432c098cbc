"""The latency map as Markdown (a pull-request comment, the plan's section) or a terminal table.

Both render the JSON document (`LatencyReport.to_json()`), so the plan's `latency` key and the
`regionkit latency` command print the same tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Doc = Mapping[str, Any]

#: countries listed in Markdown, most users first; the JSON has all of them
MARKDOWN_COUNTRIES = 30


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def _share(part: float, total: float) -> str:
    return f"{100 * part / total:.1f} %" if total else "n/a"


def _regions(row: Doc) -> str:
    if not row["regions"]:
        return "none serving"
    return ", ".join(
        r["region"] + (f" ({100 * r['share']:.0f} %)" if r["share"] < 1 else "")
        for r in row["regions"]
    )


def _figure_cells(figures: Doc) -> list[str]:
    cells = [_ms(figures["p50Ms"]), _ms(figures["p95Ms"])]
    notes = []
    if figures.get("unservedShare"):
        notes.append(f"{100 * figures['unservedShare']:.0f} % unserved")
    if figures.get("unknownShare"):
        notes.append(f"{100 * figures['unknownShare']:.0f} % to a region of unknown location")
    return [*cells, "; ".join(notes)]


def summary_rows(doc: Doc) -> list[list[str]]:
    rows = [[j, *_figure_cells(f)] for j, f in doc["byJurisdiction"].items()]
    return [*rows, ["overall", *_figure_cells(doc["overall"])]]


def country_rows(doc: Doc, limit: int | None = None) -> list[list[str]]:
    rows = sorted(doc["countries"], key=lambda r: (-r["weight"], r["country"]))
    total = sum(r["weight"] for r in rows)
    return [
        [
            r["country"],
            r["jurisdiction"],
            _share(r["weight"], total),
            r["hostname"] or "",
            r["routing"],
            _regions(r),
            _ms(r["rttMs"]),
        ]
        for r in rows[:limit]
    ]


def failure_rows(doc: Doc) -> list[list[str]]:
    return [
        [f["region"], *_figure_cells(f["overall"]), ", ".join(m["country"] for m in f["moved"])]
        for f in doc["failures"]
    ]


def suggestion_rows(doc: Doc) -> list[list[str]]:
    return [
        [
            f"{s['cloud']} {s['location']} ({s['city']})",
            s["jurisdiction"] + (f" / {s['subCluster']}" if s["subCluster"] else ""),
            *_figure_cells(s["overall"]),
        ]
        for s in doc.get("suggestions", [])
    ]


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return [line(head), "|" + "---|" * len(head), *(line(r) for r in rows), ""]


def markdown_lines(doc: Doc, *, heading: str = "###") -> list[str]:
    """The latency section: figures, countries, failures and any suggestions."""
    model, users = doc["model"], doc["users"]
    lines = [
        f"{heading} Latency map",
        "",
        f"Modelled round trips (great-circle x {model['stretch']} / {model['fibreKmPerMs']:.0f} "
        f"km per ms x 2 + {model['accessMs']} ms; {model['source']}). Users: {users['source']} "
        f"({users['countries']} countries). Population-weighted:",
        "",
        *_table(["jurisdiction", "p50 (ms)", "p95 (ms)", "note"], summary_rows(doc)),
    ]
    countries = country_rows(doc, MARKDOWN_COUNTRIES)
    more = len(doc["countries"]) - len(countries)
    lines += [
        "<details><summary>Where each country is served"
        + (f" ({len(countries)} with the most users; {more} more in the JSON)" if more else "")
        + "</summary>",
        "",
        *_table(
            ["country", "jurisdiction", "users", "hostname", "routing", "region", "RTT (ms)"],
            countries,
        ),
        "</details>",
        "",
    ]
    if doc["failures"]:
        lines += [
            f"{heading} Latency after a single-region failure",
            "",
            f"Each region in turn is {doc['failureModel']}.",
            "",
            *_table(
                ["region down", "p50 (ms)", "p95 (ms)", "note", "countries moved"],
                failure_rows(doc),
            ),
        ]
    if "suggestions" in doc:
        lines += [f"{heading} Where a region would help most", ""]
        if doc["suggestions"]:
            lines += _table(
                ["candidate region", "jurisdiction", "p50 (ms)", "p95 (ms)", "note"],
                suggestion_rows(doc),
            )
        else:
            lines += [doc.get("suggestionNote") or "No candidate region lowers the p95.", ""]
    return lines


def render_markdown(doc: Doc) -> str:
    return "\n".join(
        [f"## regionkit latency: `{doc['stack']}` ({doc['topology']})", "", *markdown_lines(doc)]
    )


def render_table(doc: Doc) -> Any:
    """A rich renderable of the same tables, for the terminal."""
    from rich import box
    from rich.console import Group
    from rich.table import Table

    def table(title: str, head: list[str], rows: list[list[str]]) -> Table:
        t = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
        for column in head:
            t.add_column(column, overflow="fold")
        for row in rows:
            t.add_row(*row)
        return t

    parts: list[Any] = [
        table(
            "Latency (population-weighted)",
            ["jurisdiction", "p50 ms", "p95 ms", "note"],
            summary_rows(doc),
        ),
        table(
            "Where each country is served",
            ["country", "jurisdiction", "users", "hostname", "routing", "region", "RTT ms"],
            country_rows(doc),
        ),
    ]
    if doc["failures"]:
        parts.append(
            table(
                "After a single-region failure (region removed from routing)",
                ["region down", "p50 ms", "p95 ms", "note", "countries moved"],
                failure_rows(doc),
            )
        )
    if "suggestions" in doc:
        parts.append(
            table(
                "Where a region would help most",
                ["candidate region", "jurisdiction", "p50 ms", "p95 ms", "note"],
                suggestion_rows(doc),
            )
        )
    return Group(*parts)
