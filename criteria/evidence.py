"""The yearly evidence file: non-spatial indicator values that come from documents, not layers.

A CSV with one row per subject and indicator::

    subject_kind,subject_id,indicator_id,value,source,note
    town,TH600706,committee_established,yes,คำสั่งจังหวัด ที่ 123/2569,...

``value`` is a number, a percentage (``42%``) or yes/no (also ใช่/ไม่ใช่, มี/ไม่มี, true/false).
For the town, ``subject_id`` may be ``town``. Files saved by Thai Excel (cp874) are read too.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pandas as pd

from layers.atomic import atomic_path

from .edition import SUBJECT_KINDS, Edition
from .errors import EditionError, EvidenceError

__all__ = ["load_evidence", "parse_value", "evidence_template", "write_evidence_template", "EVIDENCE_COLUMNS",
           "TEMPLATE_COLUMNS"]

EVIDENCE_COLUMNS = ("subject_kind", "subject_id", "indicator_id", "value")
TEMPLATE_COLUMNS = ("subject_kind", "subject_id", "subject_name", "indicator_id", "name_th", "name_en", "unit",
                    "needed_for_level", "value", "source", "date", "note")
_YES = {"yes", "y", "true", "ใช่", "มี", "ผ่าน"}
_NO = {"no", "n", "false", "ไม่ใช่", "ไม่มี", "ไม่ผ่าน"}


def parse_value(raw: str) -> float:
    """A number from an evidence cell; raise ValueError with a plain reason when it is not one."""
    s = str(raw).strip().replace(",", "")
    if not s:
        raise ValueError("the value is empty")
    low = s.lower()
    if low in _YES:
        return 1.0
    if low in _NO:
        return 0.0
    if s.endswith("%"):
        return float(s[:-1]) / 100.0
    v = float(s)
    if math.isnan(v) or math.isinf(v):
        raise ValueError(f"'{raw}' is not a finite number")
    return v


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp874")
        except UnicodeDecodeError:
            raise EvidenceError(f"{path}: neither UTF-8 nor Thai Windows (cp874) text") from None


def _other_editions_ids(edition: Edition) -> set[str]:
    """The indicator ids of the other editions found (``ecotown criteria list``): an evidence row for one of them
    is for another edition, not a typing error."""
    from .edition import list_editions, load_edition

    out: set[str] = set()
    for ref in list_editions():
        if ref == edition.id:
            continue
        try:
            out |= {i.id for i in load_edition(ref).indicators}
        except EditionError:
            continue
    return out


def load_evidence(path: str | Path, edition: Edition, *, subjects: dict[str, list[str]] | None = None
                  ) -> pd.DataFrame:
    """Read and check an evidence CSV against ``edition`` (and the known ``subjects`` ids by kind).

    Returns a DataFrame indexed by ``(subject_kind, subject_id, indicator_id)`` with ``value``, ``source``,
    ``note`` and ``line``. Every problem is collected; an EvidenceError lists them all, each with its line.
    """
    p = Path(path)
    if not p.exists():
        raise EvidenceError(f"evidence file not found: {p}")
    reader = csv.DictReader(io.StringIO(_read_text(p)))
    cols = [c.strip() for c in (reader.fieldnames or [])]
    missing = [c for c in EVIDENCE_COLUMNS if c not in cols]
    if missing:
        raise EvidenceError(f"{p}: missing column(s) {', '.join(missing)} (the header must have "
                            f"{', '.join(EVIDENCE_COLUMNS)}, and may have source, note)")
    known = {i.id: i for i in edition.indicators}
    town_ids = set((subjects or {}).get("town", []))
    rows, problems, seen = [], [], {}
    for n, raw in enumerate(reader, start=2):
        r = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        if not any(r.get(c) for c in EVIDENCE_COLUMNS):
            continue
        kind, sid, iid = r["subject_kind"], r["subject_id"], r["indicator_id"]
        where = f"{p}, line {n}"
        if kind not in SUBJECT_KINDS:
            problems.append(f"{where}, field 'subject_kind': '{kind}' is not one of {', '.join(SUBJECT_KINDS)}")
            continue
        if kind == "town" and sid.lower() == "town" and len(town_ids) == 1:
            sid = next(iter(town_ids))
        if iid not in known:
            if iid in _other_editions_ids(edition):
                continue  # the year's evidence serves every edition: this one does not read that indicator
            problems.append(f"{where}, field 'indicator_id': edition '{edition.id}' has no indicator '{iid}'")
            continue
        if known[iid].subject != kind:
            problems.append(f"{where}, field 'subject_kind': indicator '{iid}' scores {known[iid].subject}, not {kind}")
            continue
        if not known[iid].reads_evidence:
            problems.append(f"{where}, field 'indicator_id': indicator '{iid}' is computed from "
                            f"{known[iid].describe_source()}, not read from evidence")
            continue
        if subjects is not None and sid not in set(subjects.get(kind, [])):
            problems.append(f"{where}, field 'subject_id': no {kind} with id '{sid}' in the layers")
            continue
        if not r["value"]:
            continue  # a row of the template not filled in: no data, not zero
        try:
            value = parse_value(r["value"])
        except ValueError as e:
            problems.append(f"{where}, field 'value': '{r['value']}' is not a number, percentage or yes/no ({e})")
            continue
        key = (kind, sid, iid)
        if key in seen:
            problems.append(f"{where}: {kind} '{sid}' indicator '{iid}' was already given on line {seen[key]}")
            continue
        seen[key] = n
        rows.append({"subject_kind": kind, "subject_id": sid, "indicator_id": iid, "value": value,
                     "source": r.get("source", ""), "date": r.get("date", ""), "note": r.get("note", ""),
                     "line": n})
    if problems:
        raise EvidenceError(f"evidence file {p} has {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    df = pd.DataFrame(rows, columns=["subject_kind", "subject_id", "indicator_id", "value", "source", "date", "note",
                                     "line"])
    df.attrs["path"] = str(p)
    return df.set_index(["subject_kind", "subject_id", "indicator_id"]).sort_index()


def evidence_template(edition: Edition, subjects: dict[str, dict[str, str]], *,
                      previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per subject and evidence indicator, for the office to fill in.

    ``subjects`` maps kind -> {id: name}. ``previous`` (an earlier year's evidence) pre-fills values and
    sources so that only what changed needs typing; ``needed_for_level`` shows each level's threshold.
    """
    rows = []
    for ind in edition.indicators:
        if not ind.reads_evidence:
            continue
        needs = "; ".join(f"L{lv} {'≥' if ind.direction == 'higher' else '≤'} {t:g}"
                          for lv, t in sorted(ind.thresholds.items()))
        for sid, name in sorted(subjects.get(ind.subject, {}).items()):
            prev = None
            if previous is not None and (ind.subject, sid, ind.id) in previous.index:
                prev = previous.loc[(ind.subject, sid, ind.id)]
            rows.append({
                "subject_kind": ind.subject, "subject_id": sid, "subject_name": name, "indicator_id": ind.id,
                "name_th": ind.name_th, "name_en": ind.name_en, "unit": ind.unit, "needed_for_level": needs,
                "value": "" if prev is None else f"{prev['value']:g}",
                "source": "" if prev is None else prev["source"], "date": "", "note": "",
            })
    return pd.DataFrame(rows, columns=list(TEMPLATE_COLUMNS))


def write_evidence_template(df: pd.DataFrame, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write the template as CSV (UTF-8 with BOM so Excel shows Thai); never overwrite a filled file silently."""
    p = Path(path)
    if p.exists() and not overwrite:
        raise EvidenceError(f"{p} already exists; it may hold evidence someone typed in. Choose another --out "
                            "or pass --force to replace it")
    with atomic_path(p) as tmp:
        df.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
    return p
