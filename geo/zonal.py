"""Zonal statistics of rasters over polygons, with fractional pixel coverage (exactextract)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from exactextract import exact_extract

from .errors import GeoError

__all__ = ["zonal_class_table", "zonal_class_shares", "zonal_mean"]


def _zones_in_raster_crs(raster_path: str | Path, zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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
    z = _zones_in_raster_crs(raster_path, zones)
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
    z = _zones_in_raster_crs(raster_path, zones)
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
    z = _zones_in_raster_crs(raster_path, zones)
    res = exact_extract(str(raster_path), z, ["mean", "count"], output="pandas")
    vals = np.where(res["count"].to_numpy(dtype=float) > 0, res["mean"].to_numpy(dtype=float), np.nan)
    return pd.Series(vals, index=zones.index, dtype=float)
