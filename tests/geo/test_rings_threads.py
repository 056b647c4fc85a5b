"""Ring bands drawn on several threads are the bands one thread draws, to the byte."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point, box

import geo
import geo.rings as rings_module

X0, Y0 = 637_000.0, 1_703_000.0


def test_threaded_bands_are_the_single_thread_bands(monkeypatch):
    rng = np.random.default_rng(2)
    pts = [Point(X0 + x, Y0 + y) for x, y in rng.random((300, 2)) * 50_000]
    mines = [box(X0 + x, Y0 + y, X0 + x + 400, Y0 + y + 300) for x, y in rng.random((40, 2)) * 50_000]
    fac = gpd.GeoDataFrame({"facility_id": [f"F{i:03d}" for i in range(len(pts) + len(mines))]},
                           geometry=pts + mines, crs="EPSG:32647")
    monkeypatch.setattr(rings_module, "THREADED_FROM", 10 ** 9)
    one = geo.ring_buffers(fac, [500, 1000, 3000, 5000])
    calls = []
    real = rings_module.run_threads
    monkeypatch.setattr(rings_module, "run_threads", lambda c, t: (calls.append(len(c)), real(c, t)))
    monkeypatch.setattr(rings_module, "default_threads", lambda: 3)
    monkeypatch.setattr(rings_module, "THREADED_FROM", 10)
    many = geo.ring_buffers(fac, [500, 1000, 3000, 5000])
    assert calls == [3, 3]  # the discs, then the bands, each in three slices
    assert one.drop(columns="geometry").equals(many.drop(columns="geometry"))
    assert shapely.to_wkb(one.geometry.values).tolist() == shapely.to_wkb(many.geometry.values).tolist()
    assert (many.geometry.area > 0).all() and len(many) == 4 * len(fac)
