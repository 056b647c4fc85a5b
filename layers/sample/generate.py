"""Generate the bundled Nong Pho sample: a self-authored, fictional eco-industrial town.

Run ``python -m layers.sample.generate [OUT_DIR]`` (default: this folder). Every output is deterministic:
running the generator twice gives byte-identical files. Nothing here is copied from a real data set; the
names are fictional and the geometry is hand-placed, modelled on the sub-district of Nong Pho (Takhli,
Nakhon Sawan).

The factories, quarries and villages come in the shapes that Thai offices hand them over (see README.md): a DIW
registry CSV in cp874 plus tables joined by registration number (Green Industry certificates, a complaints log, the
provincial office's annual questionnaire), a concession shapefile from the mining department (Indian 1975, Thai
text in cp874, no .cpg) plus an inspection table, and a 2012 national village layer without population plus the
registration office's population table. The other vector layers are in ``nong_pho.gpkg``; ``landcover.tif``
(land-cover classes, 30 m), ``evidence-2026.csv`` (yearly non-spatial evidence) and ``catalog.yaml`` (the catalog
that lists and joins them) complete the set.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import re
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pyogrio
import rasterio
import shapely
from rasterio.features import rasterize
from affine import Affine
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import unary_union

__all__ = ["generate", "main", "SEED", "OUTPUT_NAMES"]

SEED = 2570
METRIC = "EPSG:32647"
WGS84 = "EPSG:4326"
INDIAN_1975 = "EPSG:24047"
#: UTM 47N of the sub-district's centre (about 100.2830 E, 15.3945 N), whole metres
CX, CY = 637_120.0, 1_702_440.0
BOUNDARY_AREA_M2 = 95_000_000.0
PIXEL = 30.0
MARGIN = 5_000.0
OUTPUT_NAMES = (
    "nong_pho.gpkg", "landcover.tif", "evidence-2026.csv", "catalog.yaml",
    "registry/factories_diw.csv",
    "tables/gi_certificates.xlsx", "tables/complaints_log.csv", "tables/quarry_complaints.csv", "tables/factory_survey_2569.xlsx",
    "tables/mine_inspections.csv", "tables/population_2569.csv", "tables/village_committee.csv",
    "tables/factory_orders.csv", "tables/iso_certificates.xlsx", "tables/exchanges.csv",
    "concessions/quarries_dpim.shp", "concessions/quarries_dpim.shx", "concessions/quarries_dpim.dbf",
    "concessions/quarries_dpim.prj",
    "villages/villages_2555.geojson",
)
#: the fixed moment written wherever a file format stores one (DBF header, XLSX zip entries and properties)
FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)


def _xy(x_km: float, y_km: float) -> tuple[float, float]:
    """A place given in km east/north of the centre, in UTM 47N metres."""
    return (CX + x_km * 1000.0, CY + y_km * 1000.0)


def _poly(pts_km: list[tuple[float, float]]) -> Polygon:
    return Polygon([_xy(x, y) for x, y in pts_km])


def _line(pts_km: list[tuple[float, float]]) -> LineString:
    return LineString([_xy(x, y) for x, y in pts_km])


def _round_geoms(gdf: gpd.GeoDataFrame, ndigits: int) -> gpd.GeoDataFrame:
    """Round coordinates so that the bytes do not depend on the last bits of a projection library."""
    scale = 10 ** ndigits
    geoms = shapely.transform(np.asarray(gdf.geometry.array, dtype=object),
                              lambda c: np.round(c * scale) / scale)
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))


def _stored(gdf: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    out = gdf.to_crs(crs)
    return _round_geoms(out, 7 if crs == WGS84 else 2)


# --------------------------------------------------------------------------------------------------
# The hand-placed town (km east / north of the centre)
# --------------------------------------------------------------------------------------------------

#: (bearing in degrees counter-clockwise from east, radius in km) of the boundary's vertices
_BOUNDARY = [
    (0, 6.2), (14, 5.7), (31, 5.3), (44, 5.6), (61, 5.4), (73, 5.9), (91, 5.5), (104, 5.8),
    (121, 5.9), (134, 6.3), (151, 6.1), (163, 6.0), (181, 5.8), (196, 5.5), (209, 5.6), (226, 5.2),
    (238, 5.0), (256, 5.3), (271, 5.1), (284, 5.4), (302, 5.8), (313, 5.9), (331, 5.5), (346, 5.9),
]


def boundary_polygon() -> Polygon:
    """The sub-district outline, scaled to 95 km²."""
    pts = [(r * math.cos(math.radians(a)), r * math.sin(math.radians(a))) for a, r in _BOUNDARY]
    raw = _poly(pts)
    s = math.sqrt(BOUNDARY_AREA_M2 / raw.area)
    pts = [(round(x * s, 3), round(y * s, 3)) for x, y in pts]
    return _poly(pts)


# fac_id, name (Thai), registry no, category, x, y, gi, complaints, waste reused, workers, local share,
# renewable share, water reuse share, monitoring disclosed
_FACTORIES = [
    ("F01", "บริษัท น้ำตาลหนองโพ จำกัด", "3-10(1)-1/38นว", "sugar_mill", 1.5, -0.5, 4, 5, 0.92, 850, 0.58, 0.64, 0.41, True),
    ("F02", "บริษัท หนองโพ ไบโอเอทานอล จำกัด", "3-44(2)-3/51นว", "ethanol", 2.3, -0.2, 4, 3, 0.88, 160, 0.55, 0.52, 0.47, True),
    ("F03", "บริษัท หนองโพ ไบโอเพาเวอร์ จำกัด", "3-88(1)-2/49นว", "biomass_power", 1.0, -1.3, 3, 4, 0.95, 72, 0.61, 0.98, 0.30, True),
    ("F04", "บริษัท ปุ๋ยชีวภาพหนองโพ จำกัด", "3-46(1)-4/55นว", "bio_fertiliser", 2.4, -1.3, 3, 2, 0.97, 48, 0.79, 0.35, 0.22, True),
    ("F05", "บริษัท หนองโพ ไบโอเคมิคอล จำกัด", "3-44(1)-1/60นว", "bio_chemical", 0.7, 0.2, 4, 1, 0.81, 95, 0.47, 0.40, 0.52, True),
    ("F06", "บริษัท อาหารสัตว์เนินมะกอก จำกัด", "3-16(1)-7/47นว", "feed_mill", 2.9, 0.6, 2, 2, 0.64, 120, 0.70, 0.12, 0.15, False),
    ("F07", "บริษัท คอนกรีตตาคลี จำกัด", "3-77(2)-5/52นว", "concrete", 3.4, -3.2, 2, 4, 0.38, 64, 0.66, 0.05, 0.20, False),
    ("F08", "ห้างหุ้นส่วนจำกัด หนองโพการช่าง", "3-64(1)-9/56นว", "metal_works", 2.8, -3.7, 1, 3, 0.27, 35, 0.83, 0.00, 0.05, False),
    ("F09", "บริษัท พลาสติกไทยภัณฑ์นครสวรรค์ จำกัด", "3-53(1)-2/58นว", "plastics", 3.9, -3.5, 2, 1, 0.55, 88, 0.57, 0.18, 0.25, True),
    ("F10", "บริษัท อาหารแปรรูปตาคลี จำกัด", "3-9(1)-6/53นว", "food", 2.2, -3.1, 3, 0, 0.72, 140, 0.74, 0.22, 0.33, True),
    ("F11", "บริษัท แป้งมันหนองโพ จำกัด", "3-11(2)-3/46นว", "cassava_starch", 0.0, -1.9, 3, 6, 0.86, 110, 0.68, 0.45, 0.38, True),
    ("F12", "ห้างหุ้นส่วนจำกัด ปูนขาวเขาคอก", "3-81(1)-1/44นว", "lime_kiln", -3.9, 2.8, 1, 5, 0.20, 26, 0.92, 0.00, 0.00, False),
    ("F13", "โรงสีข้าวบ้านหนองบัว", "3-10(2)-8/41นว", "rice_mill", -1.2, -2.8, 2, 1, 0.90, 18, 0.95, 0.30, 0.00, False),
    ("F14", "บริษัท รีไซเคิลตาคลี จำกัด", "3-106-2/59นว", "other", 3.75, -3.0, 1, 2, 0.96, 22, 0.86, 0.00, 0.10, False),
    ("F15", "บริษัท ข้าวทองหนองโพ จำกัด", "3-10(3)-4/57นว", "rice_mill", 3.7, -2.6, 3, 0, 0.93, 54, 0.80, 0.28, 0.12, True),
]

# mine_id, name, licence, status, blasting, complaints, rehab plan, dust monitoring, workers, centre, polygon
_MINES = [
    ("M1", "เหมืองหินปูนเขาคอก", "27104/15873", "active", True, 6, True, True, 45,
     [(-4.88, 1.60), (-4.40, 1.52), (-4.22, 1.78), (-4.30, 2.10), (-4.72, 2.16), (-4.95, 1.92)]),
    ("M2", "เหมืองหินปูนเขาหินดาด", "27311/16020", "active", True, 4, False, True, 38,
     [(-4.50, 3.20), (-4.02, 3.12), (-3.90, 3.45), (-4.05, 3.70), (-4.45, 3.66), (-4.58, 3.42)]),
    ("M3", "เหมืองหินปูนเขาโป่ง", "26598/15511", "suspended", False, 2, True, False, 6,
     [(-3.12, 3.92), (-2.78, 3.90), (-2.70, 4.14), (-2.86, 4.30), (-3.10, 4.24)]),
]

# vill_id, name, moo, x, y, population, in committee, complaints filed
_VILLAGES = [
    ("V01", "บ้านหนองโพ", 1, 1.15, -0.2, 1480, True, 6),
    ("V02", "บ้านโรงหีบ", 2, 1.9, 0.25, 910, True, 4),
    ("V03", "บ้านเนินมะกอก", 3, 0.3, -1.6, 760, True, 3),
    ("V04", "บ้านหนองตะเคียน", 4, -1.0, 0.8, 640, False, 0),
    ("V05", "บ้านเขาคอก", 5, -3.6, 2.3, 530, True, 5),
    ("V06", "บ้านหินดาด", 6, -3.3, 3.6, 420, False, 3),
    ("V07", "บ้านโป่งแดง", 7, -2.8, -1.2, 580, False, 1),
    ("V08", "บ้านหนองบัว", 8, -1.5, -3.0, 700, True, 1),
    ("V09", "บ้านดงมะไฟ", 9, 0.8, -3.8, 350, False, 0),
    ("V10", "บ้านคลองห้วยยาง", 10, 3.2, -2.8, 820, True, 4),
    ("V11", "บ้านทุ่งนาดี", 11, 4.2, -0.8, 460, False, 0),
    ("V12", "บ้านหนองไผ่", 12, 3.6, 1.8, 610, False, 1),
    ("V13", "บ้านสระแก้ว", 13, 1.8, 3.2, 540, True, 0),
    ("V14", "บ้านวังน้ำเย็น", 14, -0.2, 3.9, 480, False, 0),
    ("V15", "บ้านหนองปลาไหล", 15, -1.8, 2.2, 390, False, 0),
    ("V16", "บ้านโคกสำโรง", 16, -0.5, -0.9, 670, True, 2),
    ("V17", "บ้านใหม่พัฒนา", 17, 2.6, -4.0, 310, False, 2),
]

# --------------------------------------------------------------------------------------------------
# The same plants, quarries and villages as the offices publish them
# --------------------------------------------------------------------------------------------------

#: fac_id -> (DIW factory type ลำดับประเภทโรงงาน, activity ประกอบกิจการ, horse power แรงม้า). Plausible codes of the
#: DIW list of factory types, picked for the sample; not checked against a real registration.
_DIW = {
    "F01": ("13(1)", "ผลิตน้ำตาลทรายดิบและน้ำตาลทรายขาวจากอ้อย", 42000),
    "F02": ("44", "ผลิตเอทานอลจากกากน้ำตาล", 6500),
    "F03": ("88(2)", "ผลิตพลังงานไฟฟ้าจากชีวมวล (ชานอ้อย)", 38000),
    "F04": ("43(1)", "ผลิตปุ๋ยอินทรีย์ชีวภาพจากกากหม้อกรองและวีนาส", 950),
    "F05": ("42(1)", "ผลิตเคมีภัณฑ์ชีวภาพจากน้ำตาลอ้อย", 4200),
    "F06": ("16(1)", "ผลิตอาหารสัตว์", 2800),
    "F07": ("77(2)", "ผลิตผลิตภัณฑ์คอนกรีตและคอนกรีตผสมเสร็จ", 1200),
    "F08": ("64(1)", "ผลิตชิ้นส่วนโลหะและงานเชื่อมโครงเหล็ก", 480),
    "F09": ("53(5)", "ผลิตภาชนะและผลิตภัณฑ์พลาสติก", 2100),
    "F10": ("9(1)", "แปรรูปและบรรจุอาหารสำเร็จรูป", 1800),
    "F11": ("11(2)", "ผลิตแป้งมันสำปะหลัง", 5200),
    "F12": ("76", "เผาหินปูนเพื่อผลิตปูนขาว", 650),
    "F13": ("10(1)", "สีข้าว", 180),
    "F14": ("106", "คัดแยกและนำวัสดุที่ไม่ใช้แล้วกลับมาใช้ประโยชน์ใหม่", 220),
    "F15": ("10(1)", "สีข้าวและอบลดความชื้นข้าวเปลือก", 750),
}

#: F01..F15 (the ids of the sample before issue 13) -> the factory id now: the DIW registration number in the new
#: 14-digit format (``เลขทะเบียนโรงงานแบบใหม่``). Built as 3 + province 60 + the factory type in five digits +
#: the running number in four + the Buddhist year of the old number; fictional, like the rest.
FACTORY_IDS = {
    "F01": "36001301000138", "F02": "36004400000351", "F03": "36008802000249", "F04": "36004301000455",
    "F05": "36004201000160", "F06": "36001601000747", "F07": "36007702000552", "F08": "36006401000956",
    "F09": "36005305000258", "F10": "36000901000653", "F11": "36001102000346", "F12": "36007800000144",
    "F13": "36001001000841", "F14": "36010600000259", "F15": "36001001000457",
}

#: M1..M3 -> the mine id now: the concession (ประทานบัตร) number, which was the field ``licence_no`` before
MINE_IDS = {m[0]: m[2] for m in _MINES}

#: V01..V17 -> the village id now: the 8-digit village code (province 60, district 07, sub-district 06, moo)
VILLAGE_IDS = {v[0]: f"600706{v[2]:02d}" for v in _VILLAGES}

#: villages that are not in Nong Pho: code, name, moo, sub-district, district, x km, y km, population (None: not in
#: the population table). The first four lie 1.5-3 km beyond the boundary and 2-4 km from a town facility; the last
#: two are more than 5 km from every facility.
_VILLAGES_BEYOND = [
    ("60070204", "บ้านเขาแหลม", 4, "โคกกระต่าย", "ตาคลี", -7.0, 2.6, 560),
    ("60070809", "บ้านหนองกระทุ่ม", 9, "ห้วยน้ำใส", "ตาคลี", 7.6, -3.3, 720),
    ("60070503", "บ้านดอนคา", 3, "ดอนคา", "ตาคลี", 2.0, -7.4, None),
    ("60070207", "บ้านเขาพระ", 7, "โคกกระต่าย", "ตาคลี", -6.2, 5.6, 380),
    ("60140302", "บ้านหนองมะค่า", 2, "หนองมะค่า", "ตากฟ้า", 13.5, 4.0, 900),
    ("60070111", "บ้านคลองสำโรง", 11, "ช่องแค", "ตาคลี", -11.0, -3.0, 650),
]

#: the factory whose Green Industry certificate expired in 2025: its gi_level is "no data" in 2026
GI_EXPIRED = "F08"
#: the factory that did not return the 2569 questionnaire: its survey values are "no data"
SURVEY_MISSING = "F14"

#: mine_id -> (operator ผู้ถือประทานบัตร, expiry date of the concession)
_CONCESSIONS = {
    "M1": ("บริษัท ศิลาเขาคอก จำกัด", dt.date(2034, 8, 14)),
    "M2": ("ห้างหุ้นส่วนจำกัด หินดาดการศิลา", dt.date(2031, 3, 2)),
    "M3": ("บริษัท โป่งศิลาทรัพย์ จำกัด", dt.date(2029, 11, 20)),
}
#: the mining department's status text for ecotown's status
_MINE_STATUS_TH = {"active": "ยังไม่หมดอายุ", "suspended": "หยุดการทำเหมือง"}

#: complaint subjects by category (กลุ่มเรื่องร้องเรียน)
_COMPLAINT_KINDS = {
    "sugar_mill": ("ฝุ่น", "กลิ่น", "เสียง", "น้ำเสีย"), "ethanol": ("กลิ่น", "น้ำเสีย"),
    "biomass_power": ("ฝุ่น", "เสียง"), "bio_fertiliser": ("กลิ่น",), "bio_chemical": ("กลิ่น", "น้ำเสีย"),
    "feed_mill": ("ฝุ่น", "กลิ่น"), "concrete": ("ฝุ่น", "เสียง"), "metal_works": ("เสียง",),
    "plastics": ("กลิ่น",), "food": ("น้ำเสีย", "กลิ่น"), "cassava_starch": ("กลิ่น", "น้ำเสีย"),
    "lime_kiln": ("ฝุ่น", "ควัน"), "rice_mill": ("ฝุ่น", "เสียง"), "other": ("ฝุ่น", "กลิ่น"),
    "quarry": ("ฝุ่น", "เสียง", "แรงสั่นสะเทือน"),
}

# rec_id, name, kind, x, y
_RECEPTORS = [
    ("R01", "โรงเรียนบ้านหนองโพ", "school", 1.0, -0.05),
    ("R02", "วัดหนองโพ", "temple", 1.3, 0.05),
    ("R03", "โรงพยาบาลส่งเสริมสุขภาพตำบลหนองโพ", "health_centre", 0.25, 0.45),
    ("R04", "โรงเรียนบ้านเนินมะกอก", "school", 0.45, -1.45),
    ("R05", "วัดเขาคอก", "temple", -3.4, 2.1),
    ("R06", "โรงเรียนบ้านหินดาด", "school", -3.1, 3.45),
    ("R07", "วัดหนองบัว", "temple", -1.35, -3.2),
    ("R08", "โรงพยาบาลส่งเสริมสุขภาพตำบลบ้านหนองไผ่", "health_centre", 3.45, 1.95),
    ("R09", "โรงเรียนวัดสระแก้ว", "school", 1.95, 3.05),
    ("R10", "วัดวังน้ำเย็น", "temple", -0.1, 3.75),
    ("R11", "โรงเรียนบ้านคลองห้วยยาง", "school", 3.0, -2.6),
    ("R12", "วัดโป่งแดง", "temple", -2.65, -1.35),
]

_CANAL = [(-8.0, -2.0), (-5.0, -2.3), (-3.0, -1.9), (-1.0, -2.3), (0.6, -2.6), (2.0, -2.0), (4.0, -1.6),
          (8.0, -1.0)]
_STREAM = [(-0.6, 8.0), (-0.5, 4.8), (-1.3, 2.8), (-1.6, 1.0), (-1.2, -0.8), (-1.0, -2.3)]
_WATER = [
    ("คลองหนองโพ", "canal", _CANAL),
    ("ห้วยตะโก", "stream", _STREAM),
]
_RESERVOIR = [(-2.75, -0.05), (-2.45, -0.3), (-2.0, -0.32), (-1.72, -0.1), (-1.85, 0.2), (-2.3, 0.28),
              (-2.68, 0.18)]

_ROADS = [
    ("ทางหลวงหมายเลข 1 (พหลโยธิน)", "highway", [(4.8, -9.0), (4.4, -4.2), (3.55, 0.0), (3.9, 4.0), (4.5, 9.0)]),
    ("ทางหลวงชนบท นว.3012", "rural", [(-8.0, 1.2), (-3.0, 0.9), (-1.0, 0.5), (0.4, 0.0), (1.5, -0.05),
                                       (3.55, 0.0)]),
    ("ถนนเข้านิคมบ้านคลองห้วยยาง", "local", [(1.5, -0.05), (1.7, -2.5), (3.0, -3.4), (4.4, -3.6)]),
    ("ถนนสายหนองโพ-เขาคอก", "local", [(-1.0, 0.5), (-3.0, 2.2), (-4.0, 3.8), (-5.0, 7.0)]),
]

#: limestone hills (x km, y km, radius km): forest with a shrub fringe; the quarries sit on their flanks
_HILLS = [(-5.6, 2.6, 1.5), (-6.6, -0.2, 1.5), (-3.9, 5.4, 1.1), (-9.5, 4.0, 2.6), (-9.0, -4.2, 1.8),
          (-7.5, 7.5, 1.6), (6.0, 7.6, 1.0), (8.5, -6.5, 1.2)]

_INDUSTRIAL = [
    [(-0.35, -2.25), (0.9, -2.0), (2.9, -1.85), (3.25, -0.9), (3.35, 1.0), (2.5, 1.05), (1.6, 0.6),
     (0.35, 0.55), (0.3, -0.7), (-0.4, -1.2)],
    [(1.85, -2.75), (2.75, -2.2), (4.05, -2.15), (4.4, -3.1), (4.3, -4.15), (2.4, -4.05), (1.9, -3.5)],
]
_CONSERVATION = [(-6.5, -0.6), (-4.0, -0.6), (-3.8, 0.4), (-4.3, 1.3), (-5.4, 1.35), (-6.5, 1.0)]


def _green() -> list[tuple[str, str, Polygon]]:
    flat = {"cap_style": "flat", "join_style": "mitre"}
    riparian = LineString(_line(_CANAL).coords).intersection(_poly([(-3.0, -3.0), (-1.0, -3.0), (-1.0, -1.0),
                                                                    (-3.0, -1.0)]))
    return [
        ("ป่าชุมชนเขาหนองโพ", "community_forest",
         _poly([(-5.3, -0.4), (-4.1, -0.45), (-3.95, 0.35), (-4.35, 1.2), (-5.05, 1.25), (-5.4, 0.5)])),
        ("ป่าชุมชนบ้านวังน้ำเย็น", "community_forest",
         _poly([(-2.15, 4.35), (-1.45, 4.25), (-0.95, 4.55), (-1.05, 4.95), (-1.75, 5.0), (-2.2, 4.75)])),
        ("แนวกันชนสีเขียวโรงงานน้ำตาล ด้านตะวันตก", "eco_buffer",
         _line([(1.22, -0.75), (1.45, 0.0)]).buffer(30, **flat)),
        ("แนวกันชนสีเขียวนิคมชีวภาพ ด้านใต้", "eco_buffer",
         _line([(0.95, -1.7), (2.65, -1.7)]).buffer(30, **flat)),
        ("แนวกันชนสีเขียวโรงงานเอทานอล ด้านตะวันออก", "eco_buffer",
         _line([(2.75, -0.8), (2.75, 0.3)]).buffer(30, **flat)),
        ("สวนสาธารณะหนองโพ", "park",
         _poly([(0.93, 0.5), (1.1, 0.5), (1.1, 0.62), (0.93, 0.62)])),
        ("แนวป่าริมคลองหนองโพ", "riparian", riparian.buffer(40, **flat)),
        ("ป่าวัดหนองบัว", "temple_forest",
         _poly([(-1.35, -3.55), (-1.1, -3.5), (-1.08, -3.3), (-1.3, -3.28)])),
    ]


# --------------------------------------------------------------------------------------------------
# Vector layers
# --------------------------------------------------------------------------------------------------

def vector_layers() -> dict[str, gpd.GeoDataFrame]:
    """The layers of ``nong_pho.gpkg`` in the CRS each is stored in, in the order written."""
    town = boundary_polygon()
    layers: dict[str, gpd.GeoDataFrame] = {}
    layers["boundary"] = _stored(gpd.GeoDataFrame(
        {"code": ["TH600706"], "name": ["หนองโพ"], "name_en": ["Nong Pho"], "amphoe": ["ตาคลี"],
         "changwat": ["นครสวรรค์"]}, geometry=[town], crs=METRIC), WGS84)

    rc = _RECEPTORS
    layers["receptors"] = _stored(gpd.GeoDataFrame({
        "rec_id": [r[0] for r in rc], "name": [r[1] for r in rc], "kind": [r[2] for r in rc],
    }, geometry=[Point(_xy(r[3], r[4])) for r in rc], crs=METRIC), INDIAN_1975)

    layers["water"] = _stored(gpd.GeoDataFrame({
        "name": [w[0] for w in _WATER], "kind": [w[1] for w in _WATER],
    }, geometry=[_line(w[2]) for w in _WATER], crs=METRIC), METRIC)
    layers["reservoirs"] = _stored(gpd.GeoDataFrame(
        {"name": ["อ่างเก็บน้ำหนองตะเคียน"], "kind": ["reservoir"]}, geometry=[_poly(_RESERVOIR)], crs=METRIC),
        METRIC)

    layers["roads"] = _stored(gpd.GeoDataFrame({
        "name": [r[0] for r in _ROADS], "kind": [r[1] for r in _ROADS],
    }, geometry=[_line(r[2]) for r in _ROADS], crs=METRIC), METRIC)

    green = _green()
    layers["green"] = _stored(gpd.GeoDataFrame({
        "green_id": [f"G{i + 1}" for i in range(len(green))],
        "name": [g[0] for g in green], "kind": [g[1] for g in green],
    }, geometry=[g[2].intersection(town) for g in green], crs=METRIC), METRIC)

    layers["landuse"] = _stored(_landuse(town), METRIC)
    return layers


def facility_layers() -> dict[str, gpd.GeoDataFrame]:
    """Factories, mines and the town's villages with ecotown's canonical values, as they were stored before
    (factories and villages in WGS 84 at 7 decimals, mines in UTM 47N at 1 cm). The office-shaped files are
    written from these; the land cover and the inside-the-boundary check use them in EPSG:32647."""
    f = _FACTORIES
    factories = _stored(gpd.GeoDataFrame({
        "fac_id": [r[0] for r in f], "name": [r[1] for r in f], "category": [r[3] for r in f],
        "gi_level": [r[6] for r in f], "complaints": [r[7] for r in f], "waste_reused_share": [r[8] for r in f],
        "workers": [r[9] for r in f], "local_workers_share": [r[10] for r in f],
        "renewable_energy_share": [r[11] for r in f], "water_reuse_share": [r[12] for r in f],
        "monitoring_disclosed": [r[13] for r in f],
    }, geometry=[Point(_xy(r[4], r[5])) for r in f], crs=METRIC), WGS84)
    m = _MINES
    mines = _stored(gpd.GeoDataFrame({
        "mine_id": [r[0] for r in m], "name": [r[1] for r in m], "licence_no": [r[2] for r in m],
        "status": [r[3] for r in m], "blasting": [r[4] for r in m], "complaints": [r[5] for r in m],
        "rehab_plan": [r[6] for r in m], "dust_monitoring": [r[7] for r in m], "workers": [r[8] for r in m],
    }, geometry=[_poly(r[9]) for r in m], crs=METRIC), METRIC)
    v = _VILLAGES
    villages = _stored(gpd.GeoDataFrame({
        "vill_id": [r[0] for r in v], "name": [r[1] for r in v], "village_no": [r[2] for r in v],
        "population": [r[5] for r in v], "in_committee": [r[6] for r in v], "complaints_filed": [r[7] for r in v],
    }, geometry=[Point(_xy(r[3], r[4])) for r in v], crs=METRIC), WGS84)
    b = _VILLAGES_BEYOND
    beyond = _stored(gpd.GeoDataFrame({
        "code": [r[0] for r in b], "name": [r[1] for r in b], "village_no": [r[2] for r in b],
        "tambon": [r[3] for r in b], "amphoe": [r[4] for r in b], "population": [r[7] for r in b],
    }, geometry=[Point(_xy(r[5], r[6])) for r in b], crs=METRIC), WGS84)
    return {"factories": factories, "mines": mines, "villages": villages, "villages_beyond": beyond}


def _landuse(town: Polygon) -> gpd.GeoDataFrame:
    """Zoning that covers the town: residential around villages, two industrial zones, hills, and farmland."""
    residential = unary_union([Point(_xy(r[3], r[4])).buffer(300 if r[5] < 800 else 380, quad_segs=4)
                               for r in _VILLAGES]).intersection(town)
    industrial = [_poly(p).intersection(town).difference(residential) for p in _INDUSTRIAL]
    conservation = _poly(_CONSERVATION).intersection(town).difference(residential)
    taken = unary_union([residential, *industrial, conservation])
    agricultural = town.difference(taken)
    zones = [("Z1", "industrial", "เขตอุตสาหกรรมชีวภาพหนองโพ", industrial[0]),
             ("Z2", "industrial", "เขตอุตสาหกรรมบ้านคลองห้วยยาง", industrial[1]),
             ("Z3", "residential", "เขตชุมชน", residential),
             ("Z4", "conservation", "เขตอนุรักษ์เขาหนองโพ", conservation),
             ("Z5", "agricultural", "เขตเกษตรกรรม", agricultural)]
    geoms = [shapely.make_valid(shapely.set_precision(g, 0.01)) for *_, g in zones]
    return gpd.GeoDataFrame({"zone_id": [z[0] for z in zones], "zone": [z[1] for z in zones],
                             "name": [z[2] for z in zones]}, geometry=geoms, crs=METRIC)


def write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Write every layer into one GeoPackage, with a fixed timestamp so that the bytes do not change."""
    if path.exists():
        path.unlink()
    before = os.environ.get("OGR_CURRENT_DATE")
    os.environ["OGR_CURRENT_DATE"] = "2026-01-01T00:00:00Z"
    try:
        for name, gdf in layers.items():
            pyogrio.write_dataframe(gdf, path, layer=name, driver="GPKG")
    finally:
        if before is None:
            del os.environ["OGR_CURRENT_DATE"]
        else:
            os.environ["OGR_CURRENT_DATE"] = before


