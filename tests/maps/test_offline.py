"""maps.offline: self-contained, deterministic HTML maps that open with no internet.

The maps here are set up like the ecotown maps: OpenStreetMap tiles are offered in the layer control but off by
default, so an offline map requests nothing until someone ticks the tiles.
"""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from pathlib import Path

import folium
import pytest

from maps.errors import MapsError, TemplateError
from maps.web.offline import escape_text, render_map, safe_json, write_map
from geo.errors import EcotownError

HOSTILE = "<script>alert(1)</script>"
ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts"

ZONE = {"type": "FeatureCollection", "features": [{
    "type": "Feature", "properties": {"name": "buffer 500 m"},
    "geometry": {"type": "Polygon", "coordinates": [[
        [100.270, 15.395], [100.290, 15.395], [100.290, 15.410], [100.270, 15.410], [100.270, 15.395]]]}}]}


def build_map() -> folium.Map:
    m = folium.Map(location=[15.4025, 100.28], zoom_start=14, tiles=None)
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap (online)", show=False).add_to(m)  # offered, off
    folium.GeoJson(ZONE, name="zone", style_function=lambda f: {"color": "#d33", "fillOpacity": 0.3}).add_to(m)
    folium.CircleMarker([15.4025, 100.28], radius=9, color="#036", fill=True,
                        popup=folium.Popup(escape_text(HOSTILE)), name="village").add_to(m)
    folium.Marker([15.406, 100.285], tooltip="factory").add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


