"""``ecotown layers list|check``: what the catalog holds, and whether every layer can be used."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from layers import check_catalog, load_catalog

from .errors import friendly_errors
from .options import CatalogOpt, QuietOpt

app = typer.Typer(help="List and check the layers of a catalog.", no_args_is_help=True)
console = Console(highlight=False)


@app.command("list")
@friendly_errors
def list_layers(catalog: CatalogOpt = None) -> None:
    """List the catalog's layers with role, source and field mapping."""
    cat = load_catalog(catalog)
    t = Table(title=f"{cat.name} - {cat.path}", title_justify="left")
    for col in ("name", "role", "source", "layer", "id field", "fields mapped", "vintage"):
        # names and roles are never cut; long paths and mappings wrap
        t.add_column(col, no_wrap=col in ("name", "role", "id field", "vintage"), overflow="fold")
    for s in cat.layers.values():
        try:
            src = str(s.source.relative_to(cat.path.parent))
        except ValueError:
            src = str(s.source)
        mapped = ", ".join(f"{k}→{v}" for k, v in s.fields.items())
        if s.classes:
            mapped = f"{len(s.classes)} classes, green: {s.green_classes}"
        t.add_row(s.name, s.role, src, s.layer or "", s.id_field or "", mapped,
                  str(s.vintage or ""))
    console.print(t)


@app.command("check")
@friendly_errors
def check_layers(
    names: Annotated[Optional[list[str]], typer.Argument(help="Layers to check (default: all).")] = None,
    catalog: CatalogOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Read and validate every layer; list each problem with its file, feature and field."""
    cat = load_catalog(catalog)
    reports = check_catalog(cat, names or None)
    bad = [r for r in reports if not r.ok]
    if not quiet:
        t = Table(title=f"{cat.name} - {cat.path}", title_justify="left")
        for col in ("layer", "role", "features", "CRS", "sha256", "status"):
            t.add_column(col, overflow="fold")
        for r in reports:
            n_err = sum(p.severity == "error" for p in r.problems)
            n_warn = len(r.problems) - n_err
            status = "[green]ok[/]" if r.ok else f"[red]{n_err} error(s)[/]"
            if n_warn:
                status += f", {n_warn} warning(s)"
            t.add_row(r.name, r.role, "" if r.features is None else str(r.features), r.crs or "",
                      (r.sha256 or "")[:12], status)
        console.print(t)
    for r in reports:
        for p in r.problems:
            if p.severity == "error" or not quiet:
                console.print(str(p), markup=False, highlight=False)
    if bad:
        raise typer.Exit(3)
