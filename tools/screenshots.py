"""Regenerate the README screenshots (docs/level-map.png, docs/buffer-map.png) from the bundled sample.

Run: .venv/bin/python tools/screenshots.py   (needs Debian's chromium; the network stays blocked)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from playwright.sync_api import sync_playwright
    from typer.testing import CliRunner

    from maps.cli.main import app

    out = Path(tempfile.mkdtemp()) / "2026"
    r = CliRunner().invoke(app, ["assess", "--year", "2026", "--out", str(out), "-q"])
    if r.exit_code:
        raise SystemExit(r.output)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for name in ("level-map", "buffer-map"):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", lambda rt: rt.continue_() if rt.request.url.startswith(("file:", "data:"))
                       else rt.abort())
            page.goto((out / f"{name}.html").as_uri())
            page.wait_for_selector(".leaflet-container")
            page.wait_for_timeout(1200)
            page.screenshot(path=str(ROOT / "docs" / f"{name}.png"))
            print("wrote", ROOT / "docs" / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
