"""Layers as offices hand them over: attributes only criteria read may be missing ("no data", never zero, and
said where people look), and villages outside the boundary but within a town facility's rings are assessed."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box
from typer.testing import CliRunner

from criteria import run_assessment
from criteria.explain import explain
from maps.cli.main import app
from tests.conftest import X0, Y0, write_catalog


def _bare_town(tmp_path: Path) -> Path:
    """Factories with only an id and a name; villages without population; one village outside the boundary
    1.5 km from a factory, one 9 km away from every facility; one factory outside the boundary."""
    gpkg = tmp_path / "bare.gpkg"
    crs = "EPSG:32647"
    gpd.GeoDataFrame({"code": ["T1"], "name": ["ตำบลทดสอบ"]},
                     geometry=[box(X0 - 3000, Y0 - 3000, X0 + 3000, Y0 + 3000)], crs=crs
                     ).to_file(gpkg, layer="boundary")
    gpd.GeoDataFrame({"reg": ["10600000000017", "10600000000025", "10600000000033"],
                      "ชื่อโรงงาน": ["โรงงาน ก", "โรงงาน ข", "โรงงานนอกเขต"]},
                     geometry=[Point(X0, Y0), Point(X0 + 2500, Y0), Point(X0 + 20000, Y0)], crs=crs
                     ).to_file(gpkg, layer="factories")
    gpd.GeoDataFrame({"vcode": ["60060101", "60060102", "60060103", "60060104"],
                      "ชื่อหมู่บ้าน": ["บ้านใน", "บ้านในสอง", "บ้านนอกใกล้", "บ้านไกล"],
                      "ประชากร": [120, None, 300, 50]},
                     geometry=[Point(X0 + 400, Y0), Point(X0, Y0 + 800), Point(X0 + 4000, Y0),
                               Point(X0 - 14000, Y0)], crs=crs).to_file(gpkg, layer="villages")
    return write_catalog(tmp_path, {
        "boundary": {"role": "boundary", "source": "bare.gpkg", "layer": "boundary", "id_field": "code"},
        "factories": {"role": "factories", "source": "bare.gpkg", "layer": "factories", "id_field": "reg"},
        "villages": {"role": "communities", "source": "bare.gpkg", "layer": "villages", "id_field": "vcode"},
    }, town="boundary")


def test_missing_attributes_are_no_data_and_named_as_data_to_collect(tmp_path):
    a = run_assessment(_bare_town(tmp_path), year=2026)
    ind = a.indicators
    gi = ind[(ind["indicator_id"] == "gi_level")]
    assert len(gi) == 2 and gi["status"].eq("no data").all() and gi["value"].isna().all()
    share = ind[ind["indicator_id"] == "green_industry_share"].iloc[0]
    assert share["status"] == "no data" and pd.isna(share["value"])  # not 0 %
    dg = a.data_gaps.set_index(["subject_kind", "field"])
    row = dg.loc[("factory", "gi_level")]
    assert (row["missing"], row["of"]) == (2, 2)
    assert row["action"].startswith("collect gi_level for 2 of 2 factories to score ")
    assert "'green_industry_share'" in row["action"] and "จัดเก็บข้อมูล gi_level" in row["action_th"]
    pop = dg.loc[("community", "population")]
    assert pop["missing"] == 1 and "60060102" in pop["examples"]
    # the village without population is counted in the rings as population unknown, not as 0 people
    f = a.facilities.loc["10600000000017"]
    assert int(f["pop_unknown_within_1000"]) == 1 and int(f["pop_within_1000"]) == 120
    text = explain(a, a.town["town_id"])
    assert "Missing data" in text and "collect gi_level for 2 of 2 factories" in text
    assert "collect gi_level for this factory" in explain(a, "10600000000025")


def test_villages_outside_the_boundary_within_a_ring_are_assessed_and_the_rest_named(tmp_path):
    a = run_assessment(_bare_town(tmp_path), year=2026)
    com = a.communities
    assert set(com.index) == {"60060101", "60060102", "60060103"}
    assert com.loc["60060103", "relation"] == "affected" and not com.loc["60060103", "in_town"]
    assert com.loc["60060101", "relation"] == "inside"
    assert set(a.levels.loc[a.levels["subject_kind"] == "community", "subject_id"]) == set(com.index)
    assert list(a.scope.left_out["community_id"]) == ["60060104"]
    assert list(a.scope.facilities_outside["facility_id"]) == ["10600000000033"]
    assert "10600000000033" not in a.facilities.index
    assert a.town["population"] == 120  # the town's own people: villages inside the boundary only
    assert a.manifest["scope"]["communities_left_out"] == ["60060104"]


def test_assess_writes_left_out_and_data_to_collect(tmp_path):
    cat = _bare_town(tmp_path)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["assess", "--catalog", str(cat), "--year", "2026", "--out", str(out)],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "collect gi_level for 2 of 2 factories" in r.output
    assert "1 left out, beyond every ring" in r.output
    left = pd.read_csv(out / "left-out.csv", dtype=str)
    assert set(left["id"]) == {"60060104", "10600000000033"}
    gaps = pd.read_csv(out / "gaps.csv", dtype=str)
    collect = gaps[gaps["gap_kind"] == "collect"]
    assert collect["action"].str.startswith("collect gi_level").any()


def test_the_annual_reports_data_health_page_lists_missing_data_and_coverage(tmp_path):
    from maps.report import build_report, render_annual_html

    a = run_assessment(_bare_town(tmp_path), year=2026)
    en = render_annual_html(build_report(a, lang="en", figures=False))
    assert "collect gi_level for 2 of 2 factories to score" in en
    assert "1 outside it within 5,000 m" in en and "60060104" in en
    th = render_annual_html(build_report(a, lang="th", figures=False))
    assert "จัดเก็บข้อมูล gi_level ของโรงงาน 2 จาก 2 แห่ง" in th


def test_a_sensitivity_run_scores_the_same_villages(tmp_path):
    cat = _bare_town(tmp_path)
    a = run_assessment(cat, year=2026)
    shrunk = run_assessment(cat, year=2026, ring_scale=0.8)
    assert set(shrunk.communities.index) == set(a.communities.index)
