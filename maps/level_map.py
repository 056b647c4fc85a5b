"""The level map: the town, every facility, mine and village coloured by its criteria level.

Layers (each toggleable): town boundary, land-use zones, green areas, sensitive receptors, mines (polygons),
villages (circles sized by population), factories (diamonds); base maps: the land cover drawn from the layers
(offline) or OpenStreetMap tiles (online). Controls: layers, search by name or registry number, measure,
minimap. Popups: the subject's figures, its level, the indicator table and the gap to the next level.
"""

from __future__ import annotations

from typing import Any

import folium
import pandas as pd

from criteria import Assessment

from .base import context_groups, engine_base_map, engine_payload, fmt_value, legend_box, title_box
from .features import StyleTable, indicator_tables, lonlat, point_ll, radius_by, round_geojson, search_key, text
from .plugins import attach_engine, payload_bytes
from .simplify import Plan, make_plan
from .style import level_colors, load_styles

__all__ = ["level_map", "level_plan"]


def _badge(r: pd.Series, colors: dict[int, str]) -> list[str]:
    lvl = int(r["level"])
    return [f"Level {lvl} {text(r.get('level_name_en'))} / ระดับ {lvl} {text(r.get('level_name_th'))}", colors[lvl]]


def _facility_rows(a: Assessment, fid: str, r: pd.Series) -> list[list[str]]:
    rows = [["id", fid], ["kind / ประเภท", f"{text(r['kind'])} - {text(r.get('category'))}"]]
    reg = text(r.get("registry_no")) or text(r.get("licence_no"))
    if reg:
        rows.append(["registry no. / เลขทะเบียน", reg])
    for d in a.rings_m:
        rows.append([f"people within {d:,} m / ประชากรในรัศมี", fmt_value(r.get(f"pop_within_{d}"))])
    rows.append(["nearest village / หมู่บ้านที่ใกล้ที่สุด", f"{fmt_value(r.get('nearest_community_m'))} m"])
    rows.append([f"green land within {a.green_ring_m:,} m / พื้นที่สีเขียว",
                 fmt_value(r.get(f"green_share_within_{a.green_ring_m}"), "share")])
    return rows


def _village_rows(a: Assessment, cid: str, r: pd.Series) -> list[list[str]]:
    rows = [["id", cid], ["population / ประชากร", fmt_value(r.get("population"))],
            ["households / ครัวเรือน", fmt_value(r.get("households"))]]
    for d in a.rings_m:
        rows.append([f"facilities within {d:,} m / สถานประกอบการในรัศมี", fmt_value(r.get(f"fac_within_{d}"))])
    near = text(r.get("nearest_facility_id")) or "-"
    rows.append(["nearest facility / ใกล้ที่สุด", f"{near} ({fmt_value(r.get('nearest_facility_m'))} m)"])
    return rows


def level_plan(a: Assessment) -> Plan:
    """The size plan of the level map of ``a``."""
    n_fac = int((a.facilities.geom_type == "Point").sum())
    n_rec = len(a.context.get("receptors", ())) if a.context.get("receptors") is not None else 0
    return make_plan(points=n_fac + len(a.communities) + n_rec, subjects=len(a.facilities) + len(a.communities))


