"""``ecotown export kml``: the assessment for Google Earth (KML and KMZ)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from criteria import run_assessment

from ..exports import export_kml
from .errors import friendly_errors
from .options import CatalogOpt, EditionOpt, MaybeYearOpt, QuietOpt, this_year

app = typer.Typer(help="Export the results for other tools: KML/KMZ for Google Earth.", no_args_is_help=True)
console = Console(highlight=False)


@app.command("kml")
@friendly_errors
def kml(
    catalog: CatalogOpt = None,
    year: MaybeYearOpt = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the .kml and .kmz files.",
                                      file_okay=False)] = Path("ecotown-out"),
    edition: EditionOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Assess the town and write levels and rings as KML and KMZ for Google Earth, with Thai names."""
    a = run_assessment(catalog, year=year or this_year(), edition=edition)
    paths = export_kml(a, out)
    if not quiet:
        console.print(f"Wrote {len(paths)} files to {out.resolve()}:", markup=False)
        for p in paths:
            console.print(f"  {p.name}", markup=False)
