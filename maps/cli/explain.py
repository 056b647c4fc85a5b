"""``ecotown explain SUBJECT``: why a subject has its level, and what it lacks for the next one."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.console import Console

from criteria import explain as explain_subject
from criteria import run_assessment

from .errors import friendly_errors
from .options import CatalogOpt, EditionOpt, this_year

console = Console(highlight=False)


@friendly_errors
def explain(
    subject: Annotated[str, typer.Argument(help="Subject id: a facility id (F01, M01), village id, or the "
                                                "town code. 'town' means the town.")],
    catalog: CatalogOpt = None,
    year: Annotated[Optional[int], typer.Option("--year", "-y", help="Gregorian year (default: this year).")] = None,
    edition: EditionOpt = None,
) -> None:
    """Explain a subject's level: each indicator's value, threshold, source; the gap to the next level."""
    a = run_assessment(catalog, year=year or this_year(), edition=edition)
    sid = str(a.town["town_id"]) if subject.lower() == "town" else subject
    console.print(explain_subject(a, sid), markup=False)
