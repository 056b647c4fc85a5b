"""``ecotown evidence template|check``: the yearly evidence file the office fills in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from criteria import DEFAULT_EDITION, evidence_template, load_edition, load_evidence, write_evidence_template
from criteria.tables import read_communities, read_facilities
from layers import load_catalog, read_layer

from .errors import friendly_errors
from .options import CatalogOpt, EditionOpt, QuietOpt, this_year

app = typer.Typer(help="Write and check the yearly evidence file (non-spatial indicators).", no_args_is_help=True)
console = Console(highlight=False)


def _subjects(catalog) -> dict[str, dict[str, str]]:
    cat = load_catalog(catalog)
    boundary = read_layer(cat.get(cat.town)) if cat.town else read_layer(cat.one("boundary"))
    b = boundary.iloc[0]
    town_id = str(b.get("code") or b["id"])
    fac = read_facilities(cat)
    com = read_communities(cat)
    return {
        "town": {town_id: str(b["name"])},
        "factory": {str(i): str(r["name"]) for i, r in fac[fac["kind"] == "factory"].iterrows()},
        "mine": {str(i): str(r["name"]) for i, r in fac[fac["kind"] == "mine"].iterrows()},
        "community": {str(i): str(r["name"]) for i, r in com.iterrows()},
    }, cat


@app.command("template")
@friendly_errors
def template_cmd(
    catalog: CatalogOpt = None,
    year: Annotated[Optional[int], typer.Option("--year", "-y", help="Year the evidence is for.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="CSV to write (default evidence-YEAR.csv).",
                                                dir_okay=False)] = None,
    from_year: Annotated[Optional[int], typer.Option(
        "--from-year", help="Pre-fill values and sources from this year's evidence in the catalog.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    edition: EditionOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Write a CSV with one row per subject and evidence indicator, ready to fill in (Excel keeps the Thai)."""
    y = year or this_year()
    ed = load_edition(edition or DEFAULT_EDITION)
    subjects, cat = _subjects(catalog)
    previous = None
    if from_year is not None:
        src = cat.evidence.get(from_year)
        if src is None:
            raise typer.BadParameter(f"the catalog lists no evidence for {from_year}", param_hint="--from-year")
        previous = load_evidence(src, ed, subjects={k: list(v) for k, v in subjects.items()})
    df = evidence_template(ed, subjects, previous=previous)
    path = write_evidence_template(df, out or Path(f"evidence-{y}.csv"), overwrite=force)
    if not quiet:
        console.print(f"Wrote {len(df)} rows to {path} (edition {ed.id}, year {y} = พ.ศ. {y + 543}). "
                      "Fill the 'value' column; an empty value counts as no data.", markup=False)


@app.command("check")
@friendly_errors
def check_cmd(
    file: Annotated[Path, typer.Argument(help="Evidence CSV.", exists=True, dir_okay=False)],
    catalog: CatalogOpt = None,
    edition: EditionOpt = None,
) -> None:
    """Check an evidence file against the edition and the subjects in the layers; list every problem."""
    ed = load_edition(edition or DEFAULT_EDITION)
    subjects, _cat = _subjects(catalog)
    ev = load_evidence(file, ed, subjects={k: list(v) for k, v in subjects.items()})
    console.print(f"ok: {file} - {len(ev)} values for edition {ed.id}", markup=False)
