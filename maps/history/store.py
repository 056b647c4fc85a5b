"""The results history: one record per assessed year and criteria edition, in a SQLite file.

Every ``ecotown assess --year Y`` stores the levels and indicator values of every subject, the facilities and
villages (with a representative point), the facility-village pairs within the rings and a summary of them.
A record is keyed by year, criteria edition id and a run id. Storing a year again with the same edition replaces
the earlier record, inside one transaction: a failure leaves the history as it was.

The file is an ordinary SQLite database (schema version 2): ``runs`` holds one row per record (``seq`` its integer
key, ``run_id``, ``year``, ``edition_id``, ...), and every table of :data:`TABLES` holds the rows of all records,
each row carrying ``run`` (= ``runs.seq``; indexed), e.g.
``SELECT e.* FROM exposure e JOIN runs r ON r.seq = e.run WHERE r.year = 2025``. Version 1 (``run_id`` text on
every row) is read as it is and upgraded by the next save, inside the save's transaction.

The default file is ``ecotown-history.sqlite`` in the parent folder of the output folder (see
:func:`default_history_path`), so that ``out/2025`` and ``out/2026`` share ``out/ecotown-history.sqlite``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import itertools
import json
import sqlite3
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from criteria import Assessment

from ..errors import HistoryError
from ..exports import csv_digest

__all__ = ["HISTORY_FILE", "Record", "HistoryStore", "record_of", "default_history_path", "record_digest"]

HISTORY_FILE = "ecotown-history.sqlite"

#: 2: the rows of every table carry the integer ``run`` (= ``runs.seq``), not the run id's text
SCHEMA_VERSION = 2
#: the versions :meth:`HistoryStore.load` reads; the next save upgrades a version-1 file, inside its transaction
READ_VERSIONS = (1, 2)
#: the page cache of a save, in KiB: a region's record (~1 M rows) changes ~200 MB of pages
SAVE_CACHE_KIB = 131_072

#: table name -> (columns, SQLite types); the same columns in the same order as the Record's DataFrames
TABLES: dict[str, list[tuple[str, str]]] = {
    "levels": [("subject_kind", "TEXT"), ("subject_id", "TEXT"), ("name", "TEXT"), ("level", "INTEGER"),
               ("level_name_en", "TEXT"), ("level_name_th", "TEXT"), ("rule", "TEXT"), ("next_level", "INTEGER"),
               ("indicators", "INTEGER"), ("with_data", "INTEGER"), ("reach_next", "INTEGER"),
               ("needed_next", "INTEGER")],
    "indicators": [("subject_kind", "TEXT"), ("subject_id", "TEXT"), ("indicator_id", "TEXT"),
                   ("dimension_id", "TEXT"), ("name_en", "TEXT"), ("name_th", "TEXT"), ("unit", "TEXT"),
                   ("direction", "TEXT"), ("value", "REAL"), ("status", "TEXT"), ("level_reached", "INTEGER"),
                   ("core", "INTEGER"), ("threshold_next", "REAL"), ("meets_next", "INTEGER")],
    "dimensions": [("dimension_id", "TEXT"), ("name_en", "TEXT"), ("name_th", "TEXT"), ("indicators", "INTEGER"),
                   ("with_data", "INTEGER"), ("reach_current", "INTEGER"), ("reach_next", "INTEGER"),
                   ("share_reach_next", "REAL"), ("mean_level", "REAL")],
    "facilities": [("facility_id", "TEXT"), ("kind", "TEXT"), ("name", "TEXT"), ("category", "TEXT"),
                   ("level", "INTEGER"), ("x", "REAL"), ("y", "REAL"), ("nearest_community_m", "REAL")],
    "communities": [("community_id", "TEXT"), ("name", "TEXT"), ("population", "REAL"), ("households", "REAL"),
                    ("level", "INTEGER"), ("x", "REAL"), ("y", "REAL"), ("nearest_facility_id", "TEXT"),
                    ("nearest_facility_m", "REAL"), ("burden", "REAL")],
    "exposure": [("facility_id", "TEXT"), ("community_id", "TEXT"), ("distance_m", "REAL"), ("ring_m", "INTEGER")],
    "exposure_summary": [("ring_m", "INTEGER"), ("pairs", "INTEGER"), ("facilities", "INTEGER"),
                         ("villages", "INTEGER"), ("population", "REAL")],
}
RUN_COLUMNS = ["run_id", "year", "edition_id", "edition_sha256", "created", "version", "town_id", "town_name",
               "town_name_en", "level", "level_name_en", "level_name_th", "rings_m", "results_sha256", "manifest"]


@dataclass
class Record:
    """One year's stored results. ``run`` holds the RUN_COLUMNS; the tables follow :data:`TABLES`."""

    run: dict
    levels: pd.DataFrame
    indicators: pd.DataFrame
    dimensions: pd.DataFrame
    facilities: pd.DataFrame
    communities: pd.DataFrame
    exposure: pd.DataFrame
    exposure_summary: pd.DataFrame
    extra: dict = field(default_factory=dict)

    @property
    def year(self) -> int:
        return int(self.run["year"])

    @property
    def edition_id(self) -> str:
        return str(self.run["edition_id"])

    @property
    def rings_m(self) -> list[int]:
        return [int(d) for d in json.loads(self.run["rings_m"])]

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)


