"""What a user waits for: `regionkit plan STACK` as a whole process, against a floor process.

`plan_scaling.py` times the plan inside one warm interpreter, after every import. A CI job or a
terminal pays for the interpreter, the imports and the plan together, so this bench times whole
processes, wall clock:

- plan: `python -m regionkit plan STACK --format json`, output discarded;
- floor: a fresh interpreter that registers the very same resources through the provider SDKs'
  own classes under the same mocks (the typed replay of `plan_scaling.py`), importing the SDK
  modules those classes live in, and prints them as JSON. It is what a hand-written Pulumi
  program with no regionkit code would cost to preview offline. The bench also counts the SDK
  modules each side imported: a plan that imports more than the floor pays for modules no
  resource of the stack needs.

The two run alternately, so a change in the machine's load does not favour one side; the
figure is the ratio of the medians (target <= 1.5). Stacks: stacks/dev.yaml, and a generated
global cluster of 12 AWS regions.

Run: python bench/whole_process.py [--runs 7] [--stack PATH ...]
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SDKS = ("pulumi_aws", "pulumi_gcp", "pulumi_kubernetes", "pulumi_random", "pulumi_tls")
TARGET_RATIO = 1.5
GLOBAL_REGIONS = 12


def _import_plan_scaling():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    return importlib.import_module("plan_scaling")


# --- the floor process ------------------------------------------------------------------------


def floor(prepared: Path) -> None:
    """The floor's whole work: the SDK imports, the typed registrations, the JSON."""
    from regionkit.plan import GC_THRESHOLDS

    gc.set_threshold(*GC_THRESHOLDS)  # as `regionkit` runs: the same work, done the same way
    with prepared.open("rb") as handle:
        _, registrations, project, stack = pickle.load(handle)
    # each SDK package registers its resource modules on import; the classes load lazily
    for package in sorted({_package(reg.type) for reg in registrations} - {None}):
        importlib.import_module(f"pulumi_{package}")
    plan_scaling = _import_plan_scaling()
    from regionkit.plan.recorder import record

    program = plan_scaling.replay_typed(registrations)  # looks up (and imports) each SDK class
    done = record(program, project=project, stack=stack)
    json.dump([{"urn": r.urn, "inputs": r.inputs} for r in done], sys.stdout)
    sys.stderr.write(f"\nMODULES {' '.join(_sdk_modules())}\n")


def _package(type_token: str) -> str | None:
    """The SDK package of a type token: `aws:ec2/vpc:Vpc` and `pulumi:providers:aws` -> aws."""
    package, module, rest = type_token.split(":", 2)
    if package == "pulumi":
        return rest if module == "providers" else None
    return package if f"pulumi_{package}" in SDKS else None


def _sdk_modules() -> list[str]:
    return sorted(m for m in sys.modules if m.split(".")[0] in SDKS)


# --- preparing a stack ------------------------------------------------------------------------


def global_cluster_file(directory: Path) -> Path:
    """A stack file of a 12-region AWS global cluster (plan_scaling's generator)."""
    import yaml

    plan_scaling = _import_plan_scaling()
    spec = plan_scaling.global_cluster_aws(GLOBAL_REGIONS)
    path = directory / "global-12.yaml"
    data = spec.model_dump(mode="json", by_alias=True, exclude_unset=True)
    # the configuration beside the stack file, as in a user's repository
    shutil.copytree(plan_scaling.CONFIG_DIR, directory / "idsvr-config")
    data["identityServer"]["config"] = {"path": "idsvr-config"}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def prepare(stack: Path, directory: Path) -> Path:
    """What the floor needs (the registrations), with the SDK modules the plan imported."""
    loaded, registrations = registrations_of(stack)
    prepared = directory / f"{stack.stem}.floor.pickle"
    with prepared.open("wb") as handle:
        pickle.dump(
            (plan_modules(stack), registrations, loaded.spec.name, loaded.environment), handle
        )
    return prepared


def registrations_of(stack: Path) -> tuple[Any, list[Any]]:
    """The stack and every resource its program registers under the plan's mocks."""
    from regionkit.plan.recorder import record
    from regionkit.program import stack_program
    from regionkit.spec.loader import load_stack

    loaded = load_stack(stack)
    registrations = record(
        lambda: stack_program(loaded), project=loaded.spec.name, stack=loaded.environment
    )
    return loaded, registrations


def plan_modules(stack: Path) -> list[str]:
    """The SDK modules a `regionkit plan` process imports, from a run of the CLI."""
    probe = (
        "import sys\n"
        "from regionkit.cli import main\n"
        f"sys.argv = ['regionkit', 'plan', {str(stack)!r}, '--format', 'json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"names = sorted(m for m in sys.modules if m.split('.')[0] in {SDKS!r})\n"
        "sys.stderr.write('\\nMODULES ' + ' '.join(names) + '\\n')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, env=_env()
    )
    marker = [line for line in done.stderr.splitlines() if line.startswith("MODULES ")]
    if done.returncode != 0 or not marker:
        raise RuntimeError(f"planning {stack} failed: {done.stderr.strip()[-400:]}")
    return marker[-1].split()[1:]


# --- timing -----------------------------------------------------------------------------------


@dataclass
class Row:
    stack: str
    plan: list[float]
    floor: list[float]
    plan_modules: int = 0
    floor_modules: int = 0

    @property
    def ratio(self) -> float:
        return statistics.median(self.plan) / statistics.median(self.floor)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p
    )
    return env


def _wall(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{command[2:5]} failed: {done.stderr.decode()[-400:]}")
    return seconds, done.stderr.decode()


def measure(stack: Path, prepared: Path, runs: int) -> Row:
    plan_command = [sys.executable, "-m", "regionkit", "plan", str(stack), "--format", "json"]
    floor_command = [sys.executable, __file__, "--floor", str(prepared)]
    with prepared.open("rb") as handle:
        plan_modules = pickle.load(handle)[0]
    _wall(plan_command)  # one unmeasured round of each: the OS caches the files both read
    _, stderr = _wall(floor_command)
    floor_modules = next(line for line in stderr.splitlines() if line.startswith("MODULES "))
    row = Row(stack.name, [], [], len(plan_modules), len(floor_modules.split()) - 1)
    for _ in range(runs):
        row.plan.append(_wall(plan_command)[0])
        row.floor.append(_wall(floor_command)[0])
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="alternating runs of each side")
    parser.add_argument("--stack", type=Path, action="append", help="stack files to time")
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor:
        floor(args.floor)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        stacks = args.stack or [ROOT / "stacks" / "dev.yaml", global_cluster_file(directory)]
        header = (
            f"{'stack':<16} {'plan s (min/median)':>20} {'floor s (min/median)':>21} {'ratio':>6}"
        )
        print(header)
        print("-" * len(header))
        worst = 0.0
        for stack in stacks:
            row = measure(stack, prepare(stack, directory), args.runs)
            worst = max(worst, row.ratio)
            flag = "" if row.ratio <= TARGET_RATIO else "  > target"
            print(
                f"{row.stack:<16} {min(row.plan):>9.2f} / {statistics.median(row.plan):<8.2f} "
                f"{min(row.floor):>10.2f} / {statistics.median(row.floor):<8.2f} "
                f"{row.ratio:>6.2f} {row.plan_modules:>14} / {row.floor_modules:<6}{flag}"
            )
    print(f"\nwhole-process ratio, worst: {worst:.2f} (target <= {TARGET_RATIO})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
