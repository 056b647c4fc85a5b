"""``ecotown compare 2025 2026``: what changed between two stored years of the results history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from ..compare import compare as compare_records
from ..history import HISTORY_FILE, HistoryStore
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
    old: Annotated[int, typer.Argument(help="The earlier year (Gregorian), e.g. 2025.")],
    new: Annotated[int, typer.Argument(help="The later year, e.g. 2026.")],
    history: Annotated[Path, typer.Option("--history", help="Results history file written by `ecotown assess`.",
                                          dir_okay=False)] = Path(HISTORY_FILE),
    edition: Annotated[Optional[str], typer.Option("--edition", "-e", help="Use the records of this criteria "
                                                                           "edition id.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Also write the changes as CSV tables "
                                                                    "into this folder.", file_okay=False)] = None,
) -> None:
    """Level changes, indicator deltas, villages newly inside/outside rings, facilities added or closed."""
    store = HistoryStore(history)
    c = compare_records(store.load(old, edition), store.load(new, edition))
    if c.warning:
        console.print(f"[bold yellow]warning:[/] {c.warning}", soft_wrap=True)
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
        from ..outputs import staged_output, write_csv

        with staged_output(out) as tmp:
            for name, df in c.tables().items():
                write_csv(df, tmp / f"compare-{old}-{new}-{name}.csv")
        console.print(f"Wrote the changes as CSV to {out.resolve()}")
