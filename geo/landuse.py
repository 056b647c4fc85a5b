"""Facilities inside or outside the land-use zones meant for them (industrial zones for factories)."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._validate import check_ids, check_same_crs
from .errors import GeoError

__all__ = ["in_zone"]


def in_zone(facilities: gpd.GeoDataFrame, landuse: gpd.GeoDataFrame, *, zone_col: str = "zone",
            values: Iterable[str] = ("industrial",), facility_id: str = "facility_id",
            predicate: str = "intersects") -> pd.DataFrame:
    """Per facility: whether it lies in a land-use polygon whose ``zone_col`` is one of ``values``.

    ``predicate`` is ``'intersects'`` (any part inside; the default) or ``'within'`` (wholly inside).
    Zone values are compared case-insensitively.

    Returns
    -------
    DataFrame
        Indexed by facility id: ``in_zone`` (bool) and ``zone`` (the zone value of the land-use polygon the
        facility lies in, any kind; the first such polygon; None outside every polygon).
    """
    check_same_crs((facilities, "facilities"), (landuse, "landuse"))
    if zone_col not in landuse.columns:
        raise GeoError(f"the land-use layer has no '{zone_col}' column (columns: {', '.join(map(str, landuse.columns))})")
    if predicate not in ("intersects", "within"):
        raise GeoError(f"predicate must be 'intersects' or 'within', got {predicate!r}")
    fid = check_ids(facilities, facility_id, "facilities")
    wanted = {str(v).strip().lower() for v in values}
    zone = landuse[zone_col].astype(str).str.strip().str.lower().to_numpy()
    fg = np.asarray(facilities.geometry.array, dtype=object)
    lg = np.asarray(landuse.geometry.array, dtype=object)
    fi, li = shapely.STRtree(lg).query(fg, predicate=predicate) if len(lg) else (np.zeros(0, int), np.zeros(0, int))
    order = np.lexsort((li, fi))
    fi, li = fi[order], li[order]
    inside = np.zeros(len(fid), dtype=bool)
    inside[fi[np.isin(zone[li], list(wanted))]] = True
    first = np.ones(len(fi), dtype=bool)
    first[1:] = fi[1:] != fi[:-1]
    z = np.full(len(fid), None, dtype=object)
    z[fi[first]] = landuse[zone_col].astype(str).to_numpy()[li[first]]
    idx = pd.Index(fid, name=facility_id)
    return pd.DataFrame({"in_zone": inside, "zone": pd.Series(z, dtype=object, index=idx)}, index=idx)
