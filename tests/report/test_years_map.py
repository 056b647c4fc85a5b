"""`ecotown compare ... --out DIR` also writes years-map.html: the year-slider map drawn from the stored history."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from maps.cli.main import app
from maps.history import HistoryStore, record_of
from maps.style import level_colors
from maps.web.years_map import year_data_of_record
from layers.sample.generate import FACTORY_IDS
from tests.browser import open_map, popup

from .conftest import CLOSED_ID

F01, F15 = FACTORY_IDS["F01"], FACTORY_IDS["F15"]

ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts"

LAYER = "window.ecotownHandle.index.find(function (e) { return e.label.indexOf('(%s)') >= 0; }).layer"


def _payload(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="ecotown-data">(.*?)</script>', html, re.S)
    return json.loads(m.group(1))


def _item(payload: dict, sid: str) -> dict:
    return next(it for g in payload["groups"] for it in g.get("items", ()) if it.get("lab", "").endswith(f"({sid})"))


def _style(page, sid: str) -> dict:
    return page.evaluate("(() => { var l = %s; return {fill: l._path.getAttribute('fill'), "
                         "dash: l._path.getAttribute('stroke-dasharray')}; })()" % (LAYER % sid))


def test_compare_writes_years_map_from_history(two_years, tmp_path, browser_page):
    out = tmp_path / "cmp"
    r = CliRunner().invoke(app, ["compare", "2025", "2026", "--history", str(two_years["history"]),
                                 "--out", str(out)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    html_path = out / "years-map.html"
    assert html_path.is_file() and "years-map.html" in r.output
    a25, a26 = two_years["a2025"], two_years["a2026"]
    colors = level_colors(a26.edition)
    l25, l26 = int(a25.facilities.loc[F01, "level"]), int(a26.facilities.loc[F01, "level"])
    assert l25 != l26  # the fixture changes F01's Green Industry level
    t25, t26 = int(a25.town["level"]), int(a26.town["level"])

    page, requests, errors = browser_page
    open_map(page, html_path)
    box = page.locator(".ecotown-years")
    town = page.locator(".ecotown-years-town")
    assert box.inner_text().startswith("Year / ปี: 2026 (พ.ศ. 2569)")
    assert town.inner_text() == (f"หนองโพ: level {t26} {a26.town['level_name_en']} / "
                                 f"{a26.town['level_name_th']}")  # the Thai name already says ระดับที่ N
    assert a26.town["level_name_th"].startswith(f"ระดับที่ {t26} ")
    assert _style(page, F01) == {"fill": colors[l26], "dash": None}
    assert _style(page, F15)["fill"] == colors[int(a26.facilities.loc[F15, "level"])]
    assert _style(page, CLOSED_ID)["dash"] == "2 3"  # closed before 2026: not assessed that year
    # the town boundary is redrawn from the (unchanged) input file; villages and mines come from the history
    assert page.locator("path.ecotown-village").count() == len(a26.communities)
    assert page.locator("path.ecotown-mine").count() == int((a26.facilities["kind"] == "mine").sum())

    page.locator(".ecotown-years input").fill("0")
    assert page.evaluate("window.ecotownYear") == 2025
    assert "2025 (พ.ศ. 2568)" in box.inner_text()
    assert town.inner_text().startswith(f"หนองโพ: level {t25} ")
    assert _style(page, F01) == {"fill": colors[l25], "dash": None}
    assert _style(page, F15) == {"fill": "#9e9e9e", "dash": "2 3"}  # did not exist yet in 2025
    assert _style(page, CLOSED_ID)["fill"] == colors[int(a25.facilities.loc[CLOSED_ID, "level"])]

    page.evaluate("(() => { var p = %s._path, b = p.getBoundingClientRect(); p.dispatchEvent(new MouseEvent("
                  "'click', {bubbles: true, clientX: b.x + b.width / 2, clientY: b.y + b.height / 2})); })()"
                  % (LAYER % F15))
    text = popup(page).inner_text()
    assert "2025 (พ.ศ. 2568)" in text and "not assessed / ไม่ได้ประเมิน" in text and "2026 (พ.ศ. 2569)" in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "compare-years-map.png"))
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == [] and errors == []


def test_compare_three_years_and_names_stay_escaped(two_years, tmp_path):
    hist = tmp_path / "ecotown-history.sqlite"
    shutil.copy2(two_years["history"], hist)
    rec = record_of(dataclasses.replace(two_years["a2026"], year=2027))
    evil = "<script>alert(1)</script>{{ 7*7 }}"
    rec.facilities.loc[rec.facilities["facility_id"] == F01, "name"] = evil
    rec.facilities.loc[rec.facilities["facility_id"] == F01, "level"] = 5
    HistoryStore(hist).save(rec)
    out = tmp_path / "cmp3"
    r = CliRunner().invoke(app, ["compare", "2027", "2025", "2026", "--history", str(hist), "--out", str(out)],
                           env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert (out / "compare-2025-2027-facility_changes.csv").is_file()
    html = (out / "years-map.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "{{ 7*7 }}" in html.replace("\\u003c", "<")
    p = _payload(html)
    assert [y["year"] for y in p["years"]] == [2025, 2026, 2027]
    a25, a26 = two_years["a2025"], two_years["a2026"]
    f01 = _item(p, F01)
    assert f01["yl"] == [int(a25.facilities.loc[F01, "level"]), int(a26.facilities.loc[F01, "level"]), 5]
    assert f01["p"]["title"] == evil  # later years win the name; it goes to the page only as text
    lvl15 = int(a26.facilities.loc[F15, "level"])
    assert _item(p, F15)["yl"] == [None, lvl15, lvl15]
    assert _item(p, CLOSED_ID)["yl"] == [int(a25.facilities.loc[CLOSED_ID, "level"]), None, None]


def test_compare_needs_two_distinct_years(two_years):
    for args in (["2025"], ["2025", "2025"]):
        r = CliRunner().invoke(app, ["compare", *args, "--history", str(two_years["history"])])
        assert r.exit_code == 6 and "Traceback" not in r.output


def test_record_without_its_input_files_falls_back_with_a_note(two_years):
    rec = HistoryStore(two_years["history"]).load(2026)
    d = year_data_of_record(rec)
    assert "boundary" in d.base.context and not d.notes  # the input file is still there, unchanged
    man = json.loads(rec.run["manifest"])
    for inp in man["inputs"]:
        inp["source"] = "/nonexistent/gone.gpkg"
    rec.run["manifest"] = json.dumps(man)
    d = year_data_of_record(rec)
    assert d.base.context == {} and any("boundary" in n for n in d.notes)
    # positions and names come from the stored record all the same
    assert d.facilities.loc[F01].geometry.x == rec.facilities.set_index("facility_id").loc[F01, "x"]
    assert d.communities.crs.to_epsg() == 32647 and len(d.communities) == len(rec.communities)


def test_thai_level_text_names_the_level_once():
    from maps.style import level_label as level_th

    assert level_th(3, "ระดับที่ 3 การใช้ทรัพยากรอย่างมีประสิทธิภาพ") == "ระดับที่ 3 การใช้ทรัพยากรอย่างมีประสิทธิภาพ"
    assert level_th(2, "การส่งเสริม") == "ระดับ 2 การส่งเสริม"
    assert level_th(1, "") == "ระดับ 1"
