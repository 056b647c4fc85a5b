"""What data is missing, in the words people act on: "collect gi_level for 15 factories to score
'green_industry_share'".

Layers as offices hand them over rarely carry every attribute the criteria read: a DIW registry has no Green
Industry level, a village layer no population. Such a value is "no data" for the indicators that read it, never
zero; this module lists, per subject kind and field, how many subjects lack it and which indicators it would let
the tool score, so that the console, ``gaps.csv``, ``ecotown explain`` and the report's data-health page can say
what to collect.
"""

from __future__ import annotations

import pandas as pd

from .edition import Edition
from .formatting import phrases

__all__ = ["data_gaps", "DATA_GAP_COLUMNS", "fields_read"]

DATA_GAP_COLUMNS = ["subject_kind", "field", "missing", "of", "indicators", "examples", "action", "action_th"]

#: subject kind -> (English plural, Thai noun)
_NOUNS = {"factory": ("factories", "โรงงาน"), "mine": ("mines", "เหมือง"), "community": ("villages", "หมู่บ้าน"),
          "town": ("towns", "ตำบล")}

#: fields the spatial analysis reads from villages: missing values are counted as "population unknown"
_ANALYSIS_FIELDS = {"community": {"population": "pop_within", "households": "hh_within"}}


def fields_read(edition: Edition) -> dict[tuple[str, str], list[str]]:
    """``(subject kind, field) -> [indicator ids]`` for every layer field an indicator reads directly or through
    a town aggregate (evidence indicators read the evidence file, not a layer)."""
    out: dict[tuple[str, str], list[str]] = {}
    for ind in edition.indicators:
        if ind.source_kind == "measure":
            key = (ind.subject, str(ind.column))
        elif ind.source_kind == "aggregate":
            agg = ind.aggregate_spec
            key = (str(agg.get("from")), str(agg["column"]))
        else:
            continue
        out.setdefault(key, []).append(ind.id)
    return out


def _missing_ids(table: pd.DataFrame, col: str) -> list[str]:
    if col not in table.columns:
        return sorted(map(str, table.index))
    return sorted(map(str, table.index[table[col].isna().to_numpy()]))


def data_gaps(edition: Edition, tables: dict[str, pd.DataFrame], *, layer_fields: dict[str, set[str]]
              ) -> pd.DataFrame:
    """One row per (subject kind, field) that some subjects lack, with the action that closes the gap.

    ``layer_fields`` names, per subject kind, the fields that come from layers (so an analysis column such as
    ``pop_within_500`` is never reported as something to collect).
    """
    ph = phrases()["collect"]
    wanted = fields_read(edition)
    for kind, cols in _ANALYSIS_FIELDS.items():
        for col in cols:
            wanted.setdefault((kind, col), [])
    rows = []
    order = {k: i for i, k in enumerate(("factory", "mine", "community", "town"))}
    for (kind, col), inds in sorted(wanted.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][1])):
        table = tables.get(kind)
        if table is None or not len(table) or col not in layer_fields.get(kind, set()):
            continue
        miss = _missing_ids(table, col)
        if not miss:
            continue
        n, total = len(miss), len(table)
        en, th = _NOUNS.get(kind, (kind, kind))
        names = ", ".join(f"'{i}'" for i in inds)
        if inds:
            why_en = ph["score"]["en"].format(indicators=names)
            why_th = ph["score"]["th"].format(indicators=names)
        else:
            why_en = ph["analysis"]["en"]
            why_th = ph["analysis"]["th"]
        rows.append({
            "subject_kind": kind, "field": col, "missing": n, "of": total, "indicators": ", ".join(inds),
            "examples": ", ".join(miss[:5]) + (", …" if n > 5 else ""),
            "action": ph["head"]["en"].format(field=col, count=n, total=total, noun=en) + why_en,
            "action_th": ph["head"]["th"].format(field=col, count=n, total=total, noun=th) + why_th,
        })
    return pd.DataFrame(rows, columns=DATA_GAP_COLUMNS)
