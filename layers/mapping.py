"""Field mappings for ``layers add``: which source field becomes which canonical field, saved for next year's file.

A mapping file is YAML::

    # made by: ecotown layers add diw_2026.shp --role factories --save-mapping factories-mapping.yaml
    role: factories
    id_field: ทะเบียนโรงงาน
    crs: EPSG:24047            # only when the files carry no CRS of their own
    encoding: cp874            # only when the text needs it
    fields:
      ชื่อโรงงาน: name
      ประเภท: category
    classes:                   # rasters only: class value -> name, green
      5: {name: forest, green: true}
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from geo.yamltext import load_yaml

from .atomic import atomic_write_text
from .errors import CatalogError
from .formats import COORD_KEYS
from .roles import load_roles

__all__ = ["FieldMapping", "parse_map_options", "load_mapping", "save_mapping"]


@dataclass(frozen=True)
class FieldMapping:
    """How to read a source file: source field -> canonical field, id field, CRS, encoding, layer, classes."""

    role: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    id_field: str | None = None
    crs: str | None = None
    encoding: str | None = None
    layer: str | None = None
    classes: dict[int, dict[str, Any]] = field(default_factory=dict)

    def merged(self, other: FieldMapping) -> FieldMapping:
        """This mapping with every setting ``other`` gives taking precedence."""
        return replace(
            self,
            role=other.role or self.role,
            fields={**self.fields, **other.fields},
            id_field=other.id_field or self.id_field,
            crs=other.crs or self.crs,
            encoding=other.encoding or self.encoding,
            layer=other.layer or self.layer,
            classes=other.classes or self.classes,
        )

    @property
    def coords(self) -> dict[str, str]:
        """CSV coordinate columns named in the mapping (``{'lon': 'E_WGS', ...}``)."""
        return {canon: src for src, canon in self.fields.items() if canon in COORD_KEYS}

    @property
    def attributes(self) -> dict[str, str]:
        return {src: canon for src, canon in self.fields.items() if canon not in COORD_KEYS}

    def check(self, role: str, where: str) -> None:
        """Refuse a mapping onto a field the role does not have, naming the field and the role's fields."""
        spec = load_roles()[role]
        for src, canon in self.fields.items():
            if canon in COORD_KEYS:
                continue
            if canon not in spec.fields:
                raise CatalogError(
                    f"{where}: '{src}' is mapped to '{canon}', which role '{role}' does not have. Fields of "
                    f"'{role}': {', '.join(spec.fields)} (and lon, lat, x, y for CSV coordinate columns)")
        targets = [c for c in self.fields.values()]
        dup = sorted({c for c in targets if targets.count(c) > 1})
        if dup:
            raise CatalogError(f"{where}: several source fields are mapped to {', '.join(dup)}; map one each")


def parse_map_options(items: list[str] | None) -> dict[str, str]:
    """``['ชื่อโรงงาน=name', 'fac_reg=registry_no']`` -> ``{'ชื่อโรงงาน': 'name', ...}``."""
    out: dict[str, str] = {}
    for item in items or []:
        src, sep, dst = item.partition("=")
        if not sep or not src.strip() or not dst.strip():
            raise CatalogError(f"--map {item!r}: write it as SOURCE_FIELD=CANONICAL_FIELD (e.g. --map fac_reg=registry_no)")
        out[src.strip()] = dst.strip()
    return out


def load_mapping(path: Path) -> FieldMapping:
    """Read a mapping file saved with ``--save-mapping`` (or written by hand)."""
    path = Path(path)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"mapping file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from None
    except UnicodeDecodeError:
        raise CatalogError(f"{path}: not UTF-8 text") from None
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: expected a mapping with 'fields' (and optionally role, id_field, crs)")
    fields = data.get("fields") or {}
    if not isinstance(fields, dict):
        raise CatalogError(f"{path}, field 'fields': expected SOURCE: canonical pairs")
    classes: dict[int, dict[str, Any]] = {}
    for k, v in (data.get("classes") or {}).items():
        try:
            classes[int(k)] = dict(v or {})
        except (TypeError, ValueError):
            raise CatalogError(f"{path}, field 'classes': class key '{k}' is not an integer") from None
    unknown = sorted(set(data) - {"role", "fields", "id_field", "crs", "encoding", "layer", "classes"})
    if unknown:
        raise CatalogError(f"{path}: unknown key(s) {', '.join(unknown)}; a mapping has role, fields, id_field, "
                           "crs, encoding, layer, classes")
    role = data.get("role")
    if role is not None and role not in load_roles():
        raise CatalogError(f"{path}, field 'role': unknown role '{role}'. Roles: {', '.join(sorted(load_roles()))}")

    def opt(key: str) -> str | None:
        v = data.get(key)
        return None if v is None else str(v)

    return FieldMapping(role=role, fields={str(k): str(v) for k, v in fields.items()}, id_field=opt("id_field"),
                        crs=opt("crs"), encoding=opt("encoding"), layer=opt("layer"), classes=classes)


def save_mapping(mapping: FieldMapping, path: Path, *, made_by: str = "") -> None:
    """Write ``mapping`` as YAML (temp file + rename, so an old mapping file is never half overwritten)."""
    path = Path(path)
    data: dict[str, Any] = {"role": mapping.role}
    if mapping.id_field:
        data["id_field"] = mapping.id_field
    for key in ("crs", "encoding", "layer"):
        if getattr(mapping, key):
            data[key] = getattr(mapping, key)
    data["fields"] = dict(mapping.fields)
    if mapping.classes:
        data["classes"] = {int(k): v for k, v in sorted(mapping.classes.items())}
    head = "# ecotown field mapping: reuse it with  ecotown layers add FILE --mapping " + path.name + "\n"
    if made_by:
        head += f"# made by: {made_by}\n"
    text = head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    atomic_write_text(path, text)
