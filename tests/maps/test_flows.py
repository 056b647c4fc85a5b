"""Issue 17: the resource exchanges on the level map (maps/web/flows.py)."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from criteria import run_assessment
from layers.sample.generate import FACTORY_IDS
from maps.web import level_map, render_map
from maps.web.features import StyleTable
from maps.web.flows import flow_group


@pytest.fixture(scope="module")
def sample():
    return run_assessment(None, year=2026)


def test_level_map_draws_every_flow_with_width_by_tonnes_and_outside_parties_on_the_boundary(sample):
    m = level_map(sample)
    html = render_map(m)
    assert "Resource exchanges / การแลกเปลี่ยนวัสดุ" in html and "ความหนา = ตันต่อปี" in html
    sty = StyleTable()
    flows = flow_group(sample, sty, decimals=6)
    lines = [it for it in flows["items"] if it["t"] == "g" and it["g"]["type"] == "LineString"]
    assert len(lines) == len(sample.exchanges) == 13
    widths = {it["p"]["title"]: sty.styles[it["s"]]["weight"] for it in lines}
    assert widths["ไอน้ำ (process steam)"] > widths["ชานอ้อย (bagasse)"] > widths["แกลบ (rice husk)"]
    parties = [it for it in flows["items"] if it["t"] == "c"]
    assert sorted(it["p"]["title"] for it in parties) == sorted({"ชาวไร่อ้อยรอบตำบลหนองโพ",
                                                                 "เกษตรกรผู้ปลูกอ้อย (ปรับปรุงดิน)"})
    b = sample.context["boundary"].to_crs("EPSG:4326").geometry.iloc[0].boundary
    for it in parties:  # each outside party sits on the town boundary
        assert b.distance(Point(it["ll"][1], it["ll"][0])) < 1e-4


def test_flow_popups_carry_text_never_markup(sample):
    a, saved = sample, sample.exchanges
    a.exchanges = saved.copy()
    a.exchanges.loc[0, "material"] = "<img src=x onerror=alert(1)>"
    try:
        html = render_map(level_map(a))
    finally:
        a.exchanges = saved
    assert "<img src=x" not in html
    assert FACTORY_IDS["F01"] in html


def test_annual_report_sankey_has_a_band_per_flow_and_none_without_exchanges(sample):
    from matplotlib.patches import PathPatch

    from maps.report import figures  # noqa: F401 - picks the Agg backend first
    from maps.report.flows_figure import flows_figure
    fig = flows_figure(sample, "th")
    bands = [p for p in fig.axes[0].patches if isinstance(p, PathPatch)]
    assert len(bands) == len(sample.exchanges)
    labels = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "น้ำตาลหนองโพ  902,000" in labels and "ผู้ส่ง" in labels
    sample.exchanges, saved = None, sample.exchanges
    try:
        assert flows_figure(sample, "th") is None
    finally:
        sample.exchanges = saved
