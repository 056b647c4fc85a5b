"""Writing folium maps as single, self-contained, deterministic HTML files.

Field inspectors open the maps on laptops with poor or no internet, so with
``offline=True`` every ``<script src="http...">`` and ``<link rel="stylesheet"
href="http...">`` that folium emits is replaced by the inlined text of a vendored
copy in ``maps/web/assets/`` (or dropped when the map does not use it). Which URL maps
to which file is data, in ``maps/web/assets/assets.yaml``, not code. A URL the map
needs and that has no local copy raises :class:`~maps.errors.MapsError` naming it,
so a map that needs the internet is never written silently.

Tiles are offered, off by default. The ecotown maps (level, buffer, years) show a
base map drawn from the study area's own layers (land-cover picture, water, roads;
see ``maps/web/basemap.py``), inlined like everything else; OpenStreetMap tiles are listed
in the layer control but not shown, so an offline map makes no request at all until
someone ticks the tiles (with no network they then simply fail to load). Tile URLs are
not scripts or stylesheets, so this module leaves them as they are: a plain folium map
with a tile layer shown keeps loading it from its server. Nothing else external is added.
The map data (``<script type="application/json">``) is never read as a sign that the
page needs a library.

The output is deterministic: folium's random element ids (``map_<32 hex>``) are
renamed by order of first appearance, so the same map gives the same bytes.
"""

from __future__ import annotations

import base64
import html
import json
import math
import mimetypes
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from layers.atomic import atomic_write_text
from geo.yamltext import load_yaml
from ..errors import MapsError, TemplateError

__all__ = ["write_map", "render_map", "escape_text", "safe_json", "ASSETS_DIR"]

#: folder of the vendored JavaScript/CSS files and of ``assets.yaml``
ASSETS_DIR = Path(__file__).resolve().parent / "assets"

#: folium's element ids: a snake_case name, ``_``, and ``uuid4().hex``
_ID_RE = re.compile(r"(?<![A-Za-z0-9_])([a-z][a-z0-9_]*?)_([0-9a-f]{32})(?![0-9A-Za-z])")

#: a ``<script ... src=...></script>`` element
_SCRIPT_SRC_RE = re.compile(
    r"<script\b[^>]*?\bsrc\s*=\s*(?P<q>[\"'])(?P<url>[^\"']*)(?P=q)[^>]*>\s*</script\s*>", re.IGNORECASE)
#: a ``<link ...>`` element
_LINK_RE = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_HREF_RE = re.compile(r"\bhref\s*=\s*(?P<q>[\"'])(?P<url>[^\"']*)(?P=q)", re.IGNORECASE)
_REL_STYLESHEET_RE = re.compile(r"\brel\s*=\s*[\"']?stylesheet\b", re.IGNORECASE)
#: ``url(...)`` references inside a stylesheet
_CSS_URL_RE = re.compile(r"url\(\s*(?P<q>[\"']?)(?P<ref>[^\"')]+)(?P=q)\s*\)")
_EXTERNAL_RE = re.compile(r"^(?:https?:)?//", re.IGNORECASE)


# --------------------------------------------------------------------------- helpers for templates


def escape_text(value: Any) -> str:
    """``value`` as HTML text, quotes escaped too; ``None`` and NaN become ``''`` (for popups).

    Backticks, ``$`` and backslashes are escaped as well: folium places popup HTML inside a JavaScript
    template literal, where they would otherwise end the string or start a ``${...}`` expression.
    """
    if value is None:
        return ""
    try:
        if isinstance(value, float) and math.isnan(value):
            return ""
        import pandas as pd  # local: pandas is heavy and only needed for its NA/NaT markers

        if value is pd.NA or value is pd.NaT:
            return ""
    except (ImportError, TypeError, ValueError):  # pragma: no cover - defensive
        pass
    text = html.escape(str(value), quote=True)
    return text.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def safe_json(obj: Any) -> str:
    """JSON for embedding in ``<script>``: sorted keys, real UTF-8, ``< > &`` as ``\\u003c \\u003e \\u0026``."""
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --------------------------------------------------------------------------- asset table


@dataclass(frozen=True)
class Asset:
    """One row of ``assets.yaml``: a URL pattern, its local copy (or none) and when the map needs it."""

    name: str
    pattern: re.Pattern[str]
    kind: str  # "js" or "css"
    file: str | None
    needed_when: tuple[re.Pattern[str], ...]  # empty: always needed

    def needed_by(self, page: str) -> bool:
        return not self.needed_when or any(p.search(page) for p in self.needed_when)


