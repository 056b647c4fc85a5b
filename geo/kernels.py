"""The pair kernel (numpy): facilities against village points on a uniform grid.

The points are bucketed into square cells (a counting sort, done once per target layer by :func:`point_grid`), so
that the points of one row of cells, between two columns, lie side by side in one slice. A facility (a point, or
a polygon / multipolygon given as rings of coordinates) covers, in every row of cells its reach meets, one such
slice: the columns its box grown by the reach crosses at that row's distance. Those slices, expanded into
candidate pairs, are measured as whole arrays: ``sqrt(dx² + dy²)`` for a point (as GEOS computes it), and for a
polygon 0 inside (the even-odd rule over every ring, holes and parts included) or the distance to the nearest
edge, every (pair, edge) at once. A pair is kept when its distance, rounded to the millimetre, is within the last
ring of the facility's kind; the kept pairs are put in (facility, target position) order by one sort of their
keys, which is the final order of the exposure matrix. The bearing (only when asked for) is taken from the
nearest edge point, or from the polygon's centroid when the village is inside or on the edge, like the GEOS path
in :mod:`geo.pairs`.

Facilities are independent of each other: they are measured in consecutive ranges (which bound the memory of
the candidate arrays) run side by side on a pool of threads (numpy releases the GIL in its array loops), with
identical results whatever the split. No compiler is involved: the first call costs what a later one does.

Rounding follows numpy's ``round(x, 3)`` (``rint(x * 1000) / 1000``) so membership of a ring is decided on the
distance as written.
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

__all__ = ["PointGrid", "point_grid", "FacilityArrays", "grid_pairs", "default_threads", "run_threads",
           "bearing_of", "KIND_SKIP", "KIND_POINT", "KIND_POLYGON"]

KIND_SKIP, KIND_POINT, KIND_POLYGON = 0, 1, 2

#: at most this many grid cells (the cell grows beyond a quarter of the largest radius when needed)
MAX_CELLS = 4_000_000

#: about this many candidate pairs per range of facilities: a few tens of MB of arrays, and ranges enough to
#: keep every thread busy
RANGE_CANDIDATES = 400_000


@dataclass
class PointGrid:
    """Target points bucketed by cell: the points of cell ``c`` are ``items[start[c]:start[c + 1]]``
    (target positions, ascending within a cell; cells row by row), at ``sx, sy`` (the coordinates of ``items``,
    in that order)."""

    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    start: np.ndarray
    items: np.ndarray
    x: np.ndarray
    y: np.ndarray
    sx: np.ndarray
    sy: np.ndarray


def point_grid(x: np.ndarray, y: np.ndarray, use: np.ndarray, radius_m: float) -> PointGrid:
    """A grid over the points ``(x, y)`` where ``use`` is true, with cells about a quarter of ``radius_m``."""
    pos = np.flatnonzero(use)
    if len(pos) == 0:
        return PointGrid(0.0, 0.0, 1.0, 1, 1, np.zeros(2, dtype=np.int64), pos.astype(np.int64), x, y,
                         np.zeros(0), np.zeros(0))
    px, py = x[pos], y[pos]
    x0, y0 = float(px.min()), float(py.min())
    w, h = float(px.max()) - x0, float(py.max()) - y0
    cell = max(float(radius_m) / 4.0, 1.0)
    if (w / cell + 1) * (h / cell + 1) > MAX_CELLS:
        cell = max(cell, math.sqrt(max(w, 1.0) * max(h, 1.0) / MAX_CELLS) * 1.01, max(w, h) / MAX_CELLS * 1.01)
    nx, ny = int(w // cell) + 1, int(h // cell) + 1
    cid = np.minimum(((px - x0) // cell).astype(np.int64), nx - 1) + \
        np.minimum(((py - y0) // cell).astype(np.int64), ny - 1) * nx
    order = np.argsort(cid, kind="stable")  # stable: positions stay ascending within a cell
    start = np.zeros(nx * ny + 1, dtype=np.int64)
    np.cumsum(np.bincount(cid, minlength=nx * ny), out=start[1:])
    items = pos[order].astype(np.int64)
    return PointGrid(x0, y0, cell, nx, ny, start, items, x, y, x[items], y[items])


@dataclass
class FacilityArrays:
    """Facilities as the kernel reads them (one entry per facility of a chunk).

    ``kind`` is KIND_POINT (``x, y``), KIND_POLYGON (rings ``ring_start[f]:ring_start[f + 1]``, ring ``r``
    holding ``xs/ys[coord_start[r]:coord_start[r + 1]]``, closed; bounds ``bx0..by1``; centroid ``cx, cy``)
    or KIND_SKIP (measured elsewhere). ``radius`` is the last ring of each facility's kind; ``kind_code``
    its row of the ring ``table`` (padded with +inf) whose row lengths are ``count``.
    """

    kind: np.ndarray
    x: np.ndarray
    y: np.ndarray
    bx0: np.ndarray
    by0: np.ndarray
    bx1: np.ndarray
    by1: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    ring_start: np.ndarray
    coord_start: np.ndarray
    xs: np.ndarray
    ys: np.ndarray
    radius: np.ndarray
    kind_code: np.ndarray


def _round3(d: np.ndarray) -> np.ndarray:
    return np.rint(d * 1000.0) / 1000.0


def bearing_of(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Degrees clockwise from grid north of the vectors ``(dx, dy)``, to 0.01 degree, in [0, 360)."""
    b = np.arctan2(dx, dy)
    b *= 180.0 / math.pi
    b[b < 0.0] += 360.0
    b = np.rint(b * 100.0, out=b)
    b /= 100.0
    b[b >= 360.0] = 0.0
    return b


