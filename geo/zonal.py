"""Zonal statistics of rasters over polygons, with fractional pixel coverage (exactextract)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from exactextract import exact_extract

from ._validate import check_ids
from .crs import assert_metric
from .errors import GeoError

__all__ = ["zonal_class_table", "zonal_class_shares", "zonal_mean", "ring_zonal_stats", "green_buffer_share",
           "zones_in_raster_crs"]


def zones_in_raster_crs(raster_path: str | Path, zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    try:
        with rasterio.open(raster_path) as ds:
            crs = ds.crs
    except rasterio.errors.RasterioIOError as exc:
        raise GeoError(f"{raster_path}: cannot be read as a raster: {exc}") from None
    if crs is None:
        raise GeoError(f"{raster_path}: the raster has no CRS")
    if zones.crs is None:
        raise GeoError("zones have no CRS")
    z = zones[[zones.geometry.name]].copy()
    return z if z.crs.equals(crs) else z.to_crs(crs)


def zonal_class_table(raster_path: str | Path, zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Share (0-1) of each zone's valid area in every raster class.

    Rows follow ``zones.index``; columns are the class values found, in ascending order. Cells are weighted
    by the fraction of their area inside the zone; nodata cells are left out of the denominator.
    """
    z = zones_in_raster_crs(raster_path, zones)
    res = exact_extract(str(raster_path), z, ["unique", "frac"], output="pandas")
    rows = []
    for uniq, frac in zip(res["unique"], res["frac"]):
        u = np.asarray(uniq if uniq is not None else [], dtype=float)
        f = np.asarray(frac if frac is not None else [], dtype=float)
        rows.append(dict(zip(u.astype(int).tolist(), f.tolist())))
    table = pd.DataFrame(rows, index=zones.index).fillna(0.0)
    return table.reindex(columns=sorted(table.columns))


def zonal_class_shares(raster_path: str | Path, zones: gpd.GeoDataFrame, classes: Iterable[int]) -> pd.Series:
    """Share (0-1) of each zone's valid area covered by cells whose class is in ``classes``.

    NaN where a zone covers no valid cell.
    """
    wanted = [int(c) for c in classes]
    z = zones_in_raster_crs(raster_path, zones)
    res = exact_extract(str(raster_path), z, ["unique", "frac", "count"], output="pandas")
    out = []
    for uniq, frac, count in zip(res["unique"], res["frac"], res["count"]):
        if not count or count <= 0:
            out.append(np.nan)
            continue
        u = np.asarray(uniq, dtype=float).astype(int)
        f = np.asarray(frac, dtype=float)
        out.append(float(f[np.isin(u, wanted)].sum()))
    return pd.Series(np.round(out, 9), index=zones.index, dtype=float)


def zonal_mean(raster_path: str | Path, zones: gpd.GeoDataFrame) -> pd.Series:
    """Coverage-weighted mean of a continuous raster (NDVI, say) over each zone; NaN without valid cells."""
    z = zones_in_raster_crs(raster_path, zones)
    res = exact_extract(str(raster_path), z, ["mean", "count"], output="pandas")
    vals = np.where(res["count"].to_numpy(dtype=float) > 0, res["mean"].to_numpy(dtype=float), np.nan)
    return pd.Series(vals, index=zones.index, dtype=float)


def _cell_area(raster_path: str | Path) -> float:
    with rasterio.open(raster_path) as ds:
        return abs(ds.transform.a * ds.transform.e - ds.transform.b * ds.transform.d)


def _extract(raster_path: str | Path, zones: gpd.GeoDataFrame, ops: list[str], strategy: str) -> pd.DataFrame:
    z = zones_in_raster_crs(raster_path, zones).reset_index(drop=True)
    try:
        return exact_extract(str(raster_path), z, ops, output="pandas", strategy=strategy)
    except Exception as exc:  # exactextract raises plain RuntimeErrors
        raise GeoError(f"{raster_path}: zonal statistics failed: {exc}") from None


