"""Field notes (role ``observations``): the notes inspectors take on the HTML maps, read back into the store.

A note file comes from the maps' "export" (``ecotown-notes-<town>-<date>.geojson``: Point features with ``kind``,
``text``, ``time``, ``subject_id``, ``accuracy_m`` and maybe ``photo``). Several inspectors and several days give
several files: ``ecotown layers add notes.geojson --role observations --append`` adds them to the stored layer,
and a note is the same note when its time, position (to 0.1 m in UTM 47N) and text are: it is kept once. Each
note's id is made from those three, so the same note has the same id in every file and every year.

The kinds are data: :data:`KINDS_FILE` (``observation_kinds.yaml``) holds the words the maps show and the
vocabulary ``roles.yaml`` reads ``kind`` through.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import geopandas as gpd
from geo.yamltext import load_yaml
import pandas as pd
import pyogrio

from .errors import LayerValidationError, Problem

__all__ = [
    "KINDS_FILE",
    "ROLE",
    "append_observations",
    "in_year",
    "note_time",
    "observation_kinds",
    "prepare_observations",
]

ROLE = "observations"
KINDS_FILE = "observation_kinds.yaml"


@lru_cache(maxsize=1)
def observation_kinds() -> tuple[dict[str, str], ...]:
    """The note kinds in order: ``{"id", "en", "th"}`` each (``observation_kinds.yaml``, section ``labels``)."""
    data = load_yaml((files(__package__) / KINDS_FILE).read_text(encoding="utf-8"))
    return tuple({"id": str(k), "en": str(v["en"]), "th": str(v["th"])} for k, v in data["labels"].items())


def note_time(value: object) -> _dt.datetime | None:
    """The time of a note (ISO 8601; an offset is required, so that a note means one moment), or None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        t = _dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return t if t.tzinfo is not None else None


def _key(gdf: gpd.GeoDataFrame) -> pd.Series:
    """What makes a note the same note: its time, its position (0.1 m) and its text."""
    x = gdf.geometry.x.round(1).map("{:.1f}".format)
    y = gdf.geometry.y.round(1).map("{:.1f}".format)
    times = gdf["time"].map(lambda v: note_time(v).isoformat() if note_time(v) else str(v))
    text = gdf["text"].fillna("").astype(str)
    return times + "|" + x + "|" + y + "|" + text


def _ids(keys: pd.Series) -> list[str]:
    return ["N" + hashlib.sha256(k.encode("utf-8")).hexdigest()[:12] for k in keys]


def prepare_observations(gdf: gpd.GeoDataFrame, *, layer: str, source: str) -> tuple[gpd.GeoDataFrame, int]:
    """``gdf`` (a checked observations layer) with every time checked, ids from the note itself and each note
    once; and how many repeated notes were dropped. Raises :class:`LayerValidationError` naming the feature and
    the field of each time that is missing or has no offset."""
    problems = []
    for fid, t in zip(gdf["id"].astype(str), gdf["time"]):
        if note_time(t) is None:
            problems.append(Problem(layer=layer, source=source, feature=fid, field="time", message=(
                f"time {t!r} is not an ISO 8601 time with an offset (e.g. 2026-02-03T09:15:00+07:00)")))
    if problems:
        raise LayerValidationError(layer, problems)
    out = gdf.copy()
    out["time"] = [note_time(t).isoformat() for t in gdf["time"]]  # text, as written: a GeoJSON reader may
    keys = _key(out)                                                # have made it a datetime
    out["id"] = _ids(keys)
    keep = ~out["id"].duplicated()
    out = out[keep.to_numpy()]
    return out.sort_values(["time", "id"], kind="stable").reset_index(drop=True), int((~keep).sum())


def append_observations(store: Path, name: str, new: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int, int]:
    """The stored layer ``name`` with the notes of ``new`` added (a note already stored is not added again);
    and how many were added and how many were already there."""
    old = pyogrio.read_dataframe(store, layer=name)
    if old.crs is not None and new.crs is not None and old.crs != new.crs:
        old = old.to_crs(new.crs)
    have = set(old["id"].astype(str))
    fresh = new[~new["id"].astype(str).isin(have)]
    both = pd.concat([old[[c for c in new.columns if c in old.columns]], fresh], ignore_index=True)
    merged = gpd.GeoDataFrame(both, geometry="geometry", crs=new.crs)
    merged = merged.sort_values(["time", "id"], kind="stable").reset_index(drop=True)
    return merged, len(fresh), len(new) - len(fresh)


def in_year(gdf: gpd.GeoDataFrame, year: int) -> gpd.GeoDataFrame:
    """The notes taken in ``year`` (their own time, at their own offset)."""
    if gdf is None or not len(gdf):
        return gdf
    years = gdf["time"].map(lambda v: note_time(v).year if note_time(v) else None)
    return gdf[(years == year).to_numpy()]


def counting_distance_m() -> float:
    """A note without a subject id counts for the nearest facility or village within this distance (metres;
    ``counted_within_m`` of ``observation_kinds.yaml``)."""
    data = load_yaml((files(__package__) / KINDS_FILE).read_text(encoding="utf-8"))
    return float(data.get("counted_within_m", 1000))
