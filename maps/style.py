"""Map styles read from ``styles.yaml`` beside this module."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import MapsError

__all__ = ["load_styles", "load_yaml_settings", "STYLES_PATH", "level_colors"]

STYLES_PATH = Path(__file__).resolve().parent / "styles.yaml"


def load_yaml_settings(path: Path, what: str, *, required: str | None = None,
                       error: type[MapsError] = MapsError) -> dict[str, Any]:
    """A settings file of the maps package (styles, KML, QGIS) as a mapping; a plain error naming it otherwise.

    ``required`` names a key that must hold a mapping.
    """
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
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
