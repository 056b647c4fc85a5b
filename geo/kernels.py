"""Compiled pair kernels (numba): facilities against village points on a uniform grid.

The points are bucketed into square cells (a counting sort, done once per target layer by :func:`point_grid`).
Each facility scans only the cells within its radius, measures every point there, and keeps the pairs whose
distance, rounded to the millimetre, is within the last ring of its kind. A facility is a point (distance
``sqrt(dx² + dy²)``, as GEOS computes it) or a polygon / multipolygon given as rings of coordinates (distance 0
inside, by the even-odd rule over every ring, else to the nearest edge; the bearing is then taken from the
nearest edge point, or from the polygon's centroid when the village is inside or on the edge, like the GEOS path
in :mod:`geo.pairs`).

Two passes over the facilities: the first counts each facility's pairs, the second writes them into arrays of
exactly that size, each facility's pairs put in target-position order through a bitmap of the targets, so the
output is already in final (facility, target) order. Every facility is independent of the others, so the passes split the facilities
into consecutive ranges run on Python threads (the compiled code releases the GIL; inside a dask worker one
thread per partition), with identical results whatever the split. One compiled signature, no numba
``parallel=True``: the first call compiles in seconds, not tens of seconds, and the result is cached on disk.

Rounding follows numpy's ``round(x, 3)`` (``rint(x * 1000) / 1000``) so membership of a ring is decided on the
distance as written.
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba as nb
import numpy as np

__all__ = ["PointGrid", "point_grid", "FacilityArrays", "grid_pairs", "default_threads", "run_threads",
           "KIND_SKIP", "KIND_POINT", "KIND_POLYGON"]

KIND_SKIP, KIND_POINT, KIND_POLYGON = 0, 1, 2

#: trailing-zero count of a 64-bit word with one bit set: ``_DEBRUIJN_TABLE[(bit * _DEBRUIJN) >> 58]``
_DEBRUIJN = np.uint64(0x03F79D71B4CB0A89)
_DEBRUIJN_TABLE = np.zeros(64, dtype=np.int64)
for _i in range(64):
    _DEBRUIJN_TABLE[((1 << _i) * 0x03F79D71B4CB0A89 % 2**64) >> 58] = _i

#: at most this many grid cells (the cell grows beyond a quarter of the largest radius when needed)
MAX_CELLS = 4_000_000


@dataclass
class PointGrid:
    """Target points bucketed by cell: the points of cell ``c`` are ``items[start[c]:start[c + 1]]``
    (target positions, ascending within a cell)."""

    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    start: np.ndarray
    items: np.ndarray
    x: np.ndarray
    y: np.ndarray


def point_grid(x: np.ndarray, y: np.ndarray, use: np.ndarray, radius_m: float) -> PointGrid:
    """A grid over the points ``(x, y)`` where ``use`` is true, with cells about a quarter of ``radius_m``."""
    pos = np.flatnonzero(use)
    if len(pos) == 0:
        return PointGrid(0.0, 0.0, 1.0, 1, 1, np.zeros(2, dtype=np.int64), pos.astype(np.int64), x, y)
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
    return PointGrid(x0, y0, cell, nx, ny, start, pos[order].astype(np.int64), x, y)


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


@nb.njit(cache=True, nogil=True)
def _round3(d):
    return np.rint(d * 1000.0) / 1000.0


@nb.njit(cache=True, nogil=True)
def _bearing(dx, dy):
    b = math.atan2(dx, dy) * (180.0 / math.pi)
    if b < 0.0:
        b += 360.0
    b = np.rint(b * 100.0) / 100.0
    if b >= 360.0:
        b = 0.0
    return b


@nb.njit(cache=True, nogil=True)
def _polygon_nearest(px, py, f, ring_start, coord_start, xs, ys):
    """Distance from (px, py) to polygon ``f`` (0 inside) and the nearest point on its edges."""
    best = np.inf
    qx = np.nan
    qy = np.nan
    inside = False
    for r in range(ring_start[f], ring_start[f + 1]):
        for k in range(coord_start[r], coord_start[r + 1] - 1):
            ax = xs[k]
            ay = ys[k]
            bx = xs[k + 1]
            by = ys[k + 1]
            if (ay > py) != (by > py):  # even-odd rule over every ring (holes and parts included)
                if px < (bx - ax) * (py - ay) / (by - ay) + ax:
                    inside = not inside
            vx = bx - ax
            vy = by - ay
            l2 = vx * vx + vy * vy
            t = 0.0
            if l2 > 0.0:
                t = ((px - ax) * vx + (py - ay) * vy) / l2
            if t <= 0.0:
                cx, cy = ax, ay
            elif t >= 1.0:
                cx, cy = bx, by
            else:
                cx, cy = ax + t * vx, ay + t * vy
            d = math.sqrt((px - cx) * (px - cx) + (py - cy) * (py - cy))
            if d < best:
                best, qx, qy = d, cx, cy
    if inside:
        best = 0.0
    return best, qx, qy


@nb.njit(cache=True, nogil=True)
def _sort_segment(a, o, n):
    """Shell sort of ``a[o:o + n]`` in place (a few hundred values: no allocation, and quick to compile unlike
    ``np.sort``)."""
    gap = 1
    while gap < n // 3:
        gap = gap * 3 + 1
    while gap > 0:
        for i in range(o + gap, o + n):
            v = a[i]
            j = i
            while j >= o + gap and a[j - gap] > v:
                a[j] = a[j - gap]
                j -= gap
            a[j] = v
        gap //= 3


@nb.njit(cache=True, nogil=True)
def _order_targets(out_ci, o, n, bits, w0, w1):
    """Put the targets ``out_ci[o:o + n]`` (also set in the bitmap ``bits``, words ``w0 .. w1``) in ascending
    order and clear their bits. Reading the bitmap costs one step per word and one per target, no comparisons:
    used when the words span at most 16 per target, else a comparison sort."""
    if w1 - w0 + 1 <= 16 * n:
        i = o
        for w in range(w0, w1 + 1):
            word = bits[w]
            if word == 0:
                continue
            bits[w] = 0
            while word != 0:
                low = word & (~word + np.uint64(1))
                out_ci[i] = w * 64 + _DEBRUIJN_TABLE[(low * _DEBRUIJN) >> np.uint64(58)]
                i += 1
                word ^= low
        return
    for i in range(o, o + n):
        bits[out_ci[i] >> 6] = 0
    _sort_segment(out_ci, o, n)


@nb.njit(cache=True, nogil=True)
def _measure(k, f, px, py, fx, fy, fcx, fcy, ring_start, coord_start, xs, ys):
    """Distance (to the millimetre) from facility ``f`` of kind ``k`` to the point (px, py), and the vector
    from the facility's nearest point (its centroid when the point is inside or on the edge)."""
    if k == 1:
        dx = px - fx[f]
        dy = py - fy[f]
        return _round3(math.sqrt(dx * dx + dy * dy)), dx, dy
    d, qx, qy = _polygon_nearest(px, py, f, ring_start, coord_start, xs, ys)
    if d == 0.0:
        return 0.0, px - fcx[f], py - fcy[f]
    return _round3(d), px - qx, py - qy


