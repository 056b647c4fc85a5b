"""Issue 17: the resource exchanges leave ecotown for Google Earth and QGIS too. The KML export has a folder of
flow lines, results.gpkg a ``flows`` layer with its QGIS style in ``layer_styles``, results.qgs opens it; a
catalog without an exchanges table gets none of these. The lines are those of the level map (maps/flows.py)."""

from __future__ import annotations

import dataclasses
import sqlite3
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, Point

from criteria import run_assessment
from criteria.exchanges import FLOW_COLUMNS
from maps.exports import export_kml, write_tables
from maps.exports.kml import KML_NS, kml_bytes, kml_color, load_kml_settings
from maps.exports.qgis_project import project_xml
from maps.exports.tables import FLOWS_GPKG_COLUMNS
from maps.flows import flow_lines, load_flow_style, offset_line

NS = {"k": KML_NS}


@pytest.fixture(scope="module")
def sample():
    return run_assessment(None, year=2026)


def _flow_folder(root: ET.Element) -> ET.Element | None:
    want = load_kml_settings()["folders"]["flows"]
    found = [f for f in root.findall("k:Document/k:Folder", NS) if f.findtext("k:name", namespaces=NS) == want]
    assert len(found) <= 1
    return found[0] if found else None


def _data(pm: ET.Element) -> dict[str, str]:
    return {d.get("name"): d.findtext("k:value", namespaces=NS) for d in pm.findall("k:ExtendedData/k:Data", NS)}


def test_kml_has_one_line_per_exchange_with_material_tonnes_and_both_ends(sample):
    a = sample
    root = ET.fromstring(kml_bytes(a))
    folder = _flow_folder(root)
    assert folder is not None
    assert "การแลกเปลี่ยนวัสดุ" in folder.findtext("k:name", namespaces=NS)   # Thai and English, as every folder
    assert "Resource exchanges" in folder.findtext("k:name", namespaces=NS)
    pms = folder.findall("k:Placemark", NS)
    ex = a.exchanges
    assert len(pms) == len(ex) == 13
    assert all(pm.find("k:LineString", NS) is not None for pm in pms)
    data = [_data(pm) for pm in pms]
    assert Counter(d["material"] for d in data) == Counter(ex["material"])
    assert Counter((d["from_id"], d["to_id"]) for d in data) == Counter(zip(ex["from_id"], ex["to_id"]))
    assert sum(float(d["tonnes_per_year"]) for d in data) == pytest.approx(float(ex["tonnes_per_year"].sum()))
    assert sum(d["inside_town"] == "1" for d in data) == int((ex["from_inside"] & ex["to_inside"]).sum()) == 10

    by_material = {d["material"]: pm for d, pm in zip(data, pms)}
    steam = by_material["ไอน้ำ (process steam)"]
    assert steam.findtext("k:name", namespaces=NS) == ("ไอน้ำ (process steam): บริษัท หนองโพ ไบโอเพาเวอร์ จำกัด → "
                                                      "บริษัท น้ำตาลหนองโพ จำกัด")
    desc = steam.findtext("k:description", namespaces=NS)
    assert "900,000" in desc and "บริษัท หนองโพ ไบโอเพาเวอร์ จำกัด (36008802000249)" in desc and "2569" in desc

    # width by tonnes; colour inside the town or not, from maps/flows.yaml
    styles = {s.get("id"): s for s in root.findall("k:Document/k:Style", NS)}

    def line_style(material: str) -> tuple[float, str]:
        sid = by_material[material].findtext("k:styleUrl", namespaces=NS).lstrip("#")
        return (float(styles[sid].findtext("k:LineStyle/k:width", namespaces=NS)),
                styles[sid].findtext("k:LineStyle/k:color", namespaces=NS))

    fs = load_flow_style()
    w_steam, c_steam = line_style("ไอน้ำ (process steam)")
    w_bagasse, _ = line_style("ชานอ้อย (bagasse)")
    w_husk, _ = line_style("แกลบ (rice husk)")
    w_cane, c_cane = line_style("อ้อย (sugarcane)")
    assert w_cane > w_steam > w_bagasse > w_husk
    assert w_cane == load_kml_settings()["flow_width"]["max"]                     # the largest flow: cane
    assert c_steam == kml_color(fs["inside_color"], fs["opacity"])
    assert c_cane == kml_color(fs["outside_color"], fs["opacity"])


def test_kml_flow_lines_are_the_level_map_lines_and_reach_the_boundary_for_outside_parties(sample):
    a = sample
    lines = flow_lines(a)
    pms = _flow_folder(ET.fromstring(kml_bytes(a))).findall("k:Placemark", NS)
    ll = gpd.GeoSeries([offset_line(g, float(load_flow_style()["offset_m"])) for g in lines.geometry],
                       crs=lines.crs).to_crs(4326)
    for pm, want in zip(pms, ll):
        text = pm.findtext("k:LineString/k:coordinates", namespaces=NS)
        got = [tuple(float(v) for v in xy.split(",")) for xy in text.split()]
        assert LineString(got).hausdorff_distance(want) < 1e-5
    # the end of a flow with a party outside the town lies on the town boundary (before the side offset)
    ring = a.context["boundary"].geometry.union_all().boundary
    outside = lines[~lines["inside_town"]]
    assert len(outside) == 3
    for r, g in zip(outside.itertuples(), outside.geometry):
        end = Point(g.coords[-1] if not r.to_inside else g.coords[0])
        assert ring.distance(end) < 0.01, r.material


