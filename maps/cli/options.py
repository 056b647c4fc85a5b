"""Options shared by several commands."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..exports import DEFAULT_FORMATS, parse_formats

#: the catalog a command reads when ``--catalog`` is not given and it exists in the current folder
PROJECT_CATALOG = "catalog.yaml"


def _project_catalog(ctx: typer.Context, value: Optional[Path]) -> Optional[Path]:
    """``--catalog`` left out: ``./catalog.yaml`` when there is one (the project folder ``layers add`` writes),
    else the bundled sample (None). Says which on standard error, unless ``--quiet``."""
    if value is not None or ctx.resilient_parsing:
        return value
    here = Path(PROJECT_CATALOG)
    found = here if here.is_file() else None
    if not ctx.params.get("quiet"):
        what = (f"catalog: {here.resolve()} (found in this folder)" if found is not None else
                f"catalog: the bundled Nong Pho sample (no {PROJECT_CATALOG} in this folder; give --catalog FILE)")
        typer.echo(what, err=True)
    return found


CatalogOpt = Annotated[
    Optional[Path],
    typer.Option("--catalog", "-c", help=f"Layer catalog (YAML). Default: ./{PROJECT_CATALOG} when there is one, "
                 "else the bundled Nong Pho sample.", dir_okay=False, callback=_project_catalog),
]
YearOpt = Annotated[
    int,
    typer.Option("--year", "-y", help="Gregorian year assessed (2026 = พ.ศ. 2569).", min=1900, max=2200),
]
#: ``--year`` where it may be left out (then this year is assessed)
MaybeYearOpt = Annotated[
    Optional[int],
    typer.Option("--year", "-y", help="Gregorian year (default: this year; 2026 = พ.ศ. 2569).", min=1900, max=2200),
]
EditionOpt = Annotated[
    Optional[str],
    typer.Option("--edition", "-e", help="Criteria edition id or YAML file. Default: eit-2022-modelled."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
WorkersOpt = Annotated[
    Optional[int],
    typer.Option("--workers", "-w", min=1, help="Measure on a local dask cluster of N worker processes (results "
                 "are identical; pays off only with more cores than a laptop's: see README, Speed)."),
]
SchedulerOpt = Annotated[
    Optional[str],
    typer.Option("--scheduler", help="Measure on a running dask cluster, e.g. tcp://10.0.0.5:8786 (results are "
                 "identical)."),
]


def _formats(value: str) -> str:
    """``--format``: checked here, so a bad value stops the command before any work, naming the value."""
    try:
        return ",".join(parse_formats(value))
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None


#: ``--format`` of the commands that write tables (``buffer``, ``assess``); :func:`formats_of` gives the tuple
FormatOpt = Annotated[
    str,
    typer.Option("--format", callback=_formats,
                 help="Table formats, comma-separated, of gpkg (GeoPackage), csv, parquet (Parquet tables and "
                      "GeoParquet layers for DuckDB, QGIS, pandas). Default: gpkg,csv. For tables of millions of "
                      "rows use parquet (e.g. --format gpkg,parquet)."),
]


def formats_of(value: str) -> tuple[str, ...]:
    """The formats ``--format`` names, as ``write_buffer_tables`` and ``publish`` take them."""
    return parse_formats(value)


#: the default of ``--format``
DEFAULT_FORMAT_TEXT = ",".join(DEFAULT_FORMATS)


def this_year() -> int:
    return _dt.date.today().year
