"""How the offline plan scales with the number of regions, and what regionkit adds to it.

For generated stacks of growing size this times the whole plan (checks, program evaluation
under the plan's mocks, the plan document) against the bare cost of registering the very same
resources under the same mocks with no regionkit code. The recorded registrations are replayed
two ways:

- typed: each resource through the provider SDK class Pulumi itself maps its type token to
  (`pulumi_aws.ec2.Subnet`...), with the recorded inputs as its arguments and the recorded
  parent, provider, options and dependencies: what a hand-written program pays. The bench
  checks that this replay registers exactly what the plan registered. plan / typed is the
  figure with the target <= 1.5.
- raw: plain `pulumi.CustomResource` / `ComponentResource` objects and no dependency graph: a
  floor below any real program (no SDK name translation, no outputs per property), for
  reference.

Both sides run under `regionkit.plan.recorder.record`, so the same mocks (and the same skipped
stack-trace capture). It also times `regionkit --help` in a fresh interpreter (target < 0.5 s).

Run: python bench/plan_scaling.py [--max-regions 30] [--runs N]
Each topology contributes a generator (regions -> StackSpec) and the sizes it makes sense at; a
topology whose components cannot plan yet is reported and skipped.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib
import inspect
import json
import logging
import re
import shutil
import subprocess
import sys
import time
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi import _types
from pulumi.runtime import rpc

from regionkit.catalog import curity_dynamodb
from regionkit.catalog.regions import regions_of
from regionkit.plan.recorder import SECRET, Registration, record
from regionkit.plan.runner import plan_stack
from regionkit.spec.loader import LoadedStack
from regionkit.spec.models import StackSpec

Generator = Callable[[int], StackSpec]
TARGET_RATIO = 1.5
TARGET_HELP_SECONDS = 0.5

#: a configuration with no data source of its own: it fits every generated data layout
CONFIG_DIR = (
    Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "stacks" / "config-minimal"
)
#: who may reach a created cluster's API (a documentation range)
API_CIDRS = ["203.0.113.0/24"]

_COMMON: dict[str, Any] = {
    "apiVersion": "regionkit/v1",
    "identityServer": {
        "image": "curity.azurecr.io/curity/idsvr:11.2",
        "runtime": {"minNodes": 2, "maxNodes": 6},
        "admin": {"allowedCidrs": ["10.0.0.0/8"]},
        "config": {"path": str(CONFIG_DIR)},
        "license": {"secretName": "idsvr-license"},
    },
}


def _aws_regions(n: int) -> list[dict[str, str]]:
    # the commercial regions Curity's DynamoDB plugin can reach (checks refuse the others)
    known = [
        r for r in regions_of("aws") if r.partition is None and r.name in curity_dynamodb.REGIONS
    ]
    if n > len(known):
        raise ValueError(f"only {len(known)} AWS regions are known, {n} asked for")
    return [
        {
            "id": f"r{i:02d}",
            "cloud": "aws",
            "location": r.name,
            "jurisdiction": r.country,
            "cluster": {"apiAllowedCidrs": API_CIDRS},
        }
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
                "cluster": {"kubeconfigContext": "home", "gatewayClass": "eg"},
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
    """A program registering the same resources as plain `CustomResource`s ("raw" baseline).

    This skips what the typed SDK classes do for every program (name translation, an output
    for every property, aliases) and the dependency graph: a floor below what any Pulumi
    program can reach.
    """
    has_secret = {reg.urn: _has_secret(reg.inputs) for reg in registrations}

    def program() -> None:
        made: dict[str, pulumi.Resource] = {}
        for reg in registrations:  # recorded in registration order: parents come first
            opts = _replay_options(reg, made)
            props = _with_secrets(reg.inputs) if has_secret[reg.urn] else dict(reg.inputs)
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


def replay_typed(registrations: list[Registration]) -> Callable[[], None]:
    """A program registering the same resources through the provider SDKs' own classes.

    Each custom resource is made by the class the SDK registered for its type token (the one
    Pulumi rehydrates it with), from the recorded inputs as constructor arguments, with the
    recorded parent, provider, options and dependencies (as `depends_on`: the inputs are plain
    values here, where the program passed other resources' outputs): what a hand-written
    program with no regionkit code would run. Components stay plain `ComponentResource`s:
    they are regionkit's, and only their registration is bare cost. Class look-ups and
    argument names are resolved here, before the program runs.
    """
    steps = [_typed_step(reg) for reg in registrations]

    def program() -> None:
        made: dict[str, pulumi.Resource] = {}
        for reg, cls, kwargs, secret in steps:
            opts = _replay_options(reg, made, dependencies=True)
            if secret:
                kwargs = _with_secrets(kwargs)
            if cls is None:
                made[reg.urn] = pulumi.ComponentResource(reg.type, reg.name, dict(reg.inputs), opts)
            else:
                made[reg.urn] = cls(reg.name, opts=opts, **kwargs)

    return program


def _replay_options(
    reg: Registration, made: dict[str, pulumi.Resource], *, dependencies: bool = False
) -> pulumi.ResourceOptions:
    provider = made.get(reg.provider.rpartition("::")[0]) if reg.provider else None
    return pulumi.ResourceOptions(
        parent=made.get(reg.parent) if reg.parent else None,
        provider=provider if isinstance(provider, pulumi.ProviderResource) else None,
        protect=reg.protect,
        retain_on_delete=reg.retain_on_delete,
        depends_on=[made[urn] for urn in reg.dependencies] if dependencies else None,
    )


TypedStep = tuple[Registration, "type[pulumi.Resource] | None", dict[str, Any], bool]


def _typed_step(reg: Registration) -> TypedStep:
    if not reg.custom:
        return reg, None, {}, False
    cls = sdk_class(reg.type)
    kwargs = constructor_args(cls, reg.inputs)
    return reg, cls, kwargs, _has_secret(kwargs)


def sdk_class(type_token: str) -> type[pulumi.Resource]:
    """The provider SDK class registered for `type_token` (providers and resources alike).

    Kubernetes kinds no SDK class covers (CRDs: Gateway API, CloudNativePG) are made by
    `apiextensions.CustomResource`, as a program without regionkit would make them.
    """
    package, module, _ = type_token.split(":", 2)
    if package == "pulumi" and module == "providers":
        for pkg in rpc._RESOURCE_PACKAGES.get(type_token.rpartition(":")[2], []):
            info = getattr(pkg, "pkg_info", None)
            if info and info["token"] == type_token:
                cls: type[pulumi.Resource] = getattr(
                    importlib.import_module(info["fqn"]), info["class"]
                )
                return cls
    for mod in rpc._RESOURCE_MODULES.get(f"{package}:{module}", []):
        info = getattr(mod, "mod_info", None)
        if info and type_token in info["classes"]:
            cls = getattr(importlib.import_module(info["fqn"]), info["classes"][type_token])
            return cls
    if package == "kubernetes":
        import pulumi_kubernetes

        return pulumi_kubernetes.apiextensions.CustomResource
    raise LookupError(f"no SDK class is registered for {type_token}")


_PARAMETERS: dict[type, tuple[dict[str, str], dict[str, bool]]] = {}


def _parameters(cls: type[pulumi.Resource]) -> tuple[dict[str, str], dict[str, bool]]:
    """(wire name -> Python name of the class's properties, parameter -> whether it is a str)."""
    if cls not in _PARAMETERS:
        init = getattr(cls, "_internal_init", cls.__init__)
        params = {
            name: typing.get_args(param.annotation)[:1] == (str,)
            for name, param in inspect.signature(init).parameters.items()
            if name not in ("__self__", "self", "opts", "resource_name")
        }
        _PARAMETERS[cls] = dict(_types.resource_pulumi_to_py_names(cls)), params
    return _PARAMETERS[cls]


def constructor_args(cls: type[pulumi.Resource], inputs: dict[str, Any]) -> dict[str, Any]:
    """The recorded (wire-named) inputs as keyword arguments of `cls`.

    Nested values stay wire-named dicts: the SDK serializes them unchanged. Inputs that are
    not parameters are the ones the class sets itself (a Kubernetes kind's `apiVersion`...);
    `measure` checks that the replay registers exactly the recorded inputs.
    """
    names, params = _parameters(cls)
    # A provider's inputs travel JSON-encoded unless they are strings: decode the others.
    provider = issubclass(cls, pulumi.ProviderResource)
    kwargs = {}
    for key, value in inputs.items():
        name = names.get(key) or _snake(key)
        if name not in params:
            continue
        if provider and isinstance(value, str) and value != SECRET and not params[name]:
            value = json.loads(value)
        kwargs[name] = value
    return kwargs


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _has_secret(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secret(v) for v in value)
    return bool(value == SECRET)


def _with_secrets(value: Any) -> Any:
    """`value` with each recorded secret made a secret again, as the program passed it."""
    if isinstance(value, dict):
        return {k: _with_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_secrets(v) for v in value]
    return pulumi.Output.secret(value) if value == SECRET else value


def registration_differences(
    original: list[Registration],
    replayed: list[Registration],
    *,
    ignore: tuple[str, ...] = (),
    limit: int = 5,
) -> list[str]:
    """How `replayed` differs from `original` (resources, options, inputs, dependencies).

    Empty when they are equal but for the fields named in `ignore`.
    """
    by_urn = {r.urn: r for r in replayed}
    problems = [f"missing {r.urn}" for r in original if r.urn not in by_urn]
    problems += [f"extra {urn}" for urn in sorted(by_urn.keys() - {r.urn for r in original})]
    for reg in original:
        again = by_urn.get(reg.urn)
        if again is None or again == reg:
            continue
        fields = [
            f
            for f in dataclasses.fields(reg)
            if f.name not in ignore and getattr(reg, f.name) != getattr(again, f.name)
        ]
        for f in fields:
            if f.name == "inputs":
                keys = sorted(
                    k
                    for k in reg.inputs.keys() | again.inputs.keys()
                    if reg.inputs.get(k) != again.inputs.get(k)
                )
                problems.append(f"{reg.urn}: inputs differ at {keys}")
            else:
                problems.append(
                    f"{reg.urn}: {f.name} {getattr(reg, f.name)!r} != {getattr(again, f.name)!r}"
                )
    return problems[:limit]


@dataclass
class Row:
    topology: str
    regions: int
    resources: int
    plan_seconds: float
    #: the same registrations through the SDKs' typed classes: what the target compares with
    typed_seconds: float
    #: the same registrations as plain CustomResources: the floor, for reference
    raw_seconds: float

    @property
    def ratio(self) -> float:
        return self.plan_seconds / self.typed_seconds if self.typed_seconds else float("nan")

    @property
    def raw_ratio(self) -> float:
        return self.plan_seconds / self.raw_seconds if self.raw_seconds else float("nan")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds `fn` takes with the garbage collector off (as timeit does), and its result.

    Each plan leaves thousands of objects behind; a full collection landing inside one run
    would otherwise add up to a second to whichever side happens to trigger it.
    """
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        result = fn()
        return time.perf_counter() - start, result
    finally:
        gc.enable()


def measure(label: str, spec: StackSpec, runs: int) -> Row:
    """The best of `runs` rounds; each round times the plan and both replays back to back.

    Interleaving keeps a change in the machine's load (it is shared) from favouring one side.
    """
    from regionkit.program import stack_program

    loaded = LoadedStack(spec=spec)

    def program() -> None:
        stack_program(loaded)

    registrations = record(program, project=spec.name, stack=loaded.environment)
    # Made once, outside the timing: class look-ups and argument names are not registration.
    typed, raw = replay_typed(registrations), replay(registrations)
    sides: dict[str, Callable[[], Any]] = {
        "plan": lambda: plan_stack(loaded),
        "typed": lambda: record(typed, project=spec.name, stack=loaded.environment),
        "raw": lambda: record(raw, project=spec.name, stack=loaded.environment),
    }
    best = dict.fromkeys(sides, float("inf"))
    results: dict[str, Any] = {}
    for _ in range(runs):
        for side, fn in sides.items():
            seconds, results[side] = timed(fn)
            best[side] = min(best[side], seconds)
    # A baseline that registered anything else would measure something else. The raw replay
    # leaves out the dependency graph, as it always did: it is the floor, not the comparison.
    for side, ignore in (("typed", ()), ("raw", ("dependencies",))):
        if problems := registration_differences(registrations, results[side], ignore=ignore):
            raise RuntimeError(f"the {side} replay did not register the same: {problems}")
    return Row(
        label,
        len(spec.all_regions()),
        results["plan"]["summary"]["resources"],
        best["plan"],
        typed_seconds=best["typed"],
        raw_seconds=best["raw"],
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
        help="skip larger sizes (default 10: about three minutes on two cores; 30 for all)",
    )
    parser.add_argument("--runs", type=int, default=3, help="best of N runs (up to 10 regions)")
    args = parser.parse_args(argv)
    # Components log deployment advice (missing backups...) through this logger: not figures.
    logging.getLogger("regionkit.pulumi").setLevel(logging.ERROR)

    rows: list[Row] = []
    header = (
        f"{'topology':<27} {'regions':>7} {'resources':>9} {'plan s':>8} "
        f"{'typed s':>8} {'raw s':>8} {'ratio':>6} {'raw ratio':>9}"
    )
    print(header)
    print("-" * len(header))
    for label, generate, sizes in TOPOLOGIES:
        for n in sizes:
            if n > args.max_regions:
                continue
            try:
                spec = generate(n)
                # The largest stacks take many seconds per run and vary less: one run shows the trend.
                row = measure(label, spec, args.runs if n <= 10 else 1)
            except Exception as exc:  # a topology whose components have not landed yet
                message = str(exc).splitlines()[0] if str(exc) else ""
                print(f"{label:<27} {n:>7}  skipped: {type(exc).__name__}: {message[:90]}")
                continue
            rows.append(row)
            flag = "" if row.ratio <= TARGET_RATIO else "  > target"
            print(
                f"{row.topology:<27} {row.regions:>7} {row.resources:>9} "
                f"{row.plan_seconds:>8.2f} {row.typed_seconds:>8.2f} {row.raw_seconds:>8.2f} "
                f"{row.ratio:>6.2f} {row.raw_ratio:>9.2f}{flag}"
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
            f"worst plan/typed ratio: {worst.ratio:.2f} ({worst.topology}, {worst.regions} regions); "
            f"target <= {TARGET_RATIO}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
