"""Reading a catalog layer into a validated GeoDataFrame with canonical fields, in the metric CRS."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import METRIC_CRS, to_metric, xy_to_lonlat
from geo.errors import GeoError

from .catalog import LayerSpec, sha256_file
from .coerce import coerce_value, strip_texts, to_floats
from .errors import LayerReadError, LayerValidationError, Problem
from .formats import open_vector
from .postgis import read_postgis_layer
from .roles import Role, load_roles
from .vocab import derive_fields, load_vocabulary

__all__ = ["LayerRead", "inspect_layer", "inspect_frame", "read_layer", "THAILAND_BOUNDS"]

#: lon/lat box around Thailand used to catch misplaced or swapped coordinates
THAILAND_BOUNDS = (97.3, 5.6, 105.7, 20.5)


@dataclass
class LayerRead:
    """What reading one layer gave: the data (None when unusable), every problem, and facts for a report."""

    spec: LayerSpec
    gdf: gpd.GeoDataFrame | None
    problems: list[Problem] = field(default_factory=list)
    source_crs: str | None = None
    sha256: str | None = None
    feature_count: int = 0
    field_map: dict[str, str] = field(default_factory=dict)
    #: one :class:`layers.join.JoinReport` per table joined to the layer
    joins: list = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def _problem(spec: LayerSpec, message: str, **kw) -> Problem:
    return Problem(layer=spec.name, source=spec.label, message=message, **kw)


def _open(spec: LayerSpec) -> gpd.GeoDataFrame:
    """The entry's file as ``layers add`` reads it: any vector format, a zipped or cp874 shapefile, a CSV or XLSX
    registry with coordinate columns (``coords``, ``sheet``, ``crs``, ``encoding`` of the entry)."""
    try:
        return open_vector(spec.source, layer=spec.layer, encoding=spec.encoding, coords_map=dict(spec.coords),
                           id_field=spec.id_field, crs=spec.crs, layer_name=spec.name, sheet=spec.sheet).gdf
    except LayerReadError as exc:
        text = str(exc).replace("--layer NAME", "'layer: NAME'").replace("--sheet NAME", "'sheet: NAME'")
        text = text.replace("--map COLUMN=lon --map COLUMN=lat", "'coords: {lon: COLUMN, lat: COLUMN}'")
        raise LayerReadError(f"{text} (catalog entry '{spec.name}')") from None


def _map_fields(df: pd.DataFrame, spec: LayerSpec, role: Role) -> dict[str, str]:
    """Source column -> canonical name: the catalog mapping first, then the role's aliases."""
    mapping: dict[str, str] = {}
    cols = [c for c in df.columns if c != "geometry"]
    for src, canon in spec.fields.items():
        if src in cols:
            mapping[src] = canon
    taken = set(mapping.values())
    lower = {str(c).strip().lower(): c for c in cols if c not in mapping}
    for canon, fspec in role.fields.items():
        if canon in taken:
            continue
        for cand in (canon, *fspec.aliases):
            col = lower.get(cand.lower())
            if col is not None and col not in mapping:
                mapping[col] = canon
                taken.add(canon)
                break
    return mapping


def _cut_name_hint(spec: LayerSpec, name: str, df: pd.DataFrame) -> str:
    """PostgreSQL keeps 63 bytes of a column name (21 Thai letters): say so when a column is the cut name."""
    if not spec.is_postgis or len(name.encode("utf-8")) <= 63:
        return ""
    cut = name.encode("utf-8")[:63].decode("utf-8", errors="ignore")
    found = [str(c) for c in df.columns if str(c) and name.startswith(str(c)) and str(c).startswith(cut[:15])]
    where = f" (the table has '{found[0]}')" if found else ""
    return (f". PostgreSQL cuts column names to 63 bytes (21 Thai letters), so '{name}' cannot be a column "
            f"name there{where}: name the column in the catalog as it is in the database, or rename it in "
            "PostgreSQL to a shorter name")


def _ids(df: pd.DataFrame, spec: LayerSpec, problems: list[Problem]) -> pd.Series:
    if spec.id_field is None:
        return pd.Series([str(i + 1) for i in range(len(df))], index=df.index, dtype=object)
    if spec.id_field not in df.columns:
        problems.append(_problem(
            spec, f"id field '{spec.id_field}' is not in the layer. Fields: "
            f"{', '.join(str(c) for c in df.columns if c != 'geometry')}{_cut_name_hint(spec, spec.id_field, df)}",
            field=spec.id_field))
        return pd.Series([str(i + 1) for i in range(len(df))], index=df.index, dtype=object)
    raw = df[spec.id_field]
    values = raw.to_numpy(dtype=object)
    if all(type(v) is str for v in values):  # text ids (the usual case), stripped as a whole
        ids = pd.Series(strip_texts(values), index=df.index, dtype=object)
    else:
        ids = raw.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else
                      (str(int(v)) if isinstance(v, float) and float(v).is_integer() else str(v).strip()))
    for pos in np.flatnonzero(ids.isna().to_numpy() | (ids == "").to_numpy()):
        problems.append(_problem(spec, "the id is empty", feature=f"#{pos + 1}", field=spec.id_field))
    dup = ids[ids.duplicated(keep=False) & ids.notna()]
    for value in sorted(set(dup)):
        rows = ", ".join(f"#{p + 1}" for p in np.flatnonzero((ids == value).to_numpy()))
        problems.append(_problem(spec, f"id '{value}' is used by more than one feature ({rows})",
                                 feature=value, field=spec.id_field))
    return ids.fillna("").astype(object)


