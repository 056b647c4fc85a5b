"""``ecotown assess``: score the town, its facilities and communities, and write maps, report and tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from criteria import DEFAULT_EDITION, load_edition, load_scenario, run_assessment, sensitivity
from criteria.errors import CriteriaError
from criteria.evidence import parse_value

from ..publish import publish, store_in_history
from ..style import level_label
from .cluster import dask_client
from .errors import friendly_errors
from .options import (DEFAULT_FORMAT_TEXT, CatalogOpt, EditionOpt, FormatOpt, MaybeYearOpt, QuietOpt, SchedulerOpt,
                      WorkersOpt, formats_of, this_year)
from .progress import progress_printer

console = Console(highlight=False)


def parse_overrides(items: list[str]) -> dict[str, float]:
    """``["town_green_share=0.21", "F06:gi_level=3"]`` -> values by key; a plain error for anything else."""
    out: dict[str, float] = {}
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not key.strip():
            raise CriteriaError(f"--set expects INDICATOR=VALUE, got {item!r}")
        try:  # the same values as the evidence file and scenarios: numbers, 42%, yes/no, มี/ไม่มี
            out[key.strip()] = parse_value(val)
        except ValueError:
            raise CriteriaError(f"--set {key.strip()}: {val!r} is not a number, percentage or yes/no") from None
    return out


def summary_table(a) -> Table:
    en = a.town.get("name_en")
    town = a.town["name"] if not en or en == a.town["name"] else f"{a.town['name']} ({en})"
    t = Table(title=f"{town} - พ.ศ. {a.year_be} ({a.year}) - "
                    f"criteria {a.edition.id}", title_justify="left")
    t.add_column("subject")
    t.add_column("count", justify="right")
    for lvl in range(1, 6):
        t.add_column(f"L{lvl}", justify="right")
    t.add_row("town", "1", *["●" if int(a.town["level"]) == lv else "" for lv in range(1, 6)])
    for kind, label in (("factory", "factories"), ("mine", "mines")):
        sub = a.facilities[a.facilities["kind"] == kind]
        t.add_row(label, str(len(sub)), *[str(int((sub["level"] == lv).sum())) for lv in range(1, 6)])
    com = a.communities
    t.add_row("communities", str(len(com)), *[str(int((com["level"] == lv).sum())) for lv in range(1, 6)])
    return t


@friendly_errors
def assess(
    catalog: CatalogOpt = None,
    year: MaybeYearOpt = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for maps, report and tables.",
                                      file_okay=False)] = Path("ecotown-out"),
    edition: EditionOpt = None,
    set_: Annotated[Optional[list[str]], typer.Option(
        "--set", help="What-if: give an indicator a value for every subject (--set town_green_share=0.21) or "
                      "for one (--set F06:gi_level=3). Repeatable.")] = None,
    scenario: Annotated[Optional[Path], typer.Option(
        "--scenario", help="What-if: a YAML file of planned changes (see README).", exists=True,
        dir_okay=False)] = None,
    sensitivity_: Annotated[bool, typer.Option(
        "--sensitivity", help="Also score with thresholds and ring distances moved by ±20%% and write "
                              "sensitivity.csv.")] = False,
    online: Annotated[bool, typer.Option("--online", help="Offer OpenStreetMap tiles in the maps "
                                                          "(default: offline maps that need no network).")] = False,
    history: Annotated[Optional[Path], typer.Option(
        "--history", help="Results history file (default: ecotown-history.sqlite in the parent folder of --out; "
                          "what-if runs are not stored).", dir_okay=False)] = None,
    format_: FormatOpt = DEFAULT_FORMAT_TEXT,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Assess the town: buffers, exposure, criteria levels; write level and buffer maps, report and tables."""
    y = year or this_year()
    overrides: dict[str, float] = {}
    if scenario is not None:
        _name, overrides = load_scenario(scenario, load_edition(edition or DEFAULT_EDITION))
    overrides.update(parse_overrides(set_ or []))
    with progress_printer(quiet) as say, dask_client(workers, scheduler, say) as client:
        parallel = {"workers": workers, "scheduler": client} if client is not None else None
        a = run_assessment(catalog, year=y, edition=edition, overrides=overrides or None, progress=say,
                           parallel=parallel)
        if sensitivity_:
            say("Testing sensitivity (thresholds and rings ±20%)")
            a.sensitivity = sensitivity(a, overrides=overrides or None, rerun=lambda f: run_assessment(
                catalog, year=y, edition=edition, overrides=overrides or None, ring_scale=f, parallel=parallel))
        paths = publish(a, out, offline=not online, formats=formats_of(format_), progress=say)
        history_note = store_in_history(a, out, history, what_if=bool(overrides), progress=say)
    if quiet:
        return
    console.print(summary_table(a))
    if a.scope is not None:
        more = " (left-out.csv)" if len(a.scope.left_out) or len(a.scope.facilities_outside) else ""
        console.print(f"Covered: {a.scope.summary()}{more}.", markup=False)
    lvl = int(a.town["level"])
    target = a.edition.target  # the edition's, or the catalog's own
    verdict = "" if target is None else (
        f" - {'meets' if lvl >= target.level else 'does not yet meet'} the level-{target.level} target for "
        f"พ.ศ. {target.year_be} ({target.year})")
    name = level_label(lvl, a.town["level_name_th"], a.town["level_name_en"], lang="both", head=True)
    console.print(f"Town level: [bold]{escape(name)}[/]{verdict}.")
    if a.town.get("gap_text"):
        console.print(a.town["gap_text"], markup=False)
    if len(a.data_gaps):
        console.print("Missing data (\"no data\", never zero; gaps.csv):", markup=False)
        for r in a.data_gaps.itertuples():
            console.print(f"  - {r.action} (e.g. {r.examples})", markup=False)
    if a.sensitivity is not None:
        t = a.sensitivity
        fragile = t[~t["stable"]]
        town = t[t["subject_kind"] == "town"].iloc[0]
        console.print(f"Sensitivity (±20% thresholds and rings): town level "
                      f"{'stable' if town['stable'] else 'CHANGES'}; {len(fragile)} of {len(t)} subjects change "
                      "level (sensitivity.csv).", markup=False)
    console.print(history_note, markup=False)
    console.print(f"Wrote {len(paths)} files to {out.resolve()}:")
    for p in paths:
        console.print(f"  {p.name}")
