"""The work of ``ecotown buffer`` as a DuckDB user would script it: from the same GeoPackage to the same tables.

    python tests/peers/duckdb_buffer.py LAYERS.gpkg OUT_DIR [--light] [--threads N] [--show-sql]

Reads factories, mines (polygons) and villages (points) with ST_Read, joins them with ``ST_DWithin`` (DuckDB's
SPATIAL_JOIN operator builds an R-tree on the fly) and writes with COPY the three CSV tables of ``ecotown buffer
--format csv``, every column computed the way ecotown defines it (``geo/proximity.py``, ``geo/exposure.py``,
``maps/exports/buffer.py``):

* ``exposure.csv``: every pair whose distance (geometry to geometry: to a mine's edge, 0 inside it), rounded to
  the millimetre half to even as numpy rounds, is within the last ring (a village 5000.0004 m away is at 5000 m);
  ``ring_m`` the smallest ring holding it; ``bearing_deg`` (0.01 degree, clockwise from grid north, [0, 360)) from
  the facility's nearest point to the village (``ST_ShortestLine``), from a mine's centroid when the village lies
  inside or on its edge;
* ``facilities.csv``: id, kind, layer, name, category, then per ring people, households, villages and villages of
  unknown population within it, receptors within it, the nearest village's distance (over all villages when none
  is within the last ring) and the population method (``point``);
* ``communities.csv``: id, layer, name, population, households, population method, facilities within each ring,
  the nearest facility (id and distance, over all facilities when none is within the last ring; ties to the
  smallest id) and the burden (sum of 1 / max(distance in km, 0.1) over facilities within 5 km, to 1e-6).

Both sides' sums come from one pass over the pairs (``GROUPING SETS`` with ``FILTER`` aggregates); the few rows
with nothing within the last ring get their nearest feature from a join of those rows with the whole other
layer. Files start with a UTF-8 BOM, as ecotown's do (the first column's header carries it).

Layer, field and catalog names are those of ``tests/scale_data.py`` (catalog layers factories, mines, villages;
ids reg_no, licence, vill_code). Households are read when the villages layer has the field (else unknown, so the
sums are 0, as ecotown writes them). The script measures point villages only (ecotown's ``point`` method; village
polygons would need its areal shares) and refuses a GeoPackage with a receptors layer (it would have to count
them, per kind); unlike ecotown it does not check field values against their role.

``--light`` runs the earlier, lighter script instead (fewer columns: no layer, name, category, households,
unknown populations, receptors, population method or burden; bearings from the mine's centroid; nearest
distances only within the last ring; no BOM), kept so that both figures can be printed.

It is the peer of ``tests/bench_commands.py``, which compares every column of the three files with ecotown's.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

RINGS = [500, 1000, 3000, 5000]
#: ecotown's burden: facilities within this distance, each 1 / max(km, MIN_KM)
BURDEN_RADIUS_M = 5000
MIN_KM = 0.1
BOM = "\ufeff"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def full_sql(gpkg: str, out: str, households: bool = False) -> list[str]:
    """The statements writing ecotown's three tables. ``households``: the villages layer has that field."""
    q = "'" + gpkg.replace("'", "''") + "'"
    o = out.replace("'", "''")
    last = RINGS[-1]
    ring = "CASE " + " ".join(f"WHEN d <= {r} THEN {r}" for r in RINGS) + " END"
    hh = "households::BIGINT" if households else "NULL::BIGINT"
    # one pass, both sides: the facility side reads pop/hh/unk/n and nearest_m; the community side n, the
    # nearest facility and the burden (the aggregates the other side does not read cost little)
    aggs = ",\n       ".join(
        f"sum(population) FILTER (WHERE d <= {r}) AS pop_{r}, sum(households) FILTER (WHERE d <= {r}) AS hh_{r}, "
        f"count(*) FILTER (WHERE d <= {r}) AS n_{r}, "
        f"count(*) FILTER (WHERE d <= {r} AND population IS NULL) AS unk_{r}" for r in RINGS)
    fac_cols = ",\n       ".join(
        f"coalesce(s.pop_{r}, 0) AS pop_within_{r}, coalesce(s.hh_{r}, 0) AS hh_within_{r}, "
        f"coalesce(s.n_{r}, 0) AS villages_within_{r}, coalesce(s.unk_{r}, 0) AS pop_unknown_within_{r}"
        for r in RINGS)
    rec_cols = ", ".join(f"0 AS receptors_within_{r}" for r in RINGS)
    com_cols = ", ".join(f"coalesce(s.n_{r}, 0) AS fac_within_{r}" for r in RINGS)
    return [
        # each side numbered in id order (fr, vr): the tables are written in that order, and integers sort faster
        # than the ids' text
        f"""CREATE TABLE fac AS
SELECT *, row_number() OVER (ORDER BY facility_id) AS fr FROM (
  SELECT reg_no AS facility_id, 'factory' AS kind, 'factories' AS layer, name, category, geom,
         true AS point, ST_X(geom) AS cx, ST_Y(geom) AS cy
  FROM ST_Read({q}, layer = 'factories')
  UNION ALL
  SELECT licence, 'mine', 'mines', name, NULL, geom, false, ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom))
  FROM ST_Read({q}, layer = 'mines'))""",
        f"""CREATE TABLE vil AS
SELECT vill_code AS community_id, 'villages' AS layer, name, population::BIGINT AS population, {hh} AS households,
       geom, ST_X(geom) AS vx, ST_Y(geom) AS vy, row_number() OVER (ORDER BY vill_code) AS vr
FROM ST_Read({q}, layer = 'villages')""",
        # the join: ST_DWithin a hair past the last ring (a pair at 5000.0004 m rounds to 5000), the distance
        # rounded half to even to the millimetre as numpy rounds; the bearing from the nearest point of a mine's
        # polygon (ST_ShortestLine; its centroid when the village is inside or on the edge) or from the factory,
        # numpy's arctan2 in degrees in [0, 360), rounded half to even to 0.01, 360 -> 0
        f"""CREATE TABLE pairs AS
SELECT facility_id, community_id, fr, vr, population, households, d, ring_m, bearing_deg FROM (
WITH j AS (
  SELECT f.facility_id, v.community_id, f.fr, v.vr, v.population, v.households, v.vx, v.vy, f.cx, f.cy,
         ST_Distance(f.geom, v.geom) AS raw,
         CASE WHEN NOT f.point THEN ST_StartPoint(ST_ShortestLine(f.geom, v.geom)) END AS near
  FROM fac f JOIN vil v ON ST_DWithin(f.geom, v.geom, {last + 0.0005})
)
SELECT facility_id, community_id, fr, vr, population, households,
       round_even(raw, 3) AS d,
       {ring} AS ring_m,
       CASE WHEN near IS NULL OR raw = 0 THEN cx ELSE ST_X(near) END AS ox,
       CASE WHEN near IS NULL OR raw = 0 THEN cy ELSE ST_Y(near) END AS oy,
       degrees(atan2(vx - ox, vy - oy)) AS a,
       round_even(CASE WHEN a < 0 THEN a + 360 ELSE a END, 2) AS b,
       CASE WHEN b >= 360 THEN 0.0 ELSE b END AS bearing_deg
FROM j
WHERE d <= {last})""",
        f"""COPY (SELECT facility_id AS "{BOM}facility_id", community_id, d AS distance_m, ring_m, bearing_deg
      FROM pairs ORDER BY fr, vr) TO '{o}/exposure.csv' (HEADER)""",
        f"""CREATE TABLE sums AS
SELECT facility_id, community_id,
       {aggs},
       min(d) AS nearest_m,
       arg_min(facility_id, (d, facility_id)) AS nearest_facility_id,
       sum(1.0 / greatest(d / 1000.0, {MIN_KM})) FILTER (WHERE d <= {BURDEN_RADIUS_M}) AS burden
FROM pairs GROUP BY GROUPING SETS ((facility_id), (community_id))""",
        # rows with nothing within the last ring: the nearest over the whole other layer (ties: smallest id)
        """CREATE TABLE far_f AS
SELECT f.facility_id, round_even(min(ST_Distance(f.geom, v.geom)), 3) AS m
FROM (SELECT * FROM fac ANTI JOIN sums USING (facility_id)) f CROSS JOIN vil v GROUP BY f.facility_id""",
        """CREATE TABLE far_c AS
SELECT community_id, arg_min(facility_id, (raw, facility_id)) AS id, round_even(min(raw), 3) AS m
FROM (SELECT v.community_id, f.facility_id, ST_Distance(f.geom, v.geom) AS raw
      FROM (SELECT * FROM vil ANTI JOIN sums USING (community_id)) v CROSS JOIN fac f)
GROUP BY community_id""",
        f"""COPY (SELECT f.facility_id AS "{BOM}facility_id", f.kind, f.layer, f.name, f.category,
       {fac_cols},
       {rec_cols},
       coalesce(s.nearest_m, x.m) AS nearest_community_m, 'point' AS population_method
      FROM fac f LEFT JOIN sums s ON s.facility_id = f.facility_id LEFT JOIN far_f x ON x.facility_id = f.facility_id
      ORDER BY f.fr)
TO '{o}/facilities.csv' (HEADER)""",
        f"""COPY (SELECT v.community_id AS "{BOM}community_id", v.layer, v.name, v.population, v.households,
       'point' AS population_method, {com_cols},
       coalesce(s.nearest_facility_id, x.id) AS nearest_facility_id,
       coalesce(s.nearest_m, x.m) AS nearest_facility_m,
       round(coalesce(s.burden, 0), 6) AS burden
      FROM vil v LEFT JOIN sums s ON s.community_id = v.community_id
           LEFT JOIN far_c x ON x.community_id = v.community_id
      ORDER BY v.vr)
TO '{o}/communities.csv' (HEADER)""",
    ]


