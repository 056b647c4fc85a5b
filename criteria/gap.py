"""The gap to the next level: the smallest set of indicator changes that lifts a subject one level.

Failing prerequisites must all be lifted; then the indicators below the level that are cheapest to lift
(smallest relative change; a missing value counts as a full change) are taken until the share (or
weight) the level needs is reached. Town values aggregated from other tables are translated into what
people act on ("2 more factories at Green Industry level 3").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from layers import to_floats

from .edition import Edition, Indicator
from .formatting import format_value, phrases

__all__ = ["Change", "smallest_lift", "target_value"]


@dataclass(frozen=True)
class Change:
    indicator_id: str
    value_from: float | None
    value_to: float
    action: str
    action_th: str = ""


def target_value(ind: Indicator, level: int) -> float | None:
    """The least demanding value with which ``ind`` reaches ``level`` (None when no threshold applies)."""
    ths = [t for lv, t in ind.thresholds.items() if lv <= level]
    if not ths:
        return None
    return max(ths) if ind.direction == "higher" else min(ths)


def _name(ind: Indicator, lang: str) -> str:
    return ind.name_th if lang == "th" else ind.name_en


def _aggregate_action(ind: Indicator, v: float, t: float, tables: dict[str, pd.DataFrame],
                      lang: str) -> str | None:
    spec = ind.aggregate_spec
    fn = spec["fn"]
    if fn not in ("share_at_least", "share_true", "share_at_most"):
        return None
    kinds = [spec["from"]] if isinstance(spec["from"], str) else list(spec["from"])
    parts = [tables[k][spec["column"]] for k in kinds if k in tables and spec["column"] in tables[k].columns]
    if not parts:
        return None
    col = to_floats(pd.concat(parts, ignore_index=True)).dropna()
    n = len(col)
    if n == 0:
        return None
    if fn == "share_at_least":
        k, cond = int((col >= float(spec["value"])).sum()), f"{spec['column']} ≥ {spec['value']}"
    elif fn == "share_at_most":
        k, cond = int((col <= float(spec["value"])).sum()), f"{spec['column']} ≤ {spec['value']}"
    else:
        k, cond = int((col > 0).sum()), f"{spec['column']} = {phrases()['yes'][lang]}"
    need = math.ceil(t * n - 1e-9)
    more = max(need - k, 0)
    names = phrases()["kinds"][lang]
    who = "/".join(names.get(x, [x, x])[0 if more == 1 else 1] for x in kinds)
    return phrases()["aggregate"][lang].format(more=more, who=who, cond=cond, name=_name(ind, lang), id=ind.id,
                                               k=k, n=n, need=need, v=format_value(v, "share"), t=format_value(t, "share"))


def _action(ind: Indicator, v: float, t: float, tables: dict[str, pd.DataFrame], lang: str = "en") -> str:
    ph = phrases()
    if math.isnan(v):
        if ind.unit == "yes/no":
            need = ph["yes"][lang]
        else:
            need = f"{ph['at_least' if ind.direction == 'higher' else 'at_most'][lang]} {format_value(t, ind.unit, lang)}"
        return ph["supply"][lang].format(name=_name(ind, lang), id=ind.id, need=need)
    if ind.source_kind == "aggregate":
        a = _aggregate_action(ind, v, t, tables, lang)
        if a:
            return a
    if ind.unit == "yes/no":
        return ph["make_yes"][lang].format(name=_name(ind, lang), id=ind.id)
    key = "raise" if ind.direction == "higher" else "lower"
    return ph[key][lang].format(name=_name(ind, lang), id=ind.id, v=format_value(v, ind.unit, lang),
                                t=format_value(t, ind.unit, lang))


def _target(cache: dict, ind: Indicator, level: int) -> float | None:
    key = ("target", id(ind), level)
    if key not in cache:
        cache[key] = target_value(ind, level)
    return cache[key]


def _cost(v: float, t: float) -> float:
    if math.isnan(v):
        return 1.0
    return abs(t - v) / max(abs(t), abs(v), 1e-9)


def smallest_lift(edition: Edition, inds: list[Indicator], values: list[float], reached: list[float],
                  fail: dict, tables: dict[str, pd.DataFrame], *, weights: list[float] | None = None,
                  cache: dict | None = None) -> list[Change]:
    """Changes that lift a subject to ``fail['level']`` (see module docstring); deterministic.

    ``cache``: a dict kept across the subjects of one scoring (same edition and tables), so that each target and
    each action text is worked out once.
    """
    cache = {} if cache is None else cache
    lv = fail["level"]
    w = weights or [1.0] * len(inds)
    below = [j for j, r in enumerate(reached) if math.isnan(r) or r < lv]
    must = list(fail["core_missing"])
    got = fail["reach_weight"] + sum(w[j] for j in must)
    chosen = list(must)
    pool = []
    for j in below:
        if j in must or w[j] <= 0:  # an indicator that does not count towards the share lifts nothing
            continue
        t = _target(cache, inds[j], lv)
        if t is None:
            continue
        pool.append((_cost(values[j], t) / w[j], inds[j].id, j))
    for _c, _id, j in sorted(pool):
        if got >= fail["needed"] - 1e-9:
            break
        chosen.append(j)
        got += w[j]
    out = []
    for j in chosen:
        t = _target(cache, inds[j], lv)
        if t is None:  # a prerequisite with no threshold up to lv only needs a value
            t = 1.0 if inds[j].unit == "yes/no" else 0.0
        v = values[j]
        key = (id(inds[j]), float(v).hex(), float(t).hex(), lv, j in must)  # exact values (-0.0, nan apart)
        if key not in cache:
            act = _action(inds[j], v, t, tables, "en")
            act_th = _action(inds[j], v, t, tables, "th")
            if j in must:
                act += phrases()["prerequisite"]["en"].format(level=lv)
                act_th += phrases()["prerequisite"]["th"].format(level=lv)
            cache[key] = (act, act_th)
        act, act_th = cache[key]
        out.append(Change(inds[j].id, None if math.isnan(v) else float(v), float(t), act, act_th))
    return out


def as_overrides(subject_id: str, changes: list[Change]) -> dict[str, float]:
    """The changes as what-if values for one subject (``SUBJECT:INDICATOR``), e.g. to check them."""
    return {f"{subject_id}:{c.indicator_id}": c.value_to for c in changes}


__all__.append("as_overrides")
