"""Year comparison: one map of the levels of several years, with a slider that switches the year shown.

Subjects are matched by id across years; each is drawn where the latest year that has it puts it. Moving the
slider recolours every subject by its level in that year (dashed grey: not assessed that year) and shows the
town's level. Popups list the subject's level in every year.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import folium
import pandas as pd

from criteria import Assessment

from .base import context_groups, engine_base_map, engine_payload, legend_box, title_box
from .errors import MapsError
from .features import StyleTable, lonlat, point_ll, radius_by, round_geojson, search_key, text
from .plugins import attach_engine
from .simplify import make_plan
from .style import level_colors, load_styles

__all__ = ["years_map"]


def _level_text(r: pd.Series | None) -> str:
    if r is None:
        return "not assessed / ไม่ได้ประเมิน"
    lvl = int(r["level"])
    return f"{lvl} {text(r.get('level_name_en'))} / {text(r.get('level_name_th'))}"


def years_map(assessments: Mapping[int, Assessment]) -> folium.Map:
    """A map comparing the levels of several years (``{year: Assessment}``) with a year slider."""
    if not assessments:
        raise MapsError("the year comparison map needs at least one assessment")
    years = sorted(int(y) for y in assessments)
    latest = assessments[years[-1]]
    st = load_styles()
    colors = level_colors(latest.edition, st)
    plan = make_plan(points=sum(len(a.facilities) + len(a.communities) for a in assessments.values()),
                     subjects=sum(len(a.facilities) + len(a.communities) for a in assessments.values()))
    dec, tol = plan.decimals, plan.tolerance_m
    sty = StyleTable()
    m, bounds = engine_base_map(latest)
    groups = context_groups(latest, sty, decimals=dec, tolerance_m=tol, canvas=plan.canvas_points,
                            roles=("receptors",))

    for what, label in (("communities", "Villages / หมู่บ้าน"), ("facilities", "Facilities / โรงงานและเหมือง")):
        tables = {y: getattr(assessments[y], what) for y in years}
        seen: dict[str, tuple[int, pd.Series]] = {}
        for y in years:  # later years win: geometry and name from the latest year that has the subject
            for sid, r in lonlat(tables[y], tol).iterrows():
                seen[str(sid)] = (y, r)
        pops = radius_by(pd.Series({k: v[1].get("population") for k, v in seen.items()}, dtype=float),
                         st["village"]["min_radius"], st["village"]["max_radius"]) if what == "communities" else None
        items = []
        for sid in sorted(seen):
            y_last, r = seen[sid]
            per_year = [tables[y].loc[sid] if sid in tables[y].index else None for y in years]
            yl = [None if p is None else int(p["level"]) for p in per_year]
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
    for y in years:
        t = assessments[y].town
        lvl = int(t["level"])
        year_info.append({"year": y, "label": f"{y} (พ.ศ. {y + 543})", "town_color": colors[lvl],
                          "town": f"{text(t.get('name'))}: level {lvl} {text(t.get('level_name_en'))} / "
                                  f"ระดับ {lvl} {text(t.get('level_name_th'))}"})
    payload = {"kind": "years", "groups": groups, "styles": sty.styles, "tables": {}, "notes": list(plan.notes),
               "years": year_info, "level_colors": {str(k): v for k, v in colors.items()},
               "no_level": st["no_level"]}
    payload.update(engine_payload(latest, bounds, decimals=dec, tolerance_m=tol))
    attach_engine(m, payload)
    root = m.get_root().html
    root.add_child(title_box(latest, f"Levels {years[0]}-{years[-1]} / ระดับรายปี "
                                     f"พ.ศ. {years[0] + 543}-{years[-1] + 543}"))
    entries = [("square", colors[lv.level], f"{lv.level} {lv.name_en} / {lv.name_th}") for lv in latest.edition.levels]
    entries.append(("square", st["no_level"], "not assessed that year / ไม่ได้ประเมินในปีนั้น"))
    root.add_child(legend_box("Level in the year on the slider / ระดับในปีที่เลือก", entries))
    m.ecotown_simplified = plan.as_dict()
    return m
