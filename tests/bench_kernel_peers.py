"""Benchmark: the exposure kernel side by side with DuckDB spatial, PostGIS and geopandas, every result verified equal.

Run: .venv/bin/python tests/bench_kernel_peers.py [--scales province,region,nation]
     [--peers ecotown,duckdb,postgis,geopandas] [--runs 3] [--data DIR] [--show-sql]

One run, the same data for every peer: the seeded GeoPackages of ``tests/scale_data.py`` (factories as points, mines
as 400 x 300 m polygons, villages with a population; about 28 k / 0.69 M / 2.7 M facility-village pairs within
5 km at province / region / nation). Every peer computes the same results from them:

* per village, the facilities within 500, 1000, 3000 and 5000 m (distance to a mine's polygon edge, 0 inside),
  and the distance to the nearest facility (over all facilities, however far);
* per facility, the people (village population) within each of those distances;

a distance counting as written to the millimetre (``round(d, 3) <= ring``: the exposure matrix's rule), and the
results are compared cell by cell (any differing cell is printed and the run fails).

Each peer runs in fresh processes (``--runs``, 3 by default; the table gives the median): the process reads the
layers (not timed), then computes twice, timing each: the **first call** in the process and a **second call**.
Reading, imports, connecting and loading DuckDB's extension are not timed; fetching the (small) result tables
into Python is. Beside the wall-clock seconds, the CPU seconds of the peer's process (all its threads; not for
PostGIS, which works in its server) show what each costs when the machine is shared.

* **ecotown**: ``geo.exposure_matrix(..., bearing=False)`` + ``geo.community_exposure`` + ``geo.facility_exposure``
  (they compute more than asked here: burden, households, villages and unknown populations per ring, nearest
  ids); a third call with the default ``bearing=True`` is reported beside them.
* **DuckDB** 1.5 with its spatial extension: tables read with ``ST_Read`` (not timed), then the one query of
  :data:`DUCKDB_SQL` (a ``SPATIAL_JOIN`` on ``ST_DWithin`` and both aggregates by ``GROUPING SETS``,
  ``threads`` = the cores; the plan is printed with ``--show-sql``).
* **PostGIS** (Debian's PostgreSQL and PostGIS in a throwaway cluster, see :mod:`tests.postgis_cluster`): tables
  copied in with GiST indexes, VACUUM ANALYZE (not timed); the SQL of :data:`POSTGIS_SQL` on a fresh connection
  per process: one ``ST_DWithin`` join into an unlogged table, with a parallel plan (:data:`POSTGIS_SETTINGS`:
  ``max_parallel_workers_per_gather`` = the cores, cheap parallel setup, ``work_mem`` 256 MB), then the two
  aggregates.
* **geopandas**: ``sjoin(predicate="dwithin")``, shapely distances of the pairs, ``groupby``, and
  ``sjoin_nearest`` for the nearest facility (:func:`geopandas_way`).

The machine's load average is printed at the start and the end: the figures are only comparable within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

RINGS = [500, 1000, 3000, 5000]
PEERS = ["ecotown", "duckdb", "postgis", "geopandas"]
#: ST_DWithin's distance: a pair at 5000.0004 m is at 5000.000 m as written and belongs in the last ring
REACH = RINGS[-1] + 0.001

_COUNTS = ", ".join(f"count(*) FILTER (WHERE d <= {r}) AS within_{r}" for r in RINGS)
_POPS = ", ".join(f"coalesce(sum(pop) FILTER (WHERE d <= {r}), 0) AS pop_{r}" for r in RINGS)

#: DuckDB: the pairs through the spatial join operator and, in the same pass, one aggregate per side by
#: GROUPING SETS (no pair table; integer row ids, the string ids joined back on the few result rows). A pair a
#: fraction of a millimetre beyond the last ring is in the join and in no ring's count: the FILTERs read the
#: rounded distance. Villages without a facility within reach (none at these densities) would take their nearest
#: facility from DUCKDB_FAR, a scan of all facilities for them alone.
DUCKDB_SQL = f"""WITH pairs AS (
  SELECT f.rowid AS fi, v.rowid AS vi, v.population AS pop, round(ST_Distance(f.geom, v.geom), 3) AS d
  FROM fac AS f JOIN vil AS v ON ST_DWithin(f.geom, v.geom, {REACH}))
