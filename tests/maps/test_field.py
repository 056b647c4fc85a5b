"""The inspector in the field (issue 14): the bundled sample's maps opened as a phone opens them (390 x 844, touch,
geolocation in Nong Pho, network off) in headless Chromium. Waits are for states, never for time."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point

import geo
from criteria import run_assessment
from layers import add_layer, sample_catalog_path
from maps import buffer_map, level_map, write_map

from ..conftest import CHROMIUM, CHROMIUM_ARGS

#: screenshots of the phone layout (the ones in docs/ are copies of these, looked at)
DOCS = Path(__file__).resolve().parents[1] / "_artifacts" / "phone"
DOCS.mkdir(parents=True, exist_ok=True)
PHONE = {"width": 390, "height": 844}
#: where the inspector stands: about 640 m north-east of a factory in Nong Pho (lat, lon)
HERE = (15.371072, 100.302272)
HOSTILE = "<img src=x onerror=window.__pwned=1> ฝุ่นหนาตอนเช้า & smell"

#: share of screen points (a 40 x 40 grid) that show anything but the map panes
COVERED_JS = """() => {
  const W = innerWidth, H = innerHeight, n = 40, panes = document.querySelector('.leaflet-map-pane');
  let cov = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const e = document.elementFromPoint((i + .5) * W / n, (j + .5) * H / n);
    if (!e || !(panes.contains(e) || e.classList.contains('leaflet-container'))) cov++;
  }
  return cov / (n * n);
}"""


@pytest.fixture(scope="module")
def sample():
    return run_assessment(None, year=2026)


@pytest.fixture(scope="module")
def maps_dir(sample, tmp_path_factory):
    d = tmp_path_factory.mktemp("field-maps")
    write_map(level_map(sample), d / "level-map.html")
    write_map(buffer_map(sample), d / "buffer-map.html")
    return d


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make system-deps`")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class Phone:
    """A phone: 390 x 844, touch, GPS at ``HERE`` (permission granted), network off; every non-file request is
    refused and recorded, every page error recorded."""

    def __init__(self, browser, *, width=PHONE["width"], height=PHONE["height"], phone=True, downloads=False):
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone,
            device_scale_factor=2 if phone else 1, geolocation={"latitude": HERE[0], "longitude": HERE[1],
                                                                 "accuracy": 12},
            permissions=["geolocation"], accept_downloads=downloads, locale="th-TH", timezone_id="Asia/Bangkok")
        self.context.set_offline(True)
        self.requests: list[str] = []
        self.errors: list[str] = []

        def route(r):
            self.requests.append(r.request.url)
            if r.request.url.startswith(("file:", "data:", "blob:")):
                r.continue_()
            else:
                r.abort()

        self.context.route("**/*", route)
        self.page = self.new_page()

    def new_page(self):
        page = self.context.new_page()
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda d: d.accept())
        return page

    def open(self, path: Path, page=None):
        page = page or self.page
        page.goto(path.as_uri())
        page.wait_for_function("window.ecotownReady === true && window.ecotownFieldReady === true")
        return page

    def close(self):
        self.context.close()

    def clean(self):
        assert [u for u in self.requests if not u.startswith(("file:", "data:", "blob:"))] == []
        assert self.errors == []


@pytest.fixture
def phone(browser):
    ph = Phone(browser)
    yield ph
    ph.close()


#: the map has finished moving (the popup's auto-pan included) and the popup has faded in
PANNED = ("() => { const m = window.ecotownHandle.map, p = document.querySelector('.leaflet-popup'); "
          "return !!p && getComputedStyle(p).opacity === '1' && !(m._panAnim && m._panAnim._inProgress) "
          "&& !m._animatingZoom; }")


#: the map is still (no pan or zoom animation running)
STILL = ("() => { const m = window.ecotownHandle.map; "
         "return !(m._panAnim && m._panAnim._inProgress) && !m._animatingZoom; }")


def _box(page, selector):
    return page.locator(selector).first.bounding_box()


# --------------------------------------------------------------------------- 1. phone layout


@pytest.mark.parametrize("name", ["level-map.html", "buffer-map.html"])
def test_phone_first_load_leaves_the_map_free(maps_dir, phone, name, sample):
    page = phone.open(maps_dir / name)
    covered = page.evaluate(COVERED_JS)
    assert covered <= 0.25, f"{name}: {covered:.0%} of the screen covered at first load"
    bar = page.locator(".ecotown-bar")
    assert bar.is_visible()
    assert _box(page, ".ecotown-bar")["height"] <= 48  # one line
    assert f"ระดับที่ {int(sample.town['level'])}" in bar.inner_text() and sample.town["name"] in bar.inner_text()
    assert not page.locator(".ecotown-title").is_visible() and not page.locator(".ecotown-legend").is_visible()
    assert page.locator(".ecotown-minimap").count() == 0
    assert page.locator(".leaflet-control-layers-expanded").count() == 0
    for sel in (".leaflet-control-zoom-in", ".leaflet-control-layers-toggle", ".ecotown-locate", ".ecotown-add-note",
                ".ecotown-notes-btn", ".ecotown-legend-btn", ".ecotown-measure a"):
        b = _box(page, sel)
        assert b["width"] >= 44 and b["height"] >= 44, (sel, b)
    # the legend behind its button, in readable Thai; closed again with a 44 px button
    page.locator(".ecotown-legend-btn").tap()
    legend = page.locator(".ecotown-legend")
    legend.wait_for(state="visible")
    assert float(legend.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 14
    assert _box(page, ".ecotown-legend")["width"] >= PHONE["width"] - 2
    if name == "level-map.html":
        page.screenshot(path=str(DOCS / "phone-legend.png"), scale="css")
    page.locator(".ecotown-legend-close").tap()
    legend.wait_for(state="hidden")
    # the title bar opens the full title (and search)
    page.locator(".ecotown-bar").tap()
    page.locator(".ecotown-title").wait_for(state="visible")
    assert page.locator(".ecotown-title input[type=search]").is_visible()
    phone.clean()


def test_phone_popup_fits_the_screen_and_scrolls(maps_dir, phone):
    page = phone.open(maps_dir / "level-map.html")
    page.screenshot(path=str(DOCS / "phone-first-load.png"), scale="css")
    # search a factory and open its popup as a finger would
    page.locator(".ecotown-bar").tap()
    page.locator(".ecotown-title input[type=search]").fill("36001301000138")
    page.locator(".ecotown-search-results li").first.tap()
    pop = page.locator(".leaflet-popup")
    pop.wait_for(state="visible")
    page.wait_for_function(PANNED)
    assert not page.locator(".ecotown-title").is_visible()  # closed again, so that the popup shows
    # the popup comes to rest inside the screen, below the title bar
    page.wait_for_function("() => { const r = document.querySelector('.leaflet-popup').getBoundingClientRect(); "
                           "return r.left >= 0 && r.right <= innerWidth && r.top >= 40 && r.bottom <= innerHeight; }")
    page.wait_for_function(PANNED)
    assert not page.locator(".ecotown-toolbar").is_visible()  # the buttons step aside while a popup is open
    content = page.locator(".leaflet-popup-content")
    h = content.evaluate("e => [e.scrollHeight, e.clientHeight, getComputedStyle(e).overflowY]")
    assert h[1] <= PHONE["height"] * 0.6 and h[0] > h[1] and h[2] in ("auto", "scroll")  # it scrolls
    assert page.locator(".leaflet-popup .ecotown-note-on").count() == 1  # "add a note on this"
    close = _box(page, ".leaflet-popup-close-button")
    assert close["width"] >= 44 and close["height"] >= 44
    page.screenshot(path=str(DOCS / "phone-popup.png"), scale="css")
    phone.clean()


def test_desktop_layout_is_unchanged(maps_dir, browser):
    pc = Phone(browser, width=1280, height=900, phone=False)
    try:
        page = pc.open(maps_dir / "level-map.html")
        assert page.locator(".ecotown-title").is_visible() and page.locator(".ecotown-legend").is_visible()
        assert not page.locator(".ecotown-bar").is_visible()
        assert page.locator(".ecotown-minimap").count() == 1
        assert page.locator(".leaflet-control-layers-expanded").count() == 1
        pc.clean()
    finally:
        pc.close()


# --------------------------------------------------------------------------- 2. where I stand


def test_utm47_in_the_browser_matches_pyproj_across_thailand(maps_dir, phone):
    page = phone.open(maps_dir / "level-map.html")
    lats, lons = np.meshgrid(np.linspace(5.6, 20.5, 9), np.linspace(97.3, 105.7, 9))
    pts = list(zip(lats.ravel().tolist(), lons.ravel().tolist()))
    got = np.array(page.evaluate("pts => pts.map(p => window.ecotownFieldHandle.utm47(p[0], p[1]))", pts))
    tr = Transformer.from_crs("EPSG:4326", "EPSG:32647", always_xy=True)
    x, y = tr.transform(np.array([p[1] for p in pts]), np.array([p[0] for p in pts]))
    err = np.hypot(got[:, 0] - x, got[:, 1] - y)
    assert err.max() < 0.001, f"largest difference {err.max():.6f} m"


def _analysis_distances(sample, lat: float, lon: float) -> pd.DataFrame:
    """Every facility's distance to (lat, lon) by the analysis: geo.exposure_matrix in EPSG:32647."""
    me = geo.to_metric(gpd.GeoDataFrame({"community_id": ["me"]}, geometry=[Point(lon, lat)], crs="EPSG:4326"))
    fac = sample.facilities[["kind", "geometry"]].copy()
    fac["facility_id"] = fac.index.astype(str)
    m = geo.exposure_matrix(fac.reset_index(drop=True), me, [500, 1000, 3000, 5000, 100_000])
    out = m[["facility_id", "distance_m"]].astype({"facility_id": str})
    return out.sort_values(["distance_m", "facility_id"]).reset_index(drop=True)


