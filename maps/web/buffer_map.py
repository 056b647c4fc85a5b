"""The buffer map: rings around every facility and villages coloured by how much industry reaches them.

Layers (each toggleable): one per ring distance (outermost drawn first), facilities, villages coloured by the
number of facilities within the headline ring (``a.headline_ring_m``) and, as a second layer, by proximity
burden. Clicking a facility opens its popup (people, villages and receptors per ring) and draws lines to every
village within the largest ring (the nearest few when the size budget limits them), coloured by ring; clicking a
ring shows that ring's population and receptors.

The rings around point facilities are not shipped: the engine draws them as circles (metric radius) from the
facility table, and their popups come from its columns. Facilities, villages and the exposure table (facility
row, village row, distance, ring, bearing) travel as columnar tables (``features.subject_columns``); the engine
indexes the exposure both ways for the line view and the village popups.
"""

from __future__ import annotations

from typing import Any

import folium
import numpy as np
import pandas as pd

from criteria import Assessment
from geo import to_lonlat

from ..style import load_styles
from .base import context_groups, engine_base_map, engine_payload, fmt_value, legend_box, title_box
from .field import attach_field, observation_group
from .features import StyleTable, encode, num_column, round_geojsons, str_column, style_column, subject_columns
from .plugins import attach_engine, engine_data, payload_bytes
from .simplify import Plan, make_plan

__all__ = ["buffer_map", "buffer_plan", "exposure_class", "exposure_colors"]


def exposure_class(n: float, classes: list[dict]) -> dict:
    """The style class of a village reached by ``n`` facilities (or with burden ``n``)."""
    n = 0 if pd.isna(n) else n
    for c in classes:
        if n <= c["max"]:
            return c
    return classes[-1]


def buffer_plan(a: Assessment) -> Plan:
    """The size plan of the buffer map of ``a``."""
    n_fac = len(a.facilities)
    return make_plan(points=n_fac + 2 * len(a.communities), subjects=n_fac + len(a.communities),
                     rings=n_fac * len(a.rings_m), ring_facilities=n_fac)


def exposure_colors(values: pd.Series, classes: list[dict]) -> list[str]:
    """:func:`exposure_class` colour of every value (vectorised)."""
    v = pd.to_numeric(values, errors="coerce").fillna(0).to_numpy(dtype=float)
    out = np.full(len(v), classes[-1]["color"], dtype=object)
    done = np.zeros(len(v), dtype=bool)
    for c in classes:
        hit = ~done & (v <= c["max"])
        out[hit] = c["color"]
        done |= hit
    return out.tolist()


def _row_numbers(ids: pd.Series, index: pd.Index) -> np.ndarray:
    """``pd.Index(index.astype(str)).get_indexer(ids.astype(str))``: the row of each id (-1: none), looked up once
    per distinct id when ``ids`` is categorical (the exposure's ids: 0.7 M rows, 50,000 ids at region scale)."""
    target = pd.Index(index.astype(str))
    if not isinstance(ids.dtype, pd.CategoricalDtype):
        return target.get_indexer(ids.astype(str))
    codes = ids.cat.codes.to_numpy()
    rows = target.get_indexer(pd.Series(ids.cat.categories, dtype=ids.cat.categories.dtype).astype(str))
    missing = np.flatnonzero(codes < 0)
    if len(missing):  # what a missing id turns into as text, looked up as the ids themselves would be
        rows = np.append(rows, target.get_indexer(ids.iloc[missing[:1]].astype(str)))
    return np.asarray(rows, dtype=np.intp)[codes] if len(rows) else np.full(len(codes), -1, dtype=np.intp)


def _reached(ids: pd.Series, index: pd.Index) -> list[int]:
    """How many exposure rows name each row of ``index`` (by id as text)."""
    rows = _row_numbers(ids, index)
    return np.bincount(rows[rows >= 0], minlength=len(index)).tolist()


