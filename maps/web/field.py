"""The inspector in the field: what the level and buffer maps carry for a phone.

``attach_field(m, a, kind)`` adds to a map page the field tools (``assets/ecotown/ecotown-field.js`` and ``.css``):
the phone layout (a one-line title bar with the town level, layer list and legend behind buttons, no minimap,
popups that fit and scroll, 44 px touch targets), *where I stand* from the phone's GPS (offline; distances in
EPSG:32647 like the analysis, so the payload carries facility and village coordinates in UTM 47N and each mine's
concession outline), field notes kept in the page's browser storage (``localStorage`` key
``ecotown-notes:<town>:<map>``) and exported as GeoJSON, and the print layout.

``observation_group(a, sty, decimals)`` is the map layer of the field notes read back into the tool
(``layers add ... --role observations``): popups with kind, time, subject, text and photo, built as text.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from criteria import Assessment
from geo import to_lonlat
from layers import observation_kinds
from geo.yamltext import load_yaml

from ..style import level_colors, level_label
from .features import point_ll, text
from .offline import ASSETS_DIR, safe_json
from .plugins import RawHtml, _read

__all__ = ["field_words", "attach_field", "field_payload", "observation_group", "town_key"]

FIELD_JS = ASSETS_DIR / "ecotown" / "ecotown-field.js"
FIELD_CSS = ASSETS_DIR / "ecotown" / "ecotown-field.css"
PHOTO_BYTES = 200_000  # a note's photo is shrunk to a JPEG of at most this many bytes



@cache
def field_words() -> dict[str, Any]:
    """The field tools' words, English / Thai, from ``field-words.yaml`` beside this module."""
    return load_yaml((files(__package__) / "field-words.yaml").read_text(encoding="utf-8"))


def town_key(a: Assessment) -> str:
    """The town's short name for note storage and file names: ``nong-pho``."""
    raw = text(a.town.get("name_en")) or text(a.town.get("town_id")) or "town"
    return re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-") or "town"


def _utm_rings(geom: Any) -> list[list[list[list[float]]]]:
    polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    return [[[[round(x, 2), round(y, 2)] for x, y in r.coords] for r in (p.exterior, *p.interiors)] for p in polys]


def _subjects(df: gpd.GeoDataFrame, kind: str | None) -> list[dict[str, Any]]:
    """Each subject's id, name, kind and shape in EPSG:32647 (the analysis CRS): a point, or polygons."""
    out = []
    kinds = df["kind"].tolist() if kind is None else [kind] * len(df)
    for sid, name, k, g in zip(df.index.astype(str), df["name"].tolist(), kinds, df.geometry):
        if g is None or g.is_empty:
            continue
        row: dict[str, Any] = {"id": sid, "name": text(name), "kind": text(k)}
        if g.geom_type == "Point":
            row.update(x=round(g.x, 2), y=round(g.y, 2))
        elif g.geom_type in ("Polygon", "MultiPolygon"):
            row["poly"] = _utm_rings(g)
        else:  # a line: its nearest vertex is close enough for "what is around me"; keep its points
            pts = [[round(x, 2), round(y, 2)] for x, y in g.coords] if hasattr(g, "coords") else []
            row["poly"] = [[pts]] if pts else []
        out.append(row)
    return out


def field_payload(a: Assessment, kind: str) -> dict[str, Any]:
    """What the field tools read: town and map keys, the one-line bar, rings per facility kind (metres), every
    facility and village in EPSG:32647, the note kinds and the words."""
    t = a.town
    lvl = int(t["level"])
    rd = a.ring_distances
    rings = {k: rd.shown_bands(k) for k in ("factory", "mine")}
    bar = f"{text(t.get('name'))} · " + level_label(lvl, t.get("level_name_th"), t.get("level_name_en"),
                                                     lang="th", head=True) + f" · {a.year_be}"
    return {"town": town_key(a), "map": kind, "level": lvl, "level_color": level_colors(a.edition)[lvl],
            "bar": bar, "rings": rings, "fac": _subjects(a.facilities, None),
            "vil": _subjects(a.communities, "village"), "kinds": list(observation_kinds()),
            "photo_bytes": PHOTO_BYTES, "words": field_words()}


class _Field(MacroElement):
    """Runs the field tools after the engine (in folium's script section)."""

    _template = Template("""{% macro script(this, kwargs) %}
{{ this.js }}
;window.ecotownFieldHandle = window.ecotownField({{ this._parent.get_name() }}, window.ecotownHandle,
  JSON.parse(document.getElementById("ecotown-field").textContent));
{% endmacro %}""")

    def __init__(self, js: str) -> None:
        super().__init__()
        self._name = "EcotownField"
        self.js = js


def attach_field(m: folium.Map, a: Assessment, kind: str) -> None:
    """Add the field tools and their data to map ``m`` of ``a`` (``kind``: 'level' or 'buffer'); call it after
    the engine is attached."""
    js = re.sub(r"</(script)", r"<\\/\1", _read(FIELD_JS), flags=re.IGNORECASE)
    root = m.get_root()
    root.header.add_child(RawHtml("<style>" + _read(FIELD_CSS) + "</style>"), name="ecotown_field_css")
    root.html.add_child(RawHtml('<script type="application/json" id="ecotown-field">'
                                + safe_json(field_payload(a, kind)) + "</script>"), name="ecotown_field_data")
    m.add_child(_Field(js), name="ecotown_field")


def observation_group(a: Assessment, sty: Any, decimals: int) -> list[dict[str, Any]]:
    """The engine group of the year's field notes (none when the catalog has no observations layer)."""
    notes = a.context.get("observations")
    if notes is None or not len(notes):
        return []
    words = {k["id"]: f"{k['th']} / {k['en']}" for k in observation_kinds()}
    style = sty(radius=7, color="#6a1b9a", weight=2, fillColor="#e1bee7", fillOpacity=1,
                className="ecotown-observation")
    items = []
    for (_, r), g in zip(notes.iterrows(), to_lonlat(notes[["geometry"]]).geometry):
        kind = words.get(text(r.get("kind")), text(r.get("kind")))
        subject = text(r.get("subject_id")) or "-"
        counted = text(r.get("counted_for")) or "- (no subject within reach / ไม่มีสถานที่ใกล้)"
        acc = r.get("accuracy_m")
        rows = [["time / เวลา", text(r.get("time"))], ["subject / สถานที่", subject],
                ["counted for / นับให้", counted],
                ["accuracy / ความแม่นยำ", "-" if acc is None or pd.isna(acc) else f"±{float(acc):,.0f} m"]]
        pop: dict[str, Any] = {"title": kind, "sub": f"field note / บันทึกภาคสนาม {text(r.get('id'))}",
                               "rows": rows, "note": text(r.get("text"))}
        photo = text(r.get("photo"))
        if photo.startswith(("data:image/jpeg;base64,", "data:image/png;base64,", "data:image/webp;base64,")):
            pop["img"] = photo
        items.append({"t": "c", "ll": point_ll(g, decimals), "s": style, "tip": f"{kind}: {text(r.get('text'))[:60]}",
                      "p": pop})
    return [{"name": "Field notes / บันทึกภาคสนาม", "items": items}]
