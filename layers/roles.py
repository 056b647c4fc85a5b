"""Layer roles and their field schemas, read from ``roles.yaml`` beside this module."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from typing import Any


from geo.yamltext import load_yaml

from .errors import CatalogError

__all__ = ["FieldSpec", "Role", "load_roles", "GEOMETRY_FAMILIES"]

#: shapely geometry type names accepted for each geometry family of a role
GEOMETRY_FAMILIES: dict[str, frozenset[str]] = {
    "point": frozenset({"Point", "MultiPoint"}),
    "line": frozenset({"LineString", "MultiLineString"}),
    "polygon": frozenset({"Polygon", "MultiPolygon"}),
}

_TYPES = {"str", "int", "float", "bool"}


@dataclass(frozen=True)
class FieldSpec:
    """A canonical field of a role."""

    name: str
    type: str
    required: bool = False
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] | None = None
    default: Any = None
    aliases: tuple[str, ...] = ()
    #: ``FILE.yaml#SECTION``: the words that mean each allowed value (see :mod:`layers.vocab`)
    vocabulary: str | None = None
    #: how the field is filled in when the source lacks it: (("from", field), ("via", FILE.yaml#SECTION), ...)
    derive: tuple[tuple[str, str], ...] | None = None


@dataclass(frozen=True)
class Role:
    """What a layer of this role must look like."""

    name: str
    description: str
    geometry: tuple[str, ...] = ()
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    min_features: int = 0
    raster: bool = False
    #: a table without geometry (``table: true``: CSV or XLSX, stored in tables/ beside the catalog)
    table: bool = False
    #: the field whose values become the ids of a layer added without ``--id-field`` (a factory's registration
    #: number, a mine's concession number), when every feature has one and no two share it
    id_from: str | None = None

    @property
    def geometry_types(self) -> frozenset[str]:
        out: set[str] = set()
        for fam in self.geometry:
            out |= GEOMETRY_FAMILIES[fam]
        return frozenset(out)


def _derive(raw: Any, where: str) -> tuple[tuple[str, str], ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not raw.get("from") or not raw.get("via"):
        raise CatalogError(f"{where}: 'derive' needs 'from' (a field) and 'via' (FILE.yaml#SECTION)")
    return tuple((str(k), str(v)) for k, v in raw.items())


def _parse_role(name: str, raw: dict[str, Any], source: str) -> Role:
    if raw.get("raster"):
        return Role(name=name, description=raw.get("description", ""), raster=True)
    geom = raw.get("geometry")
    geoms = tuple([geom] if isinstance(geom, str) else (geom or []))
    for g in geoms:
        if g not in GEOMETRY_FAMILIES:
            raise CatalogError(f"{source}: role '{name}': unknown geometry '{g}' (use point, line or polygon)")
    fields: dict[str, FieldSpec] = {}
    for fname, fraw in (raw.get("fields") or {}).items():
        ftype = fraw.get("type", "str")
        if ftype not in _TYPES:
            raise CatalogError(f"{source}: role '{name}', field '{fname}': unknown type '{ftype}'")
        allowed = fraw.get("allowed")
        fields[fname] = FieldSpec(
            name=fname,
            type=ftype,
            required=bool(fraw.get("required", False)),
            min=fraw.get("min"),
            max=fraw.get("max"),
            allowed=tuple(allowed) if allowed else None,
            default=fraw.get("default"),
            aliases=tuple(str(a) for a in fraw.get("aliases", []) or []),
            vocabulary=fraw.get("vocabulary"),
            derive=_derive(fraw.get("derive"), f"{source}: role '{name}', field '{fname}'"),
        )
    return Role(
        name=name,
        description=raw.get("description", ""),
        geometry=geoms,
        fields=fields,
        min_features=int(raw.get("min_features", 0)),
        table=bool(raw.get("table", False)),
        id_from=_id_from(raw.get("id_from"), fields, f"{source}: role '{name}'"),
    )


def _id_from(raw: Any, fields: dict[str, FieldSpec], where: str) -> str | None:
    if raw is None:
        return None
    if str(raw) not in fields or fields[str(raw)].type != "str":
        raise CatalogError(f"{where}: 'id_from' must name one of the role's text fields, not '{raw}'")
    return str(raw)


@lru_cache(maxsize=1)
def load_roles() -> dict[str, Role]:
    """Return the roles defined in the bundled ``roles.yaml``, by name."""
    res = files(__package__) / "roles.yaml"
    data = load_yaml(res.read_text(encoding="utf-8"))
    return {name: _parse_role(name, raw, "roles.yaml") for name, raw in data["roles"].items()}
