"""Compact, safe map data: subjects, shapes and popups as plain JSON for the map engine (``plugins.py``).

Nothing here writes HTML. Popups are described as data (title, rows, table, note) and the engine builds them
with ``textContent``, so a name like ``<img src=x onerror=...>`` can only ever show as text.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from criteria import Assessment

from .base import WGS84, fmt_value

__all__ = ["StyleTable", "round_geojson", "point_ll", "indicator_tables", "text", "search_key", "lonlat"]


class StyleTable:
    """Leaflet path styles stored once in the payload; features refer to them by number."""

    def __init__(self) -> None:
        self._index: dict[tuple, int] = {}
        self.styles: list[dict[str, Any]] = []

    def __call__(self, **style: Any) -> int:
        key = tuple(sorted(style.items()))
        if key not in self._index:
            self._index[key] = len(self.styles)
            self.styles.append(dict(style))
        return self._index[key]


def _round(coords: Any, d: int) -> Any:
    if isinstance(coords, (float, int)):
        return round(float(coords), d)
    return [_round(c, d) for c in coords]


def round_geojson(geom: Any, decimals: int) -> dict[str, Any] | None:
    """The GeoJSON geometry of a shapely geometry (already in lon/lat) with rounded coordinates."""
    if geom is None or geom.is_empty:
        return None
    g = geom.__geo_interface__
    if g["type"] == "GeometryCollection":
        return {"type": "GeometryCollection",
                "geometries": [round_geojson(x, decimals) for x in geom.geoms if not x.is_empty]}
    return {"type": g["type"], "coordinates": _round(g["coordinates"], decimals)}


def lonlat(gdf: gpd.GeoDataFrame, tolerance_m: float = 0.0) -> gpd.GeoDataFrame:
    """``gdf`` (metres) in lon/lat, simplified in metres first (points are left alone)."""
    g = gdf
    if tolerance_m and len(g) and not (g.geom_type == "Point").all():
        g = g.copy()
        g["geometry"] = g.geometry.simplify(tolerance_m, preserve_topology=True)
    return g.to_crs(WGS84)


def point_ll(geom: Any, decimals: int) -> list[float]:
    """[lat, lon] of a point, or of a representative point of any other geometry."""
    pt = geom if geom.geom_type == "Point" else geom.representative_point()
    return [round(pt.y, decimals), round(pt.x, decimals)]


def text(v: Any) -> str:
    """A cell value as text ('' for missing)."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v)


def search_key(*parts: Any) -> str:
    return " ".join(t for t in (text(p) for p in parts) if t)


def _needs_text(threshold: Any, unit: str, direction: str) -> str:
    if threshold is None or (isinstance(threshold, float) and math.isnan(threshold)) or threshold is pd.NA:
        return "no threshold"
    t = float(threshold)
    if unit == "yes/no":
        return "yes" if t >= 0.5 else "no"
    return f"{'≥' if direction == 'higher' else '≤'} {fmt_value(t, unit)}"


def indicator_tables(a: Assessment, ids: list[str]) -> tuple[dict[str, Any], dict[str, list[list[Any]]]]:
    """The indicator table of each subject in ``ids`` as compact rows, and the shared table definition.

    The same cells as :func:`criteria.explain_table` (value, level reached, what the next level needs), computed
    in one pass over the indicator table so that a province of thousands of subjects takes well under a second.
    Returns ``(definition, rows_by_id)``: the definition holds the column heads and the indicator names (each
    row's first cell is an index into them); rows are ``[name_index, value, level reached, next needs]``.
    """
    names: list[str] = []
    where: dict[str, int] = {}
    out: dict[str, list[list[Any]]] = {}
    wanted = set(map(str, ids))
    nxt = {str(s): n for s, n in zip(a.levels["subject_id"], a.levels["next_level"])}
    ind = a.indicators
    cols = [ind[c].tolist() for c in ("subject_id", "name_th", "name_en", "value", "unit", "level_reached",
                                       "threshold_next", "direction")]
    for sid, name_th, name_en, value, unit, reached, thr, direction in zip(*cols):
        sid = str(sid)
        if sid not in wanted:
            continue
        label = f"{name_th} / {name_en}"
        if label not in where:
            where[label] = len(names)
            names.append(label)
        v = float("nan") if value is None or pd.isna(value) else float(value)
        n = nxt.get(sid)
        needs = "" if n is None or pd.isna(n) else _needs_text(thr, unit, direction)
        lvl = "no data" if reached is None or pd.isna(reached) else str(int(reached))
        out.setdefault(sid, []).append([where[label], fmt_value(v, unit), lvl, needs])
    return {"head": ["indicator / ตัวชี้วัด", "value / ค่า", "level / ระดับ", "next level needs / ระดับถัดไปต้อง"],
            "names": names}, out


def radius_by(values: pd.Series, lo: float, hi: float) -> pd.Series:
    """Marker radius in pixels growing with the square root of ``values`` (missing: the smallest)."""
    v = pd.to_numeric(values, errors="coerce").clip(lower=0)
    top = float(np.sqrt(v.max())) if v.notna().any() and v.max() > 0 else 1.0
    return (lo + (hi - lo) * np.sqrt(v.fillna(0)) / top).round(1)


def fmt(v: Any, unit: str = "") -> str:
    return fmt_value(v, unit)