def _expand(start: np.ndarray, length: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The slices ``start[i] : start[i] + length[i]`` one after the other: every index, and the slice it is of."""
    total = int(length.sum())
    owner = np.repeat(np.arange(len(length)), length)
    if not total:
        return np.zeros(0, dtype=np.int64), owner
    first = np.cumsum(length) - length
    return np.arange(total, dtype=np.int64) - np.repeat(first - start, length), owner


@dataclass
class _Segments:
    """The edges of every polygon facility: facility ``f``'s edges start at the coordinates
    ``seg[ptr[f]:ptr[f + 1]]`` and end at the next coordinate of the same ring."""

    seg: np.ndarray
    ptr: np.ndarray

    @classmethod
    def of(cls, fa: FacilityArrays) -> _Segments:
        per_ring = np.maximum(np.diff(fa.coord_start) - 1, 0)
        seg, _ = _expand(fa.coord_start[:-1], per_ring)
        ring_cs = np.zeros(len(per_ring) + 1, dtype=np.int64)
        np.cumsum(per_ring, out=ring_cs[1:])
        return cls(seg, ring_cs[fa.ring_start])


def _polygon_measure(fa: FacilityArrays, segs: _Segments, f: np.ndarray, px: np.ndarray, py: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance (to the millimetre) from polygon facilities ``f`` to the points ``(px, py)``, pair by pair, and
    the vector from the polygon's nearest edge point (its centroid when the point is inside or on the edge):
    every (pair, edge) at once, with the float operations of a loop over the edges that keeps the first
    nearest edge."""
    n = len(f)
    edge, pair = _expand(segs.ptr[f], segs.ptr[f + 1] - segs.ptr[f])
    if not n or not len(edge):
        inf = np.full(n, np.inf)
        return inf, inf.copy(), inf.copy()
    a = segs.seg[edge]  # the edge's first coordinate
    xs, ys = fa.xs, fa.ys
    ax, ay, bx, by = xs[a], ys[a], xs[a + 1], ys[a + 1]
    p, q = px[pair], py[pair]
    with np.errstate(divide="ignore", invalid="ignore"):
        # even-odd rule: the crossing test is only read where the edge spans the point's y (no division by 0)
        cross = ((ay > q) != (by > q)) & (p < (bx - ax) * (q - ay) / (by - ay) + ax)
        vx = bx - ax
        vy = by - ay
        l2 = vx * vx + vy * vy
        t = np.where(l2 > 0.0, ((p - ax) * vx + (q - ay) * vy) / l2, 0.0)
    cx = np.where(t <= 0.0, ax, np.where(t >= 1.0, bx, ax + t * vx))
    cy = np.where(t <= 0.0, ay, np.where(t >= 1.0, by, ay + t * vy))
    ex, ey = p - cx, q - cy
    dd = np.sqrt(ex * ex + ey * ey)
    counts = segs.ptr[f + 1] - segs.ptr[f]
    has = counts > 0
    first = (np.cumsum(counts) - counts)[has]
    best = np.full(n, np.inf)
    best[has] = np.minimum.reduceat(dd, first)
    inside = np.zeros(n, dtype=bool)
    inside[has] = (np.add.reduceat(cross.astype(np.int64), first) & 1).astype(bool)
    at = np.flatnonzero(dd == best[pair])  # the first nearest edge of every pair
    at = at[np.concatenate(([True], pair[at][1:] != pair[at][:-1]))]
    qx, qy = np.full(n, np.nan), np.full(n, np.nan)
    qx[pair[at]], qy[pair[at]] = cx[at], cy[at]
    raw = np.where(inside, 0.0, best)
    zero = raw == 0.0
    dist = np.where(zero, 0.0, _round3(raw))
    dx = np.where(zero, px - fa.cx[f], px - qx)
    dy = np.where(zero, py - fa.cy[f], py - qy)
    return dist, dx, dy


def _range_pairs(f0: int, f1: int, g: PointGrid, fa: FacilityArrays, segs: _Segments | None, table: np.ndarray,
                 count: np.ndarray, bearing: bool) -> dict[str, np.ndarray]:
    """Pairs of the facilities ``f0 .. f1`` with the grid's points, in (facility, target position) order."""
    f = f0 + np.flatnonzero(fa.kind[f0:f1] != KIND_SKIP)
    pt = fa.kind[f] == KIND_POINT
    x0 = np.where(pt, fa.x[f], fa.bx0[f])
    x1 = np.where(pt, fa.x[f], fa.bx1[f])
    y0 = np.where(pt, fa.y[f], fa.by0[f])
    y1 = np.where(pt, fa.y[f], fa.by1[f])
    r = fa.radius[f]
    reach = r + 0.001  # cells and boxes: a pair at r + 0.4 mm still rounds to r
    # the rows of cells each facility's reach meets, then in every row the columns it crosses there
    iy0 = np.maximum(np.floor((y0 - reach - g.y0) / g.cell), 0).astype(np.int64)
    iy1 = np.minimum(np.floor((y1 + reach - g.y0) / g.cell), g.ny - 1).astype(np.int64)
    iy, row_of = _expand(iy0, np.maximum(iy1 - iy0 + 1, 0))
    cy0 = g.y0 + iy * g.cell
    gy = np.maximum(np.maximum(cy0 - y1[row_of], y0[row_of] - (cy0 + g.cell)), 0.0)
    rr = reach[row_of]
    half = np.sqrt(np.maximum(rr * rr - gy * gy, 0.0))
    ix0 = np.maximum(np.floor((x0[row_of] - half - g.x0) / g.cell), 0).astype(np.int64)
    ix1 = np.minimum(np.floor((x1[row_of] + half - g.x0) / g.cell), g.nx - 1).astype(np.int64)
    ok = (gy <= rr) & (ix1 >= ix0)
    base = iy * g.nx
    lo = g.start[base + np.clip(ix0, 0, g.nx - 1)]
    hi = g.start[base + np.clip(ix1 + 1, 0, g.nx)]
    j, slice_of = _expand(lo, np.where(ok, hi - lo, 0))
    lf = row_of[slice_of]  # each candidate's facility (index into f)
    px, py = g.sx[j], g.sy[j]
    # every candidate measured as from a point (cheap, whole arrays), then the polygons' candidates again
    dx = px - fa.x[f][lf]
    dy = py - fa.y[f][lf]
    dist = _round3(np.sqrt(dx * dx + dy * dy))
    if not pt.all():
        s = np.flatnonzero(~pt[lf])
        ls = lf[s]
        ex = np.maximum(np.maximum(x0[ls] - px[s], px[s] - x1[ls]), 0.0)
        ey = np.maximum(np.maximum(y0[ls] - py[s], py[s] - y1[ls]), 0.0)
        near = ex * ex + ey * ey <= reach[ls] * reach[ls]  # beyond the box's reach: cannot round into a ring
        dist[s[~near]] = np.inf
        s = s[near]
        assert segs is not None  # built whenever there is a polygon facility
        dist[s], dx[s], dy[s] = _polygon_measure(fa, segs, f[lf[s]], px[s], py[s])
    keep = np.flatnonzero(dist <= r[lf])
    key = lf[keep] * np.int64(len(g.x)) + g.items[j[keep]]
    keep = keep[np.argsort(key, kind="stable")]  # timsort: the keys come in runs (by facility, by cell)
    lk = lf[keep]
    d = dist[keep]
    if table.shape[0] == 1:  # one list of rings for every facility
        ring = table[0].astype(np.int64)[np.searchsorted(table[0], d, side="left")]
    else:
        kc = fa.kind_code[f][lk]
        idx = np.zeros(len(d), dtype=np.int64)
        for m in range(table.shape[1]):  # rows padded with +inf: the smallest ring containing the pair
            idx += d > table[kc, m]
        ring = table[kc, idx].astype(np.int64)
    out = {"fl": f[lk].astype(np.int32), "ci": g.items[j[keep]].astype(np.int32), "distance_m": d, "ring_m": ring}
    if bearing:
        out["bearing_deg"] = bearing_of(dx[keep], dy[keep])
    return out


def default_threads() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


_POOL: ThreadPoolExecutor | None = None
_POOL_SIZE = 0
_POOL_LOCK = threading.Lock()


def _reset_pool() -> None:  # a forked child has none of the parent's threads
    global _POOL, _POOL_SIZE
    _POOL, _POOL_SIZE = None, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_pool)