def _facility_source(a: Assessment, plan: Plan, sty: StyleTable) -> dict[str, Any]:
    df = a.facilities
    src = subject_columns(df, decimals=plan.decimals, tolerance_m=plan.tolerance_m, shape="d")
    f = src["f"]
    f["name"] = encode(str_column(df["name"]))
    reg = pd.Series(str_column(df["registry_no"]) if "registry_no" in df else [""] * len(df), index=df.index)
    if "licence_no" in df:
        reg = reg.where(reg != "", pd.Series(str_column(df["licence_no"]), index=df.index))
    f["reg"] = reg.tolist()
    f["regs"] = reg.map(lambda r: f" - {r}" if r else "").tolist()
    f["kind"] = encode(str_column(df["kind"]))
    num: dict[str, str] = {}
    for d in a.rings_m:
        for short, col in (("pop", "pop"), ("hh", "hh"), ("vil", "villages"), ("rec", "receptors")):
            f[f"{short}{d}"] = num_column(df.get(f"{col}_within_{d}", pd.Series(np.nan, index=df.index)))
            num[f"{short}{d}"] = "n"
    f["nx"] = _reached(a.exposure["facility_id"], df.index)
    num["nx"] = "i"
    lines = "{nx}"
    if plan.exposure_limited:
        f["nxs"] = np.minimum(np.array(f["nx"], dtype=int), plan.exposure_rows).tolist()
        num["nxs"] = "i"
        lines = "{nxs} nearest of the {nx}"
    point = pd.Series(np.where(df.geom_type == "Point", "p", "g"), index=df.index)
    f["s"] = style_column(point, lambda k: sty(radius=7, color="#1f1f1f", weight=2, fillColor="#4d4d4d",
                                               fillOpacity=0.95, className="ecotown-factory") if k == "p" else
                          sty(color="#5a3e1b", weight=2, fillColor="#8c6d31", fillOpacity=0.8,
                              className="ecotown-mine"))
    rows = [[f"within {d:,} m / ในรัศมี {d:,} ม.",
             f"{{pop{d}}} people / คน, {{vil{d}}} villages / หมู่บ้าน, "
             f"{{rec{d}}} schools, temples, health / สถานที่อ่อนไหว"] for d in a.rings_m]
    big = max(a.rings_m)
    src.update({"num": num, "tip": "{name} ({id})", "lab": "{name} ({id}) {reg}", "k": ["name", "id", "reg"],
                "pop": {"title": "{name}", "sub": "{kind} {id}{regs}", "rows": rows,
                        "note": f"Lines show the {lines} villages within {big:,} m. / "
                                f"เส้นแสดงหมู่บ้านในรัศมี {big:,} ม."}})
    return src


def _village_source(a: Assessment, plan: Plan, sty: StyleTable, ring: int) -> dict[str, Any]:
    st = load_styles()
    df = a.communities
    src = subject_columns(df, decimals=plan.decimals, tolerance_m=0, shape="c")
    f = src["f"]
    f["name"] = encode(str_column(df["name"]))
    f["popn"] = num_column(df["population"])
    num = {"popn": "n", "burden": "n"}
    for d in a.rings_m:
        f[f"fac{d}"] = num_column(df.get(f"fac_within_{d}", pd.Series(np.nan, index=df.index)))
        num[f"fac{d}"] = "n"
    f["burden"] = num_column(df["burden"])
    f["nx"] = _reached(a.exposure["community_id"], df.index)  # all, even when limited
    f["s_count"] = style_column(pd.Series(exposure_colors(df.get(f"fac_within_{ring}"), st["exposure_classes"])),
                                lambda c: sty(radius=8, color="#222222", weight=1.5, fillColor=c, fillOpacity=0.95,
                                              className="ecotown-village"))
    f["s_burden"] = style_column(pd.Series(exposure_colors(df["burden"], st["burden_classes"])),
                                 lambda c: sty(radius=8, color="#222222", weight=1.5, fillColor=c,
                                               fillOpacity=0.95, className="ecotown-village-burden"))
    rows = [["population / ประชากร", "{popn}"]]
    rows += [[f"facilities within {d:,} m / ในรัศมี", f"{{fac{d}}}"] for d in a.rings_m]
    rows.append(["burden (Σ 1/km) / ภาระจากความใกล้", "{burden}"])
    src.update({"num": num, "tip": "{name} ({id})", "lab": "{name} ({id})", "k": ["name", "id"],
                "pop": {"title": "{name}", "sub": "village / หมู่บ้าน {id}", "rows": rows, "tbl": "exp"}})
    return src


