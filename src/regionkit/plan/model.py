"""The plan document (DESIGN section 4): every resource a stack would create, as plain JSON.

The document is deterministic: resources sorted by URN, dictionary keys sorted, integral numbers
as integers, so the same stack planned twice serializes to identical bytes. Secret values never
appear: the recorder already prints Pulumi secrets as "[secret]", and `clean_inputs` redacts
known secret-bearing fields again in case a component forgot to wrap one.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from regionkit.errors import InvalidInput

if TYPE_CHECKING:
    from regionkit.findings import Finding
    from regionkit.plan.recorder import Registration
    from regionkit.spec.models import StackSpec

PLAN_API_VERSION = "regionkit/v1"
SECRET = "[secret]"
UNKNOWN = "[unknown]"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"

#: Input fields that hold secret material for these types, whatever the component did.
TYPE_SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    "kubernetes:core/v1:Secret": ("data", "stringData"),
    "random:index/randomPassword:RandomPassword": ("result", "bcryptHash"),
    "random:index/randomBytes:RandomBytes": ("base64", "hex"),
    "tls:index/privateKey:PrivateKey": (
        "privateKeyPem",
        "privateKeyOpenssh",
        "privateKeyPemPkcs8",
    ),
}

# Key names whose string values are secret material. Matched against the key lower-cased with
# separators removed, by suffix, so `masterPassword`, `DB_PASSWORD` and `client_secret` match
# while `secretName` or `passwordSecretRef` (references, not values) do not.
_SENSITIVE_SUFFIXES = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "secretstring",
    "privatekey",
    "privatekeypem",
    "apikey",
    "secretkey",
    "token",
)
# Environment variables are {name, value} pairs: the name says whether the value is secret.
_SENSITIVE_ENV_SUFFIXES = (*_SENSITIVE_SUFFIXES, "key")


def build_plan(
    *,
    stack: str,
    spec: StackSpec,
    registrations: list[Registration],
    findings: list[Finding],
    failover: dict[str, Any] | None,
    scenarios: list[dict[str, Any]] | None = None,
    latency: dict[str, Any] | None = None,
    roles: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The plan document of `registrations` recorded from the program of `spec`.

    `scenarios` are the article's three test scenarios per reroute (an extension of DESIGN
    section 4: login, session and refresh verdicts for each region a user can be sent to).
    `latency` is the latency map of the stack's users (`regionkit.latency`), another extension.
    `roles` is the writer of every single-writer store placement and the primary of every
    failover DNS record as the program deployed them, each with its source: "stack file", or
    "recorded" where a failover, switchover or switchback left it elsewhere (roles.json).
    """
    regions = region_rows(spec)
    by_urn = {r.urn: r for r in registrations}
    region_of = _RegionAttribution(by_urn)
    resources = sorted(
        (
            {
                "urn": reg.urn,
                "type": reg.type,
                "name": reg.name,
                "parent": _parent(reg.parent),
                "region": region_of(reg.urn),
                "inputs": clean_inputs(reg.type, reg.inputs),
                "custom": reg.custom,
                "provider": _provider_urn(reg.provider),
                "protect": reg.protect,
                "retainOnDelete": reg.retain_on_delete,
            }
            for reg in registrations
        ),
        key=lambda r: str(r["urn"]),
    )
    return {
        "apiVersion": PLAN_API_VERSION,
        "stack": stack,
        "topology": str(spec.topology),
        "regions": regions,
        "resources": resources,
        "findings": [normalize(f.to_json()) for f in findings],
        "failover": normalize(failover) if failover is not None else None,
        "scenarios": [normalize(s) for s in scenarios or []],
        "summary": summarize(resources, regions),
        **({"latency": normalize(latency)} if latency is not None else {}),
        **({"roles": normalize(roles)} if roles is not None else {}),
    }


