"""The bundled sample's files are in the shapes offices hand them over, and the generator writes them byte for byte.

These tests read the files with plain tools (csv, openpyxl, json, the DBF bytes), not with ecotown's readers, so that
they check the shapes themselves: the encodings, the headers, the text registration numbers, the missing rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pyogrio
import pytest
import shapely
from pyproj import CRS, Transformer

from layers import sample_catalog_path
from layers.sample.generate import FACTORY_IDS, GI_EXPIRED, MINE_IDS, OUTPUT_NAMES, SURVEY_MISSING, VILLAGE_IDS, generate

SAMPLE = sample_catalog_path().parent

#: the sample's values before issue 13 (F/M ids), which the office-shaped files must reproduce
COMPLAINTS_2026 = {"F01": 5, "F02": 3, "F03": 4, "F04": 2, "F05": 1, "F06": 2, "F07": 4, "F08": 3, "F09": 1,
                   "F10": 0, "F11": 6, "F12": 5, "F13": 1, "F14": 2, "F15": 0, "M1": 6, "M2": 4, "M3": 2}
GI_LEVEL = {"F01": 4, "F02": 4, "F03": 3, "F04": 3, "F05": 4, "F06": 2, "F07": 2, "F08": 1, "F09": 2, "F10": 3,
            "F11": 3, "F12": 1, "F13": 2, "F14": 1, "F15": 3}
REGISTRY_HEADER = ["เลขทะเบียนโรงงานแบบใหม่", "เลขทะเบียนโรงงานแบบเดิม", "ชื่อโรงงาน", "ประกอบกิจการ", "ลำดับประเภทโรงงาน",
                   "แรงม้า", "คนงาน", "ที่ตั้ง/ตำบล", "อำเภอ", "จังหวัด", "ละติจูด", "ลองจิจูด"]


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _csv_rows(path: Path, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


def _date(text: str) -> dt.date:
    """ISO (2026-03-14) or Thai d/m/yyyy with a Buddhist-era year (14/3/2569)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    d, m, y = (int(x) for x in text.split("/"))
    assert y > 2400, f"{text!r}: expected a Buddhist-era year"
    return dt.date(y - 543, m, d)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    a, b = tmp_path_factory.mktemp("run_a"), tmp_path_factory.mktemp("run_b")
    generate(a)
    generate(b)
    return _files(a), _files(b)


def test_generation_is_byte_reproducible(two_runs):
    a, b = two_runs
    assert sorted(a) == sorted(OUTPUT_NAMES)
    assert [name for name in a if a[name] != b[name]] == []


def test_bundled_files_are_what_the_generator_writes(two_runs):
    a, _ = two_runs
    bundled = {k: v for k, v in _files(SAMPLE).items() if k in a}
    assert sorted(bundled) == sorted(a), "a generated file is not bundled: run `python -m layers.sample.generate`"
    stale = [name for name in a if bundled[name] != a[name]]
    assert stale == [], f"bundled files differ from a fresh run: {stale}; run `python -m layers.sample.generate`"
    assert not [k for k in _files(SAMPLE) if k.endswith(".cpg")]


def test_fixed_timestamps_in_dbf_and_xlsx():
    dbf = (SAMPLE / "concessions" / "quarries_dpim.dbf").read_bytes()
    assert tuple(dbf[1:4]) == (2026 - 1900, 1, 1)
    for name in ("gi_certificates.xlsx", "factory_survey_2569.xlsx"):
        with zipfile.ZipFile(SAMPLE / "tables" / name) as z:
            assert {i.date_time for i in z.infolist()} == {(2026, 1, 1, 0, 0, 0)}
            core = z.read("docProps/core.xml").decode()
            stamps = re.findall(r"<dcterms:(created|modified)[^>]*>([^<]*)<", core)
            assert sorted(stamps) == [("created", "2026-01-01T00:00:00Z"), ("modified", "2026-01-01T00:00:00Z")]


