"""The level map: the town, every facility, mine and village coloured by its criteria level.

Layers (each toggleable): town boundary, land-use zones, green areas, sensitive receptors, mines (polygons),
villages (circles sized by population), factories (diamonds); base maps: the land cover drawn from the layers
(offline) or OpenStreetMap tiles (online). Controls: layers, search by name or registry number, measure,
minimap. Popups: the subject's figures, its level, the indicator table and the gap to the next level.
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from criteria import Assessment, names_note, thresholds_note

from ..style import level_colors, level_label, load_styles
from .base import context_groups, engine_base_map, engine_payload, legend_box, title_box
from .field import attach_field, observation_group
from .flows import flow_group, flow_legend
from .features import (StyleTable, encode, indicator_columns, num_column, radius_by, str_column, style_column,
                       subject_columns)
from .plugins import attach_engine, engine_data, payload_bytes
from .simplify import Plan, make_plan

__all__ = ["level_map", "level_plan"]


def level_plan(a: Assessment) -> Plan:
    """The size plan of the level map of ``a``."""
    n_fac = int((a.facilities.geom_type == "Point").sum())
    n_rec = len(a.context.get("receptors", ())) if a.context.get("receptors") is not None else 0
    return make_plan(points=n_fac + len(a.communities) + n_rec, subjects=len(a.facilities) + len(a.communities))


def _subject_fields(df: pd.DataFrame, colors: dict[int, str]) -> dict[str, list[Any]]:
    """Fields every assessed subject has: name, level, level badge and colour, gap to the next level."""
    lvl = pd.to_numeric(df["level"]).astype(int)
    badge = [level_label(k, th, en, lang="both", head=True) for k, th, en in zip(lvl, df["level_name_th"], df["level_name_en"])]
    return {"name": encode(str_column(df["name"])), "lvl": lvl.tolist(), "badge": encode(badge),
            "color": encode(lvl.map(colors).tolist()), "gap": encode(str_column(df["gap_text"]))}


def _facility_source(a: Assessment, df: gpd.GeoDataFrame, plan: Plan, colors: dict[int, str], sty: StyleTable,
                     s: dict[str, Any], where: dict[str, tuple[int, int]] | None, *, mine: bool) -> dict[str, Any]:
    src = subject_columns(df, decimals=plan.decimals, tolerance_m=plan.tolerance_m, shape="d")
    f = src["f"]
    f.update(_subject_fields(df, colors))
    first, second = ("licence_no", "registry_no") if mine else ("registry_no", "licence_no")
    reg = pd.Series(str_column(df[first]) if first in df else [""] * len(df), index=df.index)
    if second in df:
        reg = reg.where(reg != "", pd.Series(str_column(df[second]), index=df.index))
    f["reg"] = reg.tolist()
    f["kind"] = encode(str_column(df["kind"]))
    f["category"] = encode(str_column(df["category"]) if "category" in df else [""] * len(df))
    num = {}
    for d in a.rings_m:
        f[f"pop{d}"] = num_column(df.get(f"pop_within_{d}", pd.Series(np.nan, index=df.index)))
        num[f"pop{d}"] = "n"
    f["near_m"] = num_column(df["nearest_community_m"])
    f["green"] = num_column(df.get(f"green_share_within_{a.green_ring_m}", pd.Series(np.nan, index=df.index)), 4)
    num.update({"near_m": "n", "green": "%"})
    if mine:
        f["s"] = style_column(df["level"], lambda lv: sty(color=s["color"], weight=s["weight"],
                                                          fillColor=colors[int(lv)], fillOpacity=s["fill_opacity"]))
    else:
        f["s"] = style_column(df["level"], lambda lv: sty(
            radius=s["radius"], color=s["color"], weight=s["weight"], fillColor=colors[int(lv)],
            fillOpacity=s["fill_opacity"], className="ecotown-factory"))
    rows = [["id", "{id}"], ["kind / ประเภท", "{kind} - {category}"], ["registry no. / เลขทะเบียน", "{reg}", "reg"]]
    rows += [[f"people within {d:,} m / ประชากรในรัศมี", f"{{pop{d}}}"] for d in a.rings_m]
    rows += [["nearest village / หมู่บ้านที่ใกล้ที่สุด", "{near_m} m"],
             [f"green land within {a.green_ring_m:,} m / พื้นที่สีเขียว", "{green}"]]
    src.update({"num": num, "tip": "{name} ({id}) - level {lvl}", "lab": "{name} ({id}) {reg}",
                "k": ["name", "id", "reg"],
                "pop": {"title": "{name}", "sub": "mine / เหมือง {id}" if mine else "{kind} / โรงงาน {id}",
                        "badge": ["{badge}", "color"], "rows": rows, "note": "{gap}"}})
    _add_tables(src, df, where)
    return src


def _village_source(a: Assessment, plan: Plan, colors: dict[int, str], sty: StyleTable, s: dict[str, Any],
                    where: dict[str, tuple[int, int]] | None) -> dict[str, Any]:
    df = a.communities
    src = subject_columns(df, decimals=plan.decimals, tolerance_m=0, shape="c")
    f = src["f"]
    f.update(_subject_fields(df, colors))
    f["vno"] = str_column(df["village_no"]) if "village_no" in df else [""] * len(df)
    f["rad"] = radius_by(df["population"], s["min_radius"], s["max_radius"]).astype(float).tolist()
    f["popn"], f["hh"] = num_column(df["population"]), num_column(df.get("households", pd.Series(np.nan, index=df.index)))
    num = {"popn": "n", "hh": "n", "near_m": "n"}
    for d in a.rings_m:
        f[f"fac{d}"] = num_column(df.get(f"fac_within_{d}", pd.Series(np.nan, index=df.index)))
        num[f"fac{d}"] = "n"
    near = pd.Series(str_column(df["nearest_facility_id"]), index=df.index)
    f["near"] = encode(near.where(near != "", "-").tolist())
    f["near_m"] = num_column(df["nearest_facility_m"])
    f["s"] = style_column(df["level"], lambda lv: sty(
        radius=s["min_radius"], color=s["color"], weight=s["weight"], fillColor=colors[int(lv)],
        fillOpacity=s["fill_opacity"], className="ecotown-village"))
    rows = [["id", "{id}"], ["population / ประชากร", "{popn}"], ["households / ครัวเรือน", "{hh}"]]
    rows += [[f"facilities within {d:,} m / สถานประกอบการในรัศมี", f"{{fac{d}}}"] for d in a.rings_m]
    rows += [["nearest facility / ใกล้ที่สุด", "{near} ({near_m} m)"]]
    src.update({"num": num, "tip": "{name} ({id}) - level {lvl}", "lab": "{name} ({id})",
                "k": ["name", "id", "vno"],
                "pop": {"title": "{name}", "sub": "village / หมู่บ้าน {id}", "badge": ["{badge}", "color"],
                        "rows": rows, "note": "{gap}"}})
    _add_tables(src, df, where)
    return src


def _add_tables(src: dict[str, Any], df: pd.DataFrame, where: dict[str, tuple[int, int]] | None) -> None:
    if where is None:
        return
    at = [where.get(str(i)) for i in df.index]
    src["f"]["i0"] = [None if w is None else w[0] for w in at]
    src["f"]["ic"] = [0 if w is None else w[1] for w in at]
    src["pop"]["tbl"] = "ind"


def _payload(a: Assessment, plan: Plan) -> dict[str, Any]:
    st = load_styles()
    colors = level_colors(a.edition, st)
    sty = StyleTable()
    dec, tol = plan.decimals, plan.tolerance_m
    table, where = None, None
    if not plan.prune_tables:
        ids = [str(i) for i in a.facilities.index] + [str(i) for i in a.communities.index]
        table, where = indicator_columns(a, ids)

    groups = context_groups(a, sty, decimals=dec, tolerance_m=tol, canvas=plan.canvas_points,
                            boundary_fill=colors[int(a.town["level"])])
    cols: dict[str, Any] = {}
    is_mine = (a.facilities["kind"] == "mine").to_numpy()
    mines, fac = a.facilities[is_mine], a.facilities[~is_mine]
    if len(mines):
        cols["mines"] = _facility_source(a, mines, plan, colors, sty, st["mine"], where, mine=True)
        groups.append({"name": "Mines and quarries / เหมือง (by level)", "src": "mines", "search": True})
    cols["vil"] = _village_source(a, plan, colors, sty, st["village"], where)
    groups.append({"name": "Villages / หมู่บ้าน (by level)", "src": "vil", "rad": "rad", "search": True,
                   "canvas": plan.canvas_points})
    if len(fac):
        cols["fac"] = _facility_source(a, fac, plan, colors, sty, st["factory"], where, mine=False)
        groups.append({"name": "Factories / โรงงาน (by level)", "src": "fac", "search": True,
                       "canvas": plan.canvas_points})
    groups += observation_group(a, sty, dec)  # the year's field notes (role observations)
    flows = flow_group(a, sty, decimals=dec)  # resource exchanges (maps/web/flows.py)
    if flows:
        groups.append(flows)
    out = {"kind": "level", "groups": groups, "cols": cols, "styles": sty.styles, "tables": {},
           "notes": list(plan.notes)}
    if table is not None:
        out["ind"] = table
    return out


def level_map(a: Assessment, *, plan: Plan | None = None) -> folium.Map:
    """A folium map of the town, facilities and villages coloured by level, with popups, legend and controls.

    The size plan (``plan``, default :func:`level_plan`) decides canvas drawing, coordinate precision,
    simplification and pruning; what was simplified is listed in the legend and in ``m.ecotown_simplified``.
    """
    st = load_styles()
    colors = level_colors(a.edition, st)
    plan = plan or level_plan(a)
    m, bounds = engine_base_map(a)
    common = engine_payload(a, bounds, decimals=plan.decimals, tolerance_m=plan.tolerance_m)
    data = engine_data({**_payload(a, plan), **common})
    if payload_bytes(data) > plan.max_bytes * plan.payload_share and not plan.prune_tables:
        plan.prune(f"the data would exceed {plan.max_bytes / 1e6:g} MB")
        data = engine_data({**_payload(a, plan), **common})
    attach_engine(m, data)
    attach_field(m, a, "level")  # phone layout, where I stand, field notes, print

    root = m.get_root().html
    root.add_child(title_box(a, "Eco-industrial town level map / แผนที่ระดับเมืองอุตสาหกรรมเชิงนิเวศ"))
    entries = [("square", colors[lv.level], f"{lv.level} {lv.name_en} / {lv.name_th}") for lv in a.edition.levels]
    entries += [("head", "", names_note(a.edition)), ("head", "", thresholds_note(a.edition))]  # whose words
    entries += [("circle", "#ffffff", "village (size = population) / หมู่บ้าน (ขนาด = ประชากร)"),
                ("diamond", "#ffffff", "factory / โรงงาน"),
                ("square", "#ffffff", "mine (outline) / เหมือง"),
                ("circle", st["context"]["receptors"]["color"],
                 "school, temple, health centre / สถานที่อ่อนไหว")]
    entries += flow_legend(a)
    lc = common["basemap"].get("legend", [])
    if lc:
        entries += [("head", "", "Land cover (offline base map) / สิ่งปกคลุมดิน")]
        entries += [("square", c, lab) for c, lab in lc]
    root.add_child(legend_box("Level / ระดับ", entries))
    m.ecotown_simplified = plan.as_dict()
    return m
