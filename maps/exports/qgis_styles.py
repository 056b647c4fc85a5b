"""QGIS default styles inside ``results.gpkg``: the GeoPackage ``layer_styles`` table that QGIS reads.

Opening ``results.gpkg`` in QGIS then shows facilities, villages, rings, the boundary and the resource exchanges
coloured as in the HTML maps, with Thai labels. The QML is rendered from the templates in ``maps/exports/qgis/``
(``*.qml.j2``); the level colours come from the criteria edition, the other colours and sizes from
``maps/styles.yaml`` and ``maps/flows.yaml``, and how web sizes become map sizes from ``maps/exports/qgis/qgis.yaml``.
"""

from __future__ import annotations

import math
import sqlite3
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from criteria import Assessment

from ..errors import MapsError, TemplateError
from ..flows import flow_tonnes_max, load_flow_style
from ..style import level_colors, load_styles, load_yaml_settings
from .files import DETERMINISTIC_DATE, pinned_gpkg_date, write_gpkg

__all__ = ["QGIS_DIR", "LayerStyle", "load_qgis_settings", "qgis_color", "layer_styles", "add_layer_styles",
           "STYLES_TABLE"]

QGIS_DIR = Path(__file__).resolve().parent / "qgis"
STYLES_TABLE = "layer_styles"


@dataclass(frozen=True)
class LayerStyle:
    """One row of ``layer_styles``: the default QML style of one GeoPackage layer."""

    layer: str
    geometry_column: str
    qml: str


