"""GeoPackage layers are read through Arrow (layers/formats.py ARROW_FORMATS): the checked layer must be what the
row-by-row reader gives, for the sample and for the field types an office's GeoPackage holds."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

from layers import formats, inspect_layer, load_catalog, load_roles, sample_catalog_path
from tests.conftest import X0, Y0, write_catalog


def _both(spec, monkeypatch):
    arrow = inspect_layer(spec)
    monkeypatch.setattr(formats, "ARROW_FORMATS", frozenset())
    rows = inspect_layer(spec)
    monkeypatch.setattr(formats, "ARROW_FORMATS", frozenset({"GeoPackage"}))
    return arrow, rows


def _same(arrow, rows):
    assert [p.message for p in arrow.problems] == [p.message for p in rows.problems]
    if rows.gdf is None:
        assert arrow.gdf is None
        return
    pd.testing.assert_frame_equal(arrow.gdf.drop(columns="geometry"), rows.gdf.drop(columns="geometry"))
    assert arrow.gdf.geometry.geom_equals_exact(rows.gdf.geometry, tolerance=0).all()
    assert arrow.gdf.crs == rows.gdf.crs


def test_the_sample_reads_the_same_through_arrow(monkeypatch):
    cat = load_catalog(sample_catalog_path())
    gpkg = [s for s in cat.layers.values()
            if str(s.source).endswith(".gpkg") and not load_roles()[s.role].raster]
    assert len(gpkg) >= 3
    for spec in gpkg:
        _same(*_both(spec, monkeypatch))


def test_an_office_geopackage_with_yes_no_blanks_dates_and_thai_reads_the_same(tmp_path, monkeypatch):
    """Booleans with blanks (Arrow gives True/None, the row reader 1.0/NaN), whole numbers with blanks, dates,
    Thai text, a polygon: the same values after the role's checks."""
    sq = Polygon([(X0, Y0), (X0 + 300, Y0), (X0 + 300, Y0 + 200), (X0, Y0 + 200)])
    gdf = gpd.GeoDataFrame({
        "licence": ["1/2560", "2/2561", "3/2562"],
        "ชื่อ": ["เหมืองหิน ก", "เหมือง \"ข\", จำกัด", "  เหมือง ค "],
        "blasting": pd.array([True, None, False], dtype="boolean"),
        "complaints": pd.array([2, None, 0], dtype="Int64"),
        "expiry_date": [dt.date(2027, 1, 31), None, dt.date(2030, 6, 1)],
        "status": ["active", "closed", "active"],
        "area_rai": [12.5, np.nan, 3.0],
    }, geometry=[sq, sq.buffer(-20), Point(X0 + 900, Y0).buffer(50)], crs="EPSG:32647")
    gdf.to_file(tmp_path / "m.gpkg", layer="mines", driver="GPKG")
    cat = load_catalog(write_catalog(tmp_path, {"mines": {
        "role": "mines", "source": "m.gpkg", "layer": "mines", "id_field": "licence",
        "fields": {"ชื่อ": "name"}}}))
    arrow, rows = _both(cat.get("mines"), monkeypatch)
    assert not rows.errors, [p.message for p in rows.errors]
    _same(arrow, rows)
    assert [None if pd.isna(v) else bool(v) for v in arrow.gdf["blasting"]] == [True, None, False]
    assert list(arrow.gdf["complaints"].fillna(-1)) == [2, -1, 0]
    assert arrow.gdf.loc[1, "name"] == 'เหมือง "ข", จำกัด'


@pytest.mark.parametrize("bad", ["maybe", "7"])
def test_a_bad_value_is_refused_the_same_way(tmp_path, monkeypatch, bad):
    gdf = gpd.GeoDataFrame({"vid": ["A", "B"], "name": ["ก", "ข"], "population": [10, 20],
                            "in_committee": ["yes", bad]},
                           geometry=[Point(X0, Y0), Point(X0 + 10, Y0)], crs="EPSG:32647")
    gdf.to_file(tmp_path / "v.gpkg", layer="villages", driver="GPKG")
    cat = load_catalog(write_catalog(tmp_path, {"villages": {
        "role": "communities", "source": "v.gpkg", "layer": "villages", "id_field": "vid"}}))
    arrow, rows = _both(cat.get("villages"), monkeypatch)
    assert arrow.errors and "in_committee" in arrow.errors[0].message + str(arrow.errors[0].field)
    _same(arrow, rows)