def test_my_location_marks_me_and_names_the_nearest_facility(maps_dir, phone, sample):
    page = phone.open(maps_dir / "level-map.html")
    page.locator(".ecotown-locate").tap()
    page.locator(".ecotown-nearest-facility").wait_for(state="visible")
    page.wait_for_function(STILL)
    # the marker is at the mocked position
    dot = page.locator("path.ecotown-me").bounding_box()
    at = page.evaluate("ll => { const p = window.ecotownHandle.map.latLngToContainerPoint(ll); "
                       "const r = window.ecotownHandle.map.getContainer().getBoundingClientRect(); "
                       "return [p.x + r.left, p.y + r.top]; }", list(HERE))
    assert abs(dot["x"] + dot["width"] / 2 - at[0]) <= 1 and abs(dot["y"] + dot["height"] / 2 - at[1]) <= 1
    assert page.locator("path.ecotown-accuracy").count() == 1
    # the nearest facility and its distance, to the metre, as the analysis measures them
    ref = _analysis_distances(sample, *HERE)
    near = page.locator(".ecotown-nearest-facility")
    assert near.get_attribute("data-id") == ref.facility_id[0]
    assert int(near.get_attribute("data-m")) == round(ref.distance_m[0])
    assert f"{round(ref.distance_m[0]):,} m" in near.inner_text()
    # the ring I stand in, with distance and direction
    ring = page.locator(".ecotown-ring-line").first.inner_text()
    assert ref.facility_id[0] in ring and "north-east" in ring and "ตะวันออกเฉียงเหนือ" in ring
    assert "1,000 m" in ring
    # nearest mines: to the concession edge, like the analysis
    mines = set(sample.facilities.index[sample.facilities["kind"] == "mine"].astype(str))
    ref_mine = ref[ref.facility_id.isin(mines)].reset_index(drop=True)
    first_mine = page.locator(".ecotown-near-mine li").first
    assert first_mine.get_attribute("data-id") == ref_mine.facility_id[0]
    assert int(first_mine.get_attribute("data-m")) == round(ref_mine.distance_m[0])
    page.screenshot(path=str(DOCS / "phone-where-i-stand.png"), scale="css")
    # following me: the map re-centres when I move
    page.locator(".ecotown-follow input").check()
    phone.context.set_geolocation({"latitude": HERE[0] + 0.01, "longitude": HERE[1], "accuracy": 8})
    page.wait_for_function("ll => { const m = window.ecotownHandle.map, p = m.latLngToContainerPoint(ll), "
                           "s = m.getSize(); return Math.abs(p.x - s.x / 2) <= 1 && Math.abs(p.y - s.y / 2) <= 1; }",
                           arg=[HERE[0] + 0.01, HERE[1]])
    assert page.locator(".ecotown-here").inner_text().startswith("You are at / คุณอยู่ที่ 15.381072")
    phone.clean()


