"""Summaries of the exposure matrix: per community (facilities near it) and per facility (people near it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from ._validate import check_ids, check_same_crs
from .errors import GeoError
from .kernels import default_threads
from .pairsums import band_sums, burden_sums, nearest_in_pairs, pair_rows
from .population import POPULATION_METHODS, areal_shares, default_method, raster_population
from .proximity import Rings, exposure_matrix, nearest_arrays, rows_of_categories
from .ringspec import DEFAULT_KIND, union_rings
from .wind import WindRose, wind_weights

__all__ = ["community_exposure", "facility_exposure", "positions"]


def row_codes(idx: pd.Index, ids: pd.Series, what: str, own: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """Per-pair codes of a matrix id column and the map code -> position in ``idx`` (what the compiled sums of
    :mod:`geo.pairsums` take). A Categorical (what :func:`exposure_matrix` gives) keeps its own codes and is
    looked up once per category; plain ids are each their own code. An id the table lacks is an error, not a
    silent drop. ``own``: the table's ids as :func:`geo._validate.check_ids` gave them (the order of ``idx``),
    which finds the rows of a matrix made from this very table without comparing strings."""
    code_row = None
    if isinstance(ids.dtype, pd.CategoricalDtype):
        codes = ids.cat.codes.to_numpy()
        if own is not None:
            code_row = rows_of_categories(ids.cat.categories, own)
        names = ids.cat.categories.astype(str) if code_row is None else None
    else:
        codes, names = np.arange(len(ids)), ids.astype(str)
    if code_row is None:
        code_row = _same_ids_sorted(idx if own is None else own, names)
    if code_row is None:
        code_row = idx.get_indexer(names).astype(np.int64)
    nan = codes < 0
    if (code_row < 0).any() or nan.any():
        names = ids.cat.categories.astype(str) if names is None else names
        used = np.bincount(codes[~nan], minlength=len(code_row)) > 0
        missing = sorted({str(c) for c in np.asarray(names)[(code_row < 0) & used]})
        missing += ["<missing>"] if nan.any() else []
        if missing:
            raise GeoError(f"the exposure matrix names {what} id(s) {', '.join(missing[:5])} "
                           f"that are not in the {what} table")
    return codes, code_row


def _same_ids_sorted(idx: pd.Index | np.ndarray, names: pd.Index | pd.Series) -> np.ndarray | None:
    """Where ``names`` are exactly the ids of ``idx`` sorted (the categories :func:`exposure_matrix` gives a
    matrix made from this table), the row of each name: the sorting order of ``idx``. Else None. A sort and one
    comparison of the strings, not a hash lookup through Arrow strings."""
    if len(names) != len(idx):
        return None
    own = idx if isinstance(idx, np.ndarray) else idx.to_numpy(dtype=object)
    order = np.argsort(own, kind="stable")
    if not np.array_equal(own[order], np.asarray(names, dtype=object)):
        return None
    return order.astype(np.int64)


def positions(idx: pd.Index, ids: pd.Series, what: str) -> np.ndarray:
    """Position of every matrix id in ``idx``; an id the table lacks is an error, not a silent drop."""
    codes, code_row = row_codes(idx, ids, what)
    return code_row[codes]


def _covered_m(rings_m: Rings) -> float:
    """Distance up to which the matrix holds every pair: the smallest of the kinds' largest rings."""
    if isinstance(rings_m, Mapping):
        return float(min(max(v) for v in rings_m.values()))
    return float(max(rings_m))


