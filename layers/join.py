"""Attribute tables joined to a layer by a key: Green Industry certificate lists, village population tables,
complaint logs — tables without geometry that offices keep beside their maps.

``ecotown layers join`` (:func:`join_table`) checks a table against a layer, keeps a byte-for-byte copy of it in
``tables/`` beside the catalog and records the join in the layer's catalog entry (see :mod:`layers.joinspec`).
Whenever the layer is read, :func:`apply_joins` puts the table's values into the layer's raw frame before it is
validated, so a joined value is checked and converted like any other field.

Rules, the same at ``layers join`` and at every read:

* keys are compared as text, spaces around them removed; ``10600000125469.0`` equals ``10600000125469``;
* the joined value replaces the layer's own for features with a row; features without one keep their own value or
  stay "no data" — except ``count``, where a feature without rows has 0 (a log lists every event);
* how many features matched, and the keys without partner on either side, are always reported (never dropped
  silently); a table whose keys match no feature at all is refused;
* several rows for one key are refused unless an aggregate says how to combine them: ``count`` (rows per key),
  ``sum`` and ``max`` (per numeric field), ``latest`` (the row with the latest ``date_field``);
* with a ``date_field``, rows dated after the assessed year are left out, and with ``count`` or ``sum`` also rows
  before it (the events of that year) - unless the table also has an ``expires_field``: its rows are periods
  (a certificate, an order until it is closed), and ``count`` then counts those in force during the year; with an
  ``expires_field``, a row that expired (or was closed) before 1 January of the assessed year does not count (a
  lapsed certificate). Reading without a year uses the current year.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .catalog import LayerSpec, load_catalog, sha256_file
from .catalog_edit import catalog_text_with, read_catalog_data
from .coerce import coerce_value
from .dates import DateError, parse_date
from .errors import CatalogError, LayerReadError, LayerValidationError, Problem
from .joinspec import JoinSpec, check_join_fields
from .postgis import read_postgis_layer
from .read import _map_fields, _open
from .roles import Role, load_roles
from .store import Transaction
from .tables import Table, read_table

__all__ = ["TABLE_DIR", "JoinReport", "JoinOutcome", "JoinResult", "apply_joins", "join_table", "norm_key",
           "open_raw"]

#: folder beside the catalog where ``layers join`` keeps the tables
TABLE_DIR = "tables"
#: how many example keys a message shows
EXAMPLES = 5

_INT_TEXT = re.compile(r"-?\d+\.0*")


def norm_key(v: Any) -> str | None:
    """A key as compared: text, stripped, ``'10600000125469.0'`` -> ``'10600000125469'``; None when empty."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float):
        if math.isnan(v):
            return None
        if v.is_integer():
            return str(int(v))
    s = str(v).strip()
    if _INT_TEXT.fullmatch(s):
        s = s.split(".")[0]
    return s or None


def _examples(items: list[str], n: int = EXAMPLES) -> str:
    shown = ", ".join(f"'{k}'" for k in items[:n])
    return shown + (f" (and {len(items) - n} more)" if len(items) > n else "")


@dataclass
class JoinReport:
    """What joining one table to one layer gave: rows, matches, keys without partner, rows left out by date."""

    layer: str
    join: JoinSpec
    year: int
    key_field: str = ""
    rows: int = 0
    features: int = 0
    matched: int = 0
    unmatched_features: list[str] = field(default_factory=list)
    unmatched_keys: list[str] = field(default_factory=list)
    no_key_rows: list[str] = field(default_factory=list)
    later: int = 0
    earlier: int = 0
    expired: int = 0
    used_rows: int = 0
    filled: int = 0
    sha256: str | None = None

    def lines(self) -> list[str]:
        """The report in sentences, for the terminal."""
        j = self.join
        out = [f"{self.matched} of {self.features} features matched a row of {j.source.name} "
               f"('{j.on}' = layer field '{self.key_field}'); {self.rows} rows"]
        out += self.unmatched_lines()
        left = []
        if self.later:
            left.append(f"{self.later} dated after {self.year}")
        if self.earlier:
            left.append(f"{self.earlier} dated before {self.year}")
        if self.expired:
            left.append(f"{self.expired} expired before 1 January {self.year}")
        if left:
            out.append(f"rows left out for {self.year}: {', '.join(left)}; {self.used_rows} rows used")
        return out

    def unmatched_lines(self) -> list[str]:
        """Keys without partner and rows without key, one sentence each (warnings at read time)."""
        j = self.join
        out = []
        if self.unmatched_features:
            what = "count 0" if j.aggregate == "count" else "keep their own value or stay 'no data'"
            out.append(f"{len(self.unmatched_features)} feature key(s) have no row in the table and {what}: "
                       f"{_examples(self.unmatched_features)}")
        if self.unmatched_keys:
            out.append(f"{len(self.unmatched_keys)} key(s) of the table match no feature: "
                       f"{_examples(self.unmatched_keys)}")
        if self.no_key_rows:
            out.append(f"{len(self.no_key_rows)} row(s) have an empty '{j.on}' and are not used: "
                       f"{', '.join(self.no_key_rows[:EXAMPLES])}")
        return out


