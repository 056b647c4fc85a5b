"""Columnar outputs: Parquet tables and GeoParquet layers, written in row groups without building the whole table
a second time.

A 28-million-row exposure table is 1 GB of CSV text that every reader parses again; as Parquet it is a fraction of
that, typed (ids as text, distances as float64, counts as int64) and read by DuckDB, pandas, GDAL/QGIS and others
without parsing. :func:`write_parquet` converts one row group at a time (``ROW_GROUP_ROWS`` rows, from numpy
slices of the columns) and hands it to :class:`pyarrow.parquet.ParquetWriter`, so the extra memory is one row group,
never a second copy of the table.

A table with a geometry column becomes GeoParquet 1.1 (https://geoparquet.org/releases/v1.1.0/): the geometry as
ISO WKB (little endian, 2D unless the geometries have Z) and the file's ``geo`` metadata with the primary column,
its encoding, geometry types, bounding box and the CRS as PROJJSON (EPSG:32647 for every ecotown layer).

Same inputs, same bytes: no timestamps in the file, fixed compression (zstd level ``ZSTD_LEVEL``), fixed row group
size, metadata JSON with sorted keys. (The file records the pyarrow version that wrote it, as every Parquet file
does: the same bytes need the same pyarrow.) A failed write removes its partial file; callers write into
:func:`~maps.exports.files.staged_output` so a folder gets all its files or none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

__all__ = ["write_parquet", "write_parquet_tables", "parse_formats", "OUTPUT_FORMATS", "DEFAULT_FORMATS",
           "ROW_GROUP_ROWS", "GEOPARQUET_VERSION", "ZSTD_LEVEL"]

#: the table formats ``--format`` takes; the default keeps what ecotown wrote before Parquet (GeoPackage + CSV)
OUTPUT_FORMATS = ("gpkg", "csv", "parquet")
DEFAULT_FORMATS = ("gpkg", "csv")

#: rows per Parquet row group: the unit of streaming here and of parallel reading in DuckDB and GDAL
ROW_GROUP_ROWS = 1 << 18
#: at most about this many bytes of WKB in one row group (ring polygons are ~2 kB each: fewer rows a group, so the
#: writer holds ~64 MB, not a gigabyte)
ROW_GROUP_GEOMETRY_BYTES = 64 << 20
GEOPARQUET_VERSION = "1.1.0"
ZSTD_LEVEL = 1  # level 3 halves the speed for 1-4 % smaller files (ring polygons, the exposure table)

#: shapely geometry type ids -> GeoParquet geometry type names
_GEOM_TYPES = {0: "Point", 1: "LineString", 2: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
               6: "MultiPolygon", 7: "GeometryCollection"}


def parse_formats(text: str) -> tuple[str, ...]:
    """``"gpkg,parquet"`` -> ``("gpkg", "parquet")`` in ``OUTPUT_FORMATS`` order; ValueError naming a bad value."""
    asked = [t.strip().lower() for t in str(text).split(",") if t.strip()]
    bad = [t for t in asked if t not in OUTPUT_FORMATS]
    if bad:
        raise ValueError(f"unknown format {', '.join(repr(b) for b in bad)}; choose from {', '.join(OUTPUT_FORMATS)}"
                         " (comma-separated, e.g. gpkg,csv,parquet)")
    if not asked:
        raise ValueError(f"no format given; choose from {', '.join(OUTPUT_FORMATS)} (comma-separated)")
    return tuple(f for f in OUTPUT_FORMATS if f in asked)


# ---------------------------------------------------------------------------------------------------------------
# columns: one Arrow type per column for the whole table, then one row group at a time


def _is_geometry(s: pd.Series) -> bool:
    return str(s.dtype) == "geometry"


def _column_plan(name: str, s: pd.Series):
    """(arrow type, function(start, stop) -> arrow array) for one column; the type is fixed for every row group."""
    dt = s.dtype
    if isinstance(dt, pd.CategoricalDtype):
        cats = pa.array(np.asarray(dt.categories, dtype=object), from_pandas=True)
        if pa.types.is_large_string(cats.type):
            cats = cats.cast(pa.string())
        codes = np.asarray(s.cat.codes)

        def cat_rows(a: int, b: int) -> pa.Array:
            c = codes[a:b]
            return cats.take(pa.array(c, mask=c < 0, type=pa.int32() if c.dtype.itemsize <= 4 else pa.int64()))
        return cats.type, cat_rows
    if isinstance(dt, pd.BooleanDtype):
        return pa.bool_(), lambda a, b: pa.array(s.iloc[a:b], type=pa.bool_(), from_pandas=True)
    if isinstance(dt, (pd.Int8Dtype, pd.Int16Dtype, pd.Int32Dtype, pd.Int64Dtype, pd.UInt8Dtype, pd.UInt16Dtype,
                       pd.UInt32Dtype, pd.UInt64Dtype, pd.Float32Dtype, pd.Float64Dtype)):
        t = pa.from_numpy_dtype(dt.numpy_dtype)
        arr = s.array  # a masked array: its slices are views
        return t, lambda a, b: pa.array(arr[a:b], type=t)
    if isinstance(dt, pd.StringDtype):
        def text_rows(a: int, b: int) -> pa.Array:  # Arrow-backed text gives its own (chunked) array
            arr = pa.array(s.array[a:b], from_pandas=True)
            arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
            return arr.cast(pa.string())
        return pa.string(), text_rows
    if isinstance(dt, np.dtype) and dt.kind in "biuf":
        t = pa.from_numpy_dtype(dt)
        vals = np.asarray(s)
        return t, lambda a, b: pa.array(vals[a:b], type=t)
    if isinstance(dt, np.dtype) and dt.kind == "M":
        t = pa.timestamp(np.datetime_data(dt)[0])
        vals = np.asarray(s)
        return t, lambda a, b: pa.array(vals[a:b], type=t, from_pandas=True)
    if isinstance(dt, np.dtype) and dt.kind == "O":
        kind = pd.api.types.infer_dtype(s, skipna=True)
        vals = np.asarray(s, dtype=object)
        if kind in ("string", "empty"):
            return pa.string(), lambda a, b: pa.array(vals[a:b], type=pa.string(), from_pandas=True)
        if kind == "boolean":
            return pa.bool_(), lambda a, b: pa.array(vals[a:b], type=pa.bool_(), from_pandas=True)
        if kind == "integer":
            return pa.int64(), lambda a, b: pa.array(vals[a:b], type=pa.int64(), from_pandas=True)
        if kind in ("floating", "mixed-integer-float", "decimal"):
            return pa.float64(), lambda a, b: pa.array(
                [None if v is None or v is pd.NA else float(v) for v in vals[a:b]], type=pa.float64())

        def as_text(a: int, b: int) -> pa.Array:  # mixed values: the text a CSV shows for each
            return pa.array([None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v)
                             for v in vals[a:b]], type=pa.string())
        return pa.string(), as_text
    try:  # any other pandas type Arrow knows (dates with a time zone, intervals ...)
        t = pa.Array.from_pandas(s.iloc[:0]).type
    except (pa.ArrowException, TypeError, ValueError):
        raise TypeError(f"{name}: a column of type {dt} cannot be written to Parquet") from None
    return t, lambda a, b: pa.Array.from_pandas(s.iloc[a:b], type=t)


def _binary(values: np.ndarray) -> pa.Array:
    """An Arrow binary array from an object array of bytes (None: null), built from its buffers: one join of the
    bytes, not one Python call per value (ten times faster than ``pa.array`` for polygons)."""
    missing = np.equal(values, None)
    if missing.any():
        values = np.where(missing, b"", values)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] != lengths.sum():
        raise OverflowError("more than 2 GB of geometry in one row group")
    validity = pa.array(~missing).buffers()[1] if missing.any() else None
    return pa.Array.from_buffers(pa.binary(), len(values), [validity, pa.py_buffer(offsets),
                                                           pa.py_buffer(b"".join(values))],
                                 null_count=int(missing.sum()))


def _geometry_plan(name: str, s: pd.Series):
    """(arrow type, rows function, GeoParquet column metadata, WKB bytes in all) for a geometry column."""
    geoms = np.asarray(s.array, dtype=object)
    present = geoms[~shapely.is_missing(geoms)]
    present = present[~shapely.is_empty(present)]
    has_z = bool(len(present)) and bool(shapely.has_z(present).any())
    ids = np.unique(shapely.get_type_id(present)) if len(present) else np.array([], dtype=int)
    types = sorted({_GEOM_TYPES[int(i)] + (" Z" if has_z else "") for i in ids})
    bbox = [float(v) for v in shapely.total_bounds(present)] if len(present) else []
    # WKB size: a header per part and 8 bytes per ordinate; the rows a row group may hold follow from it
    wkb_bytes = int(shapely.get_num_coordinates(present).sum()) * 8 * (3 if has_z else 2) + 9 * len(present)
    meta: dict = {"encoding": "WKB", "geometry_types": types}
    if bbox and all(np.isfinite(bbox)):
        meta["bbox"] = bbox
    crs = getattr(s, "crs", None)
    meta["crs"] = crs.to_json_dict() if crs is not None else None
    dim = 3 if has_z else 2

    def rows(a: int, b: int) -> pa.Array:
        wkb = shapely.to_wkb(geoms[a:b], output_dimension=dim, byte_order=1, flavor="iso", include_srid=False)
        return _binary(wkb)
    return pa.binary(), rows, meta, wkb_bytes


def write_parquet(table: pd.DataFrame | Mapping[str, Iterable], path: str | Path, *,
                  row_group_rows: int = ROW_GROUP_ROWS, geometry: str | None = "geometry") -> Path:
    """Write ``table`` (a DataFrame, GeoDataFrame or mapping of column arrays) to the Parquet file ``path``.

    With a geometry column named ``geometry`` (a GeoSeries, whose CRS is recorded) the file is GeoParquet 1.1; pass
    ``geometry=None`` to write none. The index is not written. Row groups of ``row_group_rows`` rows are converted
    and written one at a time (fewer rows when the geometries are large: ``ROW_GROUP_GEOMETRY_BYTES``). On any
    error the partial file is removed.
    """
    df = table if isinstance(table, pd.DataFrame) else pd.DataFrame({k: pd.Series(v, copy=False)
                                                                     for k, v in table.items()}, copy=False)
    path = Path(path)
    fields, makers, geo_cols, wkb_bytes = [], [], {}, 0
    for name in df.columns:
        s = df[name]
        if not isinstance(name, str):
            raise TypeError(f"{path.name}: column {name!r}: Parquet column names must be text")
        if _is_geometry(s):
            if geometry is None or name != geometry:
                raise TypeError(f"{path.name}: column '{name}' holds geometries; only '{geometry}' may")
            t, rows, meta, wkb_bytes = _geometry_plan(name, s)
            geo_cols[name] = meta
        else:
            t, rows = _column_plan(f"{path.name}: {name}", s)
        fields.append(pa.field(name, t, nullable=True))
        makers.append(rows)
    meta: dict[bytes, bytes] = {}
    if geo_cols:
        geo = {"version": GEOPARQUET_VERSION, "primary_column": next(iter(geo_cols)), "columns": geo_cols}
        meta[b"geo"] = json.dumps(geo, sort_keys=True, separators=(",", ":")).encode("utf-8")
    schema = pa.schema(fields, metadata=meta or None)
    n = len(df)
    step = max(int(row_group_rows), 1)
    if wkb_bytes > ROW_GROUP_GEOMETRY_BYTES and n:
        step = min(step, max(1024, ROW_GROUP_GEOMETRY_BYTES * n // wkb_bytes // 1024 * 1024))
    plain = [f.name for f in fields if f.name not in geo_cols]  # no dictionary or min/max of WKB: never useful
    import pyarrow.parquet as pq  # on first use: its import (pyarrow's file systems) costs 0.7 s a start

    try:
        with pq.ParquetWriter(path, schema, compression="zstd", compression_level=ZSTD_LEVEL, use_dictionary=plain,
                              write_statistics=plain, version="2.6", data_page_version="1.0",
                              store_schema=True) as w:
            for a in range(0, n, step):
                b = min(a + step, n)
                batch = pa.record_batch([mk(a, b) for mk in makers], schema=schema)
                w.write_batch(batch, row_group_size=step)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def write_parquet_tables(folder: str | Path, tables: Mapping[str, pd.DataFrame],
                         layers: Mapping[str, pd.DataFrame] | None = None) -> list[Path]:
    """Every table of a run as Parquet in ``folder``: ``tables`` by CSV file name (``exposure.csv`` ->
    ``exposure.parquet``), where a GeoDataFrame in ``layers`` of the same name (``facilities``) takes its place, so
    the file carries the geometry (GeoParquet); other geometry layers are written under their own name. Returns
    the paths in the order written."""
    folder = Path(folder)
    layers = layers or {}
    chosen: dict[str, pd.DataFrame] = {}
    for name, df in tables.items():
        stem = Path(name).stem
        lay = layers.get(stem)
        chosen[stem] = lay if lay is not None and "geometry" in getattr(lay, "columns", ()) else df
    for stem, lay in layers.items():
        if stem not in chosen and "geometry" in getattr(lay, "columns", ()):
            chosen[stem] = lay
    return [write_parquet(df, folder / f"{stem}.parquet") for stem, df in chosen.items()]