def test_kml_flow_text_stays_text(sample, tmp_path):
    a = sample
    hostile = "<script>alert('x')</script> & <b>วัสดุ</b>"
    ex = a.exchanges.copy()
    ex.loc[ex.index[0], "material"] = hostile
    ex.loc[ex.index[0], "to_name"] = hostile
    b = dataclasses.replace(a, exchanges=ex)
    data = kml_bytes(b)
    assert b"<script" not in data and b"<b>" not in data
    pm = next(p for p in _flow_folder(ET.fromstring(data)).findall("k:Placemark", NS)
              if _data(p)["material"] == hostile)
    assert pm.findtext("k:name", namespaces=NS).startswith(hostile)              # the name intact, as text
    desc = pm.findtext("k:description", namespaces=NS)
    assert "&lt;script&gt;" in desc and "<script" not in desc and "&lt;b&gt;วัสดุ" in desc
    # the KMZ holds the same document
    kml, kmz = export_kml(b, tmp_path)
    with zipfile.ZipFile(kmz) as z:
        assert z.read("doc.kml") == kml.read_bytes()
    assert _flow_folder(ET.fromstring(kml.read_bytes())) is not None


def test_results_gpkg_has_the_flows_layer_and_its_qgis_style(sample, tmp_path):
    a = sample
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
    write_tables(a, tmp_path / "a")
    gpkg = tmp_path / "a" / "results.gpkg"
    kinds = dict(pyogrio.list_layers(gpkg))
    assert kinds["flows"] == "LineString"
    flows = gpd.read_file(gpkg, layer="flows")
    assert flows.crs.to_epsg() == 32647
    assert list(flows.columns) == FLOWS_GPKG_COLUMNS + ["geometry"]
    assert len(flows) == len(a.exchanges)
    assert sorted(flows["material"]) == sorted(a.exchanges["material"])
    assert flows["tonnes_per_year"].sum() == pytest.approx(a.exchanges["tonnes_per_year"].sum())
    assert int(flows["inside_town"].sum()) == 10 and flows["inside_town"].dtype == bool
    assert (flows["year"] == 2026).all()
    assert flows.geometry.length.min() > 100                                       # plant to plant, in metres

    con = sqlite3.connect(gpkg)
    rows = dict(((t, (g, q)) for t, g, q in con.execute(
        "SELECT f_table_name, f_geometry_column, styleQML FROM layer_styles")))
    con.close()
    geom, qml = rows["flows"]
    assert geom == "geom"
    root = ET.fromstring(qml.split("\n", 1)[-1])
    rules = root.findall("renderer-v2/rules/rule")
    assert [r.get("filter") for r in rules] == ['"inside_town"', 'NOT "inside_town"']
    assert "ระหว่างโรงงานในเมือง" in rules[0].get("label")
    assert "filled_arrowhead" in qml and "MarkerLine" in qml
    width = root.find(".//Option[@name='outlineWidth']/Option[@name='expression']").get("value")
    assert '"tonnes_per_year"' in width and "2.4e+06" in width                     # the largest flow: 2.4 Mt of cane
    # the same inputs give the same file
    write_tables(a, tmp_path / "b")
    assert (tmp_path / "b" / "results.gpkg").read_bytes() == gpkg.read_bytes()
    # results.qgs opens it, in its own group
    assert "./results.gpkg|layername=flows" in project_xml(a)


def test_a_flow_with_a_party_outside_and_no_boundary_is_not_drawn(sample):
    a = sample
    ctx = {k: v for k, v in a.context.items() if k != "boundary"}
    lines = flow_lines(dataclasses.replace(a, context=ctx))
    assert len(lines) == 10 and lines["inside_town"].all()


def test_a_catalog_without_exchanges_writes_no_flows_anywhere(tiny_town, tmp_path):
    a = run_assessment(tiny_town, year=2026)
    assert a.exchanges is None and flow_lines(a) is None
    root = ET.fromstring(kml_bytes(a))
    names = [f.findtext("k:name", namespaces=NS) for f in root.findall("k:Document/k:Folder", NS)]
    assert load_kml_settings()["folders"]["flows"] not in names and names    # other folders are there
    assert not any(s.get("id").startswith("flow-") for s in root.findall("k:Document/k:Style", NS))
    write_tables(a, tmp_path)
    gpkg = tmp_path / "results.gpkg"
    assert "flows" not in dict(pyogrio.list_layers(gpkg))
    con = sqlite3.connect(gpkg)
    styled = [t for (t,) in con.execute("SELECT f_table_name FROM layer_styles")]
    con.close()
    assert "flows" not in styled and "facilities" in styled
    assert "layername=flows" not in project_xml(a)
    # an exchanges table with no rows for the year: no lines, no folder either
    empty = dataclasses.replace(a, exchanges=pd.DataFrame(columns=FLOW_COLUMNS))
    assert flow_lines(empty) is None and _flow_folder(ET.fromstring(kml_bytes(empty))) is None
