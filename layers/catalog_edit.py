"""Changing one entry of a catalog file while keeping the rest of it — comments included — as the user wrote it.

The edit is made on the text; the result is parsed again and must equal the intended data, otherwise the whole
catalog is written out anew from the data (comments are then lost, the content never is).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from geo.yamltext import load_yaml

from .errors import CatalogError

__all__ = ["read_catalog_data", "catalog_text_with", "render_entry", "new_catalog_text"]

_KEY = re.compile(r"""^(?P<indent>[ ]*)(?:'(?P<sq>[^']*)'|"(?P<dq>[^"]*)"|(?P<bare>[^\s:#'"][^:#]*?))[ ]*:(?:\s|$)""")


def read_catalog_data(path: Path) -> tuple[str, dict[str, Any]]:
    """The text of a catalog and its parsed data (a new, empty catalog when the file does not exist)."""
    path = Path(path)
    if not path.exists():
        text = new_catalog_text(path)
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CatalogError(f"{path}: not UTF-8 text") from None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: expected a mapping with a 'layers' section")
    if data.get("layers") is None:
        data["layers"] = {}
    if not isinstance(data["layers"], dict):
        raise CatalogError(f"{path}: the 'layers' section must be a mapping of name: entry")
    return text, data


def new_catalog_text(path: Path) -> str:
    name = Path(path).resolve().parent.name or "my town"
    return ("# ecotown layer catalog. Paths are relative to this file.\n"
            "# Layers added with `ecotown layers add` live in layers.gpkg (vectors) and rasters/ beside it.\n"
            + yaml.safe_dump({"name": name, "crs": "EPSG:32647"}, allow_unicode=True, sort_keys=False)
            + "layers: {}\n")


def render_entry(name: str, entry: dict[str, Any], indent: str) -> list[str]:
    text = yaml.safe_dump({name: entry}, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
    return [indent + line if line else line for line in text.splitlines()]


def _key(line: str) -> tuple[int, str] | None:
    m = _KEY.match(line)
    if not m:
        return None
    key = m.group("sq") if m.group("sq") is not None else m.group("dq") if m.group("dq") is not None \
        else m.group("bare").strip()
    return len(m.group("indent")), key


def _content(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


def _edit_text(text: str, name: str, entry: dict[str, Any] | None) -> str | None:
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if (k := _key(ln)) and k == (0, "layers")), None)
    if start is None:
        return None
    # the block: lines after 'layers:' up to the next top-level content line
    end = len(lines)
    for i in range(start + 1, len(lines)):
        if _content(lines[i]) and not lines[i].startswith((" ", "\t")):
            end = i
            break
    rest = lines[start].split(":", 1)[1].strip()
    if rest and not rest.startswith("#"):
        if rest.split("#")[0].strip() != "{}":
            return None  # an inline mapping: leave it to the fallback
        lines[start] = "layers:"
    children = [i for i in range(start + 1, end) if _content(lines[i])]
    indent = len(lines[children[0]]) - len(lines[children[0]].lstrip(" ")) if children else 2
    entries = [(i, k[1]) for i in children if (k := _key(lines[i])) and k[0] == indent]
    mine = [j for j, (_, k) in enumerate(entries) if k == name]
    if mine:
        j = mine[0]
        first = entries[j][0]
        nxt = entries[j + 1][0] if j + 1 < len(entries) else end
        last = max(i for i in children if first <= i < nxt)
        new_lines = render_entry(name, entry, " " * indent) if entry is not None else []
        lines[first:last + 1] = new_lines
    else:
        if entry is None:
            return None
        at = (children[-1] + 1) if children else start + 1
        lines[at:at] = render_entry(name, entry, " " * indent)
    out_block = [i for i in range(start + 1, len(lines)) if _content(lines[i])
                 and lines[i].startswith((" ", "\t"))]
    if not out_block:
        lines[start] = "layers: {}"
    return "\n".join(lines) + "\n"


def catalog_text_with(path: Path, text: str, data: dict[str, Any], name: str,
                      entry: dict[str, Any] | None) -> str:
    """The catalog text with layer ``name`` set to ``entry`` (added, or replaced in place), or removed (None)."""
    want = dict(data)
    layers = dict(want.get("layers") or {})
    if entry is None:
        layers.pop(name, None)
    else:
        layers[name] = entry
    want["layers"] = layers
    edited = _edit_text(text, name, entry)
    if edited is not None:
        try:
            got = load_yaml(edited)
        except yaml.YAMLError:
            got = None
        if isinstance(got, dict) and (got.get("layers") or {}) == layers and \
                {k: v for k, v in got.items() if k != "layers"} == {k: v for k, v in want.items() if k != "layers"}:
            return edited
    return ("# ecotown layer catalog. Paths are relative to this file.\n"
            + yaml.safe_dump(want, allow_unicode=True, sort_keys=False, width=1000))
