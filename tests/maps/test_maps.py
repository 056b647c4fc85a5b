"""Level map, buffer map and report on hand-made layers: escaping, legend, features, all in a real browser."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from criteria import run_assessment
from maps import buffer_map, level_map, render_report, write_map, write_report

HOSTILE = "<img src=x onerror=alert(1)>`${alert(2)}`</script>"


@pytest.fixture
def hostile_town(tiny_town: Path):
    g = gpd.read_file(tiny_town.parent / "town.gpkg", layer="factories")
    g.loc[0, "name"] = HOSTILE
    g.to_file(tiny_town.parent / "town.gpkg", layer="factories", driver="GPKG")
    return run_assessment(tiny_town, year=2026)


def test_hostile_name_never_reaches_html_as_markup(hostile_town, tmp_path):
    for build in (level_map, buffer_map):
        p = write_map(build(hostile_town), tmp_path / f"{build.__name__}.html")
        text = p.read_text(encoding="utf-8")
        assert HOSTILE not in text
        assert "<img src=x" not in text and "${alert(2)}" not in text
    report = render_report(hostile_town)
    assert HOSTILE not in report and "&lt;img src=x onerror=alert(1)&gt;" in report


@pytest.mark.parametrize("build", [level_map, buffer_map])
def test_map_shows_name_as_text_in_browser(hostile_town, tmp_path, browser_page, build):
    page, _requests, errors = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    p = write_map(build(hostile_town), tmp_path / "m.html")
    page.goto(p.as_uri())
    page.wait_for_selector(".leaflet-container")
    page.locator(".ecotown-factory").first.click()
    page.wait_for_selector(".leaflet-popup-content", state="visible")
    content = page.locator(".leaflet-popup-content").inner_text()
    assert HOSTILE in content  # shown as text, exactly
    assert dialogs == []
    assert page.locator(".leaflet-popup-content img").count() == 0
    assert not [e for e in errors if "ERR_FAILED" not in e], errors


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
