"""The buffer map: rings around every facility and villages coloured by how much industry reaches them.

Layers (each toggleable): one per ring distance (outermost drawn first), facilities, villages coloured by the
number of facilities within ``exposure_ring_m`` and, as a second layer, by proximity burden. Clicking a facility
opens its popup (people, villages and receptors per ring) and draws lines to every village within the largest
ring, coloured by ring; clicking a ring shows that ring's population and receptors.
"""

from __future__ import annotations

from typing import Any

import folium
import pandas as pd

from criteria import Assessment

from .base import context_groups, engine_base_map, engine_payload, fmt_value, legend_box, title_box
from .features import StyleTable, lonlat, point_ll, round_geojson, search_key, text
from .plugins import attach_engine, payload_bytes
from .simplify import Plan, make_plan
from .style import load_styles

__all__ = ["buffer_map", "buffer_plan", "exposure_class"]


def exposure_class(n: float, classes: list[dict]) -> dict:
    """The style class of a village reached by ``n`` facilities (or with burden ``n``)."""
    n = 0 if pd.isna(n) else n
    for c in classes:
        if n <= c["max"]:
            return c
    return classes[-1]


def _ring_rows(a: Assessment, r: pd.Series) -> list[list[str]]:
    rows = []
    for d in a.rings_m:
        rows.append([f"within {d:,} m / ในรัศมี {d:,} ม.",
                     f"{fmt_value(r.get(f'pop_within_{d}'))} people / คน, "
                     f"{fmt_value(r.get(f'villages_within_{d}'))} villages / หมู่บ้าน, "
                     f"{fmt_value(r.get(f'receptors_within_{d}'))} schools, temples, health / สถานที่อ่อนไหว"])
    return rows


def buffer_plan(a: Assessment) -> Plan:
    """The size plan of the buffer map of ``a``."""
    n_fac = len(a.facilities)
    return make_plan(points=n_fac + 2 * len(a.communities), subjects=n_fac + len(a.communities),
                     rings=n_fac * len(a.rings_m), ring_facilities=n_fac)


