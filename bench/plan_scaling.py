"""How the offline plan scales with the number of regions, and what regionkit adds to it.

For generated stacks of growing size this times the whole plan (checks, program evaluation
under the plan's mocks, the plan document) against the bare cost of registering the very same
resources (same types, names, parents, providers and inputs) under the same mocks with no
regionkit code: the recorded registrations replayed as plain `pulumi.CustomResource` /
`pulumi.ComponentResource` objects. The ratio is what regionkit's own code costs; the target is
<= 1.5. It also times `regionkit --help` in a fresh interpreter (target < 0.5 s).

Run: python bench/plan_scaling.py [--max-regions 30] [--runs N]
Each topology contributes a generator (regions -> StackSpec) and the sizes it makes sense at; a
topology whose components cannot plan yet is reported and skipped.
"""

from __future__ import annotations

import argparse
import gc
import logging
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi

from regionkit.catalog.regions import regions_of
from regionkit.plan.recorder import Registration, record
from regionkit.plan.runner import plan_stack
from regionkit.spec.loader import LoadedStack
from regionkit.spec.models import StackSpec

Generator = Callable[[int], StackSpec]
TARGET_RATIO = 1.5
TARGET_HELP_SECONDS = 0.5

_COMMON: dict[str, Any] = {
    "apiVersion": "regionkit/v1",
    "identityServer": {
        "image": "curity.azurecr.io/curity/idsvr:11.2",
        "runtime": {"minNodes": 2, "maxNodes": 6},
        "admin": {"allowedCidrs": ["10.0.0.0/8"]},
    },
}


def _aws_regions(n: int) -> list[dict[str, str]]:
    known = [r for r in regions_of("aws") if r.partition is None]
    if n > len(known):
        raise ValueError(f"only {len(known)} AWS regions are known, {n} asked for")
    return [
        {"id": f"r{i:02d}", "cloud": "aws", "location": r.name, "jurisdiction": r.country}
        for i, r in enumerate(known[:n])
    ]


def single_region(cloud: str) -> Generator:
    def make(n: int) -> StackSpec:
        assert n == 1, "single-region has exactly one region"
        regions: dict[str, dict[str, Any]] = {
            "aws": {"id": "home", "cloud": "aws", "location": "eu-west-1", "jurisdiction": "IE"},
            "gcp": {"id": "home", "cloud": "gcp", "location": "europe-west1", "jurisdiction": "BE"},
            "kubernetes": {
                "id": "home",
                "cloud": "kubernetes",
                "location": "dc-1",
                "jurisdiction": "SE",
                "cluster": {"kubeconfigContext": "home"},
            },
        }
        region = regions[cloud]
        engine = {"aws": "aurora-postgresql", "gcp": "cloudsql-postgresql"}.get(cloud, "cnpg")
        provider = "cloud-dns" if cloud == "gcp" else "route53"
        return StackSpec.model_validate(
            {
                **_COMMON,
                "name": "bench",
                "topology": "single-region",
                "dns": {
                    "provider": provider,
                    "zone": "example.com",
                    "hostname": "login.example.com",
                },
                "data": {
                    c: {"engine": engine, "scope": "region"}
                    for c in ("tokens", "accounts", "audit")
                },
                "regions": [region],
            }
        )

    return make


def active_passive_aws(n: int) -> StackSpec:
    """One active and n-1 passive AWS regions, CloudNativePG replica clusters, DNS failover.

    As for the global cluster below, no data class is declared personal: the residency policy
    would (rightly) stop personal data replicated into every region of the world.
    """
    regions = [
        {**region, "role": "active" if i == 0 else "passive"}
        for i, region in enumerate(_aws_regions(n))
    ]
    return StackSpec.model_validate(
        {
            **_COMMON,
            "name": "bench",
            "topology": "active-passive",
            "dns": {"provider": "route53", "zone": "example.com", "hostname": "login.example.com"},
            "data": {
                c: {"engine": "cnpg", "scope": "global"} for c in ("tokens", "accounts", "audit")
            },
            "residency": {"personalData": []},
            "configSync": {"repository": "https://git.example.com/idsvr-config.git"},
            "regions": regions,
        }
    )


def global_cluster_aws(n: int) -> StackSpec:
    """n active AWS regions, DynamoDB global tables (eventual), latency routing.

    No data class is declared personal, so the residency checks do not stop a stack that spans
    every AWS region: what is measured is the plan, not the residency policy.
    """
    return StackSpec.model_validate(
        {
            **_COMMON,
            "name": "bench",
            "topology": "global-cluster",
            "consistency": "eventual",
            "dns": {
                "provider": "route53",
                "zone": "example.com",
                "hostname": "login.example.com",
                "routing": "latency",
            },
            "data": {
                "tokens": {"engine": "dynamodb", "scope": "global"},
                "accounts": {"engine": "dynamodb", "scope": "global"},
                "audit": {
                    "engine": "external",
                    "scope": "region",
                    "connection": {"secretName": "idsvr-audit-db"},
                },
            },
            "residency": {"personalData": []},
            "regions": _aws_regions(n),
        }
    )


