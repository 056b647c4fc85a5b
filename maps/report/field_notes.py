"""The annual report's annex of field notes: the inspectors' notes of the assessed year (role ``observations``),
as the maps took them, with the facility or village each was counted for. Words in ``templates/field-notes.yaml``."""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from criteria import Assessment
from layers import observation_kinds
from layers.observations import counting_distance_m
from geo.yamltext import load_yaml

__all__ = ["field_notes_annex"]

_WORDS = Path(__file__).with_name("templates") / "field-notes.yaml"
_PHOTO = ("data:image/jpeg;base64,", "data:image/png;base64,", "data:image/webp;base64,")


@lru_cache(maxsize=1)
def _words() -> dict[str, dict[str, str]]:
    return load_yaml(_WORDS.read_text(encoding="utf-8"))


def _text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)


def field_notes_annex(a: Assessment, lang: str) -> dict[str, Any] | None:
    """The annex (words and one row per note), or None when the catalog has no field notes layer."""
    notes = a.context.get("observations")
    if notes is None:
        return None
    words = _words()[lang]
    kinds = {k["id"]: (k["th"] if lang == "th" else k["en"]) for k in observation_kinds()}
    rows = []
    for _, r in notes.iterrows():
        photo = _text(r.get("photo"))
        acc = r.get("accuracy_m")
        rows.append({"id": _text(r.get("id")), "time": _text(r.get("time")),
                     "kind": kinds.get(_text(r.get("kind")), _text(r.get("kind"))),
                     "subject": _text(r.get("subject_id")), "counted_for": _text(r.get("counted_for")),
                     "accuracy": "" if acc is None or pd.isna(acc) else f"±{float(acc):,.0f} m",
                     "text": _text(r.get("text")), "photo": photo if photo.startswith(_PHOTO) else ""})
    intro = words["intro"].format(n=len(rows), m=f"{counting_distance_m():,.0f}")
    return {"words": words, "intro": intro, "rows": rows, "n": len(rows)}
