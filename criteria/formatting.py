"""Indicator values and thresholds as people read them, in English or Thai (one place for every output).

Shares are percentages, counts get thousands separators, yes/no indicators read yes/no (มี/ไม่มี), and a
missing value reads "no data" (ไม่มีข้อมูล). The words come from ``phrases.yaml``.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from geo.yamltext import load_yaml

__all__ = ["format_value", "needs_text", "phrases"]


@lru_cache(maxsize=1)
def phrases() -> dict:
    """The wording of values and gaps in English and Thai, from ``phrases.yaml`` beside this module."""
    return load_yaml((Path(__file__).resolve().parent / "phrases.yaml").read_text(encoding="utf-8"))


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def format_value(v: Any, unit: str = "", lang: str = "en", *, no_data: str | None = None) -> str:
    """``0.42, 'share'`` -> ``'42%'``; ``1, 'yes/no', 'th'`` -> ``'มี'``; ``None`` -> ``'no data'``.

    A value that is not a number (a name, a category) is shown as it is.
    """
    ph = phrases()
    if _missing(v):
        return ph["no_data"][lang] if no_data is None else no_data
    if isinstance(v, bool):
        return ph["yes" if v else "no"][lang]
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(f):
        return ph["no_data"][lang] if no_data is None else no_data
    if unit == "yes/no":
        return ph["yes" if f >= 0.5 else "no"][lang]
    if unit == "share":
        return f"{f * 100:.0f}%"
    return f"{int(f):,}" if f.is_integer() else f"{f:,.2f}"


def needs_text(threshold: Any, unit: str, direction: str, lang: str = "en", *,
               missing: str = "no threshold") -> str:
    """What a level needs: ``'≥ 20%'``, ``'≤ 2'``, or yes/no; ``missing`` when the level has no threshold."""
    if _missing(threshold):
        return missing
    if unit == "yes/no":
        return format_value(threshold, unit, lang)
    return f"{'≥' if direction == 'higher' else '≤'} {format_value(threshold, unit, lang)}"