def _exposure(a: Assessment, plan: Plan) -> dict[str, Any]:
    """The exposure table as columns of row numbers into the facility and village tables."""
    ex = a.exposure
    fi = _row_numbers(ex["facility_id"], a.facilities.index)
    ci = _row_numbers(ex["community_id"], a.communities.index)
    dist = ex["distance_m"].to_numpy(dtype=float)
    ok = (fi >= 0) & (ci >= 0)
    if plan.exposure_limited:  # the nearest exposure_rows villages of each facility
        order = np.lexsort((ci, dist, fi))
        rank = pd.Series(fi[order]).groupby(fi[order]).cumcount().to_numpy()
        keep = np.zeros(len(fi), dtype=bool)
        keep[order[rank < plan.exposure_rows]] = True
        ok &= keep
    order = np.lexsort((ci[ok], fi[ok]))
    dist = dist[ok][order]
    return {"fac": "fac", "vil": "vil", "f": fi[ok][order].tolist(), "c": ci[ok][order].tolist(),
            "d": num_column(dist, 1), "r": encode(ex["ring_m"].to_numpy(dtype=int)[ok][order].tolist()),
            "b": num_column(ex["bearing_deg"].to_numpy(dtype=float)[ok][order], 0),
            "limit": int(plan.village_popup_rows),
            "more": "… and {n} more facilities (see exposure.csv) / และอีก {n} แห่ง"}


def _ring_popup_values(fac: pd.DataFrame, poly_rings: pd.DataFrame, rings_m) -> dict[str, dict[str, Any]]:
    """What each ring shape's popup reads of its facility (``fac.loc[fid].get(col)``), by facility id, for the
    facilities with ring shapes only, read at once (not a row Series per shape: 3,200 at region scale)."""
    if not len(poly_rings):
        return {}
    ids = sorted(set(poly_rings["facility_id"].astype(str)) & set(map(str, fac.index)))
    cols = [c for d in rings_m for c in (f"pop_within_{d}", f"hh_within_{d}", f"villages_within_{d}",
                                         f"receptors_within_{d}") if c in fac.columns]
    sub = fac.loc[ids, cols].astype(object)  # the values a row of the whole table gives (object, as .loc[fid])
    return {fid: dict(zip(cols, vals)) for fid, vals in zip(ids, sub.itertuples(index=False, name=None))}


def _limited(a: Assessment, plan: Plan, payload: dict[str, Any], sty: StyleTable) -> dict[str, Any]:
    """``payload`` built again after ``plan.limit_exposure``: only what the limit changes (the facility table's
    line counts, the exposure table and the notes); the rest (rings, villages, context: most of the work at region
    scale) is the same and kept."""
    return {**payload, "cols": {**payload["cols"], "fac": _facility_source(a, plan, sty)},
            "exp": _exposure(a, plan), "notes": list(plan.notes)}


def _item_labels(payload: dict[str, Any]) -> list[tuple[list, Any]]:
    """Each popup row of the items of ``payload`` with its label, to put back after :func:`engine_data` (which
    replaces them by numbers in place) when the payload is written again."""
    return [(row, row[0]) for g in payload["groups"] for it in g.get("items", ()) if it.get("p")
            for row in it["p"].get("rows", ())]


