"""Area shares of one polygon layer over the zones of another."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._validate import check_same_crs

__all__ = ["area_share"]


def area_share(zones: gpd.GeoDataFrame, cover: gpd.GeoDataFrame) -> pd.Series:
    """Share (0-1) of each zone's area covered by the union of the ``cover`` polygons (metric CRS)."""
    check_same_crs((zones, "zones"), (cover, "cover"))
    z = np.asarray(zones.geometry.array, dtype=object)
    if len(cover) == 0:
        return pd.Series(0.0, index=zones.index)
    union = shapely.union_all(np.asarray(cover.geometry.array, dtype=object))
    area = shapely.area(z)
    inter = shapely.area(shapely.intersection(z, union))
    share = np.where(area > 0, inter / np.where(area > 0, area, 1), np.nan)
    return pd.Series(np.round(share, 9), index=zones.index)
