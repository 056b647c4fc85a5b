"""Scoring: every indicator's value and level for every subject, then one level per subject.

Rules (the edition file states them too):
* an indicator reaches the highest level whose threshold its value meets, level 1 when it meets none,
  and no level at all when it has no data ("no data" is never scored as zero);
* prerequisites first: a subject cannot reach level L unless its core indicators and the edition's
  ``prerequisites[L]`` reach L;
* then a subject reaches level L when at least ``pass_share[L]`` of its indicators (by count, or by
  weight for ``scoring.method: weighted``) reach L; levels are climbed in order.

The result does not depend on the order of rows or of indicators: subjects are sorted by id and every
sum is over a fixed indicator order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from layers import to_float

from .aggregates import aggregate
from .edition import SUBJECT_KINDS, Edition, Indicator
from .errors import ScoringError
from .formatting import phrases
from .gap import Change, smallest_lift
from .measures import DIMENSIONS_MEASURE

__all__ = ["Scores", "score", "check_distances", "decide_level", "split_overrides", "INDICATOR_COLUMNS", "LEVEL_COLUMNS",
           "DIMENSION_COLUMNS"]

INDICATOR_COLUMNS = ["subject_kind", "subject_id", "subject_name", "indicator_id", "dimension_id", "aspect",
                     "name_en", "name_th", "unit", "direction", "source_kind", "source_detail", "value",
                     "status", "level_reached", "core", "weight", "threshold_next", "meets_next", "basis"]
LEVEL_COLUMNS = ["subject_kind", "subject_id", "name", "level", "level_name_en", "level_name_th", "rule",
                 "next_level", "indicators", "with_data", "no_data", "reach_next", "needed_next", "gap_text",
                 "gap_text_th"]
GAP_COLUMNS = ["subject_kind", "subject_id", "next_level", "step", "indicator_id", "value_from", "value_to",
               "action", "action_th"]
DIMENSION_COLUMNS = ["dimension_id", "name_en", "name_th", "indicators", "with_data", "reach_current",
                     "reach_next", "share_reach_next", "mean_level"]


@dataclass
class Scores:
    indicators: pd.DataFrame
    levels: pd.DataFrame
    dimensions: pd.DataFrame
    gaps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=GAP_COLUMNS))


def split_overrides(edition: Edition, overrides: dict[str, float] | None) -> dict[tuple[str | None, str], float]:
    """``{'gi_level': 3, 'F05:gi_level': 4}`` -> ``{(None, 'gi_level'): 3, ('F05', 'gi_level'): 4}``.

    A key without a subject applies to every subject the indicator scores.
    """
    out: dict[tuple[str | None, str], float] = {}
    known = {i.id for i in edition.indicators}
    bad = []
    for key, v in (overrides or {}).items():
        sid, _, iid = key.rpartition(":") if ":" in key else (None, "", key)
        if iid not in known:
            bad.append(iid)
            continue
        out[(sid or None, iid)] = float(v)
    if bad:
        raise ScoringError(f"what-if value for unknown indicator(s) {', '.join(sorted(set(bad)))} "
                           f"(edition '{edition.id}'; see `ecotown criteria list`)")
    return out


def _apply_measure_overrides(edition: Edition, tables: dict[str, pd.DataFrame],
                             ov: dict[tuple[str | None, str], float]) -> dict[str, pd.DataFrame]:
    """What-if values of measured indicators are written into the tables, so town aggregates see them too."""
    out = dict(tables)
    for (sid, iid), v in sorted(ov.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        ind = edition.indicator(iid)
        if ind.source_kind != "measure" or ind.subject not in out:
            continue
        col = ind.column
        t = out[ind.subject].copy()
        if col not in t.columns:
            t[col] = np.nan
        if t[col].dtype == bool or isinstance(t[col].dtype, pd.BooleanDtype) or \
                pd.api.types.is_integer_dtype(t[col].dtype):
            t[col] = t[col].astype("float64")
        if sid is None:
            t[col] = v
        elif sid in t.index:
            t.loc[sid, col] = v
        else:
            raise ScoringError(f"what-if for '{sid}:{iid}': no {ind.subject} with id '{sid}'")
        out[ind.subject] = t
    return out


def check_distances(edition: Edition, tables: dict[str, pd.DataFrame]) -> None:
    """Refuse tables that lack a distance the edition reads: a column such as ``pop_within_500`` that was not
    measured is an error naming the indicator and the distance, never a silent "no data".

    (A layer field that is missing, such as ``gi_level``, is "no data": the office can still collect it.)
    """
    missing = []
    for ind in edition.indicators:
        if ind.ring_m is None:
            continue
        for kind in ind.measured_kinds:
            t = tables.get(kind)
            if t is not None and ind.column not in t.columns:
                missing.append(f"indicator '{ind.id}' reads {ind.measure} within {ind.ring_m} m, but the {kind} "
                               f"table has no column '{ind.column}'")
    if missing:
        raise ScoringError("the distances the criteria read were not all measured (the assessment measures "
                           "every ring_m of the edition):\n  " + "\n  ".join(missing))


class _Row:
    """What scoring reads of one table row (``table.loc[sid]``): ``index`` (the table's columns), ``row[col]``
    and ``row.get(col, default)`` for the columns read."""

    __slots__ = ("index", "_values")

    def __init__(self, index: frozenset, values: dict):
        self.index = index
        self._values = values

    def __getitem__(self, col: str):
        return self._values[col]

    def get(self, col: str, default=None):
        return self._values[col] if col in self._values else default


class _RowReader:
    """Rows of ``table`` by id, each holding only ``columns`` (those present), taken column by column once:
    ``table.loc[sid]`` per subject builds a Series of every column and costs a minute for a region's 50,000
    subjects."""

    def __init__(self, table: pd.DataFrame, columns: list):
        self.index = frozenset(table.columns)
        cols = list(dict.fromkeys(c for c in columns if c is not None and c in self.index))
        self.columns = cols
        self.values = [table[c].tolist() for c in cols]
        self.position = {str(k): n for n, k in enumerate(table.index)}

    def row(self, sid: str) -> _Row:
        n = self.position[sid]
        return _Row(self.index, {c: v[n] for c, v in zip(self.columns, self.values)})


def _value_of(ind: Indicator, kind: str, sid: str, row: pd.Series | None, tables: dict[str, pd.DataFrame],
              evidence: pd.DataFrame | None, agg_cache: dict, ov: dict[tuple[str | None, str], float]
              ) -> tuple[float, str, str]:
    """(value, status, detail) of one indicator for one subject."""
    if ind.source_kind != "measure":
        for key in ((sid, ind.id), (None, ind.id)):
            if key in ov:
                return ov[key], "what-if", "what-if value"
    src = ind.source_kind
    if src == "measure":
        col = ind.column
        if row is None or col not in row.index:
            return np.nan, "no data", f"the {kind} layer has no field '{col}'"
        v = to_float(row[col])
        status = "what-if" if (sid, ind.id) in ov or (None, ind.id) in ov else "ok"
        if math.isnan(v) and ind.reads_evidence:  # no table to compute it from: the evidence file, if it has it
            return _evidence_value(ind, kind, sid, evidence, f"'{col}' has no data (no table to compute it from)")
        return (v, status, f"{col}") if not math.isnan(v) else (np.nan, "no data", f"'{col}' is empty")
    if src == "aggregate":
        if ind.id not in agg_cache:
            agg_cache[ind.id] = aggregate(tables, ind.aggregate_spec)
        v, _n, note = agg_cache[ind.id]
        detail = f"{ind.describe_source()}: {note}"
        return (v, "ok", detail) if not math.isnan(v) else (np.nan, "no data", detail)
    return _evidence_value(ind, kind, sid, evidence)


def _evidence_value(ind: Indicator, kind: str, sid: str, evidence: pd.DataFrame | None, why: str = ""
                    ) -> tuple[float, str, str]:
    """The value the evidence file gives ``ind`` for subject ``sid`` (``why``: why the evidence is read)."""
    pre = f"{why}; " if why else ""
    if evidence is not None:
        try:
            ev = evidence.loc[(kind, sid, ind.id)]
        except KeyError:
            ev = None
        if ev is not None:
            where = f"{evidence.attrs.get('path', 'evidence')} line {int(ev['line'])}"
            src_txt = f"; {ev['source']}" if ev.get("source") else ""
            return float(ev["value"]), "ok", f"{pre}{where}{src_txt}"
        return np.nan, "no data", f"{pre}not in {evidence.attrs.get('path', 'the evidence file')}"
    return np.nan, "no data", f"{pre}no evidence file for this year"


def _with_dimensions_covered(edition: Edition, inds: list[Indicator], vals: list[tuple[float, str, str]], sid: str,
                             ov: dict[tuple[str | None, str], float]) -> list[tuple[float, str, str]]:
    """``dimensions_covered``: in how many of the edition's dimensions the subject's other indicators have data
    (computed here, from the values just read; a what-if value wins)."""
    out = list(vals)
    for k, ind in enumerate(inds):
        if ind.source_kind != "measure" or ind.measure != DIMENSIONS_MEASURE:
            continue
        if (sid, ind.id) in ov or (None, ind.id) in ov:
            out[k] = (ov.get((sid, ind.id), ov.get((None, ind.id))), "what-if", "what-if value")
            continue
        have = {i.dimension for i, (v, _s, _d) in zip(inds, vals)
                if i.measure != DIMENSIONS_MEASURE and not math.isnan(v)}
        dims = [d["id"] for d in edition.dimensions]
        got = [d for d in dims if d in have]
        missing = [d for d in dims if d not in have]
        detail = (f"{len(got)} of {len(dims)} dimensions have indicators with data"
                  + (f" (none in {', '.join(missing)})" if missing else ""))
        out[k] = (float(len(got)), "ok", detail)
    return out


def decide_level(reached: list[float], core: list[bool], pass_share: dict[int, float], *,
                 weights: list[float] | None = None, prereq: dict[int, set[int]] | None = None,
                 counted: list[bool] | None = None) -> tuple[int, str, dict]:
    """The level of one subject from its indicators' levels (NaN = no data).

    ``core[i]`` makes indicator i a prerequisite of every level; ``prereq[L]`` adds indicator positions that
    must reach L; ``counted[i]`` False leaves indicator i out of the share (a prerequisite only, such as the
    measure of an entry requirement). Returns (level, rule text, facts about the first level missed).
    """
    if not reached:
        return 1, "level 1: no indicators of this subject kind in the edition", {}
    cnt = [True] * len(reached) if counted is None else list(counted)
    w = [(1.0 if weights is None else float(x)) * (1.0 if c else 0.0)
         for x, c in zip(weights or [1.0] * len(reached), cnt)]
    n = sum(cnt)
    total = sum(w)
    weighted = weights is not None
    level = 1
    rule = "level 1 (Engagement): the subject takes part in the assessment"
    fail: dict = {}
    for lv in (2, 3, 4, 5):
        pre = {i for i in range(len(reached)) if core[i]} | set((prereq or {}).get(lv, set()))
        pre_missing = sorted(i for i in pre if math.isnan(reached[i]) or reached[i] < lv)
        got = sum(wi for r, wi in zip(reached, w) if not math.isnan(r) and r >= lv)
        k = sum(1 for r, c in zip(reached, cnt) if c and not math.isnan(r) and r >= lv)
        share = pass_share.get(lv, 1.0)
        need = share * total
        needed = math.ceil(need - 1e-9) if not weighted else need
        ok = not pre_missing and got >= needed - 1e-9
        if not ok:
            fail = {"level": lv, "reach": k, "reach_weight": got, "needed": needed, "total": total,
                    "core_missing": pre_missing, "weighted": weighted}
            break
        level = lv
        what = f"{got:g} of {total:g} weight" if weighted else f"{k} of {n} indicators"
        rule = (f"level {lv}: prerequisites reached; {what} reach level {lv} "
                f"(needs {needed:g}, {share:.0%})")
    return level, rule, fail


def score(edition: Edition, tables: dict[str, pd.DataFrame], evidence: pd.DataFrame | None = None, *,
          overrides: dict[str, float] | None = None) -> Scores:
    """Score every subject of ``tables`` (keys: town, factory, mine, community; each indexed by id).

    ``overrides`` are what-if values: ``{'INDICATOR': v}`` for every subject, ``{'SUBJECT:INDICATOR': v}`` for one.
    """
    ov = split_overrides(edition, overrides)
    check_distances(edition, tables)
    tables = _apply_measure_overrides(edition, tables, ov)
    ind_rows: list[tuple] = []
    lvl_rows: list[dict] = []
    gap_rows: list[dict] = []
    agg_cache: dict = {}
    for kind in SUBJECT_KINDS:
        table = tables.get(kind)
        inds = edition.for_subject(kind)
        if table is None or not len(table):
            continue
        weights = [i.weight for i in inds] if edition.method == "weighted" else None
        prereq = {lv: {j for j, i in enumerate(inds) if lv in edition.prerequisite_levels(i) and not i.core}
                  for lv in (2, 3, 4, 5)}
        counted = [i.counted for i in inds]
        rows = _RowReader(table, [i.column for i in inds if i.source_kind == "measure"] + ["name"])
        core = [i.core for i in inds]
        prereq_first = [0 if edition.prerequisite_levels(i) else 1 for i in inds]
        decided: dict[tuple, tuple] = {}  # the level depends only on the levels reached: few patterns, decided once
        lift_cache: dict = {}
        gap_texts: dict[tuple, tuple[str, str]] = {}
        lift_weights = [(weights[j] if weights else 1.0) * (1.0 if counted[j] else 0.0) for j in range(len(inds))]
        for sid in sorted(map(str, table.index)):
            row = rows.row(sid)
            name = str(row.get("name", sid))
            vals = [_value_of(i, kind, sid, row, tables, evidence, agg_cache, ov) for i in inds]
            vals = _with_dimensions_covered(edition, inds, vals, sid, ov)
            reached = [float(i.level_of(v)) if not math.isnan(v) else np.nan for i, (v, _s, _d) in zip(inds, vals)]
            key = tuple(-1.0 if math.isnan(r) else r for r in reached)  # no data is NaN exactly when reached is
            if key not in decided:
                level, rule, fail = decide_level(reached, core, edition.pass_share,
                                                 weights=weights, prereq=prereq, counted=counted)
                # missing prerequisites first: they are what blocks a level outright
                no_data = [i.id for _p, i in sorted(
                    ((prereq_first[n], n), i) for n, (i, (v, _s, _d)) in
                    enumerate(zip(inds, vals)) if math.isnan(v))]
                if no_data:
                    rule += (f"; {len(no_data)} indicator{'s' if len(no_data) != 1 else ''} without data "
                             f"({', '.join(no_data[:6])}{', …' if len(no_data) > 6 else ''}): the level may "
                             "change when they are supplied")
                decided[key] = (level, rule, fail, no_data)
            level, rule, fail, no_data = decided[key]
            nxt = level + 1 if level < 5 else None
            for i, (v, status, detail), r in zip(inds, vals, reached):  # a row in INDICATOR_COLUMNS order
                ind_rows.append((
                    kind, sid, name, i.id, i.dimension, i.aspect, i.name_en, i.name_th, i.unit, i.direction,
                    i.source_kind, detail, None if math.isnan(v) else round(v, 6), status,
                    None if math.isnan(r) else int(r), i.core, i.weight,
                    i.thresholds.get(nxt) if nxt else None,
                    None if nxt is None else (False if math.isnan(v) else i.meets(v, nxt)),
                    i.basis,
                ))
            changes: list[Change] = []
            if fail:
                changes = smallest_lift(edition, inds, [v for v, _s, _d in vals], reached, fail, tables,
                                        weights=lift_weights, cache=lift_cache)
                for step, c in enumerate(changes, start=1):
                    gap_rows.append({"subject_kind": kind, "subject_id": sid, "next_level": fail["level"],
                                     "step": step, "indicator_id": c.indicator_id, "value_from": c.value_from,
                                     "value_to": c.value_to, "action": c.action, "action_th": c.action_th})
            lv = edition.level(level)
            # the gap text reads the level, the level failed, the actions and the count without data: worded once
            tkey = (level, fail.get("level"), tuple((c.action, c.action_th) for c in changes), len(no_data))
            if tkey not in gap_texts:
                gap_texts[tkey] = (_gap_text(edition, level, fail, changes, no_data, "en"),
                                   _gap_text(edition, level, fail, changes, no_data, "th"))
            texts = gap_texts[tkey]
            lvl_rows.append({
                "subject_kind": kind, "subject_id": sid, "name": name, "level": level,
                "level_name_en": lv.name_en, "level_name_th": lv.name_th, "rule": rule,
                "next_level": nxt, "indicators": len(inds), "with_data": len(inds) - len(no_data),
                "no_data": len(no_data),
                "reach_next": fail.get("reach") if fail else None,
                "needed_next": (math.ceil(fail["needed"] - 1e-9) if fail and not fail["weighted"] else None),
                "gap_text": texts[0], "gap_text_th": texts[1],
            })
    indicators = pd.DataFrame(ind_rows, columns=INDICATOR_COLUMNS)
    indicators["level_reached"] = indicators["level_reached"].astype("Int64")
    levels = pd.DataFrame(lvl_rows, columns=LEVEL_COLUMNS)
    for c in ("next_level", "reach_next", "needed_next"):
        levels[c] = levels[c].astype("Int64")
    gaps = pd.DataFrame(gap_rows, columns=GAP_COLUMNS)
    dims = _dimensions(edition, indicators, levels)
    return Scores(indicators=indicators, levels=levels, dimensions=dims, gaps=gaps)


def _gap_text(ed: Edition, level: int, fail: dict, changes: list[Change], no_data: list[str], lang: str) -> str:
    ph = phrases()
    if level >= 5:
        return ph["highest"][lang]
    if not fail:
        return ""
    nxt = fail["level"]
    lv = ed.level(nxt)
    head = ph["head"][lang].format(level=nxt, level_name=lv.name_th if lang == "th" else lv.name_en)
    body = "; ".join(f"({k}) {c.action_th if lang == 'th' else c.action}" for k, c in enumerate(changes, start=1))
    tail = ph["no_data_tail"][lang].format(count=len(no_data)) if no_data else ""
    return head + (body or ph["none_found"][lang]) + ("." if lang == "en" else "") + tail


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
