"""How every file of ecotown is written: CSV tables, GeoPackage layers with pinned dates, all-or-nothing folders.

The one home of CSV writing (:func:`write_csv`) and of the GeoPackage version and timestamps, shared by the
results tables, the QGIS styles, the buffer tables, the report tables and the year comparison.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

import geo

__all__ = ["write_csv", "tabular", "plain_types", "write_gpkg", "pinned_gpkg_date", "staged_output",
           "DETERMINISTIC_DATE", "GPKG_VERSION", "FLOAT_FORMAT", "RING_POLYGONS_MAX"]

#: GeoPackage timestamps are pinned so that the same inputs give the same file bytes
DETERMINISTIC_DATE = "2000-01-01T00:00:00.000Z"   # GeoPackage 1.2 date-time form (with milliseconds)

#: the ring polygons (facilities x rings) buffer.gpkg and results.gpkg hold by default; beyond, their 'rings'
#: layers are left out (asked for with ``buffer --ring-polygons``): at nation scale 620,000 polygons took 39 s to
#: draw and 2 GB on disk, at region scale 123,000 were 380 of results.gpkg's 690 MB, and nobody opens them at that
#: scale (the HTML maps draw rings in the browser from the facilities)
RING_POLYGONS_MAX = 20_000

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
        elif isinstance(s.dtype, pd.StringDtype):  # text or missing already: kept in its Arrow form, which the
            continue  # CSV, GeoPackage and Parquet writers take as it is (a region's ids, not a Python str each)
        elif s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
            out[col] = s.where(s.notna(), None)  # text or missing (a region's columns, not a value at a time)
        elif s.dtype == object:
            out[col] = s.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                             or v is pd.NA else (v if isinstance(v, (str, int, float, bool)) else str(v)))
    return out


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write one table as CSV the way every ecotown table is written: the types of :func:`tabular`, UTF-8 with a
    BOM (spreadsheet programs then read the Thai text correctly), '\\n' line ends, ``FLOAT_FORMAT`` floats.

    Large tables (a pair table of millions of rows, a region's indicators) are printed column by column with Arrow
    when that gives pandas's bytes: every float prints the same under ``FLOAT_FORMAT`` and Arrow's shortest form,
    text is quoted where the csv module quotes it, booleans print as pandas prints them. Otherwise pandas writes
    it (ten times slower); tests/exports/test_csv_writer.py compares the two."""
    p = Path(path)
    if len(df) >= ARROW_CSV_MIN_ROWS and _write_csv_arrow(df, p):
        return p
    tabular(df).to_csv(p, index=False, encoding="utf-8-sig", lineterminator="\n", float_format=FLOAT_FORMAT)
    return p


#: tables from this many rows on are printed with Arrow (below it, pandas is fast enough and always right)
ARROW_CSV_MIN_ROWS = 10_000
#: rows printed at a time (an Arrow string array holds at most 2 GB)
ARROW_CSV_BATCH = 200_000
#: at most this many threads print one large table
CSV_THREADS_MAX = 4


def _same_under_float_format(v: np.ndarray) -> bool:
    """Whether every value of the float column prints the same with ``%.10g`` and with Arrow's shortest
    round-trip form: finite, 0 or 1e-4 <= |v| < 1e10 (both print it without an exponent) and equal to its
    rounding to 10 significant digits (so the shortest form has at most 10 digits and is %.10g's, trimmed).
    NaN prints empty in both."""
    v = v[~np.isnan(v)]
    if not np.isfinite(v).all():
        return False
    a = np.abs(v)
    if not ((v == 0) | ((a >= 1e-4) & (a < 1e10))).all():
        return False
    if not len(v):
        return True
    # first one scale for the whole column, from its largest value: a distance column rounded to the millimetre
    # passes here in three array passes. Passing it is enough (a value with at most k decimals and no more integer
    # digits than the largest has at most 10 significant digits); failing it is not, so each value then gets its own
    top = float(a.max())
    if top > 0:
        k = 9 - math.floor(math.log10(top))
        if k <= 13:
            scale = 10.0 ** k
            if bool((np.round(v * scale) / scale == v).all()):
                return True
    scale = 10.0 ** (9 - np.floor(np.log10(np.where(a > 0, a, 1.0))))  # exact powers of ten up to 1e13
    return bool(((np.round(v * scale) / scale == v) | (v == 0)).all())


