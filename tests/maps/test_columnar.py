"""Parquet and GeoParquet outputs (``--format ... parquet`` on ``ecotown buffer`` and ``ecotown assess``): read back by
pandas, geopandas and DuckDB (with its spatial extension) with the values, geometry and CRS of the CSV and GeoPackage
tables; the same bytes on every run; streamed in row groups; nothing partial on failure; a bad ``--format`` named.

GDAL (and so QGIS) reads GeoParquet through its Parquet driver, which the GDAL inside pyogrio's wheels and Debian 12's
GDAL 3.6 are built without, so no test here opens the files with GDAL: the test of the ``geo`` metadata checks what
that driver reads (GeoParquet 1.1: primary column, WKB encoding, geometry types, bbox, PROJJSON CRS).
"""

from __future__ import annotations

import hashlib
import json
import os

import duckdb
import duckdb_extension_spatial
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely
from pyproj import CRS
from typer.testing import CliRunner

from maps.cli.main import app
from maps.exports import parse_formats, staged_output, write_parquet
from maps.exports.columnar import GEOPARQUET_VERSION
from tests.scale_data import write_project

runner = CliRunner()
SPATIAL = os.path.join(os.path.dirname(duckdb_extension_spatial.__file__), "extensions", f"v{duckdb.__version__}",
                       "spatial.duckdb_extension")


def _duck() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.load_extension(SPATIAL)
    return con


