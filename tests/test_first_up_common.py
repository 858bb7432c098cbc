"""Issue 10 across clouds: pinned add-ons, a listener and certificate for every DNS name,
existing clusters' add-ons in order, and failover timing with its terms."""

from __future__ import annotations

import pytest

from regionkit.catalog.addons import ADDONS, ALL, Source, addon
from regionkit.spec.models import AddonsSpec


def test_addon_rows_are_sorted_unique_and_complete() -> None:
    keys = [(row.platform, row.key) for row in ADDONS]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    switches = set(AddonsSpec.model_json_schema(by_alias=True)["properties"])
    for row in ADDONS:
        assert row.version and row.origin
        assert row.switch is None or row.switch in switches
        if row.source is Source.HELM_CHART:
            assert row.repository and row.namespace


def test_addon_falls_back_to_the_shared_row_and_refuses_unknown_ones() -> None:
    assert addon("existing-cluster", "gateway-api-crds") is addon(ALL, "gateway-api-crds")
    assert addon("existing-cluster", "cert-manager").platform == "existing-cluster"
    with pytest.raises(KeyError, match="no add-on 'cert-manager' pinned for platform 'gke'"):
        addon("gke", "cert-manager")
