"""The layering: no import cycles between regionkit's packages; `validate` needs no Pulumi."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).parent.parent


def package_graph() -> dict[str, set[str]]:
    """regionkit's first-level packages and modules, each with the others it imports."""
    graph = grimp.build_graph("regionkit", cache_dir=None)
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        source = ".".join(module.split(".")[:2])
        targets = edges.setdefault(source, set())
        for imported in graph.find_modules_directly_imported_by(module):
            target = ".".join(imported.split(".")[:2])
            if target != source and imported.startswith("regionkit.") and module != "regionkit":
                targets.add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_cycles_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]


def test_no_import_cycles_between_packages() -> None:
    edges = package_graph()
    assert "regionkit.model" in edges and "regionkit.components" in edges
    assert cycles(edges) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "stacks/aws-global.yaml"],
        ["simulate", "stacks/aws-ap.yaml", "--fail", "us-east", "--json"],
    ],
)
def test_offline_commands_import_no_pulumi(argv: list[str]) -> None:
    """`regionkit validate` and `regionkit simulate` load and check a stack (and simulate its
    failures) without importing any Pulumi SDK."""
    script = (
        "import json, sys\n"
        "from regionkit.cli import main\n"
        f"sys.argv = ['regionkit', *{argv!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    code = exit.code\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi'))\n"
        "print(json.dumps({'code': code, 'pulumi': loaded}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["code"] in (0, None), result.stderr
    assert answer["pulumi"] == []
