"""Input checks shared by the analysis functions."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from .crs import assert_metric
from .errors import GeoError

__all__ = ["check_rings", "check_ids", "check_same_crs"]


def check_rings(rings_m: Iterable[float]) -> np.ndarray:
    """Ring distances as a float array: non-empty, positive, strictly ascending."""
    arr = np.asarray(list(rings_m), dtype=float)
    if arr.size == 0:
        raise GeoError("no ring distances given; give at least one, e.g. [500, 1000, 3000, 5000]")
    if (arr <= 0).any() or not np.isfinite(arr).all():
        raise GeoError(f"ring distances must be positive metres, got {arr.tolist()}")
    if (np.diff(arr) <= 0).any():
        raise GeoError(f"ring distances must be strictly ascending, got {arr.tolist()}")
    return arr


#: checked id columns held as Arrow arrays (immutable: a column changed in place gets a new one), keyed by the
#: Arrow array's id and holding it, so that the matrix and both summaries check a table's ids once
_CHECKED: OrderedDict[int, tuple[object, np.ndarray]] = OrderedDict()
_CHECKED_SIZE = 8


def _arrow_values(ids: pd.Series) -> object | None:
    """The immutable Arrow array behind a string column (pandas' Arrow-backed strings), else None."""
    values = getattr(ids.array, "_pa_array", None)
    return values if values is not None and isinstance(ids.dtype, pd.StringDtype) else None


def check_ids(gdf: gpd.GeoDataFrame, id_col: str, name: str) -> np.ndarray:
    """The id column as a string array (read-only when it is shared); it must exist and be unique."""
    if id_col in gdf.columns:
        ids = gdf[id_col]
    elif gdf.index.name == id_col:
        ids = gdf.index.to_series()
    else:
        raise GeoError(f"{name} has no id column '{id_col}' (columns: {', '.join(map(str, gdf.columns))})")
    frozen = _arrow_values(ids)
    if frozen is not None:
        hit = _CHECKED.get(id(frozen))
        if hit is not None and hit[0] is frozen:
            return hit[1]
    ids = _checked(ids, id_col, name)
    if frozen is not None:  # a new array of Python strings, shared from now on: read-only
        ids.flags.writeable = False
        _CHECKED[id(frozen)] = (frozen, ids)
        while len(_CHECKED) > _CHECKED_SIZE:
            _CHECKED.popitem(last=False)
    return ids


def _checked(ids: pd.Series, id_col: str, name: str) -> np.ndarray:
    ids = ids.astype(str).to_numpy()
    # a hash table of the Python strings (an Index left to infer its dtype would first copy them to Arrow);
    # the sorting below only on the way to the error
    if not pd.Index(ids, dtype=object).is_unique:
        uniq, counts = np.unique(ids, return_counts=True)
        raise GeoError(f"{name}: ids repeat in '{id_col}': {', '.join(uniq[counts > 1][:10])}")
    return ids


#: pairs of CRS objects (immutable) already found metric and equal, holding them so that their ids stay theirs
_SAME_CRS: OrderedDict[tuple[int, int], tuple[object, object]] = OrderedDict()


def check_same_crs(*layers: tuple[gpd.GeoDataFrame, str]) -> None:
    """Every layer metric, and all in the same CRS."""
    crs = [gdf.crs for gdf, _ in layers]  # a GeoDataFrame builds its geometry column to answer: once each
    first = crs[0]
    if first is not None and all(_SAME_CRS.get((id(first), id(c)), (None, None))[1] is c for c in crs[1:]) \
            and _SAME_CRS.get((id(first), id(first)), (None, None))[1] is first:
        return
    for gdf, name in layers:
        assert_metric(gdf, name)
    fname = layers[0][1]
    for (_, name), c in zip(layers[1:], crs[1:]):
        if not c.equals(first):
            raise GeoError(f"{name} is in {c.to_string()} but {fname} is in {first.to_string()}; "
                           "convert both with geo.to_metric")
    for c in crs:
        _SAME_CRS[(id(first), id(c))] = (first, c)
    while len(_SAME_CRS) > 16:
        _SAME_CRS.popitem(last=False)
