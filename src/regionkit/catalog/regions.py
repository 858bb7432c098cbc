"""Cloud regions regionkit knows: country, continent and coordinates, and multi-region sets.

Jurisdictions are ISO 3166 alpha-2 country codes; "EU" stands for the European Union as a whole,
so a region in an EU member state belongs to its country and to "EU". Coordinates are those of
the region's metro area, close enough for distances between regions (latency, not navigation).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from regionkit.spec.models import Cloud


class Continent(StrEnum):
    AFRICA = "africa"
    ASIA = "asia"
    EUROPE = "europe"
    NORTH_AMERICA = "north-america"
    OCEANIA = "oceania"
    SOUTH_AMERICA = "south-america"


EU = "EU"

#: Member states of the European Union (ISO 3166 alpha-2; Greece is GR, not the EU's "EL").
# fmt: off
EU_MEMBER_STATES: frozenset[str] = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})
# fmt: on


@dataclass(frozen=True)
class RegionFacts:
    cloud: Cloud
    name: str
    city: str
    country: str
    continent: Continent
    lat: float
    lon: float
    #: the AWS partition for regions outside the commercial one ("aws-cn", "aws-us-gov", ...)
    partition: str | None = None

    @property
    def jurisdictions(self) -> tuple[str, ...]:
        """Every jurisdiction the region is in: its country, and "EU" for member states."""
        return (self.country, EU) if self.country in EU_MEMBER_STATES else (self.country,)


def _region(
    cloud: Cloud,
    name: str,
    city: str,
    country: str,
    continent: Continent,
    lat: float,
    lon: float,
    partition: str | None = None,
) -> RegionFacts:
    return RegionFacts(cloud, name, city, country, continent, lat, lon, partition)


_NA, _SA, _EU = Continent.NORTH_AMERICA, Continent.SOUTH_AMERICA, Continent.EUROPE
_AS, _OC, _AF = Continent.ASIA, Continent.OCEANIA, Continent.AFRICA
_A, _G = Cloud.AWS, Cloud.GCP

_REGIONS: tuple[RegionFacts, ...] = (
    # --- AWS, commercial partition
    _region(_A, "us-east-1", "N. Virginia", "US", _NA, 38.9, -77.5),
    _region(_A, "us-east-2", "Ohio", "US", _NA, 40.0, -83.0),
    _region(_A, "us-west-1", "N. California", "US", _NA, 37.4, -121.9),
    _region(_A, "us-west-2", "Oregon", "US", _NA, 45.8, -119.7),
    _region(_A, "ca-central-1", "Montreal", "CA", _NA, 45.5, -73.6),
    _region(_A, "ca-west-1", "Calgary", "CA", _NA, 51.0, -114.1),
    _region(_A, "mx-central-1", "Queretaro", "MX", _NA, 20.6, -100.4),
    _region(_A, "sa-east-1", "Sao Paulo", "BR", _SA, -23.5, -46.6),
    _region(_A, "eu-west-1", "Dublin", "IE", _EU, 53.3, -6.3),
    _region(_A, "eu-west-2", "London", "GB", _EU, 51.5, -0.1),
    _region(_A, "eu-west-3", "Paris", "FR", _EU, 48.9, 2.35),
    _region(_A, "eu-central-1", "Frankfurt", "DE", _EU, 50.1, 8.7),
    _region(_A, "eu-central-2", "Zurich", "CH", _EU, 47.4, 8.5),
    _region(_A, "eu-south-1", "Milan", "IT", _EU, 45.5, 9.2),
    _region(_A, "eu-south-2", "Aragon", "ES", _EU, 41.6, -0.9),
    _region(_A, "eu-north-1", "Stockholm", "SE", _EU, 59.3, 18.1),
    _region(_A, "il-central-1", "Tel Aviv", "IL", _AS, 32.1, 34.8),
    _region(_A, "me-south-1", "Bahrain", "BH", _AS, 26.1, 50.6),
    _region(_A, "me-central-1", "UAE", "AE", _AS, 24.5, 54.4),
    _region(_A, "af-south-1", "Cape Town", "ZA", _AF, -33.9, 18.4),
    _region(_A, "ap-east-1", "Hong Kong", "HK", _AS, 22.3, 114.2),
    _region(_A, "ap-east-2", "Taipei", "TW", _AS, 25.0, 121.5),
    _region(_A, "ap-south-1", "Mumbai", "IN", _AS, 19.1, 72.9),
    _region(_A, "ap-south-2", "Hyderabad", "IN", _AS, 17.4, 78.5),
    _region(_A, "ap-southeast-1", "Singapore", "SG", _AS, 1.35, 103.8),
    _region(_A, "ap-southeast-2", "Sydney", "AU", _OC, -33.9, 151.2),
    _region(_A, "ap-southeast-3", "Jakarta", "ID", _AS, -6.2, 106.8),
    _region(_A, "ap-southeast-4", "Melbourne", "AU", _OC, -37.8, 145.0),
    _region(_A, "ap-southeast-5", "Kuala Lumpur", "MY", _AS, 3.1, 101.7),
    _region(_A, "ap-southeast-6", "Auckland", "NZ", _OC, -36.85, 174.8),
    _region(_A, "ap-southeast-7", "Bangkok", "TH", _AS, 13.8, 100.5),
    _region(_A, "ap-northeast-1", "Tokyo", "JP", _AS, 35.7, 139.7),
    _region(_A, "ap-northeast-2", "Seoul", "KR", _AS, 37.6, 127.0),
    _region(_A, "ap-northeast-3", "Osaka", "JP", _AS, 34.7, 135.5),
    # --- AWS, other partitions: separate accounts, but real regions users deploy to
    _region(_A, "cn-north-1", "Beijing", "CN", _AS, 39.9, 116.4, "aws-cn"),
    _region(_A, "cn-northwest-1", "Ningxia", "CN", _AS, 38.5, 106.3, "aws-cn"),
    _region(_A, "us-gov-west-1", "GovCloud West", "US", _NA, 45.6, -121.2, "aws-us-gov"),
    _region(_A, "us-gov-east-1", "GovCloud East", "US", _NA, 40.0, -83.0, "aws-us-gov"),
    _region(_A, "eusc-de-east-1", "Brandenburg", "DE", _EU, 52.4, 13.1, "aws-eusc"),
    # --- Google Cloud
    _region(_G, "us-central1", "Iowa", "US", _NA, 41.3, -95.9),
    _region(_G, "us-central2", "Oklahoma", "US", _NA, 36.3, -95.3),
    _region(_G, "us-east1", "South Carolina", "US", _NA, 33.2, -80.0),
    _region(_G, "us-east4", "N. Virginia", "US", _NA, 39.0, -77.5),
    _region(_G, "us-east5", "Columbus", "US", _NA, 40.0, -83.0),
    _region(_G, "us-south1", "Dallas", "US", _NA, 32.8, -96.8),
    _region(_G, "us-west1", "Oregon", "US", _NA, 45.6, -121.2),
    _region(_G, "us-west2", "Los Angeles", "US", _NA, 34.05, -118.2),
    _region(_G, "us-west3", "Salt Lake City", "US", _NA, 40.8, -111.9),
    _region(_G, "us-west4", "Las Vegas", "US", _NA, 36.2, -115.1),
    _region(_G, "northamerica-northeast1", "Montreal", "CA", _NA, 45.5, -73.6),
    _region(_G, "northamerica-northeast2", "Toronto", "CA", _NA, 43.65, -79.4),
    _region(_G, "northamerica-south1", "Queretaro", "MX", _NA, 20.6, -100.4),
    _region(_G, "southamerica-east1", "Sao Paulo", "BR", _SA, -23.5, -46.6),
    _region(_G, "southamerica-west1", "Santiago", "CL", _SA, -33.4, -70.6),
    _region(_G, "europe-central2", "Warsaw", "PL", _EU, 52.2, 21.0),
    _region(_G, "europe-north1", "Hamina", "FI", _EU, 60.6, 27.2),
    _region(_G, "europe-north2", "Stockholm", "SE", _EU, 59.3, 18.1),
    _region(_G, "europe-southwest1", "Madrid", "ES", _EU, 40.4, -3.7),
    _region(_G, "europe-west1", "St. Ghislain", "BE", _EU, 50.45, 3.8),
    _region(_G, "europe-west2", "London", "GB", _EU, 51.5, -0.1),
    _region(_G, "europe-west3", "Frankfurt", "DE", _EU, 50.1, 8.7),
    _region(_G, "europe-west4", "Eemshaven", "NL", _EU, 53.4, 6.8),
    _region(_G, "europe-west6", "Zurich", "CH", _EU, 47.4, 8.5),
    _region(_G, "europe-west8", "Milan", "IT", _EU, 45.5, 9.2),
    _region(_G, "europe-west9", "Paris", "FR", _EU, 48.9, 2.35),
    _region(_G, "europe-west10", "Berlin", "DE", _EU, 52.5, 13.4),
    _region(_G, "europe-west12", "Turin", "IT", _EU, 45.1, 7.7),
    _region(_G, "me-central1", "Doha", "QA", _AS, 25.3, 51.5),
    _region(_G, "me-central2", "Dammam", "SA", _AS, 26.4, 50.1),
    _region(_G, "me-west1", "Tel Aviv", "IL", _AS, 32.1, 34.8),
    _region(_G, "africa-south1", "Johannesburg", "ZA", _AF, -26.2, 28.0),
    _region(_G, "asia-east1", "Changhua County", "TW", _AS, 24.05, 120.5),
    _region(_G, "asia-east2", "Hong Kong", "HK", _AS, 22.3, 114.2),
    _region(_G, "asia-northeast1", "Tokyo", "JP", _AS, 35.7, 139.7),
    _region(_G, "asia-northeast2", "Osaka", "JP", _AS, 34.7, 135.5),
    _region(_G, "asia-northeast3", "Seoul", "KR", _AS, 37.6, 127.0),
    _region(_G, "asia-south1", "Mumbai", "IN", _AS, 19.1, 72.9),
    _region(_G, "asia-south2", "Delhi", "IN", _AS, 28.6, 77.2),
    _region(_G, "asia-southeast1", "Singapore", "SG", _AS, 1.35, 103.7),
    _region(_G, "asia-southeast2", "Jakarta", "ID", _AS, -6.2, 106.8),
    _region(_G, "australia-southeast1", "Sydney", "AU", _OC, -33.9, 151.2),
    _region(_G, "australia-southeast2", "Melbourne", "AU", _OC, -37.8, 145.0),
)

REGIONS: dict[tuple[Cloud, str], RegionFacts] = {(r.cloud, r.name): r for r in _REGIONS}


def lookup(cloud: Cloud | str, location: str) -> RegionFacts | None:
    """The facts of `location` on `cloud`, or None (unknown, or a `kubernetes` label)."""
    try:
        key = Cloud(cloud)
    except ValueError:
        return None
    return REGIONS.get((key, location))


def regions_of(cloud: Cloud | str) -> list[RegionFacts]:
    return [r for r in _REGIONS if r.cloud == cloud]


def close_matches(cloud: Cloud | str, location: str, limit: int = 3) -> list[str]:
    """Known region names of `cloud` that look like `location` (typos, other clouds' names)."""
    names = [r.name for r in regions_of(cloud)]
    found = difflib.get_close_matches(location, names, n=limit, cutoff=0.6)
    other = next((r for r in _REGIONS if r.name == location and r.cloud != cloud), None)
    if other is not None:
        # a region of the other cloud: suggest the nearest regions of this one instead
        nearest = sorted(regions_of(cloud), key=lambda r: distance_km(r, other))[:limit]
        found = [r.name for r in nearest]
    return found


#: codes people write for a country other than its ISO 3166 alpha-2 code
_ALIASES = {"UK": "GB", "EL": "GR"}


def canonical_jurisdiction(jurisdiction: str) -> str:
    """The ISO code of a jurisdiction: "UK" (reserved by ISO 3166 for the United Kingdom) is
    GB, and "EL" (the EU's code for Greece) is GR."""
    return _ALIASES.get(jurisdiction, jurisdiction)


def in_jurisdiction(country: str, declared: str) -> bool:
    """Whether a location in `country` (or "EU") lies inside the `declared` jurisdiction."""
    country, declared = canonical_jurisdiction(country), canonical_jurisdiction(declared)
    if country == declared:
        return True
    return declared == EU and country in EU_MEMBER_STATES


def same_jurisdiction(a: str, b: str) -> bool:
    """Whether personal data moves freely between jurisdictions `a` and `b`.

    The EU and its member states form one area: the GDPR lets personal data move freely
    between member states, so a transfer from DE to FR, or from EU to DE, is not cross-border.
    """
    a, b = canonical_jurisdiction(a), canonical_jurisdiction(b)
    if a == b:
        return True
    return _in_eu(a) and _in_eu(b)


def _in_eu(jurisdiction: str) -> bool:
    return jurisdiction == EU or jurisdiction in EU_MEMBER_STATES


_EARTH_RADIUS_KM = 6371.0


def distance_km(a: RegionFacts, b: RegionFacts) -> float:
    """Great-circle distance between two regions (haversine)."""
    return great_circle_km(a.lat, a.lon, b.lat, b.lon)


def great_circle_km(lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
    """Great-circle distance between two points given in degrees (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (lat_a, lon_a, lat_b, lon_b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def min_round_trip_ms(a: RegionFacts, b: RegionFacts) -> float:
    """The physical lower bound of a round trip: light in fibre covers about 200 km per ms."""
    return 2 * distance_km(a, b) / 200.0


# --- multi-region sets -------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionSet:
    """Regions a multi-region store can span together (and pick a witness from)."""

    name: str
    regions: tuple[str, ...]

    def contains(self, locations: Iterable[str]) -> bool:
        return set(locations) <= set(self.regions)

    def witness_for(self, locations: Iterable[str]) -> str | None:
        """The first region of the set not among `locations`: where a witness can go."""
        used = set(locations)
        return next((r for r in self.regions if r not in used), None)


#: DynamoDB global tables with multi-region strong consistency (MRSC): exactly 3 replicas, or
#: 2 replicas and a witness, all inside one of these sets.
DYNAMODB_STRONG_REGION_SETS: tuple[RegionSet, ...] = (
    RegionSet("US", ("us-east-1", "us-east-2", "us-west-2")),
    RegionSet("EU", ("eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1")),
    RegionSet("AP", ("ap-northeast-1", "ap-northeast-2", "ap-northeast-3")),
)

#: Aurora DSQL multi-region clusters: 2 peered clusters and a witness region in one set.
DSQL_REGION_SETS: tuple[RegionSet, ...] = (
    RegionSet("US", ("us-east-1", "us-east-2", "us-west-2")),
    RegionSet("EU", ("eu-west-1", "eu-west-2", "eu-west-3")),
    RegionSet("AP", ("ap-northeast-1", "ap-northeast-2", "ap-northeast-3")),
)


def region_set_for(sets: Iterable[RegionSet], locations: Iterable[str]) -> RegionSet | None:
    """The set containing every one of `locations`, or None."""
    wanted = set(locations)
    return next((s for s in sets if s.contains(wanted)), None)


SpannerKind = Literal["regional", "dual-region", "multi-region"]


@dataclass(frozen=True)
class SpannerConfig:
    """A Spanner base instance configuration and the regions holding its replicas."""

    name: str
    kind: SpannerKind
    read_write: tuple[str, ...]
    read_only: tuple[str, ...] = ()
    witness: str | None = None

    @property
    def serving(self) -> tuple[str, ...]:
        """Regions with a full replica that serves reads (the witness holds no data to read)."""
        return self.read_write + self.read_only

    @property
    def leader(self) -> str:
        return self.read_write[0]


#: Dual-region and multi-region base configurations; the first read-write region is the
#: default leader. Dual-region configurations stay inside one country.
SPANNER_CONFIGS: tuple[SpannerConfig, ...] = (
    SpannerConfig(
        "dual-region-australia1", "dual-region", ("australia-southeast1", "australia-southeast2")
    ),
    SpannerConfig("dual-region-germany1", "dual-region", ("europe-west3", "europe-west10")),
    SpannerConfig("dual-region-india1", "dual-region", ("asia-south1", "asia-south2")),
    SpannerConfig("dual-region-japan1", "dual-region", ("asia-northeast1", "asia-northeast2")),
    SpannerConfig(
        "asia1", "multi-region", ("asia-northeast1", "asia-northeast2"), witness="asia-northeast3"
    ),
    SpannerConfig(
        "eur3", "multi-region", ("europe-west1", "europe-west4"), witness="europe-north1"
    ),
    SpannerConfig("eur5", "multi-region", ("europe-west2", "europe-west1"), witness="europe-west4"),
    SpannerConfig("eur6", "multi-region", ("europe-west4", "europe-west3"), witness="europe-west6"),
    SpannerConfig("nam3", "multi-region", ("us-east4", "us-east1"), witness="us-central1"),
    SpannerConfig(
        "nam6", "multi-region", ("us-central1", "us-east1"), ("us-west1", "us-west2"), "us-east4"
    ),
    SpannerConfig("nam7", "multi-region", ("us-central1", "us-east4"), witness="us-central2"),
    SpannerConfig("nam8", "multi-region", ("us-west2", "us-west1"), witness="us-west3"),
    SpannerConfig("nam10", "multi-region", ("us-central1", "us-west3"), witness="us-central2"),
    SpannerConfig("nam11", "multi-region", ("us-central1", "us-east1"), witness="us-central2"),
    SpannerConfig(
        "nam14", "multi-region", ("us-east4", "northamerica-northeast1"), witness="us-east1"
    ),
    SpannerConfig("nam15", "multi-region", ("us-south1", "us-east4"), witness="us-central1"),
    SpannerConfig(
        "nam-eur-asia1",
        "multi-region",
        ("us-central1", "us-central2"),
        ("europe-west1", "asia-east1"),
        "us-east1",
    ),
)

#: GCP regions without a regional Spanner configuration
_NO_REGIONAL_SPANNER = frozenset({"us-central2"})


def spanner_config_for(locations: Iterable[str]) -> SpannerConfig | None:
    """The Spanner configuration whose replicas serve every one of `locations`, or None.

    One location gets its regional configuration; several get the smallest dual-region or
    multi-region configuration that serves them all (ties broken by name, so the choice is
    stable between plans).
    """
    wanted = set(locations)
    if len(wanted) == 1:
        (location,) = wanted
        if lookup(Cloud.GCP, location) is None or location in _NO_REGIONAL_SPANNER:
            return None
        return SpannerConfig(f"regional-{location}", "regional", (location,))
    fitting = [c for c in SPANNER_CONFIGS if wanted <= set(c.serving)]
    if not fitting:
        return None
    return min(fitting, key=lambda c: (len(c.serving), c.name))


def spanner_configs_near(locations: Iterable[str], limit: int = 3) -> list[SpannerConfig]:
    """Configurations serving the most of `locations`: what to suggest when none serves all."""
    wanted = set(locations)
    ranked = sorted(
        SPANNER_CONFIGS,
        key=lambda c: (-len(wanted & set(c.serving)), len(c.serving), c.name),
    )
    return [c for c in ranked if wanted & set(c.serving)][:limit]