def default_history_path(out: str | Path) -> Path:
    """``ecotown-history.sqlite`` in the parent folder of the output folder ``out``."""
    return Path(out).resolve().parent / HISTORY_FILE


def _clean(v):
    """A value SQLite stores as is: None for NaN/NA, plain Python numbers and strings."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, (bool, np.bool_)):
        return int(bool(v))
    if isinstance(v, (int, np.integer)):
        return int(v)
    return str(v)


def _clean_column(values: list) -> list:
    """``[_clean(v) for v in values]``; a column already clean (what :func:`_frame` makes) is returned as is."""
    types = set(map(type, values))
    if types <= {str, int, float, type(None)} and \
            (float not in types or not any(v != v for v in values if type(v) is float)):
        return values
    return [_clean(v) for v in values]


def _typed(v, sql_type: str):
    """``v`` as the Python value SQLite gives back for a column of ``sql_type`` (so stored == fresh)."""
    v = _clean(v)
    if v is None:
        return None
    if sql_type == "INTEGER":
        try:
            return int(v) if float(v).is_integer() else float(v)
        except (TypeError, ValueError):
            return v
    if sql_type == "REAL":
        try:
            return float(v)
        except (TypeError, ValueError):
            return v
    return str(v)


def _typed_column(col: pd.Series, sql_type: str) -> list | np.ndarray:
    """``[_typed(v, sql_type) for v in col]`` (a list or an object array), column at a time for the plain dtypes
    (numbers, booleans, text): the same Python values, without a Python call per value for the hundreds of
    thousands of rows of a region."""
    dt = col.dtype
    if pd.api.types.is_bool_dtype(dt) and not isinstance(dt, pd.BooleanDtype):
        ints = col.to_numpy(dtype=bool).astype(int).tolist()
        return ints if sql_type == "INTEGER" else [float(v) for v in ints] if sql_type == "REAL" \
            else [str(v) for v in ints]
    if isinstance(dt, np.dtype) and dt.kind in "iu" or isinstance(dt, pd.Int64Dtype) or \
            (isinstance(dt, pd.api.extensions.ExtensionDtype) and str(dt) in ("Int8", "Int16", "Int32", "Int64")):
        na = col.isna().to_numpy()
        ints = col.to_numpy(dtype="int64", na_value=0)
        if sql_type == "TEXT":
            vals = np.array([str(v) for v in ints.tolist()], dtype=object)
        else:  # Python ints or floats, one object array (no Python loop)
            vals = ints.astype(object) if sql_type == "INTEGER" else ints.astype(float).astype(object)
        if na.any():
            vals[na] = None
        return vals
    if isinstance(dt, np.dtype) and dt.kind == "f":
        arr = col.to_numpy(dtype=float)
        nan = np.isnan(arr)
        if sql_type == "TEXT":
            vals = np.array([str(v) for v in arr.tolist()], dtype=object)
        else:
            vals = arr.astype(object)  # Python floats
            if sql_type == "INTEGER":  # whole numbers as Python ints (exactly, as int(v) gives them)
                with np.errstate(invalid="ignore"):
                    whole = (~nan) & np.isfinite(arr) & (np.floor(arr) == arr)
                small = whole & (np.abs(arr) < 2.0 ** 62)
                vals[small] = arr[small].astype(np.int64).astype(object)
                for i in np.flatnonzero(whole & ~small).tolist():
                    vals[i] = int(arr[i])
        if nan.any():
            vals[nan] = None
        return vals
    if sql_type == "TEXT" and isinstance(dt, pd.StringDtype):
        if dt.storage == "pyarrow":  # each distinct text made a Python string once, not once per row
            import pyarrow as pa
            import pyarrow.compute as pc

            arr = pa.array(col.array)
            enc = (arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr).dictionary_encode()
            words = np.array(enc.dictionary.to_pylist() + [None], dtype=object)
            return words[pc.fill_null(enc.indices, -1).to_numpy()]  # missing takes the None at the end
        return col.to_numpy(dtype=object, na_value=None)
    if isinstance(dt, pd.CategoricalDtype):  # the ids of the pairs: each category typed once
        cats = np.array(list(_typed_column(pd.Series(dt.categories), sql_type)) + [None], dtype=object)
        return cats[col.cat.codes.to_numpy()]  # code -1 (missing) takes the None at the end
    return [_typed(v, sql_type) for v in col]


def _frame(rows: list[dict] | pd.DataFrame, name: str) -> pd.DataFrame:
    """The table ``name`` with exactly its declared columns and values typed as SQLite returns them."""
    spec = TABLES[name]
    df = pd.DataFrame(rows).reset_index(drop=True)
    cols = {}
    for c, t in spec:
        vals = _typed_column(df[c], t) if c in df.columns else [None] * len(df)
        cols[c] = pd.Series(vals, index=df.index, dtype=object)
    return pd.DataFrame(cols, index=df.index)


def _table_sql(name: str, cols: list[tuple[str, str]]) -> str:
    body = ", ".join(f'"{c}" {t}' for c, t in cols)
    return f'CREATE TABLE "{name}" (run INTEGER NOT NULL REFERENCES runs(seq) ON DELETE CASCADE, {body})'


def _stored_frame(rows: list[tuple], names: list[str]) -> pd.DataFrame:
    """The rows read back as a table of object columns: the values are already those :func:`_frame` makes
    (:func:`record_of` typed them as SQLite gives them back), so they are not typed again."""
    grid = np.empty((len(rows), len(names)), dtype=object)
    if rows:
        grid[:] = rows  # one C loop over the rows (a tuple per row), not a Python one per value
    return pd.DataFrame({c: pd.Series(grid[:, j].copy(), dtype=object, copy=False)  # object, as _frame makes
                         for j, c in enumerate(names)}, columns=names)  # them (pandas would infer str)


def record_digest(rec: Record) -> str:
    """sha256 of the record's tables (not of its run id or time): equal results give equal digests."""
    h = hashlib.sha256()
    for name in TABLES:
        df = rec.table(name)
        h.update(name.encode())
        csv_digest(df, h)  # the bytes of df.to_csv(index=False, lineterminator="\n", float_format="%.10g")
    return h.hexdigest()


