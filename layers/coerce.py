"""Turning source attribute values into the canonical types of a role, feature by feature."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .roles import FieldSpec

__all__ = ["coerce_value", "to_float", "to_floats", "strip_texts", "TRUE_WORDS", "FALSE_WORDS"]

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t", "ใช่", "มี", "จริง"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", "ไม่ใช่", "ไม่มี", "เท็จ"})


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, str) and v.strip() == ""


#: the code points of every character str.strip() removes (str.isspace(); tests/layers/test_strip.py checks the
#: list against Python's own: computing it at start cost 80 ms)
SPACE_CODE_POINTS = (0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002,
                     0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f,
                     0x3000)
_SPACE = "[" + "".join(f"\\x{{{i:x}}}" for i in SPACE_CODE_POINTS) + "]"
_EDGE_SPACE = f"^{_SPACE}|{_SPACE}$"


def strip_texts(values: np.ndarray) -> np.ndarray:
    """``[v.strip() for v in values]`` for an object array of text and None (None kept), as a new array.

    Arrow finds the few values with a space at either end (a nation's 600,000 names in milliseconds); only those
    are stripped in Python."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = np.array(values, dtype=object, copy=True)
    if not len(out):
        return out
    edged = pc.match_substring_regex(pa.array(out, pa.string(), from_pandas=True), _EDGE_SPACE)
    for pos in np.flatnonzero(edged.to_numpy(zero_copy_only=False) == True):  # noqa: E712 - null is not True
        out[pos] = out[pos].strip()
    return out


def to_float(v: Any) -> float:
    """One value as a float: NaN when it is missing or not a number; yes/no (True/False) as 1/0."""
    if v is None or v is pd.NA:
        return math.nan
    if isinstance(v, (bool, np.bool_)):
        return 1.0 if v else 0.0
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def to_floats(values: pd.Series) -> pd.Series:
    """A column as float64: NaN where a value is missing or not a number; yes/no (True/False) as 1/0."""
    if values.dtype == bool or isinstance(values.dtype, pd.BooleanDtype):
        return values.astype("Float64").astype(float)
    return pd.to_numeric(values, errors="coerce").astype(float)


def coerce_value(v: Any, spec: FieldSpec) -> tuple[Any, str | None]:
    """Return ``(value, problem)``: the value in the field's type, or None and a sentence saying why not.

    Missing values come back as None with no problem; whether they are allowed is decided by the caller.
    """
    if _is_missing(v):
        return None, None
    t = spec.type
    try:
        if t == "str":  # a registration number read as a number stays its digits: 10600000125469, not ...469.0
            out: Any = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
        elif t == "int":
            f = float(str(v).replace(",", "")) if isinstance(v, str) else float(v)
            if not f.is_integer():
                return None, f"expected a whole number, got {v!r}"
            out = int(f)
        elif t == "float":
            out = float(str(v).replace(",", "")) if isinstance(v, str) else float(v)
            if math.isnan(out):
                return None, None
        elif t == "bool":
            if isinstance(v, bool):
                out = v
            elif isinstance(v, (int, float)) and v in (0, 1):
                out = bool(v)
            else:
                word = str(v).strip().lower()
                if word in TRUE_WORDS:
                    out = True
                elif word in FALSE_WORDS:
                    out = False
                else:
                    return None, f"expected yes/no (true/false, 1/0, ใช่/ไม่ใช่), got {v!r}"
        else:  # pragma: no cover - roles.py refuses unknown types
            return None, f"unknown type {t}"
    except (TypeError, ValueError):
        return None, f"expected a {'whole number' if t == 'int' else 'number'}, got {v!r}"
    if t in ("int", "float"):
        if spec.min is not None and out < spec.min:
            return None, f"value {out} is below the minimum {spec.min}"
        if spec.max is not None and out > spec.max:
            return None, f"value {out} is above the maximum {spec.max}"
    if spec.allowed is not None and out not in spec.allowed:
        return None, f"value {out!r} is not allowed; use one of: {', '.join(spec.allowed)}"
    return out, None
