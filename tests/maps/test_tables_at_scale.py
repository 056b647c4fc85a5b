"""What changes in the written tables when a run is large: results.gpkg leaves the ring polygons out beyond
RING_POLYGONS_MAX (and results.qgs does not list them); the Arrow writer stores what the row-wise one did."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point

from criteria import run_assessment
from maps.exports import files, tables
from maps.exports.qgis_project import project_xml


@pytest.fixture(scope="module")
def sample():
    return run_assessment(None, year=2026)


def _layers(gpkg):
    con = sqlite3.connect(gpkg)
    try:
        return {r[0] for r in con.execute("SELECT table_name FROM gpkg_contents")}
    finally:
        con.close()


def test_ring_polygons_written_up_to_the_limit_only(sample, tmp_path, monkeypatch):
    n = len(sample.rings)
    assert n > 0
    small = tmp_path / "small"
    small.mkdir()
    tables.write_tables(sample, small)
    assert "rings" in _layers(small / "results.gpkg")
    assert "layername=rings" in project_xml(sample)

    monkeypatch.setattr(tables, "RING_POLYGONS_MAX", n - 1)
    large = tmp_path / "large"
    large.mkdir()
    tables.write_tables(sample, large)
    got = _layers(large / "results.gpkg")
    assert "rings" not in got and {"facilities", "communities", "indicators"} <= got
    assert "layername=rings" not in project_xml(sample)
    con = sqlite3.connect(large / "results.gpkg")
    try:  # no style row for a layer that is not there
        assert "rings" not in {r[0] for r in con.execute("SELECT f_table_name FROM layer_styles")}
    finally:
        con.close()


def test_arrow_writer_keeps_the_row_wise_types_and_values(tmp_path):
    """yes/no with blanks, numbers in an object column and all-blank columns are text, as pyogrio's row-wise writer
    stored them; text, numbers and geometry unchanged."""
    df = gpd.GeoDataFrame({
        "id": ["a", "b", "c"],
        "meets": pd.Series([True, None, False], dtype=object),
        "mixed": pd.Series([1, "x", None], dtype=object),
        "blank": pd.Series([None, None, None], dtype=object),
        "v": [0.5, np.nan, 2.0],
        "n": [1, 2, 3],
    }, geometry=[Point(0, 0), Point(1, 1), Point(2, 2)], crs="EPSG:32647")
    for arrow, name in ((True, "arrow.gpkg"), (False, "rows.gpkg")):
        pyogrio.write_dataframe(files._as_text_columns(df) if arrow else df, tmp_path / name, layer="t",
                                driver="GPKG", use_arrow=arrow)
    a = sqlite3.connect(tmp_path / "arrow.gpkg")
    b = sqlite3.connect(tmp_path / "rows.gpkg")
    schema = "SELECT sql FROM sqlite_master WHERE name = 't'"
    assert a.execute(schema).fetchone() == b.execute(schema).fetchone()
    rows = "SELECT id, meets, mixed, blank, v, n, geom FROM t ORDER BY fid"
    assert a.execute(rows).fetchall() == b.execute(rows).fetchall()
    assert a.execute("SELECT meets FROM t ORDER BY fid").fetchall() == [("True",), (None,), ("False",)]
