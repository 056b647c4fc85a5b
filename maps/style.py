"""What every output of the maps package shares: the styles of ``styles.yaml`` beside this module, the level
colours, how a level is named, and reading a settings file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from geo.yamltext import load_yaml

from .errors import MapsError

__all__ = ["load_styles", "load_yaml_settings", "STYLES_PATH", "level_colors", "level_label"]

STYLES_PATH = Path(__file__).resolve().parent / "styles.yaml"


def load_yaml_settings(path: Path, what: str, *, required: str | None = None,
                       error: type[MapsError] = MapsError) -> dict[str, Any]:
    """A settings file of the maps package (styles, KML, QGIS) as a mapping; a plain error naming it otherwise.

    ``required`` names a key that must hold a mapping.
    """
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise error(f"cannot read {what} {path}: {e}") from None
    if not isinstance(data, dict):
        raise error(f"{path}: {what} must be a YAML mapping")
    if required and not isinstance(data.get(required), dict):
        raise error(f"{path}: {what} must be a mapping with a '{required}' mapping")
    return data


@lru_cache(maxsize=4)
def load_styles(path: Path = STYLES_PATH) -> dict[str, Any]:
    return load_yaml_settings(path, "map styles")


def level_colors(edition: Any, styles: dict[str, Any] | None = None) -> dict[int, str]:
    """Colour of each level 1-5: the edition's colours, else the styles file's."""
    st = styles or load_styles()
    out = {int(k): v for k, v in st["levels"].items()}
    for lv in getattr(edition, "levels", []) or []:
        if getattr(lv, "color", None):
            out[int(lv.level)] = lv.color
    return out


def _name(v: Any) -> str:
    return "" if v is None or v != v else str(v).strip()  # v != v: NaN, a level name missing from a table


def level_label(level: int, name_th: Any = "", name_en: Any = "", *, lang: str = "th", head: bool = False) -> str:
    """How every output names a level (maps, report, KML, figures, the CLI).

    ``lang='th'``: the Thai name, which the edition writes with its level ("ระดับที่ 3 ..."); "ระดับ 3 <name>"
    when the name does not say it. ``'en'``: "level 3 Efficiency". ``'both'``: "level 3 Efficiency / ระดับที่ 3 ...".
    ``head``: the label starts a line or a badge ("Level 3 ...").
    """
    th, en = _name(name_th), _name(name_en)
    th = th if th.startswith("ระดับ") else f"ระดับ {int(level)} {th}".strip()
    word = "Level" if head else "level"
    if lang == "th":
        return th
    if lang == "en":
        return f"{word} {int(level)} {en}".strip()
    if lang == "both":
        return f"{word} {int(level)} {en}".strip() + f" / {th}"
    raise ValueError(f"level_label: lang must be 'th', 'en' or 'both', not {lang!r}")
