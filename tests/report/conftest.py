"""Two years of the bundled Nong Pho sample with known changes between them, and their stored history.

Each year is a copy of the whole sample folder (the DIW registry CSV, the joined tables, the concession shapefile,
the village layer, the GeoPackage, ...). Factories and villages are named by their ids in the sample
(``FACTORY_IDS``, ``VILLAGE_IDS`` of :mod:`layers.sample.generate`; F01 below is ``FACTORY_IDS["F01"]``).

2026 is the sample as shipped, except that factory F02 is renamed in the registry to a name with the Thai test
strings (so the PDF text can be checked). 2025 differs in these known ways:
* factory F15 is not in the registry yet (so it is "added" in 2026);
* factory ``CLOSED_ID`` (F99, a closed plant) stood 10 m east of factory F14 in the registry, with F14's Green
  Industry certificates (so it is "closed" in 2026; every village within a ring of it is also within that ring of
  F14, so closing it moves no village out of a ring);
* village V04 stood 200 m east of factory F01 in the village layer (so it is "newly outside" the 500 m and 1 km
  rings in 2026);
* the latest Green Industry certificate of F01 (issued 1/1/2567) had level 2 (4 in 2026);
* the town's renewable energy share (evidence) was 0.30 (0.42 in 2026).
The joined tables count each year's rows (complaints of 2025 for 2025), so other values differ between the years
as the sample's tables say (F08's last certificate was still valid in 2025, for instance).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Callable

import geopandas as gpd
import openpyxl
import pytest
import yaml
from shapely.geometry import Point

import layers
from layers.sample.generate import FACTORY_IDS, VILLAGE_IDS

SAMPLE = Path(layers.__file__).resolve().parent / "sample"
THAI_TEST_NAME = "นี้ ที่ ทั้ง เชียงใหม่ ผู้ใหญ่"  # the Thai shaping test strings, as a factory name
METRIC = "EPSG:32647"
WGS84 = "EPSG:4326"

#: the closed factory of 2025 (F99): a DIW registration number of type 106, like F14's
CLOSED_ID = "36010600009961"
CLOSED_NAME = "โรงงานที่ปิดแล้ว"

REGISTRY = Path("registry") / "factories_diw.csv"
REGISTRY_ENCODING = "cp874"
REG_ID, REG_NAME, REG_LAT, REG_LON = "เลขทะเบียนโรงงานแบบใหม่", "ชื่อโรงงาน", "ละติจูด", "ลองจิจูด"
GI_TABLE = Path("tables") / "gi_certificates.xlsx"
VILLAGES = Path("villages") / "villages_2555.geojson"


def _copy_sample(folder: Path) -> None:
    """The whole sample folder (every data file and subfolder), without the generator's Python files."""
    shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))