def region_rows(spec: StackSpec) -> list[dict[str, Any]]:
    """Every region of the stack, sub-clusters' regions included, in stack-file order."""
    placed = (
        [(None, r) for r in spec.regions]
        if spec.regions is not None
        else [(sub.id, r) for sub in spec.sub_clusters or [] for r in sub.regions]
    )
    return [
        {
            "id": region.id,
            "cloud": str(region.cloud),
            "location": region.location,
            "jurisdiction": region.jurisdiction,
            "role": str(region.role),
            "subCluster": sub_cluster,
        }
        for sub_cluster, region in placed
    ]


def summarize(resources: list[dict[str, Any]], regions: list[dict[str, Any]]) -> dict[str, Any]:
    by_type = Counter(r["type"] for r in resources)
    by_region = Counter(r["region"] for r in resources if r["region"] is not None)
    known = [r["id"] for r in regions]
    # Every region appears (a region with nothing in it is worth seeing), in stack-file order;
    # a region id a component used that the stack does not declare comes last.
    ordered = known + sorted(set(by_region) - set(known))
    summary: dict[str, Any] = {
        "resources": len(resources),
        "byType": {t: by_type[t] for t in sorted(by_type)},
        "byRegion": {rid: by_region.get(rid, 0) for rid in ordered},
        "global": sum(1 for r in resources if r["region"] is None),
    }
    sub_of = {r["id"]: r["subCluster"] for r in regions if r["subCluster"] is not None}
    if sub_of:
        by_sub: dict[str, int] = {}
        for r in regions:
            by_sub.setdefault(r["subCluster"], 0)
        for rid, count in by_region.items():
            if rid in sub_of:
                by_sub[sub_of[rid]] += count
        summary["bySubCluster"] = by_sub
    return summary


class _RegionAttribution:
    """A resource's region: the `region` input of its nearest component ancestor that has one."""

    def __init__(self, by_urn: Mapping[str, Registration]):
        self._by_urn = by_urn
        self._memo: dict[str, str | None] = {}

    def __call__(self, urn: str | None) -> str | None:
        chain: list[str] = []
        found: str | None = None
        while urn is not None and urn not in self._memo:
            reg = self._by_urn.get(urn)
            if reg is None:
                break
            chain.append(urn)
            region = reg.inputs.get("region")
            if not reg.custom and isinstance(region, str) and region:
                found = region
                break
            urn = reg.parent
        else:
            if urn is not None:
                found = self._memo[urn]
        for seen in chain:
            self._memo[seen] = found
        return found


def _parent(urn: str | None) -> str | None:
    """The parent URN, or None for the root stack (and for no parent at all)."""
    if urn is None or urn_type(urn) == ROOT_STACK_TYPE:
        return None
    return urn


def _provider_urn(reference: str | None) -> str | None:
    # A provider reference is "<urn>::<id>"; the id is the mock's, so only the URN is kept.
    if not reference:
        return None
    urn, sep, _ = reference.rpartition("::")
    return urn if sep and urn.startswith("urn:pulumi:") else reference


def urn_type(urn: str) -> str:
    """The resource's own type token from a URN (the last `$`-separated part of its type)."""
    parts = urn.split("::")
    if len(parts) < 4:
        return ""
    return parts[2].rsplit("$", 1)[-1]


# --- inputs ------------------------------------------------------------------------------------


