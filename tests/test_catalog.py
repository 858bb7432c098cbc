"""The catalog: regions and jurisdictions, multi-region sets, engines, identity server facts."""

from __future__ import annotations

import pytest

from regionkit.catalog import engines, idsvr, regions
from regionkit.catalog.regions import (
    DSQL_REGION_SETS,
    DYNAMODB_STRONG_REGION_SETS,
    EU_MEMBER_STATES,
    SPANNER_CONFIGS,
    Continent,
    close_matches,
    distance_km,
    in_jurisdiction,
    lookup,
    min_round_trip_ms,
    region_set_for,
    same_jurisdiction,
    spanner_config_for,
)
from regionkit.spec.models import Cloud, Consistency, Engine

# --- regions ------------------------------------------------------------------------------------


def test_lookup_gives_country_continent_and_jurisdictions() -> None:
    frankfurt = lookup("aws", "eu-central-1")
    assert frankfurt is not None
    assert (frankfurt.country, frankfurt.continent) == ("DE", Continent.EUROPE)
    assert frankfurt.jurisdictions == ("DE", "EU")
    singapore = lookup(Cloud.GCP, "asia-southeast1")
    assert singapore is not None and singapore.jurisdictions == ("SG",)
    london = lookup(Cloud.GCP, "europe-west2")
    assert london is not None and london.jurisdictions == ("GB",)


@pytest.mark.parametrize(
    ("cloud", "location"),
    [("aws", "eu-west-9"), ("gcp", "us-east-1"), ("aws", "europe-west1"), ("kubernetes", "x")],
)
def test_lookup_of_unknown_locations(cloud: str, location: str) -> None:
    assert lookup(cloud, location) is None


def test_every_aws_region_the_provider_knows_is_in_the_catalog() -> None:
    import pulumi_aws

    # the isolated (ISO) partitions are out of reach of ordinary accounts
    provider = {r.value for r in pulumi_aws.Region if "-iso" not in r.value}
    catalog = {r.name for r in regions.regions_of(Cloud.AWS)}
    assert provider == catalog


def test_gcp_region_names_follow_the_cloud_naming() -> None:
    names = [r.name for r in regions.regions_of(Cloud.GCP)]
    assert len(names) >= 40
    assert all(name.split("-")[-1][-1].isdigit() and name.count("-") == 1 for name in names)
    assert {"us-central1", "europe-west3", "asia-southeast1", "me-central2"} <= set(names)


def test_coordinates_are_on_the_globe_and_continents_plausible() -> None:
    south = north = 0
    for region in regions.REGIONS.values():
        assert -90 <= region.lat <= 90 and -180 <= region.lon <= 180, region.name
        if region.continent is Continent.SOUTH_AMERICA or region.continent is Continent.OCEANIA:
            assert region.lat < 0, region.name
            south += 1
        if region.continent in (Continent.EUROPE, Continent.NORTH_AMERICA):
            assert region.lat > 15, region.name
            north += 1
    assert south and north, "the catalog has regions on both hemispheres' continents"


def test_distances_between_regions() -> None:
    virginia, ireland = lookup("aws", "us-east-1"), lookup("aws", "eu-west-1")
    assert virginia is not None and ireland is not None
    assert 5200 < distance_km(virginia, ireland) < 5700
    assert distance_km(virginia, ireland) == pytest.approx(distance_km(ireland, virginia))
    assert distance_km(virginia, virginia) == 0
    # the physical bound stays below the ~80 ms measured between the two
    assert 50 < min_round_trip_ms(virginia, ireland) < 80
    aws_frankfurt, gcp_frankfurt = lookup("aws", "eu-central-1"), lookup("gcp", "europe-west3")
    assert aws_frankfurt is not None and gcp_frankfurt is not None
    assert distance_km(aws_frankfurt, gcp_frankfurt) < 50


def test_close_matches_for_typos_and_for_the_other_clouds_names() -> None:
    assert close_matches("aws", "eu-west-9")[:1] in (["eu-west-1"], ["eu-west-2"], ["eu-west-3"])
    assert "us-east-1" in close_matches("aws", "us-east1")
    assert close_matches("gcp", "us-east-1")[0] == "us-east4"  # same metro as N. Virginia
    assert close_matches("aws", "qqqq") == []


def test_jurisdictions_and_the_eu() -> None:
    assert len(EU_MEMBER_STATES) == 27
    assert in_jurisdiction("DE", "DE")
    assert in_jurisdiction("DE", "EU")
    assert in_jurisdiction("EU", "EU")
    assert not in_jurisdiction("EU", "DE")  # an EU-wide location is not inside Germany
    assert not in_jurisdiction("GB", "EU")
    assert not in_jurisdiction("CH", "EU")
    assert in_jurisdiction("GB", "UK") and in_jurisdiction("GR", "EL")
    assert same_jurisdiction("DE", "FR") and same_jurisdiction("EU", "IE")
    assert not same_jurisdiction("DE", "GB") and not same_jurisdiction("US", "CA")


# --- multi-region sets --------------------------------------------------------------------------


def test_region_sets_hold_known_aws_regions() -> None:
    assert DYNAMODB_STRONG_REGION_SETS and DSQL_REGION_SETS
    for region_set in (*DYNAMODB_STRONG_REGION_SETS, *DSQL_REGION_SETS):
        assert all(lookup("aws", r) for r in region_set.regions), region_set.name