def record_of(a: Assessment, run_id: str | None = None, *, digest: bool = True) -> Record:
    """The history record of an assessment (not yet stored). ``digest`` False leaves ``results_sha256`` empty
    (a record that is only read, by the report, not stored)."""
    lv = _frame(a.levels, "levels")
    ind = _frame(a.indicators, "indicators")
    dims = _frame(a.dimensions, "dimensions")
    fac = a.facilities
    fpt = fac.geometry.representative_point()
    facilities = _frame(pd.DataFrame({
        "facility_id": fac.index.astype(str), "kind": fac["kind"].values, "name": fac["name"].values,
        "category": fac["category"].values if "category" in fac else None, "level": fac["level"].values,
        "x": fpt.x.round(3).values, "y": fpt.y.round(3).values,
        "nearest_community_m": fac.get("nearest_community_m", pd.Series(np.nan, index=fac.index)).values,
    }), "facilities")
    com = a.communities
    cpt = com.geometry.representative_point()
    communities = _frame(pd.DataFrame({
        "community_id": com.index.astype(str), "name": com["name"].values,
        "population": com["population"].values if "population" in com else None,
        "households": com["households"].values if "households" in com else None,
        "level": com["level"].values, "x": cpt.x.round(3).values, "y": cpt.y.round(3).values,
        "nearest_facility_id": com["nearest_facility_id"].values,
        "nearest_facility_m": com["nearest_facility_m"].values, "burden": com["burden"].values,
    }), "communities")
    ex = a.exposure
    exposure = _frame(ex[["facility_id", "community_id", "distance_m", "ring_m"]], "exposure")
    pop = pd.to_numeric(com["population"], errors="coerce") if "population" in com else pd.Series(dtype=float)
    summary = []
    for d in a.rings_m:
        sub = ex[ex["distance_m"] <= d]
        vill = sorted(set(map(str, sub["community_id"].unique())))
        summary.append({"ring_m": d, "pairs": len(sub), "facilities": sub["facility_id"].nunique(),
                        "villages": len(vill), "population": float(pop.reindex(vill).fillna(0).sum())})
    t = a.town
    run = {
        "run_id": run_id or _new_run_id(), "year": int(a.year), "edition_id": a.edition.id,
        "edition_sha256": a.edition.sha256, "created": a.manifest.get("created") or _now(),
        "version": a.manifest.get("version", ""), "town_id": str(t["town_id"]), "town_name": str(t["name"]),
        "town_name_en": str(t.get("name_en", "")), "level": int(t["level"]),
        "level_name_en": str(t["level_name_en"]), "level_name_th": str(t["level_name_th"]),
        "rings_m": json.dumps([int(d) for d in a.rings_m]), "results_sha256": "",
        "manifest": json.dumps(a.manifest, ensure_ascii=False, sort_keys=True),
    }
    rec = Record(run=run, levels=lv, indicators=ind, dimensions=dims, facilities=facilities,
                 communities=communities, exposure=exposure, exposure_summary=_frame(summary, "exposure_summary"))
    if digest:
        rec.run["results_sha256"] = record_digest(rec)
    return rec


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _new_run_id() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


