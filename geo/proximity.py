"""Facility x community pairs within a distance, and the nearest facility of each community."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._validate import check_ids, check_rings, check_same_crs

__all__ = ["exposure_matrix", "nearest"]

MATRIX_COLUMNS = ["facility_id", "community_id", "distance_m", "ring_m", "bearing_deg"]


def _bearing_deg(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Degrees clockwise from grid north, in [0, 360)."""
    b = np.degrees(np.arctan2(dx, dy)) % 360.0
    return np.where(np.isclose(b, 360.0), 0.0, b)


def _point_xy(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of single points; NaN for every other geometry."""
    is_pt = shapely.get_type_id(geoms) == 0
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    if is_pt.any():
        x[is_pt] = shapely.get_x(geoms[is_pt])
        y[is_pt] = shapely.get_y(geoms[is_pt])
    return x, y


def _distance_and_direction(fgeom: np.ndarray, cgeom: np.ndarray, fi: np.ndarray,
                            ci: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance of each pair, and the vector from the facility's nearest point to the community.

    Point-to-point pairs (most of them) are done with coordinate arithmetic; pairs involving a polygon or
    line use GEOS distance and shortest lines (the vector joins centroids when the geometries touch).
    """
    fx, fy = _point_xy(fgeom)
    cx, cy = _point_xy(cgeom)
    dx = cx[ci] - fx[fi]
    dy = cy[ci] - fy[fi]
    dist = np.hypot(dx, dy)
    other = np.isnan(dist)
    if other.any():
        fo, co = fgeom[fi[other]], cgeom[ci[other]]
        d = shapely.distance(fo, co)
        lines = shapely.shortest_line(fo, co)
        coords = shapely.get_coordinates(lines).reshape(-1, 2, 2)
        ox = coords[:, 1, 0] - coords[:, 0, 0]
        oy = coords[:, 1, 1] - coords[:, 0, 1]
        touching = d == 0
        if touching.any():
            a = shapely.get_coordinates(shapely.centroid(fo[touching]))
            b = shapely.get_coordinates(shapely.centroid(co[touching]))
            ox[touching] = b[:, 0] - a[:, 0]
            oy[touching] = b[:, 1] - a[:, 1]
        dist[other], dx[other], dy[other] = d, ox, oy
    return dist, dx, dy


def _rank(ids: np.ndarray) -> np.ndarray:
    """Position of each id in sorted order."""
    r = np.empty(len(ids), dtype=np.int64)
    r[np.argsort(ids, kind="stable")] = np.arange(len(ids))
    return r


def exposure_matrix(facilities: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, rings_m: Sequence[float], *,
                    facility_id: str = "facility_id", community_id: str = "community_id") -> pd.DataFrame:
    """Every facility x community pair closer than the largest ring distance.

    Distances are geometry to geometry (to a mine's polygon edge, 0 when a village lies inside it), found with
    a shapely STRtree ``dwithin`` query and computed vectorised.

    Returns
    -------
    DataFrame
        ``facility_id, community_id, distance_m, ring_m, bearing_deg`` sorted by facility and community id.
        ``ring_m`` is the smallest ring distance containing the pair; ``bearing_deg`` is the direction from
        the facility (its nearest point to the community) to the community, clockwise from grid north.
    """
    check_same_crs((facilities, "facilities"), (communities, "communities"))
    rings = check_rings(rings_m)
    fid = check_ids(facilities, facility_id, "facilities")
    cid = check_ids(communities, community_id, "communities")
    fgeom = np.asarray(facilities.geometry.array, dtype=object)
    cgeom = np.asarray(communities.geometry.array, dtype=object)
    if len(fgeom) == 0 or len(cgeom) == 0:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            MATRIX_COLUMNS, [object, object, float, int, float])})
    tree = shapely.STRtree(cgeom)
    # query a millimetre further: a pair at 5000.0004 m reports (rounded) as 5000.0 and belongs in the ring
    fi, ci = tree.query(fgeom, predicate="dwithin", distance=float(rings[-1]) + 0.001)
    dist, dx, dy = _distance_and_direction(fgeom, cgeom, fi, ci)
    # distances are reported to the millimetre, and rings are decided on the reported value so that every
    # table agrees with `distance_m <= ring`
    dist = np.round(dist, 3)
    ring_idx = np.searchsorted(rings, dist, side="left")
    keep = ring_idx < len(rings)
    fi, ci, dist, ring_idx, dx, dy = fi[keep], ci[keep], dist[keep], ring_idx[keep], dx[keep], dy[keep]
    bearing = _bearing_deg(dx, dy)
    # sort by (facility id, community id) through integer ranks: sorting millions of strings is slow
    order = np.lexsort((_rank(cid)[ci], _rank(fid)[fi]))
    fi, ci = fi[order], ci[order]
    return pd.DataFrame({
        "facility_id": fid[fi],
        "community_id": cid[ci],
        "distance_m": dist[order],
        "ring_m": rings[ring_idx[order]].astype(int),
        "bearing_deg": np.round(bearing[order], 2),
    })


def nearest(facilities: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, *, facility_id: str = "facility_id",
            community_id: str = "community_id") -> pd.DataFrame:
    """For every community, the nearest facility over all facilities (no distance limit).

    Returns
    -------
    DataFrame
        Indexed by community id: ``nearest_facility_id`` (None when there are no facilities) and
        ``nearest_facility_m``. Ties go to the smallest facility id.
    """
    check_same_crs((facilities, "facilities"), (communities, "communities"))
    fid = check_ids(facilities, facility_id, "facilities")
    cid = check_ids(communities, community_id, "communities")
    out = pd.DataFrame({"nearest_facility_id": pd.Series([None] * len(cid), dtype=object),
                        "nearest_facility_m": np.full(len(cid), np.nan)}, index=pd.Index(cid, name=community_id))
    if len(fid) == 0 or len(cid) == 0:
        return out
    fgeom = np.asarray(facilities.geometry.array, dtype=object)
    cgeom = np.asarray(communities.geometry.array, dtype=object)
    tree = shapely.STRtree(fgeom)
    ci, fi = tree.query_nearest(cgeom, all_matches=True, return_distance=False)
    dist = shapely.distance(cgeom[ci], fgeom[fi])
    pairs = pd.DataFrame({"c": ci, "f": fid[fi], "d": dist}).sort_values(["c", "d", "f"], kind="stable")
    first = pairs.drop_duplicates("c", keep="first")
    out.iloc[first["c"].to_numpy(), 0] = first["f"].to_numpy()
    out.iloc[first["c"].to_numpy(), 1] = np.round(first["d"].to_numpy(), 3)
    return out
