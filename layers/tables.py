"""Reading attribute tables as offices hand them over: CSV (UTF-8 or cp874, ``,`` ``;`` or tab separated), Excel
workbooks (XLSX), dBASE tables (DBF) and GeoPackage attribute tables.

Every value comes back as text (or None when the cell is empty): a registration number such as ``0105`` or
``10600000125469`` stays exactly as written, never a float. Deciding what a value means (a number, a date, a level)
is the caller's job, feature by feature, so that a bad value can be named with its row and field.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio

from .errors import LayerReadError

__all__ = ["Table", "read_table", "TABLE_FORMATS", "cell_text"]

#: file endings read as tables, and the format they stand for
TABLE_FORMATS = {".csv": "CSV", ".txt": "CSV", ".xlsx": "XLSX", ".xlsm": "XLSX", ".dbf": "DBF",
                 ".gpkg": "GeoPackage table"}

#: encodings tried for CSV and DBF text, in order (Excel in Thai Windows saves cp874)
_ENCODINGS = ("utf-8-sig", "cp874")
_DELIMITERS = ",;\t|"


@dataclass
class Table:
    """A table read from a file: text values, the column names as written (spaces around them removed)."""

    path: Path
    format: str
    df: pd.DataFrame
    encoding: str | None = None
    sheet: str | None = None
    layer: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)

    def row_label(self, pos: int) -> str:
        """How a row is named in messages: its line in the CSV or the sheet (header = line/row 1)."""
        if self.format == "XLSX":
            return f"row {pos + 2} of sheet '{self.sheet}'"
        if self.format == "CSV":
            return f"line {pos + 2}"
        return f"record {pos + 1}"


def cell_text(v: Any) -> str | None:
    """One cell as text: None when empty; ``10600000125469.0`` -> ``'10600000125469'``; dates as ISO."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return str(int(v)) if v.is_integer() and abs(v) < 1e16 else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, _dt.datetime):
        return v.date().isoformat() if v.time() == _dt.time() else v.isoformat(sep=" ")
    if isinstance(v, _dt.date):
        return v.isoformat()
    if v is pd.NA or v is pd.NaT:
        return None
    s = str(v).strip()
    return s or None


