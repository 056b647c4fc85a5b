"""The pair kernel: facility x community pairs within each facility's query radius, for one chunk of facilities.

Facilities and communities are held in id order (position = rank of the id), so a chunk's pairs sorted by
``(facility position, community position)`` are already in the final order of the exposure matrix and
chunks only need concatenating. Pairs of a point or polygon facility with a point community (nearly all of
them) are found and measured by the grid kernel of :mod:`geo.kernels` (numpy, whole arrays at a time); any other pair (a line
facility, a village polygon) by an STRtree query and GEOS shortest lines (``shortest_line``). The same
kernel runs serially, on threads or on dask workers, so every backend gives identical results.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np
import shapely

from .kernels import KIND_POINT, KIND_POLYGON, KIND_SKIP, FacilityArrays, PointGrid, grid_pairs, point_grid
from .ringspec import RingSpec

__all__ = ["FacilityChunk", "Targets", "TargetIndex", "chunk_pairs", "facility_arrays", "compiled_mask",
           "measurable", "bearing_deg", "point_xy", "chunk_bounds", "EDGE_SLACK_M"]

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
    """x, y of single non-empty points with finite coordinates (NaN for every other geometry) and the mask of
    such points."""
    geoms = np.asarray(geoms, dtype=object)
    is_pt = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    if is_pt.any():
        x[is_pt] = shapely.get_x(geoms[is_pt])
        y[is_pt] = shapely.get_y(geoms[is_pt])
        is_pt &= np.isfinite(x) & np.isfinite(y)
        x[~is_pt], y[~is_pt] = np.nan, np.nan
    return x, y, is_pt


def measurable(geoms: np.ndarray) -> np.ndarray:
    """Geometries with something to measure: not empty, and finite bounds (a point at NaN has none; nothing is
    near it)."""
    return ~shapely.is_empty(geoms) & np.isfinite(shapely.bounds(geoms)).all(axis=1)


@dataclass
class Targets:
    """The communities (or any layer measured against), in id order, with their search structures."""

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

    def index(self, radius_m: float) -> TargetIndex:
        """The grid over the points (cells sized for ``radius_m``) and, built on first use, an STRtree."""
        return TargetIndex(self, point_grid(self.x, self.y, self.pt, radius_m))


class TargetIndex:
    """A :class:`~geo.kernels.PointGrid` of the target points, and an STRtree of all targets built lazily
    (only pairs the grid kernel does not measure need it)."""

    def __init__(self, targets: Targets, grid: PointGrid) -> None:
        self.targets = targets
        self.grid = grid
        self._tree: shapely.STRtree | None = None
        self._other: tuple[shapely.STRtree, np.ndarray] | None = None
        #: positions of the targets that are neither points nor empty (village polygons): GEOS measures them
        self.other_pos = np.flatnonzero(~targets.pt & measurable(targets.geom))
        self.has_other = bool(len(self.other_pos))

    @property
    def tree(self) -> shapely.STRtree:
        """An STRtree of every target (item i is target i)."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.targets.geom)
        return self._tree

    @property
    def other_tree(self) -> tuple[shapely.STRtree, np.ndarray]:
        """An STRtree of the targets that are not points, and the target position of each of its items."""
        if self._other is None:
            self._other = (shapely.STRtree(self.targets.geom[self.other_pos]), self.other_pos)
        return self._other


@dataclass
class FacilityChunk:
    """Consecutive facilities (positions ``offset ..``) with their kind codes."""

    offset: int
    geom: np.ndarray
    kind_code: np.ndarray

    def __len__(self) -> int:
        return len(self.geom)