def test_distances_to_every_facility_match_the_analysis(maps_dir, phone, sample):
    """Points across the town, one inside a quarry concession: every facility's distance to the metre."""
    page = phone.open(maps_dir / "buffer-map.html")
    mine = sample.facilities[sample.facilities["kind"] == "mine"].geometry.iloc[0]
    inside = gpd.GeoSeries([mine.representative_point()], crs="EPSG:32647").to_crs("EPSG:4326").iloc[0]
    for lat, lon in [HERE, (inside.y, inside.x), (15.40, 100.27), (15.35, 100.33)]:
        ref = _analysis_distances(sample, lat, lon).set_index("facility_id")["distance_m"]
        got = page.evaluate("ll => { const A = window.ecotownFieldHandle.around(ll[0], ll[1]);"
                            "return A.nearest.factory.concat(A.nearest.mine).map(r => [r.id, r.d]); }", [lat, lon])
        got = pd.Series({k: v for k, v in got})
        assert set(got.index) == set(ref.index)
        diff = (got - ref.reindex(got.index)).abs()
        assert diff.max() < 0.05, diff.sort_values().tail(3)
    assert ref.min() >= 0
    phone.clean()


# --------------------------------------------------------------------------- 3. field notes, 4. back into the tool


def _add_note(page, kind: str, text: str):
    page.locator(".ecotown-add-note").tap()
    page.locator(".ecotown-kind").select_option(kind)
    page.locator(".ecotown-text").fill(text)
    page.locator(".ecotown-save").tap()
    page.locator(".ecotown-note-list").wait_for(state="visible")


