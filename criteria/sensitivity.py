"""Sensitivity of the levels: do they change when thresholds or ring distances move by ±20 %?

Thresholds are scaled (numbers only; yes/no thresholds stay) and the same tables are re-scored; ring
distances are scaled and the spatial analysis is run again: the run's :class:`geo.RingDistances` measures at
nominal x scale and keeps the nominal names (``pop_within_500`` is people within 600 m at scale 1.2), so the
edition's indicators apply unchanged. A level that changes is fragile: the office should know before it
reports it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pandas as pd

from .assessment import Assessment
from .score import score

__all__ = ["sensitivity", "SENSITIVITY_COLUMNS"]

SENSITIVITY_COLUMNS = ["subject_kind", "subject_id", "name", "level", "thresholds_easier", "thresholds_stricter",
                       "rings_smaller", "rings_larger", "stable"]


def _levels(levels: pd.DataFrame) -> pd.Series:
    return levels.set_index(["subject_kind", "subject_id"])["level"].astype(int)


def sensitivity(a: Assessment, *, rerun: Callable[[float], Assessment] | None = None, change: float = 0.2,
                overrides: dict[str, float] | None = None) -> pd.DataFrame:
    """Levels of every subject under thresholds and ring distances moved by ±``change``.

    ``rerun(scale)`` must return the assessment re-run with ring distances multiplied by ``scale``
    (e.g. ``lambda s: run_assessment(cat, year=..., ring_scale=s)``); without it the ring columns are left
    empty. "Easier" and "stricter" thresholds scale each threshold in the direction that makes it easier or
    harder to meet (higher-is-better thresholds go down to get easier).
    """
    base = _levels(a.levels)
    out = a.levels[["subject_kind", "subject_id", "name", "level"]].copy()
    key = pd.MultiIndex.from_frame(out[["subject_kind", "subject_id"]])

    def thr(easier: bool) -> pd.Series:
        # an edition mixes directions: scale higher-is-better and lower-is-better thresholds oppositely
        inds = []
        for i in a.edition.indicators:
            if i.unit == "yes/no":
                inds.append(i)
                continue
            up = (i.direction == "lower") == easier
            f = 1 + change if up else 1 - change
            inds.append(dataclasses.replace(i, thresholds={k: v * f for k, v in i.thresholds.items()}))
        ed = dataclasses.replace(a.edition, indicators=inds)
        return _levels(score(ed, a.tables, a.evidence, overrides=overrides).levels).reindex(key)

    out["thresholds_easier"] = thr(True).to_numpy()
    out["thresholds_stricter"] = thr(False).to_numpy()
    if rerun is not None:
        out["rings_smaller"] = _levels(rerun(1 - change).levels).reindex(key).to_numpy()
        out["rings_larger"] = _levels(rerun(1 + change).levels).reindex(key).to_numpy()
    else:
        out["rings_smaller"] = pd.NA
        out["rings_larger"] = pd.NA
    cols = ["thresholds_easier", "thresholds_stricter", "rings_smaller", "rings_larger"]
    for c in cols:
        out[c] = out[c].astype("Int64")
    same = out[cols].eq(base.reindex(key).to_numpy(), axis=0) | out[cols].isna()
    out["stable"] = same.all(axis=1).astype(bool)
    return out.reset_index(drop=True)[SENSITIVITY_COLUMNS]
