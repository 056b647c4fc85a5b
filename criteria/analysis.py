"""The spatial steps of an assessment: what the town covers, distances to communities, green land, zoning.

Each step is one function over the layers read and the run's :class:`geo.RingDistances`; ``run_assessment``
calls them in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

import geo
from layers import Catalog, read_raster_spec

from .errors import CriteriaError
from .measures import BURDEN_RADIUS_M, GREEN_MEASURE, ring_column
from .scope import Scope, community_scope, town_facilities

__all__ = ["Inputs", "Exposure", "Green", "measure_exposure", "green_shares",
           "industrial_zone_share", "ring_bands"]

#: segments per quarter circle of the discs the green share is read over
GREEN_QUAD_SEGS = 32


@dataclass
class Inputs:
    """The layers one run read (EPSG:32647), and what reading each found out (``facts`` by layer name:
    ``source_crs``, ``sha256``, ``features``)."""

    boundary: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    context: dict[str, gpd.GeoDataFrame]
    facts: dict[str, dict]


@dataclass
class Exposure:
    """What the town covers and the distances measured in it."""

    facilities: gpd.GeoDataFrame  # the town's facilities
    communities: gpd.GeoDataFrame  # communities inside the boundary or within a town facility's rings
    scope: Scope
    matrix: pd.DataFrame  # facility x community pairs within the shown rings (the exposure table)
    facility_table: pd.DataFrame  # pop_within_<d>, ... per facility, at every measured distance
    community_table: pd.DataFrame  # fac_within_<d>, ... per community

    @property
    def population_method(self) -> str:
        return str(self.facility_table.attrs.get("population_method", "point"))


@dataclass
class Green:
    """Green land around each facility (a column per distance) and over the town, and how it was read."""

    columns: dict[str, pd.Series]
    town: float
    method: str
    landcover: dict[str, Any]


def measure_exposure(inputs: Inputs, rings: geo.RingDistances, *, where: str = "",
                     parallel: dict | None = None) -> Exposure:
    """Cut the layers down to the town and measure distances from its facilities to its communities.

    The town's facilities stand inside the boundary; its communities are inside the boundary, or outside within
    the farthest measured distance (:attr:`geo.RingDistances.reach_m`: the largest ring, or a farther distance
    the edition reads) of a town facility, at nominal distances (so a sensitivity run covers the same villages).
    The summaries hold every measured distance (the shown rings and the edition's), columns named by the nominal
    distances; the exposure table bands pairs by the shown rings. ``parallel`` (``workers``, ``scheduler``: a dask
    client) goes to :func:`geo.exposure_matrix`.
    """
    facilities, outside = town_facilities(inputs.facilities, inputs.boundary)
    if not len(facilities):
        raise CriteriaError(
            f"{where}none of the {len(inputs.facilities)} factories and mines stands inside the town boundary; "
            "check that the boundary and the facility layers are of the same place")
    measured, shown, nominal = rings.measure_arg(), rings.shown_arg(), rings.measure_arg(nominal=True)

    def pairs(distances: list[int] | dict[str, list[int]]) -> pd.DataFrame:
        return geo.exposure_matrix(facilities, inputs.communities, distances, **(parallel or {}))

    matrix = pairs(measured)
    reach = matrix if measured == nominal else pairs(nominal)
    communities, scope = community_scope(inputs.communities, inputs.boundary, reach["community_id"].unique(),
                                         rings.reach_m)
    scope.facilities_outside = outside

    def in_scope(m: pd.DataFrame) -> pd.DataFrame:
        return m[m["community_id"].isin(communities.index)].reset_index(drop=True)

    matrix = in_scope(matrix)
    com_x = geo.community_exposure(matrix, communities, measured, facilities=facilities, ring_names=rings.names,
                                   burden_radius_m=BURDEN_RADIUS_M)
    fac_x = geo.facility_exposure(matrix, communities, measured, facilities=facilities,
                                  receptors=inputs.context.get("receptors"), ring_names=rings.names)
    shown_pairs = matrix if measured == shown else in_scope(pairs(shown))
    return Exposure(facilities, communities, scope, shown_pairs, fac_x, com_x)


def green_shares(catalog: Catalog, facilities: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame,
                 context: dict[str, gpd.GeoDataFrame], rings: geo.RingDistances,
                 distances: tuple[int, ...] = (), facts: dict[str, dict] | None = None) -> Green:
    """Green share within the green distance (and each of ``distances``, nominal metres) of each facility and
    over the town, from the land-cover raster (its green classes) or else from green-area polygons. What reading
    the raster found out (its CRS, sha256) goes into ``facts``."""
    names = sorted({rings.green_m, *distances})
    cols = [ring_column(GREEN_MEASURE, d) for d in names]
    lc = catalog.one("landcover", required=False)
    if lc is not None:
        far = max(rings.actual(d) for d in names)
        x0, y0, x1, y1 = boundary.total_bounds
        fx0, fy0, fx1, fy1 = facilities.total_bounds
        info = read_raster_spec(lc, must_cover=(min(x0, fx0) - far, min(y0, fy0) - far,
                                                max(x1, fx1) + far, max(y1, fy1) + far))
        classes = lc.green_classes
        per = {c: geo.green_buffer_share(lc.source, facilities, rings.actual(d), classes,
                                         quad_segs=GREEN_QUAD_SEGS).reindex(facilities.index)
               for c, d in zip(cols, names)}
        town = geo.zonal_class_shares(lc.source, boundary[["geometry"]], classes)
        meta = {"layer": lc.name, "source": str(lc.source), "sha256": info.sha256, "green_classes": classes,
                "pad_m": max(rings.shown)}
        if facts is not None:
            facts[lc.name] = {"layer": lc.name, "sha256": info.sha256, "source_crs": info.crs}
        return Green(per, float(town.iloc[0]), f"land cover raster '{lc.name}' (classes {classes})", meta)
    green = context.get("green")
    if green is not None and len(green):
        per = {c: geo.area_share(gpd.GeoDataFrame(geometry=facilities.geometry.buffer(rings.actual(d), GREEN_QUAD_SEGS),
                                                  crs=facilities.crs, index=facilities.index), green)
               for c, d in zip(cols, names)}
        town = geo.area_share(boundary[["geometry"]], green)
        return Green(per, float(town.iloc[0]), "green-area polygons", {})
    nan = pd.Series(np.nan, index=facilities.index)
    return Green({c: nan for c in cols}, float("nan"), "none (no land cover or green layer)", {})


def industrial_zone_share(facilities: gpd.GeoDataFrame, context: dict[str, gpd.GeoDataFrame]
                          ) -> tuple[float, pd.Series]:
    """Share of the town's factories inside a land-use zone meant for industry, and each factory's yes/no
    (NA for mines, and for everything without a land-use layer)."""
    landuse = context.get("landuse")
    is_factory = facilities["kind"] == "factory"
    if landuse is None or not len(landuse) or not is_factory.any():
        return float("nan"), pd.Series(pd.NA, index=facilities.index, dtype="boolean")
    zone = geo.in_zone(facilities, landuse, zone_col="zone", values=("industrial",))
    inside = zone["in_zone"].reindex(facilities.index).astype("boolean")
    inside[~is_factory] = pd.NA
    return float(inside[is_factory].astype(bool).mean()), inside


def ring_bands(facilities: gpd.GeoDataFrame, rings: geo.RingDistances) -> gpd.GeoDataFrame:
    """Ring bands (donuts) at the shown rings of each facility's kind, sorted by facility and distance."""
    if not rings.per_kind:
        return geo.ring_buffers(facilities, rings.shown_arg())
    parts = [geo.ring_buffers(group, rings.shown_bands(str(kind)))
             for kind, group in facilities.groupby("kind", sort=True)]
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["facility_id", "ring_m"], kind="stable").reset_index(drop=True)