def _text_frame(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    cols = [str(c).strip() for c in df.columns]
    seen: dict[str, int] = {}
    for c in cols:
        seen[c] = seen.get(c, 0) + 1
    dup = [c for c, n in seen.items() if n > 1 and c]
    if dup:
        raise LayerReadError(f"{path}: the column name(s) {', '.join(repr(c) for c in dup)} appear more than once; "
                             "give every column its own name")
    out = pd.DataFrame({c: [cell_text(v) for v in df.iloc[:, i].tolist()] for i, c in enumerate(cols)},
                       index=pd.RangeIndex(len(df)), dtype=object)
    # a column Excel or a spreadsheet added with no header and nothing in it
    empty = [c for c in out.columns if (not c or c.startswith("Unnamed:")) and out[c].isna().all()]
    return out.drop(columns=empty)


def _sniff(sample: str) -> str:
    head = "\n".join(sample.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(head, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first = head.splitlines()[0] if head else ""
        counts = {d: first.count(d) for d in _DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _read_csv(path: Path, encoding: str | None) -> Table:
    raw = path.read_bytes()
    if not raw.strip():
        raise LayerReadError(f"{path}: the CSV file is empty")
    tried = []
    text = None
    used = None
    for enc in ([encoding] if encoding else _ENCODINGS):
        try:
            text = raw.decode(enc)
            used = enc
            break
        except LookupError:
            raise LayerReadError(f"{path}: unknown text encoding '{enc}' (use e.g. cp874, utf-8)") from None
        except UnicodeDecodeError as exc:
            tried.append(f"{enc}: {exc.reason} at byte {exc.start}")
    if text is None:
        raise LayerReadError(f"{path}: the CSV text is in an unknown encoding ({'; '.join(tried)}); save it as "
                             "UTF-8 CSV (Excel: Save As > CSV UTF-8)")
    delim = _sniff(text[:20000])
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=delim)
    except pd.errors.EmptyDataError:
        raise LayerReadError(f"{path}: the CSV file is empty") from None
    except pd.errors.ParserError as exc:
        raise LayerReadError(f"{path}: is not a readable CSV table: {str(exc).strip()}") from None
    notes = []
    if used != _ENCODINGS[0] and not encoding:
        notes.append(f"{path}: the CSV is not UTF-8; read it as {used}")
    if delim != ",":
        notes.append(f"{path}: columns are separated by {'tab' if delim == chr(9) else repr(delim)}")
    return Table(path=path, format="CSV", df=_text_frame(df, path), encoding=used, delimiter=delim, notes=notes)


def _read_xlsx(path: Path, sheet: str | None) -> Table:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency of ecotown
        raise LayerReadError(f"{path}: reading Excel files needs openpyxl (pip install openpyxl)") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
        raise LayerReadError(f"{path}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc}). The file "
                             "may be damaged, or an old .xls: save it as .xlsx") from None
    try:
        names = list(wb.sheetnames)
        if sheet is None:
            filled = [n for n in names if wb[n].max_row and (wb[n].max_row > 1 or wb[n].max_column > 1)]
            if len(filled) > 1:
                raise LayerReadError(f"{path}: the workbook has {len(filled)} sheets ({', '.join(filled)}); say "
                                     "which one holds the table with --sheet NAME")
            sheet = (filled or names)[0]
        elif sheet not in names:
            raise LayerReadError(f"{path}: has no sheet '{sheet}'. Sheets: {', '.join(names)}")
        rows = [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()
    while rows and all(cell_text(v) is None for v in rows[0]):
        rows.pop(0)
    if not rows:
        raise LayerReadError(f"{path}: sheet '{sheet}' is empty")
    header = [cell_text(v) or "" for v in rows[0]]
    while header and not header[-1]:
        header.pop()
    body = [r[:len(header)] + [None] * (len(header) - len(r)) for r in rows[1:]]
    while body and all(cell_text(v) is None for v in body[-1]):
        body.pop()
    df = pd.DataFrame(body, columns=header, dtype=object)
    return Table(path=path, format="XLSX", df=_text_frame(df, path), sheet=sheet)


def _read_ogr_table(path: Path, fmt: str, layer: str | None, encoding: str | None) -> Table:
    kw: dict[str, Any] = {"read_geometry": False}
    picked = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if fmt == "GeoPackage table":
                listed = pyogrio.list_layers(path)
                names = [str(n) for n, _ in listed]
                plain = [str(n) for n, g in listed if g is None]
                if layer is not None:
                    if layer not in names:
                        raise LayerReadError(f"{path}: has no table '{layer}'. Tables and layers: "
                                             f"{', '.join(names) or 'none'}")
                    picked = layer
                elif len(plain) == 1:
                    picked = plain[0]
                else:
                    raise LayerReadError(f"{path}: holds {len(names)} tables and layers ({', '.join(names)}); say "
                                         "which one with --layer NAME")
                kw["layer"] = picked
            if encoding:
                kw["encoding"] = encoding
            df = pyogrio.read_dataframe(path, **kw)
    except LayerReadError:
        raise
    except Exception as exc:
        raise LayerReadError(f"{path}: cannot be read as a {fmt} ({str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}); "
                             "the file may be damaged") from None
    notes: list[str] = []
    used = encoding
    if fmt == "DBF" and not encoding and not path.with_suffix(".cpg").exists():
        from .formats import _looks_like_cp874  # the shapefile check: Latin-1 text that is Thai in cp874

        if _looks_like_cp874(df):
            df = pyogrio.read_dataframe(path, read_geometry=False, encoding="cp874")
            used = "cp874"
            notes.append(f"{path}: the table has no .cpg file and its text is Thai in cp874 (TIS-620); read it as "
                         "cp874")
    return Table(path=path, format=fmt, df=_text_frame(pd.DataFrame(df), path), encoding=used, layer=picked,
                 notes=notes)


def read_table(path: str | Path, *, sheet: str | None = None, layer: str | None = None,
               encoding: str | None = None) -> Table:
    """Read a table without geometry (CSV, XLSX, DBF, GeoPackage attribute table); every value as text.

    Raises
    ------
    LayerReadError
        The file is missing, a folder, damaged, in an unknown encoding, a workbook with several sheets and no
        ``sheet``, or not a table format; the message names the file and says what to do.
    """
    path = Path(path)
    if not path.exists():
        raise LayerReadError(f"{path}: file not found")
    if path.is_dir():
        raise LayerReadError(f"{path}: is a folder; give the table file (.csv, .xlsx, .dbf or .gpkg)")
    fmt = TABLE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LayerReadError(f"{path}: is not a table format ecotown reads; use CSV, XLSX, DBF or a GeoPackage "
                             "attribute table (an old .xls: save it as .xlsx)")
    if fmt == "CSV":
        return _read_csv(path, encoding)
    if fmt == "XLSX":
        return _read_xlsx(path, sheet)
    return _read_ogr_table(path, fmt, layer, encoding)
