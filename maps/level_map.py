"""The level map: the town, every facility and every village coloured by its criteria level."""

from __future__ import annotations

import math

import folium
import numpy as np
import pandas as pd

from criteria import Assessment, explain_table

from .base import (add_boundary, add_context, base_map, fmt_value, legend_box, popup_html, title_box, to_wgs84,
                   tooltip, diamond)
from .style import level_colors, load_styles

__all__ = ["level_map"]


def _indicator_rows(a: Assessment, sid: str) -> list[list[str]]:
    """Indicator, value, level reached and what the next level needs, for one subject."""
    t = explain_table(a, sid)
    return [[f"{r.name_th} / {r.name_en}", r.value, r.level_reached, r.next_needs] for r in t.itertuples()]


def _level_badge(a: Assessment, row: pd.Series, colors: dict[int, str]) -> tuple[str, str]:
    lvl = int(row["level"])
    return f"Level {lvl} {row['level_name_en']} / {row['level_name_th']}", colors[lvl]


def _facility_popup(a: Assessment, fid: str, r: pd.Series, colors: dict[int, str]) -> str:
    rows = [("id", fid), ("kind", f"{r['kind']} - {r.get('category', '')}")]
    for d in a.rings_m:
        rows.append((f"people within {d:,} m", fmt_value(r.get(f"pop_within_{d}"))))
    rows.append(("nearest village", f"{fmt_value(r.get('nearest_community_m'))} m"))
    rows.append((f"green land within {a.green_ring_m:,} m",
                 fmt_value(r.get(f"green_share_within_{a.green_ring_m}"), "share")))
    return popup_html(str(r["name"]), f"{r['kind']} {fid}", rows, badge=_level_badge(a, r, colors),
                      table=(["indicator", "value", "level", "next level needs"], _indicator_rows(a, fid)),
                      note=str(r.get("gap_text") or ""))


def _village_popup(a: Assessment, cid: str, r: pd.Series, colors: dict[int, str]) -> str:
    rows = [("id", cid), ("population / ประชากร", fmt_value(r.get("population"))),
            ("households / ครัวเรือน", fmt_value(r.get("households")))]
    for d in a.rings_m:
        rows.append((f"facilities within {d:,} m", fmt_value(r.get(f"fac_within_{d}"))))
    near = r.get("nearest_facility_id")
    rows.append(("nearest facility", f"{near or '-'} ({fmt_value(r.get('nearest_facility_m'))} m)"))
    return popup_html(str(r["name"]), f"village {cid}", rows, badge=_level_badge(a, r, colors),
                      table=(["indicator", "value", "level", "next level needs"], _indicator_rows(a, cid)),
                      note=str(r.get("gap_text") or ""))


def _radius(pop: float, pops: pd.Series, lo: float, hi: float) -> float:
    top = float(np.sqrt(pops.max())) if pops.notna().any() and pops.max() > 0 else 1.0
    if pop is None or (isinstance(pop, float) and math.isnan(pop)):
        return lo
    return lo + (hi - lo) * float(np.sqrt(max(pop, 0))) / top


def level_map(a: Assessment) -> folium.Map:
    """A folium map of the town, facilities and villages coloured by level, with popups and a legend."""
    st = load_styles()
    colors = level_colors(a.edition, st)
    m = base_map(a)
    add_boundary(m, a, fill=colors[int(a.town["level"])])
    add_context(m, a)

    # mines (polygons)
    mines = a.facilities[a.facilities["kind"] == "mine"]
    if len(mines):
        fg = folium.FeatureGroup(name="Mines and quarries / เหมือง (by level)")
        s = st["mine"]
        for fid, r in to_wgs84(mines, 2).iterrows():
            c = colors[int(r["level"])]
            folium.GeoJson(
                {"type": "Feature", "properties": {}, "geometry": r.geometry.__geo_interface__},
                style_function=lambda _f, c=c: {"color": s["color"], "weight": s["weight"], "fillColor": c,
                                                "fillOpacity": s["fill_opacity"]},
                tooltip=tooltip(f"{r['name']} - level {int(r['level'])}"),
                popup=folium.Popup(_facility_popup(a, str(fid), r, colors), max_width=520),
            ).add_to(fg)
        fg.add_to(m)

    # villages
    com = to_wgs84(a.communities)
    fg = folium.FeatureGroup(name="Villages / หมู่บ้าน (by level)")
    s = st["village"]
    pops = pd.to_numeric(a.communities["population"], errors="coerce")
    for cid, r in com.iterrows():
        pt = r.geometry if r.geometry.geom_type == "Point" else r.geometry.representative_point()
        folium.CircleMarker(
            [pt.y, pt.x], radius=_radius(r.get("population"), pops, s["min_radius"], s["max_radius"]),
            color=s["color"], weight=s["weight"], fill=True, fill_color=colors[int(r["level"])],
            fill_opacity=s["fill_opacity"],
            tooltip=tooltip(f"{r['name']} ({cid}) - level {int(r['level'])}"),
            popup=folium.Popup(_village_popup(a, str(cid), r, colors), max_width=520),
        ).add_to(fg)
    fg.add_to(m)

    # factories (on top)
    fac = a.facilities[a.facilities["kind"] == "factory"]
    if len(fac):
        fg = folium.FeatureGroup(name="Factories / โรงงาน (by level)")
        s = st["factory"]
        for fid, r in to_wgs84(fac).iterrows():
            diamond(
                r.geometry.y, r.geometry.x, colors[int(r["level"])], size=2 * s["radius"], border=s["color"],
                tooltip=tooltip(f"{r['name']} ({fid}) - level {int(r['level'])}"),
                popup=folium.Popup(_facility_popup(a, str(fid), r, colors), max_width=520),
            ).add_to(fg)
        fg.add_to(m)

    folium.LayerControl(collapsed=False).add_to(m)
    root = m.get_root().html
    root.add_child(title_box(a, "Eco-industrial town level map / แผนที่ระดับเมืองอุตสาหกรรมเชิงนิเวศ"))
    entries = [("square", colors[lv.level], f"{lv.level} {lv.name_en} / {lv.name_th}") for lv in a.edition.levels]
    entries += [("circle", "#ffffff", "village (size = population) / หมู่บ้าน"),
                ("square", "#ffffff", "factory ◆ / โรงงาน; mine = polygon / เหมือง")]
    root.add_child(legend_box("Level / ระดับ", entries))
    return m
