"""Indicators computed from the resource exchanges table (role ``exchanges``): what the town's plants pass to each
other, and to parties outside the town.

* ``exchange_links`` (town): distinct flows (from, to, material) between two facilities of the town in the year;
* ``exchange_tonnes_inside`` (town): tonnes a year exchanged between facilities of the town;
* ``residues_used_inside_share`` (town and each factory or mine): of the tonnes a plant of the town sends out, the
  share a facility of the town takes (NaN for a plant that sends nothing).

A facility of the town is one in the assessment's facility table (inside the boundary); anything else - a party
written ``outside:NAME``, or a facility of the catalog outside the boundary - is outside. Without an exchanges
layer every value is NaN ("no data"), and an indicator that may fall back to evidence (``or_evidence: true``)
reads the evidence file instead.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from layers import Catalog, read_layer
from layers.exchanges import read_exchanges

__all__ = ["read_town_exchanges", "exchange_town_values", "exchange_facility_shares", "flows_that_count",
           "FLOW_COLUMNS"]

#: the exchanges of the year as the assessment keeps them (``Assessment.exchanges``)
FLOW_COLUMNS = ["from_id", "to_id", "material", "tonnes_per_year", "year", "line", "from_name", "to_name",
                "from_inside", "to_inside", "source"]


def read_town_exchanges(catalog: Catalog, year: int, facilities: pd.DataFrame, facts: dict | None = None
                        ) -> pd.DataFrame | None:
    """The exchanges of ``year`` of every ``exchanges`` layer, checked against the catalog's facility ids, with the
    names of both ends and whether each is a facility of the town; None when the catalog has no exchanges layer."""
    specs = catalog.by_role("exchanges")
    if not specs:
        return None
    known: set[str] = set()
    for role in ("factories", "mines"):
        for spec in catalog.by_role(role):
            known.update(map(str, read_layer(spec, year)["id"]))
    names = {str(k): str(v) for k, v in facilities["name"].items()}
    inside = set(map(str, facilities.index))
    parts = []
    for spec in specs:
        df = read_exchanges(spec, known, year)
        df["source"] = spec.name
        parts.append(df)
        if facts is not None:
            facts[spec.name] = {"features": int(len(df))}
    ex = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if not len(ex):
        return pd.DataFrame(columns=FLOW_COLUMNS)
    for end in ("from", "to"):
        ids = ex[f"{end}_id"].astype(str)
        ex[f"{end}_inside"] = ids.isin(inside) & ex[f"{end}_outside"].isna()
        ex[f"{end}_name"] = [o if isinstance(o, str) else names.get(i, i) for i, o in zip(ids, ex[f"{end}_outside"])]
    ex = ex[FLOW_COLUMNS].sort_values(["from_id", "to_id", "material", "line"], kind="stable")
    return ex.reset_index(drop=True)


def exchange_town_values(ex: pd.DataFrame | None) -> dict[str, float]:
    """The town's exchange measures (NaN without an exchanges table)."""
    if ex is None:
        return {"exchange_links": np.nan, "exchange_tonnes_inside": np.nan, "residues_used_inside_share": np.nan}
    both = ex[ex["from_inside"] & ex["to_inside"]]
    out_of_town_plants = ex[ex["from_inside"]]
    sent = float(out_of_town_plants["tonnes_per_year"].sum())
    inside_t = float(both["tonnes_per_year"].sum())
    return {
        "exchange_links": float(len(both[["from_id", "to_id", "material"]].drop_duplicates())),
        "exchange_tonnes_inside": round(inside_t, 6),
        "residues_used_inside_share": round(inside_t / sent, 6) if sent > 0 else np.nan,
    }


def exchange_facility_shares(ex: pd.DataFrame | None, facility_ids: pd.Index) -> pd.Series:
    """Per facility of the town: the share of the tonnes it sends out that a facility of the town takes (NaN for
    one that sends nothing, or without an exchanges table)."""
    out = pd.Series(np.nan, index=facility_ids, dtype="float64")
    if ex is None or not len(ex):
        return out
    sent = ex[ex["from_inside"]].groupby("from_id")["tonnes_per_year"].sum()
    kept = ex[ex["from_inside"] & ex["to_inside"]].groupby("from_id")["tonnes_per_year"].sum()
    for fid, t in sent.items():
        if fid in out.index and t > 0:
            out[fid] = round(float(kept.get(fid, 0.0)) / float(t), 6)
    return out


def flows_that_count(ex: pd.DataFrame | None, lang: str = "en") -> list[str]:
    """One line per flow of the year, those between two facilities of the town first (they make the links and the
    tonnes inside), then those with parties outside: "from -> to: material, 1,234 t/yr (line 3)"."""
    if ex is None or not len(ex):
        return []
    lines = []
    for inside in (True, False):
        sub = ex[(ex["from_inside"] & ex["to_inside"]) == inside]
        for r in sub.itertuples():
            tag = "" if inside else (" [นอกเมือง]" if lang == "th" else " [outside the town: not counted as a link]")
            t = f"{r.tonnes_per_year:,.0f}" if not math.isnan(r.tonnes_per_year) else "?"
            unit = "ตัน/ปี" if lang == "th" else "t/yr"
            lines.append(f"{r.from_name} -> {r.to_name}: {r.material}, {t} {unit} ({r.source}, {r.line}){tag}")
    return lines