def _payload(a: Assessment, plan: Plan) -> dict[str, Any]:
    st = load_styles()
    sty = StyleTable()
    dec, tol = plan.decimals, plan.tolerance_m
    groups = context_groups(a, sty, decimals=dec, tolerance_m=tol, canvas=plan.canvas_points,
                            roles=("green", "receptors"))
    fac = lonlat(a.facilities, tol)
    names = a.facilities["name"].map(text)
    name_of = {str(k): v for k, v in names.items()}

    # rings: circles (metric radius) around point facilities, built by the engine from one compact table;
    # ring shapes around mines (and other polygon facilities)
    point_ids = [str(i) for i in a.facilities.index[a.facilities.geom_type == "Point"]]
    fac_rows: list[list[Any]] = []
    for fid, r in fac.iterrows():
        if r.geometry.geom_type != "Point":
            continue
        fac_rows.append(point_ll(r.geometry, dec) + [f"{text(r['name'])} ({fid})",
                        {str(d): [fmt_value(r.get(f"{c}_within_{d}")) for c in ("pop", "hh", "villages", "receptors")]
                         for d in a.rings_m}])
    poly_rings = a.rings[~a.rings["facility_id"].astype(str).isin(point_ids)]
    poly_rings = lonlat(poly_rings, max(tol, 5)) if len(poly_rings) else poly_rings
    for d in sorted(a.rings_m, reverse=True):
        s = st["rings"].get(d, st["ring_default"])
        style = sty(color=s["color"], weight=0.8, fillColor=s["color"], fillOpacity=s["fill_opacity"])
        items = []
        if len(poly_rings):
            for _, rr in poly_rings[poly_rings["ring_m"] == d].iterrows():
                fid = str(rr["facility_id"])
                fr = a.facilities.loc[fid] if fid in a.facilities.index else pd.Series(dtype=object)
                items.append({"t": "g", "g": round_geojson(rr.geometry, dec), "s": style,
                              "p": {"title": f"{names.get(fid, fid)} ({fid})",
                                    "sub": f"ring {d:,} m / รัศมี {d:,} ม.",
                                    "rows": [["people / ประชากร", fmt_value(fr.get(f"pop_within_{d}"))],
                                             ["households / ครัวเรือน", fmt_value(fr.get(f"hh_within_{d}"))],
                                             ["villages / หมู่บ้าน", fmt_value(fr.get(f"villages_within_{d}"))],
                                             ["schools, temples, health / สถานที่อ่อนไหว",
                                              fmt_value(fr.get(f"receptors_within_{d}"))]]}})
        groups.append({"name": f"Ring {d:,} m / รัศมี {d:,} ม.", "items": items, "canvas": plan.canvas_rings,
                       "show": not (plan.rings_hidden and d != min(a.rings_m)),
                       "rings": {"d": int(d), "s": style, "fac": list(range(len(fac_rows)))}})

    # facilities, with the villages each one reaches (for the line view)
    ex = pd.DataFrame({"facility_id": a.exposure["facility_id"].astype(str).to_numpy(dtype=object),
                       "community_id": a.exposure["community_id"].astype(str).to_numpy(dtype=object),
                       "distance_m": a.exposure["distance_m"].to_numpy(dtype=float),
                       "ring_m": a.exposure["ring_m"].to_numpy(dtype=int),
                       "bearing_deg": a.exposure["bearing_deg"].to_numpy(dtype=float)})
    reach: dict[str, list[list[Any]]] = {}
    for f, c, dm, rm in zip(*(ex.sort_values(["facility_id", "distance_m", "community_id"])[k].tolist()
                              for k in ("facility_id", "community_id", "distance_m", "ring_m"))):
        reach.setdefault(f, []).append([f"c:{c}", round(dm, 1), rm])
    items = []
    for fid, r in fac.iterrows():
        fid = str(fid)
        name = text(r["name"])
        reg = text(r.get("registry_no")) or text(r.get("licence_no"))
        near = reach.get(fid, [])
        p = {"title": name, "sub": f"{text(r['kind'])} {fid}" + (f" - {reg}" if reg else ""),
             "rows": _ring_rows(a, r),
             "note": f"Lines show the {len(near):,} villages within {max(a.rings_m):,} m. / "
                     f"เส้นแสดงหมู่บ้านในรัศมี {max(a.rings_m):,} ม."}
        item = {"tip": f"{name} ({fid})", "k": search_key(name, fid, reg), "lab": f"{name} ({fid}) {reg}".strip(),
                "p": p, "x": near, "ll": point_ll(r.geometry, dec)}
        if r.geometry.geom_type == "Point":
            item.update({"t": "d", "s": sty(radius=7, color="#1f1f1f", weight=2, fillColor="#4d4d4d",
                                            fillOpacity=0.95, className="ecotown-factory")})
        else:
            item.update({"t": "g", "g": round_geojson(r.geometry, dec),
                         "s": sty(color="#5a3e1b", weight=2, fillColor="#8c6d31", fillOpacity=0.8,
                                  className="ecotown-mine")})
        items.append(item)
    groups.append({"name": "Factories and mines / โรงงานและเหมือง (click: lines to villages)", "items": items,
                   "lines": True, "canvas": plan.canvas_points})

    # villages: by count within the exposure ring, and by burden
    ring = int(st.get("exposure_ring_m", 1000))
    if ring not in a.rings_m:
        ring = a.rings_m[min(1, len(a.rings_m) - 1)]
    by_com: dict[str, list[tuple[str, float, int, float]]] = {}
    for f, c, dm, rm, b in zip(*(ex.sort_values(["community_id", "distance_m", "facility_id"])[k].tolist()
                                 for k in ("facility_id", "community_id", "distance_m", "ring_m", "bearing_deg"))):
        by_com.setdefault(c, []).append((f, dm, rm, b))
    com = lonlat(a.communities)
    by_count, by_burden, pops = [], [], []
    for cid, r in com.iterrows():
        cid = str(cid)
        name = text(r["name"])
        rows = [["population / ประชากร", fmt_value(r.get("population"))]]
        rows += [[f"facilities within {d:,} m / ในรัศมี", fmt_value(r.get(f"fac_within_{d}"))] for d in a.rings_m]
        rows.append(["burden (Σ 1/km) / ภาระจากความใกล้", fmt_value(r.get("burden"))])
        e = by_com.get(cid, [])
        body, note = [], ""
        if e:
            top = e[:plan.village_popup_rows]
            body = [[f, name_of.get(f, ""), f"{dm:,.0f} m", f"{rm:,} m", f"{b:.0f}°"] for f, dm, rm, b in top]
            if len(e) > len(top):
                note = f"… and {len(e) - len(top):,} more facilities (see exposure.csv) / และอีก {len(e) - len(top):,} แห่ง"
        popup = {"title": name, "sub": f"village / หมู่บ้าน {cid}", "rows": rows, "note": note}
        if body:
            popup["tbl"] = ["exp", body]
        pops.append(popup)
        pi = len(pops) - 1
        ll = point_ll(r.geometry, dec)
        n = r.get(f"fac_within_{ring}")
        c = exposure_class(n, st["exposure_classes"])
        by_count.append({"t": "c", "ll": ll, "id": f"c:{cid}", "name": name,
                         "s": sty(radius=8, color="#222222", weight=1.5, fillColor=c["color"], fillOpacity=0.95,
                                  className="ecotown-village"),
                         "tip": f"{name} ({cid}): {fmt_value(n)} within {ring:,} m", "k": search_key(name, cid),
                         "lab": f"{name} ({cid})", "pi": pi})
        bc = exposure_class(r.get("burden"), st["burden_classes"])
        by_burden.append({"t": "c", "ll": ll, "s": sty(radius=8, color="#222222", weight=1.5, fillColor=bc["color"],
                                                         fillOpacity=0.95, className="ecotown-village-burden"),
                          "tip": f"{name} ({cid}): burden {fmt_value(r.get('burden'))}", "pi": pi})
    groups.append({"name": f"Villages by facilities within {ring:,} m / หมู่บ้านตามจำนวนสถานประกอบการ",
                   "items": by_count, "canvas": plan.canvas_points})
    groups.append({"name": "Villages by proximity burden / หมู่บ้านตามภาระจากความใกล้", "items": by_burden,
                   "show": False, "canvas": plan.canvas_points})
    ring_colors = {str(d): st["rings"].get(d, st["ring_default"])["color"] for d in a.rings_m}
    return {"kind": "buffer", "groups": groups, "styles": sty.styles, "ring_colors": ring_colors, "pops": pops,
            "fac": fac_rows, "ring_labels": {"sub": "ring {d} m / รัศมี {d} ม.",
                                             "rows": ["people / ประชากร", "households / ครัวเรือน",
                                                      "villages / หมู่บ้าน",
                                                      "schools, temples, health / สถานที่อ่อนไหว"]},
            "tables": {"exp": {"head": ["id", "facility / สถานประกอบการ", "distance / ระยะ", "ring / รัศมี",
                                        "bearing / ทิศ"]}},
            "notes": list(plan.notes), "exposure_ring_m": ring}


