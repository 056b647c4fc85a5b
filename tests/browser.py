"""Waits for the browser tests: on states of the page, never on time, so a busy machine only makes them slower.

A map is ready when the ecotown engine says so (``window.ecotownReady``) and still when Leaflet is neither
zooming nor panning (it marks its map pane ``leaflet-zoom-anim`` / ``leaflet-pan-anim`` while it does). Until
then a click at a computed place can miss: paths and canvas points are still being moved.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

#: how long any wait may last before the test fails (a bound for a hung page, not a pause)
TIMEOUT_MS = 90_000

#: the page's main map (the minimap is another L.Map, kept in a closure)
MAP_JS = "Object.values(window).find(v => v instanceof L.Map)"

_STILL = """() => { const m = %s; if (!m || !m._loaded) return false;
    const pane = m.getPane('mapPane').classList;
    return !pane.contains('leaflet-zoom-anim') && !pane.contains('leaflet-pan-anim'); }""" % MAP_JS


def wait_still(page: Page) -> None:
    """Wait until the map has stopped zooming and panning.

    Leaflet starts an animated zoom (after ``fitBounds`` or ``setView``) in the next animation frame: a frame
    callback asked for now runs after it, so the zoom has begun (and marked the pane) before the check.
    """
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => done()))")
    page.wait_for_function(_STILL)


def open_map(page: Page, path: Path) -> None:
    """Open an ecotown map and wait until the engine has built it and the first view has settled."""
    page.goto(path.as_uri())
    page.wait_for_function("window.ecotownReady === true")
    wait_still(page)


def popup(page: Page) -> Locator:
    """The one open popup, once the map has panned it into view.

    A closed popup fades out before Leaflet removes it, so there may be two for a moment: wait for one.
    """
    pop = page.locator(".leaflet-popup-content")
    expect(pop).to_have_count(1)
    expect(pop).to_be_visible()
    wait_still(page)
    return pop
