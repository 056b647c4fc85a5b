"""``ecotown report``: the annual eco-town level report (Thai or English; PDF, HTML, XLSX and CSV tables)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from criteria import run_assessment

from ..history import default_history_path
from ..publish import publish_report, rerun_report
from .errors import friendly_errors
from .options import CatalogOpt, EditionOpt, QuietOpt, this_year
from .progress import progress_printer

console = Console(highlight=False)

HistoryOpt = Annotated[
    Optional[Path],
    typer.Option("--history", help="Results history file (default: ecotown-history.sqlite in the parent folder "
                                   "of --out, where `ecotown assess` keeps it).", dir_okay=False),
]


@friendly_errors
def report(
    year: Annotated[Optional[int], typer.Option("--year", "-y", help="Gregorian year (2026 = พ.ศ. 2569).",
                                                min=1900, max=2200)] = None,
    lang: Annotated[str, typer.Option("--lang", help="Report language: th (default) or en.")] = "th",
    formats: Annotated[str, typer.Option("--format", "-f", help="Comma-separated: pdf, html, xlsx "
                                                                "(CSV tables are always written).")] = "pdf,html,xlsx",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder for the report (default: "
                                                                    "ecotown-report; with --rerun: the manifest's "
                                                                    "folder).", file_okay=False)] = None,
    catalog: CatalogOpt = None,
    edition: EditionOpt = None,
    history: HistoryOpt = None,
    atlas: Annotated[bool, typer.Option("--atlas", help="Add one page per factory and mine.")] = False,
    rerun: Annotated[Optional[Path], typer.Option(
        "--rerun", help="Re-create a report from its report-manifest.json and check the tables are the same "
                        "byte for byte (other options except --out are taken from the manifest).",
        dir_okay=False)] = None,
    quiet: QuietOpt = False,
) -> None:
    """Write the annual report: cover, summary, tables, maps, charts, changes since last year, data health."""
    with progress_printer(quiet) as say:
        if rerun is not None:
            paths, changes = rerun_report(rerun, out, progress=say)
            if not quiet:
                console.print(f"Re-created the report of {rerun}: every table is the same, byte for byte.")
                for c in changes:
                    console.print(f"  note: {c} (the tables did not change)", markup=False)
                console.print(f"Wrote {len(paths)} files to {paths[0].parent.resolve() if paths else rerun.parent}")
            return
        if lang not in ("th", "en"):
            raise typer.BadParameter(f"--lang must be th or en, not {lang!r}")
        y = year or this_year()
        out = out or Path("ecotown-report")
        hist = history or default_history_path(out)
        a = run_assessment(catalog, year=y, edition=edition, progress=say)
        paths = publish_report(a, out, lang=lang, formats=formats, history_path=hist, atlas=atlas, progress=say)
    if quiet:
        return
    console.print(f"{a.town['name']} พ.ศ. {a.year_be} ({a.year}): level {int(a.town['level'])}. "
                  f"History: {hist}{'' if hist.exists() else ' (none yet)'}")
    console.print(f"Wrote {len(paths)} files to {out.resolve()}:")
    for p in paths:
        if p.suffix in (".pdf", ".html", ".xlsx", ".json"):
            console.print(f"  {p.name}")

