"""geo on hand-made layers whose answers are known exactly, a geodesic check and a brute-force property test."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer
from shapely.geometry import Point, box

import geo
from geo.errors import CRSError, GeoError

CRS = "EPSG:32647"
X0, Y0 = 637_000.0, 1_703_000.0
RINGS = [500, 1000, 3000, 5000]


def _fac(points, ids=None, crs=CRS):
    ids = ids or [f"F{i}" for i in range(len(points))]
    return gpd.GeoDataFrame({"facility_id": ids}, geometry=points, crs=crs)


def _com(points, pops=None, ids=None):
    ids = ids or [f"V{i}" for i in range(len(points))]
    pops = pops if pops is not None else [100] * len(points)
    return gpd.GeoDataFrame({"community_id": ids, "population": pops, "households": [p / 4 for p in pops]},
                            geometry=points, crs=CRS)


@pytest.fixture
def line_of_villages():
    fac = _fac([Point(X0, Y0)])
    offsets = [400, 500, 501, 999, 2500, 6000]
    com = _com([Point(X0 + d, Y0) for d in offsets], pops=[10, 20, 30, 40, 50, 60],
               ids=[f"V{d}" for d in offsets])
    return fac, com


def test_ring_assignment_at_the_edges(line_of_villages):
    fac, com = line_of_villages
    m = geo.exposure_matrix(fac, com, RINGS).set_index("community_id")
    assert m.loc["V400", "ring_m"] == 500
    assert m.loc["V500", "ring_m"] == 500  # exactly 500 m is within 500 m
    assert m.loc["V501", "ring_m"] == 1000
    assert m.loc["V999", "ring_m"] == 1000
    assert m.loc["V2500", "ring_m"] == 3000
    assert "V6000" not in m.index  # beyond the largest ring
    assert m["bearing_deg"].eq(90.0).all()


def test_facility_population_is_sum_of_villages_within(line_of_villages):
    fac, com = line_of_villages
    m = geo.exposure_matrix(fac, com, RINGS)
    f = geo.facility_exposure(m, com, RINGS, facilities=fac).loc["F0"]
    assert f["pop_within_500"] == 30
    assert f["pop_within_1000"] == 100
    assert f["pop_within_3000"] == 150
    assert f["pop_within_5000"] == 150
    assert f["villages_within_1000"] == 4
    assert f["nearest_community_m"] == pytest.approx(400)
    assert geo.facility_exposure(m, com, RINGS, facilities=fac).attrs["population_method"] == "point"


def test_community_counts_nearest_and_burden():
    fac = _fac([Point(X0, Y0), Point(X0 + 2000, Y0), Point(X0 + 9000, Y0)], ids=["A", "B", "FAR"])
    com = _com([Point(X0 + 50, Y0), Point(X0 + 8000, Y0)], ids=["V1", "V2"])
    m = geo.exposure_matrix(fac, com, RINGS)
    c = geo.community_exposure(m, com, RINGS, facilities=fac)
    assert c.loc["V1", "fac_within_500"] == 1 and c.loc["V1", "fac_within_3000"] == 2
    assert c.loc["V1", "nearest_facility_id"] == "A" and c.loc["V1", "nearest_facility_m"] == pytest.approx(50)
    # 50 m counts as 0.1 km (the floor), 1950 m as 1.95 km
    assert c.loc["V1", "burden"] == pytest.approx(1 / 0.1 + 1 / 1.95)
    # V2 is 1000 m from FAR and 6000 m from B: only FAR counts, and it is the nearest
    assert c.loc["V2", "nearest_facility_id"] == "FAR" and c.loc["V2", "nearest_facility_m"] == pytest.approx(1000)
    assert c.loc["V2", "fac_within_500"] == 0 and c.loc["V2", "fac_within_1000"] == 1


def test_mine_distance_is_to_its_edge_and_zero_inside():
    mine = _fac([box(X0, Y0, X0 + 400, Y0 + 400)], ids=["M1"])
    com = _com([Point(X0 + 700, Y0 + 200), Point(X0 + 200, Y0 + 200)], ids=["EAST", "INSIDE"])
    m = geo.exposure_matrix(mine, com, RINGS).set_index("community_id")
    assert m.loc["EAST", "distance_m"] == pytest.approx(300)  # 500 m from the centroid, 300 m from the edge
    assert m.loc["EAST", "ring_m"] == 500
    assert m.loc["EAST", "bearing_deg"] == pytest.approx(90)
    assert m.loc["INSIDE", "distance_m"] == 0


def test_bearing_north_and_south():
    fac = _fac([Point(X0, Y0)])
    com = _com([Point(X0, Y0 + 300), Point(X0, Y0 - 300), Point(X0 - 300, Y0)], ids=["N", "S", "W"])
    b = geo.exposure_matrix(fac, com, RINGS).set_index("community_id")["bearing_deg"]
    assert (b["N"], b["S"], b["W"]) == (0.0, 180.0, 270.0)


def test_ring_band_areas_and_no_overlap():
    rings = geo.ring_buffers(_fac([Point(X0, Y0)]), [500, 1000])
    a500, a1000 = rings.geometry.area.to_numpy()
    assert a500 == pytest.approx(math.pi * 500**2, rel=0.005)
    assert a1000 == pytest.approx(math.pi * (1000**2 - 500**2), rel=0.005)
    assert rings.geometry.iloc[0].intersection(rings.geometry.iloc[1]).area < 1.0
    assert list(rings["inner_m"]) == [0, 500]


def test_geographic_input_is_refused():
    fac = _fac([Point(100.28, 15.40)], crs="EPSG:4326")
    com = _com([Point(X0, Y0)])
    with pytest.raises(CRSError, match="geographic.*geo.to_metric"):
        geo.exposure_matrix(fac, com, RINGS)


@pytest.mark.parametrize("rings", [[], [0, 500], [1000, 500], [500, 500]])
def test_bad_rings(rings):
    with pytest.raises(GeoError):
        geo.ring_buffers(_fac([Point(X0, Y0)]), rings)


def test_duplicate_ids_refused():
    with pytest.raises(GeoError, match="ids repeat"):
        geo.exposure_matrix(_fac([Point(X0, Y0)] * 2, ids=["A", "A"]), _com([Point(X0, Y0)]), RINGS)


def test_utm_distance_matches_geodesic_within_0_1_percent():
    rng = np.random.default_rng(7)
    to_utm = Transformer.from_crs(4326, 32647, always_xy=True)
    g = Geod(ellps="WGS84")
    lon0 = 100.21 + rng.random(200) * 0.14
    lat0 = 15.33 + rng.random(200) * 0.12
    ang = rng.random(200) * 360
    dist = 200 + rng.random(200) * 9800
    lon1, lat1, _ = g.fwd(lon0, lat0, ang, dist)
    x0, y0 = to_utm.transform(lon0, lat0)
    x1, y1 = to_utm.transform(lon1, lat1)
    utm = np.hypot(np.subtract(x1, x0), np.subtract(y1, y0))
    assert np.max(np.abs(utm / dist - 1)) < 0.001


def test_to_metric_from_wgs84_and_indian_1975():
    lon, lat = 100.28, 15.40
    x, y = Transformer.from_crs(4326, 32647, always_xy=True).transform(lon, lat)
    g = geo.to_metric(gpd.GeoDataFrame(geometry=[Point(lon, lat)], crs="EPSG:4326"))
    assert g.geometry.iloc[0].distance(Point(x, y)) < 0.01
    x75, y75 = Transformer.from_crs(4326, 24047, always_xy=True).transform(lon, lat)
    g75 = geo.to_metric(gpd.GeoDataFrame(geometry=[Point(x75, y75)], crs="EPSG:24047"))
    assert g75.geometry.iloc[0].distance(Point(x, y)) < 5.0
    shift = Point(x75, y75).distance(Point(x, y))
    assert 100 < shift < 1000, shift  # a real datum shift was applied, not a relabelling


def test_to_metric_without_crs():
    with pytest.raises(CRSError, match="no CRS"):
        geo.to_metric(gpd.GeoDataFrame(geometry=[Point(0, 0)]))
    g = geo.to_metric(gpd.GeoDataFrame(geometry=[Point(X0, Y0)]), crs="EPSG:32647")
    assert g.crs.to_epsg() == 32647


def test_areal_population_for_village_polygons():
    fac = _fac([Point(X0, Y0)])
    # a 200 m square village straddling the 1000 m circle: its west half is within 1000 m (approximately)
    com = gpd.GeoDataFrame({"community_id": ["SQ"], "population": [1000], "households": [250]},
                           geometry=[box(X0 + 900, Y0 - 100, X0 + 1100, Y0 + 100)], crs=CRS)
    m = geo.exposure_matrix(fac, com, RINGS)
    f = geo.facility_exposure(m, com, RINGS, facilities=fac)
    assert f.attrs["population_method"] == "areal"
    assert f.loc["F0", "pop_within_500"] == 0
    assert 400 < f.loc["F0", "pop_within_1000"] < 500  # a bit under half: the circle bulges inwards
    assert f.loc["F0", "pop_within_3000"] == pytest.approx(1000)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-6000, 6000), st.floats(-6000, 6000)), min_size=1, max_size=6),
       st.lists(st.tuples(st.floats(-6000, 6000), st.floats(-6000, 6000), st.integers(0, 2000)),
                min_size=1, max_size=12))
def test_counts_are_nested_and_match_brute_force(fpts, cpts):
    fac = _fac([Point(X0 + x, Y0 + y) for x, y in fpts])
    com = _com([Point(X0 + x, Y0 + y) for x, y, _ in cpts], pops=[p for *_, p in cpts])
    m = geo.exposure_matrix(fac, com, RINGS)
    c = geo.community_exposure(m, com, RINGS, facilities=fac)
    f = geo.facility_exposure(m, com, RINGS, facilities=fac)
    for small, big in zip(RINGS, RINGS[1:]):
        assert (c[f"fac_within_{small}"] <= c[f"fac_within_{big}"]).all()
        assert (f[f"pop_within_{small}"] <= f[f"pop_within_{big}"]).all()
    for d in RINGS:
        for i, (fx, fy) in enumerate(fpts):
            expect = sum(p for x, y, p in cpts if round(math.hypot(x - fx, y - fy), 3) <= d)
            assert f.loc[f"F{i}", f"pop_within_{d}"] == pytest.approx(expect)
        for j, (x, y, _) in enumerate(cpts):
            expect = sum(1 for fx, fy in fpts if round(math.hypot(x - fx, y - fy), 3) <= d)
            assert c.loc[f"V{j}", f"fac_within_{d}"] == expect


def test_zonal_class_shares_exact(tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    arr = np.array([[5, 5, 3], [5, 3, 3], [0, 6, 3]], dtype="uint8")  # 0 = nodata
    path = tmp_path / "lc.tif"
    with rasterio.open(path, "w", driver="GTiff", width=3, height=3, count=1, dtype="uint8", crs=CRS,
                       transform=from_origin(X0, Y0 + 30, 10, 10), nodata=0) as ds:
        ds.write(arr, 1)
    zones = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 30, Y0 + 30),      # whole raster: 8 valid cells
                                       box(X0, Y0 + 20, X0 + 15, Y0 + 30),  # 1 cell of 5 + half a cell of 5
                                       box(X0 + 20, Y0 + 20, X0 + 30, Y0 + 30),  # one class-3 cell
                                       box(X0, Y0, X0 + 10, Y0 + 10)],      # only nodata
                             crs=CRS)
    s = geo.zonal_class_shares(path, zones, [5, 6])
    assert s.iloc[0] == pytest.approx(4 / 8)
    assert s.iloc[1] == pytest.approx(1.0)
    assert s.iloc[2] == pytest.approx(0.0)
    assert math.isnan(s.iloc[3])
    t = geo.zonal_class_table(path, zones.iloc[:1])
    assert t.loc[0].to_dict() == pytest.approx({3: 4 / 8, 5: 3 / 8, 6: 1 / 8})


def test_area_share():
    zones = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100)], crs=CRS)
    cover = gpd.GeoDataFrame(geometry=[box(0, 0, 50, 100), box(25, 0, 75, 100)], crs=CRS)
    assert geo.area_share(zones, cover).iloc[0] == pytest.approx(0.75)