def clean_inputs(type_token: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs as they appear in a plan: internal keys dropped, secrets redacted, normalized."""
    out = {k: v for k, v in inputs.items() if not k.startswith("__")}
    for field in TYPE_SECRET_FIELDS.get(type_token, ()):
        if field in out:
            out[field] = _redact_whole_or_values(out[field])
    redacted = redact_sensitive(out)
    assert isinstance(redacted, dict)
    return normalize(redacted)


def _redact_whole_or_values(value: Any) -> Any:
    # Keeping a Secret's keys (with every value redacted) tells a reviewer what it holds.
    if isinstance(value, dict):
        return {k: SECRET for k in value}
    return SECRET if value is not None else None


def is_sensitive_key(key: str, suffixes: tuple[str, ...] = _SENSITIVE_SUFFIXES) -> bool:
    # Write-only variants (`masterPasswordWo`, `password_wo`) hold the same secret.
    key = re.sub(r"(_wo|Wo)$", "", key)
    flat = re.sub(r"[^a-z0-9]", "", key.lower())
    return flat.endswith(suffixes)


def redact_sensitive(value: Any) -> Any:
    """`value` with every string under a secret-sounding key replaced by "[secret]"."""
    if isinstance(value, dict):
        env_name = value.get("name")
        env_secret = (
            isinstance(env_name, str)
            and isinstance(value.get("value"), str)
            and is_sensitive_key(env_name, _SENSITIVE_ENV_SUFFIXES)
        )
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(item, str) and (is_sensitive_key(key) or (env_secret and key == "value")):
                out[key] = SECRET
            else:
                out[key] = redact_sensitive(item)
        return out
    if isinstance(value, list):
        return [redact_sensitive(item) for item in value]
    return value


@overload
def normalize(value: Mapping[Any, Any]) -> dict[str, Any]: ...


@overload
def normalize(value: Any) -> Any: ...


def normalize(value: Any) -> Any:
    """JSON-ready and deterministic: sorted keys, integral floats as ints, no SDK objects."""
    if value is None or isinstance(value, bool | int | str):
        return _unknown_as_marker(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        return {str(k): normalize(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [normalize(v) for v in value]
    return _sdk_value(value)


def _unknown_as_marker(value: Any) -> Any:
    from pulumi.runtime import rpc

    return UNKNOWN if isinstance(value, str) and value == rpc.UNKNOWN else value


def _sdk_value(value: Any) -> Any:
    """Assets, archives and anything else the SDK deserializes, as stable JSON."""
    import pulumi

    if isinstance(value, pulumi.FileAsset | pulumi.FileArchive):
        return {"path": str(value.path)}
    if isinstance(value, pulumi.StringAsset):
        return {"text": value.text}
    if isinstance(value, pulumi.RemoteAsset | pulumi.RemoteArchive):
        return {"uri": value.uri}
    if isinstance(value, pulumi.AssetArchive):
        return {"assets": normalize(dict(value.assets))}
    # A Python object's repr may hold a memory address: its type name is what stays stable.
    return f"[{type(value).__name__}]"


# --- serialization -----------------------------------------------------------------------------


def plan_json(plan: Mapping[str, Any]) -> str:
    """The plan as the one JSON document `regionkit plan --format json` prints."""
    return json.dumps(plan, indent=2, ensure_ascii=False) + "\n"


REQUIRED_KEYS = ("apiVersion", "stack", "topology", "regions", "resources", "summary")


def check_plan(document: Any, source: str = "<plan>") -> dict[str, Any]:
    """`document` if it is a plan, or InvalidInput saying what is wrong with it."""
    if not isinstance(document, dict):
        raise InvalidInput(f"{source}: not a regionkit plan (expected a JSON object)")
    missing = [k for k in REQUIRED_KEYS if k not in document]
    if missing:
        raise InvalidInput(f"{source}: not a regionkit plan (missing {', '.join(missing)})")
    if document["apiVersion"] != PLAN_API_VERSION:
        raise InvalidInput(
            f"{source}: plan apiVersion {document['apiVersion']!r} is not {PLAN_API_VERSION!r}"
        )
    if not isinstance(document["resources"], list) or not all(
        isinstance(r, dict) and isinstance(r.get("urn"), str) for r in document["resources"]
    ):
        raise InvalidInput(f"{source}: plan resources must be a list of objects with a urn")
    return document


def load_plan(path: str | Path) -> dict[str, Any]:
    """A plan.json file, checked to be a plan."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such plan file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the plan: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    return check_plan(document, str(path))


def resources_by_region(plan: Mapping[str, Any]) -> dict[str | None, list[dict[str, Any]]]:
    """Resources grouped by region id (None: global), regions in plan order."""
    out: dict[str | None, list[dict[str, Any]]] = {r["id"]: [] for r in plan["regions"]}
    for resource in plan["resources"]:
        out.setdefault(resource["region"], []).append(resource)
    return out


def count_by(items: Iterable[Mapping[str, Any]], key: str) -> dict[Any, int]:
    counts = Counter(item[key] for item in items)
    return {k: counts[k] for k in sorted(counts, key=lambda k: (k is None, str(k)))}
