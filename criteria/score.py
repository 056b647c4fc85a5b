"""Scoring: every indicator's value and level for every subject, then one level per subject.

Rules (the edition file states them too):
* an indicator reaches the highest level whose threshold its value meets, level 1 when it meets none,
  and no level at all when it has no data ("no data" is never scored as zero);
* a subject reaches level L when at least ``pass_share[L]`` of its indicators reach L and every core
  indicator reaches L; levels are climbed in order, so a subject stops at the first level it misses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .aggregates import aggregate
from .edition import SUBJECT_KINDS, Edition, Indicator
from .errors import ScoringError

__all__ = ["Scores", "score", "decide_level", "INDICATOR_COLUMNS", "LEVEL_COLUMNS", "DIMENSION_COLUMNS"]

INDICATOR_COLUMNS = ["subject_kind", "subject_id", "subject_name", "indicator_id", "dimension_id", "aspect",
                     "name_en", "name_th", "unit", "direction", "source_kind", "source_detail", "value",
                     "status", "level_reached", "core", "threshold_next", "meets_next", "basis"]
LEVEL_COLUMNS = ["subject_kind", "subject_id", "name", "level", "level_name_en", "level_name_th", "rule",
                 "next_level", "indicators", "with_data", "reach_next", "needed_next", "gap_text"]
DIMENSION_COLUMNS = ["dimension_id", "name_en", "name_th", "indicators", "with_data", "reach_current",
                     "reach_next", "share_reach_next", "mean_level"]


@dataclass
class Scores:
    indicators: pd.DataFrame
    levels: pd.DataFrame
    dimensions: pd.DataFrame


def _as_float(v) -> float:
    if v is None or v is pd.NA:
        return np.nan
    if isinstance(v, (bool, np.bool_)):
        return 1.0 if v else 0.0
    try:
        f = float(v)
    except (TypeError, ValueError):
        return np.nan
    return f


def _fmt(v: float, unit: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "no data"
    if unit == "yes/no":
        return "yes" if v >= 0.5 else "no"
    if unit == "share":
        return f"{v * 100:.0f}%"
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}"


def _needs(ind: Indicator, level: int) -> str:
    t = ind.thresholds.get(level)
    if t is None:
        return "no threshold"
    if ind.unit == "yes/no":
        return "yes" if t >= 0.5 else "no"
    op = "≥" if ind.direction == "higher" else "≤"
    return f"{op} {_fmt(t, ind.unit)}"


def _value_of(ind: Indicator, kind: str, sid: str, row: pd.Series | None, tables: dict[str, pd.DataFrame],
              evidence: pd.DataFrame | None, agg_cache: dict, overrides: dict[str, float]
              ) -> tuple[float, str, str]:
    """(value, status, detail) of one indicator for one subject."""
    if ind.id in overrides:
        return float(overrides[ind.id]), "what-if", "what-if value given on the command line"
    src = ind.source_kind
    if src == "measure":
        col = ind.source["measure"]
        if row is None or col not in row.index:
            return np.nan, "no data", f"the {kind} layer has no field '{col}'"
        v = _as_float(row[col])
        return (v, "ok", f"{col}") if not math.isnan(v) else (np.nan, "no data", f"'{col}' is empty")
    if src == "aggregate":
        if ind.id not in agg_cache:
            agg_cache[ind.id] = aggregate(tables, ind.source["aggregate"])
        v, n, note = agg_cache[ind.id]
        detail = f"{ind.describe_source()}: {note}"
        return (v, "ok", detail) if not math.isnan(v) else (np.nan, "no data", detail)
    if evidence is not None:
        try:
            ev = evidence.loc[(kind, sid, ind.id)]
        except KeyError:
            ev = None
        if ev is not None:
            where = f"{evidence.attrs.get('path', 'evidence')} line {int(ev['line'])}"
            src_txt = f"; {ev['source']}" if ev.get("source") else ""
            return float(ev["value"]), "ok", f"{where}{src_txt}"
        return np.nan, "no data", f"not in {evidence.attrs.get('path', 'the evidence file')}"
    return np.nan, "no data", "no evidence file for this year"


def decide_level(reached: list[float], core: list[bool], pass_share: dict[int, float]) -> tuple[int, str, dict]:
    """The level of one subject from its indicators' levels (NaN = no data) and core flags.

    Returns (level, rule text, facts about the next level).
    """
    n = len(reached)
    if n == 0:
        return 1, "level 1: no indicators of this subject kind in the edition", {}
    level = 1
    rule = "level 1 (Engagement): the subject takes part in the assessment"
    fail: dict = {}
    for lv in (2, 3, 4, 5):
        k = sum(1 for r in reached if not math.isnan(r) and r >= lv)
        need_share = pass_share.get(lv, 1.0)
        needed = math.ceil(need_share * n - 1e-9)
        core_missing = [i for i, (r, c) in enumerate(zip(reached, core)) if c and (math.isnan(r) or r < lv)]
        ok = k >= needed and not core_missing
        if not ok:
            fail = {"level": lv, "reach": k, "needed": needed, "core_missing": core_missing}
            break
        level = lv
        rule = (f"level {lv}: {k} of {n} indicators reach level {lv} "
                f"(needs {needed}, {need_share:.0%}); every core indicator reaches it")
    return level, rule, fail


def score(edition: Edition, tables: dict[str, pd.DataFrame], evidence: pd.DataFrame | None = None, *,
          overrides: dict[str, float] | None = None) -> Scores:
    """Score every subject of ``tables`` (keys: town, factory, mine, community; each indexed by id)."""
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - {i.id for i in edition.indicators})
    if unknown:
        raise ScoringError(f"what-if value for unknown indicator(s) {', '.join(unknown)} "
                           f"(edition '{edition.id}'; see `ecotown criteria list`)")
    ind_rows: list[dict] = []
    lvl_rows: list[dict] = []
    agg_cache: dict = {}
    for kind in SUBJECT_KINDS:
        table = tables.get(kind)
        inds = edition.for_subject(kind)
        if table is None or not len(table):
            continue
        for sid in sorted(map(str, table.index)):
            row = table.loc[sid]
            name = str(row.get("name", sid))
            vals = [_value_of(i, kind, sid, row, tables, evidence, agg_cache, overrides) for i in inds]
            reached = [float(i.level_of(v)) if not math.isnan(v) else np.nan for i, (v, _s, _d) in zip(inds, vals)]
            level, rule, fail = decide_level(reached, [i.core for i in inds], edition.pass_share)
            nxt = level + 1 if level < 5 else None
            rows_here = []
            for i, (v, status, detail), r in zip(inds, vals, reached):
                rows_here.append({
                    "subject_kind": kind, "subject_id": sid, "subject_name": name, "indicator_id": i.id,
                    "dimension_id": i.dimension, "aspect": i.aspect, "name_en": i.name_en, "name_th": i.name_th,
                    "unit": i.unit, "direction": i.direction, "source_kind": i.source_kind,
                    "source_detail": detail, "value": None if math.isnan(v) else round(v, 6), "status": status,
                    "level_reached": None if math.isnan(r) else int(r), "core": i.core,
                    "threshold_next": i.thresholds.get(nxt) if nxt else None,
                    "meets_next": (None if nxt is None else (False if math.isnan(v) else i.meets(v, nxt))),
                    "basis": i.basis,
                })
            ind_rows += rows_here
            gap = _gap_text(edition, inds, vals, reached, level, fail)
            lv = edition.level(level)
            lvl_rows.append({
                "subject_kind": kind, "subject_id": sid, "name": name, "level": level,
                "level_name_en": lv.name_en, "level_name_th": lv.name_th, "rule": rule,
                "next_level": nxt, "indicators": len(inds),
                "with_data": sum(1 for v, _s, _d in vals if not math.isnan(v)),
                "reach_next": fail.get("reach") if fail else None,
                "needed_next": fail.get("needed") if fail else None, "gap_text": gap,
            })
    indicators = pd.DataFrame(ind_rows, columns=INDICATOR_COLUMNS)
    for c in ("level_reached",):
        indicators[c] = indicators[c].astype("Int64")
    levels = pd.DataFrame(lvl_rows, columns=LEVEL_COLUMNS)
    for c in ("next_level", "reach_next", "needed_next"):
        levels[c] = levels[c].astype("Int64")
    dims = _dimensions(edition, indicators, levels)
    return Scores(indicators=indicators, levels=levels, dimensions=dims)


def _gap_text(ed: Edition, inds: list[Indicator], vals, reached, level: int, fail: dict) -> str:
    if level >= 5 or not fail:
        return "Highest level reached." if level >= 5 else ""
    nxt = fail["level"]
    name = ed.level(nxt).name_en
    parts = []
    short = fail["needed"] - fail["reach"]
    if short > 0:
        parts.append(f"{short} more indicator{'s' if short != 1 else ''} must reach level {nxt} "
                     f"({fail['reach']} of {len(inds)} do, {fail['needed']} needed)")
    for idx in fail["core_missing"]:
        parts.append(f"core indicator '{inds[idx].id}' must reach level {nxt}")
    missing = []
    for i, (v, _s, _d), r in zip(inds, vals, reached):
        if math.isnan(r):
            missing.append(f"{i.id} (no data)")
        elif r < nxt:
            missing.append(f"{i.id} {_fmt(v, i.unit)} → {_needs(i, nxt)}")
    txt = f"To reach level {nxt} ({name}): " + "; ".join(parts) + "."
    if missing:
        txt += " Below level " + str(nxt) + ": " + ", ".join(missing) + "."
    return txt


def _dimensions(ed: Edition, indicators: pd.DataFrame, levels: pd.DataFrame) -> pd.DataFrame:
    town = indicators[indicators["subject_kind"] == "town"]
    tl = levels[levels["subject_kind"] == "town"]
    cur = int(tl["level"].iloc[0]) if len(tl) else 1
    nxt = min(cur + 1, 5)
    rows = []
    for d in ed.dimensions:
        sub = town[town["dimension_id"] == d["id"]]
        lr = sub["level_reached"]
        n = len(sub)
        reach_next = int((lr.fillna(0) >= nxt).sum())
        rows.append({
            "dimension_id": d["id"], "name_en": d["name_en"], "name_th": d["name_th"], "indicators": n,
            "with_data": int(lr.notna().sum()), "reach_current": int((lr.fillna(0) >= cur).sum()),
            "reach_next": reach_next, "share_reach_next": round(reach_next / n, 6) if n else None,
            "mean_level": round(float(lr.dropna().astype(float).mean()), 6) if lr.notna().any() else None,
        })
    return pd.DataFrame(rows, columns=DIMENSION_COLUMNS)
