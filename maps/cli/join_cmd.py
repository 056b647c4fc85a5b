"""``ecotown layers join``: join an attribute table (certificates, population, complaints) to a layer by a key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from layers import join_table, parse_map_options

from .errors import friendly_errors
from .options import QuietOpt

__all__ = ["join"]

console = Console(highlight=False)


@friendly_errors
def join(
    table: Annotated[Path, typer.Argument(help="The table: .csv (UTF-8 or cp874), .xlsx, .dbf or a GeoPackage "
                                               "attribute table.")],
    to: Annotated[str, typer.Option("--to", "-t", help="The catalog layer whose features the rows belong to.")],
    on: Annotated[str, typer.Option("--on", help="The table's key column, e.g. เลขทะเบียนโรงงาน.")],
    to_field: Annotated[Optional[str], typer.Option("--to-field", help="The layer field the key matches (source "
                                                    "or canonical name). Default: the layer's id.")] = None,
    map_: Annotated[Optional[list[str]], typer.Option("--map", "-m", help="COLUMN=CANONICAL field of the layer's "
                                                      "role, e.g. --map ระดับ=gi_level; repeat for more. Default: "
                                                      "columns named like a field of the role.")] = None,
    aggregate: Annotated[Optional[str], typer.Option("--aggregate", help="Several rows per key: count (rows "
                                                     "per key), sum, max, latest (latest --date-field).")] = None,
    date_field: Annotated[Optional[str], typer.Option("--date-field", help="Column with each row's date: rows "
                                                      "after the assessed year are left out (with count/sum "
                                                      "also rows before it).")] = None,
    expires_field: Annotated[Optional[str], typer.Option("--expires-field", help="Column with an expiry date: a "
                                                         "row expired before the assessed year does not count."
                                                         )] = None,
    sheet: Annotated[Optional[str], typer.Option("--sheet", help="The sheet of a workbook with several.")] = None,
    layer: Annotated[Optional[str], typer.Option("--layer", "-l", help="The table inside a GeoPackage.")] = None,
    encoding: Annotated[Optional[str], typer.Option("--encoding", help="Text encoding of a CSV or DBF (e.g. "
                                                    "cp874); default: found out.")] = None,
    name: Annotated[Optional[str], typer.Option("--name", "-n", help="Name of the join (default: the file name)."
                                                )] = None,
    year: Annotated[Optional[int], typer.Option("--year", "-y", help="Vintage: the year the table describes "
                                                "(also the year the report counts).")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Replace the join of that name.")] = False,
    catalog: Annotated[Path, typer.Option("--catalog", "-c", dir_okay=False, help="Your catalog (YAML). "
                                          "Default: catalog.yaml here.")] = Path("catalog.yaml"),
    quiet: QuietOpt = False,
) -> None:
    """Join a table to a layer by a key: checked, copied into tables/ and recorded in the catalog — or nothing
    changes and the error names the file, row and column."""
    res = join_table(table, to=to, on=on, catalog=catalog, fields=parse_map_options(map_), to_field=to_field,
                     aggregate=aggregate, date_field=date_field, expires_field=expires_field, sheet=sheet,
                     layer=layer, encoding=encoding, name=name, year=year, replace_existing=replace)
    if quiet:
        return
    what = "replaced" if res.replaced else "joined"
    console.print(f"[green]{what}[/] table '{res.name}' to layer '{res.layer}' from {table}", highlight=False)
    console.print(f"  kept as {res.stored_in}; catalog {res.catalog}", markup=False)
    console.print(f"  sha256 {res.sha256}", markup=False, soft_wrap=True)
    console.print("  fields: " + ", ".join(f"{s} -> {c}" for s, c in res.fields.items())
                  + (f"; aggregate {aggregate}" if aggregate else ""), markup=False)
    for line in res.report.lines():
        console.print(f"  {line}", markup=False)
    for note in res.notes:
        console.print(f"  {note}", markup=False)
    if year is None:
        console.print("  note: no --year given, so the table's vintage is not recorded", markup=False)
