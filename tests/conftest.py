"""Shared fixtures: the repository's example stacks double as test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STACKS = ROOT / "stacks"


def example_stacks() -> list[Path]:
    return sorted(STACKS.glob("*.yaml"))


@pytest.fixture
def repo_root() -> Path:
    return ROOT
