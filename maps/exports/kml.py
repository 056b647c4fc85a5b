"""KML and KMZ of an assessment for Google Earth: boundary, factories, mines and villages coloured by level,
the resource exchanges (one line per flow, its width by tonnes a year) and the rings around every facility, with
Thai names.

Names are plain text (XML-escaped); descriptions are HTML, as Google Earth shows them, built from escaped values,
so no layer value can inject markup. Icons, sizes and folder names are in ``maps/exports/kml.yaml``; colours come from
the criteria edition, ``maps/styles.yaml`` and ``maps/flows.yaml``, as in the HTML maps. The same assessment gives the same bytes.
"""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from criteria import Assessment
from geo import to_lonlat

from layers.atomic import atomic_write_bytes

from ..errors import MapsError, TemplateError
from ..flows import flow_lines, flow_share, flow_tonnes_max, load_flow_style, offset_line
from ..style import level_colors, level_label, load_styles, load_yaml_settings

__all__ = ["KML_NS", "KML_SETTINGS", "kml_color", "kml_document", "kml_bytes", "kmz_bytes", "write_kml",
           "export_kml", "load_kml_settings"]

KML_NS = "http://www.opengis.net/kml/2.2"
KML_SETTINGS = Path(__file__).resolve().parent / "kml.yaml"
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: zip entries get this fixed time, so that a KMZ is byte-identical for the same assessment
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@lru_cache(maxsize=2)
def load_kml_settings(path: Path = KML_SETTINGS) -> dict[str, Any]:
    return load_yaml_settings(path, "KML settings", required="folders", error=TemplateError)


def kml_color(color: str, opacity: float = 1.0) -> str:
    """``'#d7191c', 0.5`` -> ``'801c19d7'``: KML writes colours as alpha, blue, green, red."""
    c = str(color).strip().lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    if not re.fullmatch(r"[0-9a-fA-F]{6}", c):
        raise MapsError(f"map styles: {color!r} is not a colour like #d7191c")
    a = round(255 * max(0.0, min(1.0, float(opacity))))
    return f"{a:02x}{c[4:6]}{c[2:4]}{c[0:2]}".lower()


def _text(v: Any) -> str:
    """A value as plain text that XML can hold (missing: empty)."""
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return ""
    return _ILLEGAL_XML.sub("", str(v))


