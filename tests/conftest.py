"""Shared fixtures: the repository's example stacks double as test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STACKS = ROOT / "stacks"


def example_stacks() -> list[Path]:
    return sorted(STACKS.glob("*.yaml"))


@pytest.fixture(scope="session", autouse=True)
def _examples_shared_between_workers(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> None:
    """Under pytest-xdist, every worker reads the example stacks' plans from one directory."""
    if worker_id != "master":
        from tests.example_plans import share_between_workers

        share_between_workers(tmp_path_factory.getbasetemp().parent / "example-plans")


@pytest.fixture
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake AWS credentials for moto and botocore's Stubber: nothing reaches AWS."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
