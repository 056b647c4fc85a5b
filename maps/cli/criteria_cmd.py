"""``ecotown criteria list|check``: the criteria editions available, and checking an edition file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from criteria import list_editions, load_edition, validate_edition_file

from .errors import friendly_errors

app = typer.Typer(help="List and check criteria editions.", no_args_is_help=True)
console = Console(highlight=False)


@app.command("list")
@friendly_errors
def list_cmd() -> None:
    """List the bundled criteria editions (and those in $ECOTOWN_CRITERIA_DIR)."""
    t = Table()
    for col in ("id", "title", "indicators", "file"):
        t.add_column(col, overflow="fold")
    for ed_id in list_editions():
        ed = load_edition(ed_id)
        t.add_row(ed.id, ed.title_en, str(len(ed.indicators)), str(ed.path))
    console.print(t)


@app.command("check")
@friendly_errors
def check_cmd(file: Annotated[Path, typer.Argument(help="Edition YAML file.", exists=True, dir_okay=False)]) -> None:
    """Validate an edition file; list every problem with its line and field."""
    problems = validate_edition_file(file)
    if not problems:
        ed = load_edition(file)
        console.print(f"[green]ok[/]: {file} - edition {ed.id}, {len(ed.indicators)} indicators")
        return
    for p in problems:
        console.print(str(p), markup=False)
    raise typer.Exit(4)
