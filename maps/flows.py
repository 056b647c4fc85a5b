"""The resource exchanges (``Assessment.exchanges``) as lines on a map, shared by every output that draws them:
the level map (``maps/web/flows.py``), the KML export and the ``flows`` layer of ``results.gpkg`` with its QGIS
style (``maps/exports/``).

A flow runs from the centre of one plant to the centre of another (a mine: its centroid). A flow with a party outside
the town runs between the plant and a point on the town boundary that stands for the party (one point per party,
spread around the boundary, in name order). Lines are in the assessment's metric CRS (EPSG:32647). A flow that
cannot be drawn - a party outside with no boundary layer, or both ends at one place - is left out of the lines
(it still counts in the indicators, which read the table).

How the flows look (colours, widths, the offset that keeps A->B and B->A apart) is in ``flows.yaml`` beside this
module; each output turns the widths into its own units.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

from .style import load_yaml_settings

__all__ = ["FLOWS_PATH", "FLOW_LINE_COLUMNS", "load_flow_style", "outside_parties", "outside_points", "flow_lines",
           "flow_share", "flow_tonnes_max", "offset_line"]

FLOWS_PATH = Path(__file__).resolve().parent / "flows.yaml"

#: the columns of :func:`flow_lines`, before ``geometry``
FLOW_LINE_COLUMNS = ["from_id", "to_id", "from_name", "to_name", "material", "tonnes_per_year", "year",
                     "inside_town", "from_inside", "to_inside", "source", "line"]


@cache
def load_flow_style(path: Path = FLOWS_PATH) -> dict[str, Any]:
    """``flows.yaml``: names, colours, widths, offsets of the flow layer."""
    return load_yaml_settings(path, "flow styles")


def _exchanges(a: Any) -> pd.DataFrame | None:
    ex = getattr(a, "exchanges", None)
    return ex if ex is not None and len(ex) else None


def outside_parties(a: Any) -> list[str]:
    """The names of the parties outside the town that exchange with its plants, sorted."""
    ex = _exchanges(a)
    if ex is None:
        return []
    return sorted({str(n) for n, i in zip(ex["from_name"], ex["from_inside"]) if not i} |
                  {str(n) for n, i in zip(ex["to_name"], ex["to_inside"]) if not i})


def outside_points(a: Any, parties: list[str]) -> dict[str, Point]:
    """For each party outside the town a point on the town boundary (EPSG:32647): where a ray from the town's
    centre crosses the boundary, the parties spread evenly around it in name order."""
    b = a.context.get("boundary")
    if b is None or not len(b):
        return {}
    shape = b.geometry.union_all()
    ring = shape.boundary
    c = shape.centroid
    reach = math.hypot(shape.bounds[2] - shape.bounds[0], shape.bounds[3] - shape.bounds[1])
    out = {}
    for k, p in enumerate(sorted(parties)):
        ang = math.radians(200 + 360 * k / max(len(parties), 1))  # the first to the south-west
        ray = LineString([c, (c.x + reach * math.cos(ang), c.y + reach * math.sin(ang))])
        hit = ray.intersection(ring)
        pts = [g for g in getattr(hit, "geoms", [hit]) if not g.is_empty]
        out[p] = min(pts, key=lambda q: q.distance(c)) if pts else ring.interpolate(ring.project(c))
    return out


def flow_tonnes_max(a: Any) -> float:
    """The tonnes a year of the largest flow (at least 1): the flow drawn widest."""
    ex = _exchanges(a)
    return max(float(ex["tonnes_per_year"].max()), 1.0) if ex is not None else 1.0


def flow_share(tonnes: float, tmax: float) -> float:
    """How wide a flow is drawn, 0 (none) to 1 (the largest): the square root of its share of the largest, so
    that the area of a band of fixed length grows with the tonnes."""
    return math.sqrt(max(float(tonnes), 0.0) / tmax)


def flow_lines(a: Any) -> gpd.GeoDataFrame | None:
    """The drawable flows of ``a`` as a line layer in the facilities' CRS (EPSG:32647), in the order of
    ``a.exchanges``, columns :data:`FLOW_LINE_COLUMNS` and ``geometry``. ``inside_town``: both ends are facilities
    of the town (the flow counts in the town's exchange indicators). None when there is nothing to draw."""
    ex = _exchanges(a)
    if ex is None:
        return None
    fac = a.facilities
    centre = {str(i): g.centroid if g.geom_type != "Point" else g for i, g in fac.geometry.items()}
    at = outside_points(a, outside_parties(a))
    rows, geoms = [], []
    for r in ex.itertuples():
        p0 = centre.get(str(r.from_id)) if r.from_inside else at.get(str(r.from_name))
        p1 = centre.get(str(r.to_id)) if r.to_inside else at.get(str(r.to_name))
        if p0 is None or p1 is None or p0.distance(p1) < 1:
            continue
        rows.append({"from_id": str(r.from_id), "to_id": str(r.to_id), "from_name": str(r.from_name),
                     "to_name": str(r.to_name), "material": str(r.material),
                     "tonnes_per_year": float(r.tonnes_per_year), "year": int(r.year),
                     "inside_town": bool(r.from_inside and r.to_inside), "from_inside": bool(r.from_inside),
                     "to_inside": bool(r.to_inside), "source": str(r.source), "line": str(r.line)})
        geoms.append(LineString([p0, p1]))
    if not rows:
        return None
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=FLOW_LINE_COLUMNS), geometry=geoms, crs=fac.crs)


def offset_line(line: LineString, offset: float) -> LineString:
    """The straight line from its first to its last point moved ``offset`` metres to its right (so A->B and B->A
    are drawn side by side)."""
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    dx, dy = x1 - x0, y1 - y0
    d = math.hypot(dx, dy) or 1.0
    rx, ry = dy / d * offset, -dx / d * offset
    return LineString([(x0 + rx, y0 + ry), (x1 + rx, y1 + ry)])