def _payload(a: Assessment, plan: Plan) -> dict[str, Any]:
    st = load_styles()
    colors = level_colors(a.edition, st)
    sty = StyleTable()
    dec, tol = plan.decimals, plan.tolerance_m
    ids = [str(i) for i in a.facilities.index] + [str(i) for i in a.communities.index]
    table_def, tables = ({}, {}) if plan.prune_tables else indicator_tables(a, ids)

    def popup(title: str, sub: str, rows: list, r: pd.Series, sid: str) -> dict[str, Any]:
        p: dict[str, Any] = {"title": title, "sub": sub, "rows": rows, "badge": _badge(r, colors),
                             "note": text(r.get("gap_text"))}
        if sid in tables:
            p["tbl"] = ["ind", tables[sid]]
        return p

    groups = context_groups(a, sty, decimals=dec, tolerance_m=tol, canvas=plan.canvas_points,
                            boundary_fill=colors[int(a.town["level"])])

    mines = a.facilities[a.facilities["kind"] == "mine"]
    if len(mines):
        s = st["mine"]
        items = []
        for fid, r in lonlat(mines, tol).iterrows():
            fid = str(fid)
            name = text(r["name"])
            reg = text(r.get("licence_no")) or text(r.get("registry_no"))
            items.append({"t": "g", "g": round_geojson(r.geometry, dec),
                          "s": sty(color=s["color"], weight=s["weight"], fillColor=colors[int(r["level"])],
                                   fillOpacity=s["fill_opacity"]),
                          "tip": f"{name} ({fid}) - level {int(r['level'])}",
                          "k": search_key(name, fid, reg), "lab": f"{name} ({fid}) {reg}".strip(),
                          "p": popup(name, f"mine / เหมือง {fid}", _facility_rows(a, fid, r), r, fid)})
        groups.append({"name": "Mines and quarries / เหมือง (by level)", "items": items})

    s = st["village"]
    com = lonlat(a.communities)
    radii = radius_by(a.communities["population"], s["min_radius"], s["max_radius"])
    items = []
    for cid, r in com.iterrows():
        cid_s = str(cid)
        name = text(r["name"])
        items.append({"t": "c", "ll": point_ll(r.geometry, dec),
                      "s": sty(radius=float(radii.loc[cid]), color=s["color"], weight=s["weight"],
                               fillColor=colors[int(r["level"])], fillOpacity=s["fill_opacity"],
                               className="ecotown-village"),
                      "tip": f"{name} ({cid_s}) - level {int(r['level'])}",
                      "k": search_key(name, cid_s, r.get("village_no")), "lab": f"{name} ({cid_s})",
                      "p": popup(name, f"village / หมู่บ้าน {cid_s}", _village_rows(a, cid_s, r), r, cid_s)})
    groups.append({"name": "Villages / หมู่บ้าน (by level)", "items": items, "canvas": plan.canvas_points})

    fac = a.facilities[(a.facilities["kind"] != "mine")]
    if len(fac):
        s = st["factory"]
        items = []
        for fid, r in lonlat(fac, tol).iterrows():
            fid = str(fid)
            name = text(r["name"])
            reg = text(r.get("registry_no"))
            item = {"tip": f"{name} ({fid}) - level {int(r['level'])}", "k": search_key(name, fid, reg),
                    "lab": f"{name} ({fid}) {reg}".strip(),
                    "p": popup(name, f"{text(r['kind'])} / โรงงาน {fid}", _facility_rows(a, fid, r), r, fid)}
            style = dict(color=s["color"], weight=s["weight"], fillColor=colors[int(r["level"])],
                         fillOpacity=s["fill_opacity"], className="ecotown-factory")
            if r.geometry.geom_type == "Point":
                item.update({"t": "d", "ll": point_ll(r.geometry, dec), "s": sty(radius=s["radius"], **style)})
            else:
                item.update({"t": "g", "g": round_geojson(r.geometry, dec), "s": sty(**style)})
            items.append(item)
        groups.append({"name": "Factories / โรงงาน (by level)", "items": items, "canvas": plan.canvas_points})

    return {"kind": "level", "groups": groups, "styles": sty.styles, "tables": {"ind": table_def},
            "notes": list(plan.notes)}


def level_map(a: Assessment, *, plan: Plan | None = None) -> folium.Map:
    """A folium map of the town, facilities and villages coloured by level, with popups, legend and controls.

    The size plan (``plan``, default :func:`level_plan`) decides canvas drawing, coordinate precision,
    simplification and pruning; what was simplified is listed in the legend and in ``m.ecotown_simplified``.
    """
    st = load_styles()
    colors = level_colors(a.edition, st)
    plan = plan or level_plan(a)
    m, bounds = engine_base_map(a)
    payload = _payload(a, plan)
    if payload_bytes(payload) > plan.max_bytes * plan.payload_share and not plan.prune_tables:
        plan.prune(f"the data would exceed {plan.max_bytes / 1e6:.0f} MB")
        payload = _payload(a, plan)
    payload.update(engine_payload(a, bounds, decimals=plan.decimals, tolerance_m=plan.tolerance_m))
    attach_engine(m, payload)

    root = m.get_root().html
    root.add_child(title_box(a, "Eco-industrial town level map / แผนที่ระดับเมืองอุตสาหกรรมเชิงนิเวศ"))
    entries = [("square", colors[lv.level], f"{lv.level} {lv.name_en} / {lv.name_th}") for lv in a.edition.levels]
    entries += [("circle", "#ffffff", "village (size = population) / หมู่บ้าน (ขนาด = ประชากร)"),
                ("diamond", "#ffffff", "factory / โรงงาน"),
                ("square", "#ffffff", "mine (outline) / เหมือง"),
                ("circle", st["context"]["receptors"]["color"],
                 "school, temple, health centre / สถานที่อ่อนไหว")]
    lc = payload["basemap"].get("legend", [])
    if lc:
        entries += [("head", "", "Land cover (offline base map) / สิ่งปกคลุมดิน")]
        entries += [("square", c, lab) for c, lab in lc]
    root.add_child(legend_box("Level / ระดับ", entries))
    m.ecotown_simplified = plan.as_dict()
    return m
