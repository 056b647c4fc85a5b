"""Repairing invalid geometries with ``make_valid`` and saying, feature by feature, how much area changed."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from geo import METRIC_CRS

__all__ = ["Repair", "repair_geometries"]


@dataclass(frozen=True)
class Repair:
    """One repaired feature: why it was invalid and its area (m², EPSG:32647) before and after."""

    feature: str
    reason: str
    area_before_m2: float
    area_after_m2: float

    def __str__(self) -> str:
        if self.area_before_m2 == 0 and self.area_after_m2 == 0:
            change = "no area"
        else:
            pct = ((self.area_after_m2 - self.area_before_m2) / self.area_before_m2 * 100
                   if self.area_before_m2 else float("inf"))
            change = f"area {self.area_before_m2:,.1f} m² -> {self.area_after_m2:,.1f} m² ({pct:+.1f}%)"
        return f"feature {self.feature}: repaired ({self.reason}); {change}"


def _polygonal(g):
    """Keep the polygon parts of what make_valid returned for a polygon (it may add stray lines or points)."""
    if g is None or g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in getattr(g, "geoms", []) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return g
    return shapely.union_all(parts)


def repair_geometries(gdf: gpd.GeoDataFrame, ids: list[str]) -> tuple[gpd.GeoDataFrame, list[Repair]]:
    """Return ``gdf`` with invalid geometries made valid, and one :class:`Repair` per repaired feature.

    ``ids`` names the features (in order). Areas are measured in EPSG:32647 whatever the layer's CRS.
    """
    arr = np.asarray(gdf.geometry.array, dtype=object)
    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    bad = np.flatnonzero(present & ~shapely.is_valid(arr))
    if len(bad) == 0:
        return gdf, []
    reasons = [shapely.is_valid_reason(arr[i]) for i in bad]
    fixed = shapely.make_valid(arr[bad], method="structure")
    fixed = np.array([_polygonal(g) if arr[i].geom_type in ("Polygon", "MultiPolygon") else g
                      for i, g in zip(bad, fixed)], dtype=object)
    if gdf.crs is not None:
        before = gpd.GeoSeries(arr[bad], crs=gdf.crs).to_crs(METRIC_CRS).area.to_numpy()
        after = gpd.GeoSeries(fixed, crs=gdf.crs).to_crs(METRIC_CRS).area.to_numpy()
    else:
        before, after = shapely.area(arr[bad]), shapely.area(fixed)
    new = arr.copy()
    new[bad] = fixed
    out = gdf.set_geometry(gpd.GeoSeries(new, index=gdf.index, crs=gdf.crs))
    reps = [Repair(feature=ids[i], reason=r, area_before_m2=float(b), area_after_m2=float(a))
            for i, r, b, a in zip(bad, reasons, before, after)]
    return out, reps
