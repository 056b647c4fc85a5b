"""What the reports show, as data: one model (:class:`ReportModel`, built by :func:`build_report` from an
assessment and optionally the results history) for both reports, the summary ``report.html`` of ``ecotown
assess`` and the annual report of ``ecotown report``: the words, the template context, the tables (the annual
report also writes them as CSV / XLSX) and the figures.

Ring distances are never written here or in a template: the model names them from the assessment
(``a.rings_m``, the headline ring ``a.headline_ring_m``, the green distance ``a.green_ring_m``).

Nothing here writes HTML: ``render.py`` renders the model with the templates in ``templates/``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

import geo
from criteria import Assessment, explain_table, format_value, needs_text, provenance_sentences
from geo.yamltext import load_yaml

from ..errors import MapsError, TemplateError
from ..history import COMPARISON_TABLES, Comparison, Record, compare, record_of
from ..style import level_colors, level_label
from .field_notes import field_notes_annex

__all__ = ["LANGS", "ReportModel", "load_strings", "build_report", "report_tables_order", "format_in"]

LANGS = ("th", "en")
STRINGS_PATH = Path(__file__).resolve().parent / "templates" / "report-strings.yaml"


@lru_cache(maxsize=4)
def _all_strings(path: Path = STRINGS_PATH) -> dict:
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise TemplateError(f"cannot read the report wording {path}: {e}") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), dict) for k in LANGS):
        raise TemplateError(f"{path}: needs one mapping per language ({', '.join(LANGS)})")
    keys = [set(data[k]) for k in LANGS]
    missing = set.union(*keys) - set.intersection(*keys)
    if missing:
        raise TemplateError(f"{path}: these keys are not given in every language: {', '.join(sorted(missing))}")
    return data


def load_strings(lang: str) -> dict[str, str]:
    """The report's words in ``lang`` ('th' or 'en') from ``templates/report-strings.yaml``."""
    if lang not in LANGS:
        raise MapsError(f"report language must be one of {', '.join(LANGS)}, not {lang!r}")
    return {str(k): str(v) for k, v in _all_strings()[lang].items()}