def ring_zonal_stats(raster_path: str | Path, facilities: gpd.GeoDataFrame, rings_m, *, stat: str = "classes",
                     facility_id: str = "facility_id", quad_segs: int = 16,
                     strategy: str = "raster-sequential") -> pd.DataFrame:
    """Zonal statistics of a raster within each ring distance of each facility (fractional pixel coverage).

    Every cell is visited once per facility: statistics are taken over the ring bands
    (:func:`geo.ring_buffers`) and added up band by band, so "within d" covers the whole disc within d.

    Parameters
    ----------
    stat
        ``'classes'``: share (0-1) of the valid area in each class, columns ``class_<value>``;
        ``'mean'``: the coverage-weighted mean of a continuous raster (NDVI, say), column ``mean``.

    Returns
    -------
    DataFrame
        One row per facility and ring distance: ``facility_id, ring_m, valid_area_m2`` (area of valid cells
        within the distance) and the statistic columns (NaN where no valid cell lies within the distance).
    """
    from .rings import ring_buffers

    if stat not in ("classes", "mean"):
        raise GeoError(f"stat must be 'classes' or 'mean', got {stat!r}")
    bands = ring_buffers(facilities, rings_m, id_col=facility_id, quad_segs=quad_segs)
    k = int(bands["ring_m"].nunique()) if len(bands) else 0
    cell = _cell_area(raster_path)
    out = bands[[facility_id, "ring_m"]].copy().reset_index(drop=True)
    if len(bands) == 0:
        out["valid_area_m2"] = pd.Series(dtype=float)
        return out
    n = len(bands) // k
    if stat == "mean":
        res = _extract(raster_path, bands, ["sum", "count"], strategy)
        total = np.nan_to_num(res["sum"].to_numpy(dtype=float)).reshape(n, k).cumsum(axis=1).ravel()
        count = res["count"].to_numpy(dtype=float).reshape(n, k).cumsum(axis=1).ravel()
        out["valid_area_m2"] = np.round(count * cell, 3)
        out["mean"] = np.where(count > 0, total / np.where(count > 0, count, 1), np.nan)
        return out
    res = _extract(raster_path, bands, ["unique", "frac", "count"], strategy)
    count = res["count"].to_numpy(dtype=float)
    uniq = [np.asarray(u if u is not None and c else [], dtype=float) for u, c in zip(res["unique"], count)]
    frac = [np.asarray(f if f is not None and c else [], dtype=float) for f, c in zip(res["frac"], count)]
    lengths = np.array([len(u) for u in uniq])
    all_u = np.concatenate(uniq).astype(np.int64) if len(uniq) else np.zeros(0, dtype=np.int64)
    all_f = np.concatenate(frac) if len(frac) else np.zeros(0)
    row = np.repeat(np.arange(len(res)), lengths)
    classes, ci = np.unique(all_u, return_inverse=True)
    col = {int(c): i for i, c in enumerate(classes)}
    area = np.bincount(row * len(classes) + ci.ravel(), weights=all_f * count[row],
                       minlength=len(res) * len(classes)).reshape(len(res), len(classes))
    cum_area = area.reshape(n, k, len(classes)).cumsum(axis=1).reshape(n * k, len(classes))
    cum_count = count.reshape(n, k).cumsum(axis=1).ravel()
    out["valid_area_m2"] = np.round(cum_count * cell, 3)
    safe = np.where(cum_count > 0, cum_count, 1)
    for c, i in col.items():
        out[f"class_{c}"] = np.where(cum_count > 0, np.round(cum_area[:, i] / safe, 9), np.nan)
    return out


def green_buffer_share(raster_path: str | Path, facilities: gpd.GeoDataFrame, ring_m: float,
                       green_classes: Iterable[int], *, facility_id: str = "facility_id",
                       quad_segs: int = 16) -> pd.Series:
    """Share (0-1) of the valid land within ``ring_m`` of each facility in a green class; by facility id.

    The disc within ``ring_m`` of each facility (``quad_segs`` segments per quarter circle around a point; the
    buffer of a mine's polygon) is read with fractional cell coverage; NaN where the disc covers no valid cell.
    All discs are read in one compiled pass over the raster (:func:`geo.coverage.class_shares_exact`), with
    exactextract's values (:func:`zonal_class_shares`, still used for a rotated raster).
    """
    from .coverage import class_shares_exact, disc_class_shares, north_up

    assert_metric(facilities, "facilities")
    ids = check_ids(facilities, facility_id, "facilities")
    index = pd.Index(ids, name=facility_id)
    if not north_up(raster_path):
        discs = gpd.GeoDataFrame(geometry=facilities.geometry.buffer(ring_m, quad_segs).to_numpy(),
                                 crs=facilities.crs, index=index)
        return zonal_class_shares(raster_path, discs, green_classes)
    geom = facilities.geometry
    shares = np.full(len(facilities), np.nan)
    points = (geom.geom_type == "Point").to_numpy() & ~geom.is_empty.to_numpy()
    same_crs = zones_in_raster_crs(raster_path, facilities.iloc[:0]).crs.equals(facilities.crs)
    if same_crs and points.any():  # discs around points: made from one disc, never as polygons
        shares[points] = disc_class_shares(raster_path, shapely.get_coordinates(geom.to_numpy()[points]), ring_m,
                                           quad_segs, green_classes)
    rest = ~points if same_crs else np.ones(len(facilities), dtype=bool)
    if rest.any():  # mines' polygons (and everything in another CRS): their buffers
        discs = gpd.GeoDataFrame(geometry=geom[rest].buffer(ring_m, quad_segs).to_numpy(), crs=facilities.crs)
        z = zones_in_raster_crs(raster_path, discs)
        shares[rest] = class_shares_exact(raster_path, z.geometry.to_numpy(), green_classes)
    return pd.Series(np.round(shares, 9), index=index, dtype=float)
