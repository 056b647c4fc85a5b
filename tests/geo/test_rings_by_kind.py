"""Ring distances per facility kind: quarries get wider rings than factories."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

import geo
from geo.errors import GeoError

CRS = "EPSG:32647"
X0, Y0 = 637_000.0, 1_703_000.0
RINGS = {"factory": [500, 1000], "mine": [1000, 3000]}


@pytest.fixture
def town():
    fac = gpd.GeoDataFrame({"facility_id": ["F1", "M1"], "kind": ["factory", "mine"]},
                           geometry=[Point(X0, Y0), box(X0 + 10_000, Y0, X0 + 10_400, Y0 + 400)], crs=CRS)
    com = gpd.GeoDataFrame({"community_id": ["NEAR_F", "MID_F", "NEAR_M"], "population": [10, 20, 30]},
                           geometry=[Point(X0 + 800, Y0), Point(X0 + 2000, Y0), Point(X0 + 10_400 + 2500, Y0)],
                           crs=CRS)
    return fac, com


def test_each_kind_uses_its_own_rings(town):
    fac, com = town
    m = geo.exposure_matrix(fac, com, RINGS)
    got = {(r.facility_id, r.community_id): (r.distance_m, r.ring_m, r.kind) for r in m.itertuples()}
    # MID_F is 2000 m from the factory: beyond the factory's last ring (1000), so not a pair
    assert got == {("F1", "NEAR_F"): (800.0, 1000, "factory"), ("M1", "NEAR_M"): (2500.0, 3000, "mine")}


def test_summaries_with_kind_rings(town):
    fac, com = town
    m = geo.exposure_matrix(fac, com, RINGS)
    c = geo.community_exposure(m, com, RINGS, facilities=fac)
    assert c.loc["NEAR_F", "factory_within_1000"] == 1 and c.loc["NEAR_F", "factory_within_500"] == 0
    assert c.loc["NEAR_M", "mine_within_3000"] == 1 and c.loc["NEAR_M", "mine_within_1000"] == 0
    assert list(c.filter(like="fac_within_").columns) == ["fac_within_500", "fac_within_1000", "fac_within_3000"]
    # MID_F has no pair, yet its nearest facility is the factory 2000 m away (found over all facilities)
    assert c.loc["MID_F", "nearest_facility_id"] == "F1" and c.loc["MID_F", "nearest_facility_m"] == 2000
    f = geo.facility_exposure(m, com, RINGS, facilities=fac)
    assert f.loc["M1", "pop_within_3000"] == 30 and f.loc["F1", "pop_within_1000"] == 10


def test_nearest_is_not_taken_from_a_wider_kind():
    # the village's nearest facility is a factory at 1500 m (outside the factory rings); a quarry 2500 m away
    # is in the matrix, but it is not the nearest
    fac = gpd.GeoDataFrame({"facility_id": ["F", "Q"], "kind": ["factory", "mine"]},
                           geometry=[Point(X0 - 1500, Y0), Point(X0 + 2500, Y0)], crs=CRS)
    com = gpd.GeoDataFrame({"community_id": ["V"]}, geometry=[Point(X0, Y0)], crs=CRS)
    m = geo.exposure_matrix(fac, com, RINGS)
    assert list(m["facility_id"].astype(str)) == ["Q"]
    c = geo.community_exposure(m, com, RINGS, facilities=fac)
    assert (c.loc["V", "nearest_facility_id"], c.loc["V", "nearest_facility_m"]) == ("F", 1500.0)


def test_default_entry_and_unknown_kind(town):
    fac, com = town
    m = geo.exposure_matrix(fac, com, {"mine": [1000, 3000], "default": [3000]})
    assert set(m["community_id"].astype(str)) == {"NEAR_F", "MID_F", "NEAR_M"}
    with pytest.raises(GeoError, match="no ring distances for facility kind.*factory"):
        geo.exposure_matrix(fac, com, {"mine": [1000]})
    with pytest.raises(GeoError, match="rings of kind 'mine'"):
        geo.exposure_matrix(fac, com, {"mine": [3000, 1000], "factory": [500]})
    with pytest.raises(GeoError, match="no 'kind' column"):
        geo.exposure_matrix(fac.drop(columns="kind"), com, {"mine": [1000]})


def test_matrix_ids_behave_like_strings(town):
    fac, com = town
    m = geo.exposure_matrix(fac, com, [500, 1000, 3000])
    assert (m["facility_id"] == "F1").sum() == 2
    assert m.to_csv(index=False).splitlines()[1].startswith("F1,MID_F,2000.0,3000")
