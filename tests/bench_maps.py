"""Benchmark: size, Python build time and render time of the level and buffer maps at province and region scale.

Run: .venv/bin/python tests/bench_maps.py [--region-factories N --region-villages N] [--runs N]

Builds a synthetic province (2,000 factories, 1,500 villages) and region (6,000 factories, 4,500 villages by
default) as GeoPackage layers, assesses them with criteria.run_assessment, builds each map (``build s``: Python
time of level_map/buffer_map), writes it offline (``write s``), opens it in headless Chromium with the network
blocked and prints the file size and the render time: from navigation start until the map engine has drawn
everything and the browser has painted two frames (best of ``--runs``), with what the size plan simplified.
Budget (issue 6): every map < 10 MB and < 2 s.
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
from maps.web import buffer_map  # noqa: E402
from maps.web import level_map  # noqa: E402
from tests.maps.synthetic import province_catalog  # noqa: E402

PAINTED = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() =>
    done(performance.now()))))"""


def render_ms(path: Path, runs: int = 3) -> float:
    """Best time (ms) from navigation start until the engine is done and two frames are painted."""
    from playwright.sync_api import sync_playwright

    best = float("inf")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for _ in range(runs):
            page = b.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
            page.goto(path.as_uri())
            page.wait_for_function("window.ecotownReady === true", timeout=60000)
            best = min(best, float(page.evaluate(PAINTED)))
            page.close()
        b.close()
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--region-factories", type=int, default=6000)
    ap.add_argument("--region-villages", type=int, default=4500)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    scales = [("province", 2000, 1500), ("region", args.region_factories, args.region_villages)]
    print(f"{'scale':9} {'map':7} {'factories':>9} {'villages':>8} {'size MB':>8} {'build s':>8} {'write s':>8} "
          f"{'render s':>9}  simplified", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for scale, nf, nv in scales:
            folder = Path(tmp) / scale
            folder.mkdir()
            a = run_assessment(province_catalog(folder, factories=nf, villages=nv), year=2026)
            for build in (level_map, buffer_map):
                t = time.perf_counter()
                m = build(a)
                built = time.perf_counter() - t
                t = time.perf_counter()
                p = write_map(m, folder / f"{build.__name__}.html")
                written = time.perf_counter() - t
                size = p.stat().st_size / 1e6
                ms = render_ms(p, args.runs)
                notes = "; ".join(m.ecotown_simplified["notes"]) or "-"
                print(f"{scale:9} {build.__name__.split('_')[0]:7} {nf:9,} {nv:8,} {size:8.2f} {built:8.2f} "
                      f"{written:8.2f} {ms / 1000:9.2f}  {notes}", flush=True)


if __name__ == "__main__":
    main()
