"""Benchmark: exposure matrix + summaries at province, region and nation scale, against plain geopandas and PostGIS.

Run: .venv/bin/python tests/bench_exposure.py [--scales province,region,nation] [--postgis] [--raster]
     [--plain-at province,region] [--per-ring-at province,region,nation] [--workers 2]

Prints wall time and peak memory of geo.exposure_matrix + community_exposure + facility_exposure, and of
  * plain geopandas, as a user would otherwise write it: buffer every facility, sjoin with the villages,
    distance per pair, group by (run only at the scales of --plain-at: at nation it needs tens of GB);
  * the literal "straightforward" way of issue 4: per ring distance, buffer, sjoin intersects, group by;
  * PostGIS (--postgis): the same pairs with ST_DWithin on GiST-indexed tables, distances, rings and azimuths
    into a table, then the per-community and per-facility sums with GROUP BY. The setup is done here: Debian's
    postgresql and postgis are installed with apt-get when missing (as root), and a throwaway cluster is
    initialised in a temporary folder, run as the 'postgres' user on a Unix socket only, and removed at the end.
    Loading and index building are not timed (this favours PostGIS).
all measured in one run on the same seeded data. --raster adds a 30 m land-cover raster over the region and
times the green share within 1000 m of every region facility (exactextract, fractional coverage).
Times are of untraced runs; memory is the tracemalloc peak (numpy included) of a second, traced run of our way
and of plain geopandas (skip with --no-memory); PostGIS runs in its own processes and is not measured.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
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


# ---------------------------------------------------------------------------------------------- PostGIS
class PostGIS:
    """A throwaway PostgreSQL + PostGIS cluster in a temporary folder (Unix socket, no TCP)."""

    def __init__(self) -> None:
        self.bindir = self._bindir()
        self.dir = Path(tempfile.mkdtemp(prefix="ecotown-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        os.chmod(self.dir, 0o755)
        self.data = self.dir / "data"
        self._as_pg([f"{self.bindir}/initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                     "--no-sync"], quiet=True)
        self._as_pg([f"{self.bindir}/pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-o",
                     f"-c listen_addresses='' -c unix_socket_directories='{self.dir}' -c fsync=off "
                     "-c shared_buffers=512MB -c work_mem=256MB -c maintenance_work_mem=512MB "
                     "-c max_wal_size=4GB -c synchronous_commit=off", "start"], quiet=True)
        self.sql("CREATE EXTENSION postgis;")

    @staticmethod
    def _bindir() -> str:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        have_postgis = glob.glob("/usr/share/postgresql/*/extension/postgis.control")
        if not found or not have_postgis:
            if os.geteuid() != 0 or not shutil.which("apt-get"):
                sys.exit("PostGIS is missing: install Debian's packages first, e.g.\n"
                         "  sudo apt-get install -y postgresql postgresql-15-postgis-3\n"
                         "(postgresql-NN-postgis-3 for the PostgreSQL version of your Debian)")
            print("installing postgresql and postgis with apt-get ...", file=sys.stderr)
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
            subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql", "postgis"], check=True, env=env)
            found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        return str(Path(found[-1]).parent)

    def _as_pg(self, cmd: list[str], quiet: bool = False, stdin: str | None = None) -> str:
        full = cmd if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *cmd]
        r = subprocess.run(full, capture_output=True, text=True, input=stdin)
        if r.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stdout}\n{r.stderr}")
        return r.stdout

    def sql(self, sql: str) -> str:
        return self._as_pg([f"{self.bindir}/psql", "-h", str(self.dir), "-U", "postgres", "-X", "-q", "-A", "-t",
                            "-v", "ON_ERROR_STOP=1", "-c", sql])

    def load(self, name: str, ids: np.ndarray, geoms: np.ndarray, pop: np.ndarray | None = None) -> None:
        cols = "id text, geom geometry(Geometry, 32647)" + (", population int" if pop is not None else "")
        self.sql(f"DROP TABLE IF EXISTS {name}; CREATE TABLE {name} ({cols});")
        wkb = shapely.to_wkb(shapely.set_srid(geoms, 32647), hex=True, include_srid=True)
        path = self.dir / f"{name}.tsv"
        with open(path, "w") as fh:
            for i, row in enumerate(zip(ids, wkb)):
                fh.write("\t".join(row) + (f"\t{int(pop[i])}" if pop is not None else "") + "\n")
        shutil.chown(path, "postgres", "postgres")
        self.sql(f"COPY {name} FROM '{path}';")
        self.sql(f"CREATE INDEX ON {name} USING gist (geom); ANALYZE {name};")

    def query_seconds(self) -> tuple[float, int]:
        rings = ", ".join(str(r) for r in RINGS)
        case = " ".join(f"WHEN d <= {r} THEN {r}" for r in RINGS)
        sql = f"""
        DROP TABLE IF EXISTS pairs;
        CREATE UNLOGGED TABLE pairs AS
          SELECT fid, cid, d, CASE {case} END AS ring_m, az FROM (
            SELECT f.id AS fid, c.id AS cid, round(ST_Distance(f.geom, c.geom)::numeric, 3)::float8 AS d,
                   degrees(ST_Azimuth(ST_ClosestPoint(f.geom, c.geom), c.geom)) AS az
            FROM fac f JOIN com c ON ST_DWithin(f.geom, c.geom, {RINGS[-1]})) s;
        CREATE TEMP TABLE com_x AS SELECT cid,
          {", ".join(f"count(*) FILTER (WHERE d <= {r}) AS fac_within_{r}" for r in RINGS)},
          sum(1.0 / greatest(d / 1000.0, 0.1)) AS burden, min(d) AS nearest_m FROM pairs GROUP BY cid;
        CREATE TEMP TABLE fac_x AS SELECT fid,
          {", ".join(f"sum(c.population) FILTER (WHERE d <= {r}) AS pop_within_{r}" for r in RINGS)}
          FROM pairs p JOIN com c ON c.id = p.cid GROUP BY fid;
        SELECT count(*) FROM pairs; -- rings: {rings}
        """
        t = time.perf_counter()
        out = self.sql(sql)
        return time.perf_counter() - t, int(out.strip().splitlines()[-1])

    def close(self) -> None:
        try:
            self._as_pg([f"{self.bindir}/pg_ctl", "-D", str(self.data), "-m", "fast", "stop"], quiet=True)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def postgis_way(pg: PostGIS, fac, com) -> tuple[float, int]:
    pg.load("fac", fac["facility_id"].to_numpy(), np.asarray(fac.geometry.array))
    pg.load("com", com["community_id"].to_numpy(), np.asarray(com.geometry.array), com["population"].to_numpy())
    return pg.query_seconds()


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
    ap.add_argument("--postgis", action="store_true", help="also time PostGIS (sets up a throwaway cluster)")
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
    pg = PostGIS() if args.postgis else None
    rows = []
    try:
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
            if pg is not None:
                t3, n3 = postgis_way(pg, fac, com)
                if n3 != n1:
                    print(f"note: PostGIS found {n3} pairs, ecotown {n1} (edge pairs within 1 mm)", file=sys.stderr)
                row.update(postgis_s=t3, vs_postgis=t3 / t1)
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
    finally:
        if pg is not None:
            pg.close()
    print(f"# load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