def _sub(parent: ET.Element, tag: str, text: Any = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = _text(text)
    return el


def _coords(seq, decimals: int) -> str:
    return " ".join(f"{x:.{decimals}f},{y:.{decimals}f}" for x, y, *_ in seq)


def _geometry(parent: ET.Element, g: BaseGeometry, decimals: int) -> None:
    if g is None or g.is_empty:
        raise MapsError("KML export: a feature has no geometry")
    kind = g.geom_type
    if kind == "Point":
        _sub(_sub(parent, "Point"), "coordinates", f"{g.x:.{decimals}f},{g.y:.{decimals}f}")
    elif kind == "Polygon":
        p = orient(g, 1.0)   # outer ring counter-clockwise, holes clockwise
        el = _sub(parent, "Polygon")
        _sub(_sub(_sub(el, "outerBoundaryIs"), "LinearRing"), "coordinates", _coords(p.exterior.coords, decimals))
        for hole in p.interiors:
            _sub(_sub(_sub(el, "innerBoundaryIs"), "LinearRing"), "coordinates", _coords(hole.coords, decimals))
    elif kind == "LineString":
        _sub(_sub(parent, "LineString"), "coordinates", _coords(g.coords, decimals))
    elif kind in ("MultiPolygon", "MultiPoint", "MultiLineString", "GeometryCollection"):
        multi = _sub(parent, "MultiGeometry")
        for part in g.geoms:
            _geometry(multi, part, decimals)
    else:
        raise MapsError(f"KML export: geometry type {kind} is not supported")


def _description(rows: list[tuple[str, Any]]) -> str:
    """An HTML table of label/value rows; every value HTML-escaped (Google Earth renders descriptions as HTML)."""
    body = "".join(f"<tr><th align='left'>{html.escape(k, quote=False)}</th><td>{html.escape(_text(v), quote=False)}</td></tr>"
                   for k, v in rows if _text(v) != "")
    return f"<table>{body}</table>"


def _placemark(folder: ET.Element, name: str, style: str, g: BaseGeometry, rows: list[tuple[str, Any]],
               data: dict[str, Any], decimals: int) -> ET.Element:
    pm = _sub(folder, "Placemark")
    _sub(pm, "name", name)
    _sub(pm, "description", _description(rows))
    _sub(pm, "styleUrl", f"#{style}")
    ext = _sub(pm, "ExtendedData")
    for k, v in data.items():
        _sub(_sub(ext, "Data", name=k), "value", v)
    _geometry(pm, g, decimals)
    return pm


def _style(doc: ET.Element, sid: str, *, icon: str | None = None, icon_color: str | None = None,
           icon_scale: float = 1.0, label_scale: float | None = None, line: str | None = None,
           line_width: float = 1.0, poly: str | None = None) -> None:
    st = _sub(doc, "Style", id=sid)
    if icon:
        ic = _sub(st, "IconStyle")
        _sub(ic, "color", icon_color or "ffffffff")
        _sub(ic, "scale", f"{icon_scale:g}")
        _sub(_sub(ic, "Icon"), "href", icon)
    if label_scale is not None:
        _sub(_sub(st, "LabelStyle"), "scale", f"{label_scale:g}")
    if line:
        ls = _sub(st, "LineStyle")
        _sub(ls, "color", line)
        _sub(ls, "width", f"{line_width:g}")
    if poly:
        ps = _sub(st, "PolyStyle")
        _sub(ps, "color", poly)


def _level_label(r: pd.Series) -> str:
    if pd.isna(r.get("level")):
        return "no level / ไม่มีระดับ"
    return level_label(int(r["level"]), r.get("level_name_th"), r.get("level_name_en"), lang="both", head=True)


def _style_level(r: pd.Series) -> str:
    return str(int(r["level"])) if pd.notna(r.get("level")) else "none"


def kml_document(a: Assessment) -> ET.Element:
    """The KML tree of ``a`` (coordinates in WGS 84 longitude, latitude)."""
    k = load_kml_settings()
    st = load_styles()
    dec = int(k["decimals"])
    colors = {str(lv): c for lv, c in level_colors(a.edition, st).items()}
    colors["none"] = st["no_level"]
    root = ET.Element("kml", xmlns=KML_NS)
    doc = _sub(root, "Document")
    town = _text(a.town.get("name"))
    _sub(doc, "name", f"{town} - พ.ศ. {a.year + 543} ({a.year}) - ecotown")
    _sub(doc, "description", _description([
        ("Town / เมือง", f"{town} ({_text(a.town.get('name_en'))})"),
        ("Level / ระดับ", _level_label(a.town)),
        ("Criteria / เกณฑ์", a.edition.id),
        ("Year / ปี", f"พ.ศ. {a.year + 543} ({a.year})"),
    ]))
    _sub(doc, "open", "1")

    # styles: one per kind and level, one per ring distance, the boundary
    mine, bnd = st["mine"], st["boundary"]
    for lv, c in colors.items():
        _style(doc, f"factory-level-{lv}", icon=k["icons"]["factory"], icon_color=kml_color(c),
               icon_scale=float(k["icon_scale"]["factory"]), label_scale=float(k["label_scale"]))
        _style(doc, f"village-level-{lv}", icon=k["icons"]["village"], icon_color=kml_color(c),
               icon_scale=float(k["icon_scale"]["village"]), label_scale=float(k["label_scale"]))
        _style(doc, f"mine-level-{lv}", label_scale=float(k["label_scale"]), line=kml_color(mine["color"]),
               line_width=float(k["line_width"]["mine"]), poly=kml_color(c, mine["fill_opacity"]))
    ring_ms = sorted({int(v) for v in a.rings["ring_m"].dropna()} | {int(v) for v in a.rings_m})
    for m in ring_ms:
        rs = st["rings"].get(m) or st["rings"].get(str(m)) or st["ring_default"]
        _style(doc, f"ring-{m}", line=kml_color(rs["color"]), line_width=float(k["line_width"]["ring"]),
               poly=kml_color(rs["color"], rs["fill_opacity"]))
    town_lv = _style_level(a.town)
    _style(doc, "boundary", line=kml_color(bnd["color"]), line_width=float(k["line_width"]["boundary"]),
           poly=kml_color(colors[town_lv], bnd["fill_opacity"]))

    flows = _flow_styles(doc, a, k)

    folders = k["folders"]
    if "boundary" in a.context and len(a.context["boundary"]):
        f = _sub(doc, "Folder")
        _sub(f, "name", folders["boundary"])
        for g in to_lonlat(a.context["boundary"]).geometry:
            _placemark(f, town, "boundary", g, [("Level / ระดับ", _level_label(a.town))],
                       {"level": a.town.get("level")}, dec)

    fac = to_lonlat(a.facilities)
    for kind, fname in (("factory", "factories"), ("mine", "mines")):
        sub = fac[fac["kind"] == kind] if kind == "mine" else fac[fac["kind"] != "mine"]
        if not len(sub):
            continue
        f = _sub(doc, "Folder")
        _sub(f, "name", folders[fname])
        for fid, r in sub.iterrows():
            reg = _text(r.get("licence_no")) or _text(r.get("registry_no"))
            rows = [("Id / รหัส", fid), ("Registry / ทะเบียน", reg), ("Category / ประเภท", r.get("category")),
                    ("Level / ระดับ", _level_label(r)), ("Why / เหตุผล", r.get("rule")),
                    ("Next level / ระดับถัดไป", r.get("gap_text"))]
            for d in a.rings_m:
                rows.append((f"Population within {d} m / ประชากรในรัศมี {d:,} ม.", _num(r.get(f"pop_within_{d}"))))
            _placemark(f, _text(r.get("name")) or str(fid), f"{kind}-level-{_style_level(r)}", r.geometry, rows,
                       {"facility_id": fid, "kind": r.get("kind"), "level": _num(r.get("level"))}, dec)

    com = to_lonlat(a.communities)
    f = _sub(doc, "Folder")
    _sub(f, "name", folders["villages"])
    for cid, r in com.iterrows():
        rows = [("Id / รหัส", cid), ("Population / ประชากร", _num(r.get("population"))),
                ("Households / ครัวเรือน", _num(r.get("households"))), ("Level / ระดับ", _level_label(r)),
                ("Why / เหตุผล", r.get("rule")), ("Next level / ระดับถัดไป", r.get("gap_text")),
                ("Nearest facility / สถานประกอบการใกล้ที่สุด", r.get("nearest_facility_id")),
                ("Distance (m) / ระยะ (ม.)", _num(r.get("nearest_facility_m"), 0))]
        g = r.geometry if r.geometry.geom_type == "Point" else r.geometry.representative_point()
        _placemark(f, _text(r.get("name")) or str(cid), f"village-level-{_style_level(r)}", g, rows,
                   {"community_id": cid, "level": _num(r.get("level"))}, dec)
        if r.geometry.geom_type != "Point":   # a village polygon: its outline too, under the same name
            _placemark(f, _text(r.get("name")) or str(cid), f"mine-level-{_style_level(r)}", r.geometry, rows,
                       {"community_id": cid, "level": _num(r.get("level"))}, dec)

    if flows is not None:
        _flow_folder(doc, flows, folders["flows"], dec)

    if len(a.rings):
        names = a.facilities["name"].to_dict()
        rings = to_lonlat(a.rings)
        f = _sub(doc, "Folder")
        _sub(f, "name", folders["rings"])
        _sub(f, "open", "0")
        for m in ring_ms:
            band = rings[rings["ring_m"] == m]
            if not len(band):
                continue
            sf = _sub(f, "Folder")
            _sub(sf, "name", str(folders["ring"]).format(m=m))
            for r in band.itertuples():
                fname = _text(names.get(r.facility_id)) or str(r.facility_id)
                _placemark(sf, f"{fname} ({r.facility_id}) - {m:,} m", f"ring-{m}", r.geometry,
                           [("Facility / สถานประกอบการ", f"{fname} ({r.facility_id})"),
                            ("Ring / วงรัศมี", f"{m:,} m / ม.")],
                           {"facility_id": r.facility_id, "ring_m": m}, dec)
    return root


def _flow_styles(doc: ET.Element, a: Assessment, k: dict[str, Any]) -> pd.DataFrame | None:
    """The flows of ``a`` in lon/lat, each moved ``offset_m`` (maps/flows.yaml) to its right so that A->B and B->A
    lie side by side, with the id of its line style (colour: inside the town or not; width by tonnes, in steps of
    half a pixel), whose styles are added to ``doc``; None without flows."""
    lines = flow_lines(a)
    if lines is None:
        return None
    fs = load_flow_style()
    lo, hi = (float(k["flow_width"][x]) for x in ("min", "max"))
    tmax = flow_tonnes_max(a)
    ids = []
    for t, inside in zip(lines["tonnes_per_year"], lines["inside_town"]):
        w = round(2 * (lo + (hi - lo) * flow_share(t, tmax))) / 2
        ids.append(f"flow-{'inside' if inside else 'outside'}-{w:g}")
    for sid in sorted(set(ids)):
        _, where, w = sid.split("-")
        _style(doc, sid, line=kml_color(fs[f"{where}_color"], fs["opacity"]), line_width=float(w))
    moved = lines.set_geometry([offset_line(g, float(fs["offset_m"])) for g in lines.geometry], crs=lines.crs)
    return to_lonlat(moved).assign(style=ids)


def _flow_folder(doc: ET.Element, flows: pd.DataFrame, name: str, decimals: int) -> None:
    """One line placemark per flow: the material and both ends in its name, the tonnes in its description."""
    f = _sub(doc, "Folder")
    _sub(f, "name", name)
    for r in flows.itertuples():
        inside = bool(r.inside_town)
        rows = [("Material / วัสดุ", r.material), ("Tonnes a year / ตันต่อปี", f"{float(r.tonnes_per_year):,.0f}"),
                ("Year / ปี", f"{int(r.year)} (พ.ศ. {int(r.year) + 543})"),
                ("From / จาก", f"{_text(r.from_name)} ({_text(r.from_id)})"),
                ("To / ถึง", f"{_text(r.to_name)} ({_text(r.to_id)})"),
                ("Counts in the town's exchange indicators / นับในตัวชี้วัดของเมือง",
                 "yes / นับ" if inside else "no: a party outside the town / ไม่นับ (นอกเมือง)"),
                ("Table / ตาราง", f"{_text(r.source)}, {_text(r.line)}")]
        _placemark(f, f"{_text(r.material)}: {_text(r.from_name)} → {_text(r.to_name)}", r.style, r.geometry, rows,
                   {"from_id": r.from_id, "to_id": r.to_id, "material": r.material,
                    "tonnes_per_year": _num(float(r.tonnes_per_year)), "year": int(r.year),
                    "inside_town": "1" if inside else "0"}, decimals)


def _num(v: Any, digits: int | None = None) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, float) and digits is not None:
        return f"{v:.{digits}f}"
    return str(v)


