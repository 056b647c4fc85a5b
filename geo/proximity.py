"""Facility x community pairs within a distance, and the nearest facility of each community."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._validate import check_ids, check_same_crs
from .pairs import Targets
from .parallel import DEFAULT_CHUNK, run_pairs
from .ringspec import ring_spec

__all__ = ["exposure_matrix", "nearest", "nearest_arrays", "MATRIX_COLUMNS"]

MATRIX_COLUMNS = ["facility_id", "community_id", "distance_m", "ring_m", "bearing_deg"]

Rings = Sequence[float] | Mapping[str, Sequence[float]]


def _id_order(gdf: gpd.GeoDataFrame, id_col: str, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ids sorted, the row order that sorts them, and the ids as checked."""
    ids = check_ids(gdf, id_col, name)
    order = np.argsort(ids, kind="stable")
    return ids[order], order, ids


#: categories of the matrices made here -> (the categories, the table's id array they were sorted from, the
#: sorting order): the summaries then map a matrix code to a table row without comparing strings. Keyed by the
#: categories' id and holding them (an Index is immutable; the id array is check_ids' read-only one).
_SORTED_FROM: OrderedDict[int, tuple[pd.Index, np.ndarray, np.ndarray]] = OrderedDict()


def id_column(codes: np.ndarray, sorted_ids: np.ndarray, source: tuple[np.ndarray, np.ndarray] | None = None
              ) -> pd.Categorical:
    """Ids as a Categorical over the sorted ids: integer codes, no string per row, sorts like the strings.
    ``source``: the table's ids and the order that sorts them into ``sorted_ids`` (remembered for
    :func:`rows_of_categories`)."""
    cats = pd.Index(sorted_ids, dtype=object).astype(str)
    if source is not None and not source[0].flags.writeable:
        _SORTED_FROM[id(cats)] = (cats, source[0], source[1])
        while len(_SORTED_FROM) > 8:
            _SORTED_FROM.popitem(last=False)
    return pd.Categorical.from_codes(codes, categories=cats)


def rows_of_categories(categories: pd.Index, ids: np.ndarray) -> np.ndarray | None:
    """Row in ``ids`` of every category, when the categories are those of a matrix made here from exactly this
    id array (the same read-only array of :func:`geo._validate.check_ids`); else None."""
    hit = _SORTED_FROM.get(id(categories))
    if hit is None or hit[0] is not categories or hit[1] is not ids:
        return None
    return hit[2]


def exposure_matrix(facilities: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, rings_m: Rings, *,
                    facility_id: str = "facility_id", community_id: str = "community_id", kind_col: str = "kind",
                    workers: int | None = None, scheduler: Any = None, chunk: int = DEFAULT_CHUNK,
                    bearing: bool = True) -> pd.DataFrame:
    """Every facility x community pair closer than the largest ring distance (of the facility's kind).

    Distances are geometry to geometry (to a mine's polygon edge, 0 when a village lies inside it): point and
    polygon facilities against village points through the grid kernel of :mod:`geo.kernels`, anything else
    through a shapely STRtree query and GEOS, chunk by chunk over the facilities.

    Parameters
    ----------
    rings_m
        Ring distances in metres: one ascending list for every facility, or a mapping from facility kind
        (the ``kind_col`` value, e.g. ``'factory'``, ``'mine'``) to its own list, with an optional
        ``'default'`` entry for the other kinds. Quarries can so be given wider rings than factories.
    workers, scheduler
        Backend (see :mod:`geo.parallel`): ``workers=N`` runs dask-geopandas partitions on N threads,
        ``scheduler`` a dask cluster address or ``distributed.Client``. Results are identical to the serial run.
    bearing
        Whether to compute ``bearing_deg`` (an arctangent per pair): the wind weighting of the summaries, the
        buffer map and the written exposure tables read it; a caller that needs only distances and rings
        (counts, populations, the nearest facility) can leave it out.

    Returns
    -------
    DataFrame
        ``facility_id, community_id, distance_m, ring_m, bearing_deg`` (the last only with ``bearing``) sorted
        by facility and community id
        (plus ``kind`` when rings are given per kind). The id columns are Categoricals of the sorted ids
        (compare, group and write them like strings). ``ring_m`` is the smallest ring distance of the
        facility's kind containing the pair; ``bearing_deg`` is the direction from the facility (its nearest
        point to the community) to the community, clockwise from grid north.
    """
    check_same_crs((facilities, "facilities"), (communities, "communities"))
    spec = ring_spec(rings_m, facilities, kind_col=kind_col)
    fid, forder, facilities_ids = _id_order(facilities, facility_id, "facilities")
    cid, corder, communities_ids = _id_order(communities, community_id, "communities")
    fgeom = np.asarray(facilities.geometry.array, dtype=object)[forder]
    cgeom = np.asarray(communities.geometry.array, dtype=object)[corder]
    kind_code = spec.kind_code[forder]
    res = run_pairs(fgeom, kind_code, Targets.of(cgeom), spec, crs=facilities.crs, workers=workers,
                    scheduler=scheduler, chunk=chunk, bearing=bearing)
    cols = {
        "facility_id": id_column(res["fi"], fid, (facilities_ids, forder)),
        "community_id": id_column(res["ci"], cid, (communities_ids, corder)),
        "distance_m": res["distance_m"],
        "ring_m": res["ring_m"],
    }
    if bearing:
        cols["bearing_deg"] = res["bearing_deg"]
    out = pd.DataFrame(cols, copy=False)  # copying would stack the float columns into one block: seconds at national scale
    if spec.per_kind:
        kinds = facilities[kind_col].astype(str).to_numpy()[forder]
        out["kind"] = pd.Categorical(kinds[res["fi"]]) if len(out) else pd.Categorical([])
    return out


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
    ids, d = nearest_arrays(np.asarray(facilities.geometry.array, dtype=object), fid,
                            np.asarray(communities.geometry.array, dtype=object))
    idx = pd.Index(cid, name=community_id)
    return pd.DataFrame({"nearest_facility_id": pd.Series(ids, index=idx, dtype=object), "nearest_facility_m": d},
                        index=idx)


def nearest_arrays(fgeom: np.ndarray, fid: np.ndarray, cgeom: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The nearest of the facilities ``fgeom`` (ids ``fid``) to every community geometry ``cgeom``: its id
    (None without facilities) and the distance to the millimetre (NaN without). Ties go to the smallest id."""
    ids = np.full(len(cgeom), None, dtype=object)
    d = np.full(len(cgeom), np.nan)
    if len(fid) == 0 or len(cgeom) == 0:
        return ids, d
    tree = shapely.STRtree(fgeom)
    ci, fi = tree.query_nearest(cgeom, all_matches=True, return_distance=False)
    dist = shapely.distance(cgeom[ci], fgeom[fi])
    frank = np.empty(len(fid), dtype=np.int64)
    frank[np.argsort(fid, kind="stable")] = np.arange(len(fid))
    # ties (equal distance) go to the smallest facility id: order by community, distance, facility id rank
    order = np.lexsort((frank[fi], dist, ci))
    ci, fi, dist = ci[order], fi[order], dist[order]
    first = np.ones(len(ci), dtype=bool)
    first[1:] = ci[1:] != ci[:-1]
    ids[ci[first]] = fid[fi[first]]
    d[ci[first]] = np.round(dist[first], 3)
    return ids, d
