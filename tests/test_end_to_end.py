"""End to end on the bundled Nong Pho sample: `ecotown assess` as a user runs it, and the maps in a real browser."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maps.cli.main import app
from tests.browser import open_map

ARTIFACTS = Path(__file__).parent / "_artifacts"
TABLES = ("town.csv", "facilities.csv", "communities.csv", "exposure.csv", "indicators.csv", "levels.csv",
          "dimensions.csv")


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("nong-pho") / "2026"
    r = CliRunner().invoke(app, ["assess", "--year", "2026", "--out", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    (out / "_stdout.txt").write_text(r.output, encoding="utf-8")
    return out


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_summary_names_the_town_level_and_files(sample_out):
    text = (sample_out / "_stdout.txt").read_text(encoding="utf-8")
    assert "หนองโพ" in text and "Town level" in text and "level-map.html" in text


def test_sample_has_scores_for_every_subject(sample_out):
    fac = _rows(sample_out / "facilities.csv")
    com = _rows(sample_out / "communities.csv")
    town = _rows(sample_out / "town.csv")
    assert len([f for f in fac if f["kind"] == "factory"]) >= 12
    assert 2 <= len([f for f in fac if f["kind"] == "mine"]) <= 4
    assert 15 <= len(com) <= 25
    assert {c["relation"] for c in com} == {"inside", "affected"}
    assert all(1 <= int(float(r["level"])) <= 5 for r in fac + com + town)
    # a facility's 1 km population is the sum of the villages the exposure table puts within 1 km of it
    pops = {c["community_id"]: float(c["population"] or 0) for c in com}  # unknown: not in the sums
    pairs = _rows(sample_out / "exposure.csv")
    for f in fac:
        expect = sum(pops[p["community_id"]] for p in pairs
                     if p["facility_id"] == f["facility_id"] and float(p["distance_m"]) <= 1000)
        assert float(f["pop_within_1000"]) == pytest.approx(expect)
    assert all(0.0 <= float(f["green_share_within_1000"]) <= 1.0 for f in fac)


@pytest.mark.slow  # assesses the sample a second time (1 to 2 s)
def test_same_inputs_give_byte_identical_tables(sample_out, tmp_path):
    again = tmp_path / "again"
    r = CliRunner().invoke(app, ["assess", "--year", "2026", "--out", str(again), "-q"], catch_exceptions=False)
    assert r.exit_code == 0
    for name in TABLES:
        a = hashlib.sha256((sample_out / name).read_bytes()).hexdigest()
        b = hashlib.sha256((again / name).read_bytes()).hexdigest()
        assert a == b, name


def test_manifest_lists_every_input_with_hash(sample_out):
    m = json.loads((sample_out / "manifest.json").read_text(encoding="utf-8"))
    layers = {i["layer"] for i in m["inputs"]}
    assert {"boundary", "factories", "mines", "villages", "landcover"} <= layers
    assert m["edition"]["id"] == "eit-2022-modelled" and len(m["edition"]["sha256"]) == 64
    assert m["year"] == 2026 and m["year_be"] == 2569


def test_html_outputs_carry_no_external_resources(sample_out):
    """Scripts, stylesheets and images are inlined; only hyperlinks (attribution) and tiles point outside."""
    from html.parser import HTMLParser

    class Resources(HTMLParser):
        def __init__(self):
            super().__init__()
            self.urls: list[str] = []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag in ("script", "img", "iframe") and a.get("src"):
                self.urls.append(a["src"])
            if tag == "link" and a.get("href"):
                self.urls.append(a["href"])

    for name in ("level-map.html", "buffer-map.html", "report.html"):
        html = (sample_out / name).read_text(encoding="utf-8")
        p = Resources()
        p.feed(html)
        assert not [u for u in p.urls if u.startswith(("http:", "https:", "//"))], name
        assert "url(http" not in html and "@import" not in html, name


@pytest.mark.browser
@pytest.mark.parametrize("name", ["level-map.html", "buffer-map.html"])
def test_maps_render_offline_in_chromium(sample_out, name, browser_page):
    page, requests, errors = browser_page
    open_map(page, sample_out / name)
    assert page.locator(".leaflet-control-layers").count() == 1
    legend = page.locator(".ecotown-legend")
    assert legend.count() >= 1 and legend.first.is_visible()
    n_features = page.evaluate("""() => {
        let n = 0;
        for (const k of Object.keys(window)) {
            const v = window[k];
            if (v && v instanceof L.Map) { v.eachLayer(l => { if (l.feature || l instanceof L.CircleMarker) n++; }); }
        }
        return n; }""")
    assert n_features >= 20
    # base-map tiles are the only thing fetched online (and blocked here); nothing the map needs to work
    outside = [u for u in requests if not u.startswith(("file:", "data:", "about:"))]
    assert not [u for u in outside if "tile.openstreetmap.org" not in u], outside
    assert not [e for e in errors if "ERR_FAILED" not in e], errors
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"sample-{name}.png"))
    shutil.copy(sample_out / name, ARTIFACTS / name)
