"""The buffer map's fast paths give what the plain ones give: ids to rows per distinct id, numbers sorted out
with numpy, and a map whose exposure had to be limited equal to one planned limited from the start."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from maps.web import buffer_map, render_map
from maps.style import load_styles
from maps.web.buffer_map import _reached, _row_numbers
from maps.web.features import num_column, round_geojson, round_geojsons
from maps.web.simplify import make_plan


def _plain_rows(ids: pd.Series, index: pd.Index) -> np.ndarray:
    return pd.Index(index.astype(str)).get_indexer(ids.astype(str))


def test_row_numbers_equal_the_plain_lookup():
    index = pd.Index(["F1", "F2", "00003/2560", "nan"])
    values = ["F2", "F9", None, "F1", "00003/2560", "F2"]
    for ids in (pd.Series(values, dtype="category"), pd.Series(values, dtype=object),
                pd.Series(values[:2], dtype="category"), pd.Series([], dtype="category"),
                pd.Series(pd.Categorical(["F1", None], categories=["F1", "F7"]))):
        assert _row_numbers(ids, index).tolist() == _plain_rows(ids, index).tolist()
        plain = ids.astype(str).value_counts().reindex(index.astype(str)).fillna(0).astype(int).tolist()
        assert _reached(ids, index) == plain


def test_num_column_equals_the_value_by_value_rule():
    values = [1.0, -0.0, None, float("nan"), 2.5, float("inf"), -float("inf"), 3, 0.125, "7", "x", 1e20, -4.004]
    for dec in (0, 1, 2):
        v = np.round(pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce")
                     .to_numpy(dtype=float), dec)
        plain = [None if x != x else (int(x) if x.is_integer() else x) for x in v.tolist()]
        got = num_column(values, dec)
        assert got == plain and [type(x) for x in got] == [type(x) for x in plain]


@pytest.mark.parametrize("max_bytes", [1000, 60])  # over as a whole; the exposure table alone already over
def test_limited_map_equals_one_planned_limited(tiny_town, max_bytes):
    from criteria import run_assessment

    a = run_assessment(tiny_town, year=2026)
    st = dict(load_styles())
    st["budget"] = {**st["budget"], "max_bytes": max_bytes, "exposure_rows_per_facility": 1}
    n = len(a.facilities)

    def plan():
        return make_plan(points=n + 2 * len(a.communities), subjects=n + len(a.communities),
                         rings=n * len(a.rings_m), ring_facilities=n, styles=st)

    limited_on_the_way = plan()
    first = buffer_map(a, plan=limited_on_the_way)
    assert limited_on_the_way.exposure_limited
    planned = plan()
    planned.limit_exposure(f"the data would exceed {planned.max_bytes / 1e6:g} MB")
    second = buffer_map(a, plan=planned)
    assert render_map(first) == render_map(second)


def test_round_geojsons_equals_one_by_one():
    from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon

    hole = Polygon([(100.123456789, 15.1), (100.2, 15.1), (100.2, 15.2), (100.1, 15.2)],
                   [[(100.15, 15.15), (100.16, 15.15), (100.16, 15.16)]])
    geoms = [hole, MultiPolygon([hole, Polygon([(101, 16), (101.5, 16), (101.5, 16.5)])]), Point(100.1, 15.1),
             LineString([(100, 15), (100.33333333, 15.66666666)]), None, Polygon(),
             Polygon([(1, 2, 3), (2, 2, 3), (2, 3, 3)]), GeometryCollection([Point(1.23456789, 2), hole]),
             Polygon([(-0.0000004, 0.0000006), (1, 0), (1, 1)])]
    for dec in (5, 6):
        assert json.dumps(round_geojsons(geoms, dec)) == json.dumps([round_geojson(g, dec) for g in geoms])
    assert round_geojsons([], 5) == []
