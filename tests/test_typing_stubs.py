"""typings/ narrows the cloud SDKs for mypy: the stubs must stay true to the installed SDKs.

Each stub keeps its package's own top-level names (the `from .x import *` lines of the real
`__init__.py`) and re-exports exactly the subpackages src/ uses; a stale or missing line would
either hide a name from mypy or make it analyse a service regionkit never calls.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# the alias each package goes by in src/ (`import pulumi_aws as aws`)
ALIASES = {"pulumi_aws": "aws", "pulumi_gcp": "gcp", "pulumi_kubernetes": "k8s"}


def _stub(package: str) -> str:
    return (ROOT / "typings" / package / "__init__.pyi").read_text(encoding="utf-8")


def _real_init(package: str) -> str:
    return Path(importlib.import_module(package).__file__ or "").read_text(encoding="utf-8")


def _used_subpackages(package: str, real: set[str]) -> set[str]:
    alias = ALIASES[package]
    used: set[str] = set()
    for path in (ROOT / "src" / "regionkit").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if package not in text:
            continue
        used |= set(re.findall(rf"\b{alias}\.(\w+)\.", text)) & real
        for names in re.findall(rf"from {package} import ([\w, ]+)", text):
            used |= {name.strip() for name in names.split(",")} & real
    return used


@pytest.mark.parametrize("package", sorted(ALIASES))
def test_the_stub_keeps_the_packages_own_top_level_names(package):
    head = _real_init(package).split("# Make subpackages available:")[0]
    real_star = {
        f"from {package}.{name} import *" for name in re.findall(r"from \.(\w+) import \*", head)
    }
    stub_star = {line for line in _stub(package).splitlines() if line.endswith("import *")}
    assert real_star, f"no top-level modules found in {package}'s __init__"
    assert stub_star == real_star


@pytest.mark.parametrize("package", sorted(ALIASES))
def test_the_stub_re_exports_exactly_the_subpackages_src_uses(package):
    real = set(re.findall(rf"import {package}\.(\w+) as __", _real_init(package)))
    listed = set(re.findall(rf"from {package} import (\w+) as \1$", _stub(package), re.M))
    listed.discard("outputs")
    assert listed <= real, f"not subpackages of the installed {package}: {sorted(listed - real)}"
    assert listed == _used_subpackages(package, real)