@lru_cache(maxsize=4)
def load_assets(assets_dir: Path = ASSETS_DIR) -> tuple[Asset, ...]:
    """The rows of ``assets.yaml`` in ``assets_dir``, checked."""
    table = assets_dir / "assets.yaml"
    try:
        data = load_yaml(table.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise TemplateError(f"cannot read the offline asset table {table}: {e}") from e
    rows = data.get("assets") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise TemplateError(f"{table}: expected a mapping with an 'assets' list")
    out = []
    for i, row in enumerate(rows):
        try:
            kind = row["kind"]
            if kind not in ("js", "css"):
                raise ValueError(f"kind must be js or css, not {kind!r}")
            out.append(Asset(
                name=str(row.get("name", f"asset {i}")),
                pattern=re.compile(row["url"]),
                kind=kind,
                file=row.get("file"),
                needed_when=tuple(re.compile(p) for p in row.get("needed_when", []) or []),
            ))
        except (KeyError, TypeError, ValueError, re.error) as e:
            raise TemplateError(f"{table}: bad row {i}: {e}") from e
    return tuple(out)


def _match_asset(url: str, kind: str, assets: tuple[Asset, ...]) -> Asset | None:
    for a in assets:
        if a.kind == kind and a.pattern.fullmatch(url):
            return a
    return None


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".woff2":
        mime = "font/woff2"
    elif path.suffix == ".woff":
        mime = "font/woff"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _read_asset(asset: Asset, url: str, assets_dir: Path) -> tuple[str, Path]:
    if not asset.file:
        raise MapsError(f"the map needs {url} ({asset.name}) and there is no offline copy of it")
    path = (assets_dir / asset.file).resolve()
    if not path.is_file():
        raise MapsError(f"the map needs {url} ({asset.name}); its offline copy {path} is missing")
    return path.read_text(encoding="utf-8"), path


def _inline_css_urls(css: str, css_path: Path, url: str) -> str:
    """Replace each relative ``url(...)`` in a vendored stylesheet by a ``data:`` URI of the local file."""

    def repl(m: re.Match[str]) -> str:
        ref = m.group("ref").strip()
        if ref.startswith(("data:", "#")):
            return m.group(0)
        if _EXTERNAL_RE.match(ref):
            raise MapsError(f"the stylesheet for {url} refers to {ref}, which needs the internet")
        target = (css_path.parent / ref.split("?")[0].split("#")[0]).resolve()
        if not target.is_file():
            raise MapsError(f"the stylesheet for {url} refers to {ref}; no local file {target}")
        return f'url("{_data_uri(target)}")'

    return _CSS_URL_RE.sub(repl, css)


def _leaflet_icon_fix(css_path: Path) -> str:
    """JS that points Leaflet's default marker icons at data URIs (its path detection can't use them)."""
    images = css_path.parent / "images"
    opts = {}
    for key, name in (("iconUrl", "marker-icon.png"), ("iconRetinaUrl", "marker-icon-2x.png"),
                      ("shadowUrl", "marker-shadow.png")):
        if (images / name).is_file():
            opts[key] = _data_uri(images / name)
    if not opts:
        return ""
    return ("\n;(function(){if(window.L&&L.Icon&&L.Icon.Default){L.Icon.Default.imagePath='';"
            f"L.Icon.Default.mergeOptions({json.dumps(opts, sort_keys=True)});}}}})();\n")


#: a source-map comment: the .map file is not vendored, so don't let devtools ask for it
_SOURCE_MAP_RE = re.compile(r"^[ \t]*//[#@] sourceMappingURL=\S*[ \t]*$", re.MULTILINE)


def _script_tag(js: str) -> str:
    js = _SOURCE_MAP_RE.sub("", js)
    # a literal "</script" would end the element early
    return "<script>" + re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE) + "</script>"


def _style_tag(css: str) -> str:
    return "<style>" + re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE) + "</style>"


# --------------------------------------------------------------------------- the work