def _check_geometry(gdf: gpd.GeoDataFrame, ids: pd.Series, spec: LayerSpec, role: Role,
                    problems: list[Problem]) -> None:
    geom = gdf.geometry.array
    arr = np.asarray(geom, dtype=object)
    missing = shapely.is_missing(arr) | shapely.is_empty(arr)
    for pos in np.flatnonzero(missing):
        problems.append(_problem(spec, "the geometry is empty or missing", feature=ids.iloc[pos]))
    present = ~missing
    types = np.asarray(shapely.get_type_id(arr))
    names = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString",
                      "MultiPolygon", "GeometryCollection"], dtype=object)
    allowed = role.geometry_types
    for pos in np.flatnonzero(present):
        t = names[types[pos]] if 0 <= types[pos] < len(names) else "unknown"
        if t not in allowed:
            problems.append(_problem(
                spec, f"geometry is a {t}, but role '{role.name}' needs {' or '.join(role.geometry)} geometries",
                feature=ids.iloc[pos]))
    invalid = present & ~shapely.is_valid(arr)
    for pos in np.flatnonzero(invalid):
        problems.append(_problem(spec, f"invalid geometry: {shapely.is_valid_reason(arr[pos])}",
                                 feature=ids.iloc[pos]))


def _check_location(gdf: gpd.GeoDataFrame, ids: pd.Series, spec: LayerSpec, problems: list[Problem]) -> None:
    """Refuse coordinates outside Thailand, and say so when lat and lon look swapped."""
    arr = np.asarray(gdf.geometry.array, dtype=object)
    ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if not ok.any():
        return
    # one point on each feature, found in the layer's own CRS, then only those points converted to lon/lat
    pts = arr[ok].copy()
    not_point = shapely.get_type_id(pts) != 0
    if not_point.any():
        pts[not_point] = shapely.point_on_surface(pts[not_point])
    try:
        x, y = xy_to_lonlat(gdf.crs, shapely.get_x(pts), shapely.get_y(pts))
    except Exception as exc:  # pragma: no cover - pyproj failures are rare
        problems.append(_problem(spec, f"cannot convert the coordinates to WGS 84: {exc}"))
        return
    xmin, ymin, xmax, ymax = THAILAND_BOUNDS
    outside = ~((x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax))
    swapped = outside & (y >= xmin) & (y <= xmax) & (x >= ymin) & (x <= ymax)
    idx = ids[ok].to_numpy()
    for i in np.flatnonzero(swapped)[:10]:
        problems.append(_problem(
            spec, f"coordinates ({x[i]:.5f}, {y[i]:.5f}) look like latitude and longitude swapped: "
            "longitude should come first (x = lon about 97-106, y = lat about 5-21)", feature=idx[i]))
    for i in np.flatnonzero(outside & ~swapped)[:10]:
        problems.append(_problem(
            spec, f"lies outside Thailand at lon {x[i]:.5f}, lat {y[i]:.5f}: check the CRS "
            f"(the layer says {spec.crs or gdf.crs.to_string()})", feature=idx[i]))


def inspect_layer(spec: LayerSpec, year: int | None = None) -> LayerRead:
    """Read and check one vector layer without raising for data problems.

    The returned ``gdf`` (None when there are errors) has an ``id`` column (text), the role's canonical
    fields in their types, and geometries in EPSG:32647. The tables joined to the layer (``joins:``) are applied
    first, for ``year`` (default: this year), so their values are checked like the layer's own.
    """
    role = load_roles()[spec.role]
    if role.raster:
        raise LayerReadError(f"layer '{spec.name}' is a raster ({spec.source}); use layers.read_raster_spec")
    if spec.is_postgis:  # a PostGIS table or query: its sha256 is of the content read
        raw, sha = read_postgis_layer(spec)
    else:
        sha = sha256_file(spec.source)
        raw = _open(spec)
    if not spec.joins:
        return inspect_frame(raw, spec, sha256=sha)
    from .join import apply_joins

    joined = apply_joins(raw, spec, year)
    res = inspect_frame(joined.frame, spec, sha256=sha)
    res.problems[:0] = joined.problems
    res.joins = joined.reports
    if res.errors:
        res.gdf = None
    return res


