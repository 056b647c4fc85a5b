"""``ecotown buffer``'s tables: the exposure matrix and its summaries (who lives near which facility), no criteria.

:func:`buffer_analysis` reads the layers and measures; :func:`write_buffer_tables` writes ``exposure.csv`` (one row
per facility x community pair within the rings), ``facilities.csv``, ``communities.csv`` and ``buffer.gpkg``
(layers facilities, communities, rings, exposure) into a folder, all or nothing; with ``formats`` including
parquet also ``exposure.parquet``, ``facilities.parquet`` and ``communities.parquet`` (GeoParquet; ``columnar.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

import geo
from layers import Catalog, CatalogError, load_roles, read_layer

from .columnar import DEFAULT_FORMATS, write_parquet_tables
from .files import RING_POLYGONS_MAX, pinned_gpkg_date, plain_types, staged_output, write_csv, write_gpkg

__all__ = ["BufferAnalysis", "buffer_analysis", "buffer_rings", "write_buffer_tables", "RING_POLYGONS_MAX",
           "PAIRS_LAYER_LIMIT"]

#: role -> facility kind written in the ``kind`` column
KIND_OF_ROLE = {"factories": "factory", "mines": "mine"}

#: buffer.gpkg holds the pair table as a layer up to this many pairs (it is in exposure.csv / .parquet anyway);
#: its ring polygons follow files.RING_POLYGONS_MAX, as results.gpkg's do
PAIRS_LAYER_LIMIT = 1_000_000


@dataclass
class BufferAnalysis:
    """The tables of one buffer run: CSV tables by file name and GeoPackage layers by layer name."""

    tables: dict[str, pd.DataFrame]
    layers: dict[str, pd.DataFrame]
    pairs: int
    communities: int
    near: int
    max_ring_m: int
    population_method: str
    #: sentences on what ``buffer.gpkg`` leaves out at this size and how to ask for it
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.pairs} pairs; {self.near} of {self.communities} communities within {self.max_ring_m} m of "
                f"a facility; population method {self.population_method}")


def _specs(cat: Catalog, tokens: str, what: str):
    """Layer specs named by ``tokens`` (comma-separated layer names or roles), with the role each came by.

    A role the catalog has no layer of is passed over (a town without mines runs with the default
    ``--around factories,mines``) as long as some layer is named; a word that is neither a layer nor a role is
    refused."""
    out, absent = [], []
    for tok in [t.strip() for t in tokens.split(",") if t.strip()]:
        if tok in cat.layers:
            out.append(cat.layers[tok])
        elif cat.by_role(tok):
            out.extend(cat.by_role(tok))
        elif tok in load_roles():
            absent.append(tok)
        else:
            raise CatalogError(f"{cat.path}: {what} '{tok}' is neither a layer name nor a role of the catalog "
                               f"(layers: {', '.join(cat.layers)})")
    if not out:
        have = f"the catalog has no layer of role {', '.join(repr(t) for t in absent)}; " if absent else ""
        raise CatalogError(f"{cat.path}: {what}: {have}no layer to read (layers: {', '.join(cat.layers)})")
    return out


def _read(cat: Catalog, tokens: str, what: str, id_col: str, with_kind: bool,
          year: int | None = None) -> gpd.GeoDataFrame:
    parts = []
    for spec in _specs(cat, tokens, what):
        if spec.is_raster:
            raise CatalogError(f"{what}: layer '{spec.name}' is a raster; give vector layers")
        g = read_layer(spec, year).rename(columns={"id": id_col})
        if with_kind:
            g.insert(1, "kind", KIND_OF_ROLE.get(spec.role, spec.role))
        g.insert(1, "layer", spec.name)
        parts.append(g)
    gdf = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=parts[0].crs)
    dup = gdf[id_col][gdf[id_col].duplicated(keep=False)]
    if len(dup):
        where = gdf.loc[dup.index, [id_col, "layer"]].drop_duplicates()
        raise CatalogError(f"{what}: ids must be unique across layers; repeated: "
                           + ", ".join(f"'{r[0]}' in layer '{r[1]}'" for r in where.itertuples(index=False)))
    return gdf.sort_values(id_col, kind="stable").reset_index(drop=True)


def buffer_rings(cat: Catalog, rings: list[int] | None = None, kind_rings: dict[str, list[int]] | None = None
                 ) -> list[int] | dict[str, list[int]]:
    """The rings of ``ecotown buffer``, as :func:`buffer_analysis` takes them: ``rings`` for every kind, else the
    catalog's own (``cat.rings.shown_arg()``: one list, or one list per facility kind when the catalog gives rings
    per kind); ``kind_rings`` then replaces the rings of the kinds it names."""
    base = list(rings) if rings else cat.rings.shown_arg()
    if not kind_rings:
        return base
    by_kind = dict(base) if isinstance(base, dict) else {geo.DEFAULT_KIND: base}
    return {**by_kind, **kind_rings}


def buffer_analysis(cat: Catalog, *, year: int, rings: list[int] | dict[str, list[int]],
                    around: str = "factories,mines", communities: str = "communities",
                    receptors: str = "receptors", population_raster: str | Path | None = None,
                    wind: str | Path | None = None, workers: int | None = None, scheduler: Any = None,
                    ring_polygons: bool | None = None, pairs_layer: bool | None = None,
                    progress: Callable[[str], None] | None = None) -> BufferAnalysis:
    """Exposure of communities to facilities in ``rings`` (a list, or ``{"default": [...], kind: [...]}``).

    ``around``, ``communities``, ``receptors``: comma-separated layer names or roles of ``cat`` (receptors are
    skipped when the catalog has none). ``year`` picks the rows the joined tables count.
    ``ring_polygons`` / ``pairs_layer``: put the ring polygons / the pair table into ``layers`` (True, False, or
    None: when there are at most ``RING_POLYGONS_MAX`` polygons / ``PAIRS_LAYER_LIMIT`` pairs).
    """
    say = progress or (lambda _m: None)
    say("Reading layers")
    fac = _read(cat, around, "--around", "facility_id", with_kind=True, year=year)
    com = _read(cat, communities, "--communities", "community_id", with_kind=False, year=year)
    rec = None
    if receptors and any(t in cat.layers or cat.by_role(t) for t in receptors.split(",") if t.strip()):
        rec = _read(cat, receptors, "--receptors", "receptor_id", with_kind=False, year=year)
    rose = geo.load_wind_rose(wind) if wind else None
    say(f"Measuring {len(fac)} facilities x {len(com)} communities")
    matrix = geo.exposure_matrix(fac, com, rings, workers=workers, scheduler=scheduler)
    cx = geo.community_exposure(matrix, com, rings, facilities=fac, wind=rose)
    fx = geo.facility_exposure(matrix, com, rings, facilities=fac, wind=rose, receptors=rec,
                               population_raster=str(population_raster) if population_raster else None)
    keep_f = [c for c in ("facility_id", "kind", "layer", "name", "category") if c in fac.columns]
    keep_c = [c for c in ("community_id", "layer", "name", "population", "households") if c in com.columns]
    fac_t = fac[keep_f + ["geometry"]].join(fx.reset_index(drop=True))
    com_t = com[keep_c + ["geometry"]].join(cx.reset_index(drop=True))
    com_t.insert(len(keep_c), "population_method", fx.attrs["population_method"])
    tables = {"exposure.csv": matrix, "facilities.csv": pd.DataFrame(fac_t.drop(columns="geometry")),
              "communities.csv": pd.DataFrame(com_t.drop(columns="geometry"))}
    layers: dict[str, pd.DataFrame] = {"facilities": fac_t, "communities": com_t}
    notes: list[str] = []
    ring_list = sorted(geo.union_rings(rings).astype(int).tolist())
    n_polygons = len(fac) * len(ring_list)
    if ring_polygons or (ring_polygons is None and n_polygons <= RING_POLYGONS_MAX):
        say(f"Drawing {n_polygons} ring polygons")
        layers["rings"] = geo.ring_buffers(fac, ring_list)
    elif ring_polygons is None:
        notes.append(f"buffer.gpkg has no ring polygons: {n_polygons:,} (more than {RING_POLYGONS_MAX:,}) would "
                     "take long to draw and GBs to store; ask for them with --ring-polygons")
    if pairs_layer or (pairs_layer is None and len(matrix) <= PAIRS_LAYER_LIMIT):
        layers["exposure"] = matrix
    elif pairs_layer is None:
        notes.append(f"buffer.gpkg has no exposure layer: its {len(matrix):,} pairs (more than "
                     f"{PAIRS_LAYER_LIMIT:,}) are in exposure.csv; ask for the layer with --pairs-layer")
    max_ring = int(np.max(geo.union_rings(rings)))
    return BufferAnalysis(tables=tables, layers=layers, pairs=len(matrix), communities=len(com),
                          near=int((cx[f"fac_within_{max_ring}"] > 0).sum()), max_ring_m=max_ring,
                          population_method=str(fx.attrs["population_method"]), notes=notes)


def write_buffer_tables(out: Path, tables: dict[str, pd.DataFrame], layers: dict[str, pd.DataFrame],
                        formats: tuple[str, ...] = DEFAULT_FORMATS) -> list[Path]:
    """``ecotown buffer``'s tables into ``out``, all or nothing, in ``formats`` (of gpkg, csv, parquet: the CSV
    tables, ``buffer.gpkg``, the Parquet/GeoParquet tables); the paths, sorted."""
    out = Path(out)
    with staged_output(out) as tmp:
        for name, df in tables.items() if "csv" in formats else ():
            write_csv(plain_types(df, keep_categories=True), tmp / name)
        with pinned_gpkg_date():
            for name, df in layers.items() if "gpkg" in formats else ():
                write_gpkg(plain_types(df), tmp / "buffer.gpkg", name)
        if "parquet" in formats:
            write_parquet_tables(tmp, tables, layers)
        names = sorted(p.name for p in tmp.iterdir())
    return [out / n for n in names]