def _isnan(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _num(v) -> float:
    if _isnan(v):
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def format_in(v, unit: str, t: dict) -> str:
    """A value as people read it, in the language of the report's words ``t``."""
    return format_value(_num(v), unit, t["_lang"], no_data=t["no_data"])


_PATH_RE = re.compile(r"(?:[A-Za-z]:)?[\\/](?:[^\s\\/]+[\\/])*([^\s\\/]+)")


def _no_dirs(text) -> str:
    """``text`` with file paths cut to their file names (tables must not depend on where files lie)."""
    return "" if _isnan(text) else _PATH_RE.sub(r"\1", str(text))


def _gap(value: float, threshold: float, direction: str, unit: str) -> float:
    if math.isnan(value) or math.isnan(threshold):
        return math.nan
    if unit == "yes/no":
        return 0.0 if (value >= 0.5) == (threshold >= 0.5) or value >= threshold else 1.0
    g = threshold - value if direction == "higher" else value - threshold
    return round(max(0.0, g), 10)


@dataclass
class ReportModel:
    """What a report shows, built once by :func:`build_report`: the template context, the tables (written as CSV /
    XLSX by the annual report) and the figures. The summary and the annual report render the same model, each
    with its own template, so their rows are the same rows."""

    lang: str
    year: int
    strings: dict
    context: dict
    tables: dict[str, pd.DataFrame]
    figures: dict[str, object] = field(default_factory=dict)
    comparison: Comparison | None = None
    #: every figure as a PNG data URI, made once by the renderer and reused for the HTML and the PDF
    figure_uris: dict[str, str] = field(default_factory=dict)


def report_tables_order() -> list[str]:
    return ["summary", "dimensions", "town_indicators", "facilities", "communities", "exposure_summary",
            "level_history", "indicator_trends", *COMPARISON_TABLES, "data_health"]


def _previous(records: list[Record], year: int, edition_id: str) -> Record | None:
    earlier = [r for r in records if r.year < year]
    if not earlier:
        return None
    last = max(r.year for r in earlier)
    same_year = [r for r in earlier if r.year == last]
    return next((r for r in same_year if r.edition_id == edition_id), same_year[-1])


#: roles of inputs that are tables without coordinates: nothing to convert
TABLE_ROLES = ("evidence", "join")


def _layer_health(a: Assessment) -> pd.DataFrame:
    """One row per input of the run, from what the run recorded (``a.inputs``: sha256, the CRS each layer was read
    in, its feature count); no input file is opened again. A layer added to the store names the CRS of the file it
    came from (``source_crs``), converted when it was added; a joined table or the evidence file has no
    coordinates, so no conversion; a catalog layer the run did not read says so."""
    target = a.manifest.get("parameters", {}).get("crs", geo.METRIC_CRS)
    rows = []
    for i in a.inputs or a.manifest.get("inputs", []):
        crs = i.get("source_crs") or i.get("read_crs") or ""
        if i.get("role") in TABLE_ROLES:
            conv = ""
        elif not crs:
            conv = "not read"
        else:
            conv = "none" if crs == target else f"{crs} → {target}"
        rows.append({"layer": i["layer"], "role": i["role"], "file": Path(i["source"]).name,
                     "layer_in_file": i.get("layer_in_file"), "vintage": i.get("vintage"),
                     "features": i.get("features"), "sha256": i["sha256"], "source_crs": crs, "conversion": conv})
    return pd.DataFrame(rows, columns=["layer", "role", "file", "layer_in_file", "vintage", "features", "sha256",
                                       "source_crs", "conversion"])


def _rows(df: pd.DataFrame, columns: list[str]):
    """``(id, row)`` for every row of ``df``, each row a dict of those of ``columns`` it has, with the values a
    row of ``df.iterrows()`` holds (the object values of the table): iterrows builds a Series of every column per
    row, seconds for a region's 50,000 subjects."""
    cols = [c for c in dict.fromkeys(columns) if c in df.columns]
    values = pd.DataFrame(df[cols]).to_numpy(dtype=object) if cols else [()] * len(df)
    for key, vals in zip(df.index, values):
        yield key, dict(zip(cols, vals))


def _no_rows(rec: Record) -> Record:
    """``rec`` with its tables emptied (their columns kept)."""
    return Record(run=rec.run, **{n: rec.table(n).iloc[0:0] for n in ("levels", "indicators", "dimensions",
                                                                       "facilities", "communities", "exposure",
                                                                       "exposure_summary")})


def build_report(a: Assessment, *, lang: str = "th", history: list[Record] | None = None,
                 history_path: str | Path | None = None, atlas: bool = False, figures: bool = True) -> ReportModel:
    """Everything the reports of ``a.year`` show, in ``lang`` ('th' or 'en'). ``history``: stored records of any
    years (a record of ``a.year`` itself is replaced by ``a``); the latest earlier year is the comparison base.
    ``figures``: draw the maps and charts (the annual report shows them; the summary report does not);
    ``atlas``: one page per facility.

    The rings: ``context['rings']`` are the catalog's (``a.rings_m``), ``context['headline_ring']`` the one the
    reports show first (``a.headline_ring_m``), ``context['near_rings']`` the rings up to it (the ring columns
    the facility tables of both reports and the communities table of the summary show)."""
    t = load_strings(lang)
    t["_lang"] = lang
    cur = record_of(a, run_id="this-report", digest=False)  # read here, never stored
    others = [r for r in (history or []) if r.year != a.year]
    prev = _previous(others, a.year, a.edition.id)
    cmp = compare(prev, cur) if prev is not None else None
    town = a.town
    lvl = int(town["level"])
    rings = list(a.rings_m)
    head = a.headline_ring_m
    nxt = None if _isnan(town.get("next_level")) else int(town["next_level"])
    town_lv = a.levels[a.levels["subject_kind"] == "town"].iloc[0]
    target = a.edition.target

    # -- tables ------------------------------------------------------------------------------------------------
    summary = pd.DataFrame([{
        "town_id": str(town["town_id"]), "name": town["name"], "name_en": town.get("name_en", ""),
        "year": a.year, "year_be": a.year_be, "level": lvl, "level_name_en": town["level_name_en"],
        "level_name_th": town["level_name_th"], "next_level": nxt, "reach_next": town_lv["reach_next"],
        "needed_next": town_lv["needed_next"], "target_level": target.level if target else None,
        "target_year": target.year if target else None, "target_year_be": target.year_be if target else None,
        "edition_id": a.edition.id, "edition_sha256": a.edition.sha256,
        "population": town.get("population"), "households": town.get("households"),
        "area_km2": round(float(town["area_km2"]), 4) if not _isnan(town.get("area_km2")) else None,
        "previous_year": prev.year if prev is not None else None,
        "previous_level": int(prev.run["level"]) if prev is not None else None,
    }])
    ind = a.indicators[a.indicators["subject_kind"] == "town"]
    ti = []
    for r in ind.itertuples():
        v, thr = _num(r.value), _num(r.threshold_next)
        gap = _gap(v, thr, r.direction, r.unit) if nxt else math.nan
        passes = "" if nxt is None or math.isnan(v) else ("yes" if bool(r.meets_next) else "no")
        spec = a.edition.indicator(r.indicator_id)
        needs = "" if nxt is None else _needs_text(spec, nxt, t)
        ti.append({"indicator_id": r.indicator_id, "dimension_id": r.dimension_id, "name_th": r.name_th,
                   "name_en": r.name_en, "unit": r.unit, "direction": r.direction, "core": bool(r.core),
                   "value": None if math.isnan(v) else v, "level_reached": None if _isnan(r.level_reached)
                   else int(r.level_reached), "threshold_next": None if math.isnan(thr) else thr,
                   "needs_next": needs, "passes_next": passes, "gap": None if math.isnan(gap) else gap,
                   "source_kind": r.source_kind, "source": _no_dirs(r.source_detail), "basis": r.basis})
    town_indicators = pd.DataFrame(ti)

    fac = a.facilities
    prev_fac = prev.facilities.set_index("facility_id") if prev is not None else None
    g = a.green_ring_m
    frows = []
    fac_cols = ["kind", "name", "category", "level", *[f"pop_within_{d}" for d in rings],
                f"villages_within_{head}", "nearest_community_m", f"green_share_within_{g}"]
    for fid, r in _rows(fac, fac_cols):
        last = None
        if prev_fac is not None and fid in prev_fac.index and not _isnan(prev_fac.loc[fid, "level"]):
            last = int(prev_fac.loc[fid, "level"])
        change = "" if prev_fac is None else ("new" if last is None else
                                              "up" if int(r["level"]) > last else
                                              "down" if int(r["level"]) < last else "same")
        row = {"facility_id": str(fid), "kind": r["kind"], "name": r["name"], "category": r.get("category"),
               "level": int(r["level"]), "level_last_year": last, "change": change}
        for d in rings:
            row[f"pop_within_{d}"] = r.get(f"pop_within_{d}")
        row[f"villages_within_{head}"] = r.get(f"villages_within_{head}")
        row["nearest_community_m"] = r.get("nearest_community_m")
        row[f"green_share_within_{g}"] = r.get(f"green_share_within_{g}")
        frows.append(row)
    facilities = pd.DataFrame(frows)

    com = a.communities
    crows = []
    com_cols = ["name", "population", "households", *[f"fac_within_{d}" for d in rings], "nearest_facility_id",
                "nearest_facility_m", "burden", "level"]
    for cid, r in _rows(com, com_cols):
        row = {"community_id": str(cid), "name": r["name"], "population": r.get("population"),
               "households": r.get("households")}
        for d in rings:
            row[f"fac_within_{d}"] = r.get(f"fac_within_{d}")
        row.update({"nearest_facility_id": r.get("nearest_facility_id"),
                    "nearest_facility_m": r.get("nearest_facility_m"),
                    "burden": None if _isnan(r.get("burden")) else round(float(r["burden"]), 6),
                    "level": int(r["level"])})
        crows.append(row)
    communities = pd.DataFrame(crows)

    recs = sorted(others + [cur], key=lambda r: r.year)
    level_history = pd.DataFrame([{"year": r.year, "year_be": r.year + 543, "edition_id": r.edition_id,
                                   "level": int(r.run["level"]), "run_id": r.run["run_id"]} for r in recs])
    trend_rows = []
    for r in recs:
        ti_r = r.indicators[r.indicators["subject_kind"] == "town"]
        for x in ti_r.itertuples():
            trend_rows.append({"year": r.year, "edition_id": r.edition_id, "indicator_id": x.indicator_id,
                               "name_th": x.name_th, "name_en": x.name_en, "unit": x.unit, "value": x.value})
    trends = pd.DataFrame(trend_rows, columns=["year", "edition_id", "indicator_id", "name_th", "name_en", "unit",
                                               "value"])
    # without an earlier year: the comparison tables with their columns and no rows (compared on empty tables,
    # not on the whole record, which at region scale takes seconds)
    ctabs = cmp.tables() if cmp is not None else \
        {k: v.iloc[0:0] for k, v in compare(_no_rows(cur), _no_rows(cur)).tables().items()}
    tables = {"summary": summary, "dimensions": a.dimensions.copy(), "town_indicators": town_indicators,
              "facilities": facilities, "communities": communities, "exposure_summary": cur.exposure_summary,
              "level_history": level_history, "indicator_trends": trends, **ctabs, "data_health": _layer_health(a)}

    # -- words and context -------------------------------------------------------------------------------------
    fa, mi = fac[fac["kind"] == "factory"], fac[fac["kind"] == "mine"]
    pop_total = pd.to_numeric(com.get("population"), errors="coerce").sum()
    es = cur.exposure_summary.set_index("ring_m")
    paras = [t["summary_level"].format(town=town["name"] if lang == "th" else town.get("name_en") or town["name"],
                                       level_name=level_label(lvl, town["level_name_th"], town["level_name_en"], lang=lang),
                                       level=lvl, edition=a.edition.id)]
    if nxt is not None:
        core_fail = [x["indicator_id"] for x in ti if x["core"] and x["passes_next"] == "no"]
        have, need = int(town_lv["reach_next"]), int(town_lv["needed_next"])
        paras.append(t["summary_gap"].format(next=nxt, more=max(0, need - have), have=have, need=need,
                                             core=t["summary_core"].format(ids=", ".join(core_fail))
                                             if core_fail else ""))
    else:
        paras.append(t["summary_top"])
    paras.append(t["summary_subjects"].format(factories=len(fa), mines=len(mi), villages=len(com),
                                              population=f"{pop_total:,.0f}"))
    paras.append(t["summary_rings"].format(villages=int(es.loc[head, "villages"]),
                                           population=f"{float(es.loc[head, 'population']):,.0f}",
                                           ring=f"{head:,}"))
    if cmp is not None:
        change = t["summary_change"].format(year_be=prev.year + 543, old=cmp.old["level"], new=cmp.new["level"],
                                            **{k: cmp.counts[k] for k in ("up", "down", "added", "closed")})
    else:
        change = t["summary_no_history"]

    level_counts = []
    for kind, label in (("factory", t["factory"]), ("mine", t["mine"]), ("community", t["village"])):
        sub = fac[fac["kind"] == kind] if kind != "community" else com
        level_counts.append({"label": label, "n": len(sub),
                             "by_level": [int((sub["level"] == k).sum()) for k in range(1, 6)]})
    params = a.manifest.get("parameters", {})
    colors = level_colors(a.edition)
    context = {
        "lang": lang, "t": t, "town": town.to_dict(), "town_name": town["name"] if lang == "th" else
        (town.get("name_en") or town["name"]), "town_name_other": town.get("name_en") if lang == "th" else town["name"],
        "year": a.year, "year_be": a.year_be, "level": lvl, "next_level": nxt,
        "level_name": level_label(lvl, town["level_name_th"], town["level_name_en"], lang=lang),
        "target": target, "target_note": (target.note_th if lang == "th" else target.note_en) if target else "",
        "target_gap": max(0, target.level - lvl) if target else None, "edition": a.edition, "colors": colors,
        "summary": paras, "change_text": change, "level_counts": level_counts,
        "rings": rings, "headline_ring": head, "near_rings": [d for d in rings if d <= head],
        "green_ring": a.green_ring_m,
        "level_names": {int(lv.level): {"th": lv.name_th, "en": lv.name_en} for lv in a.edition.levels},
        "town_gap_text": (town.get("gap_text_th") if lang == "th" else town.get("gap_text")) or "",
        "version": a.manifest.get("version", ""), "created": a.manifest.get("created", ""), "params": params,
        "overrides": ", ".join(f"{k}={v}" for k, v in params.get("overrides", {}).items()),
        "history_path": str(history_path) if history_path else "", "previous": prev.year if prev else None,
        "comparison": cmp, "repairs": a.manifest.get("repairs") or [], "atlas": [],
        "missing_data": [r.action_th if lang == "th" else r.action
                         for r in getattr(a, "data_gaps", pd.DataFrame(columns=["action", "action_th"])).itertuples()],
        "coverage": a.manifest.get("scope") or {},
        "field_notes": field_notes_annex(a, lang),  # the annex of the year's field notes (None: no such layer)
        "provenance": provenance_sentences(a.edition, lang),
    }
    rep = ReportModel(lang=lang, year=a.year, strings=t, context=context, tables=tables, comparison=cmp)
    if figures:
        _add_figures(rep, a, atlas=atlas)
    if atlas:
        context["atlas"] = _atlas_pages(a, t, rep)
    return rep


def _needs_text(spec, level: int, t: dict) -> str:
    return needs_text(spec.thresholds.get(level), spec.unit, spec.direction, t["_lang"], missing="")


def _add_figures(rep: ReportModel, a: Assessment, *, atlas: bool) -> None:
    from . import figures as fg  # matplotlib loads slowly: only the annual report needs it
    from .flows_figure import flows_figure

    t, lang = rep.strings, rep.lang
    lh = rep.tables["level_history"]
    rep.figures["level-map"] = fg.level_map_figure(a, t, lang)
    flows = flows_figure(a, lang)  # the resource exchanges (maps/report/flows_figure.py), when there are any
    if flows is not None:
        rep.figures["exchange-flows"] = flows
    rep.figures["buffer-map"] = fg.buffer_map_figure(a, t, lang)
    rep.figures["level-per-year"] = fg.level_chart(lh, t, target=a.edition.target)
    rep.figures["indicator-trends"] = fg.trends_chart(_trend_panels(rep.tables["indicator_trends"]), t, lang)
    if atlas:
        for fid in a.facilities.index:
            rep.figures[f"atlas-{fid}"] = fg.facility_figure(a, str(fid), t)


def _trend_panels(trends: pd.DataFrame) -> pd.DataFrame:
    """Town indicators worth a panel: those whose value changed over the years, else the first ones."""
    if trends.empty:
        return trends
    v = trends.assign(value=pd.to_numeric(trends["value"], errors="coerce"))
    moving = [i for i, s in v.groupby("indicator_id", sort=False)["value"] if s.nunique(dropna=True) > 1]
    keep = moving or list(dict.fromkeys(v["indicator_id"]))
    return v[v["indicator_id"].isin(keep)]


def _atlas_pages(a: Assessment, t: dict, rep: ReportModel) -> list[dict]:
    pages = []
    lang = rep.lang
    for fid, r in a.facilities.iterrows():
        ex = explain_table(a, str(fid))
        rows = [{"id": x.indicator_id, "name": x.name_th if lang == "th" else x.name_en, "value": x.value,
                 "level": x.level_reached, "needs": x.next_needs, "meets": x.meets_next} for x in ex.itertuples()]
        pages.append({"id": str(fid), "name": r["name"], "kind": t[r["kind"]], "level": int(r["level"]),
                      "gap_text": (r.get("gap_text_th") if lang == "th" else r.get("gap_text")) or "",
                      "indicators": rows, "figure": f"atlas-{fid}"})
    return pages
