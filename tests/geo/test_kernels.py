"""The grid kernel (geo.kernels, numpy) against GEOS: same pairs, distances, rings and bearings.

The GEOS path of geo.pairs (STRtree + shortest_line) was the only path before the kernel; here every facility
is measured both ways on layers with points, polygons with holes and multipolygons.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.kernels import grid_pairs, point_grid
from geo.pairs import FacilityChunk, Targets, _geos_pairs, facility_arrays, point_xy
from geo.ringspec import RingSpec

RINGS = np.array([500.0, 1000.0, 3000.0])


def _spec(n: int) -> RingSpec:
    return RingSpec(RINGS, {}, RINGS[None, :], np.array([len(RINGS)]), np.zeros(n, dtype=np.int64))


def _facilities(rng: np.random.Generator, n: int, side: float) -> np.ndarray:
    """Points, squares with a square hole, and two-part multipolygons, shuffled."""
    x, y = rng.random(n) * side, rng.random(n) * side
    geoms = []
    for i in range(n):
        k = i % 3
        if k == 0:
            geoms.append(shapely.Point(x[i], y[i]))
        elif k == 1:
            outer = [(x[i], y[i]), (x[i] + 900, y[i]), (x[i] + 900, y[i] + 700), (x[i], y[i] + 700)]
            hole = [(x[i] + 300, y[i] + 200), (x[i] + 600, y[i] + 200), (x[i] + 600, y[i] + 500),
                    (x[i] + 300, y[i] + 500)]
            geoms.append(shapely.Polygon(outer, [hole]))
        else:
            a = shapely.Point(x[i], y[i]).buffer(250, quad_segs=4)
            b = shapely.box(x[i] + 800, y[i] - 100, x[i] + 1100, y[i] + 400)
            geoms.append(shapely.MultiPolygon([a, b]))
    return np.array(geoms, dtype=object)[rng.permutation(n)]


def _both_ways(fgeom: np.ndarray, tgeom: np.ndarray, threads: int = 1):
    spec = _spec(len(fgeom))
    fc = FacilityChunk(0, fgeom, spec.kind_code)
    fxy = point_xy(fgeom)
    t = Targets.of(tgeom)
    fa = facility_arrays(fc, fxy, spec)
    got = grid_pairs(point_grid(t.x, t.y, t.pt, RINGS[-1]), fa, spec.table, spec.count, threads=threads)
    ref = _geos_pairs(fc, t, spec, np.arange(len(fgeom)), shapely.STRtree(tgeom), np.arange(len(tgeom)))
    order = np.argsort(ref["fl"] * len(tgeom) + ref["ci"])
    return got, {k: v[order] for k, v in ref.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kernel_matches_geos_for_points_polygons_with_holes_and_multipolygons(seed):
    rng = np.random.default_rng(seed)
    side = 8000.0
    fgeom = _facilities(rng, 60, side)
    tx, ty = rng.random(3000) * side, rng.random(3000) * side
    # some villages inside polygons and holes, and some exactly on a ring distance from a point facility
    tgeom = shapely.points(tx, ty)
    got, ref = _both_ways(fgeom, tgeom)
    assert len(got["ci"]) > 1000
    key_got = got["fl"].astype(np.int64) * 10_000 + got["ci"]
    key_ref = ref["fl"] * 10_000 + ref["ci"]
    assert np.array_equal(key_got, np.sort(key_got)), "pairs must come out in (facility, target) order"
    assert np.array_equal(key_got, key_ref)
    assert np.abs(got["distance_m"] - ref["distance_m"]).max() <= 0.001
    assert np.array_equal(got["ring_m"], ref["ring_m"])
    db = np.abs(got["bearing_deg"] - ref["bearing_deg"])
    assert np.minimum(db, 360 - db).max() <= 0.011
    assert (got["distance_m"] == 0).sum() > 0, "some villages lie inside a polygon"


def test_village_in_a_hole_is_measured_to_the_hole_edge():
    outer = [(0, 0), (1000, 0), (1000, 1000), (0, 1000)]
    hole = [(400, 400), (600, 400), (600, 600), (400, 600)]
    fgeom = np.array([shapely.Polygon(outer, [hole])], dtype=object)
    tgeom = shapely.points([500, 500, 1300], [500, 450, 500])  # hole centre, 50 m into the hole, 300 m east
    got, _ = _both_ways(fgeom, tgeom)
    assert got["ci"].tolist() == [0, 1, 2]
    assert got["distance_m"].tolist() == [100.0, 50.0, 300.0]
    assert got["bearing_deg"][1] == 0.0  # from the hole's south edge (500, 400) north to the village
    assert got["bearing_deg"][2] == 90.0


def test_kernel_orders_targets_by_both_paths_and_threads_do_not_change_the_result(monkeypatch):
    """A facility with many nearby targets and one with a handful among many positions both come out in target
    order; splitting the facilities into ranges run on threads changes nothing."""
    import geo.kernels
    rng = np.random.default_rng(7)
    tx = np.concatenate([rng.random(20_000) * 200_000, rng.random(500) * 600])
    ty = np.concatenate([rng.random(20_000) * 200_000, rng.random(500) * 600])
    tgeom = shapely.points(tx, ty)[rng.permutation(20_500)]
    fgeom = np.array([shapely.Point(300, 300), shapely.Point(150_000, 150_000), shapely.Point(90_000, 20_000)]
                     + list(shapely.points(rng.random(200) * 200_000, rng.random(200) * 200_000)), dtype=object)
    one, ref = _both_ways(fgeom, tgeom, threads=1)
    monkeypatch.setattr(geo.kernels, "RANGE_CANDIDATES", 50)  # small ranges: many of them, on four threads
    assert len(geo.kernels._ranges(point_grid(*point_xy(tgeom), 1000.0),
                                   facility_arrays(FacilityChunk(0, fgeom, _spec(len(fgeom)).kind_code),
                                                   point_xy(fgeom), _spec(len(fgeom))), 4)) >= 4
    four, _ = _both_ways(fgeom, tgeom, threads=4)
    for k in one:
        assert np.array_equal(one[k], four[k]), k
    assert np.array_equal(one["fl"].astype(np.int64) * 100_000 + one["ci"], ref["fl"] * 100_000 + ref["ci"])
    counts = np.bincount(one["fl"], minlength=len(fgeom))
    assert counts[0] >= 500 and 0 < counts[1] < 30  # a crowded facility and a sparse one


def test_a_pair_within_half_a_millimetre_beyond_the_last_ring_counts():
    fgeom = np.array([shapely.Point(0, 0)], dtype=object)
    tgeom = shapely.points([3000.0004, 3000.0006, 0], [0, 0, 2999.9996])
    got, ref = _both_ways(fgeom, tgeom)
    assert got["ci"].tolist() == ref["ci"].tolist() == [0, 2]
    assert got["distance_m"].tolist() == [3000.0, 3000.0]
    assert got["ring_m"].tolist() == [3000, 3000]


def test_empty_and_nan_geometries_have_no_pairs_and_do_not_stop_the_others():
    import geopandas as gpd

    import geo

    crs = "EPSG:32647"
    fac = gpd.GeoDataFrame({"facility_id": ["A", "B", "C", "D", "E"], "kind": "factory"},
                           geometry=[shapely.Point(0, 0), shapely.Point(np.nan, np.nan), shapely.Point(),
                                     shapely.Polygon(), shapely.box(200, 200, 300, 300)], crs=crs)
    com = gpd.GeoDataFrame({"community_id": ["V1", "V2", "V3"], "population": [10, 20, 30]},
                           geometry=[shapely.Point(300, 0), shapely.Point(np.nan, 5), shapely.Point()], crs=crs)
    m = geo.exposure_matrix(fac, com, [500, 1000])
    assert m["facility_id"].astype(str).tolist() == ["A", "E"]
    assert m["community_id"].astype(str).tolist() == ["V1", "V1"]
    assert m["distance_m"].tolist() == [300.0, 200.0] and m["bearing_deg"].tolist() == [90.0, 180.0]
    c = geo.community_exposure(m, com, [500, 1000], facilities=fac)
    assert c["fac_within_500"].tolist() == [2, 0, 0]
    assert c.loc["V1", "nearest_facility_id"] == "E"
