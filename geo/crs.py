"""Projecting layers to the metric CRS (WGS 84 / UTM 47N) in which every distance and area is computed, and back to
longitude/latitude for web maps and KML (the one place that conversion is made)."""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as _PyprojCRSError

from .errors import CRSError

__all__ = ["METRIC_CRS", "LONLAT_CRS", "to_metric", "to_lonlat", "xy_to_lonlat", "assert_metric", "utm_epsg_for"]

#: WGS 84 / UTM zone 47N: Takhli and Nong Pho lie at about 100.3 E
METRIC_CRS = "EPSG:32647"
#: WGS 84 longitude/latitude: what Leaflet, GeoJSON and KML take
LONLAT_CRS = "EPSG:4326"


def utm_epsg_for(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 UTM zone containing ``lon, lat`` (326xx north, 327xx south)."""
    zone = int((lon + 180) // 6) + 1
    return (32600 if lat >= 0 else 32700) + zone


def to_metric(gdf: gpd.GeoDataFrame, *, crs: str | int | None = None, target: str = METRIC_CRS) -> gpd.GeoDataFrame:
    """Return ``gdf`` in the metric CRS (EPSG:32647 by default).

    The source CRS is the layer's own, or ``crs`` when the layer has none. Datum shifts are applied with
    the most accurate transformation PROJ knows: for Indian 1975 / UTM 47N (EPSG:24047) that is the EPSG
    "Indian 1975 to WGS 84 (4)" Helmert shift for Thailand (accuracy about 3 m), not a no-op.

    Raises
    ------
    CRSError
        When the layer has no CRS and none is given, or the CRS is unknown.
    """
    src = gdf.crs
    if src is None:
        if crs is None:
            raise CRSError("the layer has no CRS; say which one it is (for example EPSG:4326 for lon/lat, "
                           "EPSG:32647 for UTM 47N, EPSG:24047 for Indian 1975 / UTM 47N)")
        try:
            gdf = gdf.set_crs(crs)
        except _PyprojCRSError as exc:
            raise CRSError(f"unknown CRS {crs!r}: {exc}") from None
    if gdf.crs.equals(CRS.from_user_input(target)):
        return gdf.copy()
    return gdf.to_crs(target)


def to_lonlat(gdf: gpd.GeoDataFrame, tolerance_m: float = 0.0) -> gpd.GeoDataFrame:
    """Return ``gdf`` (in a metric CRS) in WGS 84 longitude/latitude (EPSG:4326).

    With ``tolerance_m``, lines and polygons are simplified first, in metres (topology kept; points are left as
    they are), so that a web map carries fewer vertices.
    """
    g = gdf
    if tolerance_m and len(g) and not (g.geom_type == "Point").all():
        g = g.copy()
        g["geometry"] = g.geometry.simplify(tolerance_m, preserve_topology=True)
    return g.to_crs(LONLAT_CRS)


@lru_cache(maxsize=16)
def _lonlat_transformer(crs_wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_wkt(crs_wkt), LONLAT_CRS, always_xy=True)


def xy_to_lonlat(crs: CRS, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates ``x, y`` in ``crs`` as longitude, latitude arrays (a transformer kept per CRS: checking where
    the features of a nation-scale layer lie converts one point per feature, not the geometries)."""
    return _lonlat_transformer(crs.to_wkt()).transform(x, y)


def assert_metric(gdf: gpd.GeoDataFrame, name: str = "layer") -> None:
    """Raise :class:`CRSError` unless ``gdf`` is in a projected CRS whose unit is the metre."""
    if gdf.crs is None:
        raise CRSError(f"{name} has no CRS; distances need a metric CRS. Convert with geo.to_metric")
    if not gdf.crs.is_projected:
        raise CRSError(f"{name} is in {gdf.crs.to_string()}, a geographic CRS in degrees; distances and areas "
                       f"need a metric CRS. Convert with geo.to_metric (to {METRIC_CRS})")
    unit = gdf.crs.axis_info[0].unit_name if gdf.crs.axis_info else "metre"
    if unit not in ("metre", "meter", "m"):
        raise CRSError(f"{name} is in {gdf.crs.to_string()} whose unit is {unit}; convert with geo.to_metric")
