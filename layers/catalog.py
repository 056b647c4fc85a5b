"""The layer catalog: a readable YAML file that lists every layer, its role and its field mapping."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from geo import METRIC_CRS, GeoError, RingDistances
from geo.yamltext import load_yaml

from .errors import CatalogError, LayerNotFoundError
from .joinspec import JoinSpec, parse_joins
from .postgis import PostgisSource, is_postgis_entry, parse_postgis
from .roles import load_roles

__all__ = ["LayerSpec", "Catalog", "load_catalog", "sample_catalog_path", "sha256_file", "default_parameters"]


@dataclass(frozen=True)
class LayerSpec:
    """One catalog entry.

    ``fields`` maps source field names to canonical field names of the role.
    ``classes`` (rasters only) maps raster values to ``{name, th, color, green}``.
    """

    name: str
    role: str
    source: Path
    layer: str | None = None
    id_field: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    crs: str | None = None
    encoding: str | None = None
    vintage: int | None = None
    description: str = ""
    classes: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: provenance written by ``ecotown layers add``: when, from which file (and its sha256 and CRS)
    added: str | None = None
    source_file: str | None = None
    source_sha256: str | None = None
    source_crs: str | None = None
    #: ``source: postgis``: the table or query to read (``source`` is then the catalog file itself)
    postgis: PostgisSource | None = None
    #: put before every id of the layer when it is read (``M-``: mine 7 becomes ``M-7``), so that layers numbered
    #: alike (factories 0, 1, 2 ... and mines 0, 1, 2 ...) keep distinct ids
    id_prefix: str | None = None
    #: attribute tables joined to the features by a key (``joins:``), applied whenever the layer is read
    joins: tuple[JoinSpec, ...] = ()
    #: a CSV or XLSX source: its coordinate columns ({lon: COL, lat: COL} or {x: COL, y: COL}) and the sheet
    coords: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None

    @property
    def is_postgis(self) -> bool:
        return self.postgis is not None

    @property
    def is_table(self) -> bool:
        """A table without geometry (a role with ``table: true``, such as ``exchanges``)."""
        return load_roles()[self.role].table

    @property
    def is_raster(self) -> bool:
        return load_roles()[self.role].raster

    @property
    def label(self) -> str:
        """How the layer is named in messages: its name and its file (and layer inside it)."""
        if self.postgis is not None:
            return self.postgis.describe()
        inner = f" layer '{self.layer}'" if self.layer else ""
        return f"{self.source}{inner}"

    @property
    def green_classes(self) -> list[int]:
        return sorted(int(k) for k, v in self.classes.items() if v.get("green"))


@dataclass(frozen=True)
class Catalog:
    """A parsed catalog file.

    ``rings`` holds the ring distances of ``parameters:`` (per facility kind, the green-share distance, the
    headline ring), checked once; ``rings_m`` and ``green_ring_m`` read them.
    """

    path: Path
    name: str
    town: str
    rings: RingDistances
    evidence: dict[int, Path]
    layers: dict[str, LayerSpec]
    #: the catalog's own target level and year ({"level": 4, "year": 2027}), overriding the criteria edition's
    target: dict[str, int] | None = None

    @property
    def rings_m(self) -> tuple[int, ...]:
        """Every ring distance of any facility kind, ascending (nominal metres)."""
        return self.rings.shown

    @property
    def green_ring_m(self) -> int:
        return self.rings.green_m

    def by_role(self, role: str) -> list[LayerSpec]:
        """Every layer with this role, in catalog order."""
        return [s for s in self.layers.values() if s.role == role]

    def one(self, role: str, *, required: bool = True) -> LayerSpec | None:
        """The single layer with ``role`` (the first if several), or None when optional and absent."""
        found = self.by_role(role)
        if not found:
            if required:
                raise LayerNotFoundError(
                    f"{self.path}: no layer with role '{role}' in the catalog "
                    f"(layers: {', '.join(self.layers) or 'none'}). Add one with role: {role}."
                )
            return None
        return found[0]

    def get(self, name: str) -> LayerSpec:
        try:
            return self.layers[name]
        except KeyError:
            raise LayerNotFoundError(
                f"{self.path}: no layer named '{name}'. Layers: {', '.join(self.layers) or 'none'}"
            ) from None


def sample_catalog_path() -> Path:
    """Path of the catalog of the bundled Nong Pho sample."""
    return Path(str(files(__package__) / "sample" / "catalog.yaml"))


#: (path, size, mtime, ctime, inode) -> sha256: one command reads a GeoPackage's layers one by one, and hashing a
#: large store once per layer cost a second at nation scale. Any write to the file changes its ctime.
_SHA_MEMO: dict[tuple, str] = {}


def sha256_file(path: Path, *, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes (remembered for the file as it is, so a file read twice is hashed once)."""
    st = os.stat(path)
    key = (os.path.realpath(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    hit = _SHA_MEMO.get(key)
    if hit is not None:
        return hit
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    if len(_SHA_MEMO) > 256:
        _SHA_MEMO.clear()
    _SHA_MEMO[key] = digest = h.hexdigest()
    return digest


def _resolve_source(base: Path, raw: str, where: str) -> Path:
    src = Path(raw)
    if not src.is_absolute():
        src = base / src
    src = src.resolve()
    if not src.exists():
        raise CatalogError(f"{where}: source file not found: {src}")
    return src


def _parse_layer(name: str, raw: Any, base: Path, cat_path: Path) -> LayerSpec:
    where = f"{cat_path}: layer '{name}'"
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: expected a mapping with at least 'role' and 'source'")
    roles = load_roles()
    role = raw.get("role")
    if role not in roles:
        raise CatalogError(f"{where}, field 'role': unknown role '{role}'. Roles: {', '.join(sorted(roles))}")
    if not raw.get("source"):
        raise CatalogError(f"{where}, field 'source' is missing")
    fields = raw.get("fields") or {}
    if not isinstance(fields, dict):
        raise CatalogError(f"{where}, field 'fields': expected a mapping of source name -> canonical name")
    known = roles[role].fields
    for src_name, canon in fields.items():
        if canon not in known:
            raise CatalogError(
                f"{where}, field 'fields': '{src_name}' maps to '{canon}', which role '{role}' does not have. "
                f"Fields of '{role}': {', '.join(known)}"
            )
    classes: dict[int, dict[str, Any]] = {}
    for k, v in (raw.get("classes") or {}).items():
        try:
            classes[int(k)] = dict(v or {})
        except (TypeError, ValueError):
            raise CatalogError(f"{where}, field 'classes': class key '{k}' is not an integer") from None
    id_prefix = raw.get("id_prefix")
    if id_prefix is not None and (not isinstance(id_prefix, (str, int)) or isinstance(id_prefix, bool)
                                  or not str(id_prefix).strip() or any(c.isspace() for c in str(id_prefix))):
        raise CatalogError(f"{where}, field 'id_prefix': expected a short text without spaces such as M-, got "
                           f"{id_prefix!r}")
    coords = raw.get("coords") or {}
    if not isinstance(coords, dict) or not set(map(str, coords)) <= {"lon", "lat", "x", "y"} or (
            coords and set(map(str, coords)) not in ({"lon", "lat"}, {"x", "y"})):
        raise CatalogError(f"{where}, field 'coords': expected {{lon: COLUMN, lat: COLUMN}} or {{x: COLUMN, y: COLUMN}} "
                           f"(the coordinate columns of a CSV or XLSX table), got {coords!r}")
    vintage = raw.get("vintage")
    if vintage is not None and not (isinstance(vintage, int) or str(vintage).strip().isdigit()):
        raise CatalogError(f"{where}, field 'vintage': expected a year such as 2026, got {vintage!r}")
    return LayerSpec(
        name=name,
        role=role,
        source=cat_path if is_postgis_entry(raw) else _resolve_source(base, str(raw["source"]), where),
        layer=raw.get("layer"),
        id_field=raw.get("id_field"),
        fields={str(k): str(v) for k, v in fields.items()},
        crs=raw.get("crs"),
        encoding=raw.get("encoding"),
        vintage=int(vintage) if vintage is not None else None,
        description=str(raw.get("description", "")),
        classes=classes,
        added=_opt_str(raw.get("added")),
        source_file=_opt_str(raw.get("source_file")),
        source_sha256=_opt_str(raw.get("source_sha256")),
        source_crs=_opt_str(raw.get("source_crs")),
        postgis=parse_postgis(raw, where) if is_postgis_entry(raw) else None,
        id_prefix=None if id_prefix is None else str(id_prefix),
        joins=parse_joins(raw.get("joins"), base=base, role=roles[role], where=where),
        coords={str(k): str(v) for k, v in coords.items()},
        sheet=_opt_str(raw.get("sheet")),
    )


@cache
def default_parameters() -> dict[str, Any]:
    """The defaults of a catalog's ``parameters:`` (``layers/parameters.yaml``)."""
    return load_yaml((files(__package__) / "parameters.yaml").read_text(encoding="utf-8"))


def _parse_rings(params: Any, cat_path: Path) -> RingDistances:
    """The ring distances of a catalog's ``parameters:``, defaults filled in, checked once."""
    if params is not None and not isinstance(params, dict):
        raise CatalogError(f"{cat_path}, field 'parameters': expected a mapping such as "
                           f"{{rings_m: [500, 1000, 3000, 5000], green_ring_m: 1000}}, got {params!r}")
    values = {**default_parameters(), **(params or {})}
    unknown = sorted(set(values) - set(default_parameters()))
    if unknown:
        raise CatalogError(f"{cat_path}, field 'parameters': unknown parameter(s) {', '.join(map(str, unknown))}; "
                           f"known: {', '.join(default_parameters())}")
    try:
        return RingDistances.parse(values["rings_m"], green_m=values["green_ring_m"],
                                   headline_m=values["headline_ring_m"])
    except GeoError as exc:
        raise CatalogError(f"{cat_path}, field 'parameters': {exc}") from None


def _opt_str(v: Any) -> str | None:
    return None if v is None else str(v)


def _parse_target(raw: Any, cat_path: Path) -> dict[str, int] | None:
    """``target: {level: 4, year: 2027}`` of the catalog (None when absent); which levels exist is the
    criteria edition's to check."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"level", "year"}:
        raise CatalogError(f"{cat_path}: field 'target' must be a mapping with exactly 'level' and 'year', "
                           f"e.g. target: {{level: 4, year: 2027}}; got {raw!r}")
    for k, lo, hi in (("level", 1, 99), ("year", 1900, 2200)):
        v = raw[k]
        if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
            raise CatalogError(f"{cat_path}: target.{k} must be a whole number from {lo} to {hi}"
                               + (" (the Gregorian year: พ.ศ. - 543)" if k == "year" else "") + f", got {v!r}")
    return {"level": int(raw["level"]), "year": int(raw["year"])}


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and check a catalog file (the bundled sample's when ``path`` is None).

    Raises
    ------
    CatalogError
        When the file is missing, is not valid YAML, or an entry is wrong; the message names the file,
        the layer and the field.
    """
    cat_path = Path(path).resolve() if path is not None else sample_catalog_path()
    if not cat_path.exists():
        raise CatalogError(f"catalog not found: {cat_path}")
    try:
        data = load_yaml(cat_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(f"{cat_path}: not valid YAML: {exc}") from None
    except UnicodeDecodeError:
        raise CatalogError(f"{cat_path}: not UTF-8 text") from None
    if not isinstance(data, dict) or not isinstance(data.get("layers"), dict):
        raise CatalogError(f"{cat_path}: expected a mapping with a 'layers' section")
    base = cat_path.parent
    layers = {str(n): _parse_layer(str(n), raw, base, cat_path) for n, raw in data["layers"].items()}
    rings = _parse_rings(data.get("parameters"), cat_path)
    crs = data.get("crs")
    if crs is not None and str(crs).upper() != METRIC_CRS:
        raise CatalogError(f"{cat_path}, field 'crs': ecotown measures every layer in {METRIC_CRS}, got {crs!r}; "
                           "remove the field, and give a layer's own CRS in its entry (crs: EPSG:4326)")
    evidence: dict[int, Path] = {}
    for year, p in (data.get("evidence") or {}).items():
        evidence[int(year)] = _resolve_source(base, str(p), f"{cat_path}: evidence {year}")
    town = str(data.get("town") or "")
    if town and town not in layers:
        raise CatalogError(f"{cat_path}: field 'town' names layer '{town}', which is not in the catalog")
    if not town:
        boundaries = [n for n, s in layers.items() if s.role == "boundary"]
        town = boundaries[0] if boundaries else ""
    return Catalog(
        path=cat_path,
        name=str(data.get("name") or cat_path.stem),
        town=town,
        rings=rings,
        evidence=evidence,
        layers=layers,
        target=_parse_target(data.get("target"), cat_path),
    )