SELECT fi, vi, {_COUNTS}, min(d) AS nearest_m, {_POPS}
FROM pairs GROUP BY GROUPING SETS ((vi), (fi))"""
DUCKDB_FAR = """SELECT v.rowid AS vi, min(round(ST_Distance(f.geom, v.geom), 3)) AS nearest_m
  FROM (SELECT rowid, geom FROM vil WHERE rowid IN ({rows})) AS v CROSS JOIN fac AS f GROUP BY v.rowid"""

#: PostGIS: the same, the pairs into an unlogged table (CREATE TABLE AS runs its SELECT in parallel; a temporary
#: table would not), rounding as float8 (numeric would be slower and no more exact here)
POSTGIS_SQL = [
    "DROP TABLE IF EXISTS pairs",
    f"""CREATE UNLOGGED TABLE pairs AS
  SELECT f.id AS fid, v.id AS vid, v.population AS pop, round(ST_Distance(f.geom, v.geom) * 1000) / 1000 AS d
  FROM fac AS f JOIN vil AS v ON ST_DWithin(f.geom, v.geom, {REACH})""",
    f"""SELECT vid, {_COUNTS}, min(d) AS nearest_m FROM pairs GROUP BY vid""",
    f"""SELECT fid, {_POPS} FROM pairs GROUP BY fid""",
    """SELECT v.id AS vid, min(round(ST_Distance(f.geom, v.geom) * 1000) / 1000) AS nearest_m
  FROM vil AS v CROSS JOIN fac AS f WHERE NOT EXISTS (SELECT 1 FROM pairs p WHERE p.vid = v.id) GROUP BY v.id""",
]
#: the session's tuning: parallel workers up to the cores, and parallel plans made cheap enough that the planner
#: takes them for these joins (its defaults keep tables of this size on one process); no JIT for one query
POSTGIS_SETTINGS = ["SET max_parallel_workers_per_gather = {cores}", "SET max_parallel_workers = {cores}",
                    "SET parallel_setup_cost = 10", "SET parallel_tuple_cost = 0.001",
                    "SET min_parallel_table_scan_size = 0", "SET work_mem = '256MB'", "SET jit = off"]


# ------------------------------------------------------------------------------------------------ reading
def read_layers(gpkg: Path):
    """(facilities, villages) GeoDataFrames as every Python peer reads them: factories and mines in one table
    (``facility_id``, ``kind``), villages with ``community_id`` and ``population``."""
    import geopandas as gpd
    import pandas as pd

    fac = gpd.read_file(gpkg, layer="factories", engine="pyogrio")
    mines = gpd.read_file(gpkg, layer="mines", engine="pyogrio")
    vill = gpd.read_file(gpkg, layer="villages", engine="pyogrio")
    f = gpd.GeoDataFrame({"facility_id": pd.concat([fac["reg_no"], mines["licence"]], ignore_index=True),
                          "kind": ["factory"] * len(fac) + ["mine"] * len(mines)},
                         geometry=pd.concat([fac.geometry, mines.geometry], ignore_index=True).values, crs=fac.crs)
    c = gpd.GeoDataFrame({"community_id": vill["vill_code"], "population": vill["population"]},
                         geometry=vill.geometry.values, crs=vill.crs)
    return f, c


def _result(vids, counts, nearest, fids, pops) -> dict[str, np.ndarray]:
    """Results in a common form: rows in id order."""
    vo, fo = np.argsort(np.asarray(vids, dtype=str)), np.argsort(np.asarray(fids, dtype=str))
    return {"village": np.asarray(vids, dtype=str)[vo], "counts": np.asarray(counts, dtype=np.int64)[vo],
            "nearest_m": np.asarray(nearest, dtype=float)[vo], "facility": np.asarray(fids, dtype=str)[fo],
            "pops": np.asarray(pops, dtype=float)[fo]}


def _from_tables(all_v, all_f, com_rows, fac_rows, far_rows) -> dict[str, np.ndarray]:
    """Results from the GROUP BY rows of a SQL peer: every village and facility, zero where it has no pair."""
    vpos = {v: i for i, v in enumerate(all_v)}
    fpos = {f: i for i, f in enumerate(all_f)}
    counts = np.zeros((len(all_v), len(RINGS)), dtype=np.int64)
    nearest = np.full(len(all_v), np.nan)
    for row in com_rows:
        i = vpos[row[0]]
        counts[i] = row[1:1 + len(RINGS)]
        nearest[i] = row[-1]
    for vid, d in far_rows:
        nearest[vpos[vid]] = d
    pops = np.zeros((len(all_f), len(RINGS)))
    for row in fac_rows:
        pops[fpos[row[0]]] = row[1:]
    return _result(all_v, counts, nearest, all_f, pops)


# ------------------------------------------------------------------------------------------------ the peers
def ecotown_worker(gpkg: Path) -> tuple[list[float], dict[str, np.ndarray], dict]:
    import geo

    fac, vill = read_layers(gpkg)

    def call(bearing: bool):
        m = geo.exposure_matrix(fac, vill, RINGS, bearing=bearing)
        ce = geo.community_exposure(m, vill, RINGS, facilities=fac)
        fe = geo.facility_exposure(m, vill, RINGS, facilities=fac)
        return ce, fe

    times = []
    for _ in range(2):
        t, c = time.perf_counter(), time.process_time()
        ce, fe = call(bearing=False)
        times.append((time.perf_counter() - t, time.process_time() - c))
    t = time.perf_counter()
    call(bearing=True)
    extra = {"with_bearing_s": time.perf_counter() - t}
    res = _result(ce.index, ce[[f"fac_within_{r}" for r in RINGS]].to_numpy(), ce["nearest_facility_m"].to_numpy(),
                  fe.index, fe[[f"pop_within_{r}" for r in RINGS]].to_numpy())
    return times, res, extra


def duckdb_extension() -> str:
    import duckdb_extension_spatial

    return os.path.join(os.path.dirname(duckdb_extension_spatial.__file__), "extensions", "v1.5.5",
                        "spatial.duckdb_extension")


def duckdb_worker(gpkg: Path, show: bool = False) -> tuple[list[float], dict[str, np.ndarray], dict]:
    import duckdb

    con = duckdb.connect()
    con.execute(f"LOAD '{duckdb_extension()}'")
    con.execute(f"SET threads = {os.cpu_count()}")
    g = str(gpkg).replace("'", "''")
    con.execute(f"""CREATE TABLE fac AS SELECT reg_no AS id, geom FROM ST_Read('{g}', layer='factories')
                    UNION ALL SELECT licence AS id, geom FROM ST_Read('{g}', layer='mines')""")
    con.execute(f"CREATE TABLE vil AS SELECT vill_code AS id, population, geom FROM ST_Read('{g}', layer='villages')")
    all_v = np.array([r[0] for r in con.execute("SELECT id FROM vil ORDER BY rowid").fetchall()], dtype=object)
    all_f = np.array([r[0] for r in con.execute("SELECT id FROM fac ORDER BY rowid").fetchall()], dtype=object)
    extra = {"version": duckdb.__version__}
    if show:
        extra["plan"] = con.execute("EXPLAIN " + DUCKDB_SQL).fetchall()[0][1]
    times = []
    for _ in range(2):
        t, c = time.perf_counter(), time.process_time()
        res = con.execute(DUCKDB_SQL).fetchnumpy()
        by_v = ~np.ma.getmaskarray(res["vi"]) if np.ma.isMaskedArray(res["vi"]) else ~np.isnan(res["vi"])
        seen = np.zeros(len(all_v), dtype=bool)
        seen[np.asarray(res["vi"][by_v], dtype=np.int64)] = True
        far = []
        if not seen.all():  # villages without a pair: their nearest facility by a scan, for them alone
            rows = ", ".join(str(i) for i in np.flatnonzero(~seen))
            far = con.execute(DUCKDB_FAR.format(rows=rows)).fetchall()
        times.append((time.perf_counter() - t, time.process_time() - c))
    cols = [f"within_{r}" for r in RINGS]
    vi = np.asarray(res["vi"][by_v], dtype=np.int64)
    com = [(all_v[i], *[int(res[k][by_v][j]) for k in cols], float(res["nearest_m"][by_v][j]))
           for j, i in enumerate(vi)]
    fi = np.asarray(res["fi"][~by_v], dtype=np.int64)
    fac = [(all_f[i], *[float(res[f"pop_{r}"][~by_v][j]) for r in RINGS]) for j, i in enumerate(fi)]
    far = [(all_v[int(i)], d) for i, d in far]
    return times, _from_tables(list(all_v), list(all_f), com, fac, far), extra


def postgis_worker(socket_dir: str, show: bool = False) -> tuple[list[float], dict[str, np.ndarray], dict]:
    import psycopg

    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as con:
        cur = con.cursor()
        for s in POSTGIS_SETTINGS:
            cur.execute(s.format(cores=os.cpu_count()))
        all_v = [r[0] for r in cur.execute("SELECT id FROM vil").fetchall()]
        all_f = [r[0] for r in cur.execute("SELECT id FROM fac").fetchall()]
        extra = {"version": cur.execute("SELECT postgis_lib_version() || ' on ' || version()").fetchone()[0]}
        if show:
            select = POSTGIS_SQL[1].split(" AS\n", 1)[1]
            extra["plan"] = "\n".join(r[0] for r in cur.execute("EXPLAIN " + select).fetchall())
        times = []
        for _ in range(2):
            t, c = time.perf_counter(), time.process_time()
            cur.execute(POSTGIS_SQL[0])
            cur.execute(POSTGIS_SQL[1])
            com = cur.execute(POSTGIS_SQL[2]).fetchall()
            fac = cur.execute(POSTGIS_SQL[3]).fetchall()
            far = cur.execute(POSTGIS_SQL[4]).fetchall()
            times.append((time.perf_counter() - t, time.process_time() - c))
        cur.execute(POSTGIS_SQL[0])
    return times, _from_tables(all_v, all_f, com, fac, far), extra


def geopandas_way(fac, vill):
    """What a geopandas user would write: the pairs within reach by a spatial join (``dwithin``, STRtree), their
    distances in one vectorised call, counts and sums by ``groupby``, the nearest facility by ``sjoin_nearest``."""
    import geopandas as gpd
    import pandas as pd

    v = vill[["community_id", "population", "geometry"]]
    pairs = gpd.sjoin(v, fac[["facility_id", "geometry"]], predicate="dwithin", distance=REACH)
    d = pairs.geometry.distance(fac.geometry.iloc[pairs["index_right"].to_numpy()], align=False).round(3)
    pairs = pairs.assign(d=d.to_numpy())[["community_id", "facility_id", "population", "d"]]
    pairs = pairs[pairs["d"] <= RINGS[-1]]
    within = pd.DataFrame({r: pairs["d"] <= r for r in RINGS})
    counts = within.groupby(pairs["community_id"]).sum().reindex(vill["community_id"], fill_value=0)
    pops = within.mul(pairs["population"], axis=0).groupby(pairs["facility_id"]).sum() \
        .reindex(fac["facility_id"], fill_value=0)
    near = gpd.sjoin_nearest(v, fac[["facility_id", "geometry"]], distance_col="d")
    nearest = near.groupby("community_id")["d"].min().round(3).reindex(vill["community_id"])
    return counts, nearest, pops


def geopandas_worker(gpkg: Path) -> tuple[list[float], dict[str, np.ndarray], dict]:
    fac, vill = read_layers(gpkg)
    times = []
    for _ in range(2):
        t, c = time.perf_counter(), time.process_time()
        counts, nearest, pops = geopandas_way(fac, vill)
        times.append((time.perf_counter() - t, time.process_time() - c))
    import geopandas

    res = _result(counts.index, counts.to_numpy(), nearest.to_numpy(), pops.index, pops.to_numpy())
    return times, res, {"version": geopandas.__version__}


# ------------------------------------------------------------------------------------------------ driver
def worker(args) -> None:
    """One fresh process: one peer, one scale; prints its times as JSON and saves its results."""
    gpkg = Path(args.gpkg)
    if args.worker == "ecotown":
        times, res, extra = ecotown_worker(gpkg)
    elif args.worker == "duckdb":
        times, res, extra = duckdb_worker(gpkg, args.show_sql)
    elif args.worker == "postgis":
        times, res, extra = postgis_worker(args.pg_socket, args.show_sql)
    else:
        times, res, extra = geopandas_worker(gpkg)
    np.savez(args.out, **res)
    print(json.dumps({"times": times, **extra}))


def run_worker(peer: str, gpkg: Path, out: Path, pg_socket: str | None, show: bool) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", peer, "--gpkg", str(gpkg), "--out", str(out)]
    if pg_socket:
        cmd += ["--pg-socket", pg_socket]
    if show:
        cmd.append("--show-sql")
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=str(Path(__file__).resolve().parents[1]))
    if r.returncode:
        sys.exit(f"{peer} failed on {gpkg}:\n{r.stdout}\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def compare(ref_name: str, ref: dict, name: str, got: dict) -> list[str]:
    """Differences between two peers' results, cell by cell (empty when equal)."""
    out = []
    for k in ("village", "facility"):
        if not np.array_equal(ref[k], got[k]):
            return [f"{name}: its {k} ids differ from {ref_name}'s"]
    for k, what, ids in (("counts", "facilities within", "village"), ("nearest_m", "nearest facility m", "village"),
                         ("pops", "people within", "facility")):
        a, b = ref[k], got[k]
        bad = ~((a == b) | (np.isnan(a) & np.isnan(b))) if a.dtype.kind == "f" else a != b
        if bad.any():
            rows = np.flatnonzero(bad.reshape(len(a), -1).any(axis=1))
            r = rows[0]
            out.append(f"{name} vs {ref_name}: {int(bad.sum())} cells of '{what}' differ, e.g. {ids} {ref[ids][r]}: "
                       f"{a[r].tolist()} vs {b[r].tolist()}")
    return out


