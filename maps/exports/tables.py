"""Writing an assessment's tables (GeoPackage, CSV, Parquet) and manifest, all-or-nothing."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import pandas as pd

from criteria import Assessment

from ..flows import flow_lines
from .columnar import DEFAULT_FORMATS, write_parquet_tables
from .files import RING_POLYGONS_MAX, pinned_gpkg_date, tabular, write_csv, write_gpkg
from .qgis_styles import add_layer_styles

__all__ = ["write_tables", "write_manifest", "writes_ring_polygons", "RING_POLYGONS_MAX", "FLOWS_GPKG_COLUMNS"]

#: the columns of the ``flows`` layer of results.gpkg (LineString, EPSG:32647), one row per drawable exchange
FLOWS_GPKG_COLUMNS = ["from_id", "to_id", "from_name", "to_name", "material", "tonnes_per_year", "year",
                      "inside_town"]



def writes_ring_polygons(a: Assessment) -> bool:
    """Whether ``results.gpkg`` (and ``results.qgs``) of ``a`` hold its ring polygons (:data:`RING_POLYGONS_MAX`)."""
    return len(a.rings) <= RING_POLYGONS_MAX


def _facilities_table(a: Assessment) -> pd.DataFrame:
    df = tabular(a.facilities.drop(columns="geometry")).reset_index(drop=True)
    return df


def _gaps_table(a: Assessment) -> pd.DataFrame:
    """The steps that lift each subject a level (``gap_kind`` 'lift'), then the data to collect ('collect')."""
    lift = a.gaps.assign(gap_kind="lift")
    dg = getattr(a, "data_gaps", None)
    if dg is None or not len(dg):
        return tabular(lift)
    collect = pd.DataFrame({"subject_kind": dg["subject_kind"], "subject_id": "", "indicator_id": dg["indicators"],
                            "action": dg["action"], "action_th": dg["action_th"], "gap_kind": "collect"})
    return tabular(pd.concat([lift, collect.reindex(columns=lift.columns)], ignore_index=True))


def write_tables(a: Assessment, out: Path, formats: tuple[str, ...] = DEFAULT_FORMATS) -> list[Path]:
    """Write the tables of ``a`` into the folder ``out`` in ``formats`` (of csv: the CSV tables, parquet: the same
    as Parquet, facilities and communities as GeoParquet, gpkg: ``results.gpkg``); return the paths."""
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
    # results.gpkg is written on a thread of its own while the CSV and Parquet files are printed: GDAL inserts its
    # rows without the GIL, and at region scale each side took 3 s. The files do not depend on each other
    with ThreadPoolExecutor(1, thread_name_prefix="ecotown-gpkg") as pool:
        gpkg = pool.submit(_write_results_gpkg, a, out, tables) if "gpkg" in formats else None
        for name, df in tables.items() if "csv" in formats else ():
            p = out / name
            write_csv(df, p)
            written.append(p)
        if "parquet" in formats:
            written += write_parquet_tables(out, tables, {n: getattr(a, n).reset_index(drop=True)
                                                          for n in ("facilities", "communities")})
        if gpkg is not None:
            written.append(gpkg.result())
    return written


def _write_results_gpkg(a: Assessment, out: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """``results.gpkg``: the facilities, communities, rings (up to RING_POLYGONS_MAX), boundary and flows as layers,
    the exposure, indicators, levels and town as attribute tables, and the QGIS styles."""
    gpkg = out / "results.gpkg"
    layers: dict[str, gpd.GeoDataFrame] = {
        "facilities": gpd.GeoDataFrame(tabular(a.facilities).reset_index(drop=True), geometry="geometry",
                                       crs=a.facilities.crs),
        "communities": gpd.GeoDataFrame(tabular(a.communities).reset_index(drop=True), geometry="geometry",
                                        crs=a.communities.crs),
    }
    if writes_ring_polygons(a):
        layers["rings"] = gpd.GeoDataFrame(tabular(a.rings).reset_index(drop=True), geometry="geometry",
                                           crs=a.rings.crs)
    if "boundary" in a.context:
        b = a.context["boundary"]
        layers["boundary"] = gpd.GeoDataFrame(tabular(b).reset_index(drop=True), geometry="geometry", crs=b.crs)
    flows = flow_lines(a)  # the resource exchanges as lines (maps/flows.py); no layer without an exchanges table
    if flows is not None:
        layers["flows"] = gpd.GeoDataFrame(tabular(flows[FLOWS_GPKG_COLUMNS]), geometry=flows.geometry.values,
                                           crs=flows.crs)
    with pinned_gpkg_date():
        for name, g in layers.items():
            write_gpkg(g, gpkg, name)
        for name, df in (("exposure", tables["exposure.csv"]), ("indicators", tables["indicators.csv"]),
                         ("levels", tables["levels.csv"]), ("town", tables["town.csv"])):
            write_gpkg(df, gpkg, name)
        add_layer_styles(gpkg, a)
    return gpkg


def write_manifest(a: Assessment, out: Path, outputs: list[str]) -> Path:
    """Write ``manifest.json``: what the run read and wrote."""
    m = dict(a.manifest)
    m["outputs"] = sorted(outputs)
    p = out / "manifest.json"
    p.write_text(json.dumps(m, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return p