def _jpeg(width=2400, height=1800) -> bytes:
    from PIL import Image

    rng = np.random.default_rng(1)
    img = Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95)
    return buf.getvalue()


def test_notes_survive_a_reload_and_come_back_into_the_tool(maps_dir, browser, sample,
                                                                                tmp_path):
    ph = Phone(browser, downloads=True)
    try:
        page = ph.open(maps_dir / "level-map.html")
        page.locator(".ecotown-locate").tap()
        page.locator(".ecotown-nearest-facility").wait_for(state="visible")
        nearest = page.locator(".ecotown-nearest-facility").get_attribute("data-id")
        # a note at my position, with a photo shrunk to <= 200 KB
        page.locator(".ecotown-add-note").tap()
        page.locator(".ecotown-kind").select_option("dust")
        page.locator(".ecotown-text").fill(HOSTILE)
        big = _jpeg()
        assert len(big) > 1_000_000
        page.locator(".ecotown-photo-input").set_input_files(
            files=[{"name": "site.jpg", "mimeType": "image/jpeg", "buffer": big}])
        page.wait_for_function("document.querySelector('.ecotown-thumb') && "
                               "document.querySelector('.ecotown-thumb').src.startsWith('data:image/jpeg')")
        page.locator(".ecotown-save").tap()
        page.locator(".ecotown-note-list").wait_for(state="visible")
        # a note on a village, from its popup, with locating stopped: at the village, accuracy unknown
        page.locator(".ecotown-locate").tap()
        page.locator(".ecotown-stop").tap()
        page.locator(".ecotown-sheet").wait_for(state="hidden")
        page.locator(".ecotown-bar").tap()
        village = str(sample.communities.index[0])
        page.locator(".ecotown-title input[type=search]").fill(village)
        page.locator(".ecotown-search-results li").first.tap()
        page.locator(".leaflet-popup .ecotown-note-on").tap()
        page.locator(".ecotown-kind").select_option("smell")
        page.locator(".ecotown-text").fill("กลิ่นเหม็นจากบ่อน้ำเสีย")
        page.locator(".ecotown-save").tap()
        page.locator(".ecotown-note-list li").nth(1).wait_for()
        notes = page.evaluate("window.ecotownFieldHandle.notes()")
        assert [n["kind"] for n in notes] == ["dust", "smell"]
        assert notes[1]["subject_id"] == village and notes[0]["subject_id"] is None
        assert notes[1]["accuracy_m"] is None
        assert abs(notes[0]["lat"] - HERE[0]) < 1e-9 and abs(notes[0]["lon"] - HERE[1]) < 1e-9
        assert notes[0]["accuracy_m"] == 12
        assert notes[0]["time"].endswith("+07:00") and notes[0]["time"][10] == "T"
        assert len(notes[0]["photo"]) * 0.75 <= 200_000 and notes[0]["photo"].startswith("data:image/jpeg;base64,")
        page.screenshot(path=str(DOCS / "phone-notes-list.png"), scale="css")

        # reload: the notes are still there, shown as text
        page.reload()
        page.wait_for_function("window.ecotownFieldReady === true")
        page.locator(".ecotown-notes-btn").tap()
        first = page.locator(".ecotown-note-list li .ecotown-note-text")
        assert sorted(first.all_inner_texts()) == sorted([HOSTILE, "กลิ่นเหม็นจากบ่อน้ำเสีย"])
        assert page.locator("img[src='x']").count() == 0 and page.evaluate("typeof window.__pwned") == "undefined"
        # edit the smell note, delete nothing yet; then export
        page.locator(".ecotown-note-list li").first.locator(".ecotown-edit").tap()
        page.locator(".ecotown-text").fill("กลิ่นเหม็นจากบ่อน้ำเสีย ตอนเย็น")
        page.locator(".ecotown-save").tap()
        page.locator(".ecotown-note-list").wait_for(state="visible")
        with page.expect_download() as dl:
            page.locator(".ecotown-export").tap()
        d = dl.value
        assert d.suggested_filename.startswith("ecotown-notes-nong-pho-") and d.suggested_filename.endswith(".geojson")
        exported = tmp_path / d.suggested_filename
        d.save_as(exported)
    finally:
        ph.close()

    # the exported file (a closed browser keeps the notes too: test_notes_survive_a_closed_browser)
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert [f["geometry"]["type"] for f in data["features"]] == ["Point", "Point"]
    props = data["features"][0]["properties"]
    assert set(props) == {"kind", "text", "time", "subject_id", "accuracy_m", "photo"}
    assert "photo" not in data["features"][1]["properties"]
    assert data["features"][1]["properties"]["text"].endswith("ตอนเย็น")

    # back into the tool: layers add --role observations (twice: --append counts the same note once)
    work = tmp_path / "town"
    shutil.copytree(sample_catalog_path().parent, work, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    cat = work / "catalog.yaml"
    r1 = add_layer(exported, role="observations", catalog=cat, name="notes", append=True)
    assert r1.features == 2
    r2 = add_layer(exported, role="observations", catalog=cat, name="notes", append=True)
    assert r2.features == 2 and any("already stored" in w for w in r2.warnings)
    b = run_assessment(cat, year=int(props["time"][:4]))
    notes = b.context["observations"]
    assert len(notes) == 2
    assert notes.set_index("kind").loc["smell", "counted_for"] == village
    assert notes.set_index("kind").loc["dust", "counted_for"] in (nearest, *map(str, b.communities.index))
    assert b.communities.loc[village, "observations"] == 1 and b.communities.loc[village, "observations_smell"] == 1
    assert int(b.facilities["observations"].sum() + b.communities["observations"].sum()) == 2

    # the annual report lists them in an annex, as text
    from maps.report import build_report, render_annual_html

    html = render_annual_html(build_report(b, lang="th", figures=False))
    assert "ภาคผนวก บันทึกภาคสนาม" in html and "กลิ่นเหม็นจากบ่อน้ำเสีย ตอนเย็น" in html
    assert "&lt;img src=x" in html and "<img src=x" not in html

    # the next assess shows them on both maps, as text, with the photo
    out = tmp_path / "maps"
    out.mkdir()
    for build in (level_map, buffer_map):
        html = write_map(build(b), out / f"{build.__name__}.html")
        ph2 = Phone(browser)
        try:
            page = ph2.open(html)
            names = page.locator(".leaflet-control-layers-overlays").inner_text()
            assert "Field notes / บันทึกภาคสนาม" in names
            assert page.locator("path.ecotown-observation").count() == 2
            # the note with the photo, tapped where it is drawn
            xy = page.evaluate("""() => { const m = window.ecotownHandle.map; let at = null;
                m.eachLayer(l => { if (l._ecotown && l._ecotown.p && l._ecotown.p.img) at = l.getLatLng(); });
                m.setView(at, 17, {animate: false}); const p = m.latLngToContainerPoint(at),
                r = m.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }""")
            page.wait_for_function(STILL)
            page.touchscreen.tap(xy[0], xy[1])
            pop = page.locator(".leaflet-popup-content")
            pop.wait_for(state="visible")
            assert HOSTILE in pop.inner_text()
            assert pop.locator("img.ecotown-photo").count() == 1
            assert page.locator("img[src='x']").count() == 0 and page.evaluate("typeof window.__pwned") == "undefined"
            ph2.clean()
        finally:
            ph2.close()


def test_append_keeps_each_note_once_across_files(sample, tmp_path):
    work = tmp_path / "town"
    shutil.copytree(sample_catalog_path().parent, work, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    cat = work / "catalog.yaml"

    def notes(*rows):
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
             "properties": {"kind": k, "text": t, "time": tm, "subject_id": None, "accuracy_m": 5.0}}
            for lon, lat, k, t, tm in rows]}

    a1 = tmp_path / "a.geojson"
    a2 = tmp_path / "b.geojson"
    one = (100.3023, 15.3711, "dust", "ฝุ่น", "2026-02-03T09:15:00+07:00")
    two = (100.2800, 15.4000, "ควัน", "เผาอ้อย", "2026-02-04T17:40:00+07:00")
    a1.write_text(json.dumps(notes(one, one)), encoding="utf-8")  # the same note twice in one file
    a2.write_text(json.dumps(notes(one, two)), encoding="utf-8")  # and again in another inspector's file
    assert add_layer(a1, role="observations", catalog=cat, name="notes", append=True).features == 1
    res = add_layer(a2, role="observations", catalog=cat, name="notes", append=True)
    assert res.features == 2
    b = run_assessment(cat, year=2026)
    assert sorted(b.context["observations"]["kind"]) == ["dust", "smoke"]  # Thai word read as its kind
    # a time without an offset is refused, naming the feature and the field
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(notes((100.3, 15.37, "dust", "x", "2026-02-03T09:15:00"))), encoding="utf-8")
    from layers import LayerValidationError

    with pytest.raises(LayerValidationError, match="time"):
        add_layer(bad, role="observations", catalog=cat, name="notes", append=True)


