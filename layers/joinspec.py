"""The ``joins`` of a catalog layer: attribute tables (certificate lists, population tables, complaint logs)
matched to the layer's features by a key, as the catalog writes them::

    factories:
      role: factories
      source: registry/factories.csv
      id_field: เลขทะเบียนโรงงานแบบใหม่
      joins:
        - name: gi_certificates
          source: tables/gi_certificates.csv
          on: เลขทะเบียนโรงงาน            # the key column of the table
          to_field: registry_no          # the layer field it matches (default: the layer's id)
          fields: {ระดับ: gi_level}        # table column -> canonical field of the layer's role
          aggregate: max                 # count | sum | max | latest (several rows per key)
          date_field: วันที่ออก
          expires_field: วันหมดอายุ
          vintage: 2026

This module only parses and checks the entry; :mod:`layers.join` reads the tables and applies them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CatalogError
from .roles import Role

__all__ = ["JoinSpec", "AGGREGATES", "NUMERIC", "parse_joins", "check_join_fields"]

#: how several rows of one key become one value
AGGREGATES = ("count", "sum", "max", "latest")
NUMERIC = ("int", "float")

_KEYS = {"name", "source", "sheet", "layer", "encoding", "on", "to_field", "fields", "aggregate", "date_field",
         "expires_field", "vintage", "added", "source_file", "source_sha256", "description"}


@dataclass(frozen=True)
class JoinSpec:
    """One attribute table joined to a layer (see the module docstring for the catalog form)."""

    name: str
    source: Path
    on: str
    fields: dict[str, str] = field(default_factory=dict)
    to_field: str | None = None
    aggregate: str | None = None
    date_field: str | None = None
    expires_field: str | None = None
    sheet: str | None = None
    layer: str | None = None
    encoding: str | None = None
    vintage: int | None = None
    added: str | None = None
    source_file: str | None = None
    source_sha256: str | None = None

    @property
    def label(self) -> str:
        inner = f" sheet '{self.sheet}'" if self.sheet else (f" table '{self.layer}'" if self.layer else "")
        return f"{self.source}{inner}"


def check_join_fields(fields: dict[str, str], role: Role, aggregate: str | None, date_field: str | None,
                      where: str) -> None:
    """Refuse fields the role does not have, and aggregations that cannot be made of them."""
    if aggregate is not None and aggregate not in AGGREGATES:
        raise CatalogError(f"{where}: unknown aggregate '{aggregate}'; use one of {', '.join(AGGREGATES)}")
    if aggregate == "latest" and not date_field:
        raise CatalogError(f"{where}: aggregate 'latest' needs the date column that says which row is latest "
                           "(date_field, --date-field)")
    if not fields:
        raise CatalogError(f"{where}: no table column is mapped to a field of role '{role.name}'; map one, e.g. "
                           f"--map COLUMN=FIELD (fields of '{role.name}': {', '.join(role.fields)})")
    targets = list(fields.values())
    for src, canon in fields.items():
        if canon not in role.fields:
            raise CatalogError(f"{where}: column '{src}' is mapped to '{canon}', which role '{role.name}' does not "
                               f"have. Fields of '{role.name}': {', '.join(role.fields)}")
        if targets.count(canon) > 1:
            raise CatalogError(f"{where}: several columns are mapped to '{canon}'; map one each")
        ftype = role.fields[canon].type
        if aggregate in ("sum", "max") and ftype not in NUMERIC:
            raise CatalogError(f"{where}: aggregate '{aggregate}' needs numbers, but '{canon}' is {ftype} "
                               f"(column '{src}'); use 'latest', or join without several rows per key")
        if aggregate == "count" and ftype != "int":
            raise CatalogError(f"{where}: aggregate 'count' gives a number of rows, but '{canon}' is {ftype}")
    if aggregate == "count" and len(fields) != 1:
        raise CatalogError(f"{where}: aggregate 'count' fills one field with the number of rows per key; map "
                           f"exactly one column to it (e.g. --map ANYCOLUMN=complaints), not {len(fields)}")


def _opt(v: Any) -> str | None:
    return None if v is None else str(v)


def parse_joins(raw: Any, *, base: Path, role: Role, where: str) -> tuple[JoinSpec, ...]:
    """The ``joins`` list of one catalog layer entry, checked (names unique, files present, fields known)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise CatalogError(f"{where}, field 'joins': expected a list of tables (- name: ..., source: ..., on: ...)")
    if role.raster:
        raise CatalogError(f"{where}, field 'joins': a raster layer has no features to join a table to")
    out: list[JoinSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise CatalogError(f"{where}, joins item {i + 1}: expected a mapping with source, on and fields")
        source = item.get("source")
        name = str(item.get("name") or (Path(str(source)).stem if source else ""))
        w = f"{where}, join '{name or i + 1}'"
        unknown = sorted(set(map(str, item)) - _KEYS)
        if unknown:
            raise CatalogError(f"{w}: unknown key(s) {', '.join(unknown)}; a join has {', '.join(sorted(_KEYS))}")
        if not source:
            raise CatalogError(f"{w}, field 'source' is missing")
        if name in seen:
            raise CatalogError(f"{w}: the layer has two joins named '{name}'; give each its own name")
        seen.add(name)
        path = Path(str(source))
        path = (path if path.is_absolute() else base / path).resolve()
        if not path.exists():
            raise CatalogError(f"{w}: table file not found: {path}")
        if not item.get("on"):
            raise CatalogError(f"{w}, field 'on' is missing: name the table's key column")
        fields = item.get("fields") or {}
        if not isinstance(fields, dict):
            raise CatalogError(f"{w}, field 'fields': expected a mapping of table column -> canonical field")
        fields = {str(k): str(v) for k, v in fields.items()}
        aggregate = _opt(item.get("aggregate"))
        check_join_fields(fields, role, aggregate, _opt(item.get("date_field")), f"{w}, field 'fields'")
        vintage = item.get("vintage")
        if vintage is not None and not str(vintage).strip().isdigit():
            raise CatalogError(f"{w}, field 'vintage': expected a year such as 2026, got {vintage!r}")
        out.append(JoinSpec(
            name=name, source=path, on=str(item["on"]), fields=fields, to_field=_opt(item.get("to_field")),
            aggregate=aggregate, date_field=_opt(item.get("date_field")),
            expires_field=_opt(item.get("expires_field")), sheet=_opt(item.get("sheet")),
            layer=_opt(item.get("layer")), encoding=_opt(item.get("encoding")),
            vintage=int(vintage) if vintage is not None else None, added=_opt(item.get("added")),
            source_file=_opt(item.get("source_file")), source_sha256=_opt(item.get("source_sha256"))))
    return tuple(out)
