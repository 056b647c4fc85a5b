"""Year comparison: one map of the levels of several years, with a slider that switches the year shown.

Subjects are matched by id across years; each is drawn where the latest year that has it puts it. Moving the
slider recolours every subject by its level in that year (dashed grey: not assessed that year) and shows the
town's level. Popups list the subject's level in every year.

The years come either as assessments (``{year: Assessment}``, drawn with their context layers and base map) or
as records of the results history (``{year: Record}``, see :func:`years_map_from_records`), which works without
re-running any assessment: subjects are drawn at the representative points the history stores, and the town
boundary, water and roads are drawn only when the input files the latest year read are still there unchanged.
Both are turned into one internal form (:class:`YearData`) first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from criteria import Assessment, load_edition
from geo import to_lonlat
from layers import sha256_file

from ..errors import MapsError
from ..history import Record
from ..style import level_colors, level_label, load_styles
from .base import context_groups, engine_base_map, engine_payload, legend_box
from .features import StyleTable, point_ll, radius_by, round_geojson, search_key, text
from .offline import escape_text as esc
from .plugins import RawHtml, attach_engine
from .simplify import make_plan

__all__ = ["years_map", "years_map_from_records", "YearData", "year_data_of_assessment", "year_data_of_record"]

METRIC = "EPSG:32647"
#: context roles a history-based map redraws from the latest year's input files (geometry only)
HISTORY_CONTEXT_ROLES = ("boundary", "water", "roads")


@dataclass
class YearData:
    """One year as the map needs it: the town, the subjects (geometry in EPSG:32647) and where it came from.

    ``facilities`` and ``communities`` are indexed by subject id with columns ``name, level, level_name_en,
    level_name_th`` (facilities also ``kind``; communities ``population``; optional ``registry_no, gap_text``).
    ``base`` is an object with ``context``, ``facilities``, ``communities``, ``town``, ``landcover`` and
    ``manifest`` for the base map and context layers (an Assessment, or a stand-in built from a record).
    """

    year: int
    town: pd.Series
    edition: Any
    edition_label: str
    facilities: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    base: Any
    notes: list[str] = field(default_factory=list)


def year_data_of_assessment(a: Assessment) -> YearData:
    return YearData(year=int(a.year), town=a.town, edition=a.edition,
                    edition_label=f"{a.edition.title_en} [{a.edition.id}]", facilities=a.facilities,
                    communities=a.communities, base=a)


def _edition_of(rec: Record) -> Any:
    """The criteria edition the record was scored with, when it still loads with the same file hash; else None."""
    try:
        ed = load_edition(rec.edition_id)
    except Exception:  # an edition that is gone or no longer reads: colours come from the styles file
        return None
    want = rec.run.get("edition_sha256")
    return ed if not want or getattr(ed, "sha256", want) == want else None


def _record_context(rec: Record) -> tuple[dict[str, gpd.GeoDataFrame], list[str]]:
    """Boundary, water and roads re-read from the record's input files when they are unchanged (geometry only)."""
    try:
        inputs = json.loads(rec.run.get("manifest") or "{}").get("inputs") or []
    except (TypeError, ValueError):
        inputs = []
    ctx: dict[str, gpd.GeoDataFrame] = {}
    missing: list[str] = []
    for role in HISTORY_CONTEXT_ROLES:
        for inp in inputs:
            if inp.get("role") != role or not inp.get("source"):
                continue
            src = Path(inp["source"])
            try:
                if not src.is_file() or (inp.get("sha256") and sha256_file(src) != inp["sha256"]):
                    missing.append(role)
                    continue
                g = gpd.read_file(src, layer=inp.get("layer_in_file"), columns=[])
                if g.crs is None:
                    missing.append(role)
                    continue
                g = g[g.geometry.notna() & ~g.geometry.is_empty][["geometry"]].to_crs(METRIC)
            except Exception:  # an input that no longer reads: the map is drawn without it
                missing.append(role)
                continue
            ctx[role] = pd.concat([ctx[role], g]) if role in ctx else g
    notes = []
    if "boundary" not in ctx:
        notes.append("Drawn from the results history: the town boundary file is not available unchanged, so only "
                      "the subjects are shown / วาดจากประวัติผลการประเมิน ไม่มีขอบเขตตำบล")
    return ctx, notes


def _points(df: pd.DataFrame, id_col: str) -> gpd.GeoDataFrame:
    x = pd.to_numeric(df["x"], errors="coerce")
    y = pd.to_numeric(df["y"], errors="coerce")
    keep = x.notna() & y.notna()
    d = df[keep].copy()
    d.index = d[id_col].astype(str).values
    return gpd.GeoDataFrame(d.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(x[keep], y[keep]), crs=METRIC)


