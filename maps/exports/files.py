"""How every file of ecotown is written: CSV tables, GeoPackage layers with pinned dates, all-or-nothing folders.

The one home of CSV writing (:func:`write_csv`) and of the GeoPackage version and timestamps, shared by the
results tables, the QGIS styles, the buffer tables, the report tables and the year comparison.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

__all__ = ["write_csv", "tabular", "plain_types", "write_gpkg", "pinned_gpkg_date", "staged_output",
           "DETERMINISTIC_DATE", "GPKG_VERSION", "FLOAT_FORMAT"]

#: GeoPackage timestamps are pinned so that the same inputs give the same file bytes
DETERMINISTIC_DATE = "2000-01-01T00:00:00.000Z"   # GeoPackage 1.2 date-time form (with milliseconds)

#: how every CSV writes a float: 10 significant digits, no trailing noise
FLOAT_FORMAT = "%.10g"

#: GeoPackage version of every file ecotown writes. GDAL 3.x writes 1.4 by default, which GDAL 3.6 (QGIS 3.22 on
#: Debian 12) opens with the warning "This version of GeoPackage ... may only be partially supported"; 1.2 is read
#: without a warning by every GDAL since 2.2. The file records it as PRAGMA user_version 10200.
GPKG_VERSION = "1.2"


def tabular(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with types every file format understands: nullable ints/bools become floats/objects."""
    out = pd.DataFrame(df).copy()
    for col in out.columns:
        s = out[col]
        if col == "geometry":
            continue
        if isinstance(s.dtype, pd.BooleanDtype):
            out[col] = s.astype("Int8").astype("float64") if s.isna().any() else s.astype(bool)
        elif isinstance(s.dtype, pd.Int64Dtype) or str(s.dtype).startswith("Int"):
            out[col] = s.astype("float64") if s.isna().any() else s.astype("int64")
        elif isinstance(s.dtype, pd.StringDtype):  # text or missing: the text, or None (not a value at a time)
            out[col] = pd.Series(s.to_numpy(dtype=object, na_value=None), index=s.index, dtype=object)
        elif s.dtype == object:
            out[col] = s.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                             or v is pd.NA else (v if isinstance(v, (str, int, float, bool)) else str(v)))
    return out


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write one table as CSV the way every ecotown table is written: the types of :func:`tabular`, UTF-8 with a
    BOM (spreadsheet programs then read the Thai text correctly), '\\n' line ends, ``FLOAT_FORMAT`` floats."""
    p = Path(path)
    tabular(df).to_csv(p, index=False, encoding="utf-8-sig", lineterminator="\n", float_format=FLOAT_FORMAT)
    return p


def plain_types(df: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as text and nullable booleans as True/False/None (the buffer analysis tables)."""
    out = df.copy() if isinstance(df, gpd.GeoDataFrame) else pd.DataFrame(df).copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = s.astype(str)
        elif isinstance(s.dtype, pd.BooleanDtype):
            out[col] = s.astype(object).where(s.notna(), None)
    return out


def _as_text_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding anything but text (yes/no with blanks, say) as text, None kept: what pyogrio's
    row-wise writer stored them as, so that the Arrow writer gives the same field types and values."""
    out = None
    geom = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    for col in df.columns:
        s = df[col]
        if col == geom or s.dtype != object or pd.api.types.infer_dtype(s) == "string":
            continue
        if out is None:
            out = df.copy(deep=False)
        out[col] = pd.array([None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v)
                             for v in s], dtype="string")
    return df if out is None else out


def write_gpkg(df: pd.DataFrame, path: Path, layer: str, **layer_options: str) -> None:
    """Write one layer (or attribute table) into the GeoPackage ``path`` as GeoPackage ``GPKG_VERSION``, through
    Arrow (column by column: a region's tables in seconds, not in tens of seconds row by row)."""
    pyogrio.write_dataframe(_as_text_columns(df), path, layer=layer, driver="GPKG",
                            dataset_options={"VERSION": GPKG_VERSION}, layer_options=layer_options or None,
                            use_arrow=True)


@contextmanager
def pinned_gpkg_date():
    """GeoPackages written inside get the fixed DETERMINISTIC_DATE, so the same inputs give the same bytes."""
    old = os.environ.get("OGR_CURRENT_DATE")
    os.environ["OGR_CURRENT_DATE"] = DETERMINISTIC_DATE
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("OGR_CURRENT_DATE", None)
        else:
            os.environ["OGR_CURRENT_DATE"] = old


@contextmanager
def staged_output(target: Path):
    """Yield a temporary folder beside ``target``; on success move every file in it into ``target``.

    When the block raises, ``target`` is left exactly as it was and the temporary folder is removed.
    """
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".ecotown-", dir=target))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        for f in sorted(tmp.iterdir()):
            os.replace(f, target / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