class _Tags(HTMLParser):
    """Collects the src/href of every <script> and <link> (script bodies are raw text to it)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src") is not None:
            self.urls.append(a["src"])
        if tag == "link" and a.get("href") is not None:
            self.urls.append(a["href"])

    handle_startendtag = handle_starttag


def tag_urls(text: str) -> list[str]:
    p = _Tags()
    p.feed(text)
    p.close()
    return p.urls


# ---------------------------------------------------------------- helpers


def test_escape_text():
    assert escape_text(HOSTILE) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape_text('a "b" \'c\' & d') == "a &quot;b&quot; &#x27;c&#x27; &amp; d"
    assert escape_text(None) == ""
    assert escape_text(math.nan) == ""
    assert escape_text(float("nan")) == ""
    assert escape_text(0) == "0"
    assert escape_text("บ้านหนึ่ง") == "บ้านหนึ่ง"


def test_safe_json():
    text = safe_json({"b": "</script><b>&", "a": "บ้าน"})
    assert text == '{"a": "บ้าน", "b": "\\u003c/script\\u003e\\u003cb\\u003e\\u0026"}'
    assert "<" not in text and ">" not in text and "&" not in text
    import json
    assert json.loads(text) == {"b": "</script><b>&", "a": "บ้าน"}


def test_errors_hierarchy():
    assert issubclass(MapsError, EcotownError)
    assert issubclass(TemplateError, MapsError)


# ---------------------------------------------------------------- writing


def test_offline_map_has_no_external_scripts_or_styles(tmp_path):
    path = write_map(build_map(), tmp_path / "map.html")
    assert path == tmp_path / "map.html"
    text = path.read_text(encoding="utf-8")
    urls = tag_urls(text)
    assert not [u for u in urls if re.match(r"(?i)^(https?:)?//", u)], urls
    assert "http://" not in "".join(urls) and "https://" not in "".join(urls)
    assert HOSTILE not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    # Leaflet's control/marker images are inlined; unused bootstrap/font-awesome are dropped
    assert "data:image/png;base64," in text
    for dropped in ("bootstrap@", "fontawesome-free", "bootstrap-glyphicons", "Leaflet.awesome-markers"):
        assert dropped not in text
    # no temp files left beside the output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]


def test_online_map_keeps_cdn_links(tmp_path):
    text = write_map(build_map(), tmp_path / "online.html", offline=False).read_text(encoding="utf-8")
    assert any("leaflet" in u and u.startswith("https://") for u in tag_urls(text))


def test_write_twice_is_byte_identical(tmp_path):
    a = write_map(build_map(), tmp_path / "a.html").read_bytes()
    b = write_map(build_map(), tmp_path / "b.html").read_bytes()
    assert a == b
    # folium's random ids are gone: only counter ids are left
    ids = set(re.findall(r"_([0-9a-f]{32})(?![0-9A-Za-z])", a.decode("utf-8")))
    assert ids and all(i.startswith("0000") for i in ids)
    # rewriting over an existing file is fine too
    write_map(build_map(), tmp_path / "a.html")
    assert (tmp_path / "a.html").read_bytes() == a


def test_marker_cluster_is_inlined(tmp_path):
    from folium.plugins import MarkerCluster

    m = folium.Map(location=[15.4, 100.28], zoom_start=13)
    cluster = MarkerCluster().add_to(m)
    for i in range(5):
        folium.Marker([15.4 + i * 1e-4, 100.28]).add_to(cluster)
    text = write_map(m, tmp_path / "cluster.html").read_text(encoding="utf-8")
    assert not [u for u in tag_urls(text) if u.startswith(("http:", "https:", "//"))]
    assert "MarkerClusterGroup" in text


def test_map_data_is_neither_template_nor_a_need_for_libraries(tmp_path):
    """Data that looks like jQuery, Bootstrap or a Jinja expression stays data: no library, no error, no 49."""
    from maps.web.plugins import RawHtml

    bait = "$(document) jQuery data-bs-toggle {{ 7*7 }} {% if 1 %}x{% endif %}"
    m = folium.Map(location=[15.4, 100.28], tiles=None)
    m.get_root().html.add_child(RawHtml('<script type="application/json" id="d">' + safe_json({"name": bait})
                                        + "</script>"))
    text = write_map(m, tmp_path / "data.html").read_text(encoding="utf-8")
    assert "jQuery v" not in text and "jquery.org/license" not in text  # jQuery's banner: not inlined
    assert safe_json({"name": bait}) in text and "49" not in text.split('id="d">')[1].split("</script>")[0]


def test_needed_asset_without_offline_copy_raises(tmp_path):
    m = folium.Map(location=[15.4, 100.28])
    folium.Marker([15.4, 100.28], icon=folium.Icon(icon="info-sign")).add_to(m)
    with pytest.raises(MapsError, match=r"https://"):
        write_map(m, tmp_path / "icons.html")
    assert not list(tmp_path.iterdir())


def test_unknown_url_raises(tmp_path):
    from branca.element import JavascriptLink

    m = folium.Map(location=[15.4, 100.28])
    m.get_root().header.add_child(JavascriptLink("https://example.org/lib.js"))
    with pytest.raises(MapsError, match="https://example.org/lib.js"):
        render_map(m)


# ---------------------------------------------------------------- in a browser


@pytest.mark.browser
def test_offline_map_renders_in_chromium(tmp_path, browser_page):
    page, requests, errors = browser_page
    js_errors: list[str] = []
    page.on("pageerror", lambda e: js_errors.append(str(e)))
    path = write_map(build_map(), tmp_path / "map.html")
    page.goto(path.as_uri())
    page.wait_for_selector(".leaflet-container")
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.locator("path.leaflet-interactive").count() >= 2  # the zone and the circle marker
    assert page.locator("img.leaflet-marker-icon").count() == 1
    # the default marker icon and the layers icon come from data: URIs
    assert page.locator("img.leaflet-marker-icon").get_attribute("src").startswith("data:image/png")
    # the popup opens and shows the hostile name as text
    page.locator("path.leaflet-interactive").last.click(force=True)
    page.wait_for_selector(".leaflet-popup-content")
    assert page.locator(".leaflet-popup-content").inner_text().strip() == HOSTILE
    # the layers-control icon is an inlined image too
    bg = page.evaluate("getComputedStyle(document.querySelector('.leaflet-control-layers-toggle')).backgroundImage")
    assert bg.startswith('url("data:image/png;base64,'), bg[:60]
    # let the popup finish fading in before the picture
    page.wait_for_function("getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "offline-map.png"))
    # tiles are off by default: nothing at all was asked of the network, and nothing failed
    assert js_errors == [] and errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    # ticking the tiles in the layer control asks the tile server (blocked here) and nothing else
    with page.expect_event("requestfailed", lambda r: r.url.startswith("https://tile.openstreetmap.org/")):
        page.locator(".leaflet-control-layers label", has_text="OpenStreetMap").locator("input").check()
    page.wait_for_function("document.querySelectorAll('img.leaflet-tile').length > 0")
    outside = [u for u in requests if not u.startswith(("file:", "data:"))]
    assert outside and all(u.startswith("https://tile.openstreetmap.org/") for u in outside), outside
    assert js_errors == []
    assert all(e == "Failed to load resource: net::ERR_FAILED" for e in errors), errors