def year_data_of_record(rec: Record, *, with_context: bool = True) -> YearData:
    """A history record in the map's form: subjects at their stored representative points (EPSG:32647)."""
    lv = rec.levels
    names = {(str(k), str(i)): (en, th) for k, i, en, th in
             zip(lv["subject_kind"], lv["subject_id"], lv["level_name_en"], lv["level_name_th"])}
    fac = _points(rec.facilities, "facility_id")
    fac["level_name_en"] = [names.get((str(k), i), (None, None))[0] for k, i in zip(fac["kind"], fac.index)]
    fac["level_name_th"] = [names.get((str(k), i), (None, None))[1] for k, i in zip(fac["kind"], fac.index)]
    com = _points(rec.communities, "community_id")
    com["level_name_en"] = [names.get(("community", i), (None, None))[0] for i in com.index]
    com["level_name_th"] = [names.get(("community", i), (None, None))[1] for i in com.index]
    lost = (len(rec.facilities) - len(fac)) + (len(rec.communities) - len(com))
    run = rec.run
    town = pd.Series({"town_id": run.get("town_id"), "name": run.get("town_name"), "name_en": run.get("town_name_en"),
                      "level": int(run["level"]), "level_name_en": run.get("level_name_en"),
                      "level_name_th": run.get("level_name_th")})
    ctx, notes = _record_context(rec) if with_context else ({}, [])
    if lost:
        notes.append(f"{rec.year}: {lost} subject(s) have no stored position and are not drawn")
    ed = _edition_of(rec)
    label = f"{ed.title_en} [{ed.id}]" if ed is not None else f"[{rec.edition_id}]"
    base = SimpleNamespace(context=ctx, facilities=fac, communities=com, town=town, landcover=None, manifest={})
    return YearData(year=rec.year, town=town, edition=ed, edition_label=label, facilities=fac, communities=com,
                    base=base, notes=notes)


def _level_text(r: pd.Series | None) -> str:
    if r is None:
        return "not assessed / ไม่ได้ประเมิน"
    return level_label(int(r["level"]), r.get("level_name_th"), r.get("level_name_en"), lang="both", head=True)


def _legend_levels(data: list[YearData]) -> list[tuple[int, str, str]]:
    """(level, name_en, name_th) of every level: from the latest edition, else from the names stored."""
    for d in reversed(data):
        if d.edition is not None:
            return [(int(lv.level), lv.name_en, lv.name_th) for lv in d.edition.levels]
    seen: dict[int, tuple[str, str]] = {}
    for d in data:
        for t in (d.facilities, d.communities, pd.DataFrame([d.town])):
            for lvl, en, th in zip(t["level"], t["level_name_en"], t["level_name_th"]):
                if pd.notna(lvl):
                    seen.setdefault(int(lvl), (text(en), text(th)))
    return [(k, *seen[k]) for k in sorted(seen)]


def _title(latest: YearData, years: list[int]) -> RawHtml:
    t = latest.town
    heading = f"Levels {years[0]}-{years[-1]} / ระดับรายปี พ.ศ. {years[0] + 543}-{years[-1] + 543}"
    html = (
        '<div class="ecotown-title" style="position:fixed;top:10px;left:60px;z-index:1000;background:#fff;'
        'padding:6px 10px;border:1px solid #888;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);'
        "font-family:'Noto Sans Thai','Loma','Sarabun',sans-serif;max-width:520px\">"
        f'<div style="font-weight:bold">{esc(heading)}</div>'
        f"<div>{esc(text(t.get('name')))} ({esc(text(t.get('name_en')))})</div>"
        f'<div style="font-size:11px;color:#555">{esc(latest.edition_label)}</div>'
        "</div>")
    return RawHtml(html)


