"""Opening a source file of any supported format as one raw GeoDataFrame, with a plain message when it cannot be.

Formats: GeoPackage (any layer in it), Shapefile (plain or zipped; ``.cpg`` honoured, cp874/TIS-620 text without a
``.cpg`` detected), GeoJSON, FlatGeobuf, KML/KMZ, CSV and XLSX (a sheet) with lon/lat or x/y columns. Which file endings mean which
format and the CSV column names recognised are data, in ``formats.yaml``.
"""

from __future__ import annotations

import os
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import geopandas as gpd
from geo.yamltext import load_yaml
import numpy as np
import pandas as pd
import pyogrio
import shapely

from .coerce import to_floats
from .errors import LayerReadError, LayerValidationError, Problem

__all__ = ["Source", "open_vector", "format_of", "is_raster_file", "formats_config", "folder_message", "COORD_KEYS"]

#: the special --map targets that name CSV coordinate columns
COORD_KEYS = ("lon", "lat", "x", "y")

_THAI = re.compile("[\u0e00-\u0e7f]")
_MOJIBAKE = re.compile("[\u00a1-\u00fb]")


@lru_cache(maxsize=1)
def formats_config() -> dict[str, Any]:
    """The parsed ``formats.yaml``."""
    return load_yaml((files(__package__) / "formats.yaml").read_text(encoding="utf-8"))


def format_of(path: Path) -> str | None:
    """The format a file ending stands for ('GeoPackage', 'GeoTIFF', ...), or None when unknown."""
    cfg = formats_config()
    suffix = path.suffix.lower()
    return cfg["vector"].get(suffix) or cfg["raster"].get(suffix)


def is_raster_file(path: Path) -> bool:
    return path.suffix.lower() in formats_config()["raster"]


@dataclass
class Source:
    """A source file opened as a layer: the raw data and what was found out while opening it."""

    path: Path
    format: str
    gdf: gpd.GeoDataFrame
    layer: str | None = None
    encoding: str | None = None
    coords: tuple[str, str] | None = None  # CSV columns the points were made from
    notes: list[str] = field(default_factory=list)


def _supported() -> str:
    cfg = formats_config()
    names = dict.fromkeys([*cfg["vector"].values(), *cfg["raster"].values()])
    return ", ".join(names)


def _damaged(path: Path, fmt: str, exc: Exception) -> LayerReadError:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return LayerReadError(f"{path}: cannot be read as {fmt}: {text}. The file may be truncated or damaged; "
                          "export it again from the program that made it")


#: (file, size, mtime, ctime) -> its layer names: listing a GeoPackage's layers took 0.2 s, once for each of the
#: layers a command reads from it
_LAYER_NAMES: dict[tuple, list[str]] = {}


