"""Water (distance, buffer, upstream of an intake), industrial zones, and raster statistics in rings."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, box

import geo
from geo.errors import GeoError

CRS = "EPSG:32647"
X0, Y0 = 637_000.0, 1_703_000.0


@pytest.fixture
def river_town():
    # the river flows east: digitised from west to east
    rivers = gpd.GeoDataFrame({"id": ["R1"]}, geometry=[LineString([(X0, Y0), (X0 + 10_000, Y0)])], crs=CRS)
    intakes = gpd.GeoDataFrame({"id": ["IN6"]}, geometry=[Point(X0 + 6000, Y0 + 20)], crs=CRS)
    fac = gpd.GeoDataFrame({"facility_id": ["UP", "DOWN", "FAR", "MINE"]},
                           geometry=[Point(X0 + 2000, Y0 - 300), Point(X0 + 8000, Y0 + 100),
                                     Point(X0 + 3000, Y0 + 2000), box(X0 + 4000, Y0 + 50, X0 + 4200, Y0 + 250)],
                           crs=CRS)
    return fac, rivers, intakes


def test_water_distance_and_buffer(river_town):
    fac, rivers, _ = river_town
    w = geo.water_proximity(fac, rivers, buffer_m=500)
    assert w["water_m"].to_dict() == {"UP": 300.0, "DOWN": 100.0, "FAR": 2000.0, "MINE": 50.0}
    assert w["within_water_buffer"].to_dict() == {"UP": True, "DOWN": True, "FAR": False, "MINE": True}
    assert set(w["nearest_water"]) == {"R1"}


def test_upstream_of_intake(river_town):
    fac, rivers, intakes = river_town
    u = geo.upstream_of_intakes(fac, rivers, intakes, reach_m=1000)
    assert u["upstream_of_intake"].to_dict() == {"UP": True, "DOWN": False, "FAR": False, "MINE": True}
    assert u.loc["UP", "river_to_intake_m"] == 4000.0 and u.loc["UP", "upstream_intakes"] == "IN6"
    assert u.loc["MINE", "river_to_intake_m"] == 1800.0  # its edge nearest the river is at x + 4200
    assert np.isnan(u.loc["FAR", "river_m"])
    capped = geo.upstream_of_intakes(fac, rivers, intakes, reach_m=1000, max_upstream_m=3000)
    assert capped["upstream_of_intake"].to_dict() == {"UP": False, "DOWN": False, "FAR": False, "MINE": True}
    # reversing the digitised direction reverses upstream and downstream
    rev = rivers.set_geometry([LineString([(X0 + 10_000, Y0), (X0, Y0)])], crs=CRS)
    assert geo.upstream_of_intakes(fac, rev, intakes)["upstream_of_intake"].to_dict() == \
        {"UP": False, "DOWN": True, "FAR": False, "MINE": False}


def test_in_industrial_zone():
    zones = gpd.GeoDataFrame({"zone": ["Industrial", "residential"]},
                             geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)],
                             crs=CRS)
    fac = gpd.GeoDataFrame({"facility_id": ["IN", "RES", "OUT"]},
                           geometry=[Point(X0 + 500, Y0 + 500), Point(X0 + 1500, Y0 + 500), Point(X0 + 5000, Y0)],
                           crs=CRS)
    z = geo.in_zone(fac, zones)
    assert z["in_zone"].to_dict() == {"IN": True, "RES": False, "OUT": False}
    assert z["zone"].to_dict() == {"IN": "Industrial", "RES": "residential", "OUT": None}
    with pytest.raises(GeoError, match="no 'landuse_class' column"):
        geo.in_zone(fac, zones, zone_col="landuse_class")


def _raster(path, arr, dtype="uint8", nodata=0):
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1, dtype=dtype,
                       crs=CRS, transform=from_origin(X0, Y0 + 10 * arr.shape[0], 10, 10), nodata=nodata) as ds:
        ds.write(arr.astype(dtype), 1)
    return path


def test_ring_zonal_class_shares_and_means(tmp_path):
    lc = _raster(tmp_path / "lc.tif", np.array([[5, 5, 3], [5, 3, 3], [0, 6, 3]]))
    fac = gpd.GeoDataFrame({"facility_id": ["B", "A"]}, geometry=[Point(X0 + 15, Y0 + 15), Point(X0 + 5, Y0 + 25)],
                           crs=CRS)
    t = geo.ring_zonal_stats(lc, fac, [5, 100]).set_index(["facility_id", "ring_m"])
    assert t.loc[("A", 5), "class_5"] == 1.0  # a 5 m disc inside the top-left class-5 cell
    assert t.loc[("B", 5), "class_3"] == 1.0
    # within 100 m: the whole raster, 8 valid cells of 100 m2
    assert t.loc[("A", 100), "valid_area_m2"] == 800.0
    assert t.loc[("A", 100), ["class_3", "class_5", "class_6"]].tolist() == [0.5, 0.375, 0.125]
    g = geo.green_buffer_share(lc, fac, 100, [5, 6])
    assert g.to_dict() == {"A": 0.5, "B": 0.5}
    ndvi = _raster(tmp_path / "ndvi.tif", np.array([[0.2, 0.4], [0.6, -9]]), dtype="float32", nodata=-9)
    mt = geo.ring_zonal_stats(ndvi, fac.iloc[[1]], [100], stat="mean")
    assert mt.loc[0, "mean"] == pytest.approx(0.4) and mt.loc[0, "valid_area_m2"] == 300.0
    with pytest.raises(GeoError, match="stat"):
        geo.ring_zonal_stats(ndvi, fac, [100], stat="median")
