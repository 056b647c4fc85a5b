"""People near a facility, by one of three named methods.

* ``point``: a village counts whole when its point (or polygon edge) is within the ring distance.
* ``areal``: a village polygon counts by the share of its area that lies within the ring distance.
* ``raster``: the sum of a gridded population raster (people per cell, e.g. WorldPop or a census grid) over
  the disc within the ring distance of the facility, each cell weighted by the fraction of it inside the disc
  (exactextract). Households are not known from such a grid.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import GeoError

__all__ = ["POPULATION_METHODS", "default_method", "areal_shares", "raster_population"]

POPULATION_METHODS = ("point", "areal", "raster")


def default_method(communities: gpd.GeoDataFrame) -> str:
    """``'areal'`` for village polygons, ``'point'`` otherwise."""
    kinds = shapely.get_type_id(np.asarray(communities.geometry.array, dtype=object))
    kinds = kinds[kinds >= 0]  # missing geometries have no type
    return "areal" if len(kinds) and bool(np.isin(kinds, (3, 6)).all()) else "point"  # (Multi)Polygon


def areal_shares(fgeom: np.ndarray, cgeom: np.ndarray, d: float, *, quad_segs: int = 16) -> np.ndarray:
    """Share of each pair's community polygon (pairwise arrays) lying within ``d`` of the facility."""
    discs = shapely.buffer(fgeom, d, quad_segs=quad_segs)
    area = shapely.area(cgeom)
    inter = shapely.area(shapely.intersection(cgeom, discs))
    return np.where(area > 0, inter / np.where(area > 0, area, 1), 1.0)


def raster_population(raster_path: str | Path, facilities: gpd.GeoDataFrame, d: float, *,
                      quad_segs: int = 16) -> pd.Series:
    """People within ``d`` of each facility from a population raster (coverage-weighted sum of cells).

    Cells of nodata count as no people. Returns a Series on ``facilities.index``, rounded to 0.000001.
    """
    from exactextract import exact_extract

    from .zonal import zones_in_raster_crs

    discs = gpd.GeoDataFrame(geometry=facilities.geometry.buffer(d, quad_segs), crs=facilities.crs)
    discs.index = facilities.index
    if len(discs) == 0:
        return pd.Series(dtype=float)
    z = zones_in_raster_crs(raster_path, discs)
    try:
        res = exact_extract(str(raster_path), z.reset_index(drop=True), ["sum"], output="pandas")
    except Exception as exc:  # exactextract raises plain RuntimeErrors
        raise GeoError(f"{raster_path}: cannot sum the population raster: {exc}") from None
    return pd.Series(np.round(res["sum"].to_numpy(dtype=float), 6), index=facilities.index)
