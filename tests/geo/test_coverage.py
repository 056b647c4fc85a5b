"""The one-pass exact coverage (geo.coverage) against exactextract, on random discs, polygons and rasters."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from exactextract import exact_extract
from rasterio.transform import from_origin
from shapely.geometry import Point, Polygon, box

import geo
from geo.coverage import class_shares_exact

CRS = "EPSG:32647"
X0, Y0 = 637_000.0, 1_703_000.0


def _raster(path, arr, cell=30.0, nodata=0, dtype="uint8", x0=X0, y0=Y0):
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1, dtype=dtype,
                       crs=CRS, transform=from_origin(x0, y0 + cell * arr.shape[0], cell, cell),
                       nodata=nodata) as ds:
        ds.write(arr.astype(dtype), 1)
    return str(path)


def _reference(path, geoms, classes):
    """exactextract's share, as geo.zonal_class_shares reads it."""
    z = gpd.GeoDataFrame(geometry=list(geoms), crs=CRS)
    return geo.zonal_class_shares(path, z, classes).to_numpy()


@pytest.fixture
def landcover(tmp_path):
    rng = np.random.default_rng(7)
    arr = rng.integers(0, 10, (180, 150))  # class 0 is nodata: about a tenth of the cells
    return _raster(tmp_path / "lc.tif", arr)


def _random_features(rng, n):
    """Points (some off the grid, some on cell corners), boxes, a donut and a two-part polygon."""
    w, h = 150 * 30.0, 180 * 30.0
    xy = rng.random((n, 2)) * (w + 2000, h + 2000) + (X0 - 1000, Y0 - 1000)  # some discs leave the raster
    xy[: n // 10] = np.round(xy[: n // 10] / 30.0) * 30.0  # on cell corners: edges along cell borders
    pts = shapely.points(xy)
    boxes = shapely.box(xy[:, 0], xy[:, 1], xy[:, 0] + rng.random(n) * 400, xy[:, 1] + rng.random(n) * 300)
    donut = Polygon(shapely.buffer(Point(X0 + 2000, Y0 + 2500), 900, quad_segs=16).exterior.coords,
                    [shapely.buffer(Point(X0 + 2100, Y0 + 2450), 400, quad_segs=8).exterior.coords])
    two = shapely.union(box(X0 + 100, Y0 + 100, X0 + 700, Y0 + 500), box(X0 + 3000, Y0 + 4000, X0 + 3300, Y0 + 4700))
    return pts, boxes, [donut, two]


def test_shares_equal_exactextract_on_random_discs_and_polygons(landcover):
    rng = np.random.default_rng(11)
    pts, boxes, odd = _random_features(rng, 120)
    geoms = np.concatenate([shapely.buffer(pts, 1000, quad_segs=16), shapely.buffer(pts[:40], 75.5, quad_segs=16),
                            shapely.buffer(boxes, 1000, quad_segs=16), np.array(odd, dtype=object)])
    ref = _reference(landcover, geoms, [5, 6, 9])
    got = class_shares_exact(landcover, geoms, [5, 6, 9])
    assert np.array_equal(np.isnan(ref), np.isnan(got))
    assert np.isnan(ref).any() and (~np.isnan(ref)).sum() > 250  # some discs lie wholly outside the raster
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-9)


def test_coverage_of_cells_equals_exactextract(tmp_path):
    """Cell by cell: the coverage of a disc with edges through cell corners and a tilted polygon."""
    from geo.coverage import _accumulate

    landcover = _raster(tmp_path / "ones.tif", np.ones((180, 150)), nodata=None)  # every cell reported

    for poly in (shapely.buffer(Point(X0 + 600, Y0 + 900), 200, quad_segs=16),
                 Polygon([(X0 + 95, Y0 + 101), (X0 + 640, Y0 + 333), (X0 + 500, Y0 + 780), (X0 + 130, Y0 + 600)])):
        res = exact_extract(landcover, gpd.GeoDataFrame(geometry=[poly], crs=CRS),
                            ["coverage", "cell_id"], output="pandas")
        cover = dict(zip(res["cell_id"][0].tolist(), res["coverage"][0].tolist()))
        ring = shapely.get_coordinates(shapely.orient_polygons(poly).exterior)
        gx = (ring[:, 0] - X0) / 30.0
        gy = (Y0 + 180 * 30.0 - ring[:, 1]) / 30.0
        r0, c0 = int(np.floor(gy.min())), int(np.floor(gx.min()))
        nr, nc = int(np.ceil(gy.max())) - r0 + 1, int(np.ceil(gx.max())) - c0 + 1
        acc = np.zeros((nr, nc + 1))
        _accumulate(acc, gx - c0, gy - r0, 0, len(ring))
        mine = np.abs(np.cumsum(acc, axis=1)[:, :nc])
        for (r, c), v in np.ndenumerate(mine):
            want = cover.get((r0 + r) * 150 + (c0 + c), 0.0)
            assert v == pytest.approx(want, abs=1e-6), (r, c)
        assert mine.sum() * 900 == pytest.approx(poly.area, rel=1e-12)


