"""The pair kernel: facility x community pairs within each facility's query radius, for one chunk of facilities.

Facilities and communities are held in id order (position = rank of the id), so a chunk's pairs sorted by
``(facility position, community position)`` are already in the final order of the exposure matrix and
chunks only need concatenating. Point-to-point pairs (most of them) are found by a bounding-box query of the
STRtree and measured with coordinate arithmetic; pairs involving a polygon or a line use GEOS shortest
lines (``shortest_line``). The same kernel runs serially, on threads or on dask workers, so every
backend gives identical results.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np
import shapely

from .ringspec import RingSpec

__all__ = ["FacilityChunk", "Targets", "chunk_pairs", "bearing_deg", "point_xy", "chunk_bounds", "EDGE_SLACK_M"]

#: the tree is queried this much past the last ring: a pair at 5000.0004 m reports (rounded to the millimetre)
#: as 5000.0 and belongs in the ring
EDGE_SLACK_M = 0.001

MATRIX_DTYPES = {"fi": np.int32, "ci": np.int32, "distance_m": float, "ring_m": np.int64, "bearing_deg": float}


def bearing_deg(dx: np.ndarray, dy: np.ndarray, decimals: int | None = None) -> np.ndarray:
    """Degrees clockwise from grid north, in [0, 360) (after rounding to ``decimals`` when given)."""
    b = np.degrees(np.arctan2(dx, dy))
    b[b < 0] += 360.0
    if decimals is not None:
        b = np.round(b, decimals, out=b)
    b[b >= 360.0] = 0.0
    return b


def point_xy(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y of single non-empty points (NaN for every other geometry) and the mask of such points."""
    geoms = np.asarray(geoms, dtype=object)
    is_pt = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    if is_pt.any():
        x[is_pt] = shapely.get_x(geoms[is_pt])
        y[is_pt] = shapely.get_y(geoms[is_pt])
    return x, y, is_pt


@dataclass
class Targets:
    """The communities (or any layer measured against), in id order, with their STRtree."""

    geom: np.ndarray
    x: np.ndarray
    y: np.ndarray
    pt: np.ndarray
    token: str = ""

    @classmethod
    def of(cls, geoms: np.ndarray) -> Targets:
        geoms = np.asarray(geoms, dtype=object)
        x, y, pt = point_xy(geoms)
        return cls(geoms, x, y, pt, uuid.uuid4().hex)

    def __dask_tokenize__(self) -> str:
        # without this dask would pickle every geometry just to name the task (seconds at national scale)
        return self.token

    def tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.geom)


@dataclass
class FacilityChunk:
    """Consecutive facilities (positions ``offset ..``) with their kind codes."""

    offset: int
    geom: np.ndarray
    kind_code: np.ndarray

    def __len__(self) -> int:
        return len(self.geom)


def _candidates(fc: FacilityChunk, fxy: tuple[np.ndarray, np.ndarray, np.ndarray], t: Targets,
                tree: shapely.STRtree, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (local facility index, community position) whose bounding boxes are within each facility's
    radius; point-to-point pairs are already cut to the radius, the others are cut in :func:`_measure`."""
    fx, fy, fpt = fxy
    out_f, out_c = [], []
    fp = np.flatnonzero(fpt)
    if len(fp):
        r = radius[fp]
        x, y = fx[fp], fy[fp]
        a, ci = tree.query(shapely.box(x - r, y - r, x + r, y + r))
        fi = fp[a]
        if t.pt.all():
            ok = (t.x[ci] - fx[fi]) ** 2 + (t.y[ci] - fy[fi]) ** 2 <= radius[fi] ** 2 * (1 + 1e-12)
        else:
            cpt = t.pt[ci]
            ok = np.ones(len(fi), dtype=bool)
            fq, cq = fi[cpt], ci[cpt]
            ok[cpt] = (t.x[cq] - fx[fq]) ** 2 + (t.y[cq] - fy[fq]) ** 2 <= radius[fq] ** 2 * (1 + 1e-12)
        out_f.append(fi[ok])
        out_c.append(ci[ok])
    fo = np.flatnonzero(~fpt)
    if len(fo):
        # envelopes grown by the radius: a superset, cut exactly once the distances are known
        x0, y0, x1, y1 = shapely.bounds(fc.geom[fo]).T
        r = radius[fo]
        a, ci = tree.query(shapely.box(x0 - r, y0 - r, x1 + r, y1 + r))
        out_f.append(fo[a])
        out_c.append(ci)
    if not out_f:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_f).astype(np.int64), np.concatenate(out_c).astype(np.int64)


def _measure(fc: FacilityChunk, fxy: tuple[np.ndarray, np.ndarray, np.ndarray], t: Targets, fl: np.ndarray,
             ci: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance of each pair, and the vector from the facility's nearest point to the community.

    Point pairs by coordinates; the others by GEOS shortest lines (whose length is the distance). The
    vector joins centroids when the geometries touch or overlap (distance 0).
    """
    dx = t.x[ci] - fxy[0][fl]
    dy = t.y[ci] - fxy[1][fl]
    dist = np.hypot(dx, dy)
    other = np.flatnonzero(np.isnan(dist))
    if len(other):
        fo, co = fc.geom[fl[other]], t.geom[ci[other]]
        coords = shapely.get_coordinates(shapely.shortest_line(fo, co)).reshape(-1, 2, 2)
        ox = coords[:, 1, 0] - coords[:, 0, 0]
        oy = coords[:, 1, 1] - coords[:, 0, 1]
        d = np.hypot(ox, oy)
        touching = np.flatnonzero(d == 0)
        if len(touching):
            a = shapely.get_coordinates(shapely.centroid(fo[touching]))
            b = shapely.get_coordinates(shapely.centroid(co[touching]))
            ox[touching] = b[:, 0] - a[:, 0]
            oy[touching] = b[:, 1] - a[:, 1]
        dist[other], dx[other], dy[other] = d, ox, oy
    return dist, dx, dy


def chunk_pairs(fc: FacilityChunk, t: Targets, tree: shapely.STRtree, spec: RingSpec) -> dict[str, np.ndarray]:
    """Final matrix columns (as positions and numbers) for one chunk of facilities.

    Returns ``fi, ci`` (positions in id order), ``distance_m`` (to the millimetre), ``ring_m`` and
    ``bearing_deg`` (to 0.01 degree), sorted by ``fi`` then ``ci``; pairs beyond the last ring of the
    facility's kind are dropped (membership is decided on the rounded distance).
    """
    fxy = point_xy(fc.geom)
    radius = spec.radius(fc.kind_code) + EDGE_SLACK_M
    fl, ci = _candidates(fc, fxy, t, tree, radius)
    order = np.argsort(fl * len(t.geom) + ci)
    fl, ci = fl[order], ci[order]
    dist, dx, dy = _measure(fc, fxy, t, fl, ci)
    dist = np.round(dist, 3, out=dist)
    kc = fc.kind_code[fl]
    idx, keep = spec.ring_index(kc, dist)
    if not keep.all():
        fl, ci, dist, idx, kc, dx, dy = fl[keep], ci[keep], dist[keep], idx[keep], kc[keep], dx[keep], dy[keep]
    return {
        "fi": (fl + fc.offset).astype(np.int32),
        "ci": ci.astype(np.int32),
        "distance_m": dist,
        "ring_m": spec.ring_value(kc, idx),
        "bearing_deg": bearing_deg(dx, dy, 2),
    }


def chunk_bounds(n: int, size: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, stop)`` ranges of at most ``size`` covering ``0..n``."""
    size = max(1, int(size))
    return [(s, min(s + size, n)) for s in range(0, n, size)]
