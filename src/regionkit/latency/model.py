"""Round-trip time from a point (a country's centre, a region) to a cloud region.

    rtt = great-circle distance x stretch / (200 km per ms, light in fibre) x 2 + access

`stretch` is how much longer than the great circle real fibre paths are; `access` is what every
round trip pays whatever its length (switching, queues, the last hop into the datacentre). Both
are fitted, minimising the relative error, to a cloud provider's published inter-region table:
Microsoft's "Azure network round-trip latency statistics" (monthly P50 round trips, 2023
edition), with the region coordinates Azure publishes. Over its 629 region pairs the fit gives
a median relative error of 15 % and a worst of 68 % (tests/test_latency_calibration.py keeps
that comparison and fails if the constants drift from what the table gives).

The access term comes from datacentre-to-datacentre paths, so it leaves out a user's own last
mile (home broadband or mobile adds a few to tens of milliseconds): figures are what the
network between a country and a region costs, the same for every placement, so they compare
placements fairly but are a floor for what a user sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from regionkit.catalog.regions import great_circle_km

#: light in fibre covers about 200 km per millisecond (refractive index about 1.5)
FIBRE_KM_PER_MS = 200.0


@dataclass(frozen=True)
class LatencyModel:
    stretch: float
    access_ms: float
    source: str

    def rtt_ms(self, lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
        """Modelled round-trip time between two points given in degrees."""
        km = great_circle_km(lat_a, lon_a, lat_b, lon_b)
        return 2 * km * self.stretch / FIBRE_KM_PER_MS + self.access_ms

    def to_json(self) -> dict[str, object]:
        return {
            "stretch": self.stretch,
            "accessMs": self.access_ms,
            "fibreKmPerMs": FIBRE_KM_PER_MS,
            "source": self.source,
        }


#: fitted to the Azure table as described above (the calibration test refits and compares)
DEFAULT_MODEL = LatencyModel(
    stretch=1.59,
    access_ms=4.2,
    source=(
        "calibrated on Microsoft's Azure network round-trip latency statistics "
        "(P50, 2023): median relative error 15 %, worst 68 % over 629 region pairs"
    ),
)