def light_sql(gpkg: str, out: str) -> list[str]:
    """The earlier, lighter script: fewer columns (see the module's docstring)."""
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


def sql(gpkg: str, out: str, light: bool = False, households: bool = False) -> list[str]:
    return light_sql(gpkg, out) if light else full_sql(gpkg, out, households)


def layer_facts(con, gpkg: str) -> bool:
    """Whether the villages layer has households; refuses what the script does not measure as ecotown does."""
    q = "'" + gpkg.replace("'", "''") + "'"
    layers = {lay["name"]: lay for lay in con.execute(f"SELECT layers FROM ST_Read_Meta({q})").fetchone()[0]}
    for need in ("factories", "mines", "villages"):
        if need not in layers:
            raise SystemExit(f"{gpkg}: no layer '{need}' (layers: {', '.join(layers)})")
    if "receptors" in layers:
        raise SystemExit(f"{gpkg}: layer 'receptors': this script does not count receptors (ecotown does)")
    gtypes = {g["type"] for g in layers["villages"]["geometry_fields"]}
    if gtypes != {"Point"}:
        raise SystemExit(f"{gpkg}: layer 'villages' is {', '.join(sorted(gtypes))}: this script measures point "
                         "villages only (ecotown's areal shares of village polygons are not scripted)")
    return any(f["name"] == "households" for f in layers["villages"]["fields"])


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
    ap.add_argument("--light", action="store_true",
                    help="the earlier, lighter script (fewer columns, bearings from centroids)")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--show-sql", action="store_true")
    a = ap.parse_args(argv)
    Path(a.out).mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    con = connect(a.threads)
    gpkg = str(Path(a.gpkg).resolve())
    households = False if a.light else layer_facts(con, gpkg)
    for stmt in sql(gpkg, str(Path(a.out).resolve()), light=a.light, households=households):
        if a.show_sql:
            print(stmt + ";\n")
        con.execute(stmt)
    print(f"duckdb{' --light' if a.light else ''} {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
