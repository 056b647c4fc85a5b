"""``layers add`` and ``layers remove``: put a checked layer into the project's store and catalog, or take it out.

Either the layer is valid, converted to EPSG:32647, written into the store and recorded in the catalog — or
nothing changes and the error says what to fix (file, feature, field). See :mod:`layers.store` for how the
store and catalog are swapped in only when the new versions are complete.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pyproj import CRS
from pyproj.exceptions import CRSError as _PyprojCRSError

from . import observations
from .atomic import writable_problem
from .catalog import LayerSpec, load_catalog, sample_catalog_path, sha256_file
from .catalog_edit import catalog_text_with, read_catalog_data
from .errors import (
    CatalogError,
    LayerError,
    LayerReadError,
    LayerValidationError,
    Problem,
)
from .formats import folder_message, format_of, is_raster_file, open_vector
from .mapping import FieldMapping, save_mapping
from .raster_add import stage_raster
from .read import inspect_frame
from .repair import Repair, repair_geometries
from .roles import load_roles
from .store import (
    RASTER_DIR,
    STORE_NAME,
    Transaction,
    check_store,
    delete_store_layer,
    project_lock,
    raster_path,
    store_path,
    write_store_layer,
)

__all__ = [
    "AddResult",
    "RemoveResult",
    "add_layer",
    "check_id_prefix",
    "check_layer_name",
    "default_layer_name",
    "remove_layer",
]

_NAME = re.compile(r"^[A-Za-z0-9_\u0e00-\u0e7f][A-Za-z0-9_\-\u0e00-\u0e7f]{0,62}$")
#: what a default layer name keeps of a file name: every Thai character (vowels and tone marks too), not only \w
_NOT_NAME = re.compile(r"[^A-Za-z0-9_\-\u0e00-\u0e7f]+")
_PREFIX = re.compile(r"^[^\s'\"\\/]{1,20}$")


@dataclass
class AddResult:
    """What ``add_layer`` did."""

    name: str
    role: str
    catalog: Path
    stored_in: Path
    features: int | None
    source_sha256: str
    source_crs: str | None
    replaced: bool = False
    field_map: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    mapping: FieldMapping | None = None


@dataclass
class RemoveResult:
    name: str
    catalog: Path
    store_changed: bool
    deleted_file: Path | None = None
    notes: list[str] = field(default_factory=list)


def check_layer_name(name: str) -> None:
    """Refuse names that could not be a GeoPackage layer or that would point outside the project (``../x``)."""
    if not _NAME.match(name or ""):
        raise CatalogError(
            f"layer name {name!r} cannot be used: a name is 1-63 letters (Thai or English), digits, '_' or '-', "
            "and no '/', '\\', '..' or spaces, so that the layer stays inside the project's store")


def default_layer_name(src: Path, role: str) -> str:
    """The layer name a file gives when --name is not given: its name with every Thai character kept
    (``หมู่บ้านใหม่.csv`` -> ``หมู่บ้านใหม่``), other characters that a name cannot hold turned into ``_``."""
    stem = unicodedata.normalize("NFC", src.stem)
    name = _NOT_NAME.sub("_", stem).strip("_-")[:63].rstrip("_-")
    return name or role


def check_id_prefix(prefix: str, where: str = "--id-prefix") -> str:
    """A prefix put before every id of a layer (``M-`` makes mine 7 ``M-7``): 1-20 characters, no spaces."""
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        raise CatalogError(f"{where}: id prefix {prefix!r} cannot be used; give 1-20 characters without spaces, "
                           "quotes or slashes, e.g. M- or F-")
    return prefix


def _stored_names(catalog: Path, data: dict) -> list[str]:
    store = store_path(catalog)
    return [str(n) for n, e in data["layers"].items() if _own_file(catalog, e) == store]


def _check_name(catalog: Path, data: dict, name: str, replace_existing: bool) -> Any:
    """The catalog entry of ``name`` (None when new), or refuse: taken without --replace, or --replace of nothing."""
    old = data["layers"].get(name)
    if old is not None and not replace_existing:
        raise CatalogError(f"{catalog}: a layer named '{name}' is already in the catalog (role "
                           f"{old.get('role') if isinstance(old, dict) else '?'}); use --replace to update it with "
                           "this file, or --name to add it under another name")
    if old is None and replace_existing:
        raise CatalogError(f"{catalog}: --replace: there is no layer named '{name}' to replace. Layers: "
                           f"{', '.join(map(str, data['layers'])) or 'none'}. Give the name of the layer to "
                           "replace with --name, or leave out --replace to add a new layer")
    return old


def _check_catalog_path(catalog: Path) -> Path:
    catalog = Path(catalog).resolve()
    if catalog == sample_catalog_path().resolve() or sample_catalog_path().parent in catalog.parents:
        raise CatalogError(f"{catalog}: the bundled sample is read-only; give your own catalog with --catalog "
                           "my/catalog.yaml (it is created when it does not exist)")
    if catalog.suffix.lower() not in (".yaml", ".yml"):
        raise CatalogError(f"{catalog}: a catalog is a YAML file (catalog.yaml)")
    if catalog.is_dir():
        raise CatalogError(f"{catalog}: is a folder; give the catalog file, e.g. {catalog / 'catalog.yaml'}")
    return catalog


def _check_crs(crs: str | None, where: str) -> str | None:
    if crs is None:
        return None
    text = crs.strip()
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        c = CRS.from_user_input(text)
    except _PyprojCRSError:
        raise CatalogError(f"{where}: unknown CRS '{crs}'. Give an EPSG code such as EPSG:4326 (lon/lat), "
                           "EPSG:32647 (UTM 47N), EPSG:32648 (UTM 48N) or EPSG:24047 (Indian 1975 / UTM 47N)") \
            from None
    if not (c.is_projected or c.is_geographic):
        raise CatalogError(f"{where}: CRS '{crs}' is neither geographic nor projected; it cannot be converted")
    return text


def _crs_label(crs) -> str | None:
    if crs is None:
        return None
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_string()


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


def _prefix(given: str | None, old: Any) -> str | None:
    if given is not None:
        return given
    return str(old["id_prefix"]) if isinstance(old, dict) and old.get("id_prefix") else None


def _ids_from(gdf, canon: str, field_map: dict[str, str]) -> tuple[str | None, str]:
    """A layer added without --id-field takes the values of its ``canon`` field (a factory's registration number)
    as ids, in place of the row numbers, when every feature has one and no two share it. Returns the source field
    used (None when the row numbers stay) and a line saying what was done."""
    source = next((s for s, c in field_map.items() if c == canon), None)
    if source is None or canon not in gdf.columns:
        return None, ""
    text = gdf[canon].fillna("")  # text already, stripped by the role's checks; missing is None
    empty, repeated = int((text == "").sum()), text[text != ""].duplicated(keep=False)
    if empty or repeated.any():
        why = (f"{empty} feature(s) have no {canon}" if empty else
               f"{canon} '{text[text != ''][repeated].iloc[0]}' is used by more than one feature")
        return None, (f"ids: the row numbers ({why}); give the id field with --id-field to use your own")
    gdf["id"] = text.to_numpy(dtype=object)
    return source, f"ids: the {canon} field '{source}' (no --id-field given)"


def _entry(role: str, source: str, *, layer: str | None, id_field: str | None, year: int | None,
           src: Path, sha: str, src_crs: str | None, classes: dict | None = None,
           description: str = "", id_prefix: str | None = None) -> dict[str, Any]:
    e: dict[str, Any] = {"role": role, "source": source}
    if layer:
        e["layer"] = layer
    if id_field:
        e["id_field"] = id_field
    if id_prefix:
        e["id_prefix"] = id_prefix
    if year is not None:
        e["vintage"] = int(year)
    if description:
        e["description"] = description
    if classes:
        e["classes"] = {int(k): dict(v) for k, v in sorted(classes.items())}
    e["added"] = _now()
    e["source_file"] = str(src.resolve())
    e["source_sha256"] = sha
    if src_crs:
        e["source_crs"] = src_crs
    return e


def _town_cover(catalog: Path) -> tuple[tuple[float, float, float, float] | None, str | None]:
    """The box a land-cover raster must cover (town plus the largest ring, EPSG:32647), or why it is unknown."""
    if not catalog.exists():
        return None, "the catalog has no boundary layer yet"
    try:
        cat = load_catalog(catalog)
        town = cat.layers.get(cat.town)
        if town is None:
            return None, "the catalog has no boundary layer yet"
        from .read import read_layer

        x0, y0, x1, y1 = read_layer(town).total_bounds
    except LayerError as exc:
        return None, f"the catalog's town layer cannot be read ({str(exc).splitlines()[0]})"
    m = max(cat.rings_m)
    return (x0 - m, y0 - m, x1 + m, y1 + m), None


def add_layer(path: str | Path, *, role: str, catalog: str | Path, name: str | None = None,
              mapping: FieldMapping | None = None, year: int | None = None, repair: bool = False,
              replace_existing: bool = False, save_mapping_to: str | Path | None = None,
              description: str = "", id_prefix: str | None = None, lock_timeout: float | None = None,
              sheet: str | None = None, append: bool = False) -> AddResult:
    """Check the layer in ``path`` against ``role`` and add it to the catalog's store (or raise, changing nothing).

    ``mapping`` gives the source field -> canonical field mapping, id field, CRS (for files without one),
    text encoding and the layer inside the file; ``sheet`` the sheet of an XLSX workbook. The catalog is created
    when it does not exist. ``id_prefix`` is recorded in the entry and put before every id when the layer is read
    (``--replace`` keeps the old entry's prefix unless a new one is given). The project is locked
    (:func:`layers.store.project_lock`) from re-reading the catalog to the commit; ``lock_timeout`` is how long to
    wait for another writer. ``append`` (role ``observations`` only) adds the notes to the stored layer of that
    name, each note once (:mod:`layers.observations`).

    Raises
    ------
    CatalogError
        Unknown role, bad name, name already taken (without ``replace_existing``), bad mapping or CRS.
    LayerReadError
        The file cannot be read, is not spatial, or is a raster given a vector role (or the reverse).
    LayerValidationError
        The layer has problems; each names the file, the feature and the field.
    """
    src = Path(path)
    roles = load_roles()
    mapping = mapping or FieldMapping()
    if role not in roles:
        raise CatalogError(f"unknown role '{role}'. Roles: {', '.join(sorted(roles))} (see layers/roles.yaml)")
    if mapping.role and mapping.role != role:
        raise CatalogError(f"the mapping is for role '{mapping.role}', but --role is '{role}'")
    mapping = replace(mapping, role=role)
    if append and role != observations.ROLE:
        raise CatalogError(f"--append adds notes to a layer of role '{observations.ROLE}'; for role '{role}' use "
                           "--replace (or a new --name)")
    catalog = _check_catalog_path(Path(catalog))
    if not src.exists():
        raise LayerReadError(f"{src}: file not found")
    if src.is_dir():
        raise LayerReadError(folder_message(src))
    name = name or default_layer_name(src, role)
    check_layer_name(name)
    if append:  # to the stored layer of that name, or a new layer when there is none yet
        replace_existing = name in _stored_names(catalog, read_catalog_data(catalog)[1]) if catalog.exists() \
            else False
    mapping.check(role, "--map")
    crs = _check_crs(mapping.crs, "--crs")
    if id_prefix is not None:
        check_id_prefix(id_prefix)
    if save_mapping_to is not None:
        why = writable_problem(Path(save_mapping_to))
        if why:
            raise CatalogError(f"--save-mapping {save_mapping_to}: cannot be written ({why}); nothing was changed. "
                               "Give a file in a folder you can write to")
    # checked here to fail fast, and again under the lock before anything is written
    text, data = read_catalog_data(catalog)
    old = _check_name(catalog, data, name, replace_existing)
    check_store(store_path(catalog), _stored_names(catalog, data))
    if year is not None and not 1800 <= int(year) <= 2200:
        raise CatalogError(f"--year {year}: give the Gregorian year of the data (e.g. 2026 for พ.ศ. 2569)")
    role_spec = roles[role]
    if role_spec.raster != is_raster_file(src) and format_of(src) is not None:
        if role_spec.raster:
            raise LayerReadError(f"{src}: is a {format_of(src)} layer, but role '{role}' needs a raster "
                                 "(GeoTIFF .tif)")
        raise LayerReadError(f"{src}: is a raster ({format_of(src)}), but role '{role}' needs "
                             f"{' or '.join(role_spec.geometry)} features")
    if id_prefix is not None and role_spec.raster:
        raise CatalogError(f"--id-prefix {id_prefix}: a raster has no feature ids; leave it out for role '{role}'")
    sha = sha256_file(src)
    if role_spec.table:  # a table without geometry (exchanges): checked, copied into tables/, recorded
        from .exchanges import add_exchanges

        with project_lock(catalog, timeout=lock_timeout) as lock:
            stored, rows, replaced = add_exchanges(src, catalog=catalog, name=name, fields=mapping.attributes,
                                                   year=year, replace_existing=replace_existing, sheet=sheet,
                                                   encoding=mapping.encoding, description=description, sha=sha)
        return AddResult(name=name, role=role, catalog=catalog, stored_in=stored, features=rows, source_sha256=sha,
                         source_crs=None, replaced=replaced, warnings=lock.notes())
    if role_spec.raster:
        return _add_raster(src, role, catalog, name, mapping, crs, year, replace_existing, sha,
                           save_mapping_to, description, lock_timeout)

    source = open_vector(src, layer=mapping.layer, encoding=mapping.encoding, coords_map=mapping.coords,
                         id_field=mapping.id_field, crs=crs, layer_name=name, sheet=sheet)
    raw = source.gdf
    warnings = list(source.notes)
    if len(raw) == 0:
        raise LayerValidationError(name, [Problem(layer=name, source=str(src), message=(
            "the layer is empty: it has no features. Check that you exported the right layer"))])
    for s, c in mapping.attributes.items():
        if s not in raw.columns:
            raise LayerValidationError(name, [Problem(layer=name, source=str(src), field=s, message=(
                f"the mapping names source field '{s}' (for '{c}'), which the file does not have. Fields: "
                f"{', '.join(str(x) for x in raw.columns if x != 'geometry')}"))])
    if mapping.id_field and mapping.id_field not in raw.columns:
        raise LayerValidationError(name, [Problem(layer=name, source=str(src), field=mapping.id_field, message=(
            f"id field '{mapping.id_field}' is not in the layer. Fields: "
            f"{', '.join(str(x) for x in raw.columns if x != 'geometry')}"))])
    if crs is None and raw.crs is None:
        raise LayerValidationError(name, [Problem(layer=name, source=str(src), message=(
            "the layer has no CRS (no .prj file, or x/y columns without a CRS). Say which CRS the coordinates "
            "are in with --crs, e.g. --crs EPSG:32647 (UTM 47N), --crs EPSG:32648 (UTM 48N), --crs EPSG:24047 "
            "(Indian 1975 / UTM 47N) or --crs EPSG:4326 (lon/lat)"))])
    if raw.crs is not None and crs is None:
        try:
            CRS.from_user_input(raw.crs).to_wkt()
            if not (raw.crs.is_projected or raw.crs.is_geographic):
                raise _PyprojCRSError("not projected or geographic")
        except _PyprojCRSError:
            raise LayerValidationError(name, [Problem(layer=name, source=str(src), message=(
                f"the file's CRS ({raw.crs.to_string()[:80]}) cannot be used; give the right one with --crs"))]) \
                from None
    if crs is not None:
        raw = raw.set_crs(crs, allow_override=True)
    elif raw.crs.to_epsg() is None:
        # a .prj in ESRI wording: use the EPSG definition it matches, so the right datum shift is applied
        code = raw.crs.to_epsg(min_confidence=70)
        if code is not None:
            raw = raw.set_crs(f"EPSG:{code}", allow_override=True)
    original_crs = _crs_label(raw.crs)
    repairs: list[Repair] = []
    if repair:
        ids = (raw[mapping.id_field].astype(str).tolist() if mapping.id_field
               else [str(i + 1) for i in range(len(raw))])
        raw, repairs = repair_geometries(raw, ids)
    spec = LayerSpec(name=name, role=role, source=src.resolve(), layer=source.layer, id_field=mapping.id_field,
                     fields=mapping.attributes, crs=None, encoding=source.encoding, vintage=year)
    res = inspect_frame(raw, spec, sha256=sha, no_crs_hint="Give it with --crs EPSG:xxxx",
                       map_hint="Name the source field that holds it with --map SOURCE={canon}")
    if res.errors or res.gdf is None:
        errs = res.errors
        if not repair and any("invalid geometry" in p.message for p in errs):
            errs = errs + [Problem(layer=name, source=str(src), severity="error", message=(
                "invalid geometries can be repaired with --repair (make_valid; the area change of each is "
                "reported), or fixed in QGIS (Vector > Geometry Tools > Fix Geometries)"))]
        raise LayerValidationError(name, errs or [Problem(layer=name, source=str(src),
                                                          message="the layer could not be read")])
    warnings += [str(p) for p in res.warnings]
    gdf = res.gdf
    id_field = mapping.id_field
    if id_field is None and role_spec.id_from:  # an office registry: its registration numbers are the ids
        id_field, note = _ids_from(gdf, role_spec.id_from, res.field_map)
        if note:
            warnings.append(note)
    if role == observations.ROLE:
        gdf, repeated = observations.prepare_observations(gdf, layer=name, source=str(src))
        if repeated:
            warnings.append(f"{repeated} note(s) appear twice in {src.name} (same time, position and text): kept once")
    store = store_path(catalog)
    with project_lock(catalog, timeout=lock_timeout) as lock:
        text, data = read_catalog_data(catalog)  # as it is now: another writer may have changed it meanwhile
        old = _check_name(catalog, data, name, replace_existing)
        check_store(store, _stored_names(catalog, data))
        entry = _entry(role, STORE_NAME, layer=name, id_field="id", year=year, src=src, sha=sha,
                       src_crs=original_crs, description=description, id_prefix=_prefix(id_prefix, old))
        if isinstance(old, dict) and old.get("joins") and old.get("role") == role:
            entry["joins"] = old["joins"]  # next year's layer keeps its joined tables (checked when it is read)
        if append and old is not None:
            gdf, added, known = observations.append_observations(store, name, gdf)
            warnings.append(f"{added} new note(s) added to '{name}'" + (
                f"; {known} already stored (same time, position and text) not added again" if known else ""))
        with Transaction() as txn:
            write_store_layer(txn, store, name, gdf)
            txn.stage_text(catalog, catalog_text_with(catalog, text, data, name, entry))
            txn.commit()
        warnings += lock.notes()
    mapped = FieldMapping(role=role, fields={**{s: c for s, c in res.field_map.items()},
                                             **{s: k for k, s in mapping.coords.items()}},
                          id_field=id_field, crs=crs, encoding=source.encoding, layer=mapping.layer)
    if save_mapping_to is not None:
        save_mapping(mapped, Path(save_mapping_to), made_by=f"ecotown layers add {src.name} --role {role}")
    return AddResult(name=name, role=role, catalog=catalog, stored_in=store, features=len(gdf), source_sha256=sha,
                     source_crs=original_crs, replaced=old is not None, field_map=res.field_map,
                     warnings=warnings, repairs=repairs, mapping=mapped)


def _own_file(catalog: Path, entry: Any) -> Path | None:
    """The file an entry points at, when it is inside the catalog's folder (None otherwise)."""
    if not isinstance(entry, dict) or not entry.get("source"):
        return None
    p = Path(str(entry["source"]))
    p = (catalog.parent / p).resolve() if not p.is_absolute() else p.resolve()
    return p if catalog.parent in p.parents else None


def _add_raster(src: Path, role: str, catalog: Path, name: str, mapping: FieldMapping, crs: str | None,
                year: int | None, replace_existing: bool, sha: str, save_mapping_to, description: str,
                lock_timeout: float | None) -> AddResult:
    target = raster_path(catalog, name)
    cover, why_not = _town_cover(catalog)
    with project_lock(catalog, timeout=lock_timeout) as lock, Transaction() as txn:
        text, data = read_catalog_data(catalog)
        old = _check_name(catalog, data, name, replace_existing)
        classes = mapping.classes or (old.get("classes") if isinstance(old, dict) else None) or {}
        info, warnings = stage_raster(txn, src, target, name=name, role=role, crs=crs, classes=classes,
                                      must_cover=cover)
        if why_not:
            warnings.append(f"coverage of the study area not checked: {why_not}")
        entry = _entry(role, f"{RASTER_DIR}/{name}.tif", layer=None, id_field=None, year=year, src=src, sha=sha,
                       src_crs=info["source_crs"], classes=classes, description=description)
        txn.stage_text(catalog, catalog_text_with(catalog, text, data, name, entry))
        txn.commit()
        warnings += lock.notes()
    mapped = FieldMapping(role=role, crs=crs, classes=classes)
    if save_mapping_to is not None:
        save_mapping(mapped, Path(save_mapping_to), made_by=f"ecotown layers add {src.name} --role {role}")
    return AddResult(name=name, role=role, catalog=catalog, stored_in=target, features=None, source_sha256=sha,
                     source_crs=info["source_crs"], replaced=old is not None, warnings=warnings, mapping=mapped)


def remove_layer(name: str, *, catalog: str | Path, lock_timeout: float | None = None) -> RemoveResult:
    """Take layer ``name`` out of the catalog, and out of the store when it lives there.

    A source file elsewhere (not written by ``layers add``) is left where it is. The project is locked while the
    catalog is read and changed (:func:`layers.store.project_lock`).
    """
    catalog = _check_catalog_path(Path(catalog))
    if not catalog.exists():
        raise CatalogError(f"catalog not found: {catalog}")
    with project_lock(catalog, timeout=lock_timeout) as lock:
        res = _remove_locked(name, catalog)
    res.notes = lock.notes()
    return res


def _remove_locked(name: str, catalog: Path) -> RemoveResult:
    text, data = read_catalog_data(catalog)
    if name not in data["layers"]:
        raise CatalogError(f"{catalog}: no layer named '{name}'. Layers: {', '.join(map(str, data['layers'])) or 'none'}")
    if str(data.get("town") or "") == name:
        raise CatalogError(f"{catalog}: layer '{name}' is the catalog's town (field 'town'); add the new boundary "
                           "first and point 'town' at it, or replace this one with layers add --replace")
    entry = data["layers"][name]
    store = store_path(catalog)
    own = _own_file(catalog, entry)
    others_use = [n for n, e in data["layers"].items() if n != name and _own_file(catalog, e) == own
                  and (own != store or (isinstance(e, dict) and e.get("layer") == entry.get("layer")))]
    deleted = None
    if own == store:
        check_store(store, _stored_names(catalog, data))
    with Transaction() as txn:
        changed = False
        if own is not None and not others_use:
            if own == store and isinstance(entry, dict) and entry.get("layer"):
                changed = delete_store_layer(txn, store, str(entry["layer"])) is not None or bool(txn._deletes)
            elif own.parent == catalog.parent / RASTER_DIR:
                txn.stage_delete(own)
                deleted = own
        for j in (entry.get("joins") or []) if isinstance(entry, dict) else []:  # tables kept by `layers join`
            table = _own_file(catalog, j)
            if table is not None and table.parent == catalog.parent / "tables" and not any(
                    _own_file(catalog, oj) == table for n, e in data["layers"].items() if n != name
                    and isinstance(e, dict) for oj in (e.get("joins") or [])):
                txn.stage_delete(table)
        txn.stage_text(catalog, catalog_text_with(catalog, text, data, name, None))
        txn.commit()
    return RemoveResult(name=name, catalog=catalog, store_changed=changed, deleted_file=deleted)