@dataclass
class JoinOutcome:
    """:func:`apply_joins`: the frame with the joined values, every problem, and one report per join."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    reports: list[JoinReport] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def open_raw(spec: LayerSpec) -> tuple[pd.DataFrame, str]:
    """The layer as stored (source field names), and the sha256 of what was read."""
    if spec.is_postgis:
        return read_postgis_layer(spec)
    return _open(spec), sha256_file(spec.source)


class _Joiner:
    """Joining one table to one raw layer frame; collects problems instead of raising."""

    def __init__(self, raw: pd.DataFrame, spec: LayerSpec, role: Role, j: JoinSpec, year: int, table: Table):
        self.raw, self.spec, self.role, self.j, self.year, self.table = raw, spec, role, j, year, table
        self.problems: list[Problem] = []
        self.report = JoinReport(layer=spec.name, join=j, year=year, rows=len(table.df), features=len(raw))

    def problem(self, message: str, *, row: str | None = None, fld: str | None = None,
                severity: str = "error") -> None:
        src = str(self.j.source) + (f", {row}" if row else "")
        self.problems.append(Problem(layer=self.spec.name, source=src, message=f"join '{self.j.name}': {message}",
                                     field=fld, severity=severity))

    @property
    def failed(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def layer_keys(self) -> list[str | None] | None:
        raw, spec, j = self.raw, self.spec, self.j
        cols = [str(c) for c in raw.columns if c != "geometry"]
        want = j.to_field or spec.id_field
        if want is None:  # features are numbered, as read_layer numbers them
            self.report.key_field = "feature number"
            return [str(i + 1) for i in range(len(raw))]
        col = want if want in cols else None
        if col is None:
            canon = {c: s for s, c in _map_fields(raw, spec, self.role).items()}
            if want == "id" and spec.id_field in cols:
                col = spec.id_field
            elif want in canon:
                col = canon[want]
        if col is None:
            self.problem(f"layer field '{want}' ({'to_field' if j.to_field else 'the id field'}) is not in layer "
                         f"'{spec.name}'. Fields: {', '.join(cols)}", fld=want)
            return None
        self.report.key_field = str(col)
        return [norm_key(v) for v in raw[col].tolist()]

    def run(self) -> dict[str, list[Any]] | None:
        """Canonical field -> one value per feature (None: keep the layer's value), or None on errors."""
        j, df, t = self.j, self.table.df, self.table
        cols = [str(c) for c in df.columns]
        for what, col in (("key column (on)", j.on), ("date column (date_field)", j.date_field),
                          ("expiry column (expires_field)", j.expires_field),
                          *((f"column mapped to '{c}'", s) for s, c in j.fields.items()
                            if j.aggregate != "count")):
            if col is not None and col not in cols:
                self.problem(f"the {what} '{col}' is not in the table. Columns: {', '.join(cols)}", fld=col)
        layer_keys = self.layer_keys()
        if self.failed or layer_keys is None:
            return None
        groups: dict[str, list[int]] = defaultdict(list)
        for pos, v in enumerate(df[j.on].tolist()):
            k = norm_key(v)
            if k is None:
                self.report.no_key_rows.append(t.row_label(pos))
            else:
                groups[k].append(pos)
        keyed = [p for ps in groups.values() for p in ps]
        dates: dict[int, _dt.date] = {}
        expires: dict[int, _dt.date] = {}
        for col, store, may_be_empty in ((j.date_field, dates, False), (j.expires_field, expires, True)):
            if col is None:
                continue
            values = df[col].tolist()
            for pos in sorted(keyed):
                if values[pos] is None and may_be_empty:  # no expiry date: does not expire
                    continue
                try:
                    store[pos] = parse_date(values[pos] if values[pos] is not None else "")
                except DateError as exc:
                    self.problem(f"{exc}", row=t.row_label(pos), fld=col)
        values: dict[int, dict[str, Any]] = defaultdict(dict)
        if j.aggregate != "count":
            for src, canon in j.fields.items():
                fspec = self.role.fields[canon]
                col_values = df[src].tolist()
                for pos in sorted(keyed):
                    val, why = coerce_value(col_values[pos], fspec)
                    if why is not None:
                        self.problem(f"{why} (for field '{canon}')", row=t.row_label(pos), fld=src)
                    values[pos][canon] = val
        if j.aggregate is None:
            dup = {k: ps for k, ps in groups.items() if len(ps) > 1}
            if dup:
                shown = "; ".join(f"'{k}' on {', '.join(t.row_label(p) for p in ps[:EXAMPLES])}"
                                  for k, ps in list(dup.items())[:EXAMPLES])
                self.problem(f"{len(dup)} key(s) of column '{j.on}' appear on more than one row ({shown}"
                             f"{'; ...' if len(dup) > EXAMPLES else ''}). Say how to combine the rows of one key "
                             "with --aggregate count|sum|max|latest (aggregate: in the catalog), or correct the "
                             "table", fld=j.on)
        if not groups:
            self.problem(f"the table has no row with a key in column '{j.on}'", fld=j.on)
        if self.failed:
            return None
        self._match(layer_keys, groups)
        if self.failed:
            return None
        use = self._in_year(keyed, dates, expires)
        by_key: dict[str, list[int]] = defaultdict(list)
        for pos in use:
            by_key[norm_key(df[j.on].iloc[pos])].append(pos)
        combined = {k: self._combine(ps, values, dates) for k, ps in by_key.items()}
        out: dict[str, list[Any]] = {canon: [None] * len(layer_keys) for canon in j.fields.values()}
        for i, k in enumerate(layer_keys):
            got = combined.get(k) if k is not None else None
            if got is None and j.aggregate == "count":
                got = {canon: 0 for canon in j.fields.values()}
            if got is None:
                continue
            filled = False
            for canon, v in got.items():
                if v is not None:
                    out[canon][i] = v
                    filled = True
            self.report.filled += int(filled)
        return out

    def _match(self, layer_keys: list[str | None], groups: dict[str, list[int]]) -> None:
        j, rep = self.j, self.report
        table_keys = set(groups)
        present = [k for k in layer_keys if k is not None]
        layer_set = set(present)
        rep.matched = sum(1 for k in layer_keys if k is not None and k in table_keys)
        seen: set[str] = set()
        rep.unmatched_features = [k for k in present if k not in table_keys and not (k in seen or seen.add(k))]
        rep.unmatched_keys = [k for k in groups if k not in layer_set]
        if rep.matched == 0:
            self.problem(f"no key of the table's column '{j.on}' matches layer field '{rep.key_field}' of layer "
                         f"'{self.spec.name}': the table has {_examples(list(groups))}; the layer has "
                         f"{_examples(list(dict.fromkeys(present))) or 'no keys'}. Check --on and --to-field",
                         fld=j.on)
            return
        for line in rep.unmatched_lines():
            self.problem(line, fld=j.on, severity="warning")

    def _in_year(self, keyed: list[int], dates: dict[int, _dt.date], expires: dict[int, _dt.date]) -> list[int]:
        start, end = _dt.date(self.year, 1, 1), _dt.date(self.year, 12, 31)
        rep, agg = self.report, self.j.aggregate
        use = []
        for pos in sorted(keyed):
            d, e = dates.get(pos), expires.get(pos)
            if d is not None and d > end:
                rep.later += 1
            elif d is not None and agg in ("count", "sum") and d < start and not self.j.expires_field:
                rep.earlier += 1
            elif e is not None and e < start:
                rep.expired += 1
            else:
                use.append(pos)
        rep.used_rows = len(use)
        return use

    def _combine(self, rows: list[int], values: dict[int, dict[str, Any]],
                 dates: dict[int, _dt.date]) -> dict[str, Any]:
        agg, fields = self.j.aggregate, list(self.j.fields.values())
        if agg == "count":
            return {fields[0]: len(rows)}
        if agg == "latest":
            return dict(values[max(rows, key=lambda p: (dates[p], p))])
        if agg in ("sum", "max"):
            out: dict[str, Any] = {}
            for canon in fields:
                nums = [values[p][canon] for p in rows if values[p].get(canon) is not None]
                out[canon] = (sum(nums) if agg == "sum" else max(nums)) if nums else None
            return out
        return dict(values[rows[0]])  # one row per key (duplicates were refused)


def _write(frame: pd.DataFrame, spec: LayerSpec, role: Role, got: dict[str, list[Any]]) -> pd.DataFrame:
    """Put the joined values into the column that holds each canonical field (a new one when none does)."""
    for canon, vals in got.items():
        src = {c: s for s, c in _map_fields(frame, spec, role).items()}.get(canon, canon)
        arr = (frame[src].astype(object).to_numpy(copy=True) if src in frame.columns
               else np.full(len(frame), None, dtype=object))
        for i, v in enumerate(vals):
            if v is not None:
                arr[i] = v
        frame[src] = pd.Series(arr, index=frame.index, dtype=object)
    return frame


def apply_joins(raw: pd.DataFrame, spec: LayerSpec, year: int | None = None, *,
                tables: dict[str, Table] | None = None) -> JoinOutcome:
    """The raw layer frame with the values of every table joined to ``spec``, for ``year`` (default: this year).

    ``raw`` is the layer as read from its source (source field names); the result goes to
    :func:`layers.read.inspect_frame`. Problems name the table file, the row and the column; a join with errors
    leaves the frame as it was (the errors make the layer unusable). ``tables`` gives tables already read, by
    join name.
    """
    out = JoinOutcome(frame=raw)
    if not spec.joins:
        return out
    role = load_roles()[spec.role]
    year = int(year) if year is not None else _dt.date.today().year
    frame = raw.copy()
    for j in spec.joins:
        table = (tables or {}).get(j.name) or read_table(j.source, sheet=j.sheet, layer=j.layer, encoding=j.encoding)
        jr = _Joiner(frame, spec, role, j, year, table)
        got = jr.run()
        jr.report.sha256 = sha256_file(j.source)
        out.problems += jr.problems
        out.reports.append(jr.report)
        if got is not None:
            frame = _write(frame, spec, role, got)
    out.frame = frame
    return out


@dataclass
class JoinResult:
    """What :func:`join_table` did."""

    name: str
    layer: str
    catalog: Path
    stored_in: Path
    fields: dict[str, str]
    sha256: str
    replaced: bool
    report: JoinReport
    notes: list[str] = field(default_factory=list)


def _guess_fields(table: Table, role: Role, skip: set[str | None]) -> dict[str, str]:
    """Table columns named like a field of the role (its name or an alias), the layer's name field aside."""
    out: dict[str, str] = {}
    lower = {str(c).strip().lower(): str(c) for c in table.df.columns if c not in skip}
    for canon, fspec in role.fields.items():
        if canon == "name":
            continue
        for cand in (canon, *fspec.aliases):
            col = lower.get(cand.lower())
            if col is not None and col not in out:
                out[col] = canon
                break
    return out


def _join_name(entry: Any) -> str:
    return str(entry.get("name") or Path(str(entry.get("source") or "")).stem) if isinstance(entry, dict) else ""


def join_table(path: str | Path, *, catalog: str | Path, lock_timeout: float | None = None, **kw: Any) -> JoinResult:
    """Check the table in ``path`` and join it to a layer of ``catalog``, holding the project's lock (one writer
    at a time: :func:`layers.store.project_lock`); see :func:`_join_table` for the arguments and errors."""
    from .add import _check_catalog_path
    from .store import project_lock

    catalog = _check_catalog_path(Path(catalog))
    if not catalog.exists():
        raise CatalogError(f"catalog not found: {catalog}; add the layer the table belongs to first "
                           "(ecotown layers add ...)")
    with project_lock(catalog, timeout=lock_timeout) as lock:
        res = _join_table(path, catalog=catalog, **kw)
    res.notes += lock.notes()
    return res


def _join_table(path: str | Path, *, to: str, on: str, catalog: str | Path, fields: dict[str, str] | None = None,
                to_field: str | None = None, aggregate: str | None = None, date_field: str | None = None,
                expires_field: str | None = None, sheet: str | None = None, layer: str | None = None,
                encoding: str | None = None, name: str | None = None, year: int | None = None,
                replace_existing: bool = False) -> JoinResult:
    """Check the table in ``path`` against layer ``to`` and record the join (or raise, changing nothing).

    The table is copied byte for byte into ``tables/NAME.ext`` beside the catalog, and the join entry written into
    the layer's catalog entry, both at once (:class:`layers.store.Transaction`). ``fields`` maps table columns to
    canonical fields of the layer's role; without it, columns named like a field of the role are used. ``year``
    is the table's vintage and the year whose rows the report counts (default: this year).

    Raises
    ------
    CatalogError
        The bundled sample, a join of that name already there (without ``replace_existing``), bad fields or
        aggregate, a table file name another join uses.
    LayerNotFoundError
        No layer ``to`` in the catalog.
    LayerReadError
        The table cannot be read (a workbook with several sheets and no ``sheet``, an unknown encoding, ...).
    LayerValidationError
        Missing columns, keys that match nothing, repeated keys without ``aggregate``, dates or values that cannot
        be read; each problem names the table file, the row and the column.
    """
    from .add import _check_catalog_path, _now, check_layer_name

    src = Path(path)
    catalog = _check_catalog_path(Path(catalog))
    if not catalog.exists():
        raise CatalogError(f"catalog not found: {catalog}; add the layer the table belongs to first "
                           "(ecotown layers add ...)")
    if not src.exists():
        raise LayerReadError(f"{src}: file not found")
    if year is not None and not 1800 <= int(year) <= 2200:
        raise CatalogError(f"--year {year}: give the Gregorian year of the table (e.g. 2026 for พ.ศ. 2569)")
    text, data = read_catalog_data(catalog)
    cat = load_catalog(catalog)
    spec = cat.get(to)
    role = load_roles()[spec.role]
    if role.raster:
        raise CatalogError(f"{catalog}: layer '{to}' is a raster; a table can only be joined to features")
    name = name or re.sub(r"[^\w\-]+", "_", src.stem, flags=re.UNICODE).strip("_") or "table"
    check_layer_name(name)
    entry = dict(data["layers"][to])
    old_joins = list(entry.get("joins") or [])
    at = next((i for i, e in enumerate(old_joins) if _join_name(e) == name), None)
    if at is not None and not replace_existing:
        raise CatalogError(f"{catalog}: layer '{to}' already has a join named '{name}'; use --replace to update it "
                           "with this table, or --name to join it under another name")
    target = (catalog.parent / TABLE_DIR / f"{name}{src.suffix.lower()}").resolve()
    for other in cat.layers.values():
        for oj in other.joins:
            if oj.source == target and not (other.name == to and oj.name == name):
                raise CatalogError(f"{target}: already holds the table of join '{oj.name}' of layer "
                                   f"'{other.name}'; give this join another name with --name")
    table = read_table(src, sheet=sheet, layer=layer, encoding=encoding)
    fields = dict(fields or {}) or _guess_fields(table, role, {on, date_field, expires_field})
    check_join_fields(fields, role, aggregate, date_field, "--map")
    sha = sha256_file(src)
    jspec = JoinSpec(name=name, source=src.resolve(), on=on, fields=fields, to_field=to_field,
                     aggregate=aggregate, date_field=date_field, expires_field=expires_field, sheet=sheet,
                     layer=layer, encoding=encoding, vintage=year)
    raw, _ = open_raw(spec)
    outcome = apply_joins(raw, replace(spec, joins=(jspec,)), year, tables={name: table})
    if outcome.errors:
        raise LayerValidationError(to, outcome.errors)
    join_entry: dict[str, Any] = {"name": name, "source": f"{TABLE_DIR}/{target.name}"}
    for key, value in (("sheet", sheet), ("layer", layer), ("encoding", encoding), ("on", on),
                       ("to_field", to_field), ("fields", fields), ("aggregate", aggregate),
                       ("date_field", date_field), ("expires_field", expires_field),
                       ("vintage", int(year) if year is not None else None)):
        if value is not None:
            join_entry[key] = value
    join_entry.update(added=_now(), source_file=str(src.resolve()), source_sha256=sha)
    old_entry = old_joins[at] if at is not None else None
    if at is not None:
        old_joins[at] = join_entry
    else:
        old_joins.append(join_entry)
    entry["joins"] = old_joins
    used_elsewhere = {oj.source for o in cat.layers.values() for oj in o.joins
                      if not (o.name == to and oj.name == name)}
    with Transaction() as txn:
        txn.stage_file(src, target, sha)
        cpg = src.with_suffix(".cpg")
        if src.suffix.lower() == ".dbf" and cpg.exists():  # the DBF's encoding goes with it
            shutil.copyfile(cpg, txn.stage_new(target.with_suffix(".cpg")))
        if old_entry is not None and old_entry.get("source"):
            old_path = Path(str(old_entry["source"]))
            old_path = (old_path if old_path.is_absolute() else catalog.parent / old_path).resolve()
            if old_path != target and old_path.parent == catalog.parent / TABLE_DIR \
                    and old_path not in used_elsewhere:
                txn.stage_delete(old_path)
        txn.stage_text(catalog, catalog_text_with(catalog, text, data, to, entry))
        txn.commit()
    report = outcome.reports[0]
    return JoinResult(name=name, layer=to, catalog=catalog, stored_in=target, fields=fields, sha256=sha,
                      replaced=at is not None, report=report, notes=list(table.notes))
