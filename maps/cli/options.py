"""Options shared by several commands."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Annotated, Optional

import typer

CatalogOpt = Annotated[
    Optional[Path],
    typer.Option("--catalog", "-c", help="Layer catalog (YAML). Default: the bundled Nong Pho sample.",
                 dir_okay=False),
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


def this_year() -> int:
    return _dt.date.today().year
