"""Shared fixtures: tiny hand-made layers and catalogs whose right answers are known."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from shapely.geometry import Point, box

#: every ``ecotown`` a test starts runs in its own process, even when the developer has an ``ecotown server``
#: running; tests/cli/test_server.py starts its own server and compares the two ways
os.environ["ECOTOWN_NO_SERVER"] = "1"

#: a point in Nong Pho in UTM 47N (about 100.28 E, 15.40 N)
X0, Y0 = 637_000.0, 1_703_000.0


def write_catalog(folder: Path, layers: dict, **top) -> Path:
    """Write a catalog.yaml into ``folder`` and return its path."""
    data = {"name": "test town", "crs": "EPSG:32647", **top, "layers": layers}
    p = folder / "catalog.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


@pytest.fixture
def tiny_town(tmp_path: Path) -> Path:
    """A hand-made town: one factory, one square mine, three villages at known distances.

    Factory F1 at (X0, Y0). Villages: V1 400 m east (pop 100), V2 800 m north (pop 200),
    V3 4 km west (pop 300). Mine M1: a 200 m square whose east edge is 300 m west of V3.
    """
    gpkg = tmp_path / "town.gpkg"
    crs = "EPSG:32647"
    gpd.GeoDataFrame({"code": ["T1"], "name": ["ตำบลทดสอบ"]},
                     geometry=[box(X0 - 6000, Y0 - 6000, X0 + 6000, Y0 + 6000)], crs=crs
                     ).to_file(gpkg, layer="boundary", driver="GPKG")
    gpd.GeoDataFrame({"fid_": ["F1"], "name": ["โรงงานทดสอบ"], "category": ["sugar_mill"], "gi_level": [3],
                      "complaints": [1], "waste_reused_share": [0.5]},
                     geometry=[Point(X0, Y0)], crs=crs).to_file(gpkg, layer="factories", driver="GPKG")
    gpd.GeoDataFrame({"mid": ["M1"], "name": ["เหมืองหิน"], "mineral": ["limestone"], "mine_type": ["quarry"],
                      "status": ["active"], "blasting": [True], "complaints": [4]},
                     geometry=[box(X0 - 4000 - 500, Y0 - 100, X0 - 4000 - 300, Y0 + 100)],
                     crs=crs).to_file(gpkg, layer="mines", driver="GPKG")
    gpd.GeoDataFrame({"vid": ["V1", "V2", "V3"], "ชื่อหมู่บ้าน": ["บ้านหนึ่ง", "บ้านสอง", "บ้านสาม"],
                      "ประชากร": [100, 200, 300], "ครัวเรือน": [30, 60, 90]},
                     geometry=[Point(X0 + 400, Y0), Point(X0, Y0 + 800), Point(X0 - 4000, Y0)], crs=crs
                     ).to_file(gpkg, layer="villages", driver="GPKG")
    return write_catalog(tmp_path, {
        "boundary": {"role": "boundary", "source": "town.gpkg", "layer": "boundary", "id_field": "code"},
        "factories": {"role": "factories", "source": "town.gpkg", "layer": "factories", "id_field": "fid_"},
        "mines": {"role": "mines", "source": "town.gpkg", "layer": "mines", "id_field": "mid"},
        "villages": {"role": "communities", "source": "town.gpkg", "layer": "villages", "id_field": "vid",
                     "fields": {"ชื่อหมู่บ้าน": "name", "ประชากร": "population", "ครัวเรือน": "households"}},
    }, town="boundary")


#: fixtures that start something outside Python, and the marker (lane) each gives the tests that use it,
#: directly or through another fixture; `make test-fast` leaves these lanes out (pyproject.toml lists the markers)
LANE_OF_FIXTURE = {"browser_page": "browser", "browser": "browser"}  # tests/maps/test_field.py: its own phone browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that opens Chromium through ``browser_page``, so none can slip into the fast lane."""
    for item in items:
        for fixture, lane in LANE_OF_FIXTURE.items():
            if fixture in getattr(item, "fixturenames", ()) and item.get_closest_marker(lane) is None:
                item.add_marker(lane)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture
def browser_page():
    """A headless Chromium page with every non-file request blocked; yields (page, requests, errors).

    Waits are on states (tests/browser.py); their time limit is only a bound for a hung page.
    """
    import shutil as _sh

    from playwright.sync_api import expect, sync_playwright

    from tests.browser import TIMEOUT_MS

    exe = _sh.which("chromium") or CHROMIUM
    if not Path(exe).exists():
        pytest.fail("Chromium is missing: run `make system-deps` (installs Debian's chromium)")
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(TIMEOUT_MS)
        expect.set_options(timeout=TIMEOUT_MS)

        def route(r):
            requests.append(r.request.url)
            if r.request.url.startswith(("file:", "data:")):
                r.continue_()
            else:
                r.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        try:
            yield page, requests, errors
        finally:
            browser.close()
