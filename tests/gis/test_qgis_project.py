"""For GIS staff in QGIS 3.22 (Debian 12): the GeoPackages ecotown writes are version 1.2, which QGIS opens without
"This version of GeoPackage ... may only be partially supported", and results.qgs beside results.gpkg opens every
layer styled, grouped, with Thai names, the boundary as first view and an A4 print layout.

The project is written without QGIS; headless QGIS (the system Python's PyQGIS, tests/gis/qgis_project_probe.py)
reads it from a moved copy of the output folder, so relative paths are checked too, and exports the layout to
PNG. Like tests/gis/test_qgis.py these tests need python3-qgis (tools/install-system-deps.sh) and fail without it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from PIL import Image
from shapely.geometry import Point

from criteria import run_assessment
from layers.store import Transaction, write_store_layer
from maps.exports import write_buffer_tables
from maps.publish import publish
from maps.exports.qgis_project import PROJECT_FILE, project_xml
from maps.style import level_colors
from tests.gis.test_qgis import ARTIFACTS, HERE, system_python_with_qgis

PROJECT_YAML = Path(__file__).resolve().parents[2] / "maps" / "exports" / "qgis" / "project.yaml"
GPKG_APPLICATION_ID = int.from_bytes(b"GPKG", "big")
PARTIAL = "may only be partially supported"

pytestmark = pytest.mark.qgis  # every test opens the project in headless QGIS


def run_project_probe(gpkg: Path, qgs: Path, png: Path) -> dict:
    py = system_python_with_qgis()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    runtime = png.parent / "xdg-runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env.update(QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime))
    r = subprocess.run([py, str(HERE / "qgis_project_probe.py"), str(gpkg), str(qgs), str(png)],
                       capture_output=True, text=True, env=env, timeout=300, cwd=png.parent)
    assert r.returncode == 0, f"QGIS project probe failed:\n{r.stderr[-3000:]}"
    report = json.loads(r.stdout.strip().splitlines()[-1])
    report["stderr"] = r.stderr
    return report


def gpkg_version(path: Path) -> tuple[int, int]:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA application_id").fetchone()[0], con.execute("PRAGMA user_version").fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    """The sample assessed and published, the output folder moved elsewhere, then opened in headless QGIS."""
    base = tmp_path_factory.mktemp("qgis-project")
    a = run_assessment(None, year=2026)
    publish(a, base / "out")
    moved = base / "handed-over" / "nong-pho"
    moved.parent.mkdir()
    shutil.move(base / "out", moved)
    png = base / "layout.png"
    report = run_project_probe(moved / "results.gpkg", moved / PROJECT_FILE, png)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(png, ARTIFACTS / "qgis-layout.png")
    return a, moved, report, png


def test_every_geopackage_ecotown_writes_is_version_1_2(opened, tmp_path):
    _, out, _, _ = opened
    assert gpkg_version(out / "results.gpkg") == (GPKG_APPLICATION_ID, 10200)
    # ecotown buffer's buffer.gpkg
    pts = gpd.GeoDataFrame({"name": ["โรงงาน ก"]}, geometry=[Point(637000, 1703000)], crs="EPSG:32647")
    write_buffer_tables(tmp_path / "buffer", {"t.csv": pts.drop(columns="geometry")}, {"facilities": pts,
                                                                                       "rings": pts.buffer(500).to_frame("geometry")})
    assert gpkg_version(tmp_path / "buffer" / "buffer.gpkg") == (GPKG_APPLICATION_ID, 10200)
    # the layer store layers.gpkg, new and with a second layer added
    store = tmp_path / "layers.gpkg"
    for name in ("factories", "villages"):
        with Transaction() as txn:
            write_store_layer(txn, store, name, pts)
            txn.commit()
        assert gpkg_version(store) == (GPKG_APPLICATION_ID, 10200), name


def test_qgis_opens_every_layer_of_results_gpkg_without_a_version_warning(opened, tmp_path):
    a, out, report, _ = opened
    layers = {v["name"]: v for v in report["gpkg_layers"].values()}
    assert set(layers) >= {"facilities", "communities", "rings", "boundary", "exposure", "indicators", "levels",
                           "town"}
    assert all(v["valid"] for v in layers.values()), layers
    assert layers["communities"]["count"] == len(a.communities)
    warned = [m for m in report["gpkg_messages"] + report["project_messages"] if PARTIAL in m[2]]
    assert warned == [] and PARTIAL not in report["stderr"], warned

    # the check above can fail: the same file marked GeoPackage 1.4 (what GDAL 3.12 writes by default) is warned about
    old = tmp_path / "results.gpkg"
    shutil.copyfile(out / "results.gpkg", old)
    con = sqlite3.connect(old)
    con.execute("PRAGMA user_version = 10400")
    con.commit()
    con.close()
    shutil.copyfile(out / PROJECT_FILE, tmp_path / PROJECT_FILE)
    control = run_project_probe(old, tmp_path / PROJECT_FILE, tmp_path / "control.png")
    assert any(PARTIAL in m[2] and m[0] == "GDAL" for m in control["gpkg_messages"]), control["gpkg_messages"]


def test_project_opens_every_layer_styled_grouped_with_thai_names(opened):
    a, out, report, _ = opened
    p = report["project"]
    assert p["read"] and p["error"] == "", p["error"]
    assert p["crs"] == "EPSG:32647" and p["absolute_paths"] is False
    spec = yaml.safe_load(PROJECT_YAML.read_text(encoding="utf-8"))
    want = [(f"ecotown_{l['id']}", l["name"]) for g in spec["groups"] for l in g["layers"]]
    assert [(l["id"], l["name"]) for l in p["layers"]] == want
    assert sorted(p["registry_ids"]) == sorted(i for i, _ in want)
    # every layer loaded from the moved folder: the project's paths are relative
    for l in p["layers"]:
        assert l["valid"], l
        assert l["source"].startswith(str(out / "results.gpkg") + "|layername="), l["source"]
    by = {l["id"]: l for l in p["layers"]}
    mines = int((a.facilities.geom_type == "Polygon").sum())
    assert by["ecotown_factories"]["count"] == len(a.facilities) - mines and by["ecotown_mines"]["count"] == mines
    assert by["ecotown_communities"]["count"] == len(a.communities)
    assert by["ecotown_rings"]["count"] == len(a.rings)
    assert by["ecotown_boundary"]["count"] == len(a.context["boundary"])
    assert by["ecotown_town"]["count"] == 1 and not by["ecotown_town"]["spatial"]
    assert by["ecotown_flows"]["count"] == len(a.exchanges) and by["ecotown_flows"]["renderer"] == "RuleRenderer"

    # styled as the HTML maps: level colours of the edition, Thai legend words, Thai labels by name
    colors = {k: v.lower() for k, v in level_colors(a.edition).items()}
    com = by["ecotown_communities"]
    assert com["renderer"] == "categorizedSymbol" and com["attr"] == "level"
    for lv in a.edition.levels:
        value, color, label = next(c for c in com["classes"] if c[0] == str(lv.level))
        assert color == colors[lv.level] and label == lv.name_th
    for lid, geom in (("ecotown_factories", "'Point'"), ("ecotown_mines", "'Polygon'")):
        layer = by[lid]
        assert layer["renderer"] == "RuleRenderer"
        assert layer["classes"] and all(geom in c[0] for c in layer["classes"]), layer["classes"]
        for lv in a.edition.levels:
            assert [c[1] for c in layer["classes"] if f'"level" = {lv.level} ' in c[0]] == [colors[lv.level]]
    rings = by["ecotown_rings"]
    assert rings["renderer"] == "categorizedSymbol" and rings["attr"] == "ring_m"
    assert [int(c[0]) for c in rings["classes"]] == sorted(a.rings_m)
    assert dict((c[0], c[2]) for c in rings["classes"])["1000"] == "ภายใน 1,000 ม."
    assert by["ecotown_boundary"]["renderer"] == "singleSymbol"
    for lid in ("ecotown_factories", "ecotown_mines", "ecotown_communities"):
        assert by[lid]["labels"] and by[lid]["label_field"] == "name"

    # grouped: facilities, exchanges, communities, rings, boundary; the attribute tables in a group switched off
    assert [(g["group"], g["layers"]) for g in p["tree"]] == [
        (g["name"], [l["name"] for l in g["layers"]]) for g in spec["groups"]]
    assert [g["visible"] for g in p["tree"]] == [True, True, True, True, True, False]
    # the first view is the town boundary
    assert p["default_view_crs"] == "EPSG:32647"
    assert p["default_view"] == pytest.approx(list(a.context["boundary"].total_bounds), abs=0.01)


def test_print_layout_has_map_title_legend_scale_north_arrow_and_date(opened):
    a, _, report, png = opened
    (layout,) = report["project"]["layouts"]
    assert layout["page_mm"] == [297.0, 210.0]
    items = {i["id"]: i for i in layout["items"]}
    assert {i["kind"] for i in layout["items"]} == {"map", "label", "legend", "scalebar", "picture"}
    m = items["ecotown-map"]
    x0, y0, x1, y1 = a.context["boundary"].total_bounds
    assert m["crs"] == "EPSG:32647"
    assert m["extent"][0] < x0 and m["extent"][1] < y0 and m["extent"][2] > x1 and m["extent"][3] > y1
    title = items["ecotown-title"]["text"]
    assert a.town["name"] in title and str(a.year_be) in title
    assert items["ecotown-subtitle"]["text"] == a.town["level_name_th"]
    date = items["ecotown-date"]["text"]
    assert "[%" not in date and "พิมพ์เมื่อ" in date and f"{a.year_be}" in date   # the expression was evaluated
    assert all(items[i]["font"] == "Loma" for i in ("ecotown-title", "ecotown-date"))
    legend = items["ecotown-legend"]
    assert legend["map"] == "ecotown-map" and legend["title"] == "คำอธิบายสัญลักษณ์"
    assert legend["layers"] == [l["name"] for l in report["project"]["layers"] if l["spatial"]]
    assert items["ecotown-scalebar"]["map"] == "ecotown-map" and items["ecotown-scalebar"]["units"] == "กม."
    assert items["ecotown-north"]["map"] == "ecotown-map" and "north_arrow" in items["ecotown-north"]["path"]

    # the exported page: A4 landscape at 100 dpi, a drawn map in the map frame, a legend with coloured symbols
    assert report["png"]["ok"]
    img = Image.open(png).convert("RGB")
    assert abs(img.size[0] - 1169) <= 1 and abs(img.size[1] - 827) <= 1
    mm = img.size[0] / 297

    def colours(box):
        x, y, w, h = (round(v * mm) for v in box)
        return {c for _, c in img.crop((x, y, x + w, y + h)).getcolors(maxcolors=1 << 20)}

    from maps.exports.qgis_project import BOXES
    level_rgb = {tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in level_colors(a.edition).values()}
    drawn_levels = {int(v) for v in a.communities["level"].dropna()}
    assert len(colours(BOXES["map"])) > 200                                  # a real map, not a blank
    in_legend = colours([215, 26, 72, 100]) & level_rgb
    assert len(in_legend) >= len(drawn_levels), in_legend
    assert len(colours(BOXES["title"])) > 5                                   # the title is drawn


def test_project_file_is_written_without_qgis_relative_and_deterministic(opened):
    a, out, _, _ = opened
    text = (out / PROJECT_FILE).read_text(encoding="utf-8")
    assert text == project_xml(a)
    assert "./results.gpkg|layername=facilities|geometrytype=Point" in text
    assert str(out) not in text and "/tmp" not in text
    assert text.startswith("<!DOCTYPE qgis") and "หนองโพ" in text
