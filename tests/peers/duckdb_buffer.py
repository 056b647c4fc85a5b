"""The work of ``ecotown buffer`` as a DuckDB user would script it: from the same GeoPackage to the same tables.

    python tests/peers/duckdb_buffer.py LAYERS.gpkg OUT_DIR [--threads N] [--show-sql]

Reads factories, mines (polygons) and villages with ST_Read, joins them with ``ST_DWithin`` (DuckDB's
SPATIAL_JOIN operator builds an R-tree on the fly) with ecotown's rule (a pair counts when its distance, rounded to
the millimetre as written, is within the ring: a village 5000.000006 m away is at 5000 m), and writes ``exposure.csv`` (pairs within 5 km: distance to
the facility's edge, ring, bearing), ``facilities.csv`` (people and villages within each ring, nearest village)
and ``communities.csv`` (facilities within each ring, nearest facility) with COPY. Layer and field names are those
of ``tests/scale_data.py``. It is the peer of ``tests/bench_commands.py``; it computes fewer columns than ecotown
(no households, unknown populations, receptors or burden).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

RINGS = [500, 1000, 3000, 5000]


def sql(gpkg: str, out: str) -> list[str]:
    q = "'" + gpkg.replace("'", "''") + "'"
    o = out.replace("'", "''")
    ring = "CASE " + " ".join(f"WHEN d <= {r} THEN {r}" for r in RINGS) + " END"
    fac_cols = ",\n       ".join(
        f"coalesce(sum(p.population) FILTER (WHERE p.d <= {r}), 0) AS pop_within_{r}, "
        f"count(p.community_id) FILTER (WHERE p.d <= {r}) AS villages_within_{r}" for r in RINGS)
    com_cols = ",\n       ".join(f"count(p.facility_id) FILTER (WHERE p.d <= {r}) AS fac_within_{r}" for r in RINGS)
    return [
        f"""CREATE TABLE fac AS
SELECT reg_no AS facility_id, 'factory' AS kind, geom FROM ST_Read({q}, layer = 'factories')
UNION ALL
SELECT licence, 'mine', geom FROM ST_Read({q}, layer = 'mines')""",
        f"CREATE TABLE vil AS SELECT vill_code AS community_id, population, geom FROM ST_Read({q}, layer = 'villages')",
        f"""CREATE TABLE pairs AS
SELECT f.facility_id, v.community_id, round(ST_Distance(f.geom, v.geom), 3) AS d, v.population,
       (degrees(atan2(ST_X(v.geom) - ST_X(ST_Centroid(f.geom)), ST_Y(v.geom) - ST_Y(ST_Centroid(f.geom)))) + 360) % 360
         AS bearing_deg
FROM fac f JOIN vil v ON ST_DWithin(f.geom, v.geom, {RINGS[-1] + 0.0005})""",
        # a filter on the rounded distance in the same query would keep DuckDB from its SPATIAL_JOIN (15 s, not 1)
        f"DELETE FROM pairs WHERE d > {RINGS[-1]}",
        f"""COPY (SELECT facility_id, community_id, d AS distance_m, {ring} AS ring_m,
             round(bearing_deg, 2) AS bearing_deg
      FROM pairs ORDER BY facility_id, community_id) TO '{o}/exposure.csv' (HEADER)""",
        f"""COPY (SELECT f.facility_id, f.kind,
       {fac_cols},
       round(min(p.d), 3) AS nearest_community_m
      FROM fac f LEFT JOIN pairs p USING (facility_id) GROUP BY f.facility_id, f.kind ORDER BY f.facility_id)
TO '{o}/facilities.csv' (HEADER)""",
        f"""COPY (SELECT v.community_id, v.population,
       {com_cols},
       arg_min(p.facility_id, p.d) AS nearest_facility_id, round(min(p.d), 3) AS nearest_facility_m
      FROM vil v LEFT JOIN pairs p USING (community_id) GROUP BY v.community_id, v.population
      ORDER BY v.community_id)
TO '{o}/communities.csv' (HEADER)""",
    ]


def connect(threads: int | None = None):
    import duckdb
    import duckdb_extension_spatial

    con = duckdb.connect()
    ext = Path(duckdb_extension_spatial.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    con.execute(f"LOAD '{ext / 'spatial.duckdb_extension'}'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gpkg")
    ap.add_argument("out")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--show-sql", action="store_true")
    a = ap.parse_args(argv)
    Path(a.out).mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    con = connect(a.threads)
    for stmt in sql(str(Path(a.gpkg).resolve()), str(Path(a.out).resolve())):
        if a.show_sql:
            print(stmt + ";\n")
        con.execute(stmt)
    print(f"duckdb {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