def load(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="province,region,nation")
    ap.add_argument("--peers", default=",".join(PEERS), help=f"any of {','.join(PEERS)}")
    ap.add_argument("--runs", type=int, default=3, help="fresh processes per peer and scale (median)")
    ap.add_argument("--data", default=None, help="folder for the seeded projects (kept; default: a temporary one)")
    ap.add_argument("--show-sql", action="store_true", help="print the SQL and the plans of DuckDB and PostGIS")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--gpkg", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--pg-socket", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args)
        return
    from tests.scale_data import SCALES, write_project

    peers = [p for p in args.peers.split(",") if p]
    unknown = set(peers) - set(PEERS)
    if unknown:
        sys.exit(f"unknown peer(s) {', '.join(sorted(unknown))}; choose from {', '.join(PEERS)}")
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  cores={os.cpu_count()}  load average at start: "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    if args.show_sql:
        print("-- DuckDB\n" + DUCKDB_SQL + ";\n-- (villages without a pair, if any)\n" + DUCKDB_FAR + ";\n-- PostGIS\n" + ";\n".join(POSTGIS_SETTINGS) + ";\n"
              + ";\n".join(POSTGIS_SQL) + ";\n", flush=True)
    tmp = tempfile.TemporaryDirectory(prefix="ecotown-peers-")
    data = Path(args.data) if args.data else Path(tmp.name)
    pg = None
    rows, failed = [], False
    try:
        if "postgis" in peers:
            from tests.postgis_cluster import PostGIS

            pg = PostGIS()
        for scale in args.scales.split(","):
            gpkg = data / scale / "layers.gpkg"
            if not gpkg.exists():
                write_project(scale, data / scale)
            if pg is not None:
                from tests.postgis_cluster import load_layers

                load_layers(pg, gpkg)
            results, times, notes = {}, {}, {}
            for run in range(args.runs):
                for peer in peers:  # peers interleaved run by run, so that a busy spell hits them alike
                    out = Path(tmp.name) / f"{scale}-{peer}-{run}.npz"
                    info = run_worker(peer, gpkg, out, pg.dir if (pg and peer == "postgis") else None,
                                      args.show_sql and run == 0)
                    times.setdefault(peer, []).append(info["times"])
                    if "with_bearing_s" in info:
                        notes.setdefault("with_bearing", []).append(info["with_bearing_s"])
                    if "plan" in info:
                        print(f"-- {peer} plan at {scale}:\n{info['plan']}", flush=True)
                    if run == 0:
                        results[peer] = load(out)
            ref = peers[0]
            for peer in peers[1:]:
                diffs = compare(ref, results[ref], peer, results[peer])
                for d in diffs:
                    print(f"DIFFERENT at {scale}: {d}", flush=True)
                failed |= bool(diffs)
            nf, nm, nv, _ = SCALES[scale]
            row = {"scale": scale, "sizes": f"{nf:,} / {nm:,} / {nv:,}",
                   "pairs": int(results[ref]["counts"][:, -1].sum()),
                   "equal": "yes" if len(peers) > 1 and not failed else ("-" if len(peers) == 1 else "NO")}
            for peer in peers:
                row[f"{peer} first"] = statistics.median(t[0][0] for t in times[peer])
                row[f"{peer} second"] = statistics.median(t[1][0] for t in times[peer])
            if notes.get("with_bearing"):
                row["ecotown with bearing"] = statistics.median(notes["with_bearing"])
            for peer in peers:  # CPU seconds of the process (all its threads); PostGIS works in its server
                if peer != "postgis":
                    row[f"{peer} cpu first/second"] = (f"{statistics.median(t[0][1] for t in times[peer]):.3f} / "
                                                       f"{statistics.median(t[1][1] for t in times[peer]):.3f}")
            rows.append(row)
            print("  ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)
    finally:
        if pg is not None:
            pg.close()
        tmp.cleanup()
    print(f"\n# median of {args.runs} fresh processes, seconds of compute (reading excluded); "
          f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}\n")
    cols = [k for k in rows[0] if k not in ("scale",)] if rows else []
    print("| scale | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for r in rows:
        print(f"| {r['scale']} | " + " | ".join(f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c])
                                                for c in cols) + " |")
    if failed:
        sys.exit("the peers' results differ (see above)")


if __name__ == "__main__":
    main()
