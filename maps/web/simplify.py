"""The size budget of the HTML maps: which simplifications a map of a given size needs, and a record of them.

The thresholds are data, in ``styles.yaml`` (``budget``). A :class:`Plan` is decided from the counts of features
before the map is built; every simplification it switches on is described in plain words (shown in the map's
legend and attached to the map as ``m.ecotown_simplified``).

By feature count: points and rings drawn on a canvas, only the smallest ring shown at first, coordinates rounded
and outlines simplified, indicator tables left out. By size, after the data is built: when it would still exceed
``payload_share`` of ``max_bytes``, the level map leaves the indicator tables out and the buffer map keeps only the
nearest ``exposure_rows_per_facility`` villages of each facility for its lines and village tables. (All maps send
subjects as columnar tables with integer-coded repeated strings and build popups only when opened; that is how
the data is always written, not a simplification.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import MapsError
from ..style import load_styles

__all__ = ["Plan", "make_plan"]


@dataclass
class Plan:
    """How one map is drawn: renderer, coordinate precision, simplification and pruning."""

    points: int
    subjects: int
    canvas_points: bool = False
    canvas_rings: bool = False
    decimals: int = 6
    tolerance_m: float = 2.0
    prune_tables: bool = False
    rings_hidden: bool = False
    rings_all_hidden: bool = False
    village_popup_rows: int = 30
    exposure_rows: int = 10
    exposure_limited: bool = False
    max_bytes: int = 10_000_000
    payload_share: float = 0.92
    notes: list[str] = field(default_factory=list)

    def prune(self, reason: str) -> None:
        """Drop the indicator tables from popups (level and gap stay)."""
        if not self.prune_tables:
            self.prune_tables = True
            self.notes.append(f"indicator tables left out of popups ({reason}); level and gap kept - "
                              "see indicators.csv / ตารางตัวชี้วัดอยู่ใน indicators.csv")

    def limit_exposure(self, reason: str) -> None:
        """Buffer map: keep only the ``exposure_rows`` nearest villages of each facility (lines, village tables)."""
        if not self.exposure_limited:
            self.exposure_limited = True
            self.notes.append(f"lines and village tables keep the {self.exposure_rows:,} nearest villages of each "
                              f"facility ({reason}); counts stay complete - see exposure.csv / "
                              f"แสดงเส้นเฉพาะ {self.exposure_rows:,} หมู่บ้านที่ใกล้ที่สุด")

    def as_dict(self) -> dict[str, Any]:
        return {"points": self.points, "subjects": self.subjects, "canvas_points": self.canvas_points,
                "canvas_rings": self.canvas_rings, "outer_rings_hidden": self.rings_hidden,
                "all_rings_hidden": self.rings_all_hidden, "coordinate_decimals": self.decimals,
                "simplify_tolerance_m": self.tolerance_m, "indicator_tables_pruned": self.prune_tables,
                "village_popup_rows": self.village_popup_rows,
                "exposure_rows_per_facility": self.exposure_rows if self.exposure_limited else None,
                "notes": list(self.notes)}


def _budget(styles: dict[str, Any]) -> dict[str, Any]:
    b = styles.get("budget")
    need = ("max_bytes", "canvas_points_above", "canvas_rings_above", "coarse_coords_above", "simplify_m",
            "simplify_large_m", "village_popup_rows", "prune_tables_above", "payload_share", "rings_hidden_above",
            "exposure_rows_per_facility", "rings_all_hidden_above")
    if not isinstance(b, dict) or any(k not in b for k in need):
        raise MapsError(f"styles.yaml: 'budget' must give {', '.join(need)}")
    return b


def make_plan(*, points: int, subjects: int, rings: int = 0, ring_facilities: int = 0,
              styles: dict[str, Any] | None = None) -> Plan:
    """The plan for a map with ``points`` point features, ``subjects`` assessed subjects and ``rings`` ring shapes
    around ``ring_facilities`` facilities."""
    b = _budget(styles or load_styles())
    p = Plan(points=points, subjects=subjects, tolerance_m=float(b["simplify_m"]),
             village_popup_rows=int(b["village_popup_rows"]), max_bytes=int(b["max_bytes"]),
             exposure_rows=int(b["exposure_rows_per_facility"]),
             payload_share=float(b["payload_share"]))
    if points > b["canvas_points_above"]:
        p.canvas_points = True
        p.notes.append(f"{points:,} points drawn on a canvas (more than {b['canvas_points_above']:,}) "
                       "/ วาดจุดบนแคนวาส")
    if rings > b["canvas_rings_above"]:
        p.canvas_rings = True
        p.notes.append(f"{rings:,} rings drawn on a canvas (more than {b['canvas_rings_above']:,})")
    if ring_facilities > b["rings_all_hidden_above"]:
        p.rings_hidden = p.rings_all_hidden = True
        p.notes.append(f"rings are drawn when ticked in the layer list ({ring_facilities:,} facilities, more than "
                       f"{b['rings_all_hidden_above']:,}) / เลือกรัศมีในรายการชั้นข้อมูลเพื่อแสดง")
    elif ring_facilities > b["rings_hidden_above"]:
        p.rings_hidden = True
        p.notes.append(f"only the smallest ring is shown at first ({ring_facilities:,} facilities, more than "
                       f"{b['rings_hidden_above']:,}); tick the others in the layer list / เลือกรัศมีอื่นได้")
    if points + subjects > b["coarse_coords_above"]:
        p.decimals = 5
        p.tolerance_m = float(b["simplify_large_m"])
        p.notes.append(f"coordinates rounded to about 1 m and outlines simplified to {p.tolerance_m:g} m "
                       f"(more than {b['coarse_coords_above']:,} features) / ลดรายละเอียดเส้นขอบ")
    if subjects > b["prune_tables_above"]:
        p.prune(f"more than {b['prune_tables_above']:,} subjects")
    return p