def _text_cells(values):
    """Text values (str or missing) as the csv module prints them: missing and '' empty, and a value holding a
    comma, a quote or a '\\n' quoted with its quotes doubled; None when a value is not text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = values if isinstance(values, pa.Array) else pa.array(values, pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return None
    arr = arr.cast(pa.string())
    needs = pc.match_substring_regex(arr, r'[,"\n]')  # the csv module's set with '\n' as line end (not '\r')
    if pc.any(needs).as_py():
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
        arr = pc.if_else(needs, quoted, arr)
    return pc.fill_null(arr, "")


def _arrow_column(s: pd.Series, raw: bool = False):
    """The column's cells as an Arrow string array, printed as pandas prints them (after :func:`tabular`; with
    ``raw`` as pandas prints the column itself), or None when it cannot."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dt = s.dtype
    if raw and (isinstance(dt, pd.BooleanDtype) or str(dt).startswith(("Int", "UInt"))):
        if isinstance(dt, pd.BooleanDtype):  # True / False / empty
            return pc.fill_null(pc.if_else(pa.array(s.array), "True", "False"), "")
        return pc.fill_null(pa.array(s.array).cast(pa.string()), "")
    if isinstance(dt, pd.CategoricalDtype):
        cats = _text_cells(np.asarray(dt.categories, dtype=object))
        if cats is None:
            return None
        codes = s.cat.codes.to_numpy()
        return pc.fill_null(cats.take(pa.array(codes, pa.int32(), mask=codes < 0)), "")
    if isinstance(dt, pd.BooleanDtype) or str(dt).startswith(("Int", "UInt")):
        # nullable ints and booleans, as tabular() writes them: floats when they hold NA, else plain
        if s.isna().any():
            s = (s.astype("Int8") if isinstance(dt, pd.BooleanDtype) else s).astype("float64")
        else:
            s = s.astype(bool if isinstance(dt, pd.BooleanDtype) else "int64")
        dt = s.dtype
    elif isinstance(dt, pd.api.extensions.ExtensionDtype) and not isinstance(dt, pd.StringDtype):
        return None
    if dt.kind == "b":
        return pc.if_else(pa.array(s.to_numpy()), "True", "False")
    if dt.kind in "iu":
        return pa.array(s.to_numpy()).cast(pa.string())
    if dt.kind == "f":
        v = s.to_numpy()
        if not _same_under_float_format(v):
            return None
        return pc.fill_null(pa.array(v, from_pandas=True).cast(pa.string()), "")
    if isinstance(dt, pd.StringDtype) and dt.storage == "pyarrow":
        arr = pa.array(s.array)  # the column's own Arrow data, without a Python string per value
        return _text_cells(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
    if dt.kind == "O" or isinstance(dt, pd.StringDtype):
        values = s.to_numpy(dtype=object)
        if dt.kind == "O":
            kinds = set(map(type, values))
            if kinds <= {str, type(None)}:
                return _repeated_text_cells(values)
            if kinds <= {int, float, type(None)}:
                return _number_cells(values, kinds)
        return _text_cells(values)
    return None


def _repeated_text_cells(values: np.ndarray):
    """:func:`_text_cells` of an object column, each distinct text printed once (a region's indicator names repeat
    on every one of its 350,000 rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    codes, uniques = pd.factorize(values)  # None and NaN get code -1
    cells = _text_cells(np.asarray(uniques, dtype=object))
    if cells is None:
        return None
    return pc.fill_null(cells.take(pa.array(codes, pa.int64(), mask=codes < 0)), "")


#: floats whose Arrow text (shortest round trip, plain) is Python's str() once a whole number gets its ".0"
_PLAIN_FLOATS = (1e-4, 1e9)


def _number_cells(values: np.ndarray, kinds: set):
    """An object column of Python ints, floats and missing values (the history's typed tables) as pandas prints
    it: ``str(v)`` of each value, missing empty (``kinds``: the types of the values: int, float, NoneType).
    Ints through Arrow; floats through Arrow where its text is ``str(v)`` (zero, or 1e-4 <= |v| < 1e9, with ".0"
    after whole numbers), the few others with ``str``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        if float not in kinds:
            return pc.fill_null(pa.array(values, pa.int64(), from_pandas=True).cast(pa.string()), "")
        if int in kinds:  # whole and fractional numbers in one column (rare): str of each
            return pa.array(["" if v is None or v != v else str(v) for v in values], pa.string())
        arr = pa.array(values, pa.float64(), from_pandas=True)  # None and NaN missing
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None
    v = arr.to_numpy(zero_copy_only=False)
    a = np.abs(v)
    with np.errstate(invalid="ignore"):
        plain = np.isnan(v) | (v == 0) | ((a >= _PLAIN_FLOATS[0]) & (a < _PLAIN_FLOATS[1]))
        whole = np.isfinite(v) & (np.floor(v) == v)
    cells = arr.cast(pa.string())
    if whole.any():
        cells = pc.if_else(pa.array(whole), pc.binary_join_element_wise(cells, ".0", ""), cells)
    if not plain.all():
        out = cells.to_pylist()
        for i in np.flatnonzero(~plain).tolist():
            out[i] = str(float(v[i]))
        cells = pa.array(out, pa.string())
    return pc.fill_null(cells, "")


def _write_csv_arrow(df: pd.DataFrame, p: Path) -> bool:
    """Write ``df`` as :func:`write_csv` would, with Arrow; False (and nothing written) when it cannot."""
    chunks = _csv_chunks(df)
    if chunks is None:
        return False
    with open(p, "wb") as fh:
        fh.write("\ufeff".encode("utf-8"))
        for chunk in chunks:
            fh.write(chunk)
    return True


def csv_digest(df: pd.DataFrame, h) -> None:
    """Feed ``h`` (a hashlib object) the bytes of ``df.to_csv(index=False, lineterminator='\\n',
    float_format=FLOAT_FORMAT)``, printed with Arrow when it gives those bytes (a region's history record)."""
    chunks = _csv_chunks(df, raw=True) if len(df) >= ARROW_CSV_MIN_ROWS else None
    if chunks is None:
        h.update(pd.DataFrame(df).to_csv(index=False, lineterminator="\n", float_format=FLOAT_FORMAT).encode())
        return
    for chunk in chunks:
        h.update(chunk)


def _csv_chunks(df: pd.DataFrame, raw: bool = False):
    """The CSV bytes of ``df`` (header first) as Arrow prints them, in pieces; None when Arrow cannot give
    pandas's bytes. Each column becomes its printed cells; the cells of a batch of rows are joined with ',' and
    '\\n' in Arrow and the joined bytes handed out as they are. ``raw``: as pandas prints ``df`` itself, not
    :func:`tabular` of it."""
    import csv
    import io

    frame = pd.DataFrame(df)
    if not raw and any(t.kind == "O" for t in frame.dtypes):
        frame = tabular(frame)
    if frame.shape[1] < 2 or "geometry" in frame.columns or not frame.columns.is_unique:
        return None  # one column: the csv module quotes an empty value ("")
    columns = [frame[c] for c in frame.columns]
    if len(frame) >= ARROW_CSV_BATCH and _threads() > 1:  # Arrow's casts and numpy's checks release the GIL
        with ThreadPoolExecutor(_threads(), thread_name_prefix="ecotown-csv") as pool:
            cells = list(pool.map(lambda s: _arrow_column(s, raw=raw), columns))
    else:
        cells = [_arrow_column(s, raw=raw) for s in columns]
    if any(c is None for c in cells):
        return None
    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow([str(c) for c in frame.columns])
    return _joined(head.getvalue().encode("utf-8"), cells, len(frame))


def _threads() -> int:
    """Threads a large table is printed on: the cores this process may use, at most CSV_THREADS_MAX."""
    return max(1, min(geo.default_threads(), CSV_THREADS_MAX))


def _join_rows(cells: list, start: int) -> memoryview | None:
    """The CSV lines of rows ``start`` to ``start + ARROW_CSV_BATCH``, as one buffer."""
    import pyarrow.compute as pc

    part = [c.slice(start, ARROW_CSV_BATCH) for c in cells]
    rows = pc.binary_join_element_wise(pc.binary_join_element_wise(*part, ","), "\n", "")
    if not len(rows):
        return None
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)[rows.offset:rows.offset + len(rows) + 1]
    return memoryview(rows.buffers()[2])[int(offsets[0]):int(offsets[-1])]


def _joined(head: bytes, cells: list, n: int):
    """The header, then the lines of each batch of rows in order; with several threads the next batches are
    joined while one is being written (at most two batches a thread held at once)."""
    yield head
    starts = list(range(0, n, ARROW_CSV_BATCH))
    if len(starts) < 2 or _threads() < 2:
        for start in starts:
            buf = _join_rows(cells, start)
            if buf is not None:
                yield buf
        return
    ahead = 2 * _threads()
    with ThreadPoolExecutor(_threads(), thread_name_prefix="ecotown-csv") as pool:
        pending: deque = deque()
        for start in starts:
            pending.append(pool.submit(_join_rows, cells, start))
            if len(pending) >= ahead:
                buf = pending.popleft().result()
                if buf is not None:
                    yield buf
        while pending:
            buf = pending.popleft().result()
            if buf is not None:
                yield buf


def plain_types(df: pd.DataFrame, *, keep_categories: bool = False) -> pd.DataFrame:
    """Categoricals as text and nullable booleans as True/False/None (the buffer analysis tables).

    ``keep_categories``: leave categoricals as they are (a CSV prints them as their text anyway, and turning the
    ids of millions of pairs into Python strings first took seconds)."""
    out = df.copy() if isinstance(df, gpd.GeoDataFrame) else pd.DataFrame(df).copy()
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            if not keep_categories:
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