def read_registry(folder: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of the DIW registry CSV (cp874) of a copied sample folder."""
    with (folder / REGISTRY).open(encoding=REGISTRY_ENCODING, newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def edit_registry(folder: Path, change: Callable[[list[dict[str, str]]], list[dict[str, str]]]) -> None:
    """Rewrite the registry CSV with ``change(rows)``: same headers, cp874 and CRLF, as Thai Excel saves it."""
    header, rows = read_registry(folder)
    rows = change(rows)
    with (folder / REGISTRY).open("w", encoding=REGISTRY_ENCODING, newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)


def rename_factory(fid: str, name: str) -> Callable[[list[dict[str, str]]], list[dict[str, str]]]:
    def change(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        hit = [r for r in rows if r[REG_ID] == fid]
        assert len(hit) == 1, fid
        hit[0][REG_NAME] = name
        return rows
    return change


def _lonlat_metric(row: dict[str, str]) -> Point:
    p = gpd.GeoSeries([Point(float(row[REG_LON]), float(row[REG_LAT]))], crs=WGS84).to_crs(METRIC)
    return p.iloc[0]


def _to_lonlat(p: Point) -> tuple[float, float]:
    q = gpd.GeoSeries([p], crs=METRIC).to_crs(WGS84).iloc[0]
    return q.x, q.y


def _factories_2025(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    rows = rename_factory(FACTORY_IDS["F02"], THAI_TEST_NAME)(rows)
    rows = [r for r in rows if r[REG_ID] != FACTORY_IDS["F15"]]
    f14 = next(r for r in rows if r[REG_ID] == FACTORY_IDS["F14"])
    at = _lonlat_metric(f14)
    lon, lat = _to_lonlat(Point(at.x + 10, at.y))
    closed = dict(f14)
    closed.update({REG_ID: CLOSED_ID, "เลขทะเบียนโรงงานแบบเดิม": "จ3-106-99/61นว", REG_NAME: CLOSED_NAME,
                   REG_LAT: f"{lat:.6f}", REG_LON: f"{lon:.6f}"})
    return rows + [closed]


def _be_date(text: str) -> dt.date:
    d, m, y = (int(x) for x in str(text).split("/"))
    return dt.date(y - 543, m, d)


def _gi_2025(folder: Path) -> None:
    """F01's latest certificate with level 2; F14's certificates copied for the closed factory."""
    path = folder / GI_TABLE
    wb = openpyxl.load_workbook(path)
    ws = wb["ใบรับรอง"]
    header = [c.value for c in ws[1]]
    key, level, issued = (header.index(h) for h in ("เลขทะเบียนโรงงาน", "ระดับ", "วันที่ออกใบรับรอง"))
    rows = list(ws.iter_rows(min_row=2))
    f01 = [r for r in rows if r[key].value == FACTORY_IDS["F01"]]
    latest = max(f01, key=lambda r: _be_date(r[issued].value))
    assert _be_date(latest[issued].value).year == 2024 and latest[level].value == 4  # the sample's
    latest[level].value = 2
    for r in rows:
        if r[key].value == FACTORY_IDS["F14"]:
            vals = [c.value for c in r]
            vals[key] = CLOSED_ID
            vals[header.index("ชื่อสถานประกอบการ")] = CLOSED_NAME
            ws.append(vals)
    wb.save(path)


def _villages_2025(folder: Path) -> None:
    """Village V04 200 m east of factory F01 (the registry's point), in the GeoJSON's lon/lat at 7 decimals."""
    _, rows = read_registry(folder)
    f01 = _lonlat_metric(next(r for r in rows if r[REG_ID] == FACTORY_IDS["F01"]))
    lon, lat = _to_lonlat(Point(f01.x + 200, f01.y))
    path = folder / VILLAGES
    data = json.loads(path.read_text(encoding="utf-8"))
    hit = [f for f in data["features"] if f["properties"]["VILL_CODE"] == VILLAGE_IDS["V04"]]
    assert len(hit) == 1
    hit[0]["geometry"]["coordinates"] = [round(lon, 7), round(lat, 7)]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _catalog(folder: Path, **edit) -> Path:
    data = yaml.safe_load((SAMPLE / "catalog.yaml").read_text(encoding="utf-8"))
    data["evidence"] = {2025: "evidence-2025.csv", 2026: "evidence-2026.csv"}
    data.update(edit)
    p = folder / "catalog.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def _evidence_2025(folder: Path) -> None:
    rows = list(csv.DictReader((folder / "evidence-2026.csv").open(encoding="utf-8-sig")))
    for r in rows:
        if r["indicator_id"] == "energy_renewable_share":
            r["value"] = "0.30"
    with (folder / "evidence-2025.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="session")
def two_years(tmp_path_factory) -> dict:
    """Folders ``y2025`` and ``y2026`` (catalogs with evidence for both years) and a history holding both years,
    stored from the assessments ``a2025`` and ``a2026``."""
    from criteria import run_assessment
    from maps.publish import record_history

    root = tmp_path_factory.mktemp("two-years")
    y25, y26 = root / "y2025", root / "y2026"
    _copy_sample(y25)
    _copy_sample(y26)
    edit_registry(y26, rename_factory(FACTORY_IDS["F02"], THAI_TEST_NAME))
    edit_registry(y25, _factories_2025)
    _gi_2025(y25)
    _villages_2025(y25)
    for f in (y25, y26):
        _evidence_2025(f)
    cat25, cat26 = _catalog(y25), _catalog(y26)
    a25 = run_assessment(cat25, year=2025)
    a26 = run_assessment(cat26, year=2026)
    history = root / "out" / "ecotown-history.sqlite"
    record_history(a25, history)
    record_history(a26, history)
    return {"root": root, "y2025": y25, "y2026": y26, "cat2025": cat25, "cat2026": cat26, "a2025": a25,
            "a2026": a26, "history": history}