def _payload(a: Assessment, plan: Plan, sty: StyleTable | None = None) -> dict[str, Any]:
    st = load_styles()
    sty = StyleTable() if sty is None else sty
    dec, tol = plan.decimals, plan.tolerance_m
    groups = context_groups(a, sty, decimals=dec, tolerance_m=tol, canvas=plan.canvas_points,
                            roles=("green", "receptors"))
    names = {str(k): v for k, v in zip(a.facilities.index, str_column(a.facilities["name"]))}

    # rings: circles (metric radius) drawn by the engine around point facilities from the facility table;
    # ring shapes only around mines (and other polygon facilities)
    point_ids = a.facilities.index[a.facilities.geom_type == "Point"].astype(str)
    poly_rings = a.rings[~a.rings["facility_id"].astype(str).isin(point_ids)]
    poly_rings = to_lonlat(poly_rings, max(tol, 5)) if len(poly_rings) else poly_rings
    ring_rows = _ring_popup_values(a.facilities, poly_rings, a.rings_m)
    for d in sorted(a.rings_m, reverse=True):
        s = st["rings"].get(d, st["ring_default"])
        style = sty(color=s["color"], weight=0.8, fillColor=s["color"], fillOpacity=s["fill_opacity"])
        items = []
        if len(poly_rings):
            sel = poly_rings[poly_rings["ring_m"] == d]
            for fid, g in zip(sel["facility_id"].astype(str), round_geojsons(sel.geometry, dec)):
                fr = ring_rows.get(fid, {})
                items.append({"t": "g", "g": g, "s": style,
                              "p": {"title": f"{names.get(fid, fid)} ({fid})",
                                    "sub": f"ring {d:,} m / รัศมี {d:,} ม.",
                                    "rows": [["people / ประชากร", fmt_value(fr.get(f"pop_within_{d}"))],
                                             ["households / ครัวเรือน", fmt_value(fr.get(f"hh_within_{d}"))],
                                             ["villages / หมู่บ้าน", fmt_value(fr.get(f"villages_within_{d}"))],
                                             ["schools, temples, health / สถานที่อ่อนไหว",
                                              fmt_value(fr.get(f"receptors_within_{d}"))]]}})
        groups.append({"name": f"Ring {d:,} m / รัศมี {d:,} ม.", "items": items, "canvas": plan.canvas_rings,
                       "show": not (plan.rings_all_hidden or (plan.rings_hidden and d != min(a.rings_m))),
                       "rings": {"d": int(d), "s": style, "src": "fac", "title": "{name} ({id})",
                                 "sub": f"ring {d:,} m / รัศมี {d:,} ม.",
                                 "rows": [["people / ประชากร", f"{{pop{d}}}"], ["households / ครัวเรือน", f"{{hh{d}}}"],
                                          ["villages / หมู่บ้าน", f"{{vil{d}}}"],
                                          ["schools, temples, health / สถานที่อ่อนไหว", f"{{rec{d}}}"]]}})

    groups.append({"name": "Factories and mines / โรงงานและเหมือง (click: lines to villages)", "src": "fac",
                   "search": True, "lines": True, "canvas": plan.canvas_points})
    ring = a.headline_ring_m
    groups.append({"name": f"Villages by facilities within {ring:,} m / หมู่บ้านตามจำนวนสถานประกอบการ",
                   "src": "vil", "s": "s_count", "tip": f"{{name}} ({{id}}): {{fac{ring}}} within {ring:,} m",
                   "search": True, "canvas": plan.canvas_points})
    groups.append({"name": "Villages by proximity burden / หมู่บ้านตามภาระจากความใกล้", "src": "vil", "s": "s_burden",
                   "tip": "{name} ({id}): burden {burden}", "show": False, "canvas": plan.canvas_points})
    groups += observation_group(a, sty, dec)  # the year's field notes (role observations)
    ring_colors = {str(d): st["rings"].get(d, st["ring_default"])["color"] for d in a.rings_m}
    return {"kind": "buffer", "groups": groups, "styles": sty.styles, "ring_colors": ring_colors,
            "cols": {"fac": _facility_source(a, plan, sty), "vil": _village_source(a, plan, sty, ring)},
            "exp": _exposure(a, plan),
            "tables": {"exp": {"head": ["id", "facility / สถานประกอบการ", "distance / ระยะ", "ring / รัศมี",
                                        "bearing / ทิศ"]}},
            "notes": list(plan.notes)}


def buffer_map(a: Assessment, *, plan: Plan | None = None) -> folium.Map:
    """A folium map of rings (one toggleable layer per distance), facilities and exposed villages.

    What the size plan simplified is listed in the legend and in ``m.ecotown_simplified``.
    """
    st = load_styles()
    plan = plan or buffer_plan(a)
    m, bounds = engine_base_map(a)
    common = engine_payload(a, bounds, decimals=plan.decimals, tolerance_m=plan.tolerance_m)
    sty = StyleTable()
    payload = _payload(a, plan, sty)
    limit = plan.max_bytes * plan.payload_share
    # the exposure table is written inside the data as it is alone: when it alone is over the budget (a region:
    # 0.7 M rows), so is the whole, which is then not written just to be measured
    over = not plan.exposure_limited and payload_bytes(payload["exp"]) > limit
    if not over:
        labels = _item_labels(payload)
        data = engine_data({**payload, **common})
        over = payload_bytes(data) > limit and not plan.exposure_limited
        for row, label in labels if over else ():
            row[0] = label
    if over:
        plan.limit_exposure(f"the data would exceed {plan.max_bytes / 1e6:g} MB")
        payload = _limited(a, plan, payload, sty)
        data = engine_data({**payload, **common})
    ring = a.headline_ring_m
    attach_engine(m, data)
    attach_field(m, a, "buffer")  # phone layout, where I stand, field notes, print

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
