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
import shapely

from criteria import Assessment, needs_text
from geo import to_lonlat
from criteria import format_value as fmt_value  # one formatting for every output

__all__ = ["StyleTable", "round_geojson", "round_geojsons", "point_ll", "indicator_tables", "text", "search_key"]


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
    if len(coords) and isinstance(coords[0], (float, int)):  # a position: its numbers without a call each
        return [round(float(c), d) for c in coords]
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


def round_geojsons(geoms: Any, decimals: int) -> list[dict[str, Any] | None]:
    """:func:`round_geojson` of each geometry of ``geoms`` (a sequence of shapely geometries in lon/lat).

    Flat polygons and multipolygons (outlines, mine rings: thousands at region scale) are taken apart all at once
    with shapely's array functions and rounded as one list; other geometries go one by one. Same numbers, same
    nesting."""
    geoms = list(geoms)
    arr = np.array(geoms, dtype=object)
    if not len(arr):
        return []
    types = shapely.get_type_id(arr)
    fast = np.isin(types, (3, 6)) & ~shapely.is_empty(arr) & ~shapely.has_z(arr)
    out: list[dict[str, Any] | None] = [None if fast[k] else round_geojson(g, decimals) for k, g in enumerate(geoms)]
    idx = np.flatnonzero(fast)
    if not len(idx):
        return out
    parts, part_geom = shapely.get_parts(arr[idx], return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    counts = shapely.get_num_coordinates(rings)
    flat = [round(c, decimals) for c in shapely.get_coordinates(rings).ravel().tolist()]
    pos = [flat[i:i + 2] for i in range(0, len(flat), 2)]
    ends = np.cumsum(counts).tolist()
    starts = [0] + ends[:-1]
    ring_lists: list[list] = [[] for _ in range(len(parts))]
    for p, a, b in zip(ring_part.tolist(), starts, ends):
        ring_lists[p].append(pos[a:b])
    part_lists: list[list] = [[] for _ in range(len(idx))]
    for g, r in zip(part_geom.tolist(), ring_lists):
        part_lists[g].append(r)
    for j, k in enumerate(idx.tolist()):
        if types[k] == 3:
            out[k] = {"type": "Polygon", "coordinates": part_lists[j][0]}
        else:
            out[k] = {"type": "MultiPolygon", "coordinates": part_lists[j]}
    return out


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
        needs = "" if n is None or pd.isna(n) else needs_text(thr, unit, direction)
        lvl = "no data" if reached is None or pd.isna(reached) else str(int(reached))
        out.setdefault(sid, []).append([where[label], fmt_value(v, unit), lvl, needs])
    return {"head": ["indicator / ตัวชี้วัด", "value / ค่า", "level / ระดับ", "next level needs / ระดับถัดไปต้อง"],
            "names": names}, out


def radius_by(values: pd.Series, lo: float, hi: float) -> pd.Series:
    """Marker radius in pixels growing with the square root of ``values`` (missing: the smallest)."""
    v = pd.to_numeric(values, errors="coerce").clip(lower=0)
    top = float(np.sqrt(v.max())) if v.notna().any() and v.max() > 0 else 1.0
    return (lo + (hi - lo) * np.sqrt(v.fillna(0)) / top).round(1)


# --------------------------------------------------------------------------- columnar subject tables
#
# Large maps send subjects as columns (one list per field) rather than one object per feature: a field name, a
# label or a repeated value is written once, not thousands of times. The engine turns the columns back into
# features when the page loads and builds a popup only when one is opened. Templates such as "{name} ({id})"
# are filled by the engine with field values, as text.


def encode(values: list[Any]) -> list[Any] | dict[str, list[Any]]:
    """A column for the engine: ``values`` as they are, or ``{"d": distinct values, "i": index of each}`` when
    values repeat enough for the codes to be shorter (integer-coded repeated strings)."""
    n = len(values)
    if n < 8:
        return list(values)
    codes, uniq = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    if len(uniq) * 3 > n:
        return list(values)
    return {"d": list(uniq), "i": codes.tolist()}


def str_column(s: pd.Series) -> list[str]:
    """The cells of ``s`` as text ('' for missing), like :func:`text`."""
    miss = s.isna().to_numpy()
    return ["" if m else str(v) for v, m in zip(s.tolist(), miss)]


def num_column(s: pd.Series | np.ndarray, decimals: int = 2) -> list[Any]:
    """Numbers for the engine to format (``None`` for missing, whole numbers as integers)."""
    v = np.round(pd.to_numeric(pd.Series(np.asarray(s, dtype=object)), errors="coerce").to_numpy(dtype=float),
                 decimals)
    whole = np.isfinite(v) & (np.floor(v) == v)
    if not (np.abs(v[whole]) < 2.0 ** 62).all():  # beyond int64: Python's int, one by one
        return [None if x != x else (int(x) if x.is_integer() else x) for x in v.tolist()]
    out = v.astype(object)  # Python floats; whole numbers as Python ints, missing as None
    out[whole] = v[whole].astype(np.int64).astype(object)
    out[np.isnan(v)] = None
    return out.tolist()


def lat_lon(ll: gpd.GeoDataFrame, decimals: int) -> tuple[list[float], list[float]]:
    """Latitudes and longitudes of the points of ``ll`` (lon/lat), representative points for other shapes."""
    geom = ll.geometry
    pts = geom.where(geom.geom_type == "Point", geom.representative_point())
    pts = gpd.GeoSeries(pts, crs=ll.crs)
    return np.round(pts.y.to_numpy(dtype=float), decimals).tolist(), np.round(pts.x.to_numpy(dtype=float),
                                                                              decimals).tolist()


def subject_columns(gdf: gpd.GeoDataFrame, *, decimals: int, tolerance_m: float, shape: str
                    ) -> dict[str, Any]:
    """The skeleton of one columnar subject table: count, point shape, coordinates, ids and the shapes of
    non-point subjects (``geo``: row index -> GeoJSON)."""
    ll = to_lonlat(gdf, tolerance_m)
    lat, lon = lat_lon(ll, decimals)
    not_point = np.flatnonzero((ll.geom_type != "Point").to_numpy())
    geo = dict(zip(map(str, not_point), round_geojsons(ll.geometry.iloc[not_point], decimals)))
    out: dict[str, Any] = {"n": len(gdf), "t": shape, "lat": lat, "lon": lon,
                           "f": {"id": [str(i) for i in gdf.index]}}
    if geo:
        out["geo"] = geo
    return out


def style_column(values: pd.Series, make: Any) -> list[int]:
    """One style index per row: ``make(value)`` called once per distinct value of ``values``."""
    codes, uniq = pd.factorize(values, use_na_sentinel=False)
    idx = np.array([make(u) for u in uniq], dtype=np.int64)
    return idx[codes].tolist() if len(uniq) else []


def indicator_columns(a: Assessment, ids: list[str]) -> tuple[dict[str, Any], dict[str, tuple[int, int]]]:
    """The indicator tables of the subjects ``ids`` as one compact columnar table.

    The same cells as :func:`indicator_tables` (and :func:`criteria.explain_table`), computed with vectorised
    pandas: each distinct (value, unit) is formatted once. Returns ``(table, where)``: the table has ``head``,
    ``names`` and the columns ``n`` (name index), ``v`` (value), ``l`` (level reached) and ``x`` (what the next
    level needs), each possibly integer-coded; ``where[id] = (first row, row count)``.
    """
    ind = a.indicators
    sid = ind["subject_id"].astype(str)
    keep = sid.isin(set(map(str, ids))).to_numpy()
    ind, sid = ind.loc[keep], sid[keep]
    order = np.argsort(pd.factorize(sid)[0], kind="stable")  # rows of one subject together, in table order
    ind, sid = ind.iloc[order], sid.iloc[order]
    label = ind["name_th"].astype(str) + " / " + ind["name_en"].astype(str)
    ncode, names = pd.factorize(label)
    value = pd.to_numeric(ind["value"], errors="coerce")
    unit = ind["unit"].astype(str)
    vk = pd.MultiIndex.from_arrays([value.fillna(np.inf), unit])
    vcode, vuniq = pd.factorize(vk)
    vtext = [fmt_value(float("nan") if np.isinf(v) else v, u) for v, u in vuniq]
    reached = ind["level_reached"]
    ltext = np.where(reached.isna().to_numpy(), "no data",
                     pd.to_numeric(reached, errors="coerce").fillna(0).astype(int).astype(str).to_numpy())
    nxt = pd.Series({str(s): n for s, n in zip(a.levels["subject_id"], a.levels["next_level"])})
    has_next = sid.map(nxt).notna().to_numpy()
    thr = pd.to_numeric(ind["threshold_next"], errors="coerce")
    nk = pd.MultiIndex.from_arrays([thr.fillna(np.inf), unit, ind["direction"].astype(str)])
    ncd, nuniq = pd.factorize(nk)
    ntext = np.array([needs_text(None if np.isinf(t) else t, u, d) for t, u, d in nuniq], dtype=object)
    needs = np.where(has_next, ntext[ncd] if len(nuniq) else "", "")
    vt = np.array(vtext, dtype=object)[vcode] if len(vuniq) else np.array([], dtype=object)
    codes, firsts = pd.factorize(sid)
    counts = np.bincount(codes, minlength=len(firsts))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(firsts) else np.array([], dtype=int)
    where = {s: (int(st), int(c)) for s, st, c in zip(firsts, starts, counts)}
    table = {"head": ["indicator / ตัวชี้วัด", "value / ค่า", "level / ระดับ", "next level needs / ระดับถัดไปต้อง"],
             "names": list(names), "n": ncode.tolist(), "v": encode(vt.tolist()), "l": encode(ltext.tolist()),
             "x": encode(needs.tolist())}
    return table, where