def test_float_raster_nan_and_nodata_and_windows(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    arr = rng.integers(1, 4, (90, 120)).astype("float32")
    arr[rng.random(arr.shape) < 0.05] = np.nan
    arr[rng.random(arr.shape) < 0.05] = -9
    path = _raster(tmp_path / "f.tif", arr, cell=20.0, nodata=-9, dtype="float32")
    xy = rng.random((60, 2)) * (2400, 1800) + (X0, Y0)
    geoms = shapely.buffer(shapely.points(xy), 300, quad_segs=16)
    ref = _reference(path, geoms, [2])
    # small windows: many batches, each reading its own part of the raster
    monkeypatch.setattr("geo.coverage.WINDOW_CELLS", 500)
    got = class_shares_exact(path, geoms, [2])
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-9)


def test_green_buffer_share_equals_exactextract_for_facilities(landcover):
    """The facility function: point factories and polygon mines, by id, to 1e-9 (CSV values to 9 decimals)."""
    rng = np.random.default_rng(5)
    pts, boxes, _ = _random_features(rng, 80)
    fac = gpd.GeoDataFrame({"facility_id": [f"F{i:03d}" for i in range(80)] + [f"M{i:03d}" for i in range(20)]},
                           geometry=list(pts) + list(boxes[:20]), crs=CRS)
    got = geo.green_buffer_share(landcover, fac, 1000, [5, 6, 9])
    discs = fac.geometry.buffer(1000, 16)
    ref = _reference(landcover, discs, [5, 6, 9])
    assert list(got.index) == list(fac["facility_id"])
    np.testing.assert_allclose(got.to_numpy(), ref, rtol=0, atol=1e-9)
    # and it is a share of green, not of anything: a different class set gives other values
    assert not np.allclose(np.nan_to_num(got.to_numpy()),
                           np.nan_to_num(geo.green_buffer_share(landcover, fac, 1000, [1, 2]).to_numpy()))


def test_discs_from_one_template_are_geos_buffers(landcover, monkeypatch):
    """disc_class_shares: the discs around points made from one disc have GEOS's own vertices and the same
    shares as the buffers made one by one; one thread or two, the same shares."""
    from geo.coverage import disc_class_shares

    rng = np.random.default_rng(9)
    xy = rng.random((300, 2)) * (4500 + 2000, 5400 + 2000) + (X0 - 1000, Y0 - 1000)
    buffers = shapely.buffer(shapely.points(xy), 1000, quad_segs=16)
    template = shapely.get_coordinates(shapely.buffer(Point(0, 0), 1000, quad_segs=16))
    for (x, y), b in zip(xy[:50], buffers[:50]):  # the same numbers (x + r cos a), not just close ones
        assert {tuple(p) for p in template + (x, y)} == {tuple(p) for p in shapely.get_coordinates(b)}
    want = class_shares_exact(landcover, buffers, [5, 6, 9])
    np.testing.assert_allclose(disc_class_shares(landcover, xy, 1000, 16, [5, 6, 9]), want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(want, _reference(landcover, buffers, [5, 6, 9]), rtol=0, atol=1e-9)
    monkeypatch.setattr("geo.coverage.THREADS", 1)
    assert np.array_equal(disc_class_shares(landcover, xy, 1000, 16, [5, 6, 9]),
                          disc_class_shares(landcover, xy, 1000, 16, [5, 6, 9]), equal_nan=True)
    one = disc_class_shares(landcover, xy, 1000, 16, [5, 6, 9])
    monkeypatch.setattr("geo.coverage.THREADS", 2)
    assert np.array_equal(one, disc_class_shares(landcover, xy, 1000, 16, [5, 6, 9]), equal_nan=True)