# --------------------------------------------------------------------------- 5. paper


@pytest.mark.parametrize("fmt,landscape", [("A4", True), ("A3", False)])
def test_print_gives_the_view_with_title_legend_scale_north_and_date(maps_dir, browser, fmt, landscape, tmp_path):
    ph = Phone(browser)
    try:
        page = ph.open(maps_dir / "level-map.html")
        page.emulate_media(media="print")
        for sel in (".ecotown-title", ".ecotown-legend", ".ecotown-north", ".ecotown-print-date",
                    ".leaflet-control-scale"):
            assert page.locator(sel).first.is_visible(), sel
        for sel in (".ecotown-toolbar", ".ecotown-bar", ".leaflet-control-zoom", ".leaflet-control-layers"):
            assert not page.locator(sel).first.is_visible(), sel
        assert "พ.ศ." in page.locator(".ecotown-print-date").inner_text()
        pdf = tmp_path / f"map-{fmt}.pdf"
        page.pdf(path=str(pdf), format=fmt, landscape=landscape, print_background=True)
        assert pdf.stat().st_size > 10_000
        ph.clean()
    finally:
        ph.close()


def test_notes_survive_a_closed_browser(maps_dir, browser, tmp_path):
    """A browser profile on disk (as a phone keeps it): a note added, the browser closed and opened again."""
    profile = tmp_path / "profile"
    opts = {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "viewport": PHONE, "is_mobile": True, "has_touch": True,
                "geolocation": {"latitude": HERE[0], "longitude": HERE[1], "accuracy": 20}, "permissions": ["geolocation"],
                "offline": True}
    chromium = browser.browser_type
    ctx = chromium.launch_persistent_context(str(profile), **opts)
    page = ctx.new_page()
    page.goto((maps_dir / "buffer-map.html").as_uri())
    page.wait_for_function("window.ecotownFieldReady === true")
    _add_note(page, "noise", "เสียงเครื่องจักรดังกลางคืน")
    ctx.close()  # the browser is closed
    ctx = chromium.launch_persistent_context(str(profile), **opts)
    page = ctx.new_page()
    page.goto((maps_dir / "buffer-map.html").as_uri())
    page.wait_for_function("window.ecotownFieldReady === true")
    assert [n["text"] for n in page.evaluate("window.ecotownFieldHandle.notes()")] == ["เสียงเครื่องจักรดังกลางคืน"]
    # kept per town and map: the level map of the same town has its own notes
    page.goto((maps_dir / "level-map.html").as_uri())
    page.wait_for_function("window.ecotownFieldReady === true")
    assert page.evaluate("window.ecotownFieldHandle.notes()") == []
    assert page.evaluate("window.ecotownFieldHandle.key") == "ecotown-notes:nong-pho:level"
    ctx.close()


def test_layers_add_append_on_the_command_line(tmp_path, sample):
    from typer.testing import CliRunner

    from maps.cli.main import app

    work = tmp_path / "town"
    shutil.copytree(sample_catalog_path().parent, work, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    f = tmp_path / "ecotown-notes-nong-pho-2026-02-03.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [100.3023, 15.3711]},
        "properties": {"kind": "dust", "text": "ฝุ่น", "time": "2026-02-03T09:15:00+07:00", "subject_id": None,
                       "accuracy_m": 9.5}}]}), encoding="utf-8")
    args = ["layers", "add", str(f), "--role", "observations", "--name", "notes", "--append",
            "--catalog", str(work / "catalog.yaml")]
    r1 = CliRunner().invoke(app, args)
    assert r1.exit_code == 0, r1.output
    r2 = CliRunner().invoke(app, args)
    assert r2.exit_code == 0 and "appended to" in r2.output and "already stored" in r2.output, r2.output
    bad = CliRunner().invoke(app, ["layers", "add", str(f), "--role", "receptors", "--append",
                                   "--catalog", str(work / "catalog.yaml")])
    assert bad.exit_code == 3 and "--append" in bad.output