def run_threads(calls: list[tuple], threads: int) -> None:
    """``fn(*args)`` for every ``(fn, *args)`` in ``calls``, on up to ``threads`` threads of one pool kept for
    the process (starting threads for every call cost milliseconds at province scale). The compiled passes
    release the GIL; with one thread or one call everything runs here, in order."""
    if threads <= 1 or len(calls) == 1:
        for c in calls:
            c[0](*c[1:])
        return
    global _POOL, _POOL_SIZE
    with _POOL_LOCK:
        if _POOL is None or _POOL_SIZE < threads:
            if _POOL is not None:
                _POOL.shutdown(wait=False)
            _POOL, _POOL_SIZE = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ecotown-geo"), threads
        pool = _POOL
    for fut in [pool.submit(c[0], *c[1:]) for c in calls]:
        fut.result()


def _run(ranges: list[tuple[int, int]], threads: int, fn, *args) -> None:
    """``fn(f0, f1, *args)`` for every range, on ``threads`` threads."""
    run_threads([(fn, f0, f1, *args) for f0, f1 in ranges], threads)


def _ranges(g: PointGrid, fa: FacilityArrays, threads: int) -> list[tuple[int, int]]:
    """Consecutive ranges of facilities of about RANGE_CANDIDATES candidates each (estimated from the points per
    cell and each facility's reach), at least two per thread when there are several threads and work enough."""
    nf = len(fa.kind)
    if nf == 0:
        return []
    density = len(g.items) / max(g.nx * g.ny * g.cell * g.cell, 1.0)
    w = np.where(fa.kind == KIND_POINT, 0.0, np.nan_to_num(fa.bx1 - fa.bx0) + np.nan_to_num(fa.by1 - fa.by0))
    reach = np.nan_to_num(fa.radius) + g.cell
    est = float(np.sum((2 * reach + w) ** 2)) * density
    # small work in one range on this thread: handing it to the pool would cost more than it saves
    n_ranges = int(est // RANGE_CANDIDATES) + 1
    if threads > 1 and est > RANGE_CANDIDATES / 4:
        n_ranges = max(n_ranges, 2 * threads)
    step = max(64, -(-nf // n_ranges))
    return [(s, min(s + step, nf)) for s in range(0, nf, step)]


def grid_pairs(g: PointGrid, fa: FacilityArrays, table: np.ndarray, count: np.ndarray, *,
               threads: int = 1, bearing: bool = True) -> dict[str, np.ndarray]:
    """Pairs of the facilities ``fa`` with the grid's points, in (facility, target position) order.

    ``threads`` measures consecutive ranges of facilities side by side (the output does not depend on it).
    Returns ``fl`` (facility index within ``fa``), ``ci`` (target position), ``distance_m`` (mm), ``ring_m`` and,
    with ``bearing``, ``bearing_deg`` (0.01 degree). ``count`` (the rings of each kind) is implied by the +inf
    padding of ``table`` and kept for the callers' convenience.
    """
    table = np.ascontiguousarray(table, dtype=np.float64)
    segs = _Segments.of(fa) if (fa.kind == KIND_POLYGON).any() else None
    ranges = _ranges(g, fa, max(1, int(threads)))
    parts: list[dict[str, np.ndarray]] = [{} for _ in ranges]

    def run(i: int, f0: int, f1: int) -> None:
        parts[i] = _range_pairs(f0, f1, g, fa, segs, table, count, bearing)

    run_threads([(run, i, f0, f1) for i, (f0, f1) in enumerate(ranges)], threads)
    if not parts:
        parts = [_range_pairs(0, 0, g, fa, segs, table, count, bearing)]
    if len(parts) == 1:
        return parts[0]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
