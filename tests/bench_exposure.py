"""Benchmark: exposure matrix + summaries at province, region and nation scale, against buffer-based geopandas.

Run: .venv/bin/python tests/bench_exposure.py [--scales province,region,nation] [--raster]
     [--plain-at province,region] [--per-ring-at province,region,nation] [--workers 2]

The side by side with the peers an expert would pick (DuckDB's spatial join, PostGIS with a GiST index and a
parallel plan, geopandas' ``dwithin`` join), in fresh processes and verified equal cell by cell, is
``tests/bench_kernel_peers.py``; this script keeps the memory figures, the dask backend and the raster timing.

Prints wall time and peak memory of geo.exposure_matrix + community_exposure + facility_exposure, and of
  * plain geopandas, as a user would otherwise write it: buffer every facility, sjoin with the villages,
    distance per pair, group by (run only at the scales of --plain-at: at nation it needs tens of GB);
  * the literal "straightforward" way of issue 4: per ring distance, buffer, sjoin intersects, group by;
all measured in one run on the same seeded data. --raster adds a 30 m land-cover raster over the region and
times the green share within 1000 m of every region facility (exactextract, fractional coverage).
Times are of untraced runs; memory is the tracemalloc peak (numpy included) of a second, traced run of our way
and of plain geopandas (skip with --no-memory).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

# run as a script, tests/ would come first on sys.path and tests/geo would hide the geo package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402

import geo  # noqa: E402

SCALES = {"province": (2000, 50, 1500), "region": (30000, 800, 20000), "nation": (150000, 5000, 80000)}
RINGS = [500, 1000, 3000, 5000]


def layers(n_fac: int, n_mine: int, n_vill: int, seed: int = 2570):
    rng = np.random.default_rng(seed)
    side = 25_000 * np.sqrt(n_vill / 1500)  # keep village density like a province
    x0, y0 = 600_000, 1_650_000
    fx, fy = x0 + rng.random(n_fac) * side, y0 + rng.random(n_fac) * side
    mx, my = x0 + rng.random(n_mine) * side, y0 + rng.random(n_mine) * side
    vx, vy = x0 + rng.random(n_vill) * side, y0 + rng.random(n_vill) * side
    fac = gpd.GeoDataFrame(
        {"facility_id": [f"F{i}" for i in range(n_fac)] + [f"M{i}" for i in range(n_mine)],
         "kind": ["factory"] * n_fac + ["mine"] * n_mine},
        geometry=np.concatenate([shapely.points(fx, fy), shapely.box(mx, my, mx + 400, my + 300)]),
        crs="EPSG:32647")
    com = gpd.GeoDataFrame({"community_id": [f"V{i}" for i in range(n_vill)],
                            "population": rng.integers(200, 2000, n_vill)},
                           geometry=shapely.points(vx, vy), crs="EPSG:32647")
    return fac, com


def ecotown_way(fac, com, workers=None):
    m = geo.exposure_matrix(fac, com, RINGS, workers=workers)
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


def per_ring_geopandas_way(fac, com):
    """The literal straightforward way: for every ring distance, buffer every facility, sjoin intersects, group by.

    It gives counts and populations per ring (no distances or bearings): less than the other two ways compute.
    """
    n = 0
    for d in RINGS:
        buf = fac[["facility_id", "geometry"]].copy()
        buf["geometry"] = fac.geometry.buffer(d)
        pairs = gpd.sjoin(com, buf, predicate="intersects", how="inner")
        pairs.groupby("community_id").size()
        pairs.groupby("facility_id")["population"].sum()
        n += len(pairs)
    return n


def measure(fn, *args, memory: bool = True, **kw):
    """Wall time of one untraced run; then, when ``memory``, the tracemalloc peak of a second run (tracing
    slows allocation-heavy code, so it is kept out of the timed run)."""
    t = time.perf_counter()
    n = fn(*args, **kw)
    dt = time.perf_counter() - t
    peak = float("nan")
    if memory:
        tracemalloc.start()
        fn(*args, **kw)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return dt, peak, n


# ---------------------------------------------------------------------------------------------- raster
def landcover_raster(fac, path: Path, cell: float = 30.0, seed: int = 7) -> tuple[int, int]:
    import rasterio
    from rasterio.transform import from_origin

    x0, y0, x1, y1 = fac.total_bounds
    pad = 2000
    w, h = int((x1 - x0 + 2 * pad) / cell), int((y1 - y0 + 2 * pad) / cell)
    rng = np.random.default_rng(seed)
    coarse = rng.integers(1, 10, size=(h // 10 + 1, w // 10 + 1), dtype=np.uint8)  # 300 m patches of 9 classes
    arr = np.repeat(np.repeat(coarse, 10, axis=0), 10, axis=1)[:h, :w]
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="uint8", crs="EPSG:32647",
                       transform=from_origin(x0 - pad, y1 + pad, cell, cell), nodata=0, tiled=True,
                       compress="deflate") as ds:
        ds.write(arr, 1)
    return w, h


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="province,region,nation")
    ap.add_argument("--plain-at", default="province,region",
                    help="scales at which to run plain geopandas (one 5 km buffer and distances)")
    ap.add_argument("--per-ring-at", default=None,
                    help="scales at which to run the per-ring geopandas way (default: those of --plain-at; "
                         "at nation it took 166 s and 3.5 GB here)")
    ap.add_argument("--raster", action="store_true", help="also time land-cover zonal statistics (region)")
    ap.add_argument("--no-memory", action="store_true", help="skip the (second, traced) memory runs")
    ap.add_argument("--workers", type=int, default=None, help="also time the dask backend with N threads")
    args = ap.parse_args()
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  cores={os.cpu_count()}  load average at start: "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    # warm up once (imports, lazy initialisation) so no way pays it inside the timing
    wf, wc = layers(50, 5, 100, seed=1)
    ecotown_way(wf, wc)
    if args.workers:
        ecotown_way(wf, wc, workers=args.workers)  # imports dask and dask-geopandas (seconds) outside timing
    plain_geopandas_way(wf, wc)
    rows = []
    for name in args.scales.split(","):
        nf, nm, nv = SCALES[name]
        fac, com = layers(nf, nm, nv)
        reps = 1 if name == "nation" else 3  # best of 3 for every way, where the slow ways still fit
        t1, m1, n1 = min((measure(ecotown_way, fac, com, memory=not args.no_memory) for _ in range(reps)),
                         key=lambda r: r[0])
        row = {"scale": name, "facilities": nf + nm, "villages": nv, "pairs": n1, "ecotown_s": t1,
               "ecotown_MiB": m1}
        if args.workers:
            row["dask_s"] = measure(ecotown_way, fac, com, workers=args.workers, memory=False)[0]
        if name in args.plain_at.split(","):
            t2, m2, n2 = min((measure(plain_geopandas_way, fac, com, memory=not args.no_memory)
                              for _ in range(reps)), key=lambda r: r[0])
            row.update(geopandas_s=t2, geopandas_MiB=m2, vs_geopandas=t2 / t1)
        if name in (args.per_ring_at or args.plain_at).split(","):
            t4 = min(measure(per_ring_geopandas_way, fac, com, memory=False)[0] for _ in range(reps))
            row.update(per_ring_geopandas_s=t4, vs_per_ring=t4 / t1)
        rows.append(row)
        print("  ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
              flush=True)
    if args.raster:
        fac, _ = layers(*SCALES["region"])
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "landcover.tif"
            w, h = landcover_raster(fac, path)
            t, peak, _ = measure(lambda: len(geo.green_buffer_share(path, fac, 1000, [5, 6, 9])))
            t2, _, _ = measure(lambda: len(geo.ring_zonal_stats(path, fac.iloc[:5000], [500, 1000, 3000])),
                               memory=False)
        print(f"raster: region land cover {w}x{h} cells of 30 m; green share within 1000 m of "
              f"{len(fac)} facilities: {t:.2f} s ({len(fac) / t:.0f} facilities/s, {peak:.0f} MiB); "
              f"class shares in rings 500/1000/3000 m of 5000 facilities: {t2:.2f} s")
    print(f"# load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
