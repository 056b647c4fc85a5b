"""The QGIS project beside ``results.gpkg``: ``results.qgs`` opens every layer styled, grouped, with Thai names,
the town boundary as the first view, and an A4 landscape print layout (map, title, legend, scale bar, north
arrow, date).

Written from the template ``maps/exports/qgis/project.qgs.j2`` and the words in ``maps/exports/qgis/project.yaml``, without
QGIS: the layer symbols are the styles that :mod:`maps.exports.qgis_styles` stores in the GeoPackage. Paths in the project
are relative (``./results.gpkg``), so the output folder can be moved or zipped.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from criteria import Assessment

from ..errors import MapsError, TemplateError
from ..flows import flow_lines
from ..style import load_yaml_settings
from .qgis_styles import QGIS_DIR, _context, _env, _render, load_qgis_settings
from .tables import writes_ring_polygons

__all__ = ["write_project", "project_xml", "load_project_settings", "PROJECT_TEMPLATE", "PROJECT_FILE"]

PROJECT_TEMPLATE = "project.qgs.j2"
PROJECT_FILE = "results.qgs"

#: the layout page, A4 landscape in millimetres, and where each item sits on it: [x, y, width, height]
PAGE = (297, 210)
BOXES = {
    "title": [10, 5, 277, 11], "subtitle": [10, 16, 277, 8], "map": [10, 26, 200, 176],
    "legend": [215, 26, 72, 150], "north": [192, 29, 14, 16], "scalebar": [13, 189, 50, 10],
    "date": [215, 186, 72, 8], "source": [215, 194, 72, 8],
}


#: QGIS names a layer's geometry ``Line`` but its WKB type ``LineString``
WKB_TYPES = {"Line": "LineString"}


@lru_cache(maxsize=2)
def load_project_settings(path: Path = QGIS_DIR / "project.yaml") -> dict[str, Any]:
    s = load_yaml_settings(path, "QGIS project settings", required="layout", error=TemplateError)
    if not isinstance(s.get("groups"), list) or not s["groups"]:
        raise TemplateError(f"{path}: QGIS project settings need a 'groups' list")
    return s


def _crs(a: Assessment) -> dict[str, Any]:
    crs = a.facilities.crs
    auth = crs.to_authority() if crs is not None else None
    if auth is None:
        raise MapsError("QGIS project: the assessment's layers have no EPSG coordinate system")
    return {"authid": f"{auth[0]}:{auth[1]}", "srid": auth[1], "wkt": crs.to_wkt(), "name": crs.name}


def _bounds(frames: list[pd.DataFrame]) -> tuple[float, float, float, float] | None:
    boxes = [f.total_bounds for f in frames if f is not None and len(f) and not f.geometry.is_empty.all()]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _fit(extent: tuple[float, float, float, float], box: list[float], margin: float) -> list[float]:
    """``extent`` grown by ``margin`` of its size on every side, then widened to the shape of ``box`` (mm)."""
    x0, y0, x1, y1 = extent
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    x0, y0, x1, y1 = x0 - margin * w, y0 - margin * h, x1 + margin * w, y1 + margin * h
    w, h = x1 - x0, y1 - y0
    want = box[2] / box[3]
    if w / h < want:
        grow = (h * want - w) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (w / want - h) / 2
        y0, y1 = y0 - grow, y1 + grow
    return [round(v, 3) for v in (x0, y0, x1, y1)]


def _scale_segment(extent: list[float], box: list[float], segment_mm: float = 20.0) -> int:
    """A round length in metres (1, 2 or 5 times a power of ten) near ``segment_mm`` on the printed map."""
    metres = segment_mm * (extent[2] - extent[0]) / box[2]
    power = 10 ** math.floor(math.log10(max(metres, 1.0)))
    return int(min((power * f for f in (1, 2, 5, 10)), key=lambda v: abs(math.log(v / metres))))


def _style_fragment(qml: str, geometry: str) -> tuple[Markup, int]:
    """The renderer and labels of a rendered QML style, to go inside a project's ``<maplayer>``.

    Rules for another geometry type (the mine rules of the factory layer) are left out: they never match.
    """
    root = ET.fromstring(qml.split("\n", 1)[-1] if qml.startswith("<!DOCTYPE") else qml)
    for rules in root.iter("rules"):
        for rule in list(rules):
            f = rule.get("filter", "")
            if "geometry_type($geometry)" in f and f"geometry_type($geometry) = '{geometry}'" not in f:
                rules.remove(rule)
    parts = [ET.tostring(el, encoding="unicode").strip() for el in root if el.tag in ("renderer-v2", "labeling")]
    return Markup("\n".join(parts)), int(root.get("labelsEnabled", "0"))


def _town_texts(a: Assessment, lay: dict[str, Any]) -> dict[str, str]:
    town = a.town
    name = str(town.get("name") or town.get("name_en") or "")
    level = town.get("level_name_th") if pd.notna(town.get("level")) else None
    words = {"town": name, "level": str(level or lay["no_level"]), "year": a.year, "year_be": a.year_be}
    try:
        return {k: str(lay[k]).format(**words) for k in ("title", "subtitle", "date", "source")}
    except (KeyError, IndexError, ValueError) as e:
        raise TemplateError(f"{QGIS_DIR / 'project.yaml'}: layout texts use an unknown {{word}} ({e})") from None


def project_xml(a: Assessment, gpkg_name: str = "results.gpkg") -> str:
    """The ``.qgs`` text for an assessment whose tables are in ``gpkg_name`` (a path relative to the project)."""
    ps = load_project_settings()
    lay = ps["layout"]
    ctx = _context(a, legend="project")
    templates = load_qgis_settings()["layers"]
    frames = {"facilities": a.facilities, "communities": a.communities,
              "rings": a.rings if writes_ring_polygons(a) else None,
              "boundary": a.context.get("boundary"), "flows": flow_lines(a)}
    layers, groups = [], []
    for g in ps["groups"]:
        members = []
        for spec in g["layers"]:
            table, geom = spec["table"], spec.get("geometry")
            frame = frames.get(table)
            if geom and (frame is None or len(frame) == 0):
                continue  # e.g. no boundary layer in the catalog: the project leaves it out
            source = f"./{gpkg_name}|layername={table}"
            if table == "facilities":
                source += f"|geometrytype={geom}"
            layer = {"id": f"ecotown_{spec['id']}", "name": spec["name"], "source": source, "geometry": geom,
                     "wkb": WKB_TYPES.get(geom, geom), "extent": None, "style": None, "labels_enabled": 0}
            if geom:
                part = frame[frame.geom_type.str.endswith(geom)] if table == "facilities" else frame
                layer["extent"] = _bounds([part])
                if table in templates:
                    layer["style"], layer["labels_enabled"] = _style_fragment(_render(str(templates[table]), ctx),
                                                                                geom)
            members.append(layer)
        if members:
            groups.append({"name": g["name"], "visible": bool(g.get("visible", True)), "layers": members})
            layers += members
    view = _bounds([frames["boundary"]]) or _bounds([f for f in frames.values()])
    if view is None:
        raise MapsError("QGIS project: the assessment has no features to show")
    texts = {**_town_texts(a, lay), "name": lay["name"], "legend_title": lay["legend_title"],
             "font": ps["font"], "km": lay["km"], "m": lay["m"]}
    map_extent = _fit(view, BOXES["map"], float(lay.get("margin_extent", 0.05)))
    segment = _scale_segment(map_extent, BOXES["map"])
    ctx = {"title": texts["title"], "crs": _crs(a), "groups": groups, "layers": layers,
           "legend_layers": [l for l in layers if l["geometry"]], "view": [round(v, 3) for v in view],
           "map_extent": map_extent, "texts": texts, "box": BOXES,
           "scalebar": {"unit_m": 1000 if segment >= 1000 else 1, "unit": texts["km"] if segment >= 1000 else texts["m"],
                        "per_segment": f"{segment / 1000:g}" if segment >= 1000 else str(segment)}}
    try:
        xml = _env().get_template(PROJECT_TEMPLATE).render(**ctx)
    except jinja2.TemplateError as e:
        raise TemplateError(f"QGIS project template {QGIS_DIR / PROJECT_TEMPLATE}: {e}") from None
    try:
        ET.fromstring(xml.split("\n", 1)[-1])
    except ET.ParseError as e:
        raise TemplateError(f"QGIS project template {QGIS_DIR / PROJECT_TEMPLATE} gives broken XML: {e}") from None
    return xml


def write_project(a: Assessment, folder: str | Path, gpkg_name: str = "results.gpkg") -> Path:
    """Write the QGIS project ``results.qgs`` into ``folder``, beside ``gpkg_name``; return its path."""
    path = Path(folder) / PROJECT_FILE
    path.write_text(project_xml(a, gpkg_name), encoding="utf-8")
    return path
