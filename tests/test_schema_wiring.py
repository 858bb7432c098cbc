"""The example stacks' programs under mocks: each JDBC store's writer runs one schema job, and
the identity server nodes of every region that store serves wait for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionkit.plan.recorder import Registration
from tests.example_plans import example_recording
from tests.registrations import of_type, region_of

STACKS = Path(__file__).resolve().parent.parent / "stacks"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
JOB = "kubernetes:batch/v1:Job"


def _registrations(stack: str) -> list[Registration]:
    return list(example_recording(STACKS / f"{stack}.yaml"))


def _schema_jobs(regs: list[Registration]) -> dict[str, Registration]:
    """Schema jobs by the region that runs them."""
    jobs = [
        j for j in of_type(regs, JOB) if j.inputs["metadata"]["name"].startswith("idsvr-schema")
    ]
    return {region_of(regs, j) or "": j for j in jobs}


@pytest.mark.parametrize(
    ("stack", "writer", "replicas"),
    [
        ("aws-ap", "us-east", ["us-west"]),
        ("gcp-ap", "eu-be", ["eu-nl"]),
        ("mixed-ap", "aws-use1", ["gcp-usc1"]),
    ],
)
def test_every_region_of_a_store_waits_for_its_writers_schema_job(
    stack: str, writer: str, replicas: list[str]
) -> None:
    regs = _registrations(stack)
    jobs = _schema_jobs(regs)
    # one job, in the writer region: replicas receive the schema by replication
    assert list(jobs) == [writer]
    job = jobs[writer]
    for rid in [writer, *replicas]:
        nodes = [d for d in of_type(regs, DEPLOYMENT) if region_of(regs, d) == rid]
        names = sorted(d.inputs["metadata"]["name"] for d in nodes)
        assert names == ["idsvr-admin", "idsvr-runtime"], (rid, names)
        for deployment in nodes:
            assert job.urn in deployment.dependencies, (rid, deployment.name)


def test_the_job_of_each_placement_runs_in_its_own_writer_region() -> None:
    regs = _registrations("sovereign")
    jobs = _schema_jobs(regs)
    # one aurora store per jurisdiction, one cnpg store per region of the CN sub-cluster
    assert len(jobs) >= 3
    for rid, job in jobs.items():
        runtime = [
            d for d in of_type(regs, DEPLOYMENT)
            if region_of(regs, d) == rid and d.inputs["metadata"]["name"] == "idsvr-runtime"
        ]  # fmt: skip
        assert len(runtime) == 1 and job.urn in runtime[0].dependencies, rid
