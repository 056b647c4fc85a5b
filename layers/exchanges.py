"""Resource exchanges (industrial symbiosis) as data: the ``exchanges`` role, a table without geometry.

One row per flow: ``from_id`` -> ``to_id``, ``material``, ``tonnes_per_year``, ``year``. An id is a facility of the
catalog (a factory's registration number, a mine's concession number, as the assessment names them) or a party
outside the town written ``outside:NAME`` (``ภายนอก:ชื่อ``). Anything else is refused with the row's line and the id:
an exchange with a plant the catalog does not know would be counted nowhere.

``ecotown layers add exchanges.csv --role exchanges`` checks the table against the catalog's facility ids, keeps a
byte-for-byte copy in ``tables/`` beside the catalog and records it in the catalog (:func:`add_exchanges`).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .catalog import Catalog, LayerSpec, load_catalog
from .coerce import to_float
from .errors import CatalogError, LayerError, LayerReadError, LayerValidationError, Problem
from .join import TABLE_DIR
from .roles import load_roles
from .tables import Table, read_table

__all__ = ["OUTSIDE_PREFIXES", "EXCHANGE_COLUMNS", "read_exchanges", "exchange_problems", "catalog_facility_ids",
           "outside_party", "add_exchanges"]

#: how an id names a party outside the town (a farmers' group, a buyer): ``outside:NAME`` or ``ภายนอก:ชื่อ``
OUTSIDE_PREFIXES = ("outside:", "ภายนอก:")
EXCHANGE_COLUMNS = ["from_id", "to_id", "material", "tonnes_per_year", "year", "line", "from_outside", "to_outside"]


def outside_party(value: str) -> str | None:
    """The party's name when ``value`` names one outside the town (``outside:ชาวไร่อ้อย`` -> ``ชาวไร่อ้อย``)."""
    v = value.strip()
    for p in OUTSIDE_PREFIXES:
        if v.lower().startswith(p):
            return v[len(p):].strip() or None
    return None


def _columns(table: Table, spec: LayerSpec) -> tuple[dict[str, str], list[str]]:
    """canonical field -> table column, and the required fields the table lacks."""
    role = load_roles()[spec.role]
    cols = list(table.df.columns)
    out: dict[str, str] = {}
    for src, canon in spec.fields.items():
        if src in cols:
            out[canon] = src
    lower = {str(c).strip().lower(): c for c in cols}
    for name, f in role.fields.items():
        if name in out:
            continue
        for cand in (name, *f.aliases):
            if cand.lower() in lower:
                out[name] = lower[cand.lower()]
                break
    missing = [n for n, f in role.fields.items() if f.required and n not in out]
    return out, missing


def catalog_facility_ids(catalog: Catalog, year: int | None = None) -> set[str]:
    """The ids of every factory and mine of ``catalog``, as the assessment names them (prefix included)."""
    from .read import read_layer

    ids: set[str] = set()
    for role in ("factories", "mines"):
        for spec in catalog.by_role(role):
            ids.update(map(str, read_layer(spec, year)["id"]))
    return ids