def _build(data: list[YearData]) -> folium.Map:
    data = sorted(data, key=lambda d: d.year)
    years = [d.year for d in data]
    if len(set(years)) != len(years):
        raise MapsError(f"the year comparison map got a year twice: {', '.join(str(y) for y in years)}")
    latest = data[-1]
    st = load_styles()
    colors = level_colors(latest.edition, st)
    n = sum(len(d.facilities) + len(d.communities) for d in data)
    plan = make_plan(points=n, subjects=n)
    dec, tol = plan.decimals, plan.tolerance_m
    sty = StyleTable()
    m, bounds = engine_base_map(latest.base)
    groups = context_groups(latest.base, sty, decimals=dec, tolerance_m=tol, canvas=plan.canvas_points,
                            roles=("receptors",))

    for what, label in (("communities", "Villages / หมู่บ้าน"), ("facilities", "Facilities / โรงงานและเหมือง")):
        tables = {d.year: getattr(d, what) for d in data}
        seen: dict[str, tuple[int, pd.Series]] = {}
        for y in years:  # later years win: geometry and name from the latest year that has the subject
            for sid, r in to_lonlat(tables[y], tol).iterrows():
                seen[str(sid)] = (y, r)
        pops = radius_by(pd.Series({k: v[1].get("population") for k, v in seen.items()}, dtype=float),
                         st["village"]["min_radius"], st["village"]["max_radius"]) if what == "communities" else None
        items = []
        for sid in sorted(seen):
            y_last, r = seen[sid]
            per_year = [tables[y].loc[sid] if sid in tables[y].index else None for y in years]
            yl = [None if p is None or pd.isna(p["level"]) else int(p["level"]) for p in per_year]
            name = text(r["name"])
            rows = [[f"{y} (พ.ศ. {y + 543})", _level_text(p)] for y, p in zip(years, per_year)]
            item: dict[str, Any] = {"yl": yl, "tip": f"{name} ({sid})", "k": search_key(name, sid, r.get("registry_no")),
                                    "lab": f"{name} ({sid})",
                                    "p": {"title": name, "sub": f"{sid} - level by year / ระดับรายปี", "rows": rows,
                                          "note": text(r.get("gap_text"))}}
            if what == "communities":
                item.update({"t": "c", "ll": point_ll(r.geometry, dec),
                             "s": sty(radius=float(pops[sid]), color="#333333", weight=1.5, fillColor="#9e9e9e",
                                      fillOpacity=0.9, className="ecotown-village")})
            elif r.geometry.geom_type == "Point" and text(r.get("kind")) == "mine":  # a mine stored as a point
                item.update({"t": "c", "ll": point_ll(r.geometry, dec),
                             "s": sty(radius=st["factory"]["radius"], color=st["mine"]["color"], weight=3,
                                      fillColor="#9e9e9e", fillOpacity=0.95, className="ecotown-mine")})
            elif r.geometry.geom_type == "Point":
                item.update({"t": "d", "ll": point_ll(r.geometry, dec),
                             "s": sty(radius=st["factory"]["radius"], color="#1f1f1f", weight=2,
                                      fillColor="#9e9e9e", fillOpacity=0.95, className="ecotown-factory")})
            else:
                item.update({"t": "g", "g": round_geojson(r.geometry, dec),
                             "s": sty(color=st["mine"]["color"], weight=2, fillColor="#9e9e9e", fillOpacity=0.75)})
            items.append(item)
        groups.append({"name": label, "items": items, "canvas": plan.canvas_points})

    year_info = []
    for d in data:
        t = d.town
        lvl = int(t["level"])
        year_info.append({"year": d.year, "label": f"{d.year} (พ.ศ. {d.year + 543})",
                          "town_color": colors.get(lvl, st["no_level"]),
                          "town": f"{text(t.get('name'))}: "
                                  + level_label(lvl, t.get("level_name_th"), t.get("level_name_en"), lang="both")})
    notes = list(plan.notes) + [n for d in data for n in d.notes]
    payload = {"kind": "years", "groups": groups, "styles": sty.styles, "tables": {}, "notes": notes,
               "years": year_info, "level_colors": {str(k): v for k, v in colors.items()},
               "no_level": st["no_level"]}
    payload.update(engine_payload(latest.base, bounds, decimals=dec, tolerance_m=tol))
    attach_engine(m, payload)
    root = m.get_root().html
    root.add_child(_title(latest, years))
    entries = [("square", colors.get(k, st["no_level"]), level_label(k, th, en, lang="both", head=True))
               for k, en, th in _legend_levels(data)]
    entries.append(("square", st["no_level"], "not assessed that year / ไม่ได้ประเมินในปีนั้น"))
    root.add_child(legend_box("Level in the year on the slider / ระดับในปีที่เลือก", entries))
    m.ecotown_simplified = plan.as_dict()
    return m


def years_map(assessments: Mapping[int, Assessment | Record]) -> folium.Map:
    """A map comparing the levels of several years (``{year: Assessment}`` or ``{year: Record}``) with a slider."""
    if not assessments:
        raise MapsError("the year comparison map needs at least one assessment")
    data = []
    for y, a in assessments.items():
        d = year_data_of_record(a, with_context=False) if isinstance(a, Record) else year_data_of_assessment(a)
        if d.year != int(y):
            raise MapsError(f"the year comparison map got the {d.year} results as year {y}")
        data.append(d)
    if isinstance(assessments[max(assessments)], Record):  # the base layers come from the latest year only
        latest = max(data, key=lambda d: d.year)
        src = assessments[max(assessments)]
        ctx, notes = _record_context(src)
        latest.base.context.update(ctx)
        latest.notes[:0] = notes
    return _build(data)


def years_map_from_records(records: list[Record] | Mapping[int, Record]) -> folium.Map:
    """The year comparison map of stored history records (no assessment is re-run)."""
    recs = list(records.values()) if isinstance(records, Mapping) else list(records)
    if not recs:
        raise MapsError("the year comparison map needs at least one stored year")
    return years_map({r.year: r for r in recs})