def _rename_ids(page: str) -> str:
    """Rename folium's random ids by order of first appearance (``map_<hex>`` -> ``map_000...001``).

    The new ids keep the ``<name>_<32 hex>`` shape; a zero-padded counter can never be a real
    ``uuid4().hex`` (whose 13th digit is always 4), so renamed ids never collide with others.
    """
    seen: dict[str, str] = {}

    def repl(m: re.Match[str]) -> str:
        hexid = m.group(2)
        if hexid not in seen:
            seen[hexid] = f"{len(seen) + 1:032x}"
        return f"{m.group(1)}_{seen[hexid]}"

    return _ID_RE.sub(repl, page)


def _externals(page: str) -> list[tuple[re.Match[str], str, str]]:
    """Every external script/stylesheet element: (match, url, kind), in document order."""
    found = []
    for m in _SCRIPT_SRC_RE.finditer(page):
        if _EXTERNAL_RE.match(m.group("url")):
            found.append((m, m.group("url"), "js"))
    for m in _LINK_RE.finditer(page):
        href = _HREF_RE.search(m.group(0))
        if href and _EXTERNAL_RE.match(href.group("url")):
            kind = "css" if _REL_STYLESHEET_RE.search(m.group(0)) else "link"
            found.append((m, href.group("url"), kind))
    found.sort(key=lambda t: t[0].start())
    return found


_JSON_OPEN = '<script type="application/json"'


def _without_json_data(page: str) -> str:
    """``page`` without the bodies of its ``<script type="application/json">`` elements (map data).

    Data is not code: a factory named ``$(...)`` or ``data-bs-x`` must not make the map pull jQuery or ask for
    Bootstrap. (Plain ``str.find``: a regular expression over megabytes of data costs seconds.)
    """
    out, at = [], 0
    while True:
        i = page.find(_JSON_OPEN, at)
        if i < 0:
            break
        j = page.find(">", i)
        k = page.find("</script", j)
        if j < 0 or k < 0:
            break
        out.append(page[at:j + 1])
        at = k
    out.append(page[at:])
    return "".join(out)


def _make_offline(page: str, assets_dir: Path) -> str:
    assets = load_assets(assets_dir)
    externals = _externals(page)
    # what the map uses is judged on the page without the external elements themselves
    rest, last = [], 0
    for m, _, _ in externals:
        rest.append(page[last:m.start()])
        last = m.end()
    rest.append(page[last:])
    body = _without_json_data("".join(rest))

    out, last, done = [], 0, set()
    for m, url, kind in externals:
        out.append(page[last:m.start()])
        last = m.end()
        if kind == "link":
            raise MapsError(f"the map links to {url}, which needs the internet (not a stylesheet)")
        asset = _match_asset(url, kind, assets)
        if asset is None:
            raise MapsError(f"the map needs {url} and there is no offline copy of it in {assets_dir / 'assets.yaml'}")
        if not asset.needed_by(body) or asset.name in done:
            continue  # unused by this map (or already inlined): drop the element
        done.add(asset.name)
        text, path = _read_asset(asset, url, assets_dir)
        if kind == "css":
            out.append(_style_tag(_inline_css_urls(text, path, url)))
        else:
            if asset.name == "leaflet":
                text += _leaflet_icon_fix(assets_dir / "leaflet" / "leaflet.css")
            out.append(_script_tag(text))
    out.append(page[last:])
    result = "".join(out)
    left = [u for _, u, _ in _externals(result)]
    if left:  # pragma: no cover - a guard against a bug above
        raise MapsError(f"the offline map still needs {', '.join(left)}")
    return result


def render_map(m: Any, *, offline: bool = True, assets_dir: Path | None = None) -> str:
    """The HTML text of folium map ``m``; with ``offline``, self-contained (see module docs)."""
    try:
        page = m.get_root().render()
    except Exception as e:  # jinja2 / branca errors while rendering a template
        raise TemplateError(f"cannot render the map: {e}") from e
    page = _rename_ids(page)
    if offline:
        page = _make_offline(page, Path(assets_dir) if assets_dir else ASSETS_DIR)
    if not page.endswith("\n"):
        page += "\n"
    return page


def write_map(m: Any, path: Path, *, offline: bool = True) -> Path:
    """Render folium map ``m`` to one HTML file at ``path`` (atomically) and return the path.

    With ``offline=True`` (the default) the file loads no script or stylesheet from the
    internet; :class:`~maps.errors.MapsError` is raised when that cannot be done.
    """
    path = Path(path)
    page = render_map(m, offline=offline)
    return atomic_write_text(path, page)
