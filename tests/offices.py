"""Files in the shapes Thai offices hand over, written by the tests (nothing here is real data).

* ``diw_factories_2569.csv`` - the DIW factory registry as saved from Thai Excel: cp874, the published Thai headers,
  14-digit registration numbers, the DIW factory type (ลำดับประเภทโรงงาน), WGS 84 latitude/longitude; no Green
  Industry level, no complaints, no sector.
* ``ประทานบัตร.shp`` - mining concessions from the mining department: Indian 1975 / UTM 47N (EPSG:24047) with its
  ``.prj``, DBF text in cp874 with no ``.cpg``, Thai mineral and status words.
* ``หมู่บ้าน.geojson`` - village points from a national village layer (VILL_CODE, VILL_NAM_T, VILL_NO), no
  population: one village outside the subdistrict near a factory, one far from everything.
* ``tambon.gpkg`` - the subdistrict boundary (ADM3_PCODE, ADM3_TH).
* ``gi_certificates.csv`` - Green Industry certificates: several per factory, Buddhist-era dates, one lapsed.
* ``ประชากร_2569.csv`` - the registration office's population table (cp874), one village missing.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
from pyproj import Transformer
from shapely.geometry import Point, box

from tests.conftest import X0, Y0

TO_LONLAT = Transformer.from_crs(32647, 4326, always_xy=True)

#: registration number, name, activity, DIW type, horse power, workers, metres east / north of (X0, Y0)
FACTORIES = [
    ("36001301000138", "บริษัท น้ำตาลทดสอบ จำกัด", "ผลิตน้ำตาลทรายดิบ", "13(1)", "42000", "850", 0, 0),
    ("36004400000351", "บริษัท เอทานอลทดสอบ จำกัด", "ผลิตเอทานอลจากกากน้ำตาล", "44", "6500", "120", 900, 300),
    ("36008802000249", "บริษัท ไฟฟ้าชีวมวลทดสอบ จำกัด", "ผลิตไฟฟ้าจากชานอ้อย", "88(2)", "38000", "60", 600, -700),
    ("06001001000841", "โรงสีข้าวทดสอบ", "สีข้าว", "10(1)", "180", "8", -1500, 1200),
]
#: licence, holder, mineral, status, metres east / north of (X0, Y0) of the concession's south-west corner
MINES = [
    ("27104/15873", "ห้างหุ้นส่วนจำกัด ศิลาทดสอบ", "หินปูน", "ยังไม่หมดอายุ", -2600, 300),
    ("27311/16020", "บริษัท เหมืองทดสอบ จำกัด", "หินอุตสาหกรรมชนิดหินปูนเพื่ออุตสาหกรรมก่อสร้าง", "หยุดการทำเหมือง",
     -2500, -1500),
]
#: village code, name, หมู่ที่, metres east / north of (X0, Y0); population (None: not in the population table)
VILLAGES = [
    ("60070601", "บ้านหนองทดสอบ", 1, 400, 0, 812),
    ("60070602", "บ้านโคกทดสอบ", 2, -300, 900, 640),
    ("60070603", "บ้านนาทดสอบ", 3, -2000, 1100, None),
    ("60070204", "บ้านนอกเขตใกล้", 4, 4200, 300, 455),  # outside the boundary, 3.3 km from a factory
    ("60140302", "บ้านไกล", 2, 16000, -9000, 300),  # beyond every ring
]
#: registration number, level, issued, expires (Buddhist era, as typed)
CERTIFICATES = [
    ("36001301000138", "2", "12/01/2563", "11/01/2566"),
    ("36001301000138", "4", "15/03/2567", "14/03/2570"),
    ("36004400000351", "3", "1/6/2565", "31/5/2568"),  # lapsed before 2026: no data in 2026
    ("36008802000249", "3", "20 ก.ค. 2566", "19 ก.ค. 2569"),
]
HALF = 3000.0


def _lonlat(dx: float, dy: float) -> tuple[float, float]:
    return TO_LONLAT.transform(X0 + dx, Y0 + dy)


def write_office_files(folder: Path) -> dict[str, Path]:
    """Write every file above into ``folder``; return them by short name."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}

    reg = folder / "diw_factories_2569.csv"
    head = ["ลำดับ", "เลขทะเบียนโรงงานแบบใหม่", "เลขทะเบียนโรงงานแบบเดิม", "ชื่อโรงงาน", "ประกอบกิจการ",
            "ลำดับประเภทโรงงาน", "แรงม้า", "คนงาน", "ตำบล", "อำเภอ", "จังหวัด", "ละติจูด", "ลองจิจูด"]
    with open(reg, "w", encoding="cp874", newline="") as fh:  # Excel on Thai Windows: "CSV" is cp874
        w = csv.writer(fh)
        w.writerow(head)
        for i, (no, name, act, typ, hp, workers, dx, dy) in enumerate(FACTORIES, start=1):
            lon, lat = _lonlat(dx, dy)
            w.writerow([i, no, f"จ3-{typ}-{i}/40นว", name, act, typ, hp, workers, "หนองโพ", "ตาคลี", "นครสวรรค์",
                        f"{lat:.6f}", f"{lon:.6f}"])
    out["registry"] = reg

    shp = folder / "ประทานบัตร.shp"
    polys = [box(X0 + dx, Y0 + dy, X0 + dx + 400, Y0 + dy + 300) for *_r, dx, dy in MINES]
    mines = gpd.GeoDataFrame({"เลขที่ประท": [m[0] for m in MINES], "ผู้ถือประท": [m[1] for m in MINES],
                              "ชนิดแร่": [m[2] for m in MINES], "สถานะ": [m[3] for m in MINES]},
                             geometry=polys, crs="EPSG:32647").to_crs("EPSG:24047")
    mines.to_file(shp, driver="ESRI Shapefile", encoding="cp874")
    shp.with_suffix(".cpg").unlink(missing_ok=True)  # offices' files rarely carry one
    out["concessions"] = shp

    vil = folder / "หมู่บ้าน.geojson"
    gpd.GeoDataFrame({"VILL_CODE": [v[0] for v in VILLAGES], "VILL_NAM_T": [v[1] for v in VILLAGES],
                      "VILL_NO": [v[2] for v in VILLAGES], "TAM_NAM_T": ["หนองโพ"] * len(VILLAGES)},
                     geometry=[Point(*_lonlat(v[3], v[4])) for v in VILLAGES], crs="EPSG:4326"
                     ).to_file(vil, driver="GeoJSON")
    out["villages"] = vil

    tambon = folder / "tambon.gpkg"
    gpd.GeoDataFrame({"ADM3_PCODE": ["TH600706"], "ADM3_TH": ["หนองโพ"]},
                     geometry=[box(X0 - HALF, Y0 - HALF, X0 + HALF, Y0 + HALF)], crs="EPSG:32647"
                     ).to_crs("EPSG:4326").to_file(tambon, layer="tambon", driver="GPKG")
    out["boundary"] = tambon

    gi = folder / "gi_certificates.csv"
    with open(gi, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["เลขทะเบียนโรงงาน", "ระดับ", "วันที่ออก", "วันหมดอายุ"])
        w.writerows(CERTIFICATES)
    out["certificates"] = gi

    pop = folder / "ประชากร_2569.csv"
    with open(pop, "w", encoding="cp874", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["รหัสหมู่บ้าน", "ชื่อหมู่บ้าน", "ชาย", "หญิง", "รวม", "บ้าน"])
        for code, name, _moo, _dx, _dy, total in VILLAGES:
            if total is not None:
                w.writerow([code, name, total // 2, total - total // 2, total, total // 3])
    out["population"] = pop
    return out
