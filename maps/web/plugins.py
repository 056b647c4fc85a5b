"""The map engine: one inlined script (``assets/ecotown/ecotown-map.js``) that draws an ecotown map from data.

folium gives the page, the Leaflet map object and the title/legend boxes; everything else (subjects, rings,
context, the drawn offline base map, search, measure, minimap, year slider, facility-to-village lines) is built
by the engine from one JSON payload in a ``<script type="application/json">`` element. The payload is written
with :func:`maps.web.offline.safe_json` (``<``, ``>`` and ``&`` escaped), so no value can end the element, and the
engine puts values into the page only as text. The engine is our own code and always inlined: it needs no
network whether or not the map is written offline.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from ..errors import TemplateError
from .offline import ASSETS_DIR, safe_json

__all__ = ["attach_engine", "engine_data", "ENGINE_JS", "ENGINE_CSS", "payload_bytes", "RawHtml"]

ENGINE_JS = ASSETS_DIR / "ecotown" / "ecotown-map.js"
ENGINE_CSS = ASSETS_DIR / "ecotown" / "ecotown-map.css"

LABELS = {
    "search": "Search name or registry no. / ค้นหาชื่อหรือเลขทะเบียน",
    "no_match": "No match / ไม่พบ",
    "measure": "Measure distance (click points; click the ruler again to stop) / วัดระยะทาง",
    "measure_hint": "Click on the map / คลิกบนแผนที่",
    "distance": "Distance / ระยะทาง",
    "simplified": "Simplified for size / ลดรายละเอียดเพื่อขนาดไฟล์",
    "year": "Year / ปี",
}


@lru_cache(maxsize=2)
def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise TemplateError(f"the map engine file {path} cannot be read: {e}") from None


class _Engine(MacroElement):
    """Runs the engine on the folium map after the map is created (in folium's script section)."""

    _template = Template("""{% macro script(this, kwargs) %}
{{ this.js }}
;window.ecotownHandle = window.ecotownMap({{ this._parent.get_name() }},
  JSON.parse(document.getElementById("ecotown-data").textContent));
{% endmacro %}""")

    def __init__(self, js: str) -> None:
        super().__init__()
        self._name = "EcotownEngine"
        self.js = js


class RawHtml(Element):
    """Ready-made HTML (or JSON) placed in the page as it is.

    ``folium.Element(text)`` would compile ``text`` as a Jinja template: a map of 10 MB would be parsed by the
    template lexer (seconds), and a name containing ``{{ ... }}`` would be run as template code. This element's
    template is fixed; the text is only ever a value in it.
    """

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawHtml"
        self.text = text


def payload_bytes(payload: dict[str, Any] | str) -> int:
    """Size in bytes of the engine data (a payload, or its JSON from :func:`engine_data`)."""
    return len((payload if isinstance(payload, str) else safe_json(payload)).encode("utf-8"))


def _intern_labels(payload: dict[str, Any]) -> None:
    """Store each popup row label and level badge once (``payload['row_labels']``); rows refer to them by number."""
    labels: list[str] = []
    at: dict[str, int] = {}

    def ref(t: str) -> int:
        if t not in at:
            at[t] = len(labels)
            labels.append(t)
        return at[t]

    def fix(p: dict[str, Any] | None) -> None:
        if not p:
            return
        for row in p.get("rows", ()):
            if isinstance(row[0], str):
                row[0] = ref(row[0])
        if p.get("badge") and isinstance(p["badge"][0], str):
            p["badge"][0] = ref(p["badge"][0])

    for g in payload.get("groups", ()):
        for it in g.get("items", ()):
            fix(it.get("p"))
    for p in payload.get("pops", ()):
        fix(p)
    payload["row_labels"] = labels


def engine_data(payload: dict[str, Any]) -> str:
    """The JSON text the engine reads: ``payload`` with popup labels stored once and the control labels."""
    _intern_labels(payload)
    return safe_json({"labels": LABELS, **payload})


def attach_engine(m: folium.Map, payload: dict[str, Any] | str) -> None:
    """Add the engine, its stylesheet and ``payload`` (or its :func:`engine_data` JSON) to folium map ``m``."""
    data = payload if isinstance(payload, str) else engine_data(payload)
    js = re.sub(r"</(script)", r"<\\/\1", _read(ENGINE_JS), flags=re.IGNORECASE)
    root = m.get_root()
    root.header.add_child(RawHtml("<style>" + _read(ENGINE_CSS) + "</style>"), name="ecotown_css")
    root.html.add_child(RawHtml('<script type="application/json" id="ecotown-data">' + data + "</script>"),
                        name="ecotown_data")
    m.add_child(_Engine(js), name="ecotown_engine")