@nb.njit(cache=True, nogil=True)
def _scan(f, g_x0, g_y0, g_cell, g_nx, g_ny, g_start, g_items, tx, ty,
          kind, fx, fy, bx0, by0, bx1, by1, fcx, fcy, ring_start, coord_start, xs, ys, radius, kind_code,
          table, count, write, o, out_ci, out_d, out_ring, out_b, bits):
    """Pairs of facility ``f``: counted, or (``write``) stored from ``o`` on, sorted by target position
    (``bits``: an all-zero bitmap of the targets, left all-zero)."""
    k = kind[f]
    if k == 0:
        return 0
    r = radius[f]
    reach = r + 0.001  # cells and bounding boxes: a pair at r + 0.4 mm still rounds to r
    if k == 1:
        x0, y0, x1, y1 = fx[f], fy[f], fx[f], fy[f]
    else:
        x0, y0, x1, y1 = bx0[f], by0[f], bx1[f], by1[f]
    ix0 = max(int(math.floor((x0 - reach - g_x0) / g_cell)), 0)
    iy0 = max(int(math.floor((y0 - reach - g_y0) / g_cell)), 0)
    ix1 = min(int(math.floor((x1 + reach - g_x0) / g_cell)), g_nx - 1)
    iy1 = min(int(math.floor((y1 + reach - g_y0) / g_cell)), g_ny - 1)
    n = 0
    w0 = len(bits)
    w1 = -1
    for iy in range(iy0, iy1 + 1):
        cy0 = g_y0 + iy * g_cell
        gy = max(cy0 - y1, y0 - (cy0 + g_cell), 0.0)
        for ix in range(ix0, ix1 + 1):
            cx0 = g_x0 + ix * g_cell
            gx = max(cx0 - x1, x0 - (cx0 + g_cell), 0.0)
            if gx * gx + gy * gy > reach * reach:  # the cell lies wholly beyond the reach of the box
                continue
            c = iy * g_nx + ix
            for j in range(g_start[c], g_start[c + 1]):
                t = g_items[j]
                px = tx[t]
                py = ty[t]
                # beyond the reach of the bounding box: cannot round into the last ring
                ex = max(x0 - px, px - x1, 0.0)
                ey = max(y0 - py, py - y1, 0.0)
                if ex * ex + ey * ey > reach * reach:
                    continue
                if k != 1 or (px - x0) * (px - x0) + (py - y0) * (py - y0) > (r - 0.001) * (r - 0.001):
                    d, _, _ = _measure(k, f, px, py, fx, fy, fcx, fcy, ring_start, coord_start, xs, ys)
                    if d > r:
                        continue
                if write:
                    out_ci[o + n] = t
                    w = t >> 6
                    bits[w] |= np.uint64(1) << np.uint64(t & 63)
                    w0 = min(w0, w)
                    w1 = max(w1, w)
                n += 1
    if not write:
        return n
    # the kept targets in position order, then their distances, rings and bearings
    _order_targets(out_ci, o, n, bits, w0, w1)
    kc = kind_code[f]
    px0 = fx[f]
    py0 = fy[f]
    for i in range(o, o + n):
        t = out_ci[i]
        if k == 1:  # spelled out: through _measure's tuple this loop ran several times slower
            dx = tx[t] - px0
            dy = ty[t] - py0
            d = _round3(math.sqrt(dx * dx + dy * dy))
        else:
            d, dx, dy = _measure(k, f, tx[t], ty[t], fx, fy, fcx, fcy, ring_start, coord_start, xs, ys)
        out_d[i] = d
        ring = 0
        for m in range(count[kc]):
            if d <= table[kc, m]:
                ring = int(table[kc, m])
                break
        out_ring[i] = ring
        out_b[i] = _bearing(dx, dy)
    return n


