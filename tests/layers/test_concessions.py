"""Mining concessions (ประทานบัตร) as the mining department hands them over: a shapefile in Indian 1975 / UTM 47N with a
cp874 .dbf and no .cpg, Thai mineral and status words - added with no --map, the words mapped through
layers/mine_vocab.yaml, a word it does not know kept with one warning."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import yaml
from shapely.geometry import box

from layers import load_catalog, read_layer
from layers.vocab import load_vocabulary
from tests.conftest import X0, Y0
from tests.layers.addkit import cli

STATUS = ["ยังไม่หมดอายุ", "หยุดการทำเหมือง", "เพิกถอน", "ฟื้นฟู", "รอการตรวจสอบ", "หมดอายุ"]
MINERAL = ["หินปูน", "ดินขาว", "หินอุตสาหกรรมชนิดหินปูนเพื่ออุตสาหกรรมก่อสร้าง", "หินปูน", "แร่ลึกลับ", "Kaolin"]
HOLDERS = [f"บริษัท เหมืองทดสอบ {i + 1} จำกัด" for i in range(6)]
LICENCES = [f"{26000 + i}/{15000 + i}" for i in range(6)]


def _squares() -> list:
    """Six 200 m concessions west of (X0, Y0), in EPSG:32647."""
    return [box(X0 - 3000 + 300 * i, Y0, X0 - 2800 + 300 * i, Y0 + 200) for i in range(6)]


def _concessions(folder: Path, columns: dict, name: str = "ประทานบัตร") -> Path:
    g = gpd.GeoDataFrame(columns, geometry=_squares(), crs="EPSG:32647").to_crs("EPSG:24047")
    src = folder / f"{name}.shp"
    g.to_file(src, encoding="cp874")
    src.with_suffix(".cpg").unlink()  # as the files come: Thai text in cp874 and nothing saying so
    return src


def _thai(folder: Path) -> Path:
    # Thai field names fit a DBF field name in cp874 (a letter is a byte); longer ones are cut at 10 bytes
    return _concessions(folder, {"ประทานบัตร": LICENCES, "ผู้ถือประท": HOLDERS, "ชนิดแร่": MINERAL,
                                 "สถานะ": STATUS, "วันหมดอายุ": ["2030-01-31"] * 6})


def test_thai_concession_shapefile_in_indian_1975_needs_no_map(tmp_path):
    src = _thai(tmp_path)
    assert not src.with_suffix(".cpg").exists() and "Indian" in src.with_suffix(".prj").read_text()
    cat = tmp_path / "p" / "catalog.yaml"
    r = cli("layers", "add", src, "--role", "mines", "--name", "mines", "--id-field", "ประทานบัตร", "--catalog", cat)
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "cp874" in out and "source CRS EPSG:24047" in out
    g = read_layer(load_catalog(cat).get("mines")).set_index("id")
    assert list(g.index) == LICENCES and list(g["licence_no"]) == LICENCES
    assert list(g["name"]) == HOLDERS  # a concession without a mine name is named by its holder
    assert list(g["status"]) == ["active", "suspended", "closed", "rehabilitated", "รอการตรวจสอบ", "closed"]
    assert list(g["mineral"]) == ["limestone", "kaolin", "construction_limestone", "limestone", "แร่ลึกลับ",
                                  "kaolin"]
    assert list(g["expiry_date"]) == ["2030-01-31"] * 6
    # the unknown words are kept with ONE warning per field, listing them
    assert out.count("mine_vocab.yaml") == 2, out
    assert "'รอการตรวจสอบ'" in out and "unknown status" in out and "'แร่ลึกลับ'" in out
    # converted from Indian 1975 to WGS 84 / UTM 47N with the datum shift, to where the squares were drawn
    for got, want in zip(g.geometry, _squares()):
        assert got.centroid.distance(want.centroid) < 1.0


def test_dbf_truncated_english_field_names(tmp_path):
    src = _concessions(tmp_path, {"CONCESSIO": LICENCES, "HOLDER": HOLDERS, "MINERAL_TY": MINERAL,
                                  "STATUS": ["Operating", "idle", "Expired", "reclaimed", "unknown", "revoked"],
                                  "MINE_TYPE": ["เหมืองหิน", "Open-Pit", "quarry", "เหมืองเปิด", "dredging", None]},
                       name="concessions")
    cat = tmp_path / "p" / "catalog.yaml"
    r = cli("layers", "add", src, "--role", "mines", "--id-field", "CONCESSIO", "--catalog", cat)
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "'unknown'" in out and "'dredging'" in out
    g = read_layer(load_catalog(cat).get("concessions")).set_index("id")
    assert list(g["licence_no"]) == LICENCES and list(g["name"]) == HOLDERS
    assert list(g["status"]) == ["active", "suspended", "closed", "rehabilitated", "unknown", "closed"]
    assert list(g["mine_type"])[:5] == ["quarry", "open_pit", "quarry", "open_pit", "dredging"]


def test_catalog_entry_points_at_a_zipped_cp874_concession_shapefile(tmp_path):
    src = _thai(tmp_path)
    z = tmp_path / "dpim.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for ext in (".shp", ".shx", ".dbf", ".prj"):
            zf.write(src.with_suffix(ext), arcname=f"ประทานบัตร{ext}")
    cat = tmp_path / "catalog.yaml"
    cat.write_text(yaml.safe_dump({"layers": {
        "mines": {"role": "mines", "source": "dpim.zip", "id_field": "ประทานบัตร"},
        "plain": {"role": "mines", "source": "ประทานบัตร.shp", "id_field": "ประทานบัตร"},
    }}, allow_unicode=True), encoding="utf-8")
    c = load_catalog(cat)
    for name in ("mines", "plain"):
        g = read_layer(c.get(name)).set_index("id")
        assert list(g.index) == LICENCES and g.loc[LICENCES[2], "mineral"] == "construction_limestone"
        assert g.loc[LICENCES[0], "status"] == "active" and g.crs.to_epsg() == 32647
    # what pyogrio alone would have given: the cp874 text read as Latin-1
    raw = pyogrio.read_dataframe(src)
    assert "สถานะ" not in raw.columns


def test_mine_vocabularies_map_only_onto_allowed_values():
    from layers.roles import load_roles

    mines = load_roles()["mines"].fields
    for field in ("status", "mine_type"):
        assert set(load_vocabulary(f"mine_vocab.yaml#{field}").canon) == set(mines[field].allowed)
    v = load_vocabulary("mine_vocab.yaml#status")
    assert v.find("ยังไม่หมดอายุ") == "active" and v.find(" Temporarily-Closed ") == "suspended"
    assert v.find("พ้นสภาพ") is None


@pytest.mark.parametrize("words", [["หินปูน", "หินปูน "], ["๑", "1"]])
def test_words_are_folded_the_same_way(words):
    from layers.vocab import fold

    assert fold(words[0]) == fold(words[1])
