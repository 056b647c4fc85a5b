"""``ecotown buffer``: the exposure matrix and its summaries (who lives near which facility), no criteria.

Writes into ``--out``: ``exposure.csv`` (one row per facility x community pair within the rings),
``facilities.csv`` (one row per facility), ``communities.csv`` (one row per community) and ``buffer.gpkg``
(layers facilities, communities, rings, exposure). Everything is written into a temporary folder inside
``--out`` and moved into place when complete, so a failed run leaves earlier files untouched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import geopandas as gpd
import numpy as np
import pandas as pd
import typer

import geo
from layers import Catalog, CatalogError, load_catalog, read_layer

from ..outputs import write_buffer_tables
from .errors import friendly_errors
from .options import CatalogOpt, MaybeYearOpt, QuietOpt, this_year
from .progress import progress_printer

__all__ = ["buffer", "parse_rings", "parse_kind_rings"]

#: role -> facility kind written in the ``kind`` column
KIND_OF_ROLE = {"factories": "factory", "mines": "mine"}


def parse_rings(text: str, what: str = "--rings") -> list[int]:
    """``"500,1000,3000"`` -> ``[500, 1000, 3000]``; a plain error otherwise."""
    try:
        rings = [int(float(p)) for p in text.split(",") if p.strip()]
    except ValueError:
        raise CatalogError(f"{what}: expected whole metres separated by commas, got {text!r}") from None
    if not rings or any(r <= 0 for r in rings) or rings != sorted(set(rings)):
        raise CatalogError(f"{what}: ring distances must be positive and ascending, got {text!r}")
    return rings


def parse_kind_rings(items: list[str]) -> dict[str, list[int]]:
    """``["mine=1000,3000,10000"]`` -> ``{"mine": [1000, 3000, 10000]}``."""
    out: dict[str, list[int]] = {}
    for item in items:
        kind, sep, rings = item.partition("=")
        if not sep or not kind.strip():
            raise CatalogError(f"--kind-rings expects KIND=D1,D2,..., got {item!r}")
        out[kind.strip()] = parse_rings(rings, f"--kind-rings {kind.strip()}")
    return out


def _specs(cat: Catalog, tokens: str, what: str):
    """Layer specs named by ``tokens`` (comma-separated layer names or roles), with the role each came by."""
    out = []
    for tok in [t.strip() for t in tokens.split(",") if t.strip()]:
        if tok in cat.layers:
            out.append(cat.layers[tok])
        elif cat.by_role(tok):
            out.extend(cat.by_role(tok))
        else:
            raise CatalogError(f"{cat.path}: {what} '{tok}' is neither a layer name nor a role of the catalog "
                               f"(layers: {', '.join(cat.layers)})")
    if not out:
        raise CatalogError(f"{what}: no layer given")
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


@friendly_errors
def buffer(
    catalog: CatalogOpt = None,
    around: Annotated[str, typer.Option("--around", "-a", help="Facility layers: layer names or roles, "
                                        "comma-separated.")] = "factories,mines",
    communities: Annotated[str, typer.Option("--communities", help="Community layers: layer names or roles.")]
    = "communities",
    rings: Annotated[Optional[str], typer.Option("--rings", "-r", help="Ring distances in metres, e.g. "
                                                 "500,1000,3000,5000. Default: the catalog's.")] = None,
    kind_rings: Annotated[Optional[list[str]], typer.Option(
        "--kind-rings", help="Rings of one facility kind, e.g. mine=1000,3000,10000 (repeatable); other kinds "
                             "use --rings.")] = None,
    receptors: Annotated[str, typer.Option("--receptors", help="Sensitive receptor layers (names or roles); "
                                           "'' for none. Skipped when the catalog has none.")] = "receptors",
    population_raster: Annotated[Optional[Path], typer.Option(
        "--population-raster", help="Gridded population GeoTIFF: people within each ring from the grid.",
        exists=True, dir_okay=False)] = None,
    wind: Annotated[Optional[Path], typer.Option(
        "--wind", help="Wind rose (CSV direction,frequency or YAML): adds downwind-weighted columns.",
        exists=True, dir_okay=False)] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1, help="Threads for the dask "
                                                   "backend (results are identical).")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Address of a dask scheduler, e.g. "
                                                     "tcp://10.0.0.5:8786.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.", file_okay=False)] = Path("buffer-out"),
    year: MaybeYearOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Exposure of communities to facilities in rings: matrix and summaries (GeoPackage and CSV), no criteria."""
    cat = load_catalog(catalog)
    year = year or this_year()  # the year whose rows the joined tables count (complaints, certificates)
    base = parse_rings(rings) if rings else list(cat.rings_m)
    per_kind = parse_kind_rings(kind_rings or [])
    ring_arg: list[int] | dict[str, list[int]] = {"default": base, **per_kind} if per_kind else base
    with progress_printer(quiet) as say:
        say("Reading layers")
        fac = _read(cat, around, "--around", "facility_id", with_kind=True, year=year)
        com = _read(cat, communities, "--communities", "community_id", with_kind=False, year=year)
        rec = None
        if receptors and any(t in cat.layers or cat.by_role(t) for t in receptors.split(",") if t.strip()):
            rec = _read(cat, receptors, "--receptors", "receptor_id", with_kind=False, year=year)
        rose = geo.load_wind_rose(wind) if wind else None
        say(f"Measuring {len(fac)} facilities x {len(com)} communities")
        matrix = geo.exposure_matrix(fac, com, ring_arg, workers=workers, scheduler=scheduler)
        cx = geo.community_exposure(matrix, com, ring_arg, facilities=fac, wind=rose)
        fx = geo.facility_exposure(matrix, com, ring_arg, facilities=fac, wind=rose, receptors=rec,
                                   population_raster=str(population_raster) if population_raster else None)
        say("Writing tables")
        keep_f = [c for c in ("facility_id", "kind", "layer", "name", "category") if c in fac.columns]
        keep_c = [c for c in ("community_id", "layer", "name", "population", "households") if c in com.columns]
        fac_t = fac[keep_f + ["geometry"]].join(fx.reset_index(drop=True))
        com_t = com[keep_c + ["geometry"]].join(cx.reset_index(drop=True))
        com_t.insert(len(keep_c), "population_method", fx.attrs["population_method"])
        bands = geo.ring_buffers(fac, sorted(geo.union_rings(ring_arg).astype(int).tolist()))
        tables = {"exposure.csv": matrix, "facilities.csv": pd.DataFrame(fac_t.drop(columns="geometry")),
                  "communities.csv": pd.DataFrame(com_t.drop(columns="geometry"))}
        layers = {"facilities": fac_t, "communities": com_t, "rings": bands, "exposure": matrix}
        written = write_buffer_tables(out, tables, layers)
        say(f"Wrote {len(written)} files to {out}")
    if not quiet:
        n_near = int((cx[f"fac_within_{int(np.max(geo.union_rings(ring_arg)))}"] > 0).sum())
        typer.echo(f"{len(matrix)} pairs; {n_near} of {len(com)} communities within "
                   f"{int(np.max(geo.union_rings(ring_arg)))} m of a facility; population method "
                   f"{fx.attrs['population_method']}; written to {out}")
