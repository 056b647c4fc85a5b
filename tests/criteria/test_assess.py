"""The whole assessment on hand-made layers whose answers are known exactly."""

from __future__ import annotations

import math

import pytest

from criteria import run_assessment


@pytest.fixture
def a(tiny_town):
    return run_assessment(tiny_town, year=2026)


def test_village_400_m_from_factory_is_in_500_ring(a):
    ex = a.exposure.set_index(["facility_id", "community_id"])
    assert ex.loc[("F1", "V1"), "distance_m"] == pytest.approx(400.0)
    assert ex.loc[("F1", "V1"), "ring_m"] == 500
    assert ex.loc[("F1", "V2"), "ring_m"] == 1000
    assert ex.loc[("F1", "V3"), "ring_m"] == 5000


def test_distance_to_mine_is_to_its_edge(a):
    ex = a.exposure.set_index(["facility_id", "community_id"])
    assert ex.loc[("M1", "V3"), "distance_m"] == pytest.approx(300.0)
    assert ex.loc[("M1", "V3"), "ring_m"] == 500


def test_ring_population_is_sum_of_villages_in_it(a):
    f = a.facilities.loc["F1"]
    assert f["pop_within_500"] == 100
    assert f["pop_within_1000"] == 300
    assert f["pop_within_3000"] == 300
    assert f["pop_within_5000"] == 600
    assert a.facilities.loc["M1", "pop_within_500"] == 300


def test_community_counts_and_nearest(a):
    c = a.communities
    assert c.loc["V1", "fac_within_500"] == 1
    assert c.loc["V2", "fac_within_500"] == 0 and c.loc["V2", "fac_within_1000"] == 1
    assert c.loc["V3", "nearest_facility_id"] == "M1"
    assert c.loc["V3", "nearest_facility_m"] == pytest.approx(300.0)
    # burden: sum of 1/d_km over facilities within 5 km: V3 has M1 at 0.3 km and F1 at 4 km
    assert c.loc["V3", "burden"] == pytest.approx(1 / 0.3 + 1 / 4.0)


def test_every_subject_has_a_level_between_1_and_5(a):
    for df in (a.facilities, a.communities):
        assert df["level"].between(1, 5).all()
    assert 1 <= int(a.town["level"]) <= 5
    assert math.isclose(a.town["population"], 600)


def test_manifest_records_inputs_and_edition(a, tiny_town):
    m = a.manifest
    assert m["edition"]["sha256"] and len(m["edition"]["sha256"]) == 64
    assert {i["layer"] for i in m["inputs"]} >= {"boundary", "factories", "mines", "villages"}
    assert all(len(i["sha256"]) == 64 for i in m["inputs"])
    assert m["parameters"]["rings_m"] == [500, 1000, 3000, 5000]
    assert m["parameters"]["crs"] == "EPSG:32647"
