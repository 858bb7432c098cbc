"""checkov's Kubernetes policies over the manifests of every example stack, against an allow-list.

`python3 -m tests.checkov_gate --checkov PATH` plans each stack under `stacks/` into a temporary
directory (`regionkit plan --out`, which writes the manifests under `k8s/`), runs checkov on
them offline (`--skip-download`) and exits 1 on any failed check that `.ci/checkov-allow.yaml`
does not allow for that manifest. CI runs it from `.ci/checkov`, with checkov in its own venv.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
ALLOW_LIST = ROOT / ".ci" / "checkov-allow.yaml"
STACKS = ROOT / "stacks"


@dataclass(frozen=True)
class Allowed:
    """One allow-list entry: a check id, the manifests (`Kind/name` globs) it may fail on, why."""

    check: str
    resources: tuple[str, ...]
    why: str

    def covers(self, failure: Failure) -> bool:
        return failure.check == self.check and any(
            fnmatch.fnmatchcase(failure.manifest, pattern) for pattern in self.resources
        )


@dataclass(frozen=True)
class Failure:
    """A failed check on one manifest."""

    check: str
    name: str
    #: `Kind/name`: checkov's resource id without the namespace
    manifest: str
    file: str


def load_allow_list(path: Path = ALLOW_LIST) -> list[Allowed]:
    """The allow-list; every entry must say why."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    allowed = []
    for entry in entries:
        why = str(entry.get("why") or "").strip()
        if not why:
            raise ValueError(f"{path}: allow-list entry {entry.get('check')} does not say why")
        allowed.append(Allowed(str(entry["check"]), tuple(entry["resources"]), why))
    return allowed


def failures(report: Any) -> list[Failure]:
    """The failed checks of checkov's JSON report (one document, or a list per framework)."""
    found = []
    for part in report if isinstance(report, list) else [report]:
        for failed in part.get("results", {}).get("failed_checks", []):
            kind, *_, name = str(failed["resource"]).split(".")
            found.append(
                Failure(
                    check=str(failed["check_id"]),
                    name=str(failed["check_name"]),
                    manifest=f"{kind}/{name}",
                    file=str(failed["file_path"]),
                )
            )
    return found


def unexpected(found: list[Failure], allowed: list[Allowed]) -> list[Failure]:
    """The failures no allow-list entry covers."""
    return [f for f in found if not any(a.covers(f) for a in allowed)]


def unused(found: list[Failure], allowed: list[Allowed]) -> list[Allowed]:
    """Allow-list entries nothing failed on any more: candidates for removal."""
    return [a for a in allowed if not any(a.covers(f) for f in found)]


def write_manifests(out: Path, stacks: list[Path]) -> None:
    """`regionkit plan --out` of every stack, each in its own directory under `out`."""
    for stack in stacks:
        subprocess.run(
            [sys.executable, "-m", "regionkit", "plan", str(stack), "--out", str(out / stack.stem)],
            check=True,
            stdout=subprocess.DEVNULL,
        )


def run_checkov(checkov: list[str], directory: Path) -> Any:
    """checkov's Kubernetes framework over `directory`, offline; its JSON report."""
    done = subprocess.run(
        [
            *checkov,
            *("--directory", str(directory), "--framework", "kubernetes"),
            *("--skip-download", "--quiet", "--compact", "--output", "json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    # exit code 1 means "some check failed"; anything else, or no report, is checkov failing
    if done.returncode not in (0, 1) or not done.stdout.strip():
        raise RuntimeError(f"checkov exited {done.returncode}: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def gate(checkov: list[str]) -> tuple[list[Failure], list[Failure], list[Allowed]]:
    """Plan every example stack, run checkov: (all failures, unexpected ones, unused entries)."""
    allowed = load_allow_list()
    with tempfile.TemporaryDirectory(prefix="regionkit-checkov-") as tmp:
        write_manifests(Path(tmp), sorted(STACKS.glob("*.yaml")))
        found = failures(run_checkov(checkov, Path(tmp)))
    return found, unexpected(found, allowed), unused(found, allowed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkov", default="checkov", help="the checkov executable")
    args = parser.parse_args(argv)
    found, bad, stale = gate([args.checkov])
    for entry in stale:
        print(f"allow-list entry {entry.check} matched nothing: remove it", file=sys.stderr)
    for failure in bad:
        print(f"{failure.check} {failure.name}: {failure.manifest} ({failure.file})")
    print(
        f"checkov: {len(found)} failed checks, {len(found) - len(bad)} allowed, "
        f"{len(bad)} not allowed",
        file=sys.stderr,
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
