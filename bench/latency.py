"""How fast `regionkit latency` answers on a 30-region stack (target: under a second).

Generates a global cluster over the first 30 commercial AWS regions of the catalog (latency
routing; no data class declared personal, so every AWS region of the world is a lawful
candidate for --suggest) and times, as the median of several runs:
- in process: loading the stack file and computing the map (every country of the stack's
  jurisdictions, and the map again with each of the 30 regions removed from routing), then
  the same with `--suggest 3` (every remaining AWS region tried as a 31st);
- the command in a fresh interpreter, as a user runs it, start-up included: wall time (the
  target), and the CPU time it used (user + system), which other load on the machine does not
  inflate; the load average is printed so a wall time measured on a busy machine can be read.

Run: python bench/latency.py [--regions 30] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from regionkit.catalog.regions import regions_of
from regionkit.latency import latency_map, suggest
from regionkit.spec.loader import load_stack

TARGET_SECONDS = 1.0


def stack_document(n: int) -> dict[str, Any]:
    known = [r for r in regions_of("aws") if r.partition is None]
    if n > len(known):
        raise SystemExit(f"only {len(known)} commercial AWS regions are known, {n} asked for")
    return {
        "apiVersion": "regionkit/v1",
        "name": "bench-latency",
        "topology": "global-cluster",
        "consistency": "eventual",
        "identityServer": {"admin": {"allowedCidrs": ["10.0.0.0/8"]}},
        "dns": {"zone": "example.com", "hostname": "login.example.com", "routing": "latency"},
        "data": {c: {"engine": "dynamodb", "scope": "global"} for c in ("tokens", "accounts")}
        | {"audit": {"engine": "external", "scope": "region", "connection": {"secretName": "a"}}},
        "residency": {"personalData": []},
        "regions": [
            {"id": f"r{i:02d}", "cloud": "aws", "location": r.name, "jurisdiction": r.country}
            for i, r in enumerate(known[:n])
        ],
    }


def median_seconds(fn: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(yaml.safe_dump(stack_document(args.regions), sort_keys=False))
        spec = load_stack(path).spec
        report = latency_map(spec)
        print(
            f"stack: {args.regions} regions, {len(report.users.weights)} user countries, "
            f"{len(report.failures)} failure scenarios; overall p50 {report.overall.p50_ms} ms, "
            f"p95 {report.overall.p95_ms} ms"
        )
        in_process = median_seconds(lambda: latency_map(load_stack(path).spec), args.runs)
        with_suggest = (
            median_seconds(lambda: suggest(load_stack(path).spec, 3), args.runs) + in_process
        )
        print(
            f"in process: map {in_process * 1000:.0f} ms, map + --suggest 3 {with_suggest * 1000:.0f} ms"
        )
        command = [sys.executable, "-m", "regionkit", "latency", str(path), "--json"]
        for label, extra in (
            ("regionkit latency --json", []),
            ("... --suggest 3", ["--suggest", "3"]),
        ):
            cpu: list[float] = []

            def run(extra: list[str] = extra, cpu: list[float] = cpu) -> None:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                done = subprocess.run(command + extra, capture_output=True, text=True, check=True)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
                json.loads(done.stdout)

            seconds = median_seconds(run, args.runs)
            cpu_seconds = statistics.median(cpu)
            verdict = "ok" if seconds < TARGET_SECONDS else "OVER TARGET"
            print(
                f"fresh interpreter: {label}: {seconds:.2f} s wall (target < {TARGET_SECONDS} s: "
                f"{verdict}), {cpu_seconds:.2f} s CPU"
            )
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
