"""The buffer map: rings around every facility and villages coloured by how many facilities reach them."""

from __future__ import annotations

import folium
import pandas as pd

from criteria import Assessment

from .base import (add_boundary, add_context, base_map, fmt_value, legend_box, popup_html, title_box, to_wgs84,
                   tooltip, diamond)
from .style import load_styles

__all__ = ["buffer_map", "exposure_class"]


def exposure_class(n: float, classes: list[dict]) -> dict:
    """The style class of a village reached by ``n`` facilities."""
    n = 0 if pd.isna(n) else n
    for c in classes:
        if n <= c["max"]:
            return c
    return classes[-1]


def _village_popup(a: Assessment, cid: str, r: pd.Series) -> str:
    ex = a.exposure[a.exposure["community_id"] == cid].sort_values(["distance_m", "facility_id"])
    names = a.facilities["name"]
    rows = [("population / ประชากร", fmt_value(r.get("population")))]
    for d in a.rings_m:
        rows.append((f"facilities within {d:,} m", fmt_value(r.get(f"fac_within_{d}"))))
    rows.append(("burden (Σ 1/km)", fmt_value(r.get("burden"))))
    body = [[str(e.facility_id), str(names.get(e.facility_id, "")), f"{e.distance_m:,.0f} m", f"{e.ring_m:,} m",
             f"{e.bearing_deg:.0f}°"] for e in ex.itertuples()]
    return popup_html(str(r["name"]), f"village {cid}", rows,
                      table=(["id", "facility", "distance", "ring", "bearing"], body))


def _facility_popup(a: Assessment, fid: str, r: pd.Series) -> str:
    rows = [("kind", f"{r['kind']} - {r.get('category', '')}")]
    for d in a.rings_m:
        rows.append((f"within {d:,} m", f"{fmt_value(r.get(f'pop_within_{d}'))} people, "
                     f"{fmt_value(r.get(f'villages_within_{d}'))} villages, "
                     f"{fmt_value(r.get(f'receptors_within_{d}'))} schools/temples/health"))
    return popup_html(str(r["name"]), f"{r['kind']} {fid}", rows)


def buffer_map(a: Assessment) -> folium.Map:
    """A folium map of ring bands (one toggleable layer per distance), facilities and exposed villages."""
    st = load_styles()
    m = base_map(a)
    add_boundary(m, a)
    add_context(m, a, roles=("green", "water", "roads", "receptors"))

    rings = to_wgs84(a.rings, 2)
    for d in sorted(a.rings_m, reverse=True):
        s = st["rings"].get(d, st["ring_default"])
        fg = folium.FeatureGroup(name=f"Ring {d:,} m / รัศมี {d:,} ม.", show=True)
        band = rings[rings["ring_m"] == d]
        for _, r in band.iterrows():
            fid = str(r["facility_id"])
            name = a.facilities.loc[fid, "name"] if fid in a.facilities.index else fid
            folium.GeoJson(
                {"type": "Feature", "properties": {}, "geometry": r.geometry.__geo_interface__},
                style_function=lambda _f, s=s: {"color": s["color"], "weight": 0.6, "fillColor": s["color"],
                                                "fillOpacity": s["fill_opacity"]},
                tooltip=tooltip(f"{name} ({fid}): {r['inner_m']:,.0f}-{d:,} m"),
            ).add_to(fg)
        fg.add_to(m)

    fg = folium.FeatureGroup(name="Factories and mines / โรงงานและเหมือง")
    for fid, r in to_wgs84(a.facilities, 2).iterrows():
        pop = folium.Popup(_facility_popup(a, str(fid), r), max_width=520)
        tip = tooltip(f"{r['name']} ({fid})")
        if r.geometry.geom_type == "Point":
            diamond(r.geometry.y, r.geometry.x, "#4d4d4d", tooltip=tip, popup=pop).add_to(fg)
        else:
            folium.GeoJson({"type": "Feature", "properties": {}, "geometry": r.geometry.__geo_interface__},
                           style_function=lambda _f: {"color": "#5a3e1b", "weight": 2, "fillColor": "#8c6d31",
                                                      "fillOpacity": 0.8},
                           tooltip=tip, popup=pop).add_to(fg)
    fg.add_to(m)

    ring = int(st.get("exposure_ring_m", 1000))
    if ring not in a.rings_m:
        ring = a.rings_m[min(1, len(a.rings_m) - 1)]
    classes = st["exposure_classes"]
    fg = folium.FeatureGroup(name=f"Villages by facilities within {ring:,} m / หมู่บ้าน")
    for cid, r in to_wgs84(a.communities).iterrows():
        n = r.get(f"fac_within_{ring}")
        c = exposure_class(n, classes)
        pt = r.geometry if r.geometry.geom_type == "Point" else r.geometry.representative_point()
        folium.CircleMarker([pt.y, pt.x], radius=8, color="#222222", weight=1.5, fill=True, fill_color=c["color"],
                            fill_opacity=0.95,
                            tooltip=tooltip(f"{r['name']} ({cid}): {fmt_value(n)} within {ring:,} m"),
                            popup=folium.Popup(_village_popup(a, str(cid), r), max_width=520)).add_to(fg)
    fg.add_to(m)

    folium.LayerControl(collapsed=False).add_to(m)
    root = m.get_root().html
    root.add_child(title_box(a, "Buffer map / แผนที่แนวกันชน"))
    entries = [("ring", st["rings"].get(d, st["ring_default"])["color"], f"within {d:,} m / ในรัศมี {d:,} ม.")
               for d in a.rings_m]
    entries += [("circle", c["color"], f"{c['label_en']} / {c['label_th']}") for c in classes]
    root.add_child(legend_box(f"Rings; villages: facilities within {ring:,} m", entries))
    return m