def inspect_frame(raw: pd.DataFrame, spec: LayerSpec, *, sha256: str | None = None,
                  no_crs_hint: str | None = None, map_hint: str | None = None) -> LayerRead:
    """Check an already opened layer (``raw``, as read from ``spec.source``) against the role of ``spec``.

    This is :func:`inspect_layer` without the opening, so that ``layers add`` can check a layer it read
    from any format. ``no_crs_hint`` and ``map_hint`` replace the advice given when the layer has no CRS and when a
    required field is missing (``map_hint`` is formatted with ``canon``, the missing field).
    """
    roles = load_roles()
    role = roles[spec.role]
    out = LayerRead(spec=spec, gdf=None, sha256=sha256)
    problems = out.problems
    out.feature_count = len(raw)
    if len(raw) < max(role.min_features, 0) or (len(raw) == 0 and role.min_features > 0):
        problems.append(_problem(spec, f"the layer has {len(raw)} features; role '{role.name}' needs "
                                       f"at least {role.min_features}"))
        return out
    if "geometry" not in raw.columns or not isinstance(raw, gpd.GeoDataFrame):
        problems.append(_problem(spec, "the file has no geometry: it is not a spatial layer"))
        return out
    crs = raw.crs
    if spec.crs:
        if crs is not None and not crs.equals(spec.crs):
            problems.append(_problem(spec, f"the catalog says crs {spec.crs} but the file says "
                                           f"{crs.to_string()}; the catalog's CRS is used", severity="warning"))
        raw = raw.set_crs(spec.crs, allow_override=True)
    elif crs is None:
        problems.append(_problem(spec, "the layer has no CRS. " + (no_crs_hint or (
            "Add 'crs: EPSG:xxxx' to its catalog entry (e.g. EPSG:4326 for lon/lat, EPSG:32647 for UTM 47N, "
            "EPSG:24047 for Indian 1975 / UTM 47N)"))))
        return out
    out.source_crs = raw.crs.to_string()
    ids = _ids(raw, spec, problems)
    labels = _labels(ids)
    mapping = _map_fields(raw, spec, role)
    out.field_map = mapping
    renamed = derive_fields(raw.rename(columns=mapping), role)  # e.g. category from the DIW factory type
    data: dict[str, list] = {"id": list(ids)}
    for canon, fspec in role.fields.items():
        if canon not in renamed.columns:
            if fspec.required:
                problems.append(_problem(
                    spec, f"required field '{canon}' is missing. " + (
                        map_hint.format(canon=canon) if map_hint else
                        f"Map a source field to it in the catalog (fields: {{SOURCE: {canon}}})") +
                    "; source fields are: "
                    f"{', '.join(str(c) for c in raw.columns if c != 'geometry')}", field=canon))
            data[canon] = [fspec.default] * len(renamed)
            continue
        data[canon] = _coerce_column(renamed[canon].tolist(), fspec, labels, spec, problems)
    n_before = len(problems)
    _check_geometry(raw, labels, spec, role, problems)
    if len(problems) == n_before:  # geometries are sound: are they in the right place? (reported with the rest)
        _check_location(raw, labels, spec, problems)
    if out.errors:
        return out
    gdf = gpd.GeoDataFrame(data, geometry=raw.geometry.values, crs=raw.crs)
    for canon, fspec in role.fields.items():
        col = gdf[canon]
        if fspec.type == "int":
            gdf[canon] = pd.array(col, dtype="Int64")
        elif fspec.type == "float":
            gdf[canon] = to_floats(col)
        elif fspec.type == "bool":
            gdf[canon] = pd.array(col, dtype="boolean")
        else:
            gdf[canon] = col.astype(object)
    try:
        gdf = to_metric(gdf)
    except GeoError as exc:
        problems.append(_problem(spec, str(exc)))
        return out
    except Exception as exc:  # pyproj cannot transform from this CRS
        problems.append(_problem(spec, f"cannot convert from {raw.crs.to_string()} to {METRIC_CRS}: {exc}"))
        return out
    out.gdf = gdf
    return out


def _labels(ids: pd.Series) -> pd.Series:
    """How features are named in messages: the id, with its position when the id is empty or not unique."""
    arr = ids.to_numpy(dtype=object)
    dup = ids.duplicated(keep=False).to_numpy() | (ids == "").to_numpy()
    if not dup.any():
        return ids
    out = arr.copy()
    for pos in np.flatnonzero(dup):
        out[pos] = f"{arr[pos]} (#{pos + 1})" if arr[pos] else f"#{pos + 1}"
    return pd.Series(out, index=ids.index, dtype=object)


