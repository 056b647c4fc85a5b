"""``ecotown explain SUBJECT``: why a subject has its level, and what it lacks for the next one."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from criteria import explain_table, missing_data, provenance_lines
from criteria.explain import exchange_lines
from criteria import run_assessment

from .errors import friendly_errors
from .options import CatalogOpt, EditionOpt, MaybeYearOpt, this_year

console = Console(highlight=False)


@friendly_errors
def explain(
    subject: Annotated[str, typer.Argument(help="Subject id: a factory's registration number, a mine's "
                                                "licence, a village code, or the town code. 'town' means the town.")],
    catalog: CatalogOpt = None,
    year: MaybeYearOpt = None,
    edition: EditionOpt = None,
) -> None:
    """Explain a subject's level: each indicator's value, threshold, source; the gap to the next level."""
    a = run_assessment(catalog, year=year or this_year(), edition=edition)
    sid = str(a.town["town_id"]) if subject.lower() == "town" else subject
    t = explain_table(a, sid)
    s = a.levels[a.levels["subject_id"] == sid].iloc[0]
    console.print(f"{s['subject_id']}  {s['name']}  ({s['subject_kind']})", markup=False)
    console.print(f"Level {int(s['level'])} {s['level_name_en']} / {s['level_name_th']}  "
                  f"[{a.edition.id}, {a.year} = พ.ศ. {a.year_be}]", markup=False)
    console.print(f"Why: {s['rule']}", markup=False)
    table = Table(show_lines=False)
    for col, head in (("indicator_id", "indicator"), ("value", "value"), ("level_reached", "level"),
                      ("next_needs", "next level needs"), ("core", ""), ("basis_label", "basis"),
                      ("source", "source")):
        table.add_column(head, overflow="fold", no_wrap=col in ("indicator_id", "value", "level_reached"))
    for r in t.itertuples():
        table.add_row(r.indicator_id, r.value, r.level_reached, r.next_needs, r.core, r.basis_label, r.source)
    console.print(table)
    console.print(s["gap_text"] or "Highest level reached.", markup=False)
    flows = exchange_lines(a, sid)
    if flows:
        console.print("Resource exchanges of the year (the exchange indicators count these):", markup=False)
        for line in flows:
            console.print(f"  - {line}", markup=False)
    console.print("What is DIW's and what is modelled:", markup=False)
    for line in provenance_lines(a, sid):
        console.print(f"  - {line}", markup=False)
    missing = missing_data(a, sid)
    if missing:
        console.print("Missing data (no data, never zero):", markup=False)
        for m in missing:
            console.print(f"  - {m}", markup=False)
