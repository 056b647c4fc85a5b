"""``ecotown layers list|check|show|add|remove``: what the catalog holds, whether every layer can be used, and
adding, updating and removing layers without editing any file by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from layers import (
    FieldMapping,
    add_layer,
    check_catalog,
    describe_layer,
    load_catalog,
    load_mapping,
    parse_map_options,
    remove_layer,
)

from .errors import friendly_errors
from .join_cmd import join as join_command
from .options import CatalogOpt, QuietOpt

app = typer.Typer(help="List, check, show, add and remove the layers of a catalog.", no_args_is_help=True)
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
    for s in cat.layers.values():
        for j in s.joins:
            console.print(f"join '{j.name}' -> layer '{s.name}': {_rel(j.source, cat.path.parent)}, '{j.on}' = "
                          f"{j.to_field or s.id_field or 'feature number'}; "
                          + ", ".join(f"{k}→{v}" for k, v in j.fields.items())
                          + (f"; {j.aggregate}" if j.aggregate else "")
                          + (f"; vintage {j.vintage}" if j.vintage else ""), markup=False)


def _rel(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


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


EditCatalogOpt = Annotated[
    Path,
    typer.Option("--catalog", "-c", dir_okay=False,
                 help="Your catalog (YAML); created when it does not exist. Default: catalog.yaml here."),
]


@app.command("show")
@friendly_errors
def show_layer(
    name: Annotated[str, typer.Argument(help="The layer to describe.")],
    catalog: CatalogOpt = None,
) -> None:
    """Fields, feature count, extent, CRS, vintage and source hash of one layer."""
    cat = load_catalog(catalog)
    facts = describe_layer(cat, name)
    t = Table(title=f"layer '{name}' - {cat.path}", title_justify="left", show_header=False)
    t.add_column("what", no_wrap=True, style="bold")
    t.add_column("value", overflow="fold")
    for label, value in facts.rows():
        t.add_row(label, value)
    console.print(t)
    if facts.fields:
        f = Table(title="fields", title_justify="left")
        for col in ("field", "type", "filled", "example"):
            f.add_column(col, overflow="fold")
        for fld in facts.fields:
            f.add_row(fld.name, fld.type, f"{fld.filled:,}", fld.example)
        console.print(f)
    for r in facts.joins:
        j = r.join
        jt = Table(title=f"joined table '{j.name}'", title_justify="left", show_header=False)
        jt.add_column("what", no_wrap=True, style="bold")
        jt.add_column("value", overflow="fold")
        dated = ", ".join(x for x in (f"date {j.date_field}" if j.date_field else "",
                                      f"expires {j.expires_field}" if j.expires_field else "") if x)
        for label, value in (
                ("table", _rel(j.source, cat.path.parent) + (f" sheet '{j.sheet}'" if j.sheet else "")
                 + (f" table '{j.layer}'" if j.layer else "")),
                ("key", f"{j.on} = {r.key_field}"),
                ("fields", ", ".join(f"{k}→{v}" for k, v in j.fields.items())),
                ("aggregate", (j.aggregate or "none (one row per key)") + (f" ({dated})" if dated else "")),
                ("rows", f"{r.rows:,}; {r.matched:,} of {r.features:,} features matched"),
                ("sha256", r.sha256 or ""),
                ("vintage", str(j.vintage) if j.vintage is not None else "not recorded"),
                ("added", j.added or "not recorded (entry written by hand)")):
            jt.add_row(label, value)
        console.print(jt)
        for line in r.lines()[1 + len(r.unmatched_lines()):]:  # the rest are warnings, printed below
            console.print(f"{j.name}: {line}", markup=False)
    for p in facts.problems:
        console.print(str(p), markup=False, highlight=False)
    if not facts.ok:
        raise typer.Exit(3)


@app.command("add")
@friendly_errors
def add(
    path: Annotated[Path, typer.Argument(help="The file: .gpkg, .shp, .zip (shapefile), .geojson, .fgb, .kml, "
                                              ".kmz, .csv, .xlsx or .tif.")],
    role: Annotated[Optional[str], typer.Option("--role", "-r", help="What the layer is: factories, mines, "
                                                "communities, boundary, ... (see layers/roles.yaml).")] = None,
    name: Annotated[Optional[str], typer.Option("--name", "-n", help="Name in the catalog (default: the file "
                                                "name).")] = None,
    layer: Annotated[Optional[str], typer.Option("--layer", "-l", help="The layer inside the file (GeoPackage, "
                                                 "KML, zip with several shapefiles).")] = None,
    sheet: Annotated[Optional[str], typer.Option("--sheet", help="The sheet of an XLSX workbook that holds the "
                                                 "table (needed when it has several).")] = None,
    id_field: Annotated[Optional[str], typer.Option("--id-field", help="The field that identifies each feature "
                                                    "(default: feature number).")] = None,
    id_prefix: Annotated[Optional[str], typer.Option("--id-prefix", help="Put this before every id of the layer "
                                                     "(e.g. M- for mines numbered like the factories); recorded "
                                                     "in the catalog.")] = None,
    map_: Annotated[Optional[list[str]], typer.Option("--map", "-m", help="SOURCE=CANONICAL field name, e.g. "
                                                      "--map ชื่อโรงงาน=name; repeat for more. For CSV also "
                                                      "COLUMN=lon/lat/x/y.")] = None,
    crs: Annotated[Optional[str], typer.Option("--crs", help="CRS of a file that has none, e.g. EPSG:32647; "
                                               "overrides the file's.")] = None,
    year: Annotated[Optional[int], typer.Option("--year", "-y", help="Vintage: the year the data describe.")]
    = None,
    repair: Annotated[bool, typer.Option("--repair", help="Repair invalid geometries (make_valid) and report "
                                         "area changes.")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Replace the layer of that name (the old one stays "
                                          "until the new one is complete).")] = False,
    append: Annotated[bool, typer.Option("--append", help="Role observations: add these field notes to the "
                                         "stored layer (a note already there is not added again).")] = False,
    encoding: Annotated[Optional[str], typer.Option("--encoding", help="Text encoding of a shapefile without "
                                                    ".cpg (e.g. cp874).")] = None,
    mapping: Annotated[Optional[Path], typer.Option("--mapping", help="Reuse a mapping saved with "
                                                    "--save-mapping.", dir_okay=False)] = None,
    save_mapping: Annotated[Optional[Path], typer.Option("--save-mapping", help="Save the field mapping used, "
                                                         "to reuse for next year's file.", dir_okay=False)] = None,
    catalog: EditCatalogOpt = Path("catalog.yaml"),
    quiet: QuietOpt = False,
) -> None:
    """Check a layer and add it to the catalog's store (layers.gpkg, EPSG:32647) — or change nothing and say why."""
    base = load_mapping(mapping) if mapping is not None else FieldMapping()
    given = FieldMapping(fields=parse_map_options(map_), id_field=id_field, crs=crs, encoding=encoding,
                         layer=layer)
    merged = base.merged(given)
    role = role or base.role
    if not role:
        raise typer.BadParameter("give the layer's role with --role (factories, mines, communities, ...)",
                                 param_hint="--role")
    res = add_layer(path, role=role, catalog=catalog, name=name, mapping=merged, year=year, repair=repair,
                    replace_existing=replace, save_mapping_to=save_mapping, id_prefix=id_prefix,
                    sheet=sheet, append=append)
    if quiet:
        return
    what = "appended to" if append and res.replaced else "replaced" if res.replaced else "added"
    count = f"{res.features:,} features" if res.features is not None else "raster"
    console.print(f"[green]{what}[/] layer '{res.name}' (role {res.role}, {count}) from {path}", highlight=False)
    console.print(f"  stored in {res.stored_in}; catalog {res.catalog}", markup=False)
    console.print(f"  source CRS {res.source_crs}; source sha256 {res.source_sha256}", markup=False,
                  soft_wrap=True)
    if res.field_map:
        console.print("  fields: " + ", ".join(f"{s} -> {c}" for s, c in res.field_map.items()), markup=False)
    if year is None:
        console.print("  note: no --year given, so the layer's vintage is not recorded", markup=False)
    for r in res.repairs:
        console.print(f"  {r}", markup=False)
    for w in res.warnings:
        console.print(f"  {w}", markup=False)
    if save_mapping is not None:
        console.print(f"  mapping saved to {save_mapping}; next time: --mapping {save_mapping}", markup=False)


@app.command("remove")
@friendly_errors
def remove(
    name: Annotated[str, typer.Argument(help="The layer to take out of the catalog.")],
    catalog: EditCatalogOpt = Path("catalog.yaml"),
) -> None:
    """Take a layer out of the catalog (and out of the store, when `layers add` put it there)."""
    res = remove_layer(name, catalog=catalog)
    where = " and the store" if res.store_changed else ""
    if res.deleted_file is not None:
        where += f" (deleted {res.deleted_file.name})"
    console.print(f"removed layer '{res.name}' from {res.catalog}{where}", markup=False, highlight=False)
    for note in res.notes:
        console.print(f"  {note}", markup=False)


app.command("join")(join_command)  # its own module; registered last so `layers --help` lists it last