@lru_cache(maxsize=2)
def load_qgis_settings(path: Path = QGIS_DIR / "qgis.yaml") -> dict[str, Any]:
    return load_yaml_settings(path, "QGIS style settings", required="layers", error=TemplateError)


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(QGIS_DIR)), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def qgis_color(color: str, opacity: float = 1.0) -> str:
    """``'#d7191c', 0.5`` -> ``'215,25,28,128'`` (QGIS writes colours as r,g,b,a)."""
    c = str(color).strip().lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    try:
        r, g, b = (int(c[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        raise MapsError(f"map styles: {color!r} is not a colour like #d7191c") from None
    if len(c) != 6:
        raise MapsError(f"map styles: {color!r} is not a colour like #d7191c")
    return f"{r},{g},{b},{round(255 * max(0.0, min(1.0, float(opacity))))}"


def _mm(px: float, settings: dict[str, Any]) -> str:
    return f"{float(px) * float(settings['px_to_mm']):.3g}"


def _legend_words(legend: str) -> dict[str, str]:
    words = load_qgis_settings().get("legend", {}).get(legend)
    need = {"level", "factory", "mine", "no_level", "ring", "flow_inside", "flow_outside"}
    if not isinstance(words, dict) or not need <= set(words):
        raise TemplateError(f"{QGIS_DIR / 'qgis.yaml'}: legend.{legend} needs the words {', '.join(sorted(need))}")
    return {k: str(v) for k, v in words.items()}


def _context(a: Assessment, legend: str = "gpkg") -> dict[str, Any]:
    """Everything the templates need, from the edition, ``styles.yaml`` and ``qgis.yaml``; ``legend`` picks the
    legend words of ``qgis.yaml`` (``gpkg``: the default styles in results.gpkg, ``project``: results.qgs)."""
    st = load_styles()
    q = load_qgis_settings()
    colors = level_colors(a.edition, st)
    mine, fac, vil, bnd = st["mine"], st["factory"], st["village"], st["boundary"]
    words = _legend_words(legend)
    levels = []
    for lv in a.edition.levels:
        label = words["level"].format(level=lv.level, name_en=lv.name_en, name_th=lv.name_th)
        levels.append({"level": lv.level, "label": label, "factory": words["factory"].format(label=label),
                       "mine": words["mine"].format(label=label), "color": qgis_color(colors[lv.level]),
                       "fill": qgis_color(colors[lv.level], mine["fill_opacity"])})
    pop = pd.to_numeric(a.communities.get("population", pd.Series(dtype=float)), errors="coerce").clip(lower=0)
    top = math.sqrt(float(pop.max())) if pop.notna().any() and float(pop.max()) > 0 else 1.0
    lo = float(vil["min_radius"]) * 2 * float(q["px_to_mm"])
    hi = float(vil["max_radius"]) * 2 * float(q["px_to_mm"])
    size_expr = (f"{lo:.3g} + {hi - lo:.3g} * sqrt(max(coalesce(\"population\", 0), 0)) / {top:.6g}")
    rings = []
    for r in sorted({int(v) for v in a.rings["ring_m"].dropna()} | {int(v) for v in a.rings_m}):
        rs = st["rings"].get(r) or st["rings"].get(str(r)) or st["ring_default"]
        rings.append({"ring_m": r, "label": words["ring"].format(m=r, m_th=f"{r:,}"),
                      "fill": qgis_color(rs["color"], rs["fill_opacity"]), "outline": qgis_color(rs["color"]),
                      "outline_mm": _mm(1, q)})
    lab = dict(q["labels"])
    lab["color"] = qgis_color(lab["color"])
    lab["buffer_color"] = qgis_color(lab["buffer_color"])
    town_level = int(a.town["level"]) if pd.notna(a.town.get("level")) else None
    fs = load_flow_style()
    flo, fhi = float(fs["min_weight"]) * float(q["px_to_mm"]), float(fs["max_weight"]) * float(q["px_to_mm"])
    share = f"sqrt(max(coalesce(\"tonnes_per_year\", 0), 0) / {flow_tonnes_max(a):.6g})"
    flows = {  # as maps/web/flows.py draws them: width by the square root of the share of the largest flow
        "kinds": [{"key": "inside", "filter": '"inside_town"', "label": words["flow_inside"],
                   "color": qgis_color(fs["inside_color"], fs["opacity"])},
                  {"key": "outside", "filter": 'NOT "inside_town"', "label": words["flow_outside"],
                   "color": qgis_color(fs["outside_color"], fs["opacity"])}],
        "width_mm": f"{flo:.3g}", "width_expr": f"{flo:.3g} + {fhi - flo:.3g} * {share}",
        "offset_m": f"{float(fs['offset_m']):g}", "arrow_m": f"{float(fs['arrow_m']):g}",
        "arrow_expr": f"{float(fs['arrow_m']):g} * (0.5 + 0.5 * {share})",
    }
    return {
        "levels": levels,
        "no_level": {"color": qgis_color(st["no_level"]), "fill": qgis_color(st["no_level"], mine["fill_opacity"]),
                     "label": words["no_level"]},
        "factory": {"size_mm": _mm(2 * float(fac["radius"]), q), "outline": qgis_color(fac["color"]),
                    "outline_mm": _mm(fac["weight"], q)},
        "mine": {"outline": qgis_color(mine["color"]), "outline_mm": _mm(mine["weight"], q)},
        "village": {"size_mm": f"{lo:.3g}", "size_expr": size_expr, "outline": qgis_color(vil["color"]),
                    "outline_mm": _mm(vil["weight"], q)},
        "boundary": {"fill": qgis_color(colors.get(town_level, st["no_level"]) if town_level else st["no_level"],
                                        bnd["fill_opacity"]),
                     "outline": qgis_color(bnd["color"]), "outline_mm": _mm(bnd["weight"], q)},
        "rings": rings,
        "flows": flows,
        "labels": lab,
    }


def _render(template: str, ctx: dict[str, Any]) -> str:
    try:
        qml = _env().get_template(template).render(**ctx)
    except jinja2.TemplateError as e:
        raise TemplateError(f"QGIS style template {QGIS_DIR / template}: {e}") from None
    try:
        ET.fromstring(qml.split("\n", 1)[-1] if qml.startswith("<!DOCTYPE") else qml)
    except ET.ParseError as e:
        raise TemplateError(f"QGIS style template {QGIS_DIR / template} gives broken XML: {e}") from None
    return qml


def _geometry_columns(gpkg: Path) -> dict[str, str]:
    con = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)
    try:
        return {t: c for t, c in con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns")}
    except sqlite3.Error as e:
        raise MapsError(f"{gpkg}: not a readable GeoPackage ({e})") from None
    finally:
        con.close()


def layer_styles(gpkg: Path, a: Assessment) -> list[LayerStyle]:
    """The default style of every styled layer present in ``gpkg``, in the order of ``qgis.yaml``."""
    geoms = _geometry_columns(Path(gpkg))
    ctx = _context(a)
    out = []
    for layer, template in load_qgis_settings()["layers"].items():
        if layer in geoms:
            out.append(LayerStyle(layer, geoms[layer], _render(str(template), ctx)))
    return out


def add_layer_styles(gpkg: str | Path, a: Assessment) -> list[str]:
    """Write the ``layer_styles`` table into ``gpkg`` (replacing it); return the layers styled.

    Timestamps are pinned, so the same assessment gives the same file.
    """
    gpkg = Path(gpkg)
    styles = layer_styles(gpkg, a)
    q = load_qgis_settings()
    stamp = pd.Timestamp(DETERMINISTIC_DATE)
    df = pd.DataFrame({
        "f_table_catalog": [""] * len(styles),
        "f_table_schema": [""] * len(styles),
        "f_table_name": [s.layer for s in styles],
        "f_geometry_column": [s.geometry_column for s in styles],
        "styleName": [f"{q['style_name']}-{s.layer}" for s in styles],
        "styleQML": [s.qml for s in styles],
        "styleSLD": [""] * len(styles),
        "useAsDefault": pd.Series([True] * len(styles), dtype=bool),
        "description": [str(q["description"])] * len(styles),
        "owner": [""] * len(styles),
        "ui": [""] * len(styles),
        "update_time": pd.Series([stamp] * len(styles), dtype="datetime64[ms, UTC]"),
    })
    try:
        with pinned_gpkg_date():
            write_gpkg(df, gpkg, STYLES_TABLE, FID="id", OVERWRITE="YES")
    except Exception as e:  # pyogrio/GDAL errors have no common base class
        raise MapsError(f"{gpkg}: cannot write the QGIS styles table {STYLES_TABLE}: {e}") from None
    return [s.layer for s in styles]
