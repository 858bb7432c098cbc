"""The difference of two plans: resources added, removed and changed, with the changed keys.

Resources are matched by URN less its stack and project (a changed type, name or parent is a
new URN: Pulumi replaces such a resource, so it shows as one removed and one added), so the
plans of two environments compare as well as two plans of one. Changed keys are paths from the
resource, e.g. `inputs.spec.template.spec.containers[name=idsvr].image`: list items that all
carry a unique `name` are matched by it, so inserting one container does not "change" the rest.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

_MISSING = object()
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
#: GitHub rejects comments over 65,536 characters; stay well below.
COMMENT_LIMIT = 60_000


def diff_plans(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    old_by_urn = {resource_key(r["urn"]): r for r in old["resources"]}
    new_by_urn = {resource_key(r["urn"]): r for r in new["resources"]}
    added = [_brief(new_by_urn[u]) for u in sorted(new_by_urn.keys() - old_by_urn.keys())]
    removed = [_brief(old_by_urn[u]) for u in sorted(old_by_urn.keys() - new_by_urn.keys())]
    changed = []
    for urn in sorted(old_by_urn.keys() & new_by_urn.keys()):
        before = _comparable(old_by_urn[urn])
        after = _comparable(new_by_urn[urn])
        changes = list(_changes(before, after, ""))
        if changes:
            changed.append({**_brief(new_by_urn[urn]), "changes": changes})
    findings = _finding_changes(old.get("findings") or [], new.get("findings") or [])
    failover = (
        {"old": old.get("failover"), "new": new.get("failover")}
        if old.get("failover") != new.get("failover")
        else None
    )
    unchanged = len(old_by_urn.keys() & new_by_urn.keys()) - len(changed)
    return {
        "old": _identity(old),
        "new": _identity(new),
        "added": added,
        "removed": removed,
        "changed": changed,
        "findings": findings,
        "failover": failover,
        "summary": {
            "added": len(added),
            "removed": len(removed),
            "changed": len(changed),
            "unchanged": unchanged,
        },
    }


def resource_key(urn: str) -> str:
    """A URN without its stack and project, so two environments' plans can be compared too."""
    if urn.startswith("urn:pulumi:") and urn.count("::") >= 3:
        return urn.split("::", 2)[2]
    return urn


def has_changes(diff: Mapping[str, Any]) -> bool:
    return bool(
        diff["added"]
        or diff["removed"]
        or diff["changed"]
        or diff["findings"]["added"]
        or diff["findings"]["removed"]
        or diff["failover"]
    )


def _comparable(resource: Mapping[str, Any]) -> dict[str, Any]:
    # URNs (the resource's own, its parent's and its provider's) name the stack: compare them
    # without it, or every resource of another environment would look changed.
    out = {k: v for k, v in resource.items() if k != "urn"}
    for key in ("parent", "provider"):
        if isinstance(out.get(key), str):
            out[key] = resource_key(out[key])
    return out


def _identity(plan: Mapping[str, Any]) -> dict[str, Any]:
    return {"stack": plan.get("stack"), "topology": plan.get("topology")}


def _brief(resource: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "urn": resource["urn"],
        "type": resource["type"],
        "name": resource["name"],
        "region": resource.get("region"),
    }


def _changes(old: Any, new: Any, path: str) -> Iterator[dict[str, Any]]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys()):
            yield from _changes(old.get(key, _MISSING), new.get(key, _MISSING), _key(path, key))
        return
    if isinstance(old, list) and isinstance(new, list):
        old_named, new_named = _by_name(old), _by_name(new)
        if old_named is not None and new_named is not None:
            for name in sorted(old_named.keys() | new_named.keys()):
                yield from _changes(
                    old_named.get(name, _MISSING),
                    new_named.get(name, _MISSING),
                    f"{path}[name={name}]",
                )
            return
        for index in range(max(len(old), len(new))):
            yield from _changes(
                old[index] if index < len(old) else _MISSING,
                new[index] if index < len(new) else _MISSING,
                f"{path}[{index}]",
            )
        return
    if old == new and type(old) is type(new):
        return
    change: dict[str, Any] = {"path": path}
    if old is not _MISSING:
        change["old"] = old
    if new is not _MISSING:
        change["new"] = new
    yield change


def _by_name(items: list[Any]) -> dict[str, Any] | None:
    if not items or not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
        return None
    named = {i["name"]: i for i in items}
    return named if len(named) == len(items) else None


def _key(path: str, key: str) -> str:
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def _finding_changes(
    old: list[Mapping[str, Any]], new: list[Mapping[str, Any]]
) -> dict[str, list[Mapping[str, Any]]]:
    def key(f: Mapping[str, Any]) -> tuple[Any, ...]:
        return (f.get("level"), f.get("rule"), f.get("path"), f.get("message"))

    old_keys = {key(f) for f in old}
    new_keys = {key(f) for f in new}
    return {
        "added": [f for f in new if key(f) not in old_keys],
        "removed": [f for f in old if key(f) not in new_keys],
    }


# --- rendering ---------------------------------------------------------------------------------