@nb.njit(cache=True, nogil=True)
def _pairs(f0, f1, g_x0, g_y0, g_cell, g_nx, g_ny, g_start, g_items, tx, ty, kind, fx, fy, bx0, by0, bx1, by1,
           fcx, fcy, ring_start, coord_start, xs, ys, radius, kind_code, table, count, write, offsets, n_out,
           out_ci, out_d, out_ring, out_b):
    """Facilities ``f0 .. f1``: their pair counts into ``n_out``, or (``write``) their pairs from ``offsets``."""
    bits = np.zeros((len(tx) + 63) // 64, dtype=np.uint64)
    for f in range(f0, f1):
        n_out[f] = _scan(f, g_x0, g_y0, g_cell, g_nx, g_ny, g_start, g_items, tx, ty, kind, fx, fy, bx0, by0,
                         bx1, by1, fcx, fcy, ring_start, coord_start, xs, ys, radius, kind_code, table, count,
                         write, offsets[f], out_ci, out_d, out_ring, out_b, bits)


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


def grid_pairs(g: PointGrid, fa: FacilityArrays, table: np.ndarray, count: np.ndarray, *,
               threads: int = 1) -> dict[str, np.ndarray]:
    """Pairs of the facilities ``fa`` with the grid's points, in (facility, target position) order.

    ``threads`` splits the facilities into that many consecutive ranges run side by side (the output does not
    depend on it). Returns ``fl`` (facility index within ``fa``), ``ci`` (target position), ``distance_m``
    (mm), ``ring_m`` and ``bearing_deg`` (0.01 degree).
    """
    nf = len(fa.kind)
    threads = max(1, int(threads))
    # several ranges per thread: facilities differ in cost (a mine polygon against its villages), and the
    # costly ones may sit together in id order
    step = max(256, -(-nf // (threads * 8))) if threads > 1 else max(nf, 1)
    ranges = [(s, min(s + step, nf)) for s in range(0, nf, step)] or [(0, 0)]
    table = np.ascontiguousarray(table, dtype=np.float64)
    count = np.ascontiguousarray(count, dtype=np.int64)
    common = (float(g.x0), float(g.y0), float(g.cell), int(g.nx), int(g.ny), g.start, g.items, g.x, g.y,
              fa.kind, fa.x, fa.y, fa.bx0, fa.by0, fa.bx1, fa.by1, fa.cx, fa.cy, fa.ring_start, fa.coord_start,
              fa.xs, fa.ys, fa.radius, fa.kind_code, table, count)
    n = np.zeros(nf, dtype=np.int64)
    none_i, none_r, none_f = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64), np.zeros(0)
    _run(ranges, threads, _pairs, *common, False, np.zeros(nf, dtype=np.int64), n, none_i, none_f, none_r, none_f)
    offsets = np.zeros(nf + 1, dtype=np.int64)
    np.cumsum(n, out=offsets[1:])
    total = int(offsets[-1])
    ci = np.empty(total, dtype=np.int32)
    dist = np.empty(total)
    ring = np.empty(total, dtype=np.int64)
    bearing = np.empty(total)
    _run(ranges, threads, _pairs, *common, True, offsets, n, ci, dist, ring, bearing)
    fl = np.repeat(np.arange(nf, dtype=np.int32), n)
    return {"fl": fl, "ci": ci, "distance_m": dist, "ring_m": ring, "bearing_deg": bearing}