class HistoryStore:
    """The history file. Open with ``HistoryStore(path)``; nothing is created until the first :meth:`save`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    # -- connection -----------------------------------------------------------------------------------------
    def _connect(self, *, create: bool) -> sqlite3.Connection:
        if not create and not self.path.exists():
            raise HistoryError(f"{self.path}: no results history here; run `ecotown assess --year YEAR --out DIR` "
                               f"first (it keeps the history in the parent folder of DIR) or give --history FILE")
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            con.execute("PRAGMA foreign_keys = ON")
            if not create:
                self._check_schema(con)
        except sqlite3.DatabaseError as e:
            raise HistoryError(f"{self.path}: not an ecotown results history ({e})") from None
        return con

    def _check_schema(self, con: sqlite3.Connection) -> int:
        """The schema version of the file (one of :data:`READ_VERSIONS`)."""
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError:
            raise HistoryError(f"{self.path}: not an ecotown results history (no 'meta' table)") from None
        if row is None or not str(row[0]).isdigit() or int(row[0]) not in READ_VERSIONS:
            raise HistoryError(f"{self.path}: history schema version {row[0] if row else '?'} is not a version "
                               f"this ecotown reads ({', '.join(map(str, READ_VERSIONS))})")
        return int(row[0])

    @staticmethod
    def _create_schema(con: sqlite3.Connection) -> None:
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        con.execute("CREATE TABLE runs (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT UNIQUE "
                    "NOT NULL, year INTEGER NOT NULL, edition_id TEXT NOT NULL, edition_sha256 TEXT, created TEXT, "
                    "version TEXT, town_id TEXT, town_name TEXT, town_name_en TEXT, level INTEGER, "
                    "level_name_en TEXT, level_name_th TEXT, rings_m TEXT, results_sha256 TEXT, manifest TEXT)")
        for name, cols in TABLES.items():
            con.execute(_table_sql(name, cols))
            con.execute(f'CREATE INDEX "{name}_run" ON "{name}" (run)')

    @staticmethod
    def _upgrade_v1(con: sqlite3.Connection) -> None:
        """Version 1 (the TEXT ``run_id`` on every row) to version 2 (the integer ``run`` = ``runs.seq``), in the
        caller's transaction: each table rebuilt with the rows in their order, then the old one dropped."""
        for name, cols in TABLES.items():
            col_sql = ", ".join(f't."{c}"' for c, _t in cols)
            con.execute(_table_sql(f"{name}_v2", cols))
            con.execute(f'INSERT INTO "{name}_v2" SELECT r.seq, {col_sql} FROM "{name}" t '
                        f"JOIN runs r ON r.run_id = t.run_id ORDER BY t.rowid")
            con.execute(f'DROP TABLE "{name}"')
            con.execute(f'ALTER TABLE "{name}_v2" RENAME TO "{name}"')
            con.execute(f'CREATE INDEX "{name}_run" ON "{name}" (run)')
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))

    # -- writing ----------------------------------------------------------------------------------------------
    def save(self, rec: Record) -> str:
        """Store ``rec`` in place of the earlier records of the same year and edition. One transaction: a failure
        leaves the file as it was; another writer waits for it (up to 30 s).

        A record without its digest (``record_of(a, digest=False)``) gets it here, computed on a second thread
        while the rows are inserted (hashing is Arrow and hashlib, which release the GIL; a region's digest took a
        second of the store's five), and ``rec.run["results_sha256"]`` is filled in."""
        with ThreadPoolExecutor(1, thread_name_prefix="ecotown-digest") as pool:
            digest = None if rec.run.get("results_sha256") else pool.submit(record_digest, rec)
            return self._save(rec, digest)

    def _save(self, rec: Record, digest: Future | None) -> str:
        con = self._connect(create=True)
        try:
            # every row inserted refers to the run inserted first, in the same transaction: checking the foreign
            # key of each of a region's million rows took a third of the time. The earlier records are deleted
            # table by table below, as ON DELETE CASCADE would. (The pragma is a no-op inside a transaction.)
            con.execute("PRAGMA foreign_keys = OFF")
            con.execute(f"PRAGMA cache_size = -{SAVE_CACHE_KIB}")  # a region's record changes ~200 MB of pages
            con.execute("BEGIN IMMEDIATE")
            try:
                has_meta = con.execute("SELECT 1 FROM sqlite_schema WHERE name = 'meta'").fetchone()
                if not has_meta:
                    self._create_schema(con)
                elif self._check_schema(con) == 1:
                    self._upgrade_v1(con)
                # the earlier records go first, so that the new one reuses their pages (the file does not grow
                # by a record each time a year is assessed again); the transaction keeps them until COMMIT
                old = [(seq,) for (seq,) in con.execute("SELECT seq FROM runs WHERE year = ? AND edition_id = ?",
                                                         (rec.year, rec.edition_id))]
                for name in TABLES:
                    con.executemany(f'DELETE FROM "{name}" WHERE run = ?', old)
                con.executemany("DELETE FROM runs WHERE seq = ?", old)
                run_id = rec.run["run_id"]
                seq = con.execute(f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) VALUES "
                                  f"({', '.join('?' * len(RUN_COLUMNS))})", [rec.run[c] for c in RUN_COLUMNS]).lastrowid
                for name, cols in TABLES.items():
                    self._insert(con, name, cols, seq, rec.table(name))
                if digest is not None:
                    rec.run["results_sha256"] = digest.result()
                    con.execute("UPDATE runs SET results_sha256 = ? WHERE seq = ?", (rec.run["results_sha256"], seq))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as e:
            raise HistoryError(f"{self.path}: could not store the {rec.year} results ({e}); "
                               "the history is unchanged") from None
        finally:
            con.close()
        return run_id

    @staticmethod
    def _insert(con: sqlite3.Connection, name: str, cols: list[tuple[str, str]], run: int,
                df: pd.DataFrame) -> None:
        names = [c for c, _t in cols]
        rows = zip(itertools.repeat(run, len(df)), *[_clean_column(df[c].tolist()) for c in names])
        col_sql = ", ".join(f'"{c}"' for c in names)
        con.executemany(f'INSERT INTO "{name}" (run, {col_sql}) VALUES ({", ".join("?" * (len(names) + 1))})',
                        rows)

    # -- reading ----------------------------------------------------------------------------------------------
    def runs(self) -> pd.DataFrame:
        """Every stored run: ``run_id, year, edition_id, level, created, results_sha256``, oldest year first."""
        if not self.path.exists():
            return pd.DataFrame(columns=["run_id", "year", "edition_id", "level", "created", "results_sha256"])
        con = self._connect(create=False)
        try:
            return pd.read_sql_query("SELECT run_id, year, edition_id, level, created, results_sha256 FROM runs "
                                     "ORDER BY year, seq", con)
        finally:
            con.close()

    def years(self) -> list[int]:
        return sorted(set(int(y) for y in self.runs()["year"]))

    def load(self, year: int, edition: str | None = None, *, run_id: str | None = None) -> Record:
        """The latest record of ``year`` (of ``edition`` when given, or exactly ``run_id``)."""
        con = self._connect(create=False)
        try:
            version = self._check_schema(con)
            q, args = "SELECT * FROM runs WHERE year = ?", [int(year)]
            if edition:
                q, args = q + " AND edition_id = ?", args + [edition]
            if run_id:
                q, args = q + " AND run_id = ?", args + [run_id]
            cur = con.execute(q + " ORDER BY seq DESC LIMIT 1", args)
            row = cur.fetchone()
            if row is None:
                what = f"{year}" + (f" with edition {edition}" if edition else "") + (f" run {run_id}" if run_id else "")
                have = ", ".join(str(y) for y in sorted({r[0] for r in con.execute("SELECT year FROM runs")})) or "none"
                raise HistoryError(f"{self.path}: no stored results for {what} (years stored: {have}); "
                                   f"run `ecotown assess --year {year}` first")
            run = dict(zip([d[0] for d in cur.description], row))
            seq = run.pop("seq", None)
            key, value = ("run", seq) if version >= 2 else ("run_id", run["run_id"])
            tables = {}
            for name, cols in TABLES.items():
                names = [c for c, _t in cols]
                col_sql = ", ".join(f'"{c}"' for c in names)
                rows = con.execute(f'SELECT {col_sql} FROM "{name}" WHERE {key} = ? ORDER BY rowid',
                                   (value,)).fetchall()
                tables[name] = _stored_frame(rows, names)
        except sqlite3.DatabaseError as e:
            raise HistoryError(f"{self.path}: cannot read the history ({e})") from None
        finally:
            con.close()
        return Record(run=run, **tables)

    def load_all(self, edition: str | None = None) -> list[Record]:
        """The latest record of every stored year, oldest first."""
        if not self.path.exists():
            return []
        runs = self.runs()
        if edition:
            runs = runs[runs["edition_id"] == edition]
        return [self.load(int(y), edition) for y in sorted(set(runs["year"]))]