def exchange_problems(spec: LayerSpec, facility_ids: set[str] | None, *, table: Table | None = None
                      ) -> tuple[pd.DataFrame, list[Problem]]:
    """The exchanges of ``spec`` (every year) and every problem found: missing columns, numbers or years that
    cannot be read, ids that are neither a facility of ``facility_ids`` nor ``outside:NAME``; each names the table,
    the line and the field."""
    src = str(spec.source)
    try:
        table = table or read_table(spec.source, sheet=spec.sheet, encoding=spec.encoding)
    except LayerError as exc:
        return pd.DataFrame(columns=EXCHANGE_COLUMNS), [Problem(layer=spec.name, source=src, message=str(exc))]
    cols, missing = _columns(table, spec)
    if missing:
        return pd.DataFrame(columns=EXCHANGE_COLUMNS), [Problem(
            layer=spec.name, source=src, field=m, message=(
                f"the exchanges table has no column for '{m}'; columns: {', '.join(map(str, table.df.columns))}. "
                f"Name it in the catalog entry's fields: ({{COLUMN: {m}}}) or with --map COLUMN={m}"))
            for m in missing]
    probs: list[Problem] = []
    rows = []
    for pos in range(len(table.df)):
        r = table.df.iloc[pos]
        line = table.row_label(pos)
        vals = {k: (None if r[c] is None or (isinstance(r[c], float) and math.isnan(r[c])) else str(r[c]).strip())
                for k, c in cols.items()}
        if not any(vals.values()):
            continue  # an empty line
        bad = False
        ends = {}
        for end in ("from_id", "to_id"):
            v = vals.get(end) or ""
            if not v:
                probs.append(Problem(layer=spec.name, source=src, feature=line, field=cols[end],
                                     message=f"{end} is empty: give a facility id or outside:NAME"))
                bad = True
                continue
            party = outside_party(v)
            if party is None and any(v.lower().startswith(p) for p in OUTSIDE_PREFIXES):
                probs.append(Problem(layer=spec.name, source=src, feature=line, field=cols[end],
                                     message=f"{end} '{v}' names no party after the prefix: write outside:NAME"))
                bad = True
            elif party is None and facility_ids is not None and v not in facility_ids:
                probs.append(Problem(layer=spec.name, source=src, feature=line, field=cols[end], message=(
                    f"{end} '{v}' is not a facility of the catalog (a factory's registration number or a mine's "
                    f"concession number); a party outside the town is written outside:NAME (ภายนอก:ชื่อ)")))
                bad = True
            ends[end] = (v, party)
        t = to_float((vals.get("tonnes_per_year") or "").replace(",", ""))
        if math.isnan(t) or t < 0:
            probs.append(Problem(layer=spec.name, source=src, feature=line, field=cols["tonnes_per_year"],
                                 message=f"tonnes_per_year {vals.get('tonnes_per_year')!r} is not a number of "
                                         "tonnes (0 or more)"))
            bad = True
        y = to_float(vals.get("year"))
        if math.isnan(y) or y != int(y) or not 1900 <= y <= 2200:
            probs.append(Problem(layer=spec.name, source=src, feature=line, field=cols["year"],
                                 message=f"year {vals.get('year')!r} is not a Gregorian year such as 2026 "
                                         "(พ.ศ. - 543)"))
            bad = True
        if not vals.get("material"):
            probs.append(Problem(layer=spec.name, source=src, feature=line, field=cols["material"],
                                 message="material is empty: say what flows (e.g. ชานอ้อย, bagasse)"))
            bad = True
        if bad:
            continue
        rows.append({"from_id": ends["from_id"][0], "to_id": ends["to_id"][0], "material": vals["material"],
                     "tonnes_per_year": float(t), "year": int(y), "line": line,
                     "from_outside": ends["from_id"][1], "to_outside": ends["to_id"][1]})
    return pd.DataFrame(rows, columns=EXCHANGE_COLUMNS), probs


def read_exchanges(spec: LayerSpec, facility_ids: set[str] | None, year: int | None = None) -> pd.DataFrame:
    """The exchanges of ``spec`` (of ``year`` when given), checked; raise :class:`LayerValidationError` (naming the
    line, the field and the id) when any row is wrong."""
    df, probs = exchange_problems(spec, facility_ids)
    errors = [p for p in probs if p.severity == "error"]
    if errors:
        raise LayerValidationError(spec.name, errors)
    if year is not None:
        df = df[df["year"] == int(year)]
    return df.sort_values(["from_id", "to_id", "material"], kind="stable").reset_index(drop=True)


def add_exchanges(src: Path, *, catalog: Path, name: str, fields: dict[str, str], year: int | None,
                  replace_existing: bool, sheet: str | None, encoding: str | None, description: str,
                  sha: str) -> tuple[Path, int, bool]:
    """Check an exchanges table against the catalog's facilities, copy it into ``tables/NAME.ext`` and record it
    (all at once, or nothing). Returns (stored file, rows, replaced). Called by :func:`layers.add.add_layer`."""
    from .add import _check_name, _now
    from .catalog_edit import catalog_text_with, read_catalog_data
    from .store import Transaction

    if src.suffix.lower() not in (".csv", ".xlsx"):
        raise LayerReadError(f"{src}: an exchanges table is a CSV or XLSX file")
    if not catalog.exists():
        raise CatalogError(f"catalog not found: {catalog}; add the factory and mine layers first, then the "
                           "exchanges between them")
    text, data = read_catalog_data(catalog)
    old = _check_name(catalog, data, name, replace_existing)
    cat = load_catalog(catalog)
    target = (catalog.parent / TABLE_DIR / f"{name}{src.suffix.lower()}").resolve()
    spec = LayerSpec(name=name, role="exchanges", source=src.resolve(), fields=dict(fields), sheet=sheet,
                     encoding=encoding, vintage=year)
    df, probs = exchange_problems(spec, catalog_facility_ids(cat, year))
    if probs:
        raise LayerValidationError(name, probs)
    if not len(df):
        raise LayerValidationError(name, [Problem(layer=name, source=str(src), message="the table has no rows")])
    entry: dict = {"role": "exchanges", "source": f"{TABLE_DIR}/{target.name}"}
    for key, value in (("sheet", sheet), ("encoding", encoding), ("fields", dict(fields) or None),
                       ("description", description or None), ("vintage", int(year) if year else None)):
        if value is not None:
            entry[key] = value
    entry.update(added=_now(), source_file=str(src.resolve()), source_sha256=sha)
    with Transaction() as txn:
        txn.stage_file(src, target, sha)
        txn.stage_text(catalog, catalog_text_with(catalog, text, data, name, entry))
        txn.commit()
    return target, len(df), old is not None