def _coerce_column(values: list, fspec, ids: pd.Series, spec: LayerSpec, problems: list[Problem]) -> list:
    """Each value in the field's type; a problem naming the feature and field for each one that is not.

    A column repeats few distinct values (categories, levels) or is plain text (names): each distinct value is
    coerced once, and a text column without a vocabulary or a list of allowed values is stripped as a whole.
    """
    kept, refused = frozenset(), {}
    if fspec.vocabulary:  # source words (Thai, any case) -> canonical values; see layers/vocab.py
        tr = load_vocabulary(fspec.vocabulary).translate(values, fspec.name)
        values, kept, refused = tr.values, tr.kept, tr.refused
        if tr.warning:
            problems.append(_problem(spec, tr.warning, field=fspec.name, severity="warning"))
    kinds = {type(v) for v in values}
    if len(kinds - {type(None)}) > 1 or not all(k.__hash__ for k in kinds):
        return _coerce_each(values, fspec, ids, spec, problems, kept, refused)  # mixed types: 1 and True differ
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    if (fspec.type == "str" and kinds <= {str, type(None)} and not kept and not refused
            and fspec.allowed is None):
        out = strip_texts(arr)
        empty = pd.isna(out) | (out == "")
        out[empty] = fspec.default
        if fspec.required:
            for pos in np.flatnonzero(empty):
                problems.append(_problem(spec, "required value is empty", feature=ids.iloc[pos], field=fspec.name))
        return out.tolist()
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    vals = np.empty(len(uniques) + 1, dtype=object)  # the last one stands for missing (code -1)
    whys = np.empty(len(uniques) + 1, dtype=object)
    for k, v in enumerate(uniques):
        if isinstance(v, str) and v in kept:
            vals[k], whys[k] = v, None
        elif isinstance(v, str) and v in refused:
            vals[k], whys[k] = None, refused[v]
        else:
            vals[k], whys[k] = coerce_value(v, fspec)
    vals[-1], whys[-1] = None, None
    codes = np.where(codes < 0, len(uniques), codes)
    bad = np.array([w is not None for w in whys])[codes]
    none = np.array([v is None for v in vals])[codes]
    report = bad | (none & fspec.required)
    for pos in np.flatnonzero(report):
        why = whys[codes[pos]]
        problems.append(_problem(spec, why if why is not None else "required value is empty",
                                 feature=ids.iloc[pos], field=fspec.name))
    out = vals[codes]
    out[none] = fspec.default
    return out.tolist()


def _coerce_each(values: list, fspec, ids: pd.Series, spec: LayerSpec, problems: list[Problem],
                 kept: frozenset, refused: dict) -> list:
    """:func:`_coerce_column` value by value (a column of mixed types)."""
    out = []
    memo: dict = {}
    for pos, v in enumerate(values):
        if (kept or refused) and isinstance(v, str) and (v in kept or v in refused):
            if v in refused:
                problems.append(_problem(spec, refused[v], feature=ids.iloc[pos], field=fspec.name))
            out.append(v if v in kept else fspec.default)
            continue
        try:
            key = (type(v), v)
            hit = memo.get(key)
        except TypeError:  # unhashable value
            key, hit = None, None
        if hit is None:
            hit = coerce_value(v, fspec)
            if key is not None and len(memo) < 100_000:
                memo[key] = hit
        val, why = hit
        if why is not None:
            problems.append(_problem(spec, why, feature=ids.iloc[pos], field=fspec.name))
        elif val is None and fspec.required:
            problems.append(_problem(spec, "required value is empty", feature=ids.iloc[pos], field=fspec.name))
        out.append(fspec.default if val is None else val)
    return out


def read_layer(spec: LayerSpec, year: int | None = None) -> gpd.GeoDataFrame:
    """Read one vector layer of the catalog, validated, with canonical fields, in EPSG:32647.

    ``year`` is the year assessed: the tables joined to the layer count the rows of that year (default: this year).

    Raises
    ------
    LayerReadError
        The file cannot be opened.
    LayerValidationError
        The layer has errors; ``problems`` names every feature and field.

    The ids carry the entry's ``id_prefix`` when it has one.
    """
    res = inspect_layer(spec, year)
    if res.errors or res.gdf is None:
        raise LayerValidationError(spec.name, res.errors or [_problem(spec, "the layer could not be read")])
    gdf = res.gdf
    if spec.id_prefix:
        gdf["id"] = [spec.id_prefix + str(v) for v in gdf["id"]]
    gdf.attrs["ecotown"] = {"layer": spec.name, "sha256": res.sha256, "source_crs": res.source_crs,
                            "metric_crs": METRIC_CRS}
    return gdf
