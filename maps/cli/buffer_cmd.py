"""``ecotown buffer``: the exposure matrix and its summaries (who lives near which facility), no criteria.

Writes into ``--out``: ``exposure.csv`` (one row per facility x community pair within the rings),
``facilities.csv`` (one row per facility), ``communities.csv`` (one row per community) and ``buffer.gpkg``
(layers facilities, communities, and, when small enough or asked for, rings and exposure); ``--format`` picks
among them (gpkg, csv) and Parquet (``exposure.parquet``, GeoParquet ``facilities.parquet`` and
``communities.parquet``). Everything is written into a temporary folder inside ``--out`` and moved into place when
complete, so a failed run leaves earlier files untouched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from layers import CatalogError, load_catalog

from ..exports import buffer_analysis, buffer_rings, write_buffer_tables
from .cluster import dask_client
from .errors import friendly_errors
from .options import (DEFAULT_FORMAT_TEXT, CatalogOpt, FormatOpt, MaybeYearOpt, QuietOpt, SchedulerOpt, WorkersOpt,
                      formats_of, this_year)
from .progress import progress_printer

__all__ = ["buffer", "parse_rings", "parse_kind_rings"]


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


@friendly_errors
def buffer(
    catalog: CatalogOpt = None,
    around: Annotated[str, typer.Option("--around", "-a", help="Facility layers: layer names or roles, "
                                        "comma-separated.")] = "factories,mines",
    communities: Annotated[str, typer.Option("--communities", help="Community layers: layer names or roles.")]
    = "communities",
    rings: Annotated[Optional[str], typer.Option("--rings", "-r", help="Ring distances in metres, e.g. "
                                                 "500,1000,3000,5000. Default: the catalog's (per facility "
                                                 "kind when the catalog gives rings per kind).")] = None,
    kind_rings: Annotated[Optional[list[str]], typer.Option(
        "--kind-rings", help="Rings of one facility kind, e.g. mine=1000,3000,10000 (repeatable); other kinds "
                             "keep --rings (or the catalog's).")] = None,
    receptors: Annotated[str, typer.Option("--receptors", help="Sensitive receptor layers (names or roles); "
                                           "'' for none. Skipped when the catalog has none.")] = "receptors",
    population_raster: Annotated[Optional[Path], typer.Option(
        "--population-raster", help="Gridded population GeoTIFF: people within each ring from the grid.",
        exists=True, dir_okay=False)] = None,
    wind: Annotated[Optional[Path], typer.Option(
        "--wind", help="Wind rose (CSV direction,frequency or YAML): adds downwind-weighted columns.",
        exists=True, dir_okay=False)] = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    ring_polygons: Annotated[Optional[bool], typer.Option(
        "--ring-polygons/--no-ring-polygons", help="Put the ring polygons into buffer.gpkg. Default: when there "
        "are at most 20,000 (facilities x rings), a province; the HTML maps draw rings themselves.",
        show_default=False)] = None,
    pairs_layer: Annotated[Optional[bool], typer.Option(
        "--pairs-layer/--no-pairs-layer", help="Put the pair table into buffer.gpkg as the layer 'exposure'. "
        "Default: when there are at most 1,000,000 pairs (it is always in exposure.csv).",
        show_default=False)] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.", file_okay=False)] = Path("buffer-out"),
    format_: FormatOpt = DEFAULT_FORMAT_TEXT,
    year: MaybeYearOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Exposure of communities to facilities in rings: matrix and summaries (GeoPackage and CSV), no criteria."""
    cat = load_catalog(catalog)
    year = year or this_year()  # the year whose rows the joined tables count (complaints, certificates)
    ring_arg = buffer_rings(cat, parse_rings(rings) if rings else None, parse_kind_rings(kind_rings or []))
    formats = formats_of(format_)
    if not {"gpkg", "parquet"} & set(formats):  # CSV tables only: no ring polygons or pair layer to draw
        ring_polygons = pairs_layer = False
    with progress_printer(quiet) as say:
        with dask_client(workers, scheduler, say) as client:
            res = buffer_analysis(cat, year=year, rings=ring_arg, around=around, communities=communities,
                                  receptors=receptors, population_raster=population_raster, wind=wind,
                                  workers=workers if client is not None else None, scheduler=client,
                                  ring_polygons=ring_polygons, pairs_layer=pairs_layer, progress=say)
        for note in res.notes:
            say(note)
        say("Writing tables")
        written = write_buffer_tables(out, res.tables, res.layers, formats)
        say(f"Wrote {len(written)} files to {out}")
    if not quiet:
        typer.echo(f"{res.summary()}; written to {out}")