#: (topology label, generator, region counts): each topology adds the sizes it makes sense at
TOPOLOGIES: list[tuple[str, Generator, tuple[int, ...]]] = [
    ("single-region/kubernetes", single_region("kubernetes"), (1,)),
    ("single-region/aws", single_region("aws"), (1,)),
    ("single-region/gcp", single_region("gcp"), (1,)),
    ("active-passive/aws", active_passive_aws, (3, 10, 30)),
    ("global-cluster/aws", global_cluster_aws, (3, 10, 30)),
]


def replay(registrations: list[Registration]) -> Callable[[], None]:
    """A program registering the same resources with no regionkit code in between."""

    def program() -> None:
        made: dict[str, pulumi.Resource] = {}
        for reg in registrations:  # recorded in registration order: parents come first
            provider = made.get(reg.provider.rpartition("::")[0]) if reg.provider else None
            opts = pulumi.ResourceOptions(
                parent=made.get(reg.parent) if reg.parent else None,
                provider=provider if isinstance(provider, pulumi.ProviderResource) else None,
                protect=reg.protect,
                retain_on_delete=reg.retain_on_delete,
            )
            props = dict(reg.inputs)
            resource: pulumi.Resource
            if reg.type.startswith("pulumi:providers:"):
                package = reg.type.removeprefix("pulumi:providers:")
                resource = pulumi.ProviderResource(package, reg.name, props, opts)
            elif reg.custom:
                resource = pulumi.CustomResource(reg.type, reg.name, props, opts)
            else:
                resource = pulumi.ComponentResource(reg.type, reg.name, props, opts)
            made[reg.urn] = resource

    return program


@dataclass
class Row:
    topology: str
    regions: int
    resources: int
    plan_seconds: float
    bare_seconds: float

    @property
    def ratio(self) -> float:
        return self.plan_seconds / self.bare_seconds if self.bare_seconds else float("nan")


def best_of(runs: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of `runs` runs, each with the garbage collector off (as timeit does).

    Each plan leaves thousands of objects behind; a full collection landing inside one run
    would otherwise add up to a second to whichever side happens to trigger it.
    """
    best, result = float("inf"), None
    for _ in range(runs):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = fn()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best, result


def measure(label: str, spec: StackSpec, runs: int) -> Row:
    from regionkit.program import stack_program

    loaded = LoadedStack(spec=spec)
    plan_seconds, plan = best_of(runs, lambda: plan_stack(loaded))

    def program() -> None:
        stack_program(loaded)

    registrations = record(program, project=spec.name, stack=loaded.environment)
    bare_seconds, replayed = best_of(
        runs, lambda: record(replay(registrations), project=spec.name, stack=loaded.environment)
    )
    if {r.urn for r in replayed} != {r.urn for r in registrations}:
        raise RuntimeError("the replay did not register the same resources")
    return Row(
        label, len(spec.all_regions()), plan["summary"]["resources"], plan_seconds, bare_seconds
    )


def time_help(runs: int = 3) -> float:
    script = shutil.which("regionkit")
    command = [script, "--help"] if script else [sys.executable, "-m", "regionkit", "--help"]
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, check=False)
        best = min(best, time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode(errors="replace").strip()[-300:])
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--max-regions",
        type=int,
        default=10,
        help="skip larger sizes (default 10, which keeps a run under two minutes; 30 for all)",
    )
    parser.add_argument("--runs", type=int, default=3, help="best of N runs (up to 3 regions)")
    args = parser.parse_args(argv)
    # Components log deployment advice (missing backups...) through this logger: not figures.
    logging.getLogger("regionkit.pulumi").setLevel(logging.ERROR)

    rows: list[Row] = []
    header = (
        f"{'topology':<27} {'regions':>7} {'resources':>9} {'plan s':>8} {'bare s':>8} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for label, generate, sizes in TOPOLOGIES:
        for n in sizes:
            if n > args.max_regions:
                continue
            try:
                spec = generate(n)
                # Larger stacks take seconds per run and vary less: one run shows the trend.
                row = measure(label, spec, args.runs if n <= 3 else 1)
            except Exception as exc:  # a topology whose components have not landed yet
                message = str(exc).splitlines()[0] if str(exc) else ""
                print(f"{label:<27} {n:>7}  skipped: {type(exc).__name__}: {message[:90]}")
                continue
            rows.append(row)
            flag = "" if row.ratio <= TARGET_RATIO else "  > target"
            print(
                f"{row.topology:<27} {row.regions:>7} {row.resources:>9} "
                f"{row.plan_seconds:>8.2f} {row.bare_seconds:>8.2f} {row.ratio:>6.2f}{flag}"
            )
    try:
        help_seconds = time_help()
        verdict = "ok" if help_seconds < TARGET_HELP_SECONDS else "over target"
        print(
            f"\nregionkit --help: {help_seconds:.2f} s (target < {TARGET_HELP_SECONDS} s: {verdict})"
        )
    except (OSError, RuntimeError) as exc:
        print(f"\nregionkit --help: could not run: {exc}")
    if rows:
        worst = max(rows, key=lambda r: r.ratio)
        print(
            f"worst plan/bare ratio: {worst.ratio:.2f} ({worst.topology}, {worst.regions} regions); "
            f"target <= {TARGET_RATIO}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