def kml_bytes(a: Assessment) -> bytes:
    root = kml_document(a)
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def kmz_bytes(kml: bytes) -> bytes:
    """A KMZ (zip) holding ``doc.kml``, with a fixed time stamp."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("doc.kml", date_time=_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        z.writestr(info, kml)
    return buf.getvalue()


def write_kml(a: Assessment, path: str | Path) -> Path:
    """Write ``a`` as ``path``: KML when it ends in .kml, KMZ when it ends in .kmz (replaced only when complete)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".kml", ".kmz"):
        raise MapsError(f"{path}: a KML export must end in .kml or .kmz")
    data = kml_bytes(a)
    atomic_write_bytes(path, data if suffix == ".kml" else kmz_bytes(data))
    return path


def export_kml(a: Assessment, out: str | Path) -> list[Path]:
    """Write ``ecotown-<year>.kml`` and ``ecotown-<year>.kmz`` (names from ``kml.yaml``) into ``out``."""
    out = Path(out)
    stem = str(load_kml_settings()["file_stem"]).format(year=a.year)
    try:
        data = kml_bytes(a)
        paths = [out / f"{stem}.kml", out / f"{stem}.kmz"]
        atomic_write_bytes(paths[0], data)
        atomic_write_bytes(paths[1], kmz_bytes(data))
    except OSError as e:
        raise MapsError(f"cannot write the KML export into {out}: {e}") from None
    return paths