def _nearest(codes: np.ndarray, code_row: np.ndarray | None, matrix_other: np.ndarray, other_ids: np.ndarray,
             dist: np.ndarray, idx: pd.Index, far: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None,
             covered_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Nearest other id and distance of every row of ``idx``: from the matrix where the row has a pair within
    ``covered_m`` (the matrix then holds every closer pair), else from ``far`` (a nearest-neighbour query over
    all features, given those rows: their nearest ids and distances). Ties go to the smallest other code (the
    smallest id)."""
    d, code = nearest_in_pairs(codes, code_row, len(idx), matrix_other, dist, threads=default_threads())
    ids = np.full(len(idx), None, dtype=object)
    has = (code >= 0) & (d <= covered_m)
    if far is None:
        has = code >= 0
    ids[has] = other_ids[code[has]]
    if far is not None and (~has).any():
        rest = np.flatnonzero(~has)
        ids[rest], d[rest] = far(rest)
    return ids, d


def _matrix_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes and id of each code of a matrix id column (categorical or plain), codes ordered like the ids."""
    if isinstance(ids.dtype, pd.CategoricalDtype) and ids.cat.categories.is_monotonic_increasing:
        return ids.cat.codes.to_numpy(), ids.cat.categories.astype(str).to_numpy(dtype=object)
    uniq, inv = np.unique(ids.astype(str).to_numpy(dtype=object), return_inverse=True)
    return inv.astype(np.int64), uniq


def _bearings(matrix: pd.DataFrame) -> np.ndarray:
    """The matrix's bearings, which the wind weighting needs."""
    if "bearing_deg" not in matrix.columns:
        raise GeoError("weighting by the wind needs the pairs' bearings: make the exposure matrix with "
                       "exposure_matrix(..., bearing=True) (the default)")
    return matrix["bearing_deg"].to_numpy(dtype=float)


def _namer(ring_names: Mapping[int, int] | None) -> Callable[[float], int]:
    """The distance a column of measured distance ``d`` is named by."""
    names = {int(k): int(v) for k, v in (ring_names or {}).items()}
    return lambda d: names.get(int(d), int(d))


def _kind_rings(rings_m: Rings) -> dict[str, np.ndarray]:
    if isinstance(rings_m, Mapping):
        return {str(k): np.asarray(list(v), dtype=float) for k, v in rings_m.items()}
    return {}


def community_exposure(matrix: pd.DataFrame, communities: gpd.GeoDataFrame, rings_m: Rings, *,
                       facilities: gpd.GeoDataFrame | None = None, community_id: str = "community_id",
                       facility_id: str = "facility_id", burden_radius_m: float = 5000.0,
                       min_distance_km: float = 0.1, wind: WindRose | None = None,
                       ring_names: Mapping[int, int] | None = None) -> pd.DataFrame:
    """Per community: facilities within each ring distance, the nearest facility, and a proximity burden.

    ``ring_names`` maps a measured distance to the distance its columns are named by (the sensitivity run
    measures at 1.2 x 500 m and names the column ``fac_within_500``; see :class:`geo.RingDistances`); by default
    a column is named by its own distance.

    Returns
    -------
    DataFrame
        Indexed by community id (every community): ``fac_within_<d>`` (cumulative counts, distance <= d,
        for every distance of ``rings_m``; with rings per kind a kind counts only up to its own last ring, and
        ``<kind>_within_<d>`` give each kind's counts at its own distances, ``default_within_<d>`` those of
        the kinds the mapping does not name), ``nearest_facility_id``, ``nearest_facility_m`` (over all facilities when ``facilities`` is
        given, else over the pairs in ``matrix``), and ``burden`` = sum of 1 / max(distance_km,
        min_distance_km) over facilities within ``burden_radius_m`` (the EJScreen proximity idea). With a
        ``wind`` rose, also ``burden_wind``: the same sum with each pair weighted by how often the wind blows
        from the facility towards the community (see :mod:`geo.wind`).
    """
    rings = union_rings(rings_m)
    tag = _namer(ring_names)
    cid = check_ids(communities, community_id, "communities")
    idx = pd.Index(cid, name=community_id)
    out: dict[str, object] = {}  # columns, in order; one DataFrame at the end (inserting costs ~1 ms each)
    dist = matrix["distance_m"].to_numpy(dtype=float)
    # per-pair codes and one lookup per id, then compiled passes over the pairs
    codes, code_row = row_codes(idx, matrix["community_id"], "community", cid)
    n = len(idx)
    rows = pair_rows(codes, code_row)  # once for the sums below (they take rows with code_row None)
    counts = band_sums(rows, None, n, dist, rings, threads=default_threads())[:, :, 0]
    for j, d in enumerate(rings):
        out[f"fac_within_{tag(d)}"] = counts[:, j].astype(int)
    by_kind = _kind_rings(rings_m)
    if by_kind and "kind" in matrix.columns:
        mk = matrix["kind"].astype(str).to_numpy()
        named = [k for k in by_kind if k != DEFAULT_KIND]
        for kind, kr in by_kind.items():
            # the 'default' rings cover every kind the mapping does not name
            sel = ~np.isin(mk, named) if kind == DEFAULT_KIND else mk == kind
            kc = band_sums(rows[sel], None, n, dist[sel], kr)[:, :, 0]
            for j, d in enumerate(kr):
                out[f"{kind}_within_{tag(d)}"] = kc[:, j].astype(int)
    fcode, fids = _matrix_codes(matrix["facility_id"])
    def far_nearest(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        check_same_crs((facilities, "facilities"), (communities, "communities"))
        return nearest_arrays(np.asarray(facilities.geometry.array, dtype=object),
                              check_ids(facilities, facility_id, "facilities"),
                              np.asarray(communities.geometry.array, dtype=object)[rows])

    far = far_nearest if facilities is not None else None
    near_id, near_m = _nearest(rows, None, fcode, fids, dist, idx, far, _covered_m(rings_m))
    out["nearest_facility_id"] = pd.Series(near_id, index=idx, dtype=object)
    out["nearest_facility_m"] = near_m
    ww = None
    if wind is not None:
        ww = wind_weights(_bearings(matrix), wind)
    burden, burden_w = burden_sums(rows, None, n, dist, burden_radius_m, min_distance_km, ww)
    out["burden"] = np.round(burden, 6)
    if wind is not None:
        out["burden_wind"] = np.round(burden_w, 6)
    return pd.DataFrame(out, index=idx)


def _receptor_counts(facilities: gpd.GeoDataFrame, receptors: gpd.GeoDataFrame, rings: np.ndarray,
                     idx: pd.Index, facility_id: str, kind_col: str | None,
                     tag: Callable[[float], int]) -> pd.DataFrame:
    """Receptors within each ring of each facility, in all and per receptor kind."""
    rec = receptors.reset_index(drop=True).copy()
    rec["_rid"] = [f"r{i:09d}" for i in range(len(rec))]
    fac = facilities[[facility_id, facilities.geometry.name]] if facility_id in facilities.columns else \
        facilities[[facilities.geometry.name]].assign(**{facility_id: facilities.index.astype(str)})
    rm = exposure_matrix(fac, rec, rings, facility_id=facility_id, community_id="_rid")
    fpos = positions(idx, rm["facility_id"], "facility")
    rpos = positions(pd.Index(rec["_rid"]), rm["community_id"], "receptor")
    dist = rm["distance_m"].to_numpy()
    n = len(idx)
    out: dict[str, object] = {}  # columns, in order; one DataFrame at the end (inserting costs ~1 ms each)
    kinds = rec[kind_col].astype(str).to_numpy() if kind_col and kind_col in rec.columns else None
    for d in rings:
        out[f"receptors_within_{tag(d)}"] = np.bincount(fpos[dist <= d], minlength=n).astype(int)
    if kinds is not None:
        mk = kinds[rpos]
        for k in sorted(set(kinds)):
            for d in rings:
                sel = (mk == k) & (dist <= d)
                out[f"receptors_{k}_within_{tag(d)}"] = np.bincount(fpos[sel], minlength=n).astype(int)
    return pd.DataFrame(out, index=idx)


def facility_exposure(matrix: pd.DataFrame, communities: gpd.GeoDataFrame, rings_m: Rings, *,
                      facilities: gpd.GeoDataFrame, receptors: gpd.GeoDataFrame | None = None,
                      population: str = "population", households: str = "households",
                      population_method: str | None = None, population_raster: str | None = None,
                      receptor_kind: str | None = "kind", community_id: str = "community_id",
                      facility_id: str = "facility_id", wind: WindRose | None = None,
                      ring_names: Mapping[int, int] | None = None) -> pd.DataFrame:
    """Per facility: people, households, villages and sensitive receptors within each ring distance.

    ``population_method`` is ``'point'`` (a village counts whole when its point is within d; the default for
    point villages), ``'areal'`` (a village polygon counts by the share of its area within d; the default
    for polygons) or ``'raster'`` (the sum of a gridded population raster ``population_raster`` over the
    disc within d of the facility, cells weighted by the fraction inside; households are then unknown).
    The method is named in the column ``population_method`` and in ``.attrs['population_method']``.
    Unknown populations are left out of the sums and counted in ``pop_unknown_within_<d>``. Receptors are
    counted in all (``receptors_within_<d>``) and per ``receptor_kind`` (``receptors_school_within_<d>``...).
    With a ``wind`` rose, ``pop_wind_within_<d>`` weights each village's people by how often the wind blows
    from the facility towards it. ``ring_names``: as in :func:`community_exposure`.
    """
    rings = union_rings(rings_m)
    name_of = _namer(ring_names)
    fid = check_ids(facilities, facility_id, "facilities")
    cid = check_ids(communities, community_id, "communities")
    idx = pd.Index(fid, name=facility_id)
    if population_method is None:
        population_method = "raster" if population_raster is not None else default_method(communities)
    if population_method not in POPULATION_METHODS:
        raise GeoError(f"population_method must be one of {', '.join(POPULATION_METHODS)}, "
                       f"got {population_method!r}")
    if population_method == "raster" and population_raster is None:
        raise GeoError("population_method 'raster' needs population_raster (a gridded population GeoTIFF)")
    # the values in the table's own row order, which is the order of cid (no re-indexed copy of the table)
    pop = pd.to_numeric(communities[population], errors="coerce") if population in communities else \
        pd.Series(np.nan, index=communities.index)
    hh = pd.to_numeric(communities[households], errors="coerce") if households in communities else \
        pd.Series(np.nan, index=communities.index)
    m = matrix
    ccodes, ccode_row = row_codes(pd.Index(cid, dtype=object), m["community_id"], "community", cid)
    fcodes, fcode_row = row_codes(idx, m["facility_id"], "facility", fid)
    frows = pair_rows(fcodes, fcode_row)  # once for the sums below
    pop_v, hh_v = pop.to_numpy(dtype=float), hh.to_numpy(dtype=float)
    pop0, hh0 = np.nan_to_num(pop_v), np.nan_to_num(hh_v)
    dist = m["distance_m"].to_numpy(dtype=float)
    ww = wind_weights(_bearings(m), wind) if wind is not None else None
    fac_by_id = facilities.set_index(pd.Index(fid)) if population_method in ("areal", "raster") else None
    out: dict[str, object] = {}  # columns, in order; one DataFrame at the end (inserting costs ~1 ms each)
    n = len(idx)
    if population_method == "point":
        # one compiled pass over the pairs: people, households, unknown populations, villages (and people
        # weighted by the wind) per facility and ring band, then running sums: every ring at once
        village = np.column_stack([pop0, hh0, np.isnan(pop_v).astype(float)])
        sums = band_sums(frows, None, n, dist, rings, other_codes=ccodes, code_other=ccode_row,
                         table=village, pair_w=ww, w_col=0, threads=default_threads())
        pop_c, hh_c, unk_c, vil_c = sums[:, :, 0], sums[:, :, 1], sums[:, :, 2], sums[:, :, 3]
        wind_c = sums[:, :, 4] if ww is not None else None
        for j, d in enumerate(rings):
            tag = name_of(d)
            out[f"pop_within_{tag}"] = np.round(pop_c[:, j], 6)
            out[f"hh_within_{tag}"] = np.round(hh_c[:, j], 6)
            if wind_c is not None:
                out[f"pop_wind_within_{tag}"] = np.round(wind_c[:, j], 6)
            out[f"villages_within_{tag}"] = vil_c[:, j].astype(int)
            out[f"pop_unknown_within_{tag}"] = unk_c[:, j].astype(int)
    if population_method != "point":
        cpos, fpos = ccode_row[ccodes], frows
        unknown = np.isnan(pop_v)[cpos]
    for d in rings if population_method != "point" else []:
        inside = dist <= d
        tag = name_of(d)
        if population_method == "raster":
            out[f"pop_within_{tag}"] = raster_population(population_raster, fac_by_id, d).reindex(idx).to_numpy()
            out[f"hh_within_{tag}"] = np.nan
        else:
            weight = areal_shares(fac_by_id.geometry.to_numpy()[fpos], communities.geometry.to_numpy()[cpos], d) \
                if len(m) else np.zeros(0)
            inside = weight > 0
            out[f"pop_within_{tag}"] = np.round(np.bincount(fpos, weights=pop0[cpos] * weight, minlength=n), 6)
            out[f"hh_within_{tag}"] = np.round(np.bincount(fpos, weights=hh0[cpos] * weight, minlength=n), 6)
            if ww is not None:
                out[f"pop_wind_within_{tag}"] = np.round(
                    np.bincount(fpos, weights=pop0[cpos] * weight * ww, minlength=n), 6)
        out[f"villages_within_{tag}"] = np.bincount(fpos[inside], minlength=n).astype(int)
        out[f"pop_unknown_within_{tag}"] = np.bincount(fpos[inside & unknown], minlength=n).astype(int)
    if receptors is not None and len(receptors):
        rc = _receptor_counts(facilities, receptors, rings, idx, facility_id, receptor_kind, name_of)
        for c in rc.columns:
            out[c] = rc[c].to_numpy()
    else:
        for d in rings:
            out[f"receptors_within_{name_of(d)}"] = 0
    ccode, cids = _matrix_codes(m["community_id"])

    def far(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        check_same_crs((communities, "communities"), (facilities, "facilities"))
        return nearest_arrays(np.asarray(communities.geometry.array, dtype=object), cid,
                              np.asarray(facilities.geometry.array, dtype=object)[rows])

    _, out["nearest_community_m"] = _nearest(frows, None, ccode, cids, dist, idx, far, _covered_m(rings_m))
    out["population_method"] = population_method
    table = pd.DataFrame(out, index=idx)
    table.attrs["population_method"] = population_method
    return table
