"""Facilities and water: distance to the nearest water body, the water buffer, and upstream of an intake.

"Upstream" is defined simply and on purpose:

* river lines are digitised in the direction of flow (first vertex upstream, last vertex downstream);
* an intake (a village's drinking or irrigation water intake, a point) is on the river line nearest to it,
  if that line is within ``snap_m``;
* a facility drains to the river line nearest to it, if that line is within ``reach_m``; its discharge
  point is the point of the line nearest to the facility (to its edge for a polygon);
* a facility is upstream of an intake when both are on the same line and the discharge point lies before
  the intake along the line's digitised direction, at most ``max_upstream_m`` along the line.

Confluences are not followed: a tributary is a separate line. Merge a river digitised in pieces into one
line (e.g. ``shapely.line_merge``) before using it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._validate import check_ids, check_same_crs
from .errors import GeoError

__all__ = ["water_proximity", "upstream_of_intakes"]


def _geoms(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(gdf.geometry.array, dtype=object)


def water_proximity(facilities: gpd.GeoDataFrame, water: gpd.GeoDataFrame, *, buffer_m: float = 500.0,
                    facility_id: str = "facility_id", water_id: str | None = "id") -> pd.DataFrame:
    """Per facility: ``water_m`` (distance to the nearest water feature, line or polygon; 0 inside or on it;
    NaN without water), ``nearest_water`` (that feature's ``water_id``, or its row number) and
    ``within_water_buffer`` (``water_m <= buffer_m``)."""
    check_same_crs((facilities, "facilities"), (water, "water"))
    if buffer_m < 0:
        raise GeoError(f"the water buffer must be 0 m or more, got {buffer_m}")
    fid = check_ids(facilities, facility_id, "facilities")
    idx = pd.Index(fid, name=facility_id)
    out = pd.DataFrame({"water_m": np.nan, "nearest_water": pd.Series([None] * len(fid), dtype=object, index=idx),
                        "within_water_buffer": False}, index=idx)
    if len(water) == 0 or len(fid) == 0:
        return out
    wid = water[water_id].astype(str).to_numpy() if water_id and water_id in water.columns else \
        np.arange(len(water)).astype(str)
    fg, wg = _geoms(facilities), _geoms(water)
    fi, wi = shapely.STRtree(wg).query_nearest(fg, all_matches=True, return_distance=False)
    d = shapely.distance(fg[fi], wg[wi])
    order = np.lexsort((wi, d, fi))  # ties: the first water feature
    fi, wi, d = fi[order], wi[order], d[order]
    first = np.ones(len(fi), dtype=bool)
    first[1:] = fi[1:] != fi[:-1]
    dist = np.full(len(fid), np.nan)
    dist[fi[first]] = np.round(d[first], 3)
    near = np.full(len(fid), None, dtype=object)
    near[fi[first]] = wid[wi[first]]
    out["water_m"] = dist
    out["nearest_water"] = pd.Series(near, index=idx, dtype=object)
    out["within_water_buffer"] = dist <= buffer_m
    return out


def _snap(points: np.ndarray, lines: np.ndarray, tree: shapely.STRtree,
          max_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each geometry: the index of the nearest line within ``max_m`` (-1 if none), the position of its
    nearest point along that line (metres from the line's first vertex) and the distance."""
    line = np.full(len(points), -1, dtype=np.int64)
    pos = np.full(len(points), np.nan)
    dist = np.full(len(points), np.nan)
    if len(points) == 0 or len(lines) == 0:
        return line, pos, dist
    pi, li = tree.query_nearest(points, max_distance=max_m, all_matches=True, return_distance=False)
    d = shapely.distance(points[pi], lines[li])
    order = np.lexsort((li, d, pi))
    pi, li, d = pi[order], li[order], d[order]
    first = np.ones(len(pi), dtype=bool)
    first[1:] = pi[1:] != pi[:-1]
    pi, li, d = pi[first], li[first], d[first]
    # the point of the line nearest to the geometry is the first end of the shortest line from the line
    on_line = shapely.get_coordinates(shapely.shortest_line(lines[li], points[pi])).reshape(-1, 2, 2)[:, 0, :]
    line[pi] = li
    pos[pi] = shapely.line_locate_point(lines[li], shapely.points(on_line))
    dist[pi] = d
    return line, pos, dist


def upstream_of_intakes(facilities: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame, intakes: gpd.GeoDataFrame, *,
                        snap_m: float = 200.0, reach_m: float = 1000.0, max_upstream_m: float | None = None,
                        facility_id: str = "facility_id", intake_id: str = "id") -> pd.DataFrame:
    """Per facility: whether it is upstream of an intake (see the module text for the definition).

    Returns
    -------
    DataFrame
        Indexed by facility id: ``river_m`` (distance to the river line it drains to; NaN beyond ``reach_m``),
        ``upstream_of_intake`` (bool), ``upstream_intakes`` (ids of the intakes downstream of it on its river,
        nearest first, joined by ';') and ``river_to_intake_m`` (distance along the river to the nearest of
        them; NaN when none).
    """
    check_same_crs((facilities, "facilities"), (rivers, "rivers"), (intakes, "intakes"))
    fid = check_ids(facilities, facility_id, "facilities")
    iid = intakes[intake_id].astype(str).to_numpy() if intake_id in intakes.columns else \
        np.arange(len(intakes)).astype(str)
    rg = _geoms(rivers)
    kinds = set(shapely.get_type_id(rg).tolist()) if len(rg) else set()
    if kinds - {1}:
        raise GeoError("rivers must be single lines (LineString) digitised in the direction of flow; merge "
                       "multi-part rivers with shapely.line_merge first")
    tree = shapely.STRtree(rg) if len(rg) else None
    f_line, f_pos, f_dist = _snap(_geoms(facilities), rg, tree, reach_m)
    i_line, i_pos, _ = _snap(_geoms(intakes), rg, tree, snap_m)
    idx = pd.Index(fid, name=facility_id)
    f = pd.DataFrame({"f": np.arange(len(fid)), "line": f_line, "fpos": f_pos})
    i = pd.DataFrame({"intake": iid, "line": i_line, "ipos": i_pos})
    pairs = f[f["line"] >= 0].merge(i[i["line"] >= 0], on="line")
    along = pairs["ipos"] - pairs["fpos"]
    ok = along > 0
    if max_upstream_m is not None:
        ok &= along <= max_upstream_m
    pairs = pairs[ok].assign(along=np.round(along[ok], 3)).sort_values(["f", "along", "intake"], kind="stable")
    names = pairs.groupby("f")["intake"].agg(";".join)
    first = pairs.drop_duplicates("f").set_index("f")["along"]
    out = pd.DataFrame(index=idx)
    out["river_m"] = np.round(f_dist, 3)
    out["upstream_of_intake"] = np.isin(np.arange(len(fid)), names.index.to_numpy())
    up = np.full(len(fid), "", dtype=object)
    up[names.index.to_numpy()] = names.to_numpy()
    out["upstream_intakes"] = up
    to = np.full(len(fid), np.nan)
    to[first.index.to_numpy()] = first.to_numpy()
    out["river_to_intake_m"] = to
    return out
