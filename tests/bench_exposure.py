"""Benchmark: the exposure matrix and summaries at province and region scale, against plain geopandas.

Run: .venv/bin/python tests/bench_exposure.py [--scales province,region]
Prints wall time and peak memory of geo.exposure_matrix + summaries, and of the plain-geopandas way a user
would otherwise write it (buffer every facility, sjoin with the villages, then distances), measured in one run.
Both are warmed up first; the province scale takes the best of three runs. The ecotown way does more work than
the plain one (distances to polygon edges, bearings, nearest facility over all facilities, households, burden).
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

# run as a script, tests/ would come first on sys.path and tests/geo would hide the geo package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
from shapely.geometry import Point, box  # noqa: E402

import geo  # noqa: E402

SCALES = {"province": (2000, 50, 1500), "region": (30000, 800, 20000)}
RINGS = [500, 1000, 3000, 5000]


def layers(n_fac: int, n_mine: int, n_vill: int, seed: int = 2570):
    rng = np.random.default_rng(seed)
    side = 25_000 * np.sqrt(n_vill / 1500)  # keep village density like a province
    x0, y0 = 600_000, 1_650_000
    fx, fy = x0 + rng.random(n_fac) * side, y0 + rng.random(n_fac) * side
    mx, my = x0 + rng.random(n_mine) * side, y0 + rng.random(n_mine) * side
    vx, vy = x0 + rng.random(n_vill) * side, y0 + rng.random(n_vill) * side
    fac = gpd.GeoDataFrame(
        {"facility_id": [f"F{i}" for i in range(n_fac)] + [f"M{i}" for i in range(n_mine)]},
        geometry=[Point(x, y) for x, y in zip(fx, fy)] + [box(x, y, x + 400, y + 300) for x, y in zip(mx, my)],
        crs="EPSG:32647")
    com = gpd.GeoDataFrame({"community_id": [f"V{i}" for i in range(n_vill)],
                            "population": rng.integers(200, 2000, n_vill)},
                           geometry=[Point(x, y) for x, y in zip(vx, vy)], crs="EPSG:32647")
    return fac, com


def ecotown_way(fac, com):
    m = geo.exposure_matrix(fac, com, RINGS)
    geo.community_exposure(m, com, RINGS, facilities=fac)
    geo.facility_exposure(m, com, RINGS, facilities=fac)
    return len(m)


def plain_geopandas_way(fac, com):
    """What a user would write with geopandas alone: buffer to 5 km, sjoin, distance per pair, then group."""
    buf = fac[["facility_id", "geometry"]].copy()
    buf["geometry"] = fac.geometry.buffer(RINGS[-1])
    pairs = gpd.sjoin(com, buf, predicate="within", how="inner")
    fg = fac.set_index("facility_id").geometry
    pairs["distance_m"] = pairs.geometry.distance(gpd.GeoSeries(fg.loc[pairs["facility_id"]].values,
                                                                index=pairs.index, crs=fac.crs))
    for d in RINGS:
        sub = pairs[pairs["distance_m"] <= d]
        sub.groupby("community_id").size()
        sub.groupby("facility_id")["population"].sum()
    return len(pairs)


def measure(fn, *args):
    tracemalloc.start()
    t = time.perf_counter()
    n = fn(*args)
    dt = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return dt, peak, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="province,region")
    args = ap.parse_args()
    print(f"{'scale':10} {'facilities':>10} {'villages':>9} {'pairs':>9} {'ecotown s':>10} {'MiB':>7} "
          f"{'geopandas s':>12} {'MiB':>7} {'ratio':>6}")
    # warm both ways up once (imports, lazy initialisation) so neither pays it inside the timing
    wf, wc = layers(50, 5, 100, seed=1)
    ecotown_way(wf, wc)
    plain_geopandas_way(wf, wc)
    for name in args.scales.split(","):
        nf, nm, nv = SCALES[name]
        fac, com = layers(nf, nm, nv)
        reps = 3 if name == "province" else 1  # best of 3 where a run is short enough to be noisy
        t1, m1, n1 = min((measure(ecotown_way, fac, com) for _ in range(reps)), key=lambda r: r[0])
        t2, m2, n2 = min((measure(plain_geopandas_way, fac, com) for _ in range(reps)), key=lambda r: r[0])
        print(f"{name:10} {nf + nm:>10} {nv:>9} {n1:>9} {t1:>10.2f} {m1:>7.0f} {t2:>12.2f} {m2:>7.0f} "
              f"{t2 / t1:>5.1f}x")


if __name__ == "__main__":
    main()
