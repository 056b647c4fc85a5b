"""Writing an assessment's tables (GeoPackage, CSV) and manifest, all-or-nothing."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from criteria import Assessment

__all__ = ["write_tables", "write_buffer_tables", "pinned_gpkg_date", "write_gpkg", "GPKG_VERSION", "plain_types", "write_manifest", "staged_output", "tabular", "write_csv", "DETERMINISTIC_DATE"]

#: GeoPackage timestamps are pinned so that the same inputs give the same file bytes
DETERMINISTIC_DATE = "2000-01-01T00:00:00.000Z"   # GeoPackage 1.2 date-time form (with milliseconds)

_FLOAT_FORMAT = "%.10g"

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
        elif s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            out[col] = s.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                             or v is pd.NA else (v if isinstance(v, (str, int, float, bool)) else str(v)))
    return out


def _facilities_table(a: Assessment) -> pd.DataFrame:
    df = tabular(a.facilities.drop(columns="geometry")).reset_index(drop=True)
    return df


def _csv(df: pd.DataFrame, path: Path) -> None:
    # utf-8-sig: spreadsheet programs then read the Thai text correctly
    df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n", float_format=_FLOAT_FORMAT)


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write one table as CSV the way every ecotown table is written (UTF-8 with BOM, '\\n', %.10g floats)."""
    _csv(tabular(df), Path(path))
    return Path(path)


def write_gpkg(df: pd.DataFrame, path: Path, layer: str, **layer_options: str) -> None:
    """Write one layer (or attribute table) into the GeoPackage ``path`` as GeoPackage ``GPKG_VERSION``."""
    pyogrio.write_dataframe(df, path, layer=layer, driver="GPKG", dataset_options={"VERSION": GPKG_VERSION},
                            layer_options=layer_options or None)


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


def write_buffer_tables(out: Path, tables: dict[str, pd.DataFrame],
                        layers: dict[str, pd.DataFrame]) -> list[Path]:
    """``ecotown buffer``'s CSV tables and ``buffer.gpkg`` into ``out``, all or nothing; the paths, sorted."""
    out = Path(out)
    with staged_output(out) as tmp:
        for name, df in tables.items():
            plain_types(df).to_csv(tmp / name, index=False, encoding="utf-8-sig", lineterminator="\n",
                                   float_format=_FLOAT_FORMAT)
        with pinned_gpkg_date():
            for name, df in layers.items():
                write_gpkg(plain_types(df), tmp / "buffer.gpkg", name)
        names = sorted(p.name for p in tmp.iterdir())
    return [out / n for n in names]


def _gaps_table(a: Assessment) -> pd.DataFrame:
    """The steps that lift each subject a level (``gap_kind`` 'lift'), then the data to collect ('collect')."""
    lift = a.gaps.assign(gap_kind="lift")
    dg = getattr(a, "data_gaps", None)
    if dg is None or not len(dg):
        return tabular(lift)
    collect = pd.DataFrame({"subject_kind": dg["subject_kind"], "subject_id": "", "indicator_id": dg["indicators"],
                            "action": dg["action"], "action_th": dg["action_th"], "gap_kind": "collect"})
    return tabular(pd.concat([lift, collect.reindex(columns=lift.columns)], ignore_index=True))


def write_tables(a: Assessment, out: Path) -> list[Path]:
    """Write ``results.gpkg`` and the CSV tables of ``a`` into the folder ``out``; return the paths."""
    written: list[Path] = []
    town = pd.DataFrame([a.town]).reset_index(drop=True)
    tables = {
        "town.csv": tabular(town),
        "facilities.csv": _facilities_table(a),
        "communities.csv": tabular(a.communities.drop(columns="geometry")).reset_index(drop=True),
        "exposure.csv": tabular(a.exposure),
        "indicators.csv": tabular(a.indicators),
        "levels.csv": tabular(a.levels),
        "dimensions.csv": tabular(a.dimensions),
        "gaps.csv": _gaps_table(a),
    }
    if a.sensitivity is not None:
        tables["sensitivity.csv"] = tabular(a.sensitivity)
    scope = getattr(a, "scope", None)
    if scope is not None and (len(scope.left_out) or len(scope.facilities_outside)):
        # who the layers hold but the assessment does not cover, and why (beyond every ring, outside the town)
        left = [scope.left_out.assign(kind="community").rename(columns={"community_id": "id"})]
        if len(scope.facilities_outside):
            left.append(scope.facilities_outside.rename(columns={"facility_id": "id"})
                        .assign(reason="outside the town boundary"))
        both = pd.concat(left, ignore_index=True)
        tables["left-out.csv"] = tabular(both[["id", "kind", "name", "reason"]].sort_values(
            ["kind", "id"], kind="stable").reset_index(drop=True))
    for name, df in tables.items():
        p = out / name
        _csv(df, p)
        written.append(p)

    gpkg = out / "results.gpkg"
    layers: dict[str, gpd.GeoDataFrame] = {
        "facilities": gpd.GeoDataFrame(tabular(a.facilities).reset_index(drop=True), geometry="geometry",
                                       crs=a.facilities.crs),
        "communities": gpd.GeoDataFrame(tabular(a.communities).reset_index(drop=True), geometry="geometry",
                                        crs=a.communities.crs),
        "rings": gpd.GeoDataFrame(tabular(a.rings).reset_index(drop=True), geometry="geometry", crs=a.rings.crs),
    }
    if "boundary" in a.context:
        b = a.context["boundary"]
        layers["boundary"] = gpd.GeoDataFrame(tabular(b).reset_index(drop=True), geometry="geometry", crs=b.crs)
    with pinned_gpkg_date():
        for name, g in layers.items():
            write_gpkg(g, gpkg, name)
        for name, df in (("exposure", tables["exposure.csv"]), ("indicators", tables["indicators.csv"]),
                         ("levels", tables["levels.csv"]), ("town", tables["town.csv"])):
            write_gpkg(df, gpkg, name)
        from .qgis_styles import add_layer_styles  # QGIS default styles (layer_styles); imports this module

        add_layer_styles(gpkg, a)
    written.append(gpkg)
    return written


def write_manifest(a: Assessment, out: Path, outputs: list[str]) -> Path:
    """Write ``manifest.json``: what the run read and wrote."""
    m = dict(a.manifest)
    m["outputs"] = sorted(outputs)
    p = out / "manifest.json"
    p.write_text(json.dumps(m, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return p


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


Writer = Callable[[Assessment, Path], list[Path]]
