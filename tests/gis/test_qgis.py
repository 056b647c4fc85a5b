"""results.gpkg opened in real QGIS (PyQGIS, headless): every layer loads with its ecotown style from the
GeoPackage ``layer_styles`` table and the right feature count, and the level map QGIS draws has the colours of
the HTML level map.

PyQGIS comes from Debian (python3-qgis) and belongs to the system Python, so QGIS runs in a subprocess with
/usr/bin/python3 (tests/gis/qgis_probe.py). CI installs it through tools/install-system-deps.sh.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from criteria import run_assessment
from maps.publish import publish
from maps.exports import write_tables
from maps.exports.qgis_styles import add_layer_styles, qgis_color
from maps.flows import load_flow_style
from maps.style import level_colors

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parent / "_artifacts"
SYSTEM_PYTHON = "/usr/bin/python3"
LAYERS = ["facilities", "communities", "rings", "boundary", "flows"]  # flows: the sample has exchanges

pytestmark = pytest.mark.qgis  # every test opens results.gpkg in headless QGIS


def system_python_with_qgis() -> str:
    """/usr/bin/python3 when it can import PyQGIS; else the test fails saying how to install it."""
    if not Path(SYSTEM_PYTHON).exists():
        pytest.fail(f"{SYSTEM_PYTHON} is missing: run tools/install-system-deps.sh (installs python3-qgis)")
    r = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, text=True,
                       env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    if r.returncode != 0:
        pytest.fail("PyQGIS is missing: run tools/install-system-deps.sh (installs Debian's python3-qgis and "
                    f"qgis-providers)\n{r.stderr[-500:]}")
    return SYSTEM_PYTHON


def run_probe(gpkg: Path, png: Path) -> dict:
    py = system_python_with_qgis()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(png.parent))
    r = subprocess.run([py, str(HERE / "qgis_probe.py"), str(gpkg), str(png), *LAYERS], capture_output=True,
                       text=True, env=env, timeout=300)
    assert r.returncode == 0, f"QGIS probe failed:\n{r.stderr[-3000:]}"
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The bundled sample assessed and published (maps, report, results.gpkg), then opened in QGIS."""
    out = tmp_path_factory.mktemp("qgis") / "out"
    a = run_assessment(None, year=2026)
    publish(a, out)
    png = out.parent / "qgis-level-map.png"
    report = run_probe(out / "results.gpkg", png)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(png, ARTIFACTS / "qgis-level-map.png")
    return a, out, report, png


def test_every_layer_loads_with_its_style_and_feature_count(published):
    a, out, report, _ = published
    layers = report["layers"]
    expected = {"facilities": len(a.facilities), "communities": len(a.communities), "rings": len(a.rings),
                "boundary": len(a.context["boundary"]), "flows": len(a.exchanges)}
    for name, count in expected.items():
        assert layers[name]["valid"], name
        assert layers[name]["count"] == count, (name, layers[name]["count"], count)
    # QGIS splits the mixed facilities table into points (factories) and polygons (mines): both get the style
    assert layers["facilities|Point"]["count"] == int((a.facilities["kind"] != "mine").sum())
    assert layers["facilities|Polygon"]["count"] == int((a.facilities["kind"] == "mine").sum())
    assert layers["facilities|Point"]["count"] > 0 and layers["facilities|Polygon"]["count"] > 0

    colors = level_colors(a.edition)
    # the style QGIS loaded is ours, not QGIS's random single-colour default
    assert layers["communities"]["renderer"] == "categorizedSymbol"
    assert layers["communities"]["attr"] == "level"
    got = {c[0]: c[1] for c in layers["communities"]["classes"]}
    for lv in a.edition.levels:
        assert got[str(lv.level)] == colors[lv.level].lower()
        label = next(c[2] for c in layers["communities"]["classes"] if c[0] == str(lv.level))
        assert lv.name_th in label and lv.name_en in label
    for part in ("facilities", "facilities|Point", "facilities|Polygon"):
        assert layers[part]["renderer"] == "RuleRenderer"
        rules = layers[part]["classes"]
        for lv in a.edition.levels:
            hits = [r for r in rules if f'"level" = {lv.level} ' in r[0]]
            assert len(hits) == 2 and all(r[1] == colors[lv.level].lower() for r in hits), (part, lv.level)
    assert layers["rings"]["renderer"] == "categorizedSymbol" and layers["rings"]["attr"] == "ring_m"
    assert sorted(int(c[0]) for c in layers["rings"]["classes"]) == sorted(a.rings_m)
    assert {c[0]: c[1] for c in layers["rings"]["classes"]}["500"] == "#b30000"   # maps/styles.yaml rings.500
    assert layers["boundary"]["renderer"] == "singleSymbol"
    # the resource exchanges: a rule for flows between plants of the town, one for flows with a party outside
    fs = load_flow_style()
    assert layers["flows"]["renderer"] == "RuleRenderer"
    assert [c[:2] for c in layers["flows"]["classes"]] == [['"inside_town"', fs["inside_color"]],
                                                            ['NOT "inside_town"', fs["outside_color"]]]
    # Thai labels by name, in a Thai font
    for name in ("facilities", "communities"):
        assert layers[name]["labels"] and layers[name]["label_field"] == "name"
        assert layers[name]["label_font"] == "Loma"


