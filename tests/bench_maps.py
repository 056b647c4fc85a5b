"""Benchmark: size and render time of the level and buffer maps at province and region scale.

Run: .venv/bin/python tests/bench_maps.py [--region-factories N --region-villages N]

Builds a synthetic province (2,000 factories, 1,500 villages) and region (8,000 factories, 6,000 villages) as
GeoPackage layers, assesses them with criteria.run_assessment, writes each map offline, opens it in headless
Chromium with the network blocked and prints: file size, Python build time, and the time from navigation start
until the map engine has drawn everything (window.ecotownTiming.ready_ms), with what the size plan simplified.
Budget (issue 6): province maps < 10 MB and < 2 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from criteria import run_assessment  # noqa: E402
from maps import write_map  # noqa: E402
from maps.buffer_map import buffer_map  # noqa: E402
from maps.level_map import level_map  # noqa: E402
from tests.maps.synthetic import province_catalog  # noqa: E402


def render_ms(path: Path, runs: int = 3) -> float:
    from playwright.sync_api import sync_playwright

    best = float("inf")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for _ in range(runs):
            page = b.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
            page.goto(path.as_uri())
            page.wait_for_function("window.ecotownReady === true", timeout=60000)
            best = min(best, float(page.evaluate("window.ecotownTiming.ready_ms")))
            page.close()
        b.close()
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--region-factories", type=int, default=8000)
    ap.add_argument("--region-villages", type=int, default=6000)
    args = ap.parse_args()
    scales = [("province", 2000, 1500), ("region", args.region_factories, args.region_villages)]
    print(f"{'scale':9} {'map':7} {'factories':>9} {'villages':>8} {'size MB':>8} {'build s':>8} {'render s':>9}  "
          "simplified")
    with tempfile.TemporaryDirectory() as tmp:
        for scale, nf, nv in scales:
            folder = Path(tmp) / scale
            folder.mkdir()
            a = run_assessment(province_catalog(folder, factories=nf, villages=nv), year=2026)
            for build in (level_map, buffer_map):
                t = time.perf_counter()
                m = build(a)
                p = write_map(m, folder / f"{build.__name__}.html")
                secs = time.perf_counter() - t
                size = p.stat().st_size / 1e6
                ms = render_ms(p)
                notes = "; ".join(m.ecotown_simplified["notes"]) or "-"
                print(f"{scale:9} {build.__name__.split('_')[0]:7} {nf:9,} {nv:8,} {size:8.2f} {secs:8.1f} "
                      f"{ms / 1000:9.2f}  {notes}", flush=True)


if __name__ == "__main__":
    main()
