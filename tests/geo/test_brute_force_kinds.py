"""Property test: with polygons (mines, village polygons) and rings per kind, the matrix equals a brute force
over every pair with shapely distances, and counts are nested across rings."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

import geo

CRS = "EPSG:32647"
X0, Y0 = 637_000.0, 1_703_000.0
RINGS = {"factory": [500, 1000, 3000], "mine": [1000, 5000]}

coord = st.floats(-6000, 6000, allow_nan=False)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(coord, coord, st.booleans()), min_size=1, max_size=6),
       st.lists(st.tuples(coord, coord, st.booleans()), min_size=1, max_size=10))
def test_matrix_equals_brute_force(fac_spec, com_spec):
    fgeoms = [box(X0 + x, Y0 + y, X0 + x + 300, Y0 + y + 200) if is_mine else Point(X0 + x, Y0 + y)
              for x, y, is_mine in fac_spec]
    fac = gpd.GeoDataFrame({"facility_id": [f"F{i}" for i in range(len(fgeoms))],
                            "kind": ["mine" if m else "factory" for *_, m in fac_spec]}, geometry=fgeoms, crs=CRS)
    cgeoms = [box(X0 + x, Y0 + y, X0 + x + 150, Y0 + y + 150) if poly else Point(X0 + x, Y0 + y)
              for x, y, poly in com_spec]
    com = gpd.GeoDataFrame({"community_id": [f"V{j}" for j in range(len(cgeoms))], "population": 10},
                           geometry=cgeoms, crs=CRS)
    m = geo.exposure_matrix(fac, com, RINGS)
    got = {(str(r.facility_id), str(r.community_id)): (r.distance_m, r.ring_m) for r in m.itertuples()}
    expect = {}
    for i, (fg, (*_, is_mine)) in enumerate(zip(fgeoms, fac_spec)):
        rings = RINGS["mine" if is_mine else "factory"]
        for j, cg in enumerate(cgeoms):
            d = round(fg.distance(cg), 3)
            if d <= rings[-1]:
                expect[(f"F{i}", f"V{j}")] = (d, next(r for r in rings if d <= r))
    assert got.keys() == expect.keys()
    for k, (d, ring) in expect.items():
        assert abs(got[k][0] - d) <= 0.0011 and got[k][1] == ring
    c = geo.community_exposure(m, com, RINGS, facilities=fac)
    counts = c[[f"fac_within_{d}" for d in (500, 1000, 3000, 5000)]].to_numpy()
    assert (np.diff(counts, axis=1) >= 0).all()
    # nearest over all facilities, whatever the rings
    for j, cg in enumerate(cgeoms):
        assert abs(c.loc[f"V{j}", "nearest_facility_m"] - min(fg.distance(cg) for fg in fgeoms)) <= 0.0011
