"""XLSX export: one sheet per table, Thai text intact, the same bytes for the same tables.

openpyxl stamps the workbook with the current time and the zip members with the file time; both are pinned
here so that a re-run with the same inputs gives the same file.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import zipfile
from pathlib import Path

import pandas as pd

from layers.atomic import atomic_write_bytes

from ..errors import MapsError

__all__ = ["write_xlsx", "sheet_name"]

_FIXED = _dt.datetime(2000, 1, 1)
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_BAD = set('[]:*?/\\')


def sheet_name(name: str, taken: set[str]) -> str:
    """An Excel-valid, unique sheet name (at most 31 characters, none of []:*?/\\)."""
    base = "".join("_" if c in _BAD else c for c in name)[:31] or "sheet"
    out, i = base, 2
    while out.lower() in taken:
        suffix = f"~{i}"
        out, i = base[: 31 - len(suffix)] + suffix, i + 1
    taken.add(out.lower())
    return out


def _cell(v):
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):  # numpy scalar
        v = v.item()
    if isinstance(v, (str, int, float, bool)):
        return v
    return str(v)


def write_xlsx(tables: dict[str, pd.DataFrame], path: str | Path, *, headers: dict[str, str] | None = None) -> Path:
    """Write every table to its own sheet of ``path``; ``headers`` renames column titles (e.g. to Thai)."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
    except ImportError:
        raise MapsError("the XLSX export needs the Python package openpyxl (pip install openpyxl)") from None
    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    for name, df in tables.items():
        ws = wb.create_sheet(sheet_name(name, taken))
        cols = [str(c) for c in df.columns]
        ws.append([(headers or {}).get(c, c) for c in cols])
        for c in ws[1]:
            c.font = bold
        for row in df.itertuples(index=False, name=None):
            ws.append([_cell(v) for v in row])
        for i, c in enumerate(cols, start=1):
            width = max([len(str((headers or {}).get(c, c)))] + [len(str(v)) for v in df.iloc[:200, i - 1]])
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(60, max(8, width + 2))
        ws.freeze_panes = "A2"
    wb.properties.creator = "ecotown"
    wb.properties.created = _FIXED
    wb.properties.modified = _FIXED
    wb.properties.lastModifiedBy = "ecotown"
    raw = io.BytesIO()
    wb.save(raw)
    # re-pack with a fixed time on every member (openpyxl writes the current time; modified is reset on save)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _pin_core_dates(data)
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, data)
    atomic_write_bytes(path, out.getvalue())
    return path


def _pin_core_dates(xml: bytes) -> bytes:
    import re

    stamp = _FIXED.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + stamp + rb"\g<2>", xml)
