"""Who the users are: countries with a weight each (a share of users, any unit).

By default the users are the populations of the countries inside the stack's jurisdictions (an
"EU" jurisdiction counts its member states). `--users DE=40,FR=25` or a YAML mapping file
(`DE: 40`) says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regionkit.catalog.countries import Country, countries_of, country
from regionkit.errors import InvalidInput
from regionkit.spec.models import StackSpec


@dataclass(frozen=True)
class Users:
    weights: dict[str, float]
    source: str

    def to_json(self) -> dict[str, object]:
        return {"source": self.source, "countries": len(self.weights)}


def stack_jurisdictions(spec: StackSpec) -> list[str]:
    """The jurisdictions of the stack's regions and sub-clusters, in stack-file order."""
    found: list[str] = []
    for deployment in spec.deployments():
        own = [deployment.jurisdiction] if deployment.jurisdiction else []
        for jurisdiction in own + [r.jurisdiction for r in deployment.regions]:
            if jurisdiction not in found:
                found.append(jurisdiction)
    return found


def default_users(spec: StackSpec) -> Users:
    weights: dict[str, float] = {}
    for jurisdiction in stack_jurisdictions(spec):
        for c in countries_of(jurisdiction):
            weights.setdefault(c.code, float(c.population))
    return Users(weights, "population of the countries in the stack's jurisdictions")


def parse_users(text: str) -> Users:
    """`COUNTRY=WEIGHT,...` as given on the command line."""
    weights: dict[str, float] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        code, sep, value = item.partition("=")
        if not sep:
            raise InvalidInput(f"--users: {item!r} is not COUNTRY=WEIGHT (for example DE=40)")
        found = _country(code.strip(), "--users")
        weights[found.code] = _weight(value.strip(), f"--users: {code.strip()}")
    if not weights:
        raise InvalidInput("--users: no COUNTRY=WEIGHT given (for example DE=40,FR=25)")
    return Users(weights, "given with --users")


def load_users(path: str | Path) -> Users:
    """A YAML mapping of country codes to weights; errors name the file, line and key."""
    from regionkit.spec.loader import parse_yaml, read_stack_file

    path = Path(path)
    # bounded, regular files only: a FIFO or /dev/zero is refused, never read
    data, lines = parse_yaml(read_stack_file(path, "users file"), str(path))
    if not isinstance(data, dict) or not data:
        raise InvalidInput(
            f"{path}:1: expected a mapping of country codes to weights, for example 'DE: 40'"
        )
    weights: dict[str, float] = {}
    for key, value in data.items():
        where = f"{path}:{lines.get(str(key), 1)}: key {key}"
        found = _country(str(key), where)
        weights[found.code] = _weight(value, where)
    return Users(weights, f"given in {path.name}")


def _country(code: str, where: str) -> Country:
    found = country(code)
    if found is None:
        raise InvalidInput(
            f"{where}: {code!r} is not an ISO 3166 alpha-2 country code the catalog knows "
            "(for example DE, US, JP)"
        )
    return found


def _weight(value: Any, where: str) -> float:
    try:
        weight = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{where}: weight {value!r} is not a number") from None
    if not weight > 0 or weight == float("inf"):
        raise InvalidInput(f"{where}: weight {value!r} must be a positive number")
    return weight
