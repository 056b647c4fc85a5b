"""The DIW factory registry as offices hand it over - a CSV saved from Thai Excel (cp874) or an XLSX workbook, Thai or
English headers - is added with no --map: registration numbers stay text, the DIW factory type is kept and the sector
derived from it, a user's own sector words are matched loosely and refused with a "did you mean"."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from layers import LayerReadError, load_catalog, read_layer
from layers.vocab import diw_code, load_vocabulary
from layers.roles import load_roles
from tests.layers.addkit import LAT0, LON0, cli, tree

TH_HEAD = ["ลำดับ", "เลขทะเบียนโรงงานแบบใหม่", "เลขทะเบียนโรงงานแบบเดิม", "ชื่อโรงงาน", "ประกอบกิจการ",
           "ลำดับประเภทโรงงาน", "แรงม้า", "คนงาน", "ละติจูด", "ลองจิจูด"]
EN_HEAD = ["no", "fac_reg", "reg_no_old", "factory_name", "business", "fac_type_code", "hp", "employees",
           "latitude", "longitude"]
#: registration numbers as the DIW writes them: 14 digits, and one with leading zeros a float would lose
IDS = ["10600000125469", "00300000012345", "20600001234567"]


def _rows(types=("13(1)", "๘๘", "ลำดับที่ 10 (1)")) -> list[list[str]]:
    return [
        ["1", IDS[0], "3-13(1)-1/38นว", "บริษัท น้ำตาลทดสอบ จำกัด", "ผลิตน้ำตาลทรายดิบและน้ำตาลทรายขาว", types[0],
         "12500.5", "850", f"{LAT0:.6f}", f"{LON0:.6f}"],
        ["2", IDS[1], "3-88-2/55นว", "บริษัท ไฟฟ้าชีวมวลทดสอบ จำกัด", "ผลิตพลังงานไฟฟ้าจากกากอ้อย", types[1],
         "3,200", "45", f"{LAT0 + 0.001:.6f}", f"{LON0:.6f}"],
        ["3", IDS[2], "", "โรงสีข้าวทดสอบ", "สีข้าว", types[2], "150", "12", f"{LAT0:.6f}", f"{LON0 + 0.001:.6f}"],
    ]


def _csv(path: Path, head: list[str], rows: list[list[str]], encoding: str = "cp874") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:  # as Excel on Thai Windows saves "CSV"
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)
    return path


def _added(cat: Path, *args) -> str:
    r = cli("layers", "add", *args, "--catalog", cat)
    assert r.exit_code == 0, r.output
    return " ".join(r.output.split())


def _refused(cat: Path, *args) -> str:
    before = tree(cat.parent) if cat.parent.exists() else {}
    r = cli("layers", "add", *args, "--catalog", cat)
    assert r.exit_code == 3, r.output
    assert "Traceback" not in r.output
    assert (tree(cat.parent) if cat.parent.exists() else {}) == before, "the project folder changed"
    return " ".join(r.output.split())


def _layer(cat: Path, name: str):
    return read_layer(load_catalog(cat).get(name)).set_index("id")


def test_thai_registry_csv_in_cp874_needs_no_map(tmp_path):
    src = _csv(tmp_path / "ทะเบียนโรงงาน.csv", TH_HEAD, _rows())
    src.read_bytes().decode("cp874")  # really cp874, not UTF-8
    with pytest.raises(UnicodeDecodeError):
        src.read_bytes().decode("utf-8")
    cat = tmp_path / "p" / "catalog.yaml"
    out = _added(cat, src, "--role", "factories", "--name", "factories", "--id-field", "เลขทะเบียนโรงงานแบบใหม่")
    assert "ลำดับประเภทโรงงาน -> diw_type" in out and "แรงม้า -> horse_power" in out
    g = _layer(cat, "factories")
    assert list(g.index) == IDS  # 14 digits and the leading zeros intact
    assert list(g["registry_no"]) == IDS
    assert list(g["registry_no_old"])[:2] == ["3-13(1)-1/38นว", "3-88-2/55นว"]
    assert pd.isna(g.loc[IDS[2], "registry_no_old"])
    assert list(g["name"])[0] == "บริษัท น้ำตาลทดสอบ จำกัด" and g.loc[IDS[2], "activity"] == "สีข้าว"
    # the DIW type is kept (normalised: Thai digits, spaces, the word ลำดับที่), and the sector derived from it
    assert list(g["diw_type"]) == ["13(1)", "88", "10(1)"]
    assert list(g["category"]) == ["sugar_mill", "biomass_power", "rice_mill"]
    assert list(g["horse_power"]) == [12500.5, 3200.0, 150.0] and list(g["workers"]) == [850, 45, 12]
    assert g.crs.to_epsg() == 32647
    assert "warning" not in out


def test_english_registry_headers_need_no_map(tmp_path):
    src = _csv(tmp_path / "diw_registry.csv", EN_HEAD, _rows(), encoding="utf-8")
    cat = tmp_path / "p" / "catalog.yaml"
    _added(cat, src, "--role", "factories", "--name", "diw", "--id-field", "fac_reg")
    g = _layer(cat, "diw")
    assert list(g.index) == IDS and list(g["registry_no"]) == IDS
    assert list(g["diw_type"]) == ["13(1)", "88", "10(1)"]
    assert list(g["category"]) == ["sugar_mill", "biomass_power", "rice_mill"]
    assert list(g["workers"]) == [850, 45, 12] and g.loc[IDS[1], "activity"] == "ผลิตพลังงานไฟฟ้าจากกากอ้อย"


def test_unknown_diw_codes_become_other_with_one_warning(tmp_path):
    rows = _rows(types=("999(9)", "13 (1)", "998"))
    rows.append(["4", "10600000999999", "", "โรงงานที่สี่", "ไม่ทราบ", "999(9)", "10", "3", f"{LAT0:.6f}",
                 f"{LON0 + 0.002:.6f}"])
    src = _csv(tmp_path / "reg.csv", TH_HEAD, rows)
    cat = tmp_path / "p" / "catalog.yaml"
    out = _added(cat, src, "--role", "factories", "--id-field", "เลขทะเบียนโรงงานแบบใหม่")
    assert out.count("diw_factory_types.yaml") == 1, out  # one warning for the layer, not one per feature
    assert "'999(9)', '998'" in out and "'other'" in out
    g = _layer(cat, "reg")
    assert list(g["diw_type"]) == ["999(9)", "13(1)", "998", "999(9)"]
    assert list(g["category"]) == ["other", "sugar_mill", "other", "other"]


def test_own_category_words_are_matched_loosely(tmp_path):
    head = TH_HEAD + ["category"]
    rows = [r + [c] for r, c in zip(_rows(), ["Sugar Mill", "biomass-power", "โรงสีข้าว"])]
    src = _csv(tmp_path / "reg.csv", head, rows)
    cat = tmp_path / "p" / "catalog.yaml"
    _added(cat, src, "--role", "factories", "--id-field", "เลขทะเบียนโรงงานแบบใหม่")
    # the layer's own category wins over the one the DIW type would give
    assert list(_layer(cat, "reg")["category"]) == ["sugar_mill", "biomass_power", "rice_mill"]


def test_unknown_category_refused_with_did_you_mean(tmp_path):
    head = TH_HEAD + ["category"]
    rows = [r + [c] for r, c in zip(_rows(), ["sugarmil", "food", "food"])]
    src = _csv(tmp_path / "reg.csv", head, rows)
    cat = tmp_path / "p" / "catalog.yaml"
    msg = _refused(cat, src, "--role", "factories", "--id-field", "เลขทะเบียนโรงงานแบบใหม่")
    assert f"feature {IDS[0]}" in msg and "field 'category'" in msg and "'sugarmil'" in msg
    assert "did you mean 'sugar_mill'?" in msg and "bio_fertiliser" in msg  # and the allowed list
    assert not cat.exists()


def test_xlsx_registry_with_a_sheet(tmp_path):
    src = tmp_path / "registry.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "ทะเบียนโรงงาน"
    ws.append(TH_HEAD)
    for r in _rows():
        # Excel keeps a typed-in 14-digit number as a number, and 0030... as text (else the zeros go)
        ws.append([int(r[0]), int(r[1]) if not r[1].startswith("0") else r[1], r[2] or None, r[3], r[4], r[5],
                   float(r[6].replace(",", "")), int(r[7]), float(r[8]), float(r[9])])
    notes = wb.create_sheet("หมายเหตุ")
    notes.append(["ข้อมูลจากกรมโรงงานอุตสาหกรรม"])
    notes.append(["ปรับปรุง 2569"])
    wb.save(src)
    cat = tmp_path / "p" / "catalog.yaml"
    msg = _refused(cat, src, "--role", "factories", "--id-field", "เลขทะเบียนโรงงานแบบใหม่")
    assert "registry.xlsx" in msg and "ทะเบียนโรงงาน" in msg and "หมายเหตุ" in msg and "--sheet" in msg
    _added(cat, src, "--role", "factories", "--sheet", "ทะเบียนโรงงาน", "--id-field", "เลขทะเบียนโรงงานแบบใหม่")
    g = _layer(cat, "registry")
    assert list(g.index) == IDS and list(g["registry_no"]) == IDS  # never 1.0600000125469e+13
    assert list(g["category"]) == ["sugar_mill", "biomass_power", "rice_mill"]
    assert list(g["horse_power"]) == [12500.5, 3200.0, 150.0]


def test_registry_row_without_coordinates_is_refused(tmp_path):
    rows = _rows()
    rows[1][8] = ""  # ละติจูด of the second row (line 3 of the file)
    src = _csv(tmp_path / "reg.csv", TH_HEAD, rows)
    cat = tmp_path / "p" / "catalog.yaml"
    msg = _refused(cat, src, "--role", "factories", "--id-field", "เลขทะเบียนโรงงานแบบใหม่")
    assert "reg.csv" in msg and f"feature {IDS[1]}" in msg and "field 'ละติจูด'" in msg
    assert "row 3: no coordinates: 'ละติจูด' is empty" in msg
    assert IDS[0] not in msg and not cat.exists()


def test_registry_xlsx_row_without_coordinates_names_sheet_row(tmp_path):
    src = tmp_path / "reg.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "factories"
    ws.append(EN_HEAD)
    for r in _rows():
        ws.append(r)
    ws["I4"] = None
    ws["J4"] = None
    wb.save(src)
    cat = tmp_path / "p" / "catalog.yaml"
    msg = _refused(cat, src, "--role", "factories", "--id-field", "fac_reg")
    assert f"feature {IDS[2]}" in msg and "row 4 of sheet 'factories'" in msg
    assert "'longitude' and 'latitude' are empty" in msg


def test_catalog_entry_points_straight_at_a_registry_csv(tmp_path):
    _csv(tmp_path / "reg.csv", TH_HEAD, _rows())
    _csv(tmp_path / "odd.csv", ["เลขทะเบียนโรงงานแบบใหม่", "ชื่อโรงงาน", "ลำดับประเภทโรงงาน", "N_WGS", "E_WGS"],
               [[r[1], r[3], r[5], r[8], r[9]] for r in _rows()])
    cat = tmp_path / "catalog.yaml"
    cat.write_text(yaml.safe_dump({"name": "t", "layers": {
        "factories": {"role": "factories", "source": "reg.csv", "id_field": "เลขทะเบียนโรงงานแบบใหม่"},
        "odd": {"role": "factories", "source": "odd.csv", "id_field": "เลขทะเบียนโรงงานแบบใหม่",
                "coords": {"lon": "E_WGS", "lat": "N_WGS"}},
        "nocoords": {"role": "factories", "source": "odd.csv"},
    }}, allow_unicode=True), encoding="utf-8")
    c = load_catalog(cat)
    g = read_layer(c.get("factories")).set_index("id")
    assert list(g.index) == IDS and list(g["category"]) == ["sugar_mill", "biomass_power", "rice_mill"]
    assert g.attrs["ecotown"]["sha256"] and g.crs.to_epsg() == 32647
    o = read_layer(c.get("odd")).set_index("id")
    assert list(o.index) == IDS and o.geometry.distance(g.geometry).max() < 0.01
    with pytest.raises(LayerReadError, match=r"odd.csv: is not a spatial layer.*coords: \{lon: COLUMN.*"
                                             r"catalog entry 'nocoords'"):
        read_layer(c.get("nocoords"))


def test_catalog_coords_key_is_checked(tmp_path):
    _csv(tmp_path / "reg.csv", TH_HEAD, _rows())
    cat = tmp_path / "catalog.yaml"
    cat.write_text(yaml.safe_dump({"layers": {"f": {"role": "factories", "source": "reg.csv",
                                                    "coords": {"lon": "x1"}}}}), encoding="utf-8")
    with pytest.raises(Exception, match=r"layer 'f', field 'coords': expected \{lon: COLUMN, lat: COLUMN\}"):
        load_catalog(cat)


@pytest.mark.parametrize("written", ["13(1)", "13 (1)", "๑๓(๑)", "ลำดับที่ 13(1)", "ลำดับที่ ๑๓ (๑)", "01301",
                                     "013(01)", " 13（1） "])
def test_diw_codes_are_normalised(written):
    assert diw_code(written) == "13(1)"
    assert load_vocabulary("diw_factory_types.yaml#codes").entry(written)["category"] == "sugar_mill"


def test_diw_code_forms_that_are_not_sub_types():
    assert diw_code("89") == "89" and diw_code("๘๙") == "89" and diw_code("08900") == "89"
    assert diw_code("not a code") == "not a code"
    # a sub-type not listed falls back to its main number
    assert load_vocabulary("diw_factory_types.yaml#codes").entry("13(7)")["category"] == "sugar_mill"
    assert load_vocabulary("diw_factory_types.yaml#codes").entry("999") is None


def test_diw_type_list_names_only_known_sectors_and_says_what_is_confirmed():
    allowed = set(load_roles()["factories"].fields["category"].allowed)
    vocab = load_vocabulary("diw_factory_types.yaml#codes")
    assert {e["category"] for e in vocab.entries.values()} <= allowed
    assert all(isinstance(e.get("confirmed"), bool) and e.get("th") and e.get("en") for e in vocab.entries.values())
    cats = load_vocabulary("diw_factory_types.yaml#categories")
    assert set(cats.canon) == allowed
    # the sectors a sugar and bio-complex town needs all have a DIW type
    needed = {"sugar_mill", "ethanol", "biomass_power", "bio_fertiliser", "bio_chemical", "rice_mill",
              "cassava_starch", "feed_mill", "concrete", "lime_kiln", "metal_works", "plastics", "food"}
    assert needed <= {e["category"] for e in vocab.entries.values()}


def test_catalog_entry_names_the_sheet_of_a_registry_xlsx(tmp_path):
    src = tmp_path / "registry.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "อ่านก่อน"
    wb.active.append(["ข้อมูลจากกรมโรงงานอุตสาหกรรม"])
    wb.active.append(["ปรับปรุง 2569"])
    ws = wb.create_sheet("2569")
    ws.append(EN_HEAD)
    for r in _rows():
        ws.append(r)
    wb.save(src)
    cat = tmp_path / "catalog.yaml"
    entry = {"role": "factories", "source": "registry.xlsx", "id_field": "fac_reg"}
    cat.write_text(yaml.safe_dump({"layers": {"f": {**entry, "sheet": "2569"}, "nosheet": entry}},
                                  allow_unicode=True), encoding="utf-8")
    c = load_catalog(cat)
    g = read_layer(c.get("f")).set_index("id")
    assert list(g.index) == IDS and list(g["diw_type"]) == ["13(1)", "88", "10(1)"]
    with pytest.raises(LayerReadError, match=r"2 sheets \(อ่านก่อน, 2569\).*'sheet: NAME'.*catalog entry 'nosheet'"):
        read_layer(c.get("nosheet"))


@pytest.mark.parametrize("ref", ["diw_factory_types.yaml#codes", "diw_factory_types.yaml#categories",
                                 "mine_vocab.yaml#mineral", "mine_vocab.yaml#status"])
def test_a_long_column_translates_as_value_by_value(ref, monkeypatch):
    """A long text column is translated by its distinct words: the same values, the same unknown words in the same
    order, the same warning as value by value (FACTORIZE_FROM raised above the column's length)."""
    from layers import vocab as vocab_module

    v = load_vocabulary(ref)
    words = list(v.lookup)[:12] + ["13(4)", "0301", "  ", "", "หินปูน ", "Sugar Mill", "unheard-of", "อื่น ๆ",
                                   "unheard-of", "ไม่รู้จัก"]
    rng = np.random.default_rng(3)
    values = [None if r < .05 else float("nan") if r < .08 else words[int(r * 1000) % len(words)]
              for r in rng.random(3000)]
    fast = v.translate(values, "field")
    monkeypatch.setattr(vocab_module, "FACTORIZE_FROM", 10 ** 9)
    slow = v.translate(values, "field")
    assert [x if x == x else "NaN" for x in fast.values] == [x if x == x else "NaN" for x in slow.values]
    assert [type(x) for x in fast.values] == [type(x) for x in slow.values]
    assert list(fast.kept) == list(slow.kept) and fast.refused == slow.refused
    assert list(fast.refused) == list(slow.refused) and fast.warning == slow.warning


def test_a_registry_added_without_an_id_field_takes_its_registration_numbers_as_ids(tmp_path):
    """The office's CSV, added as it is: the registration numbers (leading zeros kept) are the ids, not 1, 2, 3;
    the saved mapping names the field, so next year's file is added the same way."""
    src = _csv(tmp_path / "ทะเบียนโรงงาน.csv", TH_HEAD, _rows())
    cat = tmp_path / "p" / "catalog.yaml"
    out = _added(cat, src, "--role", "factories", "--name", "factories", "--save-mapping", tmp_path / "m.yaml")
    assert "ids: the registry_no field 'เลขทะเบียนโรงงานแบบใหม่' (no --id-field given)" in out
    g = _layer(cat, "factories")
    assert list(g.index) == IDS and list(g["registry_no"]) == IDS
    assert yaml.safe_load((tmp_path / "m.yaml").read_text(encoding="utf-8"))["id_field"] == "เลขทะเบียนโรงงานแบบใหม่"


@pytest.mark.parametrize("change, why", [
    (lambda rows: rows[2].__setitem__(1, ""), "1 feature(s) have no registry_no"),
    (lambda rows: rows[2].__setitem__(1, IDS[0]), f"registry_no '{IDS[0]}' is used by more than one feature"),
])
def test_registration_numbers_that_cannot_be_ids_leave_the_row_numbers_and_say_why(tmp_path, change, why):
    rows = _rows()
    change(rows)
    src = _csv(tmp_path / "ทะเบียนโรงงาน.csv", TH_HEAD, rows)
    cat = tmp_path / "p" / "catalog.yaml"
    out = _added(cat, src, "--role", "factories", "--name", "factories")
    assert f"ids: the row numbers ({why}); give the id field with --id-field" in out
    assert list(_layer(cat, "factories").index) == ["1", "2", "3"]
