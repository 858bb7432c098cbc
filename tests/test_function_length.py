"""No function in src/ is longer than 80 lines.

ruff's PLR0915 (statements) and C901 (complexity) run in the lint step, but neither measures
length, and a Pulumi constructor of a few nested calls can be 300 lines of few statements. So
this walks the sources with `ast`: a function's length runs from its `def` line to its last
line, nested functions included.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "regionkit"
MAX_LINES = 80


def long_functions(source: str, max_lines: int = MAX_LINES) -> list[tuple[str, int, int]]:
    """(qualified name, first line, length) of every function longer than `max_lines`."""
    found: list[tuple[str, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    length = (child.end_lineno or child.lineno) - child.lineno + 1
                    if length > max_lines:
                        found.append((name, child.lineno, length))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return found


def test_no_function_in_src_is_over_80_lines() -> None:
    offenders = [
        f"{path.relative_to(SRC.parent)}:{line} {name} is {length} lines"
        for path in sorted(SRC.rglob("*.py"))
        for name, line, length in long_functions(path.read_text())
    ]
    assert not offenders, f"functions over {MAX_LINES} lines:\n" + "\n".join(offenders)


def test_length_runs_from_def_to_last_line_nested_functions_included() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(4))
    source = (
        "class A:\n"
        "    @staticmethod\n"
        "    def long():\n"
        f"{body.replace('    ', '        ')}\n"
        "        def inner():\n"
        "            return 1\n"
        "        return inner\n"
        "def short():\n"
        "    return 2\n"
    )
    # `long` spans its def line, 4 assignments, the inner function (2) and the return: 8
    assert long_functions(source, max_lines=7) == [("A.long", 3, 8)]
    assert long_functions(source, max_lines=8) == []
