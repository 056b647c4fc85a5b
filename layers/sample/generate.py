"""Generate the bundled Nong Pho sample: a self-authored, fictional eco-industrial town.

Run ``python -m layers.sample.generate [OUT_DIR]`` (default: this folder). Every output is deterministic:
running the generator twice gives byte-identical files. Nothing here is copied from a real data set; the
names are fictional and the geometry is hand-placed, modelled on the sub-district of Nong Pho (Takhli,
Nakhon Sawan).

Outputs: ``nong_pho.gpkg`` (vector layers), ``landcover.tif`` (land-cover classes, 30 m),
``evidence-2026.csv`` (yearly non-spatial evidence) and ``catalog.yaml`` (the catalog that lists them).
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
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
OUTPUT_NAMES = ("nong_pho.gpkg", "landcover.tif", "evidence-2026.csv", "catalog.yaml")


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
    """Every vector layer in the CRS it is stored in, in the order written."""
    town = boundary_polygon()
    layers: dict[str, gpd.GeoDataFrame] = {}
    layers["boundary"] = _stored(gpd.GeoDataFrame(
        {"code": ["TH600706"], "name": ["หนองโพ"], "name_en": ["Nong Pho"], "amphoe": ["ตาคลี"],
         "changwat": ["นครสวรรค์"]}, geometry=[town], crs=METRIC), WGS84)

    f = _FACTORIES
    layers["factories"] = _stored(gpd.GeoDataFrame({
        "fac_id": [r[0] for r in f], "ชื่อโรงงาน": [r[1] for r in f], "ทะเบียนโรงงาน": [r[2] for r in f],
        "category": [r[3] for r in f], "gi_level": [r[6] for r in f], "complaints": [r[7] for r in f],
        "waste_reused_share": [r[8] for r in f], "workers": [r[9] for r in f],
        "local_workers_share": [r[10] for r in f], "renewable_energy_share": [r[11] for r in f],
        "water_reuse_share": [r[12] for r in f], "monitoring_disclosed": [r[13] for r in f],
    }, geometry=[Point(_xy(r[4], r[5])) for r in f], crs=METRIC), WGS84)

    m = _MINES
    layers["mines"] = _stored(gpd.GeoDataFrame({
        "mine_id": [r[0] for r in m], "name": [r[1] for r in m], "licence_no": [r[2] for r in m],
        "mineral": ["limestone"] * len(m), "mine_type": ["quarry"] * len(m), "status": [r[3] for r in m],
        "blasting": [r[4] for r in m], "complaints": [r[5] for r in m], "rehab_plan": [r[6] for r in m],
        "dust_monitoring": [r[7] for r in m], "workers": [r[8] for r in m],
    }, geometry=[_poly(r[9]) for r in m], crs=METRIC), METRIC)

    v = _VILLAGES
    layers["villages"] = _stored(gpd.GeoDataFrame({
        "vill_id": [r[0] for r in v], "ชื่อหมู่บ้าน": [r[1] for r in v], "หมู่ที่": [r[2] for r in v],
        "ประชากร": [r[5] for r in v], "ครัวเรือน": [int(round(r[5] / 3.2)) for r in v],
        "in_committee": [r[6] for r in v], "complaints_filed": [r[7] for r in v],
    }, geometry=[Point(_xy(r[3], r[4])) for r in v], crs=METRIC), WGS84)

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
]


def _csv_field(s: str) -> str:
    if any(c in s for c in ',"\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def write_evidence(path: Path) -> None:
    lines = ["subject_kind,subject_id,indicator_id,value,source,note"]
    for ind, value, source, note in _EVIDENCE:
        lines.append(",".join(_csv_field(x) for x in ("town", "TH600706", ind, value, source, note)))
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def catalog_text() -> str:
    """The sample's catalog as YAML text, with comments."""
    classes = "\n".join(
        f"      {k}: {{name: {n}, th: {th}, color: '{c}', green: {'true' if g else 'false'}}}"
        for k, (n, th, c, g) in CLASSES.items())
    return f"""\
# Layer catalog of the bundled Nong Pho sample (self-authored and fictional; see README.md).
# Written by layers/sample/generate.py: edit the generator, not this file, then run
#   python -m layers.sample.generate
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
    source: nong_pho.gpkg
    layer: factories
    id_field: fac_id
    # the other fields already have their canonical names
    fields: {{ชื่อโรงงาน: name, ทะเบียนโรงงาน: registry_no}}
    description: Registered factories; the sugar mill and its bio-complex, and other plants (fictional)
    vintage: 2026
  mines:
    role: mines
    source: nong_pho.gpkg
    layer: mines
    id_field: mine_id
    description: Limestone quarry concessions in the western hills (fictional)
    vintage: 2026
  villages:
    role: communities
    source: nong_pho.gpkg
    layer: villages
    id_field: vill_id
    fields: {{ชื่อหมู่บ้าน: name, หมู่ที่: village_no, ประชากร: population, ครัวเรือน: households}}
    description: Villages (หมู่บ้าน) with population; fictional names and counts
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

def _check_inside(town: Polygon, layers_m: dict[str, gpd.GeoDataFrame]) -> None:
    for name in ("factories", "mines", "villages", "receptors"):
        outside = ~layers_m[name].geometry.within(town)
        if outside.any():
            raise AssertionError(f"sample layer {name}: features outside the boundary: {list(outside[outside].index)}")


def generate(out_dir: Path) -> list[Path]:
    """Write the sample into ``out_dir`` (created if needed) and return the files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    layers = vector_layers()
    layers_m = {k: v.to_crs(METRIC) for k, v in layers.items()}
    town = layers_m["boundary"].geometry.iloc[0]
    _check_inside(town, layers_m)
    gpkg = out_dir / "nong_pho.gpkg"
    write_gpkg(gpkg, layers)
    tif = out_dir / "landcover.tif"
    grid, transform = landcover_array(town, layers_m)
    write_landcover(tif, grid, transform)
    ev = out_dir / "evidence-2026.csv"
    write_evidence(ev)
    cat = out_dir / "catalog.yaml"
    cat.write_bytes(catalog_text().encode("utf-8"))
    return [gpkg, tif, ev, cat]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(__file__).resolve().parent
    for p in generate(out):
        print(f"{p}  {p.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
