"""Level map, buffer map and report on hand-made layers: escaping, legend, features, controls, in a real browser."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Geod

from criteria import explain_table, run_assessment
from maps import buffer_map, level_map, render_report, write_map, write_report
from maps.web.features import indicator_tables
from maps.web.simplify import make_plan
from maps.style import load_styles
from tests.browser import open_map, popup

ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts"
HOSTILE = "<img src=x onerror=alert(1)>`${alert(2)}`"
PWN = "</script><script>window.__pwned=1</script>"
REG = "<b onmouseover=alert(3)>REG-1</b>"


@pytest.fixture
def hostile_town(tiny_town: Path):
    gpkg = tiny_town.parent / "town.gpkg"
    g = gpd.read_file(gpkg, layer="factories")
    g.loc[0, "name"] = HOSTILE
    g["ทะเบียนโรงงาน"] = [REG]
    g.to_file(gpkg, layer="factories", driver="GPKG")
    v = gpd.read_file(gpkg, layer="villages")
    v.loc[0, "ชื่อหมู่บ้าน"] = PWN
    v.to_file(gpkg, layer="villages", driver="GPKG")
    return run_assessment(tiny_town, year=2026)


def _no_script_ran(page, dialogs, requests, errors) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []
    assert page.locator("img[src='x']").count() == 0 and page.locator("b[onmouseover]").count() == 0
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert errors == []


def test_hostile_names_never_reach_html_as_markup(hostile_town, tmp_path):
    for build in (level_map, buffer_map):
        text = write_map(build(hostile_town), tmp_path / f"{build.__name__}.html").read_text(encoding="utf-8")
        for bad in (HOSTILE, PWN, REG, "<img src=x", "</script><script>window", "<b onmouseover"):
            assert bad not in text, (build.__name__, bad)
    report = render_report(hostile_town)
    assert HOSTILE not in report and "&lt;img src=x onerror=alert(1)&gt;" in report


@pytest.mark.parametrize("build", [level_map, buffer_map])
def test_hostile_names_show_as_text_in_popups_tooltips_and_search(hostile_town, tmp_path, browser_page, build):
    page, requests, errors = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_map(page, write_map(build(hostile_town), tmp_path / "m.html", offline=True))
    # tooltip
    page.locator("path.ecotown-factory").first.hover()
    tip = page.locator(".leaflet-tooltip")
    tip.wait_for(state="visible")
    assert HOSTILE in tip.inner_text() and tip.locator("img").count() == 0
    # popup
    page.locator("path.ecotown-factory").first.click()
    pop = popup(page)
    assert HOSTILE in pop.inner_text()
    if build is level_map:
        assert REG in pop.inner_text()
    assert pop.locator("img, b").count() == 0
    # search by name, by registry number and by the village with a script in its name
    box = page.locator(".ecotown-search input")
    for query, expect in (("img src", HOSTILE), ("REG-1", HOSTILE), ("__pwned", PWN)):
        box.fill(query)
        hits = page.locator(".ecotown-search-results li")
        assert hits.count() >= 1 and expect in hits.first.inner_text(), query
        assert page.locator(".ecotown-search-results img, .ecotown-search-results script").count() == 0
    hits.first.click()
    pop = popup(page)
    assert PWN in pop.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"hostile-{build.__name__}.png"))
    _no_script_ran(page, dialogs, requests, errors)


def test_level_map_features_legend_popups_controls(hostile_town, tmp_path, browser_page):
    a = hostile_town
    page, requests, errors = browser_page
    m = level_map(a)
    open_map(page, write_map(m, tmp_path / "level.html"))
    assert page.locator("path.ecotown-factory").count() == (a.facilities["kind"] == "factory").sum() == 1
    assert page.locator("path.ecotown-village").count() == len(a.communities) == 3
    legend = page.locator(".ecotown-legend").inner_text()
    for lv in a.edition.levels:
        assert lv.name_en in legend and lv.name_th in legend
    layers = page.locator(".leaflet-control-layers").inner_text()
    for name in ("Factories / โรงงาน", "Villages / หมู่บ้าน", "Mines and quarries", "Town boundary",
                 "Drawn from the layers (offline)", "OpenStreetMap (online)"):
        assert name in layers
    page.locator(".ecotown-minimap.leaflet-container path").first.wait_for()  # the minimap draws the boundary
    assert page.locator(".ecotown-measure a").count() == 1
    # a village popup: level badge, indicator table as explain_table gives it, gap to the next level
    page.locator("path.ecotown-village").nth(1).click()
    pop = popup(page)
    v = a.communities.iloc[1]
    text = pop.inner_text()
    assert v["name"] in text and f"Level {int(v['level'])}" in text
    table = explain_table(a, str(a.communities.index[1]))
    assert pop.locator(".ecotown-ind tr").count() == len(table) + 1
    for r in table.itertuples():
        assert r.name_en in text
    assert str(v["gap_text"]) in text if isinstance(v["gap_text"], str) and v["gap_text"] else True
    assert m.ecotown_simplified["notes"] == [] and not m.ecotown_simplified["canvas_points"]
    assert not [u for u in requests if not u.startswith(("file:", "data:"))] and errors == []


def test_buffer_map_lines_rings_and_burden_layer(hostile_town, tmp_path, browser_page):
    a = hostile_town
    page, requests, errors = browser_page
    open_map(page, write_map(buffer_map(a), tmp_path / "buffer.html"))
    layers = page.locator(".leaflet-control-layers").inner_text()
    for d in a.rings_m:
        assert f"Ring {d:,} m" in layers
    assert "Villages by proximity burden" in layers
    # factory F1: the lines go to every village within the largest ring (V1 400 m, V2 800 m, V3 4 km)
    assert page.locator("path.ecotown-line").count() == 0
    page.locator("path.ecotown-factory").first.click()
    pop = popup(page)
    assert page.locator("path.ecotown-line").count() == 3 == (a.exposure["facility_id"] == "F1").sum()
    text = pop.inner_text()
    assert "within 500 m" in text and "100 people" in text and "1 villages" in text  # V1: 100 people at 400 m
    page.evaluate("() => Object.values(window).find(v => v instanceof L.Map).closePopup()")
    assert page.locator("path.ecotown-line").count() == 0
    # the burden layer is off at first and can be ticked
    assert page.locator("path.ecotown-village-burden").count() == 0
    page.locator(".leaflet-control-layers label", has_text="proximity burden").locator("input").check()
    assert page.locator("path.ecotown-village-burden").count() == 3
    # a village popup (here from the burden layer, drawn on top) lists the facilities reaching it
    page.locator("path.ecotown-village-burden").first.click()
    pop = popup(page)
    assert "F1" in pop.inner_text() and "400 m" in pop.inner_text()
    assert not [u for u in requests if not u.startswith(("file:", "data:"))] and errors == []


def test_measure_tool_gives_the_geodesic_distance(hostile_town, tmp_path, browser_page):
    page, _requests, errors = browser_page
    open_map(page, write_map(level_map(hostile_town), tmp_path / "level.html"))
    page.locator(".ecotown-measure a").click()
    page.mouse.click(400, 600)
    page.mouse.click(700, 600)
    out = page.locator(".ecotown-measure-out").inner_text()
    ll = page.evaluate("""() => { const m = Object.values(window).find(v => v instanceof L.Map);
        const r = m.getContainer().getBoundingClientRect();
        return [m.containerPointToLatLng([400 - r.left, 600 - r.top]), m.containerPointToLatLng([700 - r.left, 600 - r.top])]; }""")
    _, _, dist = Geod(ellps="WGS84").inv(ll[0]["lng"], ll[0]["lat"], ll[1]["lng"], ll[1]["lat"])
    shown = float(out.split(":")[1].split("km")[0]) * 1000 if "km" in out else float(out.split(":")[1].split("m")[0])
    assert abs(shown - dist) / dist < 0.006, (out, dist)  # Leaflet measures on a sphere
    assert errors == []


def test_indicator_tables_match_explain_table(hostile_town):
    a = hostile_town
    ids = [str(i) for i in a.facilities.index] + [str(i) for i in a.communities.index]
    head, rows = indicator_tables(a, ids)
    for sid in ids:
        want = [[f"{r.name_th} / {r.name_en}", r.value, r.level_reached, r.next_needs]
                for r in explain_table(a, sid).itertuples()]
        assert [[head["names"][r[0]], *r[1:]] for r in rows[sid]] == want


def test_small_budget_draws_on_canvas_prunes_and_says_so(hostile_town, tmp_path, browser_page):
    a = hostile_town
    st = dict(load_styles())
    st["budget"] = {**st["budget"], "canvas_points_above": 2, "prune_tables_above": 2, "coarse_coords_above": 2}
    plan = make_plan(points=4, subjects=len(a.facilities) + len(a.communities), styles=st)
    m = level_map(a, plan=plan)
    s = m.ecotown_simplified
    assert s["canvas_points"] and s["indicator_tables_pruned"] and s["coordinate_decimals"] == 5
    assert len(s["notes"]) == 3
    page, requests, errors = browser_page
    open_map(page, write_map(m, tmp_path / "small.html"))
    assert page.locator("path.ecotown-factory").count() == 0  # drawn on the canvas
    assert page.locator(".leaflet-overlay-pane canvas").count() >= 1
    legend = page.locator(".ecotown-legend").inner_text()
    assert "Simplified for size" in legend and "canvas" in legend and "indicator tables left out" in legend
    # a canvas village still opens its popup, with level and gap but no indicator table
    xy = page.evaluate("""() => { const m = Object.values(window).find(v => v instanceof L.Map);
        const r = m.getContainer().getBoundingClientRect(); const c = %s;
        const p = m.latLngToContainerPoint(c); return [p.x + r.left, p.y + r.top]; }"""
                       % a.communities.to_crs(4326).geometry.iloc[2].coords[0][::-1].__repr__().replace("(", "[").replace(")", "]"))
    page.mouse.click(*xy)
    pop = popup(page)
    assert a.communities["name"].iloc[2] in pop.inner_text() and pop.locator(".ecotown-ind").count() == 0
    assert errors == []


def test_level_map_colours_follow_levels(hostile_town):
    html = level_map(hostile_town).get_root().render()
    colors = {lv.level: lv.color for lv in hostile_town.edition.levels}
    for lvl in hostile_town.communities["level"]:
        assert colors[int(lvl)] in html
    assert "ecotown-legend" in html and "Engagement" in html


def test_report_has_thai_and_both_eras(hostile_town, tmp_path):
    p = write_report(hostile_town, tmp_path / "report.html")
    text = p.read_text(encoding="utf-8")
    assert "พ.ศ. 2569" in text and "2026" in text
    assert "ตำบลทดสอบ" in text
    assert (p.stat().st_mode & 0o777) != 0o600  # not a private temp file
    for dim in ("Physical", "Economic", "Environmental", "Social", "Management"):
        assert dim in text


def _click_at(page, lat: float, lon: float) -> None:
    xy = page.evaluate("""(c) => { const m = Object.values(window).find(v => v instanceof L.Map);
        const r = m.getContainer().getBoundingClientRect(); const p = m.latLngToContainerPoint(c);
        return [p.x + r.left, p.y + r.top]; }""", [lat, lon])
    page.mouse.click(*xy)


def _ll(x: float, y: float) -> tuple[float, float]:
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(32647, 4326, always_xy=True).transform(x, y)
    return lat, lon


def test_small_budget_buffer_map_still_draws_and_opens_popups(hostile_town, tmp_path, browser_page):
    """A budget so small that every simplification of the buffer map is on: points and rings on canvas, outer
    rings hidden, coarse coordinates, and (the data being over 1 kB) the exposure limited to 1 village per
    facility. Features still draw, popups of canvas points and of client-drawn rings still open, and the legend
    and ``m.ecotown_simplified`` say what was simplified."""
    from tests.conftest import X0, Y0

    a = hostile_town
    st = dict(load_styles())
    st["budget"] = {**st["budget"], "canvas_points_above": 2, "canvas_rings_above": 1, "rings_hidden_above": 0,
                    "coarse_coords_above": 2, "max_bytes": 1000, "exposure_rows_per_facility": 1}
    n = len(a.facilities)
    plan = make_plan(points=n + 2 * len(a.communities), subjects=n + len(a.communities),
                     rings=n * len(a.rings_m), ring_facilities=n, styles=st)
    m = buffer_map(a, plan=plan)
    s = m.ecotown_simplified
    assert s["canvas_points"] and s["canvas_rings"] and s["outer_rings_hidden"] and s["coordinate_decimals"] == 5
    assert s["exposure_rows_per_facility"] == 1 and len(s["notes"]) == 5
    page, requests, errors = browser_page
    open_map(page, write_map(m, tmp_path / "small-buffer.html"))
    assert page.locator("path.ecotown-factory").count() == 0 and page.locator("path.ecotown-village").count() == 0
    assert page.locator(".leaflet-overlay-pane canvas").count() >= 1
    legend = page.locator(".ecotown-legend").inner_text()
    assert "Simplified for size" in legend and "rings drawn on a canvas" in legend and "nearest villages" in legend
    ring_inputs = {d: page.locator(".leaflet-control-layers label", has_text=f"Ring {d:,} m").locator("input")
                   for d in a.rings_m}
    assert [ring_inputs[d].is_checked() for d in a.rings_m] == [d == min(a.rings_m) for d in a.rings_m]
    # every subject is on the map: the search finds all of them
    assert page.evaluate("window.ecotownHandle.index.length") == len(a.facilities) + len(a.communities)
    # the factory (a canvas diamond): popup and one line, to its nearest village V1
    _click_at(page, *_ll(X0, Y0))
    pop = popup(page)
    assert HOSTILE in pop.inner_text() and "Lines show the 1 nearest of the 3 villages" in pop.inner_text()
    assert page.locator("path.ecotown-line").count() == 1
    page.evaluate("() => Object.values(window).find(v => v instanceof L.Map).closePopup()")
    # V3 (4 km west): kept only as the mine's nearest village; F1 is counted in "and 1 more"
    _click_at(page, *_ll(X0 - 4000, Y0))
    pop = popup(page)
    text = pop.inner_text()
    assert "บ้านสาม" in text and "M1" in text and "F1" not in text.split("bearing")[1] and "1 more" in text
    page.evaluate("() => Object.values(window).find(v => v instanceof L.Map).closePopup()")
    # the 500 m ring, a circle the engine drew from the facility's centre: its popup comes from the columns
    _click_at(page, *_ll(X0, Y0 - 250))
    pop = popup(page)
    text = pop.inner_text()
    assert "ring 500 m" in text and HOSTILE in text and "100" in text, text
    assert pop.locator("img").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "small-budget-buffer.png"))
    assert not [u for u in requests if not u.startswith(("file:", "data:"))] and errors == []


def test_small_budget_level_map_prunes_by_size(hostile_town, tmp_path, browser_page):
    """Over a (tiny) byte budget the level map drops the indicator tables by itself and says so."""
    a = hostile_town
    st = dict(load_styles())
    st["budget"] = {**st["budget"], "max_bytes": 1000}
    plan = make_plan(points=4, subjects=len(a.facilities) + len(a.communities), styles=st)
    m = level_map(a, plan=plan)
    assert m.ecotown_simplified["indicator_tables_pruned"] and "1000 bytes" not in str(m.ecotown_simplified)
    assert any("would exceed" in n for n in m.ecotown_simplified["notes"])
    page, _requests, errors = browser_page
    open_map(page, write_map(m, tmp_path / "small-level.html"))
    assert page.locator("path.ecotown-village").count() == 3
    page.locator("path.ecotown-village").nth(1).click()
    pop = popup(page)
    assert a.communities["name"].iloc[1] in pop.inner_text() and pop.locator(".ecotown-ind").count() == 0
    assert "Level" in pop.inner_text() and errors == []


def test_template_syntax_in_names_stays_text(tiny_town, tmp_path):
    """folium would compile an Element's text as a Jinja template: a name like {{ 7*7 }} must stay as it is."""
    gpkg = tiny_town.parent / "town.gpkg"
    v = gpd.read_file(gpkg, layer="villages")
    v.loc[0, "ชื่อหมู่บ้าน"] = "{{ 7*7 }} {% if true %}T{% endif %}"
    v.to_file(gpkg, layer="villages", driver="GPKG")
    b = gpd.read_file(gpkg, layer="boundary")
    b.loc[0, "name"] = "{{ 6*7 }}"
    b.to_file(gpkg, layer="boundary", driver="GPKG")
    a = run_assessment(tiny_town, year=2026)
    for build in (level_map, buffer_map):
        text = write_map(build(a), tmp_path / f"{build.__name__}.html").read_text(encoding="utf-8")
        assert "{{ 7*7 }} {% if true %}T{% endif %}" in text and "{{ 6*7 }}" in text
        assert "49 T" not in text and ">42 (" not in text
