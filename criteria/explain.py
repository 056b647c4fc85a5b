"""Why a subject has its level: each indicator's value, the level it reaches, where the value came from,
and what is missing for the next level."""

from __future__ import annotations

import difflib
import math

import pandas as pd

from .assessment import Assessment
from .errors import CriteriaError
from .formatting import format_value, needs_text
from .exchanges import flows_that_count
from .provenance_text import level_provenance, provenance_sentences

__all__ = ["explain", "explain_table", "missing_data", "provenance_lines", "exchange_lines"]


def _find(a: Assessment, subject_id: str) -> pd.Series:
    lv = a.levels
    hit = lv[lv["subject_id"].astype(str) == str(subject_id)]
    if not len(hit):
        ids = list(lv["subject_id"].astype(str))
        near = difflib.get_close_matches(str(subject_id), ids, n=3)
        hint = f" Did you mean {', '.join(near)}?" if near else f" Known ids: {', '.join(ids[:12])}…"
        raise CriteriaError(f"no facility, village or town with id '{subject_id}' in this assessment.{hint}")
    return hit.iloc[0]


def explain_table(a: Assessment, subject_id: str) -> pd.DataFrame:
    """One row per indicator of the subject: value, level reached, what the next level needs, source."""
    s = _find(a, subject_id)
    ind = a.indicators[(a.indicators["subject_kind"] == s["subject_kind"]) &
                       (a.indicators["subject_id"].astype(str) == str(subject_id))]
    nxt = s["next_level"]
    rows = []
    for r in ind.itertuples():
        spec = a.edition.indicator(r.indicator_id)
        v = float("nan") if r.value is None or pd.isna(r.value) else float(r.value)
        rows.append({
            "indicator_id": r.indicator_id, "dimension_id": r.dimension_id, "name_en": r.name_en,
            "name_th": r.name_th, "value": format_value(v, r.unit),
            "level_reached": "no data" if pd.isna(r.level_reached) else str(int(r.level_reached)),
            "next_needs": "" if pd.isna(nxt) else needs_text(spec.thresholds.get(int(nxt)), spec.unit,
                                                                     spec.direction),
            "meets_next": "" if pd.isna(nxt) else ("yes" if r.meets_next else "no"),
            "core": "core" if r.core else "", "source": r.source_detail, "basis": r.basis,
            "basis_label": spec.provenance.label("en"),
        })
    return pd.DataFrame(rows)


def explain(a: Assessment, subject_id: str) -> str:
    """A plain-text explanation of one subject's level (for the terminal)."""
    s = _find(a, subject_id)
    t = explain_table(a, subject_id)
    head = (f"{s['subject_id']}  {s['name']}  ({s['subject_kind']})\n"
            f"Level {int(s['level'])} {s['level_name_en']} / {s['level_name_th']}   "
            f"[{a.edition.id}, year {a.year} = พ.ศ. {a.year_be}]\n"
            f"Why: {s['rule']}\n")
    widths = {c: max(len(c), *(len(str(x)) for x in t[c])) for c in
              ("indicator_id", "value", "level_reached", "next_needs", "core")}
    lines = ["  ".join(c.ljust(widths[c]) for c in widths) + "  source"]
    for r in t.itertuples():
        lines.append("  ".join(str(getattr(r, c)).ljust(widths[c]) for c in widths) + f"  {r.source}")
    gap = s["gap_text"] if isinstance(s["gap_text"], str) and s["gap_text"] else "Highest level reached."
    nxt = s["next_level"]
    title = "" if pd.isna(nxt) or (isinstance(nxt, float) and math.isnan(nxt)) else f"Next level ({int(nxt)}): "
    missing = missing_data(a, subject_id)
    tail = ("\n\nMissing data (no data, never zero):\n" + "\n".join(f"  - {x}" for x in missing)) if missing else ""
    flows = exchange_lines(a, subject_id)
    if flows:
        tail += "\n\nResource exchanges of the year (the exchange indicators count these):\n" + "\n".join(
            f"  - {x}" for x in flows)
    prov = "\n\nWhat is DIW's and what is modelled:\n" + "\n".join(f"  - {x}" for x in provenance_lines(a, subject_id))
    return head + "\n" + "\n".join(lines) + "\n\n" + title + gap + tail + prov


def exchange_lines(a: Assessment, subject_id: str, lang: str = "en") -> list[str]:
    """The flows of the exchanges table behind the town's exchange indicators (the town only; others: none)."""
    s = _find(a, subject_id)
    if s["subject_kind"] != "town":
        return []
    return flows_that_count(getattr(a, "exchanges", None), lang)


def provenance_lines(a: Assessment, subject_id: str, lang: str = "en") -> list[str]:
    """Whose words the subject's level is: for the town every sentence of
    :func:`criteria.provenance_text.provenance_sentences`; for another subject its level and the next one."""
    s = _find(a, subject_id)
    if s["subject_kind"] == "town":
        return provenance_sentences(a.edition, lang)
    lv = int(s["level"])
    return [level_provenance(a.edition, a.edition.level(n), lang) for n in (lv, lv + 1) if n <= len(a.edition.levels)]


def missing_data(a: Assessment, subject_id: str) -> list[str]:
    """What data this subject (or, for the town, any subject) lacks, and what collecting it would let us score."""
    s = _find(a, subject_id)
    dg = getattr(a, "data_gaps", None)
    if dg is None or not len(dg):
        return []
    kind, sid = str(s["subject_kind"]), str(s["subject_id"])
    lines = []
    for r in dg.itertuples():
        if kind == "town":
            lines.append(r.action)
            continue
        table = a.tables.get(kind)
        if r.subject_kind != kind or table is None or sid not in table.index.astype(str):
            continue
        row = table.loc[table.index.astype(str) == sid].iloc[0]
        if r.field not in row.index or pd.isna(row[r.field]):
            what = f" to score {', '.join(repr(i) for i in r.indicators.split(', '))}" if r.indicators else ""
            lines.append(f"collect {r.field} for this {kind}{what}")
    return lines