def _html_fill_colors(html: Path) -> set[str]:
    return {m.lower() for m in re.findall(r'fillColor"\s*:\s*"(#[0-9a-fA-F]{6})"', html.read_text(encoding="utf-8"))}


def _rgb(hexcolor: str) -> tuple[int, int, int]:
    h = hexcolor.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def test_qgis_level_map_has_the_html_level_colours(published):
    a, out, report, png = published
    assert report["png_saved"]
    img = Image.open(png).convert("RGB")
    assert list(img.size) == report["png_size"] == [1200, 1000]
    xmin, ymin, xmax, ymax = report["extent"]
    mupp = report["map_units_per_pixel"]
    html_colors = _html_fill_colors(out / "level-map.html")
    colors = {k: v.lower() for k, v in level_colors(a.edition).items()}

    points = [(str(i), int(r["level"]), r.geometry) for i, r in a.communities.iterrows()]
    points += [(str(i), int(r["level"]), r.geometry) for i, r in a.facilities.iterrows()
               if r.geometry.geom_type == "Point"]
    matched, levels_seen, shown = 0, set(), 0
    for sid, level, g in points:
        want = colors[level]
        assert want in html_colors, f"{sid}: level colour {want} is not in level-map.html"
        px, py = round((g.x - xmin) / mupp), round((ymax - g.y) / mupp)
        if not (0 <= px < img.size[0] and 0 <= py < img.size[1]):
            continue  # an affected village outside the boundary, beyond the rendered extent
        shown += 1
        got = img.getpixel((px, py))
        if all(abs(c - w) <= 3 for c, w in zip(got, _rgb(want))):
            matched += 1
            levels_seen.add(level)
    # markers drawn on top of each other may hide a few centres; nearly all must show their level's colour
    assert shown >= 0.8 * len(points)
    assert matched >= 0.9 * shown, f"only {matched} of {shown} markers have their level colour"
    assert levels_seen == {int(v) for v in a.levels["level"]}, levels_seen

    # the picture is a map, not a blank: many pixels of the level colours
    hist = img.getcolors(maxcolors=1 << 20)
    counts = {c: n for n, c in hist}
    for level in levels_seen:
        assert counts.get(_rgb(colors[level]), 0) > 20, level


def test_layer_styles_table_is_what_qgis_expects_and_deterministic(published, tmp_path):
    a, out, _, _ = published
    gpkg = out / "results.gpkg"
    con = sqlite3.connect(gpkg)
    rows = con.execute("SELECT f_table_name, f_geometry_column, useAsDefault, update_time, styleQML "
                       "FROM layer_styles ORDER BY id").fetchall()
    registered = con.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'").fetchone()
    con.close()
    assert [r[0] for r in rows] == LAYERS
    assert all(r[1] == "geom" and r[2] == 1 and r[3].startswith("2000-01-01") for r in rows)
    assert registered == ("attributes",)
    assert "ระดับที่" in rows[1][4]                       # Thai legend labels in the QML
    # the same assessment gives the same file, styles included
    write_tables(a, tmp_path)
    assert (tmp_path / "results.gpkg").read_bytes() == gpkg.read_bytes()


def test_styles_follow_the_edition_colours(published, tmp_path):
    """Level colours come from the criteria edition: change one, and the stored QML changes with it."""
    a, out, _, _ = published
    gpkg = tmp_path / "results.gpkg"
    shutil.copyfile(out / "results.gpkg", gpkg)
    lv = a.edition.levels[3]
    edition = dataclasses.replace(a.edition, levels=[dataclasses.replace(x, color="#123456") if x is lv else x
                                                     for x in a.edition.levels])
    assert add_layer_styles(gpkg, dataclasses.replace(a, edition=edition)) == LAYERS
    con = sqlite3.connect(gpkg)
    qml = dict(con.execute("SELECT f_table_name, styleQML FROM layer_styles").fetchall())
    con.close()
    assert '"18,52,86,255"' in qml["communities"] and '"18,52,86,255"' in qml["facilities"]
    assert qgis_color(level_colors(a.edition)[lv.level]) not in qml["communities"]
