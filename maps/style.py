"""Map styles read from ``styles.yaml`` beside this module."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import MapsError

__all__ = ["load_styles", "STYLES_PATH", "level_colors"]

STYLES_PATH = Path(__file__).resolve().parent / "styles.yaml"


@lru_cache(maxsize=4)
def load_styles(path: Path = STYLES_PATH) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise MapsError(f"cannot read map styles {path}: {e}") from None
    if not isinstance(data, dict):
        raise MapsError(f"{path}: map styles must be a YAML mapping")
    return data


def level_colors(edition: Any, styles: dict[str, Any] | None = None) -> dict[int, str]:
    """Colour of each level 1-5: the edition's colours, else the styles file's."""
    st = styles or load_styles()
    out = {int(k): v for k, v in st["levels"].items()}
    for lv in getattr(edition, "levels", []) or []:
        if getattr(lv, "color", None):
            out[int(lv.level)] = lv.color
    return out