# --------------------------------------------------------------------------------------------------
# Files in the shapes offices hand them over
# --------------------------------------------------------------------------------------------------

def _be(d: dt.date) -> str:
    """A date as Thai offices type it: d/m/yyyy with the Buddhist-era year (2026 = 2569)."""
    return f"{d.day}/{d.month}/{d.year + 543}"


def _csv_field(s: object) -> str:
    s = str(s)
    if any(c in s for c in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def _write_csv(path: Path, header: list[str], rows: list[list[object]], *, encoding: str, bom: bool = False,
               eol: str = "\r\n") -> None:
    """A CSV as Excel saves it: CRLF line ends; cp874 for "CSV (comma delimited)" on Thai Windows, UTF-8 with a
    BOM for "CSV UTF-8"."""
    lines = [",".join(_csv_field(x) for x in row) for row in [header, *rows]]
    text = eol.join(lines) + eol
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite an XLSX (a zip) with a fixed time on every entry and in its document properties."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>" + stamp + rb"\g<2>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def _write_xlsx(path: Path, sheet: str, header: list[str], rows: list[list[object]]) -> None:
    """One sheet, header in the first row; text stays text (registration numbers, Thai dates)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    for col, name in zip(ws.columns, header):
        width = max(len(str(name)), *(len(str(c.value)) for c in col if c.value is not None))
        ws.column_dimensions[col[0].column_letter].width = min(60, width + 2)
    wb.properties.creator = "ecotown sample (fictional)"
    wb.properties.created = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_fixed_zip(buf.getvalue()))


def _lonlat(gdf: gpd.GeoDataFrame) -> list[tuple[float, float]]:
    g = gdf.to_crs(WGS84).geometry
    return [(float(p.x), float(p.y)) for p in g]


def write_registry(path: Path, fac: gpd.GeoDataFrame) -> None:
    """The DIW factory registry as downloaded and saved from Thai Excel: cp874, Thai headers, WGS 84 at 6 decimals."""
    header = ["เลขทะเบียนโรงงานแบบใหม่", "เลขทะเบียนโรงงานแบบเดิม", "ชื่อโรงงาน", "ประกอบกิจการ", "ลำดับประเภทโรงงาน",
              "แรงม้า", "คนงาน", "ที่ตั้ง/ตำบล", "อำเภอ", "จังหวัด", "ละติจูด", "ลองจิจูด"]
    rows = []
    for r, (lon, lat) in zip(_FACTORIES, _lonlat(fac)):
        code, activity, hp = _DIW[r[0]]
        seq_year = r[2].rsplit("-", 1)[1]  # "1/38นว" of the old number 3-10(1)-1/38นว
        rows.append([FACTORY_IDS[r[0]], f"จ3-{code}-{seq_year}", r[1], activity, code, hp, r[9], "หนองโพ",
                     "ตาคลี", "นครสวรรค์", f"{lat:.6f}", f"{lon:.6f}"])
    _write_csv(path, header, rows, encoding="cp874")


def gi_certificate_rows() -> list[list[object]]:
    """Green Industry certificates, several per factory, in the order the office issued them.

    The latest certificate of each factory carries today's level and is valid beyond 2026; the older ones
    have expired (F07's older one had a higher level, so only 'latest' gives the right answer). Every
    certificate of ``GI_EXPIRED`` expired in 2025 or before."""
    certs: list[tuple[dt.date, dt.date, str, str, int]] = []

    def add(fid: str, name: str, issued: dt.date, level: int) -> None:
        expires = dt.date(issued.year + 3, issued.month, issued.day) - dt.timedelta(days=1)
        certs.append((issued, expires, FACTORY_IDS[fid], name, level))

    for i, r in enumerate(_FACTORIES):
        fid, name, level = r[0], r[1], r[6]
        if fid == GI_EXPIRED:
            add(fid, name, dt.date(2019, 5, 10), level)
            add(fid, name, dt.date(2022, 6, 1), level)
            continue
        issued = dt.date(2024 + i % 2, 1 + (i * 5) % 12, 1 + (i * 7) % 27)
        add(fid, name, issued, level)
        older = dt.date(issued.year - 3, issued.month, issued.day)
        add(fid, name, older, 3 if fid == "F07" else max(1, level - 1))
        if i % 3 == 0:
            add(fid, name, dt.date(issued.year - 6, issued.month, issued.day), max(1, level - 2))
    certs.sort(key=lambda c: (c[0], c[2]))
    return [[reg, name, level, _be(issued), _be(expires)] for issued, expires, reg, name, level in certs]


def complaint_rows() -> list[list[object]]:
    """The sub-district's complaint log, one row per complaint, 2025 and 2026; counting the 2026 rows per
    factory (or quarry) gives the sample's ``complaints``. Dates are typed as ISO or d/m/BE, as they come."""
    rng = np.random.default_rng(SEED + 13)
    subjects = [(FACTORY_IDS[r[0]], r[3], r[7]) for r in _FACTORIES] + \
               [(MINE_IDS[m[0]], "quarry", m[5]) for m in _MINES]
    raw: list[tuple[dt.date, str, str]] = []
    for i, (key, cat, n26) in enumerate(subjects):
        n25 = (i * 3) % 4 + (1 if n26 == 0 else 0)
        kinds = _COMPLAINT_KINDS[cat]
        for year, n in ((2025, n25), (2026, n26)):
            days = rng.choice(330 if year == 2026 else 365, size=n, replace=False)
            for j, d in enumerate(sorted(days)):
                raw.append((dt.date(year, 1, 1) + dt.timedelta(days=int(d)), key, kinds[(i + j) % len(kinds)]))
    raw.sort()
    rows, seq = [], {}
    states_26 = ("ยุติเรื่องแล้ว", "อยู่ระหว่างตรวจสอบ", "ยุติเรื่องแล้ว", "รับเรื่องแล้ว")
    for k, (d, key, kind) in enumerate(raw):
        be = d.year + 543
        seq[be] = seq.get(be, 0) + 1
        state = "ยุติเรื่องแล้ว" if d.year == 2025 else states_26[seq[be] % len(states_26)]
        date_text = d.isoformat() if k % 2 else _be(d)
        rows.append([f"{seq[be]:03d}/{be}", date_text, key, kind, state])
    return rows


#: orders under the Factory Act (คำสั่งตามกฎหมายว่าด้วยโรงงาน), fictional: fac_id, number, issued, section, subject,
#: closed (None: still open). Every order of the sample was closed before 2026, so no plant has one in force in 2569.
_ORDERS = [
    ("F12", "ค.001/2567", dt.date(2024, 3, 12), "มาตรา 37", "ฝุ่นละอองจากเตาเผาปูนขาวเกินมาตรฐาน", dt.date(2024, 9, 30)),
    ("F07", "ค.014/2568", dt.date(2025, 2, 20), "มาตรา 37", "น้ำทิ้งจากการล้างรถโม่ปูนไม่ผ่านการบำบัด", dt.date(2025, 6, 15)),
    ("F08", "ค.022/2568", dt.date(2025, 8, 5), "มาตรา 39", "หยุดใช้เครื่องจักรบางส่วนจนกว่าจะแก้ไขระบบป้องกันอัคคีภัย",
     dt.date(2025, 12, 10)),
    ("F11", "ค.009/2566", dt.date(2023, 4, 3), "มาตรา 37", "กลิ่นจากบ่อบำบัดน้ำเสีย", dt.date(2023, 11, 20)),
]

#: ISO management-system certificates (fictional): fac_id, standard, certification body, issued, expires
_ISO = [
    ("F01", "ISO 14001:2015", "สถาบันรับรองมาตรฐานไอเอสโอ", dt.date(2024, 6, 1), dt.date(2027, 5, 31)),
    ("F01", "ISO 45001:2018", "สถาบันรับรองมาตรฐานไอเอสโอ", dt.date(2023, 9, 15), dt.date(2026, 9, 14)),
    ("F02", "ISO 14001:2015", "บริษัท รับรองระบบสากล จำกัด", dt.date(2025, 1, 10), dt.date(2028, 1, 9)),
    ("F03", "ISO 50001:2018", "บริษัท รับรองระบบสากล จำกัด", dt.date(2024, 11, 1), dt.date(2027, 10, 31)),
    ("F04", "ISO 14001:2015", "สถาบันรับรองมาตรฐานไอเอสโอ", dt.date(2025, 3, 20), dt.date(2028, 3, 19)),
    ("F05", "ISO 14001:2015", "บริษัท รับรองระบบสากล จำกัด", dt.date(2023, 7, 1), dt.date(2026, 6, 30)),
    ("F06", "ISO 14001:2015", "สถาบันรับรองมาตรฐานไอเอสโอ", dt.date(2021, 5, 1), dt.date(2024, 4, 30)),
    ("F10", "ISO 14001:2015", "สถาบันรับรองมาตรฐานไอเอสโอ", dt.date(2024, 2, 15), dt.date(2027, 2, 14)),
    ("F11", "ISO 14001:2015", "บริษัท รับรองระบบสากล จำกัด", dt.date(2022, 10, 1), dt.date(2025, 9, 30)),
    ("F11", "ISO 14001:2015", "บริษัท รับรองระบบสากล จำกัด", dt.date(2025, 10, 1), dt.date(2028, 9, 30)),
    ("F15", "ISO 45001:2018", "สถาบันรับรองมาตรฐานไอเอสโอ", dt.date(2025, 8, 1), dt.date(2028, 7, 31)),
]
ORDERS_HEADER = ["เลขที่คำสั่ง", "วันที่ออกคำสั่ง", "เลขทะเบียนโรงงาน", "ชื่อโรงงาน", "ตามมาตรา", "เรื่อง", "วันที่ปิดคำสั่ง"]
ISO_HEADER = ["เลขทะเบียนโรงงาน", "ชื่อสถานประกอบการ", "มาตรฐาน", "หน่วยรับรอง", "วันที่ออกใบรับรอง", "วันหมดอายุ"]


#: the Biocomplex's resource exchanges (fictional tonnages of a plausible order): from, to, material, tonnes a year,
#: year. "outside:" names a party outside the town. The 2025 rows are last year's, left out when assessing 2026.
CANE_FARMERS = "outside:ชาวไร่อ้อยรอบตำบลหนองโพ"
_EXCHANGES = [
    (CANE_FARMERS, "F01", "อ้อย (sugarcane)", 2_400_000, 2026),
    ("F01", "F03", "ชานอ้อย (bagasse)", 650_000, 2026),
    ("F01", "F02", "กากน้ำตาล (molasses)", 100_000, 2026),
    ("F01", "F04", "กากหม้อกรอง (filter cake)", 84_000, 2026),
    ("F01", "F05", "น้ำตาลทรายดิบ (raw sugar)", 60_000, 2026),
    ("F01", "F06", "กากน้ำตาล (molasses for feed)", 8_000, 2026),
    ("F02", "F04", "วีนาส (vinasse)", 180_000, 2026),
    ("F03", "F01", "ไอน้ำ (process steam)", 900_000, 2026),
    ("F03", "F07", "เถ้าลอยจากหม้อไอน้ำ (boiler fly ash)", 25_000, 2026),
    ("F03", "outside:เกษตรกรผู้ปลูกอ้อย (ปรับปรุงดิน)", "เถ้าหนักจากหม้อไอน้ำ (boiler bottom ash)", 15_000, 2026),
    ("F04", CANE_FARMERS, "ปุ๋ยอินทรีย์ชีวภาพ (bio-fertiliser)", 70_000, 2026),
    ("F11", "F04", "กากมันสำปะหลัง (cassava pulp)", 20_000, 2026),
    ("F13", "F03", "แกลบ (rice husk)", 12_000, 2026),
    (CANE_FARMERS, "F01", "อ้อย (sugarcane)", 2_150_000, 2025),
    ("F01", "F03", "ชานอ้อย (bagasse)", 600_000, 2025),
]
EXCHANGES_HEADER = ["จาก", "ถึง", "วัสดุ", "ตันต่อปี", "ปี"]


def exchange_rows() -> list[list[object]]:
    """The exchanges as the Biocomplex's environment office lists them: facility ids (registration numbers) or
    outside:NAME."""
    def ident(x: str) -> str:
        return FACTORY_IDS.get(x, x)
    return [[ident(f), ident(t), m, f"{tons}", y] for f, t, m, tons, y in _EXCHANGES]


def order_rows() -> list[list[object]]:
    """The provincial office's register of orders under the Factory Act, oldest first."""
    names = {r[0]: r[1] for r in _FACTORIES}
    rows = sorted(_ORDERS, key=lambda o: o[2])
    return [[no, _be(d), FACTORY_IDS[f], names[f], sec, what, _be(closed) if closed else ""]
            for f, no, d, sec, what, closed in rows]


def iso_rows() -> list[list[object]]:
    """ISO 14001 and equivalent (ISO 45001, ISO 50001) certificates the plants reported, as the office lists them."""
    names = {r[0]: r[1] for r in _FACTORIES}
    return [[FACTORY_IDS[f], names[f], std, body, _be(i), _be(e)] for f, std, body, i, e in _ISO]


def survey_rows() -> list[list[object]]:
    """The provincial office's 2569 questionnaire: one row per factory that returned it."""
    rows = []
    for i, r in enumerate(_FACTORIES):
        if r[0] == SURVEY_MISSING:
            continue
        answered = dt.date(2026, 2, 1) + dt.timedelta(days=3 * i)
        rows.append([FACTORY_IDS[r[0]], r[1], r[3], r[8], r[10], r[11], r[12], "ใช่" if r[13] else "ไม่ใช่",
                     _be(answered)])
    return rows


SURVEY_HEADER = ["เลขทะเบียนโรงงาน", "ชื่อสถานประกอบการ", "หมวด", "สัดส่วนของเสียที่นำกลับมาใช้ประโยชน์",
                 "สัดส่วนแรงงานในพื้นที่", "สัดส่วนพลังงานหมุนเวียน", "สัดส่วนน้ำที่นำกลับมาใช้ซ้ำ",
                 "เปิดเผยผลตรวจวัดสิ่งแวดล้อม", "วันที่ตอบแบบสอบถาม"]
SURVEY_FIELDS = {"หมวด": "category", "สัดส่วนของเสียที่นำกลับมาใช้ประโยชน์": "waste_reused_share",
                 "สัดส่วนแรงงานในพื้นที่": "local_workers_share", "สัดส่วนพลังงานหมุนเวียน": "renewable_energy_share",
                 "สัดส่วนน้ำที่นำกลับมาใช้ซ้ำ": "water_reuse_share",
                 "เปิดเผยผลตรวจวัดสิ่งแวดล้อม": "monitoring_disclosed"}
INSPECTION_FIELDS = {"ใช้วัตถุระเบิด": "blasting", "แผนฟื้นฟูสภาพพื้นที่": "rehab_plan", "ตรวจวัดฝุ่น": "dust_monitoring",
                     "จำนวนคนงาน": "workers"}
COMMITTEE_FIELDS = {"เป็นกรรมการเมืองอุตสาหกรรมเชิงนิเวศ": "in_committee", "จำนวนเรื่องร้องเรียน": "complaints_filed"}


def _patch_dbf(path: Path) -> None:
    """Fix the DBF header's date of last update (bytes 1-3) and clear its language driver id (byte 29), as a
    DBF without a .cpg written on Thai Windows often has none."""
    b = bytearray(path.read_bytes())
    b[1:4] = bytes([FIXED_TIME.year - 1900, FIXED_TIME.month, FIXED_TIME.day])
    b[29] = 0
    path.write_bytes(bytes(b))


def write_concessions(path: Path, mines: gpd.GeoDataFrame) -> None:
    """The mining department's concession polygons: a shapefile in Indian 1975 / UTM 47N, short DBF names, Thai
    text in cp874 and no .cpg."""
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        if path.with_suffix(ext).exists():
            path.with_suffix(ext).unlink()
    m = mines.to_crs(METRIC)
    gdf = gpd.GeoDataFrame({
        "LICENSE_NO": list(m["licence_no"]),
        "MINE_NAME": list(m["name"]),
        "OPERATOR": [_CONCESSIONS[i][0] for i in m["mine_id"]],
        "MINERAL": ["หินปูน"] * len(m),
        "STATUS": [_MINE_STATUS_TH[s] for s in m["status"]],
        "MINE_TYPE": ["quarry"] * len(m),
        "EXP_DATE": [_be(_CONCESSIONS[i][1]) for i in m["mine_id"]],
        "AREA_RAI": [round(a / 1600.0, 2) for a in m.geometry.area],
    }, geometry=list(m.geometry), crs=METRIC)
    gdf = _stored(gdf, INDIAN_1975)
    path.parent.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(gdf, path, driver="ESRI Shapefile", encoding="cp874")
    cpg = path.with_suffix(".cpg")
    if cpg.exists():
        cpg.unlink()
    _patch_dbf(path.with_suffix(".dbf"))


def inspection_rows() -> list[list[object]]:
    """The provincial industry office's 2569 quarry inspections, keyed by concession number."""
    yes = lambda b: "มี" if b else "ไม่มี"  # noqa: E731
    return [[m[2], m[1], _be(dt.date(2026, 3, 4 + 6 * i)), yes(m[4]), yes(m[6]), yes(m[7]), m[8]]
            for i, m in enumerate(_MINES)]


def _village_records(layers_f: dict[str, gpd.GeoDataFrame]) -> list[dict]:
    """Every village (the town's and those beyond it) with its code, names, point and population."""
    recs = []
    v = layers_f["villages"]
    for r, (lon, lat) in zip(_VILLAGES, _lonlat(v)):
        recs.append({"code": VILLAGE_IDS[r[0]], "name": r[1], "moo": r[2], "tambon": "หนองโพ", "amphoe": "ตาคลี",
                     "lon": lon, "lat": lat, "population": r[5]})
    b = layers_f["villages_beyond"]
    for r, (lon, lat) in zip(_VILLAGES_BEYOND, _lonlat(b)):
        recs.append({"code": r[0], "name": r[1], "moo": r[2], "tambon": r[3], "amphoe": r[4], "lon": lon, "lat": lat,
                     "population": r[7]})
    return sorted(recs, key=lambda x: x["code"])


def write_villages_geojson(path: Path, recs: list[dict]) -> None:
    """Village points as in a national 2012 (พ.ศ. 2555) village layer: codes as text, no population."""
    feats = []
    for r in recs:
        props = {"VILL_CODE": r["code"], "VILL_NAM_T": r["name"], "VILL_NO": r["moo"], "TAM_NAM_T": r["tambon"],
                 "AMP_NAM_T": r["amphoe"], "PROV_NAM_T": "นครสวรรค์"}
        feats.append(json.dumps({"type": "Feature", "properties": props,
                                 "geometry": {"type": "Point", "coordinates": [round(r["lon"], 7), round(r["lat"], 7)]}},
                                ensure_ascii=False))
    text = '{\n"type": "FeatureCollection",\n"name": "villages_2555",\n"features": [\n' + ",\n".join(feats) + "\n]\n}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def population_rows(recs: list[dict]) -> list[list[object]]:
    """The registration office's table (ทะเบียนราษฎร): men, women, total, houses; one village is missing."""
    rows = []
    for r in recs:
        pop = r["population"]
        if pop is None:
            continue
        men = int(round(pop * 0.488))
        rows.append([r["code"], r["name"], men, pop - men, pop, int(round(pop / 3.2))])
    return rows


def committee_rows() -> list[list[object]]:
    """Which of the town's villages sit on the eco-town committee, and the complaints each village filed."""
    return [[VILLAGE_IDS[v[0]], v[1], v[2], "ใช่" if v[6] else "ไม่ใช่", v[7]] for v in _VILLAGES]


def write_office_files(out_dir: Path, layers_f: dict[str, gpd.GeoDataFrame]) -> list[Path]:
    """Write the registry, the concession shapefile, the village layer and the tables joined to them."""
    reg = out_dir / "registry" / "factories_diw.csv"
    write_registry(reg, layers_f["factories"])
    gi = out_dir / "tables" / "gi_certificates.xlsx"
    _write_xlsx(gi, "ใบรับรอง", ["เลขทะเบียนโรงงาน", "ชื่อสถานประกอบการ", "ระดับ", "วันที่ออกใบรับรอง", "วันหมดอายุ"],
                gi_certificate_rows())
    # the office's log holds factories and quarries; it is kept as two files, one per register (the DIW
    # registration number and the mining licence), so that each join's keys all belong to its layer
    rows = complaint_rows()
    quarry = set(MINE_IDS.values())
    comp = out_dir / "tables" / "complaints_log.csv"
    _write_csv(comp, ["เลขที่เรื่อง", "วันที่รับเรื่อง", "เลขทะเบียนโรงงาน", "ประเภทเรื่อง", "สถานะ"],
               [r for r in rows if r[2] not in quarry], encoding="utf-8", bom=True)
    qcomp = out_dir / "tables" / "quarry_complaints.csv"
    _write_csv(qcomp, ["เลขที่เรื่อง", "วันที่รับเรื่อง", "เลขที่ประทานบัตร", "ประเภทเรื่อง", "สถานะ"],
               [r for r in rows if r[2] in quarry], encoding="utf-8", bom=True)
    survey = out_dir / "tables" / "factory_survey_2569.xlsx"
    _write_xlsx(survey, "แบบสอบถาม2569", SURVEY_HEADER, survey_rows())
    insp = out_dir / "tables" / "mine_inspections.csv"
    _write_csv(insp, ["เลขที่ประทานบัตร", "ชื่อเหมือง", "วันที่ตรวจ", *INSPECTION_FIELDS], inspection_rows(),
               encoding="utf-8", bom=True)
    shp = out_dir / "concessions" / "quarries_dpim.shp"
    write_concessions(shp, layers_f["mines"])
    recs = _village_records(layers_f)
    vil = out_dir / "villages" / "villages_2555.geojson"
    write_villages_geojson(vil, recs)
    pop = out_dir / "tables" / "population_2569.csv"
    _write_csv(pop, ["รหัสหมู่บ้าน", "ชื่อหมู่บ้าน", "ชาย", "หญิง", "รวม", "บ้าน"], population_rows(recs),
               encoding="cp874")
    com = out_dir / "tables" / "village_committee.csv"
    _write_csv(com, ["รหัสหมู่บ้าน", "ชื่อหมู่บ้าน", "หมู่ที่", *COMMITTEE_FIELDS], committee_rows(), encoding="utf-8",
               bom=True)
    orders = out_dir / "tables" / "factory_orders.csv"
    _write_csv(orders, ORDERS_HEADER, order_rows(), encoding="utf-8", bom=True)
    iso = out_dir / "tables" / "iso_certificates.xlsx"
    _write_xlsx(iso, "ใบรับรองระบบ", ISO_HEADER, iso_rows())
    exch = out_dir / "tables" / "exchanges.csv"
    _write_csv(exch, EXCHANGES_HEADER, exchange_rows(), encoding="utf-8", bom=True)
    return [reg, gi, comp, qcomp, survey, insp, shp, shp.with_suffix(".shx"), shp.with_suffix(".dbf"),
            shp.with_suffix(".prj"), vil, pop, com, orders, iso, exch]


# --------------------------------------------------------------------------------------------------
# Land cover
# --------------------------------------------------------------------------------------------------

#: value -> (name, Thai name, colour, green)
CLASSES = {
    1: ("urban", "พื้นที่ชุมชนและสิ่งปลูกสร้าง", "#d7191c", False),
    2: ("industrial", "พื้นที่อุตสาหกรรม", "#7b3294", False),
    3: ("paddy", "นาข้าว", "#f6e8a6", False),
    4: ("sugarcane_field_crops", "อ้อยและพืชไร่", "#d9ef8b", False),
    5: ("forest", "ป่าไม้", "#1a9641", True),
    6: ("orchard", "ไม้ผลและไม้ยืนต้น", "#66bd63", True),
    7: ("water", "แหล่งน้ำ", "#2b83ba", False),
    8: ("bare_quarry", "พื้นที่โล่งและบ่อหิน", "#a6761d", False),
    9: ("grass_shrub", "ทุ่งหญ้าและไม้พุ่ม", "#a6d96a", True),
}


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cell: int) -> np.ndarray:
    """Value noise: a coarse normal grid, bilinearly interpolated to ``shape``; about unit variance."""
    ny, nx = shape
    coarse = rng.standard_normal((ny // cell + 2, nx // cell + 2))
    fy = np.arange(ny) / cell
    fx = np.arange(nx) / cell
    iy, ix = fy.astype(int), fx.astype(int)
    ty, tx = (fy - iy)[:, None], (fx - ix)[None, :]
    a = coarse[iy][:, ix]
    b = coarse[iy][:, ix + 1]
    c = coarse[iy + 1][:, ix]
    d = coarse[iy + 1][:, ix + 1]
    out = a * (1 - ty) * (1 - tx) + b * (1 - ty) * tx + c * ty * (1 - tx) + d * ty * tx
    return out / out.std()


def landcover_array(town: Polygon, layers_m: dict[str, gpd.GeoDataFrame]) -> tuple[np.ndarray, object]:
    """The land-cover grid (uint8, 0 = nodata) and its transform, in EPSG:32647."""
    x0, y0, x1, y1 = town.bounds
    left = math.floor((x0 - MARGIN) / PIXEL) * PIXEL
    bottom = math.floor((y0 - MARGIN) / PIXEL) * PIXEL
    right = math.ceil((x1 + MARGIN) / PIXEL) * PIXEL
    top = math.ceil((y1 + MARGIN) / PIXEL) * PIXEL
    nx, ny = int(round((right - left) / PIXEL)), int(round((top - bottom) / PIXEL))
    transform = Affine(PIXEL, 0.0, left, 0.0, -PIXEL, top)
    shape = (ny, nx)
    rng = np.random.default_rng(SEED)
    n_crop = _smooth_noise(rng, shape, 24) + 0.5 * _smooth_noise(rng, shape, 8)
    n_tree = _smooth_noise(rng, shape, 12)
    n_shrub = _smooth_noise(rng, shape, 10)
    n_hill = _smooth_noise(rng, shape, 30)
    n_village = _smooth_noise(rng, shape, 5)

    xs = left + (np.arange(nx) + 0.5) * PIXEL
    ys = top - (np.arange(ny) + 0.5) * PIXEL
    xk = ((xs - CX) / 1000.0)[None, :]
    yk = ((ys - CY) / 1000.0)[:, None]

    # farmland: paddy on the lower, wetter east and south; cane and field crops elsewhere
    wet = -0.10 * yk + 0.6 * n_crop
    grid = np.where(wet > 0.15, 3, 4).astype(np.uint8)
    grid[n_tree > 1.35] = 6
    grid[n_shrub > 1.55] = 9
    # limestone hills to the west and north-west: forest with shrub on the edges
    hill = np.full(shape, -9.0)
    for hx, hy, hr in _HILLS:
        hill = np.maximum(hill, hr - np.hypot(xk - hx, yk - hy))
    hill = hill + 0.45 * n_hill
    grid[(hill > 0.0) & (hill <= 0.35)] = 9
    grid[hill > 0.35] = 5

    def burn(geoms, value: int, all_touched: bool = False) -> None:
        mask = rasterize([(g, 1) for g in geoms if not g.is_empty], out_shape=shape, transform=transform,
                         fill=0, dtype="uint8", all_touched=all_touched)
        grid[mask == 1] = value

    # villages: built-up patches sized by population, with ragged edges
    for _, _, _, vx, vy, pop, _, _ in _VILLAGES:
        px, py = _xy(vx, vy)
        d = np.hypot(xs[None, :] - px, ys[:, None] - py)
        r = 140.0 + pop / 5.0
        grid[d < r * (1.0 + 0.25 * n_village)] = 1
    # factories and their yards
    fac = layers_m["factories"]
    burn([g.buffer(380 if c == "sugar_mill" else 160, quad_segs=4) for g, c in zip(fac.geometry, fac["category"])],
         2)
    burn(list(layers_m["green"].geometry), 5)
    park = layers_m["green"][layers_m["green"]["kind"] == "park"]
    burn(list(park.geometry), 9)
    burn([g.buffer(12) for g in layers_m["roads"].geometry], 1, all_touched=True)
    burn([g.buffer(20) for g in layers_m["water"].geometry], 7, all_touched=True)
    burn(list(layers_m["reservoirs"].geometry), 7)
    burn([g.buffer(40) for g in layers_m["mines"].geometry], 9)
    burn(list(layers_m["mines"].geometry), 8)
    return grid, transform


def write_landcover(path: Path, grid: np.ndarray, transform) -> None:
    if path.exists():
        path.unlink()
    profile = {"driver": "GTiff", "height": grid.shape[0], "width": grid.shape[1], "count": 1, "dtype": "uint8",
               "crs": METRIC, "transform": transform, "nodata": 0, "compress": "deflate", "zlevel": 9,
               "predictor": 2, "tiled": True, "blockxsize": 256, "blockysize": 256}
    with rasterio.Env(GDAL_PAM_ENABLED="NO"):
        with rasterio.open(path, "w", **profile) as ds:
            ds.write(grid, 1)
            ds.update_tags(DESCRIPTION="Nong Pho sample land cover (self-authored, fictional)",
                           GENERATOR="layers/sample/generate.py", SEED=str(SEED))
            ds.set_band_description(1, "landcover class")
    aux = path.with_name(path.name + ".aux.xml")
    if aux.exists():
        aux.unlink()


# --------------------------------------------------------------------------------------------------
# Evidence and catalog
# --------------------------------------------------------------------------------------------------

_EVIDENCE = [
    ("committee_established", "1", "คำสั่งเทศบาลตำบลหนองโพ ที่ 12/2568", "คณะกรรมการเมืองอุตสาหกรรมเชิงนิเวศ 3 ฝ่าย"),
    ("eco_plan_adopted", "1", "แผนพัฒนาเมืองอุตสาหกรรมเชิงนิเวศ 2568-2572", "ผ่านความเห็นชอบของคณะกรรมการ"),
    ("annual_report_published", "1", "รายงานประจำปี 2569", "เผยแพร่บนเว็บไซต์ของเทศบาล"),
    ("grievance_mechanism", "1", "ศูนย์รับเรื่องร้องเรียนตำบลหนองโพ", "รับเรื่องทางโทรศัพท์ ไลน์ และหน้าศูนย์"),
    ("ghg_inventory", "1", "บัญชีก๊าซเรือนกระจกระดับเมือง 2568", "จัดทำร่วมกับสถาบันการศึกษาในพื้นที่"),
    ("energy_renewable_share", "0.42", "รายงานพลังงานของโรงงาน", "ชีวมวลจากชานอ้อยเป็นหลัก"),
    ("water_reuse_share_town", "0.35", "รายงานการใช้น้ำของโรงงาน", ""),
    ("industrial_waste_reused_share", "0.78", "ระบบ กากอุตสาหกรรม", "กากหม้อกรองและวีนาสนำไปทำปุ๋ย"),
    ("symbiosis_links", "6", "แผนผังการใช้ประโยชน์ร่วม (industrial symbiosis)",
     "ชานอ้อย กากน้ำตาล วีนาส ไอน้ำ ไฟฟ้า กากหม้อกรอง"),
    ("local_employment_share", "0.62", "สำรวจแรงงานของโรงงาน", ""),
    ("community_health_program", "1", "โครงการตรวจสุขภาพชุมชน รพ.สต.หนองโพ", ""),
    ("csr_projects", "9", "รายงานกิจกรรมเพื่อสังคมของโรงงาน", ""),
    ("complaints_resolved_share", "0.85", "ศูนย์รับเรื่องร้องเรียนตำบลหนองโพ", "แก้ไขแล้ว 34 จาก 40 เรื่อง"),
    ("air_quality_days_good_share", "0.91", "สถานีตรวจวัดคุณภาพอากาศชั่วคราว", "ช่วงฤดูหีบอ้อยมีฝุ่นสูงขึ้น"),
    ("wastewater_compliance_share", "0.95", "ผลตรวจน้ำทิ้งของโรงงาน", ""),
    ("training_participants", "1200", "บันทึกการฝึกอบรม", "คนงานและชาวบ้าน"),
    ("sme_loans", "14", "กองทุนหมู่บ้านและธนาคารในพื้นที่", "วิสาหกิจชุมชนและ SME"),
    ("eco_buffer_strips_km", "3.5", "แผนที่แนวกันชนสีเขียว อบต.หนองโพ", "ปลูกไม้ยืนต้นรอบโรงงานน้ำตาล"),
    ("landuse_plan_enforced", "yes", "ผังเมืองรวมอำเภอตาคลี", ""),
    ("by_product_value_mthb", "62", "บัญชีซื้อขายวัสดุพลอยได้ของโรงงาน", "กากน้ำตาล ชานอ้อย กากหม้อกรอง"),
    ("community_enterprises", "4", "ทะเบียนวิสาหกิจชุมชน", "ปุ๋ยอินทรีย์และหัตถกรรมจากชานอ้อย"),
    ("local_procurement_share", "18%", "สำรวจการจัดซื้อของโรงงาน", ""),
    ("cane_burnt_share", "24%", "รายงานอ้อยไฟไหม้ของโรงงานน้ำตาล", "ฤดูหีบ 2568/69"),
    ("health_screening_coverage", "30%", "รพ.สต.หนองโพ", ""),
    ("emergency_drills", "2", "บันทึกการซ้อมแผนฉุกเฉิน", ""),
    ("ambient_monitoring_network", "no", "สำนักงานสิ่งแวดล้อมภาค", "ยังไม่มีสถานีถาวร"),
    ("internal_audit_done", "yes", "รายงานการตรวจประเมินภายใน 2569", ""),
    ("external_audit_done", "yes", "รายงานการตรวจประเมินจากภายนอก 2569", "ผู้ตรวจประเมินที่กรมโรงงานอุตสาหกรรมขึ้นทะเบียน"),
    ("committee_certified", "yes", "หนังสือแจ้งผลการพิจารณาของคณะกรรมการ 2569", "รับรองระดับ 3"),
]


def write_evidence(path: Path) -> None:
    lines = ["subject_kind,subject_id,indicator_id,value,source,note"]
    for ind, value, source, note in _EVIDENCE:
        lines.append(",".join(_csv_field(x) for x in ("town", "TH600706", ind, value, source, note)))
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def catalog_text() -> str:
    """The sample's catalog as YAML text, with comments."""
    def block(m: dict[str, str]) -> str:
        return "\n".join(f"          {k}: {v}" for k, v in m.items())

    survey, inspection, committee = block(SURVEY_FIELDS), block(INSPECTION_FIELDS), block(COMMITTEE_FIELDS)
    classes = "\n".join(
        f"      {k}: {{name: {n}, th: {th}, color: '{c}', green: {'true' if g else 'false'}}}"
        for k, (n, th, c, g) in CLASSES.items())
    return f"""\
# Layer catalog of the bundled Nong Pho sample (self-authored and fictional; see README.md).
# Written by layers/sample/generate.py: edit the generator, not this file, then run
#   python -m layers.sample.generate
# Factories, quarries and villages come as offices hand them over, with attribute tables joined by key.
# "on" is quoted because YAML 1.1 (PyYAML) reads a bare on: as the boolean true.
name: Nong Pho eco-industrial town (sample)
town: boundary
crs: EPSG:32647
parameters: {{rings_m: [500, 1000, 3000, 5000], green_ring_m: 1000}}
evidence: {{2026: evidence-2026.csv}}
layers:
  boundary:
    role: boundary
    source: nong_pho.gpkg
    layer: boundary
    id_field: code
    description: Sub-district (tambon) Nong Pho, Takhli, Nakhon Sawan; hand-drawn outline of 95 km²
    vintage: 2026
  factories:
    role: factories
    source: registry/factories_diw.csv
    id_field: เลขทะเบียนโรงงานแบบใหม่
    encoding: cp874
    fields: {{ชื่อโรงงาน: name}}
    description: DIW factory registry as downloaded and saved from Thai Excel (cp874); fictional plants
    vintage: 2026
    joins:
      - name: gi_certificates
        source: tables/gi_certificates.xlsx
        sheet: ใบรับรอง
        "on": เลขทะเบียนโรงงาน
        fields: {{ระดับ: gi_level}}
        aggregate: latest
        date_field: วันที่ออกใบรับรอง
        expires_field: วันหมดอายุ
        vintage: 2026
      - name: complaints
        source: tables/complaints_log.csv
        "on": เลขทะเบียนโรงงาน
        fields: {{เลขที่เรื่อง: complaints}}
        aggregate: count
        date_field: วันที่รับเรื่อง
        vintage: 2026
      - name: factory_survey
        source: tables/factory_survey_2569.xlsx
        sheet: แบบสอบถาม2569
        "on": เลขทะเบียนโรงงาน
        fields:
{survey}
        vintage: 2026
      - name: factory_orders
        source: tables/factory_orders.csv
        "on": เลขทะเบียนโรงงาน
        fields: {{เลขที่คำสั่ง: outstanding_orders}}
        aggregate: count
        date_field: วันที่ออกคำสั่ง
        expires_field: วันที่ปิดคำสั่ง
        vintage: 2026
      - name: iso_certificates
        source: tables/iso_certificates.xlsx
        sheet: ใบรับรองระบบ
        "on": เลขทะเบียนโรงงาน
        fields: {{มาตรฐาน: certified_systems}}
        aggregate: count
        date_field: วันที่ออกใบรับรอง
        expires_field: วันหมดอายุ
        vintage: 2026
  mines:
    role: mines
    source: concessions/quarries_dpim.shp
    id_field: LICENSE_NO
    encoding: cp874
    fields: {{MINE_NAME: name, LICENSE_NO: licence_no, MINERAL: mineral, MINE_TYPE: mine_type, STATUS: status}}
    description: Limestone quarry concessions (ประทานบัตร) from the mining department; Indian 1975, no .cpg (fictional)
    vintage: 2026
    joins:
      - name: mine_inspections
        source: tables/mine_inspections.csv
        "on": เลขที่ประทานบัตร
        fields:
{inspection}
        vintage: 2026
      - name: complaints
        source: tables/quarry_complaints.csv
        "on": เลขที่ประทานบัตร
        fields: {{เลขที่เรื่อง: complaints}}
        aggregate: count
        date_field: วันที่รับเรื่อง
        vintage: 2026
  villages:
    role: communities
    source: villages/villages_2555.geojson
    id_field: VILL_CODE
    fields: {{VILL_NAM_T: name, VILL_NO: village_no}}
    description: Village points of a 2012 (พ.ศ. 2555) national village layer, with villages beyond the boundary
    vintage: 2012
    joins:
      - name: population
        source: tables/population_2569.csv
        "on": รหัสหมู่บ้าน
        encoding: cp874
        fields: {{รวม: population, บ้าน: households}}
        vintage: 2026
      - name: village_committee
        source: tables/village_committee.csv
        "on": รหัสหมู่บ้าน
        fields:
{committee}
        vintage: 2026
  exchanges:
    role: exchanges
    source: tables/exchanges.csv
    description: Resource exchanges of the Nakhon Sawan Biocomplex and its neighbours (industrial symbiosis), fictional
    vintage: 2026
  receptors:
    role: receptors
    source: nong_pho.gpkg
    layer: receptors
    id_field: rec_id
    description: Schools, temples and health centres; stored in Indian 1975 / UTM 47N (EPSG:24047)
    vintage: 2026
  water:
    role: water
    source: nong_pho.gpkg
    layer: water
    description: Canal and stream centre lines
    vintage: 2026
  reservoirs:
    role: water
    source: nong_pho.gpkg
    layer: reservoirs
    description: Reservoir polygons
    vintage: 2026
  roads:
    role: roads
    source: nong_pho.gpkg
    layer: roads
    description: Main roads
    vintage: 2026
  green:
    role: green
    source: nong_pho.gpkg
    layer: green
    id_field: green_id
    description: Community forests, eco-buffer strips around the bio-complex, park and riparian strip
    vintage: 2026
  landuse:
    role: landuse
    source: nong_pho.gpkg
    layer: landuse
    id_field: zone_id
    description: Zoning (industrial, residential, conservation, agricultural)
    vintage: 2026
  landcover:
    role: landcover
    source: landcover.tif
    description: Land cover, 30 m cells, EPSG:32647; modelled, not classified from imagery
    vintage: 2026
    classes:
{classes}
"""


# --------------------------------------------------------------------------------------------------

def _check_places(town: Polygon, layers_m: dict[str, gpd.GeoDataFrame]) -> None:
    """The town's facilities, villages and receptors lie inside the boundary; the villages beyond it lie where
    README.md says (four 1-4 km beyond the line and within 5 km of a facility, two more than 5 km from all)."""
    for name in ("factories", "mines", "villages", "receptors"):
        outside = ~layers_m[name].geometry.within(town)
        if outside.any():
            raise AssertionError(f"sample layer {name}: features outside the boundary: {list(outside[outside].index)}")
    facilities = unary_union([*layers_m["factories"].geometry, *layers_m["mines"].geometry])
    for code, p in zip(layers_m["villages_beyond"]["code"], layers_m["villages_beyond"].geometry):
        near = p.distance(facilities)
        far = code in {r[0] for r in _VILLAGES_BEYOND[4:]}
        beyond = p.distance(town)
        if far and near <= 5000 or not far and not (1000 <= beyond <= 4000 and 1000 < near <= 5000):
            raise AssertionError(f"village {code} beyond the boundary is misplaced: {beyond:.0f} m beyond the "
                                 f"boundary, {near:.0f} m from the nearest facility")


def generate(out_dir: Path) -> list[Path]:
    """Write the sample into ``out_dir`` (created if needed) and return the files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    layers = vector_layers()
    layers_f = facility_layers()
    layers_m = {k: v.to_crs(METRIC) for k, v in {**layers, **layers_f}.items()}
    town = layers_m["boundary"].geometry.iloc[0]
    _check_places(town, layers_m)
    gpkg = out_dir / "nong_pho.gpkg"
    write_gpkg(gpkg, layers)
    tif = out_dir / "landcover.tif"
    grid, transform = landcover_array(town, layers_m)
    write_landcover(tif, grid, transform)
    ev = out_dir / "evidence-2026.csv"
    write_evidence(ev)
    office = write_office_files(out_dir, layers_f)
    cat = out_dir / "catalog.yaml"
    cat.write_bytes(catalog_text().encode("utf-8"))
    return [gpkg, tif, ev, cat, *office]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(__file__).resolve().parent
    for p in generate(out):
        print(f"{p}  {p.stat().st_size:,} bytes")
    print("factory ids: " + ", ".join(f"{k} -> {v}" for k, v in FACTORY_IDS.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
