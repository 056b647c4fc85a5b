"""Year comparison slider, the drawn offline base map and the offered online tiles, in a real browser."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from criteria import run_assessment
from tests.browser import open_map, popup
from maps import write_map
from maps.web.basemap import landcover_png
from maps.errors import MapsError
from maps.web import level_map
from maps.style import level_colors
from maps.web import years_map

ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts"


def test_year_slider_recolours_subjects(tiny_town, tmp_path, browser_page):
    a26 = run_assessment(tiny_town, year=2026)
    fac = a26.facilities.copy()
    fac.loc["F1", "level"] = 1 if int(fac.loc["F1", "level"]) != 1 else 5
    a25 = dataclasses.replace(a26, year=2025, facilities=fac.drop(index="M1"))
    colors = level_colors(a26.edition)
    page, requests, errors = browser_page
    open_map(page, write_map(years_map({2026: a26, 2025: a25}), tmp_path / "years.html"))
    f1 = page.locator("path.ecotown-factory").first
    slider = page.locator(".ecotown-years input")
    assert page.locator(".ecotown-years").inner_text().startswith("Year / ปี: 2026 (พ.ศ. 2569)")
    assert f1.get_attribute("fill") == colors[int(a26.facilities.loc["F1", "level"])]
    slider.fill("0")
    assert "2025 (พ.ศ. 2568)" in page.locator(".ecotown-years").inner_text()
    assert f1.get_attribute("fill") == colors[int(fac.loc["F1", "level"])]
    # the mine was not assessed in 2025: grey and dashed
    assert page.evaluate("window.ecotownYear") == 2025
    grey = page.locator("path[stroke-dasharray='2 3']")
    assert grey.count() == 1
    f1.click()
    text = popup(page).inner_text()
    assert "2025 (พ.ศ. 2568)" in text and "2026 (พ.ศ. 2569)" in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "years-map.png"))
    assert not [u for u in requests if not u.startswith(("file:", "data:"))] and errors == []


def test_years_map_needs_an_assessment():
    with pytest.raises(MapsError, match="at least one"):
        years_map({})


def test_sample_offline_map_draws_land_cover_and_offers_tiles(tmp_path, browser_page):
    a = run_assessment(year=2026)
    uri, bounds = landcover_png(a, 300)
    assert uri.startswith("data:image/png;base64,")
    (s, w), (n, e) = bounds
    assert 15.2 < s < n < 15.6 and 100.0 < w < e < 100.5  # Nong Pho, Takhli
    page, requests, errors = browser_page
    open_map(page, write_map(level_map(a), tmp_path / "level.html", offline=True))
    img = page.locator("img.ecotown-landcover")
    assert img.count() == 1 and img.get_attribute("src").startswith("data:image/png")
    assert page.evaluate("document.querySelector('img.ecotown-landcover').naturalWidth") > 100
    page.screenshot(path=str(ARTIFACTS / "sample-level-offline.png"))
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []  # nothing from outside
    # the online tiles are offered: choosing them asks the tile server (blocked here)
    with page.expect_event("requestfailed", lambda r: "tile.openstreetmap.org" in r.url):  # blocked, as offline
        page.locator(".leaflet-control-layers label", has_text="OpenStreetMap").locator("input").check()
    assert any("tile.openstreetmap.org" in u for u in requests)
    assert page.locator("img.ecotown-landcover").count() == 0
    assert not [e for e in errors if "ERR_FAILED" not in e]
