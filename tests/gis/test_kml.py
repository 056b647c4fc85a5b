"""KML/KMZ for Google Earth: valid XML, Thai names, hostile names stay text, coloured styles per level, rings,
a KMZ holding doc.kml, and the `ecotown export kml` command."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point
from typer.testing import CliRunner

from criteria import run_assessment
from maps.cli.main import app
from maps.exports.kml import KML_NS, export_kml, kml_bytes, kml_color, kmz_bytes, write_kml
from maps.errors import MapsError
from maps.style import level_colors
from tests.conftest import X0, Y0

NS = {"k": KML_NS}
HOSTILE = "<script>alert('x')</script> & ]]> \"บ้าน\" <b>"


@pytest.fixture
def hostile_town(tiny_town: Path) -> Path:
    """The tiny town with a hostile name on factory F1 and village V1."""
    gpkg = tiny_town.parent / "town.gpkg"
    fac = gpd.read_file(gpkg, layer="factories")
    fac.loc[0, "name"] = HOSTILE
    fac.to_file(gpkg, layer="factories", driver="GPKG")
    vil = gpd.read_file(gpkg, layer="villages")
    vil.loc[vil["vid"] == "V1", "ชื่อหมู่บ้าน"] = HOSTILE
    vil.to_file(gpkg, layer="villages", driver="GPKG")
    return tiny_town


@pytest.fixture
def assessed(hostile_town: Path):
    return run_assessment(hostile_town, year=2026)


def _placemarks(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//k:Placemark", NS)


def _by_name(root: ET.Element, name: str) -> list[ET.Element]:
    return [p for p in _placemarks(root) if p.findtext("k:name", namespaces=NS) == name]


def test_kml_is_valid_xml_with_thai_names_and_level_styles(assessed):
    a = assessed
    data = kml_bytes(a)
    root = ET.fromstring(data)                     # well-formed XML
    assert root.tag == f"{{{KML_NS}}}kml"
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    names = [p.findtext("k:name", namespaces=NS) for p in _placemarks(root)]
    assert "บ้านสอง" in names and "บ้านสาม" in names and "เหมืองหิน" in names
    doc_name = root.findtext("k:Document/k:name", namespaces=NS)
    assert "ตำบลทดสอบ" in doc_name and "พ.ศ. 2569" in doc_name
    folders = [f.findtext("k:name", namespaces=NS) for f in root.findall("k:Document/k:Folder", NS)]
    assert any("หมู่บ้าน" in f for f in folders) and any("โรงงาน" in f for f in folders)

    styles = {s.get("id"): s for s in root.findall("k:Document/k:Style", NS)}
    colors = level_colors(a.edition)
    for lv in a.edition.levels:       # one coloured style per level and kind
        want = kml_color(colors[lv.level])
        assert styles[f"village-level-{lv.level}"].findtext("k:IconStyle/k:color", namespaces=NS) == want
        assert styles[f"factory-level-{lv.level}"].findtext("k:IconStyle/k:color", namespaces=NS) == want
        assert styles[f"mine-level-{lv.level}"].findtext("k:PolyStyle/k:color", namespaces=NS)[2:] == want[2:]
    assert kml_color("#d7191c") == "ff1c19d7" and kml_color("#a6d96a", 0.5) == "806ad9a6"

    # every subject points at the style of its own level, and sits where it is (lon, lat)
    for sid, kind in (("V2", "village"), ("V3", "village"), ("M1", "mine")):
        row = a.levels[a.levels["subject_id"] == sid].iloc[0]
        pm = [p for p in _placemarks(root)
              if any(d.get("name").endswith("_id") and d.findtext("k:value", namespaces=NS) == sid
                     for d in p.findall("k:ExtendedData/k:Data", NS))
              and not p.findtext("k:styleUrl", namespaces=NS).startswith("#ring")]
        assert len(pm) == 1, sid
        assert pm[0].findtext("k:styleUrl", namespaces=NS) == f"#{kind}-level-{int(row['level'])}"
    v2 = _by_name(root, "บ้านสอง")[0].findtext("k:Point/k:coordinates", namespaces=NS)
    lon, lat = (float(x) for x in v2.split(","))
    want = gpd.GeoSeries([Point(X0, Y0 + 800)], crs=32647).to_crs(4326).iloc[0]
    assert abs(lon - want.x) < 1e-6 and abs(lat - want.y) < 1e-6


def test_rings_are_placemarks_with_holes_and_ring_styles(assessed):
    a = assessed
    root = ET.fromstring(kml_bytes(a))
    rings = [p for p in _placemarks(root) if p.findtext("k:styleUrl", namespaces=NS).startswith("#ring-")]
    assert len(rings) == len(a.rings)
    assert {p.findtext("k:styleUrl", namespaces=NS) for p in rings} == {f"#ring-{m}" for m in a.rings_m}
    outer = [p for p in rings if p.findtext("k:styleUrl", namespaces=NS) == f"#ring-{max(a.rings_m)}"]
    assert all(p.find(".//k:innerBoundaryIs", NS) is not None for p in outer)   # a band is a donut
    style = root.find("k:Document/k:Style[@id='ring-500']", NS)
    assert style.findtext("k:LineStyle/k:color", namespaces=NS) == kml_color("#b30000")


def test_a_hostile_name_stays_text(assessed):
    data = kml_bytes(assessed)
    root = ET.fromstring(data)
    assert b"<script" not in data and b"<b>" not in data
    hits = _by_name(root, HOSTILE)
    assert len(hits) == 2                          # the factory F1 and the village V1, name intact as text
    # descriptions are HTML for Google Earth: the name is escaped inside it, so it shows as text there too
    ring_desc = [p.findtext("k:description", namespaces=NS) for p in _placemarks(root)
                 if p.findtext("k:styleUrl", namespaces=NS).startswith("#ring-")
                 and p.findtext("k:name", namespaces=NS).startswith(HOSTILE)]
    assert len(ring_desc) == 4 and all("&lt;script&gt;" in d and "<script" not in d for d in ring_desc)
    assert all(re.fullmatch(r"<table>(<tr><th align='left'>[^<]*</th><td>[^<]*</td></tr>)*</table>", d)
               for d in ring_desc)


def test_kmz_holds_doc_kml_and_is_byte_identical(assessed, tmp_path):
    paths = export_kml(assessed, tmp_path / "a")
    assert [p.name for p in paths] == ["ecotown-2026.kml", "ecotown-2026.kmz"]
    with zipfile.ZipFile(paths[1]) as z:
        assert z.namelist() == ["doc.kml"]
        assert z.read("doc.kml") == paths[0].read_bytes()
    again = export_kml(assessed, tmp_path / "b")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]
    assert kmz_bytes(b"x") == kmz_bytes(b"x")
    with pytest.raises(MapsError, match=r"\.kml or \.kmz"):
        write_kml(assessed, tmp_path / "x.txt")


def test_cli_export_kml(hostile_town, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out"
    r = runner.invoke(app, ["export", "kml", "--catalog", str(hostile_town), "--year", "2026", "--out", str(out)],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "ecotown-2026.kmz" in r.output
    root = ET.parse(out / "ecotown-2026.kml").getroot()
    assert _by_name(root, "บ้านสอง")
    with zipfile.ZipFile(out / "ecotown-2026.kmz") as z:
        assert z.namelist() == ["doc.kml"]

    # a broken catalog: a plain error and exit code 3 (layer problem); nothing written
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nlayers: {f: {role: factories, source: missing.gpkg}}\n", encoding="utf-8")
    out2 = tmp_path / "out2"
    r = runner.invoke(app, ["export", "kml", "--catalog", str(bad), "--year", "2026", "--out", str(out2)])
    assert r.exit_code == 3, r.output
    assert "Traceback" not in r.output
    assert not out2.exists()