def test_region_set_for_and_witness() -> None:
    us = region_set_for(DYNAMODB_STRONG_REGION_SETS, ["us-east-1", "us-west-2"])
    assert us is not None and us.name == "US"
    assert us.witness_for(["us-east-1", "us-west-2"]) == "us-east-2"
    assert region_set_for(DYNAMODB_STRONG_REGION_SETS, ["us-east-1", "eu-west-1"]) is None
    eu = region_set_for(DSQL_REGION_SETS, ["eu-west-1", "eu-west-3"])
    assert eu is not None and eu.witness_for(["eu-west-1", "eu-west-3"]) == "eu-west-2"
    assert region_set_for(DSQL_REGION_SETS, ["eu-central-1", "eu-west-1"]) is None


def test_spanner_configurations() -> None:
    dual = 0
    for config in SPANNER_CONFIGS:
        members = [*config.serving, *([config.witness] if config.witness else [])]
        assert all(lookup("gcp", r) for r in members), config.name
        if config.kind == "dual-region":
            countries = {lookup("gcp", r).country for r in config.serving}  # type: ignore[union-attr]
            assert len(countries) == 1, config.name
            dual += 1
    assert dual, "no dual-region configuration was checked"


@pytest.mark.parametrize(
    ("locations", "name"),
    [
        (["europe-west1"], "regional-europe-west1"),
        (["europe-west1", "europe-west4"], "eur3"),
        (["europe-west3", "europe-west10"], "dual-region-germany1"),
        (["us-east4", "us-east1"], "nam3"),
        (["us-central1", "europe-west1", "asia-east1"], "nam-eur-asia1"),
        (["europe-west3", "europe-west1"], None),
        (["us-central2"], None),
        (["eu-west-1"], None),
    ],
)
def test_spanner_config_for(locations: list[str], name: str | None) -> None:
    config = spanner_config_for(locations)
    assert (config.name if config else None) == name


def test_spanner_picks_the_smallest_configuration_serving_all() -> None:
    # us-central1 and us-east1 are served by nam6 (4 serving regions) and nam11 (2)
    config = spanner_config_for(["us-central1", "us-east1"])
    assert config is not None and config.name == "nam11"


# --- engines ------------------------------------------------------------------------------------


def test_every_engine_has_facts() -> None:
    assert set(engines.ENGINES) == set(Engine)


@pytest.mark.parametrize(
    ("engine", "cloud", "runs"),
    [
        (Engine.DYNAMODB, Cloud.AWS, True),
        (Engine.DYNAMODB, Cloud.GCP, False),
        (Engine.SPANNER, Cloud.GCP, True),
        (Engine.CNPG, Cloud.KUBERNETES, True),
        (Engine.AURORA_POSTGRESQL, Cloud.KUBERNETES, False),
        (Engine.EXTERNAL, Cloud.KUBERNETES, True),
    ],
)
def test_runs_on(engine: Engine, cloud: Cloud, runs: bool) -> None:
    assert engines.runs_on(engine, cloud) is runs


def test_single_writer_engines_give_only_partitioned_consistency() -> None:
    for info in engines.ENGINES.values():
        if info.single_writer:
            assert info.consistency == {Consistency.PARTITIONED}, info.engine
    assert {e for e, i in engines.ENGINES.items() if i.single_writer} == {
        Engine.AURORA_POSTGRESQL,
        Engine.CLOUDSQL_POSTGRESQL,
        Engine.CNPG,
    }


def test_limits() -> None:
    assert engines.facts(Engine.AURORA_POSTGRESQL).max_regions == 11
    assert engines.facts(Engine.AURORA_DSQL).max_regions == 2


def test_alternatives() -> None:
    # aurora-dsql and spanner would fit, but the identity server cannot use them
    assert engines.alternatives([Cloud.AWS], Consistency.EVENTUAL) == [Engine.DYNAMODB]
    assert engines.alternatives([Cloud.GCP], Consistency.STRONG) == []
    assert engines.alternatives([Cloud.AWS], Consistency.STRONG) == []
    assert engines.alternatives([Cloud.AWS, Cloud.GCP]) == [Engine.CNPG]
    assert engines.alternatives([Cloud.AWS, Cloud.GCP], Consistency.STRONG) == []
    assert Engine.DYNAMODB not in engines.alternatives([Cloud.AWS], exclude=[Engine.DYNAMODB])


# --- identity server ----------------------------------------------------------------------------


def test_identity_server_facts() -> None:
    assert (idsvr.RUNTIME_PORT, idsvr.ADMIN_PORT) == (8443, 6749)
    assert (idsvr.CLUSTER_PORT, idsvr.DISTRIBUTED_PORT) == (6789, 6790)
    assert (idsvr.STATUS_PORT, idsvr.METRICS_PORT) == (4465, 4466)
    assert (idsvr.LIVENESS_PATH, idsvr.READINESS_PATH, idsvr.METRICS_PATH) == (
        "/",
        "/serving",
        "/metrics",
    )
    assert (idsvr.RUN_AS_USER, idsvr.RUN_AS_GROUP) == (10001, 10000)
    assert idsvr.INIT_DIR == "/opt/idsvr/etc/init"
    assert idsvr.POST_COMMIT_SCRIPTS_DIR == "/opt/idsvr/usr/bin/post-commit-scripts"
    assert idsvr.PROBE_DEFAULTS.failure_threshold == 3
    assert len(idsvr.DYNAMODB_TABLES) == len(set(idsvr.DYNAMODB_TABLES)) == 11
    assert {"sessions", "tokens", "nonces", "delegations"} <= set(idsvr.DYNAMODB_TABLES)
    assert idsvr.DYNAMODB_TTL_ATTRIBUTE == "deletableAt"
