"""Year over year: what changed between two history records.

* level changes of every subject (town, factories, mines, villages), subjects that appear or disappear;
* indicator deltas (value and level reached) for every subject and indicator present in both years;
* villages newly inside or outside each ring (had no facility within d metres and now have one, or the reverse);
* facilities added or closed.

Records scored against different criteria editions (different id or different file hash) are compared, but the
comparison carries a warning that every output shows: levels and indicator levels then come from different rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from .store import Record

__all__ = ["Comparison", "compare", "COMPARISON_TABLES", "edition_warning"]

COMPARISON_TABLES = ("level_changes", "indicator_changes", "ring_changes", "facility_changes")


@dataclass
class Comparison:
    """The changes from ``old`` to ``new`` (both history records)."""

    old: dict
    new: dict
    warning: str
    level_changes: pd.DataFrame
    indicator_changes: pd.DataFrame
    ring_changes: pd.DataFrame
    facility_changes: pd.DataFrame
    counts: dict = field(default_factory=dict)

    @property
    def editions_differ(self) -> bool:
        return bool(self.warning)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {n: getattr(self, n) for n in COMPARISON_TABLES}


def _num(v) -> float:
    if v is None:
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def edition_warning(old: dict, new: dict) -> str:
    """Why two history runs (``Record.run``) are not directly comparable: '' when they used the same edition."""
    if old["edition_id"] != new["edition_id"]:
        return (f"criteria editions differ: {old['year']} was scored with '{old['edition_id']}', {new['year']} "
                f"with '{new['edition_id']}'; levels follow different rules and are not directly comparable")
    if old.get("edition_sha256") and new.get("edition_sha256") and old["edition_sha256"] != new["edition_sha256"]:
        return (f"criteria edition '{new['edition_id']}' was changed between {old['year']} and {new['year']} "
                f"(sha256 {str(old['edition_sha256'])[:12]}… vs {str(new['edition_sha256'])[:12]}…); "
                "levels follow different rules and are not directly comparable")
    return ""


def _level_changes(old: Record, new: Record) -> pd.DataFrame:
    key = ["subject_kind", "subject_id"]
    o = old.levels[key + ["name", "level"]].rename(columns={"level": "level_old", "name": "name_old"})
    n = new.levels[key + ["name", "level"]].rename(columns={"level": "level_new"})
    m = o.merge(n, on=key, how="outer", sort=False)
    m["name"] = m["name"].where(m["name"].notna(), m["name_old"])
    rows = []
    for r in m.itertuples(index=False):
        lo, ln = _num(r.level_old), _num(r.level_new)
        if math.isnan(lo):
            status, change = "new", math.nan
        elif math.isnan(ln):
            status, change = "gone", math.nan
        else:
            change = ln - lo
            status = "up" if change > 0 else "down" if change < 0 else "same"
        rows.append({"subject_kind": r.subject_kind, "subject_id": r.subject_id, "name": r.name,
                     "level_old": None if math.isnan(lo) else int(lo), "level_new": None if math.isnan(ln) else int(ln),
                     "change": None if math.isnan(change) else int(change), "status": status})
    order = {"town": 0, "factory": 1, "mine": 2, "community": 3}
    df = pd.DataFrame(rows, columns=["subject_kind", "subject_id", "name", "level_old", "level_new", "change",
                                     "status"])
    df["_o"] = df["subject_kind"].map(order).fillna(9)
    return df.sort_values(["_o", "subject_id"], kind="stable").drop(columns="_o").reset_index(drop=True)


def _indicator_changes(old: Record, new: Record) -> pd.DataFrame:
    key = ["subject_kind", "subject_id", "indicator_id"]
    o = old.indicators[key + ["value", "level_reached"]].rename(
        columns={"value": "value_old", "level_reached": "level_old"})
    n = new.indicators[key + ["dimension_id", "name_en", "name_th", "unit", "direction", "value", "level_reached"]]
    n = n.rename(columns={"value": "value_new", "level_reached": "level_new"})
    m = n.merge(o, on=key, how="inner", sort=False)
    rows = []
    for r in m.itertuples(index=False):
        vo, vn = _num(r.value_old), _num(r.value_new)
        lo, ln = _num(r.level_old), _num(r.level_new)
        same_value = (math.isnan(vo) and math.isnan(vn)) or vo == vn
        same_level = (math.isnan(lo) and math.isnan(ln)) or lo == ln
        if same_value and same_level:
            continue
        delta = vn - vo if not (math.isnan(vo) or math.isnan(vn)) else math.nan
        if math.isnan(delta):
            trend = "no data" if math.isnan(vn) else "new data"
        elif delta == 0:
            trend = "same"
        else:
            better = delta > 0 if r.direction == "higher" else delta < 0
            trend = "better" if better else "worse"
        rows.append({"subject_kind": r.subject_kind, "subject_id": r.subject_id, "indicator_id": r.indicator_id,
                     "dimension_id": r.dimension_id, "name_en": r.name_en, "name_th": r.name_th, "unit": r.unit,
                     "value_old": None if math.isnan(vo) else vo, "value_new": None if math.isnan(vn) else vn,
                     "delta": None if math.isnan(delta) else round(delta, 10),
                     "level_old": None if math.isnan(lo) else int(lo), "level_new": None if math.isnan(ln) else int(ln),
                     "trend": trend})
    cols = ["subject_kind", "subject_id", "indicator_id", "dimension_id", "name_en", "name_th", "unit", "value_old",
            "value_new", "delta", "level_old", "level_new", "trend"]
    return pd.DataFrame(rows, columns=cols)


def _within(rec: Record, d: int) -> dict[str, list[str]]:
    ex = rec.exposure
    sub = ex[pd.to_numeric(ex["distance_m"]) <= d]
    out: dict[str, list[str]] = {}
    for f, c in zip(sub["facility_id"], sub["community_id"]):
        out.setdefault(str(c), []).append(str(f))
    return {k: sorted(v) for k, v in out.items()}


def _ring_changes(old: Record, new: Record) -> pd.DataFrame:
    rings = sorted(set(old.rings_m) & set(new.rings_m))
    names = dict(zip(new.communities["community_id"], new.communities["name"]))
    names_old = dict(zip(old.communities["community_id"], old.communities["name"]))
    present = set(names) & set(names_old)
    rows = []
    for d in rings:
        wo, wn = _within(old, d), _within(new, d)
        for cid in sorted(present):
            fo, fn = wo.get(cid, []), wn.get(cid, [])
            if bool(fo) == bool(fn):
                continue
            rows.append({"community_id": cid, "name": names[cid], "ring_m": d, "facilities_old": len(fo),
                         "facilities_new": len(fn), "status": "newly inside" if fn else "newly outside",
                         "facility_ids": " ".join(fn or fo)})
    return pd.DataFrame(rows, columns=["community_id", "name", "ring_m", "facilities_old", "facilities_new",
                                       "status", "facility_ids"])


def _facility_changes(old: Record, new: Record) -> pd.DataFrame:
    fo = old.facilities.set_index("facility_id")
    fn = new.facilities.set_index("facility_id")
    rows = []
    for fid in sorted(set(fo.index) | set(fn.index)):
        if fid in fo.index and fid in fn.index:
            continue
        r = fn.loc[fid] if fid in fn.index else fo.loc[fid]
        rows.append({"facility_id": fid, "kind": r["kind"], "name": r["name"], "category": r["category"],
                     "status": "added" if fid in fn.index else "closed",
                     "level": r["level"]})
    return pd.DataFrame(rows, columns=["facility_id", "kind", "name", "category", "status", "level"])


def compare(old: Record, new: Record) -> Comparison:
    """What changed from ``old`` (the earlier year) to ``new``."""
    lv = _level_changes(old, new)
    ind = _indicator_changes(old, new)
    ring = _ring_changes(old, new)
    fac = _facility_changes(old, new)
    counts = {
        "up": int((lv["status"] == "up").sum()), "down": int((lv["status"] == "down").sum()),
        "same": int((lv["status"] == "same").sum()), "added": int((fac["status"] == "added").sum()),
        "closed": int((fac["status"] == "closed").sum()),
        "newly_inside": int((ring["status"] == "newly inside").sum()),
        "newly_outside": int((ring["status"] == "newly outside").sum()),
        "indicators_changed": len(ind),
    }
    keep = ("run_id", "year", "edition_id", "edition_sha256", "level", "town_name", "town_name_en")
    return Comparison(old={k: old.run.get(k) for k in keep}, new={k: new.run.get(k) for k in keep},
                      warning=edition_warning(old.run, new.run), level_changes=lv, indicator_changes=ind,
                      ring_changes=ring, facility_changes=fac, counts=counts)