def format_value(change: Mapping[str, Any], side: str, limit: int = 120) -> str:
    if side not in change:
        return "(none)"
    text = json.dumps(change[side], sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _counts(diff: Mapping[str, Any]) -> str:
    s = diff["summary"]
    return (
        f"{s['added']} to add, {s['removed']} to remove, {s['changed']} to change, "
        f"{s['unchanged']} unchanged"
    )


def _where(item: Mapping[str, Any]) -> str:
    return item["region"] or "global"


def render_diff_text(diff: Mapping[str, Any]) -> str:
    if not has_changes(diff):
        return f"No changes ({diff['summary']['unchanged']} resources unchanged).\n"
    lines = [_counts(diff), ""]
    for item in diff["added"]:
        lines.append(f"+ {item['type']}  {item['name']}  [{_where(item)}]")
    for item in diff["removed"]:
        lines.append(f"- {item['type']}  {item['name']}  [{_where(item)}]")
    for item in diff["changed"]:
        lines.append(f"~ {item['type']}  {item['name']}  [{_where(item)}]")
        for change in item["changes"]:
            old, new = format_value(change, "old"), format_value(change, "new")
            lines.append(f"    {change['path']}: {old} -> {new}")
    if diff["findings"]["added"] or diff["findings"]["removed"]:
        lines += ["", "Findings:"]
        lines += [f"+ {_finding(f)}" for f in diff["findings"]["added"]]
        lines += [f"- {_finding(f)}" for f in diff["findings"]["removed"]]
    if diff["failover"]:
        lines += ["", f"Failover: {_failover_change(diff['failover'])}"]
    return "\n".join(lines) + "\n"


def _finding(f: Mapping[str, Any]) -> str:
    return f"{f.get('level')}: {f.get('path')}: {f.get('message')} [{f.get('rule')}]"


def _failover_change(failover: Mapping[str, Any]) -> str:
    old, new = failover.get("old") or {}, failover.get("new") or {}
    parts = []
    for key in ("nominalSeconds", "detectSeconds", "ttlSeconds", "worstCaseSeconds"):
        if old.get(key) != new.get(key):
            parts.append(f"{key} {old.get(key)} -> {new.get(key)}")
    return ", ".join(parts) or "per sub-cluster figures changed"


def _code(text: str) -> str:
    return "<code>" + html.escape(text).replace("|", "&#124;") + "</code>"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_diff_markdown(diff: Mapping[str, Any], *, limit: int = COMMENT_LIMIT) -> str:
    """The diff as a pull-request comment, kept under `limit` characters."""
    old, new = diff["old"], diff["new"]
    title = f"### regionkit diff: `{new['stack']}` ({new['topology']})"
    if old != new:
        title += f" from `{old['stack']}` ({old['topology']})"
    if not has_changes(diff):
        return f"{title}\n\nNo changes ({diff['summary']['unchanged']} resources unchanged).\n"
    head = [title, "", f"**{_counts(diff)}**", ""]
    sections: list[list[str]] = []
    for label, items in (("Added", diff["added"]), ("Removed", diff["removed"])):
        if items:
            rows = [f"| {_code(i['type'])} | {_cell(i['name'])} | {_where(i)} |" for i in items]
            header = [
                f"#### {label} ({len(items)})",
                "",
                "| type | name | region |",
                "|---|---|---|",
            ]
            sections.append([*header, *rows, ""])
    if diff["changed"]:
        block = [f"#### Changed ({len(diff['changed'])})", ""]
        for item in diff["changed"]:
            block += [
                "<details><summary>"
                + f"{_code(item['type'])} {html.escape(item['name'])} ({_where(item)}): "
                + f"{len(item['changes'])} key(s)</summary>",
                "",
                "| key | old | new |",
                "|---|---|---|",
            ]
            block += [
                f"| {_code(c['path'])} | {_code(format_value(c, 'old'))} "
                f"| {_code(format_value(c, 'new'))} |"
                for c in item["changes"]
            ]
            block += ["", "</details>", ""]
        sections.append(block)
    findings = diff["findings"]
    if findings["added"] or findings["removed"]:
        sections.append(
            ["#### Findings", ""]
            + [f"- new: {_cell(_finding(f))}" for f in findings["added"]]
            + [f"- resolved: {_cell(_finding(f))}" for f in findings["removed"]]
            + [""]
        )
    if diff["failover"]:
        sections.append([f"**Failover:** {_failover_change(diff['failover'])}", ""])
    return fit_comment(head, sections, limit, "the full diff with `regionkit diff`")


def fit_comment(head: list[str], sections: list[list[str]], limit: int, where: str) -> str:
    """Join lines, dropping the tail (with a note) once the text would pass `limit`."""
    out = list(head)
    size = sum(len(line) + 1 for line in out)
    lines = [line for section in sections for line in section]
    for index, line in enumerate(lines):
        if size + len(line) + 1 > limit - 300:
            # A cut inside a table or <details> block must still close it.
            if sum(x.startswith("<details>") for x in out) > out.count("</details>"):
                out += ["", "</details>"]
            out.append(
                f"\n… {len(lines) - index} more lines left out to fit a comment; "
                f"see {where} or the plan artifacts."
            )
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out).rstrip() + "\n"
