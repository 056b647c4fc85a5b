"""Wind roses and the downwind weighting of exposure.

A wind rose (for the burning season, say) gives for equal direction sectors how often the wind blows FROM
that direction, as in meteorological practice. A pair whose bearing from the facility to the village is
``b`` is downwind when the wind blows from ``b + 180``: its weight is the frequency of that sector relative
to a uniform rose, ``weight = n_sectors * frequency`` (frequencies normalised to sum 1). A uniform rose
weighs every pair 1; a village that lies downwind of the prevailing wind weighs more than 1, one upwind less.

Files: CSV with columns ``direction,frequency`` (degrees or compass points N, NNE, NE ... NNW), or YAML
``{direction: frequency, ...}`` (or ``{sectors: {...}}``). Directions must be equally spaced sector centres
starting at north (0). Frequencies may be percentages or counts; a ``calm`` row is left out.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from .errors import GeoError
from .yamltext import load_yaml

__all__ = ["WindRose", "load_wind_rose", "wind_rose", "wind_weights", "COMPASS"]

COMPASS = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]


@dataclass(frozen=True)
class WindRose:
    """Equal sectors centred on ``directions`` (degrees, from north, clockwise) and their relative frequency."""

    directions: np.ndarray
    frequency: np.ndarray
    source: str = ""

    @property
    def width(self) -> float:
        return 360.0 / len(self.directions)


def _direction(raw: object, where: str) -> float:
    s = str(raw).strip()
    if s.upper() in COMPASS:
        return COMPASS.index(s.upper()) * 22.5
    try:
        v = float(s)
    except ValueError:
        raise GeoError(f"{where}: direction {s!r} is neither degrees nor a compass point "
                       f"({', '.join(COMPASS)})") from None
    if not 0 <= v < 360:
        raise GeoError(f"{where}: direction {v} is outside 0-360 degrees")
    return v


def wind_rose(sectors: dict[object, float], source: str = "wind rose") -> WindRose:
    """Build and check a rose from ``{direction: frequency}`` (calm entries left out)."""
    items = [(k, v) for k, v in sectors.items() if str(k).strip().lower() != "calm"]
    if len(items) < 2:
        raise GeoError(f"{source}: a wind rose needs at least two direction sectors")
    dirs = np.array([_direction(k, source) for k, _ in items])
    try:
        freq = np.array([float(v) for _, v in items])
    except (TypeError, ValueError):
        raise GeoError(f"{source}: every frequency must be a number") from None
    if (freq < 0).any() or not np.isfinite(freq).all() or freq.sum() <= 0:
        raise GeoError(f"{source}: frequencies must be non-negative numbers with a positive total")
    order = np.argsort(dirs)
    dirs, freq = dirs[order], freq[order]
    expect = np.arange(len(dirs)) * 360.0 / len(dirs)
    if not np.allclose(dirs, expect, atol=1e-6):
        raise GeoError(f"{source}: directions must be {len(dirs)} equally spaced sector centres from north "
                       f"({', '.join(f'{e:g}' for e in expect)}), got {', '.join(f'{d:g}' for d in dirs)}")
    return WindRose(dirs, freq / freq.sum(), source)


def load_wind_rose(path: str | Path) -> WindRose:
    """Read a wind rose from a CSV (``direction,frequency``) or YAML file."""
    p = Path(path)
    if not p.is_file():
        raise GeoError(f"{p}: wind rose file not found")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise GeoError(f"{p}: cannot read the wind rose: {exc}") from None
    if p.suffix.lower() in (".yaml", ".yml"):
        try:
            data = load_yaml(text)
        except yaml.YAMLError as exc:
            raise GeoError(f"{p}: not valid YAML: {exc}") from None
        if isinstance(data, dict) and isinstance(data.get("sectors"), dict):
            data = data["sectors"]
        if not isinstance(data, dict):
            raise GeoError(f"{p}: expected a mapping of direction to frequency")
        return wind_rose(data, str(p))
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or not {"direction", "frequency"} <= set(rows[0]):
        raise GeoError(f"{p}: a wind rose CSV needs the columns direction,frequency")
    sectors: dict[object, float] = {}
    for i, r in enumerate(rows, start=2):
        key = (r["direction"] or "").strip()
        if key in sectors:
            raise GeoError(f"{p}, line {i}: direction {key!r} repeats")
        try:
            sectors[key] = float(r["frequency"])
        except (TypeError, ValueError):
            raise GeoError(f"{p}, line {i}, field 'frequency': {r['frequency']!r} is not a number") from None
    return wind_rose(sectors, str(p))


def wind_weights(bearing_deg: np.ndarray, rose: WindRose) -> np.ndarray:
    """Downwind weight of each pair from its bearing (facility -> village): n_sectors * frequency of the
    wind blowing from the opposite direction."""
    b = np.asarray(bearing_deg, dtype=float)
    upwind = (b + 180.0) % 360.0
    sector = np.floor((upwind + rose.width / 2) / rose.width).astype(np.int64) % len(rose.directions)
    return rose.frequency[sector] * len(rose.directions)
