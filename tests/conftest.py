"""Shared fixtures: the repository's example stacks double as test fixtures."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STACKS = ROOT / "stacks"


#: The files that take seconds, slowest first (measured on the 2-core machine), which pytest-xdist
#: hands out first (`--no-loadscope-reorder`): one left for the end keeps a worker busy while the
#: other idles. First of all the one that plans every example stack for the others to share.
SCHEDULE_FIRST = (
    "test_first_up_gcp.py",
    "test_property_plans.py",
    "test_cli_conventions.py",
    "test_init.py",
    "test_python_api.py",
    "test_first_up_aws.py",
    "test_testing.py",
    "test_identity_server.py",
    "test_config_sync_faults.py",
    "test_shared_keys.py",
    "test_config_sync.py",
    "test_aws_platform.py",
    "test_manifests.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files of SCHEDULE_FIRST first, then the others by their number of tests (what
    xdist's own reordering does), each file's tests together and in their order."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item.path.name] = counts.get(item.path.name, 0) + 1
    rank = {name: i for i, name in enumerate(SCHEDULE_FIRST)}

    def key(item: pytest.Item) -> tuple[int, int, str]:
        name = item.path.name
        return (rank.get(name, len(rank)), -counts[name], name)

    items.sort(key=key)  # stable: a file's tests keep their order


def pytest_configure(config: pytest.Config) -> None:
    # as `regionkit` runs (see GC_THRESHOLDS): at Python's own, the collector's full passes over
    # the imported SDKs took a third of the suite's time
    from regionkit.plan import GC_THRESHOLDS

    gc.set_threshold(*GC_THRESHOLDS)


def pytest_collection_finish(session: pytest.Session) -> None:
    # what collection imported (the SDKs, every test module) lives until the end: no pass of the
    # collector, the one pytest runs at the end of the session included, needs to walk it again
    gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    # One full pass finds the session's garbage (and the errors of its finalizers, which pytest
    # still reports); frozen, the rest is not walked again by pytest's closing passes or by the
    # interpreter's exit, which took seconds per worker
    gc.collect()
    gc.freeze()


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