def _layer_names(path: Path, gdal_path: str) -> list[str]:
    st = os.stat(path)
    key = (gdal_path, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    names = _LAYER_NAMES.get(key)
    if names is None:
        with warnings.catch_warnings():  # GDAL's own complaints are replaced by our message
            warnings.simplefilter("ignore", RuntimeWarning)
            names = [str(n) for n, _ in pyogrio.list_layers(gdal_path)]
        if len(_LAYER_NAMES) > 64:
            _LAYER_NAMES.clear()
        _LAYER_NAMES[key] = names
    return names


def _pick_layer(path: Path, gdal_path: str, fmt: str, layer: str | None) -> str | None:
    try:
        names = _layer_names(path, gdal_path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise _damaged(path, fmt, exc) from None
    if layer is not None:
        if layer not in names:
            raise LayerReadError(f"{path}: has no layer '{layer}'. Layers in the file: {', '.join(names) or 'none'}")
        return layer
    if not names:
        raise LayerReadError(f"{path}: holds no layer at all (an empty {fmt})")
    if len(names) > 1:
        raise LayerReadError(f"{path}: holds {len(names)} layers ({', '.join(names)}); say which one with "
                             f"--layer NAME")
    return names[0]


#: formats read column by column through Arrow (a nation's GeoPackage layers in a quarter of the time); the values
#: are those of the row-by-row reader, except that a boolean field comes as True/False, not 1.0/0.0 (the same yes/no
#: for a bool field; tests/layers/test_read_arrow.py compares the two readers)
ARROW_FORMATS = frozenset({"GeoPackage"})


def _read(path: Path, gdal_path: str, fmt: str, layer: str | None, encoding: str | None) -> pd.DataFrame:
    kw: dict[str, Any] = {}
    if layer is not None:
        kw["layer"] = layer
    if encoding:
        kw["encoding"] = encoding
    if fmt in ARROW_FORMATS:
        kw["use_arrow"] = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return pyogrio.read_dataframe(gdal_path, **kw)
    except UnicodeDecodeError as exc:
        cut = (" A DBF keeps only 10 bytes of a field name, so Thai names saved as UTF-8 are cut inside a "
               "letter: rename the fields to short names in QGIS and export again." if "Shapefile" in fmt else "")
        raise LayerReadError(f"{path}: its text is not valid {exc.encoding} ({exc.reason}).{cut} If the text is in "
                             "another encoding, give it with --encoding (e.g. --encoding cp874)") from None
    except Exception as exc:
        # an unknown --encoding is a LookupError, but so is the IndexError a truncated FlatGeobuf gives
        if encoding and isinstance(exc, LookupError) and not _known_encoding(encoding):
            raise LayerReadError(f"{path}: unknown text encoding '{encoding}' (use e.g. cp874, utf-8)") from None
        raise _damaged(path, fmt, exc) from None


def _known_encoding(name: str) -> bool:
    import codecs

    try:
        codecs.lookup(name)
        return True
    except LookupError:
        return False


def folder_message(path: Path) -> str:
    """Why a folder is not a layer, and which file in it to give instead (QGIS users give shapefile folders)."""
    try:
        items = sorted(p for p in Path(path).iterdir() if not p.name.startswith("."))
    except OSError as exc:
        return f"{path}: is a folder, not a layer file ({exc.strerror or exc}); give the file itself"
    shps = [p for p in items if p.suffix.lower() == ".shp"]
    layers = [p for p in items if p.is_file() and format_of(p) is not None]
    listed = ", ".join(p.name + ("/" if p.is_dir() else "") for p in items[:12]) + (" ..." if len(items) > 12 else "")
    head = f"{path}: is a folder, not a layer file."
    if not items:
        return f"{head} It is empty; give the layer file (.gpkg, .shp, .zip, .geojson, .csv, ...)"
    if len(shps) == 1:
        return f"{head} It holds one shapefile: give that file, {shps[0]}. The folder holds: {listed}"
    if len(shps) > 1:
        return (f"{head} It holds {len(shps)} shapefiles ({', '.join(p.name for p in shps)}); give the one you mean, "
                f"e.g. {shps[0]}")
    if layers:
        return (f"{head} Give one of the layer files in it, e.g. {layers[0]}. The folder holds: {listed}")
    return f"{head} It holds no file ecotown reads as a layer ({_supported()}); it holds: {listed}"


def _looks_like_cp874(df: pd.DataFrame) -> bool:
    """True when text read as Latin-1 turns into Thai when read as cp874 (a DBF without a .cpg)."""
    texts = [str(c) for c in df.columns]
    for col in df.columns:
        if col == "geometry":
            continue
        s = df[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            texts.extend(str(v) for v in s.dropna().unique()[:2000])
    suspect = [t for t in texts if _MOJIBAKE.search(t)]
    if not suspect:
        return False
    for t in suspect:
        try:
            if not _THAI.search(t.encode("latin-1").decode("cp874")):
                return False
        except (UnicodeEncodeError, UnicodeDecodeError):
            return False
    return True


def _shapefile(path: Path, gdal_path: str, fmt: str, layer: str | None, encoding: str | None,
               has_cpg: bool, notes: list[str]) -> tuple[pd.DataFrame, str | None]:
    df = _read(path, gdal_path, fmt, layer, encoding)
    if encoding or has_cpg:
        return df, encoding
    if _looks_like_cp874(df):
        notes.append(f"{path}: the shapefile has no .cpg file and its text is Thai in cp874 (TIS-620); read it "
                     "as cp874. Add a .cpg file holding '874' beside the .dbf to say so")
        return _read(path, gdal_path, fmt, layer, "cp874"), "cp874"
    return df, None


def _zip_member(path: Path, layer: str | None) -> tuple[str, bool]:
    """The .shp inside a zip to read, and whether it has a .cpg beside it."""
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            bad = z.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise LayerReadError(f"{path}: is not a readable zip file ({exc}); it may be truncated — "
                             "download or zip it again") from None
    if bad is not None:
        raise LayerReadError(f"{path}: the zip is damaged (member '{bad}' fails its checksum); zip it again")
    shps = [n for n in names if n.lower().endswith(".shp") and not n.startswith("__MACOSX/")]
    if not shps:
        listed = ", ".join(names[:12]) + (" ..." if len(names) > 12 else "")
        raise LayerReadError(f"{path}: the zip holds no shapefile (.shp); it holds: {listed or 'nothing'}")
    if layer is not None:
        pick = [n for n in shps if Path(n).stem == layer or n == layer]
        if not pick:
            raise LayerReadError(f"{path}: has no shapefile '{layer}'. Shapefiles in the zip: "
                                 f"{', '.join(Path(n).stem for n in shps)}")
        member = pick[0]
    elif len(shps) > 1:
        raise LayerReadError(f"{path}: the zip holds {len(shps)} shapefiles "
                             f"({', '.join(Path(n).stem for n in shps)}); say which one with --layer NAME")
    else:
        member = shps[0]
    stem = member[:-4]
    lower = {n.lower() for n in names}
    for ext in (".dbf", ".shx"):
        if (stem + ext).lower() not in lower:
            raise LayerReadError(f"{path}: the zip holds {member} but not {Path(stem).name}{ext}; a shapefile "
                                 "needs its .shp, .shx and .dbf files (and .prj for the CRS) zipped together")
    return member, (stem + ".cpg").lower() in lower


def _norm(name: str) -> str:
    return re.sub(r"[\s.\-]+", "_", str(name).strip().lower())


def _csv_frame(path: Path, encoding: str | None, notes: list[str]) -> tuple[pd.DataFrame, str]:
    """The CSV as text cells ("" when empty), read by :func:`layers.tables.read_table` (encoding and separator
    detected there, so CSV files are read in one place)."""
    from .tables import read_table

    table = read_table(path, encoding=encoding)
    notes.extend(table.notes)
    return table.df.fillna(""), table.encoding or "utf-8"


_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+")


def _coordinate_numbers(col: pd.Series, degrees: bool) -> tuple[pd.Series, np.ndarray, bool]:
    """The numbers of one coordinate column, and whether ',' was read as the decimal mark.

    ``15,39`` (Thai Excel with a European locale, or a ``;``-separated CSV) is 15.39 when every value with a comma
    looks like that and no value has a '.'; in lon/lat columns always (a thousands reading would be far outside
    any longitude or latitude), in x/y columns only when the digits after the comma are not groups of three (so
    ``637,000`` stays 637000)."""
    raw = col.astype(str).str.strip()
    text = raw.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    filled = text[text != ""]
    with_comma = filled[filled.str.contains(",", regex=False)]
    decimal = False
    if len(with_comma) and not filled.str.contains(".", regex=False).any():
        if with_comma.map(lambda v: bool(_DECIMAL_COMMA.fullmatch(v))).all():
            decimal = degrees or not with_comma.map(lambda v: bool(_THOUSANDS.fullmatch(v))).all()
    text = text.str.replace(",", "." if decimal else "", regex=False)
    return raw, to_floats(text).to_numpy(dtype=float), decimal


def _csv(path: Path, coords_map: dict[str, str], id_field: str | None, crs: str | None,
         layer_name: str, notes: list[str], encoding: str | None = None, table=None
         ) -> tuple[gpd.GeoDataFrame, tuple[str, str], str | None]:
    """Points from the coordinate columns of a CSV file, or of ``table`` (a :class:`layers.tables.Table` read from
    an XLSX sheet, every value text)."""
    if table is not None:
        df, enc, what = table.df.fillna(""), None, f"sheet '{table.sheet}'"
        row = table.row_label
    else:
        df, enc = _csv_frame(path, encoding, notes)
        what = "CSV"

        def row(pos: int) -> str:
            return f"row {pos + 2}"
    cols = {_norm(c): c for c in df.columns}
    wanted = formats_config()["csv_columns"]
    found: dict[str, str] = {}
    for key in COORD_KEYS:
        if key in coords_map:
            if coords_map[key] not in df.columns:
                raise LayerReadError(f"{path}: --map names column '{coords_map[key]}' for {key}, but the {what} has "
                                     f"no such column. Columns: {', '.join(map(str, df.columns))}")
            found[key] = coords_map[key]
            continue
        for alias in wanted[key]:
            if _norm(alias) in cols:
                found[key] = cols[_norm(alias)]
                break
    if "lon" in found and "lat" in found:
        xcol, ycol, default_crs = found["lon"], found["lat"], "EPSG:4326"
    elif "x" in found and "y" in found:
        xcol, ycol, default_crs = found["x"], found["y"], None
    else:
        raise LayerReadError(
            f"{path}: is not a spatial layer: no coordinate columns found. ecotown looks for lon/lat columns "
            f"({', '.join(wanted['lon'][:5])} / {', '.join(wanted['lat'][:5])}) or x/y columns "
            f"({', '.join(wanted['x'][:4])} / {', '.join(wanted['y'][:4])}); the {what} has: "
            f"{', '.join(map(str, df.columns)) or 'no columns'}. Name yours with --map COLUMN=lon --map COLUMN=lat "
            "(or =x / =y)")
    problems: list[Problem] = []
    if id_field and id_field in df.columns:
        ids = [row(i) if v is None or not str(v).strip() else str(v).strip() for i, v in enumerate(df[id_field])]
    else:
        ids = [str(i + 1) for i in range(len(df))]
    xy = []
    empty = []
    commas = []
    for col in (xcol, ycol):
        raw, num, decimal = _coordinate_numbers(df[col], default_crs == "EPSG:4326")
        if decimal:
            commas.append(str(col))
        bad = np.flatnonzero(np.isnan(num) & (raw != "").to_numpy())
        for pos in bad[:50]:
            problems.append(Problem(layer=layer_name, source=str(path), feature=ids[pos], field=str(col),
                                    message=f"{row(pos)}: coordinate {df[col].iloc[pos]!r} is not a number"))
        empty.append((raw == "").to_numpy())
        xy.append(num)
    # a registry row without coordinates cannot be placed: name the row and the empty column(s)
    for pos in np.flatnonzero(empty[0] | empty[1])[:50]:
        cols_empty = [str(c) for c, e in zip((xcol, ycol), empty) if e[pos]]
        problems.append(Problem(layer=layer_name, source=str(path), feature=ids[pos], field=cols_empty[0], message=(
            f"{row(pos)}: no coordinates: {' and '.join(repr(c) for c in cols_empty)} "
            f"{'is' if len(cols_empty) == 1 else 'are'} empty. Fill them in, or delete the row if the factory "
            "cannot be located")))
    if problems:
        raise LayerValidationError(layer_name, problems)
    if commas:
        notes.append(f"{path}: read ',' as the decimal mark in column(s) {', '.join(commas)} (e.g. '15,39' is "
                     "15.39)")
    x, y = xy
    geoms = shapely.points(x, y)
    attrs = df.drop(columns=[xcol, ycol])
    gdf = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, index=df.index), crs=crs or default_crs)
    return gdf, (str(xcol), str(ycol)), enc


def open_vector(path: Path, *, layer: str | None = None, encoding: str | None = None,
                coords_map: dict[str, str] | None = None, id_field: str | None = None,
                crs: str | None = None, layer_name: str = "", sheet: str | None = None) -> Source:
    """Open ``path`` (one layer of it) as a raw GeoDataFrame in its own CRS and field names.

    Raises
    ------
    LayerReadError
        The file is missing, damaged, not a format ecotown reads, not spatial, or holds several layers and
        ``layer`` does not say which.
    LayerValidationError
        A CSV or XLSX coordinate is not a number or is missing (the problem names the row, the feature and the
        column).
    """
    path = Path(path)
    if not path.exists():
        raise LayerReadError(f"{path}: file not found")
    if path.is_dir():
        raise LayerReadError(folder_message(path))
    fmt = format_of(path)
    notes: list[str] = []
    src_layer: str | None = layer
    enc = encoding
    coords = None
    if fmt == "CSV":
        gdf, coords, enc = _csv(path, coords_map or {}, id_field, crs, layer_name, notes, encoding)
        src_layer = None
    elif fmt == "XLSX":  # a registry sheet: every cell as text, then the CSV coordinate columns
        from .tables import read_table

        table = read_table(path, sheet=sheet)
        notes.extend(table.notes)
        gdf, coords, enc = _csv(path, coords_map or {}, id_field, crs, layer_name, notes, table=table)
        src_layer = table.sheet
    elif fmt == "zipped Shapefile":
        member, has_cpg = _zip_member(path, layer)
        gdal_path = f"/vsizip/{path.resolve()}/{member}"
        gdf, enc = _shapefile(path, gdal_path, fmt, None, encoding, has_cpg, notes)
        src_layer = Path(member).stem
    elif fmt == "Shapefile":
        for ext in (".dbf", ".shx"):
            if not any(path.with_suffix(e).exists() for e in (ext, ext.upper())):
                raise LayerReadError(f"{path}: the shapefile's {path.stem}{ext} file is missing; copy the .shp, "
                                     ".shx, .dbf, .prj (and .cpg) files together")
        has_cpg = any(path.with_suffix(e).exists() for e in (".cpg", ".CPG"))
        gdf, enc = _shapefile(path, str(path), fmt, None, encoding, has_cpg, notes)
        src_layer = None
    elif fmt in ("GeoPackage", "KML", "KMZ") or fmt is None:
        label = fmt or "a spatial file"
        if fmt is None and not _ogr_opens(path):
            raise LayerReadError(f"{path}: is not a file format ecotown reads as a layer. Supported: {_supported()}")
        src_layer = _pick_layer(path, str(path), label, layer)
        gdf = _read(path, str(path), label, src_layer, encoding)
    else:  # GeoJSON, FlatGeobuf: one layer per file
        gdf = _read(path, str(path), fmt, None, encoding)
        src_layer = None
    if not isinstance(gdf, gpd.GeoDataFrame) or "geometry" not in gdf.columns:
        cols = ", ".join(str(c) for c in gdf.columns)
        raise LayerReadError(f"{path}: is not a spatial layer: it is a table without geometry "
                             f"(columns: {cols or 'none'})")
    if fmt in ("KML", "KMZ"):
        gdf = _tidy_kml(gdf)
    if gdf.geometry.has_z.any():
        gdf = gdf.set_geometry(shapely.force_2d(gdf.geometry.array))
    return Source(path=path, format=fmt or "vector file", gdf=gdf, layer=src_layer, encoding=enc, coords=coords,
                  notes=notes)


def _ogr_opens(path: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pyogrio.read_info(str(path))
        return True
    except Exception:
        return False


#: columns LIBKML adds to every placemark; dropped when they hold nothing
_KML_EXTRA = ("timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude", "visibility", "drawOrder",
              "icon", "snippet")


def _tidy_kml(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    drop = []
    for c in _KML_EXTRA:
        if c in gdf.columns:
            s = gdf[c]
            if s.isna().all() or c in ("tessellate", "extrude", "visibility", "altitudeMode", "drawOrder"):
                drop.append(c)
    for c in ("description", "id"):
        if c in gdf.columns and gdf[c].isna().all():
            drop.append(c)
    return gdf.drop(columns=drop)