def _candidates(fc: FacilityChunk, tree: shapely.STRtree, tree_pos: np.ndarray, radius: np.ndarray,
                sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (local facility index, target position) of the facilities ``sel`` whose envelopes, grown by each
    facility's radius, meet a target's envelope in ``tree`` (whose item ``i`` is target ``tree_pos[i]``): a
    superset, cut exactly once the distances are known."""
    if not len(sel):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    x0, y0, x1, y1 = shapely.bounds(fc.geom[sel]).T
    r = radius[sel]
    a, ti = tree.query(shapely.box(x0 - r, y0 - r, x1 + r, y1 + r))
    return sel[a].astype(np.int64), tree_pos[ti].astype(np.int64)


def _measure(fc: FacilityChunk, t: Targets, fl: np.ndarray, ci: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance of each pair, and the vector from the facility's nearest point to the community, from GEOS
    shortest lines (whose length is the distance). The vector joins centroids when the geometries touch or
    overlap (distance 0)."""
    fo, co = fc.geom[fl], t.geom[ci]
    coords = shapely.get_coordinates(shapely.shortest_line(fo, co)).reshape(-1, 2, 2)
    dx = coords[:, 1, 0] - coords[:, 0, 0]
    dy = coords[:, 1, 1] - coords[:, 0, 1]
    dist = np.hypot(dx, dy)
    touching = np.flatnonzero(dist == 0)
    if len(touching):
        a = shapely.get_coordinates(shapely.centroid(fo[touching]))
        b = shapely.get_coordinates(shapely.centroid(co[touching]))
        dx[touching] = b[:, 0] - a[:, 0]
        dy[touching] = b[:, 1] - a[:, 1]
    return dist, dx, dy


def _geos_pairs(fc: FacilityChunk, t: Targets, spec: RingSpec, sel: np.ndarray, tree: shapely.STRtree,
                tree_pos: np.ndarray, bearing: bool = True) -> dict[str, np.ndarray]:
    """Pairs of the facilities ``sel`` with the targets of ``tree``, measured with GEOS (in no set order)."""
    radius = spec.radius(fc.kind_code) + EDGE_SLACK_M
    fl, ci = _candidates(fc, tree, tree_pos, radius, sel)
    dist, dx, dy = _measure(fc, t, fl, ci)
    dist = np.round(dist, 3, out=dist)
    kc = fc.kind_code[fl]
    idx, keep = spec.ring_index(kc, dist)
    if not keep.all():
        fl, ci, dist, idx, kc, dx, dy = fl[keep], ci[keep], dist[keep], idx[keep], kc[keep], dx[keep], dy[keep]
    out = {"fl": fl, "ci": ci, "distance_m": dist, "ring_m": spec.ring_value(kc, idx)}
    if bearing:
        out["bearing_deg"] = bearing_deg(dx, dy, 2)
    return out


def compiled_mask(geoms: np.ndarray, fxy: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Facilities the grid kernel measures: points with finite coordinates and measurable (multi)polygons.
    Anything else (lines, collections) goes through GEOS; empty geometries have no pairs."""
    pt = (fxy or point_xy(geoms))[2]
    return pt | (np.isin(shapely.get_type_id(geoms), (3, 6)) & measurable(geoms))


def facility_arrays(fc: FacilityChunk, fxy: tuple[np.ndarray, np.ndarray, np.ndarray],
                    spec: RingSpec, compiled: np.ndarray | None = None) -> FacilityArrays:
    """The chunk's points and (multi)polygons as coordinate arrays for :func:`geo.kernels.grid_pairs`; other
    geometry types (lines, collections) and empty geometries are marked KIND_SKIP. ``compiled``: the
    :func:`compiled_mask` of the chunk, when the caller has it."""
    geom = fc.geom
    n = len(geom)
    fx, fy, fpt = fxy
    poly = (compiled_mask(geom, fxy) if compiled is None else compiled) & ~fpt
    kind = np.full(n, KIND_SKIP, dtype=np.int64)
    kind[fpt] = KIND_POINT
    kind[poly] = KIND_POLYGON
    bounds = np.full((n, 4), np.nan)
    cx, cy = np.full(n, np.nan), np.full(n, np.nan)
    ring_start = np.zeros(n + 1, dtype=np.int64)
    coord_start = np.zeros(1, dtype=np.int64)
    xs = ys = np.zeros(0)
    pi = np.flatnonzero(poly)
    if len(pi):
        bounds[pi] = shapely.bounds(geom[pi])
        cen = shapely.centroid(geom[pi])
        cx[pi], cy[pi] = shapely.get_x(cen), shapely.get_y(cen)
        parts, part_of = shapely.get_parts(geom[pi], return_index=True)
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        coords, coord_of = shapely.get_coordinates(rings, return_index=True)
        np.cumsum(np.bincount(pi[part_of[ring_of]], minlength=n), out=ring_start[1:])
        coord_start = np.zeros(len(rings) + 1, dtype=np.int64)
        np.cumsum(np.bincount(coord_of, minlength=len(rings)), out=coord_start[1:])
        xs, ys = np.ascontiguousarray(coords[:, 0]), np.ascontiguousarray(coords[:, 1])
    return FacilityArrays(kind, np.nan_to_num(fx), np.nan_to_num(fy), bounds[:, 0].copy(), bounds[:, 1].copy(),
                          bounds[:, 2].copy(), bounds[:, 3].copy(), cx, cy, ring_start, coord_start, xs, ys,
                          spec.radius(fc.kind_code).astype(float), fc.kind_code.astype(np.int64))


def chunk_pairs(fc: FacilityChunk, t: Targets, index: TargetIndex, spec: RingSpec, *,
                threads: int = 1, bearing: bool = True) -> dict[str, np.ndarray]:
    """Final matrix columns (as positions and numbers) for one chunk of facilities.

    Returns ``fi, ci`` (positions in id order), ``distance_m`` (to the millimetre), ``ring_m`` and, with
    ``bearing``, ``bearing_deg`` (to 0.01 degree), sorted by ``fi`` then ``ci``; pairs beyond the last ring of
    the facility's kind are dropped (membership is decided on the rounded distance). Point and polygon
    facilities against point targets go through the grid kernel (on ``threads`` threads); every other
    pair through GEOS.
    """
    fxy = point_xy(fc.geom)
    meas = measurable(fc.geom)
    compiled = fxy[2] | (np.isin(shapely.get_type_id(fc.geom), (3, 6)) & meas)  # compiled_mask, sharing meas
    fa = facility_arrays(fc, fxy, spec, compiled)
    parts = [grid_pairs(index.grid, fa, spec.table, spec.count, threads=threads, bearing=bearing)]
    others = np.flatnonzero(meas & ~compiled)
    if len(others):  # lines and the like, against every target
        parts.append(_geos_pairs(fc, t, spec, others, index.tree, np.arange(len(t.geom)), bearing))
    if index.has_other and compiled.any():  # kernel facilities against the targets that are not points
        parts.append(_geos_pairs(fc, t, spec, np.flatnonzero(compiled), *index.other_tree, bearing))
    res = parts[0]
    if sum(len(p["fl"]) for p in parts[1:]):
        order = np.argsort(np.concatenate([p["fl"] for p in parts]) * len(t.geom)
                           + np.concatenate([p["ci"] for p in parts]))
        res = {k: np.concatenate([p[k] for p in parts])[order] for k in res}
    fi = res["fl"].astype(np.int32, copy=False)  # copies only what must change (tens of MB at region scale)
    out = {
        "fi": fi + np.int32(fc.offset) if fc.offset else fi,
        "ci": res["ci"].astype(np.int32, copy=False),
        "distance_m": res["distance_m"],
        "ring_m": res["ring_m"].astype(np.int64, copy=False),
    }
    if bearing:
        out["bearing_deg"] = res["bearing_deg"]
    return out


def chunk_bounds(n: int, size: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, stop)`` ranges of at most ``size`` covering ``0..n``."""
    size = max(1, int(size))
    return [(s, min(s + size, n)) for s in range(0, n, size)]
