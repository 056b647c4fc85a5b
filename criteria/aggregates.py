"""Town values computed from another subject's table (the ``aggregate`` source of an indicator).

Each aggregator takes the rows of the subject table(s) and the indicator's ``aggregate`` mapping and
returns ``(value, n_used, note)``. Rows whose column is missing are left out (no data is not zero);
a value is NaN when no row has data. Add an aggregator by writing a function and registering it here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from layers import to_floats

__all__ = ["AGGREGATORS", "aggregate"]

Result = tuple[float, int, str]


def _mean(df: pd.DataFrame, spec: dict[str, Any]) -> Result:
    v = to_floats(df[spec["column"]]).dropna()
    return (float(v.mean()) if len(v) else np.nan, len(v), f"mean of {len(v)} of {len(df)}")


def _sum(df: pd.DataFrame, spec: dict[str, Any]) -> Result:
    v = to_floats(df[spec["column"]]).dropna()
    return (float(v.sum()) if len(v) else np.nan, len(v), f"sum over {len(v)} of {len(df)}")


def _share_at_least(df: pd.DataFrame, spec: dict[str, Any]) -> Result:
    v = to_floats(df[spec["column"]]).dropna()
    k = int((v >= float(spec["value"])).sum())
    return (k / len(v) if len(v) else np.nan, len(v), f"{k} of {len(v)} at {spec['value']} or more")


def _share_at_most(df: pd.DataFrame, spec: dict[str, Any]) -> Result:
    v = to_floats(df[spec["column"]]).dropna()
    k = int((v <= float(spec["value"])).sum())
    return (k / len(v) if len(v) else np.nan, len(v), f"{k} of {len(v)} at {spec['value']} or less")


def _share_true(df: pd.DataFrame, spec: dict[str, Any]) -> Result:
    v = to_floats(df[spec["column"]]).dropna()
    k = int((v > 0).sum())
    return (k / len(v) if len(v) else np.nan, len(v), f"{k} of {len(v)} yes")


def _weighted_share_at_most(df: pd.DataFrame, spec: dict[str, Any]) -> Result:
    v = to_floats(df[spec["column"]])
    w = to_floats(df[spec["weight"]])
    ok = v.notna() & w.notna()
    total = float(w[ok].sum())
    if not ok.any() or total <= 0:
        return np.nan, int(ok.sum()), "no weights"
    part = float(w[ok & (v <= float(spec["value"]))].sum())
    return part / total, int(ok.sum()), f"{part:,.0f} of {total:,.0f} {spec['weight']}"


AGGREGATORS: dict[str, Callable[[pd.DataFrame, dict[str, Any]], Result]] = {
    "mean": _mean,
    "sum": _sum,
    "share_at_least": _share_at_least,
    "share_at_most": _share_at_most,
    "share_true": _share_true,
    "weighted_share_at_most": _weighted_share_at_most,
}


def aggregate(tables: dict[str, pd.DataFrame], spec: dict[str, Any]) -> Result:
    """Apply the aggregator named by ``spec['fn']`` over the subject table(s) named by ``spec['from']``.

    A column missing from the table(s) gives NaN ("no data").
    """
    kinds = [spec["from"]] if isinstance(spec["from"], str) else list(spec["from"])
    parts = [tables[k] for k in kinds if k in tables and len(tables[k])]
    needed = [c for c in (spec["column"], spec.get("weight")) if c]
    parts = [p for p in parts if all(c in p.columns for c in needed)]
    if not parts:
        return np.nan, 0, f"no {'/'.join(kinds)} rows with column '{spec['column']}'"
    df = pd.concat([p[needed] for p in parts], ignore_index=True)
    return AGGREGATORS[spec["fn"]](df, spec)
