"""Population from a gridded raster (known sums), the method named in outputs, and the wind rose weighting."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import Point

import geo
from geo.errors import GeoError

CRS = "EPSG:32647"
X0, Y0 = 637_000.0, 1_703_000.0


def _grid(path, value=2.0, cell=10.0, half=3000.0):
    n = int(2 * half / cell)
    with rasterio.open(path, "w", driver="GTiff", width=n, height=n, count=1, dtype="float32", crs=CRS,
                       transform=from_origin(X0 - half, Y0 + half, cell, cell), nodata=-1) as ds:
        ds.write(np.full((n, n), value, dtype="float32"), 1)
    return path


def test_raster_population_is_density_times_disc_area(tmp_path):
    path = _grid(tmp_path / "pop.tif")  # 2 people per 10 m cell = 0.02 per m2
    fac = gpd.GeoDataFrame({"facility_id": ["F"]}, geometry=[Point(X0, Y0)], crs=CRS)
    com = gpd.GeoDataFrame({"community_id": ["V"], "population": [999]}, geometry=[Point(X0 + 100, Y0)], crs=CRS)
    rings = [500, 1000]
    m = geo.exposure_matrix(fac, com, rings)
    f = geo.facility_exposure(m, com, rings, facilities=fac, population_raster=str(path))
    for d in rings:
        disc = Point(X0, Y0).buffer(d, 16).area
        assert f.loc["F", f"pop_within_{d}"] == pytest.approx(0.02 * disc, rel=1e-6)
    assert f.attrs["population_method"] == "raster" and (f["population_method"] == "raster").all()
    assert np.isnan(f.loc["F", "hh_within_500"])
    assert f.loc["F", "villages_within_500"] == 1  # villages still counted from the matrix
    with pytest.raises(GeoError, match="population_raster"):
        geo.facility_exposure(m, com, rings, facilities=fac, population_method="raster")
    with pytest.raises(GeoError, match="population_method"):
        geo.facility_exposure(m, com, rings, facilities=fac, population_method="census")


def test_point_method_is_named():
    fac = gpd.GeoDataFrame({"facility_id": ["F"]}, geometry=[Point(X0, Y0)], crs=CRS)
    com = gpd.GeoDataFrame({"community_id": ["V"], "population": [50]}, geometry=[Point(X0, Y0 + 10)], crs=CRS)
    m = geo.exposure_matrix(fac, com, [500])
    f = geo.facility_exposure(m, com, [500], facilities=fac)
    assert f.loc["F", "population_method"] == "point" and f.loc["F", "pop_within_500"] == 50


def _rose_csv(tmp_path):
    p = tmp_path / "rose.csv"
    p.write_text("direction,frequency\nN,50\nE,25\nS,12.5\nW,12.5\ncalm,10\n", encoding="utf-8")
    return p


def test_wind_weights_downwind_counts_more(tmp_path):
    rose = geo.load_wind_rose(_rose_csv(tmp_path))
    # village north of the facility (bearing 0) is downwind of a south wind (12.5 %): 4 * 0.125 = 0.5
    # village south (bearing 180) is downwind of the north wind (50 %): 4 * 0.5 = 2
    assert geo.wind_weights(np.array([0.0, 180.0, 90.0, 270.0, 44.0]), rose).tolist() == [0.5, 2.0, 0.5, 1.0, 0.5]
    fac = gpd.GeoDataFrame({"facility_id": ["MILL"]}, geometry=[Point(X0, Y0)], crs=CRS)
    com = gpd.GeoDataFrame({"community_id": ["NORTH", "SOUTH"], "population": [100, 100]},
                           geometry=[Point(X0, Y0 + 1000), Point(X0, Y0 - 1000)], crs=CRS)
    m = geo.exposure_matrix(fac, com, [1000, 5000])
    c = geo.community_exposure(m, com, [1000, 5000], facilities=fac, wind=rose)
    assert c.loc["NORTH", "burden"] == 1.0 and c.loc["NORTH", "burden_wind"] == 0.5
    assert c.loc["SOUTH", "burden_wind"] == 2.0
    f = geo.facility_exposure(m, com, [1000, 5000], facilities=fac, wind=rose)
    assert f.loc["MILL", "pop_wind_within_1000"] == 250.0 and f.loc["MILL", "pop_within_1000"] == 200


def test_uniform_rose_changes_nothing(tmp_path):
    p = tmp_path / "rose.yaml"
    p.write_text("sectors: {0: 1, 90: 1, 180: 1, 270: 1}\n", encoding="utf-8")
    rose = geo.load_wind_rose(p)
    assert geo.wind_weights(np.linspace(0, 359, 50), rose).tolist() == [1.0] * 50


@pytest.mark.parametrize("text, match", [
    ("direction,frequency\nN,1\nNE,1\nS,1\n", "equally spaced"),
    ("direction,frequency\nN,1\nS,x\n", "line 3, field 'frequency'"),
    ("dir,freq\nN,1\n", "columns direction,frequency"),
    ("direction,frequency\nN,1\nUP,1\n", "compass point"),
])
def test_bad_wind_roses(tmp_path, text, match):
    p = tmp_path / "rose.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(GeoError, match=match):
        geo.load_wind_rose(p)


def test_a_matrix_without_bearings_has_no_bearing_column_and_the_wind_asks_for_them():
    import shapely

    fac = gpd.GeoDataFrame({"facility_id": ["A"]}, geometry=[shapely.Point(0, 0)], crs="EPSG:32647")
    com = gpd.GeoDataFrame({"community_id": ["V"], "population": [10]}, geometry=[shapely.Point(100, 0)],
                           crs="EPSG:32647")
    bare = geo.exposure_matrix(fac, com, [500], bearing=False)
    full = geo.exposure_matrix(fac, com, [500])
    assert "bearing_deg" not in bare.columns and full["bearing_deg"].tolist() == [90.0]
    assert bare.equals(full.drop(columns="bearing_deg"))
    rose = geo.wind_rose({"N": 1, "E": 3, "S": 1, "W": 1})
    with pytest.raises(geo.GeoError, match="bearing=True"):
        geo.community_exposure(bare, com, [500], wind=rose)
    with pytest.raises(geo.GeoError, match="bearing=True"):
        geo.facility_exposure(bare, com, [500], facilities=fac, wind=rose)
    assert geo.community_exposure(full, com, [500], wind=rose)["burden_wind"].iloc[0] > 0
