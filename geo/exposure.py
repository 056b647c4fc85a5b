"""Summaries of the exposure matrix: per community (facilities near it) and per facility (people near it)."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._validate import check_ids, check_rings
from .errors import GeoError
from .proximity import exposure_matrix, nearest

__all__ = ["community_exposure", "facility_exposure"]


def _positions(idx: pd.Index, ids: pd.Series, what: str) -> np.ndarray:
    """Position of every matrix id in ``idx``; an id the table lacks is an error, not a silent drop."""
    pos = idx.get_indexer(ids)
    if (pos < 0).any():
        missing = sorted(set(ids[pos < 0]))[:5]
        raise GeoError(f"the exposure matrix names {what} id(s) {', '.join(map(str, missing))} "
                       f"that are not in the {what} table")
    return pos


def community_exposure(matrix: pd.DataFrame, communities: gpd.GeoDataFrame, rings_m: Sequence[float], *,
                       facilities: gpd.GeoDataFrame | None = None, community_id: str = "community_id",
                       facility_id: str = "facility_id", burden_radius_m: float = 5000.0,
                       min_distance_km: float = 0.1) -> pd.DataFrame:
    """Per community: facilities within each ring distance, the nearest facility, and a proximity burden.

    Returns
    -------
    DataFrame
        Indexed by community id (every community): ``fac_within_<d>`` (cumulative counts, distance <= d),
        ``nearest_facility_id``, ``nearest_facility_m`` (over all facilities when ``facilities`` is given,
        else over the pairs in ``matrix``), and ``burden`` = sum of 1 / max(distance_km, min_distance_km)
        over facilities within ``burden_radius_m`` (the EJScreen proximity idea).
    """
    rings = check_rings(rings_m)
    cid = check_ids(communities, community_id, "communities")
    idx = pd.Index(cid, name=community_id)
    out = pd.DataFrame(index=idx)
    dist = matrix["distance_m"].to_numpy(dtype=float)
    # one hash lookup of the ids, then integer bincounts (string group-bys dominated the profile)
    pos = _positions(idx, matrix["community_id"], "community")
    for d in rings:
        out[f"fac_within_{int(d)}"] = np.bincount(pos[dist <= d], minlength=len(idx)).astype(int)
    if facilities is not None:
        near = nearest(facilities, communities, facility_id=facility_id, community_id=community_id)
        out["nearest_facility_id"] = near["nearest_facility_id"].reindex(idx)
        out["nearest_facility_m"] = near["nearest_facility_m"].reindex(idx)
    else:
        m = matrix.sort_values(["community_id", "distance_m", "facility_id"], kind="stable")
        first = m.drop_duplicates("community_id").set_index("community_id")
        out["nearest_facility_id"] = first["facility_id"].reindex(idx).astype(object)
        out["nearest_facility_m"] = first["distance_m"].reindex(idx)
    near = dist <= burden_radius_m
    inv = 1.0 / np.maximum(dist[near] / 1000.0, min_distance_km)
    burden = pd.Series(np.bincount(pos[near], weights=inv, minlength=len(idx)), index=idx)
    out["burden"] = burden.round(6)
    return out


def _areal_shares(facilities: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, matrix: pd.DataFrame,
                  fid: np.ndarray, cid: np.ndarray, d: float) -> np.ndarray:
    """Share of each matrix pair's village polygon that lies within ``d`` of the facility."""
    fpos = pd.Series(np.arange(len(fid)), index=fid)
    cpos = pd.Series(np.arange(len(cid)), index=cid)
    fg = np.asarray(facilities.geometry.array, dtype=object)[fpos[matrix["facility_id"]].to_numpy()]
    cg = np.asarray(communities.geometry.array, dtype=object)[cpos[matrix["community_id"]].to_numpy()]
    discs = shapely.buffer(fg, d, quad_segs=16)
    area = shapely.area(cg)
    inter = shapely.area(shapely.intersection(cg, discs))
    return np.where(area > 0, inter / np.where(area > 0, area, 1), 1.0)


def facility_exposure(matrix: pd.DataFrame, communities: gpd.GeoDataFrame, rings_m: Sequence[float], *,
                      facilities: gpd.GeoDataFrame, receptors: gpd.GeoDataFrame | None = None,
                      population: str = "population", households: str = "households",
                      population_method: str | None = None, community_id: str = "community_id",
                      facility_id: str = "facility_id") -> pd.DataFrame:
    """Per facility: people, households, villages and sensitive receptors within each ring distance.

    ``population_method`` is ``'point'`` (a village counts whole when its point is within d; the default for
    point villages) or ``'areal'`` (a village polygon counts by the share of its area within d; the default
    for polygons). The method is recorded in ``.attrs['population_method']``. Unknown populations are left
    out of the sums and counted in ``pop_unknown_within_<d>``.
    """
    rings = check_rings(rings_m)
    fid = check_ids(facilities, facility_id, "facilities")
    cid = check_ids(communities, community_id, "communities")
    idx = pd.Index(fid, name=facility_id)
    if population_method is None:
        kinds = set(communities.geom_type.dropna().unique())
        population_method = "areal" if kinds and kinds <= {"Polygon", "MultiPolygon"} else "point"
    if population_method not in ("point", "areal"):
        raise ValueError(f"population_method must be 'point' or 'areal', got {population_method!r}")
    attrs = communities.set_index(pd.Index(cid))
    pop = pd.to_numeric(attrs[population], errors="coerce") if population in attrs else \
        pd.Series(np.nan, index=attrs.index)
    hh = pd.to_numeric(attrs[households], errors="coerce") if households in attrs else \
        pd.Series(np.nan, index=attrs.index)
    m = matrix.reset_index(drop=True)
    cpos = _positions(pd.Index(cid), m["community_id"], "community")
    fpos = _positions(idx, m["facility_id"], "facility")
    mpop = pop.to_numpy(dtype=float)[cpos]
    mhh = hh.to_numpy(dtype=float)[cpos]
    dist = m["distance_m"].to_numpy(dtype=float)
    out = pd.DataFrame(index=idx)
    n = len(idx)
    for d in rings:
        inside = dist <= d
        weight = inside.astype(float)
        if population_method == "areal" and len(m):
            weight = _areal_shares(facilities, communities, m, fid, cid, d)
            inside = weight > 0
        tag = int(d)
        out[f"pop_within_{tag}"] = np.round(np.bincount(fpos, weights=np.nan_to_num(mpop) * weight, minlength=n), 6)
        out[f"hh_within_{tag}"] = np.round(np.bincount(fpos, weights=np.nan_to_num(mhh) * weight, minlength=n), 6)
        out[f"villages_within_{tag}"] = np.bincount(fpos[inside], minlength=n).astype(int)
        out[f"pop_unknown_within_{tag}"] = np.bincount(fpos[inside & np.isnan(mpop)], minlength=n).astype(int)
    if receptors is not None and len(receptors):
        rec = receptors.copy()
        rec["_rid"] = [f"r{i}" for i in range(len(rec))]
        rm = exposure_matrix(facilities, rec, rings, facility_id=facility_id, community_id="_rid")
        for d in rings:
            c = rm.loc[rm["distance_m"] <= d].groupby("facility_id").size()
            out[f"receptors_within_{int(d)}"] = c.reindex(idx, fill_value=0).astype(int)
    else:
        for d in rings:
            out[f"receptors_within_{int(d)}"] = 0
    near = nearest(communities, facilities, facility_id=community_id, community_id=facility_id)
    out["nearest_community_m"] = near["nearest_facility_m"].reindex(idx)
    out.attrs["population_method"] = population_method
    return out
