"""The parts both maps share: the base map, context layers, popups as escaped HTML, the title and legend."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import folium
import pandas as pd

from criteria import Assessment
from criteria import format_value as fmt_value  # one formatting for every output
from geo import to_lonlat

from ..style import level_colors, level_label, load_styles
from .basemap import basemap_payload
from .features import point_ll, round_geojson, search_key, text
from .offline import escape_text as esc
from .plugins import RawHtml

__all__ = ["fmt_value", "title_box", "legend_box", "engine_base_map", "context_groups",
           "engine_payload"]

def title_box(a: Assessment, heading: str) -> RawHtml:
    t = a.town
    colors = level_colors(a.edition)
    lvl = int(t["level"])
    html = (
        '<div class="ecotown-title" style="position:fixed;top:10px;left:60px;z-index:1000;background:#fff;'
        'padding:6px 10px;border:1px solid #888;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);'
        "font-family:'Noto Sans Thai','Loma','Sarabun',sans-serif;max-width:520px\">"
        f'<div style="font-weight:bold">{esc(heading)}</div>'
        f"<div>{esc(t.get('name', ''))} ({esc(t.get('name_en', ''))}) - พ.ศ. {a.year_be} / {a.year}</div>"
        f'<div>Town level / ระดับเมือง: <span class="ecotown-lvl" style="background:{esc(colors[lvl])}">'
        f"{lvl}</span> {esc(level_label(lvl, t.get('level_name_th'), t.get('level_name_en'), lang='both', head=True))}</div>"
        f'<div style="font-size:11px;color:#555">{esc(a.edition.title_en)} [{esc(a.edition.id)}]</div>'
        "</div>")
    return RawHtml(html)


def legend_box(title: str, entries: list[tuple[str, str, str]], *, position: str = "bottom:24px;right:10px"
               ) -> RawHtml:
    """A legend; entries are (shape 'circle'|'square'|'line'|'ring', colour, label)."""
    items = []
    for shape, color, label in entries:
        c = esc(color)
        if shape == "head":
            items.append(f'<div style="font-weight:bold;margin-top:4px">{esc(label)}</div>')
            continue
        if shape == "diamond":
            sw = f'<span style="display:inline-block;width:9px;height:9px;margin:0 2px;background:{c};border:1.5px solid #1f1f1f;transform:rotate(45deg)"></span>'
        elif shape == "circle":
            sw = f'<span style="display:inline-block;width:12px;height:12px;border-radius:50%;background:{c};border:1px solid #333"></span>'
        elif shape == "line":
            sw = f'<span style="display:inline-block;width:16px;height:0;border-top:3px solid {c};vertical-align:middle"></span>'
        elif shape == "ring":
            sw = f'<span style="display:inline-block;width:14px;height:14px;border-radius:50%;background:{c};opacity:.7;border:2px solid {c}"></span>'
        else:
            sw = f'<span style="display:inline-block;width:14px;height:12px;background:{c};border:1px solid #333"></span>'
        items.append(f'<div style="margin:2px 0">{sw} {esc(label)}</div>')
    html = (f'<div class="ecotown-legend" style="position:fixed;{position};z-index:1000;background:#fff;'
            "padding:6px 10px;border:1px solid #888;border-radius:4px;font-size:12px;line-height:1.3;"
            "max-height:calc(100vh - 60px);overflow-y:auto;"
            "font-family:'Noto Sans Thai','Loma','Sarabun',sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)\">"
            f'<div style="font-weight:bold;margin-bottom:3px">{esc(title)}</div>' + "".join(items) + "</div>")
    return RawHtml(html)


# --------------------------------------------------------------------------- shared parts of the engine maps


def engine_base_map(a: Assessment) -> tuple[folium.Map, list[list[float]]]:
    """A folium map with no tiles (the engine adds the drawn base map and the online tiles) and its bounds."""
    st = load_styles()
    b = to_lonlat(a.context["boundary"]) if "boundary" in a.context and len(a.context["boundary"]) \
        else to_lonlat(pd.concat([a.facilities[["geometry"]], a.communities[["geometry"]]]))
    x0, y0, x1, y1 = (float(v) for v in b.total_bounds)
    m = folium.Map(location=[(y0 + y1) / 2, (x0 + x1) / 2], zoom_start=st["map"]["zoom_start"], tiles=None,
                   control_scale=True, prefer_canvas=False)
    m.get_root().header.add_child(folium.Element(
        "<style>.leaflet-container{background:%s;font-family:'Noto Sans Thai','Loma','Sarabun',"
        "'Tahoma',sans-serif}</style>" % esc(st["map"]["background"])))
    return m, [[round(y0, 6), round(x0, 6)], [round(y1, 6), round(x1, 6)]]


def context_groups(a: Assessment, sty: Any, *, decimals: int, tolerance_m: float, canvas: bool,
                   roles: Iterable[str] = ("landuse", "green", "receptors"), boundary_fill: str | None = None
                   ) -> list[dict[str, Any]]:
    """Engine groups for the town boundary and context layers (receptors as points)."""
    st = load_styles()
    groups: list[dict[str, Any]] = []
    if "boundary" in a.context and len(a.context["boundary"]):
        s = st["boundary"]
        style = sty(color=s["color"], weight=s["weight"], dashArray=s["dash_array"],
                    fillColor=boundary_fill or "#ffffff", fillOpacity=s["fill_opacity"], interactive=False)
        items = [{"t": "g", "g": round_geojson(g, decimals), "s": style}
                 for g in to_lonlat(a.context["boundary"][["geometry"]], max(tolerance_m, 5)).geometry
                 if g is not None and not g.is_empty]
        groups.append({"name": f"Town boundary / เขต{text(a.town.get('name', ''))}", "items": items})
    for role in roles:
        g = a.context.get(role)
        if g is None or not len(g):
            continue
        s = st["context"][role]
        w = to_lonlat(g, 0 if role == "receptors" else tolerance_m)
        items = []
        for _, r in w.iterrows():
            geom = r.geometry
            if geom is None or geom.is_empty:
                continue
            label = " - ".join(text(r[c]) for c in ("name", "kind", "zone") if c in r and text(r[c]))
            if role == "receptors":
                items.append({"t": "c", "ll": point_ll(geom, decimals), "tip": label or "receptor",
                              "k": search_key(label), "lab": f"{label} (receptor / สถานที่อ่อนไหว)",
                              "s": sty(radius=s["radius"], color=s["color"], weight=1.5, fillColor="#ffffff",
                                       fillOpacity=1)})
                continue
            fill = s.get("fill_color", s["color"])
            if role == "landuse":
                fill = st["landuse_zones"].get(text(r.get("zone", "")).lower(), fill)
            items.append({"t": "g", "g": round_geojson(geom, decimals), "tip": label or None,
                          "s": sty(color=s["color"], weight=s["weight"], fillColor=fill,
                                   fillOpacity=s.get("fill_opacity", 0))})
        groups.append({"name": f"{s['label_en']} / {s['label_th']}", "items": items,
                       "show": role != "landuse", "canvas": canvas and role == "receptors"})
    return groups


def engine_payload(a: Assessment, bounds: list[list[float]], *, decimals: int, tolerance_m: float
                   ) -> dict[str, Any]:
    """The parts of the payload every map has: bounds, drawn base map, minimap outline, tiles, controls."""
    st = load_styles()
    mini = []
    if "boundary" in a.context and len(a.context["boundary"]):
        geo = [round_geojson(g, 5) for g in to_lonlat(a.context["boundary"][["geometry"]], 30).geometry]
        mini.append({"style": st["basemap"]["minimap_boundary"],
                     "geojson": {"type": "GeometryCollection", "geometries": [g for g in geo if g]}})
    c = st["controls"]
    return {"bounds": bounds, "basemap": basemap_payload(a, decimals=decimals, tolerance_m=tolerance_m),
            "minimap": mini, "tiles": st["online_tiles"],
            "controls": {"search": bool(c["search"]), "measure": bool(c["measure"]),
                         "minimap": bool(c["minimap"])},
            "search_zoom": int(c["search_zoom"]),
            "drawn_base": st["basemap"]["label"]}
