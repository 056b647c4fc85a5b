"""The resource exchanges (``Assessment.exchanges``) as a layer of the level map: an arrow from plant to plant,
its width by tonnes a year, a popup with the material and the tonnes. A flow with a party outside the town is
drawn between the plant and a point on the town boundary named after the party (one point per party, spread around
the boundary). Every name and material reaches the page as text (the engine builds popups as DOM text).

The lines themselves (plant to plant, outside parties on the boundary) come from ``maps/flows.py``, which the KML
export and the QGIS styles share; styling lives in ``maps/flows.yaml``. Here: arrowheads, popups and the legend.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
from shapely.geometry import LineString, Point, Polygon

from criteria import Assessment

from ..flows import flow_lines, flow_share, flow_tonnes_max, load_flow_style, outside_parties, outside_points
from .features import StyleTable, point_ll, round_geojson, text

__all__ = ["flow_group", "flow_legend", "flow_style", "outside_points"]

WGS84 = "EPSG:4326"


def flow_style() -> dict[str, Any]:
    """``maps/flows.yaml``: colours, widths, offsets."""
    return load_flow_style()


def _arrow(p0: Point, p1: Point, offset: float, size: float) -> tuple[LineString, Polygon]:
    """The line from p0 to p1 moved ``offset`` metres to its right, and an arrowhead ``size`` long at 3/4 of it."""
    dx, dy = p1.x - p0.x, p1.y - p0.y
    d = math.hypot(dx, dy) or 1.0
    ux, uy = dx / d, dy / d
    rx, ry = uy * offset, -ux * offset
    a0, a1 = (p0.x + rx, p0.y + ry), (p1.x + rx, p1.y + ry)
    size = min(size, d / 3)
    tip = (a0[0] + ux * d * 0.75 + ux * size / 2, a0[1] + uy * d * 0.75 + uy * size / 2)
    base = (tip[0] - ux * size, tip[1] - uy * size)
    wing = size * 0.45
    head = Polygon([tip, (base[0] + uy * wing, base[1] - ux * wing), (base[0] - uy * wing, base[1] + ux * wing)])
    return LineString([a0, a1]), head


def flow_group(a: Assessment, sty: StyleTable, *, decimals: int) -> dict[str, Any] | None:
    """The engine group of the exchange flows (None when the assessment has no exchanges)."""
    lines = flow_lines(a)
    if lines is None:
        return None
    s = flow_style()
    ex = a.exchanges
    parties = outside_parties(a)
    at = outside_points(a, parties)
    tmax = flow_tonnes_max(a)
    geoms, items_meta = [], []
    for r, g in zip(lines.itertuples(), lines.geometry):
        p0, p1 = Point(g.coords[0]), Point(g.coords[-1])
        share = flow_share(r.tonnes_per_year, tmax)
        weight = round(s["min_weight"] + (s["max_weight"] - s["min_weight"]) * share, 1)
        line, head = _arrow(p0, p1, s["offset_m"], s["arrow_m"] * (0.5 + 0.5 * share))
        geoms += [line, head]
        items_meta.append((r, weight, bool(r.inside_town)))
    ll = gpd.GeoSeries(geoms, crs=lines.crs).to_crs(WGS84)
    items: list[dict[str, Any]] = []
    for k, (r, weight, inside) in enumerate(items_meta):
        color = s["inside_color"] if inside else s["outside_color"]
        tonnes = f"{float(r.tonnes_per_year):,.0f}"
        frm, to, mat = text(r.from_name), text(r.to_name), text(r.material)
        pop = {"title": mat, "sub": f"{frm} → {to}",
               "rows": [["tonnes a year / ตันต่อปี", tonnes], ["year / ปี", f"{int(r.year)} (พ.ศ. {int(r.year) + 543})"],
                        ["from / จาก", f"{frm} ({text(r.from_id)})"], ["to / ถึง", f"{to} ({text(r.to_id)})"],
                        ["counts in the town's exchange indicators / นับในตัวชี้วัดของเมือง",
                         "yes / นับ" if inside else "no: a party outside the town / ไม่นับ (นอกเมือง)"],
                        ["table / ตาราง", f"{text(r.source)}, {text(r.line)}"]]}
        tip = f"{mat}: {frm} → {to}, {tonnes} t/yr"
        items.append({"t": "g", "g": round_geojson(ll.iloc[2 * k], decimals), "tip": tip, "p": pop,
                      "s": sty(color=color, weight=weight, opacity=s["opacity"], lineCap="round")})
        items.append({"t": "g", "g": round_geojson(ll.iloc[2 * k + 1], decimals), "tip": tip, "p": pop,
                      "s": sty(color=color, weight=1, fillColor=color, fillOpacity=0.95)})
    if at:
        pts = gpd.GeoSeries([at[p] for p in parties if p in at], crs=lines.crs).to_crs(WGS84)
        for p, g in zip([p for p in parties if p in at], pts):
            rows = ex[(ex["from_name"] == p) | (ex["to_name"] == p)]
            items.append({"t": "c", "ll": point_ll(g, decimals), "tip": f"{text(p)} (outside the town / นอกเมือง)",
                          "p": {"title": text(p), "sub": "party outside the town / ผู้เกี่ยวข้องนอกเมือง",
                                "rows": [[text(x.material), f"{x.tonnes_per_year:,.0f} t/yr"] for x in rows.itertuples()]},
                          "s": sty(radius=s["party_radius"], color=s["outside_color"], weight=2, fillColor="#ffffff",
                                   fillOpacity=1)})
    return {"name": f"{s['label_en']} / {s['label_th']}", "items": items}


def flow_legend(a: Assessment) -> list[tuple[str, str, str]]:
    """Legend entries of the flow layer (none without exchanges)."""
    ex = getattr(a, "exchanges", None)
    if ex is None or not len(ex):
        return []
    s = flow_style()
    return [("head", "", f"{s['label_en']} / {s['label_th']}"),
            ("line", "#555555", "arrow width = tonnes a year / ความหนา = ตันต่อปี"),
            ("line", s["inside_color"], "between plants of the town / ระหว่างโรงงานในเมือง"),
            ("line", s["outside_color"], "with a party outside (to the boundary) / กับผู้เกี่ยวข้องนอกเมือง")]