def _digests(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _same_values(got: pd.DataFrame, want: pd.DataFrame, what: str) -> None:
    """Column by column: text equal, numbers equal to the CSV's 10 significant digits, missing where missing."""
    assert list(got.columns) == list(want.columns), what
    assert len(got) == len(want), what
    for col in want.columns:
        g, w = got[col], want[col]
        assert (g.isna().to_numpy() == w.isna().to_numpy()).all(), f"{what}.{col}: missing values differ"
        if pd.api.types.is_numeric_dtype(w) and not pd.api.types.is_bool_dtype(w):
            assert np.allclose(g.astype(float)[w.notna()], w.astype(float)[w.notna()], rtol=1e-9, atol=0), \
                f"{what}.{col}"
        else:
            assert (g[w.notna()].astype(str).to_numpy() == w[w.notna()].astype(str).to_numpy()).all(), \
                f"{what}.{col}"


@pytest.fixture(scope="module")
def buffer_runs(tmp_path_factory):
    """``ecotown buffer`` on the seeded tiny project (points and polygons), twice with all three formats and once
    with Parquet alone."""
    root = tmp_path_factory.mktemp("columnar")
    cat = write_project("tiny", root / "project")
    outs = {}
    for name, fmt in (("a", "gpkg,csv,parquet"), ("b", "parquet,csv,gpkg"), ("p", "parquet")):
        outs[name] = root / name
        r = runner.invoke(app, ["buffer", "-c", str(cat), "-q", "--format", fmt, "-o", str(outs[name])],
                          catch_exceptions=False)
        assert r.exit_code == 0, r.output
    return outs


def test_buffer_parquet_holds_the_csv_and_gpkg_tables(buffer_runs):
    out = buffer_runs["a"]
    assert {"exposure.parquet", "facilities.parquet", "communities.parquet", "exposure.csv",
            "buffer.gpkg"} <= {p.name for p in out.iterdir()}
    for stem in ("exposure", "facilities", "communities"):
        csv = pd.read_csv(out / f"{stem}.csv", encoding="utf-8-sig", dtype={"facility_id": str, "community_id": str,
                                                                             "nearest_facility_id": str})
        got = pd.read_parquet(out / f"{stem}.parquet")
        assert len(got) > 100, stem
        _same_values(got.drop(columns="geometry", errors="ignore"), csv, stem)
    # typed, not text: ids as text, distances as float64, rings and counts as int64
    ex = pq.read_schema(out / "exposure.parquet")
    assert [(f.name, str(f.type)) for f in ex] == [("facility_id", "string"), ("community_id", "string"),
                                                   ("distance_m", "double"), ("ring_m", "int64"),
                                                   ("bearing_deg", "double")]


def test_buffer_geoparquet_matches_the_geopackage(buffer_runs):
    out = buffer_runs["a"]
    for layer in ("facilities", "communities"):
        want = pyogrio.read_dataframe(out / "buffer.gpkg", layer=layer)
        got = gpd.read_parquet(out / f"{layer}.parquet")
        assert got.crs == want.crs and got.crs.to_epsg() == 32647, layer
        assert shapely.equals_exact(got.geometry.values, want.geometry.values, tolerance=0).all(), layer
        _same_values(pd.DataFrame(got.drop(columns="geometry")), pd.DataFrame(want.drop(columns="geometry")), layer)
    types = set(gpd.read_parquet(out / "facilities.parquet").geom_type)
    assert types == {"Point", "Polygon"}  # factories are points, mines polygons


def test_geo_metadata_is_geoparquet_1_1(buffer_runs):
    f = buffer_runs["a"] / "facilities.parquet"
    geo = json.loads(pq.read_metadata(f).metadata[b"geo"])
    assert geo["version"] == GEOPARQUET_VERSION == "1.1.0" and geo["primary_column"] == "geometry"
    col = geo["columns"]["geometry"]
    assert col["encoding"] == "WKB" and col["geometry_types"] == ["Point", "Polygon"]
    assert CRS.from_json_dict(col["crs"]).to_epsg() == 32647
    g = gpd.read_parquet(f)
    assert col["bbox"] == pytest.approx(list(g.total_bounds), abs=0)
    assert str(pq.read_schema(f).field("geometry").type) == "binary"
    assert b"geo" not in pq.read_metadata(buffer_runs["a"] / "exposure.parquet").metadata


def test_duckdb_reads_values_geometry_and_crs(buffer_runs):
    out = buffer_runs["a"]
    con = _duck()
    fac = pyogrio.read_dataframe(out / "buffer.gpkg", layer="facilities")
    rows = con.sql(f"SELECT facility_id, ST_AsWKB(geometry), ST_CRS(geometry), pop_within_5000 "
                   f"FROM read_parquet('{out / 'facilities.parquet'}') ORDER BY facility_id").fetchall()
    assert [r[0] for r in rows] == sorted(fac["facility_id"])
    byid = fac.set_index("facility_id")
    assert all(r[2] == "EPSG:32647" for r in rows)
    assert all(shapely.equals_exact(shapely.from_wkb(bytes(r[1])), byid.geometry[r[0]], tolerance=0) for r in rows)
    assert [r[3] for r in rows] == [int(byid.loc[r[0], "pop_within_5000"]) for r in rows]
    # a question a user asks of the exposure table: pairs and nearest distance per ring, as the CSV gives them
    q = con.sql(f"SELECT ring_m, count(*), min(distance_m) FROM read_parquet('{out / 'exposure.parquet'}') "
                "GROUP BY ring_m ORDER BY ring_m").fetchall()
    csv = pd.read_csv(out / "exposure.csv", encoding="utf-8-sig")
    want = csv.groupby("ring_m")["distance_m"].agg(["count", "min"])
    assert [(r[0], r[1]) for r in q] == [(int(k), int(v)) for k, v in want["count"].items()]
    assert np.allclose([r[2] for r in q], want["min"].to_numpy(), rtol=1e-9, atol=0)
    # and the spatial join back to the villages, in DuckDB alone: every pair's distance from the two GeoParquets
    d = con.sql(f"""SELECT e.distance_m, ST_Distance(f.geometry, c.geometry) FROM read_parquet('{out / 'exposure.parquet'}') e
                    JOIN read_parquet('{out / 'facilities.parquet'}') f USING (facility_id)
                    JOIN read_parquet('{out / 'communities.parquet'}') c USING (community_id)""").fetchnumpy()
    assert len(d["distance_m"]) == len(csv)
    assert np.allclose(d["distance_m"], list(d.values())[1], atol=0.01)  # the table rounds distances to 1 mm


def test_parquet_bytes_are_the_same_on_every_run(buffer_runs):
    a, b, p = (_digests(buffer_runs[k]) for k in ("a", "b", "p"))
    assert a == b  # the order of --format does not matter either
    assert {n: h for n, h in a.items() if n.endswith(".parquet")} == p


def test_parquet_alone_writes_no_csv_and_no_geopackage(buffer_runs):
    names = sorted(p.name for p in buffer_runs["p"].iterdir())
    assert names == ["communities.parquet", "exposure.parquet", "facilities.parquet", "rings.parquet"]


def test_bad_format_is_named_and_writes_nothing(tiny_town, tmp_path):
    out = tmp_path / "out"
    for cmd in (["buffer", "-c", str(tiny_town)], ["assess", "-c", str(tiny_town)]):
        r = runner.invoke(app, [*cmd, "--format", "gpkg,xlsx", "-o", str(out)])
        assert r.exit_code == 2, r.output
        text = " ".join(r.output.replace("│", " ").split())
        assert "--format" in text and "'xlsx'" in text and "gpkg, csv, parquet" in text
        assert not out.exists()
    with pytest.raises(ValueError, match="no format"):
        parse_formats(" , ")
    assert parse_formats("PARQUET, gpkg") == ("gpkg", "parquet")


def test_row_groups_stream_and_keep_every_type(tmp_path):
    n = 10_007
    rng = np.random.default_rng(7)
    df = gpd.GeoDataFrame({
        "id": pd.Categorical([f"F{i % 97:03d}" for i in range(n)]),
        "name": np.where(np.arange(n) % 5 == 0, None, "บ้านหนองโพ"),
        "count": pd.array(np.where(np.arange(n) % 7 == 0, -1, np.arange(n)), dtype="Int64"),
        "flag": pd.array([None if i % 11 == 0 else i % 2 == 0 for i in range(n)], dtype="boolean"),
        "d": rng.random(n) * 5000,
        "mixed": [1 if i % 3 == 0 else "x" for i in range(n)],
    }, geometry=gpd.points_from_xy(rng.random(n) * 1e5 + 4.5e5, rng.random(n) * 1e5 + 1.5e6), crs=32647)
    df.loc[df["count"] == -1, "count"] = pd.NA
    p = write_parquet(df, tmp_path / "t.parquet", row_group_rows=1000)
    md = pq.read_metadata(p)
    assert md.num_row_groups == 11 and md.row_group(10).num_rows == 7
    back = gpd.read_parquet(p)
    assert back.crs.to_epsg() == 32647 and shapely.equals_exact(back.geometry.values, df.geometry.values, 0).all()
    assert back["id"].astype(str).tolist() == df["id"].astype(str).tolist()
    assert back["name"].isna().sum() == (n + 4) // 5 and back["name"].dropna().eq("บ้านหนองโพ").all()
    assert back["count"].isna().tolist() == df["count"].isna().tolist()
    assert (back["count"].dropna().astype("int64").to_numpy() == df["count"].dropna().to_numpy()).all()
    assert back["flag"].isna().tolist() == df["flag"].isna().tolist()
    assert (back["d"].to_numpy() == df["d"].to_numpy()).all()  # full float64, not the CSV's 10 digits
    assert back["mixed"].tolist()[:3] == ["1", "x", "x"]
    # the same table in one row group: the same values, other bytes (the row group size is part of the file)
    one = write_parquet(df, tmp_path / "one.parquet", row_group_rows=1 << 20)
    assert pq.read_metadata(one).num_row_groups == 1 and pd.read_parquet(one).equals(pd.read_parquet(p))


def test_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "out"
    target.mkdir()
    (target / "exposure.parquet").write_bytes(b"earlier run")
    df = pd.DataFrame({"a": np.arange(5000)})
    calls = []

    def broken(self, batch, row_group_size=None):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(self, batch, row_group_size=row_group_size)
    real = pq.ParquetWriter.write_batch
    monkeypatch.setattr(pq.ParquetWriter, "write_batch", broken)
    with pytest.raises(OSError, match="disk full"):
        with staged_output(target) as tmp:
            try:
                write_parquet(df, tmp / "exposure.parquet", row_group_rows=1000)
            finally:
                assert not (tmp / "exposure.parquet").exists()  # the writer removed its partial file itself
    assert sorted(p.name for p in target.iterdir()) == ["exposure.parquet"]
    assert (target / "exposure.parquet").read_bytes() == b"earlier run"


@pytest.fixture(scope="module")
def sample_assessment():
    from criteria import run_assessment
    return run_assessment(year=2026)


def test_assess_tables_as_parquet_equal_the_csv(sample_assessment, tmp_path):
    from maps.exports import write_tables
    names = [p.name for p in write_tables(sample_assessment, tmp_path, ("csv", "parquet"))]
    assert "results.gpkg" not in names
    csvs = sorted(n for n in names if n.endswith(".csv"))
    assert "indicators.csv" in csvs and "levels.csv" in csvs
    assert sorted(n for n in names if n.endswith(".parquet")) == sorted(n[:-4] + ".parquet" for n in csvs)
    for name in csvs:
        want = pd.read_csv(tmp_path / name, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        pqt = tmp_path / name.replace(".csv", ".parquet")
        got, schema = pd.read_parquet(pqt).drop(columns="geometry", errors="ignore"), pq.read_schema(pqt)
        assert list(got.columns) == list(want.columns), name
        for col in want.columns:  # as the CSV shows it: numbers to 10 digits, missing empty; a yes/no column with
            # gaps is 1/0 in the CSV (a number beside the empty cells), True/False in Parquet (a nullable boolean)
            shown = [("" if v is None or (isinstance(v, float) and np.isnan(v)) else
                      f"{v:.10g}" if isinstance(v, float) else str(v)) for v in got[col].tolist()]
            csv_bool = {"1": "True", "0": "False"} if str(schema.field(col).type) == "bool" else {}
            assert shown == [csv_bool.get(v, v) for v in want[col]], f"{name}.{col}"
    fac = gpd.read_parquet(tmp_path / "facilities.parquet")
    assert fac.crs.to_epsg() == 32647 and len(fac) == len(sample_assessment.facilities)
    assert shapely.equals_exact(fac.geometry.values, sample_assessment.facilities.geometry.values, 0).all()


@pytest.mark.slow  # the whole assess command on the sample, in-process (about 10 s)
def test_assess_parquet_alone(tmp_path):
    out = tmp_path / "out"
    r = runner.invoke(app, ["assess", "--year", "2026", "-q", "--format", "parquet", "-o", str(out),
                            "--history", str(tmp_path / "h.sqlite")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.endswith((".csv", ".gpkg", ".qgs"))]
    assert {"indicators.parquet", "levels.parquet", "exposure.parquet", "facilities.parquet",
            "report.html", "manifest.json"} <= set(names)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["outputs"]) == names
    con = _duck()
    n = con.sql(f"SELECT count(*) FROM read_parquet('{out / 'indicators.parquet'}')").fetchone()[0]
    assert n == len(pd.read_parquet(out / "indicators.parquet")) > 0