def test_registry_csv_is_cp874_with_diw_headers_and_text_numbers():
    raw = (SAMPLE / "registry" / "factories_diw.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = _csv_rows(SAMPLE / "registry" / "factories_diw.csv", "cp874")
    assert rows[0] == REGISTRY_HEADER
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    numbers = [r["เลขทะเบียนโรงงานแบบใหม่"] for r in body]
    assert all(re.fullmatch(r"[1-9]\d{13}", n) for n in numbers), numbers
    assert sorted(numbers) == sorted(FACTORY_IDS.values()) and len(set(numbers)) == 15
    assert all(re.fullmatch(r"จ3-\d+(\(\d+\))?-\d+/\d{2}นว", r["เลขทะเบียนโรงงานแบบเดิม"]) for r in body)
    assert all(re.fullmatch(r"\d+(\(\d+\))?", r["ลำดับประเภทโรงงาน"]) for r in body)
    assert all(re.fullmatch(r"1[45]\.\d{6}", r["ละติจูด"]) and re.fullmatch(r"100\.\d{6}", r["ลองจิจูด"]) for r in body)
    mill = next(r for r in body if r["เลขทะเบียนโรงงานแบบใหม่"] == FACTORY_IDS["F01"])
    assert mill["ชื่อโรงงาน"] == "บริษัท น้ำตาลหนองโพ จำกัด" and mill["ลำดับประเภทโรงงาน"] == "13(1)"


def test_concession_shapefile_has_no_cpg_and_thai_cp874_text():
    shp = SAMPLE / "concessions" / "quarries_dpim.shp"
    assert not shp.with_suffix(".cpg").exists() and not shp.with_suffix(".CPG").exists()
    assert (SAMPLE / "concessions" / "quarries_dpim.dbf").read_bytes()[29] == 0  # no language driver either
    as_thai = pyogrio.read_dataframe(shp, encoding="cp874", read_geometry=False)
    assert list(as_thai.columns) == ["LICENSE_NO", "MINE_NAME", "OPERATOR", "MINERAL", "STATUS", "MINE_TYPE",
                                     "EXP_DATE", "AREA_RAI"]
    assert sorted(as_thai["LICENSE_NO"]) == sorted(MINE_IDS.values())
    assert set(as_thai["MINERAL"]) == {"หินปูน"}
    assert sorted(as_thai["STATUS"]) == ["ยังไม่หมดอายุ", "ยังไม่หมดอายุ", "หยุดการทำเหมือง"]
    assert (as_thai["AREA_RAI"] > 0).all()
    as_is = pyogrio.read_dataframe(shp, read_geometry=False)  # what a reader that guesses no encoding sees
    assert "หินปูน" not in set(as_is["MINERAL"])


def test_concession_prj_is_indian_1975_utm_47n():
    prj = (SAMPLE / "concessions" / "quarries_dpim.prj").read_text()
    assert "Indian_1975" in prj
    assert CRS.from_wkt(prj).to_epsg() == 24047
    g = pyogrio.read_dataframe(SAMPLE / "concessions" / "quarries_dpim.shp")
    x0, y0, x1, y1 = g.total_bounds
    assert 600_000 < x0 < x1 < 650_000 and 1_690_000 < y0 < y1 < 1_720_000


def test_gi_certificates_latest_valid_gives_the_levels():
    wb = openpyxl.load_workbook(SAMPLE / "tables" / "gi_certificates.xlsx")
    assert wb.sheetnames == ["ใบรับรอง"]
    rows = list(wb["ใบรับรอง"].iter_rows(values_only=False))
    assert [c.value for c in rows[0]] == ["เลขทะเบียนโรงงาน", "ชื่อสถานประกอบการ", "ระดับ", "วันที่ออกใบรับรอง", "วันหมดอายุ"]
    certs: dict[str, list[tuple[dt.date, dt.date, int]]] = {}
    for reg, _, level, issued, expires in rows[1:]:
        assert reg.data_type == "s" and issued.data_type == "s" and expires.data_type == "s"  # text, as typed
        assert re.fullmatch(r"\d{1,2}/\d{1,2}/25\d\d", issued.value)
        certs.setdefault(reg.value, []).append((_date(issued.value), _date(expires.value), int(level.value)))
    by_reg = {v: k for k, v in FACTORY_IDS.items()}
    assert set(certs) <= set(by_reg)
    assert sum(len(c) > 1 for c in certs.values()) >= 10  # several per factory, older ones expired
    got = {}
    for reg, cs in certs.items():
        issued, expires, level = max(cs)
        got[by_reg[reg]] = level if expires >= dt.date(2026, 1, 1) else None
    want = {f: (None if f == GI_EXPIRED else lv) for f, lv in GI_LEVEL.items() if lv > 0}
    assert got == want
    assert all(e < dt.date(2026, 1, 1) for _, e, _ in certs[FACTORY_IDS[GI_EXPIRED]])
    f07 = sorted(certs[FACTORY_IDS["F07"]])
    assert max(c[2] for c in f07[:-1]) > f07[-1][2]  # an older, higher level: only 'latest' gives today's level


def test_complaint_counts_for_2026_are_the_sample_values():
    """The office's log is kept as two files, one per register (DIW registration number, mining licence)."""
    counted: Counter = Counter()
    keys: set = set()
    for name, key in (("complaints_log.csv", "เลขทะเบียนโรงงาน"), ("quarry_complaints.csv", "เลขที่ประทานบัตร")):
        raw = (SAMPLE / "tables" / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = _csv_rows(SAMPLE / "tables" / name, "utf-8-sig")
        assert rows[0] == ["เลขที่เรื่อง", "วันที่รับเรื่อง", key, "ประเภทเรื่อง", "สถานะ"]
        years = Counter(_date(r[1]).year for r in rows[1:])
        assert set(years) == {2025, 2026}
        assert any(re.fullmatch(r"\d{4}-\d\d-\d\d", r[1]) for r in rows[1:])
        assert any(re.fullmatch(r"\d{1,2}/\d{1,2}/25\d\d", r[1]) for r in rows[1:])
        assert len({r[0] for r in rows[1:]}) == len(rows) - 1
        counted.update(r[2] for r in rows[1:] if _date(r[1]).year == 2026)
        keys |= {r[2] for r in rows[1:]}
    ids = {**FACTORY_IDS, **MINE_IDS}
    assert {k: counted.get(ids[k], 0) for k in COMPLAINTS_2026} == COMPLAINTS_2026
    assert keys == set(ids.values())  # a factory without 2026 complaints still has older rows


def test_survey_lacks_one_factory_and_keeps_the_values():
    wb = openpyxl.load_workbook(SAMPLE / "tables" / "factory_survey_2569.xlsx")
    assert len(wb.sheetnames) == 1
    rows = list(wb[wb.sheetnames[0]].iter_rows(values_only=True))
    head = rows[0]
    body = {r[0]: dict(zip(head, r)) for r in rows[1:]}
    assert set(FACTORY_IDS.values()) - set(body) == {FACTORY_IDS[SURVEY_MISSING]}
    mill = body[FACTORY_IDS["F01"]]
    assert mill["หมวด"] == "sugar_mill" and mill["สัดส่วนของเสียที่นำกลับมาใช้ประโยชน์"] == pytest.approx(0.92)
    assert {r["เปิดเผยผลตรวจวัดสิ่งแวดล้อม"] for r in body.values()} == {"ใช่", "ไม่ใช่"}


def test_villages_have_text_codes_and_no_population():
    data = json.loads((SAMPLE / "villages" / "villages_2555.geojson").read_text(encoding="utf-8"))
    props = [f["properties"] for f in data["features"]]
    assert set(props[0]) == {"VILL_CODE", "VILL_NAM_T", "VILL_NO", "TAM_NAM_T", "AMP_NAM_T", "PROV_NAM_T"}
    assert all(isinstance(p["VILL_CODE"], str) and re.fullmatch(r"\d{8}", p["VILL_CODE"]) for p in props)
    assert set(VILLAGE_IDS.values()) < {p["VILL_CODE"] for p in props}


def test_population_table_lacks_exactly_one_village():
    raw = (SAMPLE / "tables" / "population_2569.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = _csv_rows(SAMPLE / "tables" / "population_2569.csv", "cp874")
    assert rows[0] == ["รหัสหมู่บ้าน", "ชื่อหมู่บ้าน", "ชาย", "หญิง", "รวม", "บ้าน"]
    data = json.loads((SAMPLE / "villages" / "villages_2555.geojson").read_text(encoding="utf-8"))
    codes = {f["properties"]["VILL_CODE"] for f in data["features"]}
    table = {r[0]: r for r in rows[1:]}
    assert set(table) <= codes and len(codes - set(table)) == 1
    assert all(int(r[2]) + int(r[3]) == int(r[4]) for r in table.values())
    assert table[VILLAGE_IDS["V01"]][4] == "1480"
    assert sum(int(table[c][4]) for c in VILLAGE_IDS.values()) == 10_650  # the town's people, as before


def test_villages_beyond_the_boundary_lie_where_promised():
    data = json.loads((SAMPLE / "villages" / "villages_2555.geojson").read_text(encoding="utf-8"))
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32647", always_xy=True)
    pts = {f["properties"]["VILL_CODE"]: shapely.Point(to_utm.transform(*f["geometry"]["coordinates"]))
           for f in data["features"]}
    town = pyogrio.read_dataframe(SAMPLE / "nong_pho.gpkg", layer="boundary").to_crs("EPSG:32647").geometry.iloc[0]
    reg = _csv_rows(SAMPLE / "registry" / "factories_diw.csv", "cp874")[1:]
    fac = [shapely.Point(to_utm.transform(float(r[11]), float(r[10]))) for r in reg]
    mines = pyogrio.read_dataframe(SAMPLE / "concessions" / "quarries_dpim.shp").to_crs("EPSG:32647")
    facilities = shapely.union_all([*fac, *mines.geometry])
    assert all(pts[c].within(town) for c in VILLAGE_IDS.values())
    beyond = [c for c in pts if c not in VILLAGE_IDS.values()]
    near = [c for c in beyond if pts[c].distance(facilities) <= 5000]
    far = [c for c in beyond if pts[c].distance(facilities) > 5000]
    assert len(near) in (3, 4) and len(far) == 2
    assert all(1000 <= pts[c].distance(town) <= 4000 for c in near)
    committee = {r[0] for r in _csv_rows(SAMPLE / "tables" / "village_committee.csv", "utf-8-sig")[1:]}
    assert committee == set(VILLAGE_IDS.values())
