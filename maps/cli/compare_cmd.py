"""``ecotown compare 2025 2026 [2027 ...]``: what changed between stored years of the results history.

The tables compare the first year given with the last; with ``--out`` the folder also gets ``years-map.html``,
a map of every year given with a year slider, drawn from the stored records (no assessment is re-run).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..history import HISTORY_FILE, HistoryError, HistoryStore, edition_warning
from ..history import compare as compare_records
from ..publish import publish_comparison
from .errors import friendly_errors

console = Console(highlight=False)


def _table(title: str, df, cols: list[str]) -> Table:
    t = Table(title=title, title_justify="left")
    for c in cols:
        t.add_column(c)
    for r in df[cols].itertuples(index=False):
        t.add_row(*["" if v is None or v != v else str(v) for v in r])
    return t


@friendly_errors
def compare(
    years: Annotated[list[int], typer.Argument(help="Two or more stored years (Gregorian), e.g. 2025 2026; the "
                                                    "changes are from the first to the last, the map shows all.",
                                               show_default=False)],
    history: Annotated[Path, typer.Option("--history", help="Results history file written by `ecotown assess`.",
                                          dir_okay=False)] = Path(HISTORY_FILE),
    edition: Annotated[Optional[str], typer.Option("--edition", "-e", help="Use the records of this criteria "
                                                                           "edition id.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Also write the changes as CSV tables and "
                                                                    "the year-slider map years-map.html into this "
                                                                    "folder.", file_okay=False)] = None,
) -> None:
    """Level changes, indicator deltas, villages newly inside/outside rings, facilities added or closed."""
    if len(years) < 2:
        raise HistoryError("give at least two years to compare, e.g. `ecotown compare 2025 2026`")
    if len(set(years)) != len(years):
        raise HistoryError(f"a year is given twice: {' '.join(str(y) for y in years)}")
    years = sorted(years)
    old, new = years[0], years[-1]
    store = HistoryStore(history)
    records = [store.load(y, edition) for y in years]
    c = compare_records(records[0], records[-1])
    warnings = [c.warning] + [edition_warning(r.run, records[-1].run) for r in records[1:-1]]
    for w in dict.fromkeys(w for w in warnings if w):
        console.print(f"[bold yellow]warning:[/] {escape(w)}", soft_wrap=True)
    console.print(f"{c.new['town_name']}: town level {c.old['level']} ({old}, {c.old['edition_id']}) → "
                  f"{c.new['level']} ({new}, {c.new['edition_id']})")
    n = c.counts
    console.print(f"levels up {n['up']}, down {n['down']}, same {n['same']}; facilities added {n['added']}, "
                  f"closed {n['closed']}; village-ring changes: {n['newly_inside']} newly inside, "
                  f"{n['newly_outside']} newly outside; indicator values changed: {n['indicators_changed']}")
    lv = c.level_changes[c.level_changes["status"] != "same"]
    if len(lv):
        console.print(_table("Level changes", lv, ["subject_kind", "subject_id", "name", "level_old", "level_new",
                                                   "status"]))
    ti = c.indicator_changes[c.indicator_changes["subject_kind"] == "town"]
    if len(ti):
        console.print(_table("Town indicator changes", ti, ["indicator_id", "value_old", "value_new", "delta",
                                                            "level_old", "level_new", "trend"]))
    if len(c.ring_changes):
        console.print(_table("Villages newly inside / outside rings", c.ring_changes,
                             ["community_id", "name", "ring_m", "facilities_old", "facilities_new", "status"]))
    if len(c.facility_changes):
        console.print(_table("Facilities added / closed", c.facility_changes,
                             ["facility_id", "kind", "name", "status"]))
    if out is not None:
        publish_comparison(c, records, out)
        console.print(f"Wrote the changes as CSV and the year-slider map years-map.html "
                      f"({', '.join(str(y) for y in years)}) to {out.resolve()}")