def buffer_map(a: Assessment, *, plan: Plan | None = None) -> folium.Map:
    """A folium map of rings (one toggleable layer per distance), facilities and exposed villages.

    What the size plan simplified is listed in the legend and in ``m.ecotown_simplified``.
    """
    st = load_styles()
    plan = plan or buffer_plan(a)
    m, bounds = engine_base_map(a)
    payload = _payload(a, plan)
    if payload_bytes(payload) > plan.max_bytes * plan.payload_share and plan.village_popup_rows > 5:
        plan.village_popup_rows = 5
        plan.notes.append("village popups list the 5 nearest facilities (size budget) / แสดง 5 แห่งที่ใกล้ที่สุด")
        payload = _payload(a, plan)
    payload.update(engine_payload(a, bounds, decimals=plan.decimals, tolerance_m=plan.tolerance_m))
    attach_engine(m, payload)

    ring = payload["exposure_ring_m"]
    root = m.get_root().html
    root.add_child(title_box(a, "Buffer map / แผนที่แนวกันชน"))
    entries = [("head", "", "Rings around facilities / รัศมีรอบสถานประกอบการ")]
    entries += [("ring", st["rings"].get(d, st["ring_default"])["color"], f"within {d:,} m / ในรัศมี {d:,} ม.")
                for d in a.rings_m]
    entries += [("diamond", "#4d4d4d", "factory / โรงงาน"), ("square", "#8c6d31", "mine / เหมือง")]
    entries += [("head", "", f"Villages: facilities within {ring:,} m / หมู่บ้าน: จำนวนในรัศมี {ring:,} ม.")]
    entries += [("circle", c["color"], f"{c['label_en']} / {c['label_th']}") for c in st["exposure_classes"]]
    entries += [("head", "", "Villages: proximity burden Σ 1/km (second layer) / ภาระจากความใกล้")]
    entries += [("circle", c["color"], f"{c['label_en']} / {c['label_th']}") for c in st["burden_classes"]]
    root.add_child(legend_box("Buffer map / แผนที่แนวกันชน", entries))
    m.ecotown_simplified = plan.as_dict()
    return m
