"""Exact fractional cell coverage of polygons on a north-up raster grid, in one compiled pass (numba).

The share of a polygon's valid area in some raster classes, for many polygons at once (the green land within
1 km of 30,000 facilities, say), without a zonal-statistics call per polygon. Each polygon is rasterised
exactly: the area of every cell inside it is accumulated edge by edge as signed areas under each edge
piece (the way font rasterisers draw glyphs) and summed along each row, so that a cell's coverage is the
area of the polygon inside it, to rounding, for any simple polygon with holes. The coverage of a cell is then
taken as a float32 and summed in float64, as exactextract does, so that the shares are exactextract's to about
1e-12 (``tests/geo/test_coverage.py`` compares them on random discs and polygons).

The raster is read window by window (the windows of a batch of polygons sorted by row), never as a whole
unless it is small, so memory stays bounded whatever the raster's size.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numba as nb
import numpy as np
import rasterio
import shapely
from rasterio.windows import Window

from .errors import GeoError
from .kernels import default_threads

__all__ = ["class_shares_exact", "disc_class_shares", "north_up"]

#: cells of raster read at once (a batch of polygons shares one window); 64 M cells = 64 MB of uint8
WINDOW_CELLS = 64_000_000
#: threads running the compiled pass, each over its share of the polygons
THREADS = min(2, default_threads())
#: coverage below this (of a cell) is rounding noise of the row sums, not area
_NOISE = 1e-12


@nb.njit(cache=True, nogil=True)
def _accumulate(acc, xs, ys, start, stop):
    """Add the signed area right of each edge of the closed ring ``xs/ys[start:stop]`` (local cell units,
    y down the rows) to ``acc`` as differences along each row: a row's running sum is then the coverage."""
    nrow = acc.shape[0]
    for i in range(start, stop - 1):
        x0 = xs[i]
        y0 = ys[i]
        x1 = xs[i + 1]
        y1 = ys[i + 1]
        if y0 == y1:
            continue
        sign = 1.0
        if y0 > y1:
            x0, y0, x1, y1 = x1, y1, x0, y0
            sign = -1.0
        slope = (x1 - x0) / (y1 - y0)
        r_first = int(np.floor(y0))
        r_last = int(np.ceil(y1)) - 1
        if r_first < 0:
            r_first = 0
        if r_last > nrow - 1:
            r_last = nrow - 1
        for r in range(r_first, r_last + 1):
            ya = max(float(r), y0)
            yb = min(float(r + 1), y1)
            if yb <= ya:
                continue
            d = sign * (yb - ya)
            xa = x0 if ya == y0 else x0 + (ya - y0) * slope
            xb = x1 if yb == y1 else x0 + (yb - y0) * slope
            xl = min(xa, xb)
            xr = max(xa, xb)
            cl = int(np.floor(xl))
            cr = int(np.ceil(xr))
            if cr == cl:  # on a cell border: the whole piece is right of cell cl - 1
                cr = cl + 1
            width = xr - xl
            prev = 0.0  # F(c - 1): the share of the piece's height right of the edge within the previous cell
            for c in range(cl, cr):
                # F(c): mean over the piece of the part of [c, c + 1] right of the edge
                left = min(xr, float(c)) - xl
                if left < 0.0:
                    left = 0.0
                p = max(xl, float(c))
                q = min(xr, float(c + 1))
                if width > 0.0:
                    inside = 0.0
                    if q > p:
                        inside = (q - p) * (2.0 * (c + 1) - p - q) * 0.5
                    f = (left + inside) / width
                else:
                    f = min(max(float(c + 1) - xl, 0.0), 1.0)
                acc[r, c] += d * (f - prev)
                prev = f
            acc[r, cr] += d * (1.0 - prev)


@nb.njit(cache=True, nogil=True)
def _shares(xs, ys, ring_bounds, feat_rings, feat_box, data, d_row0, d_col0, nodata, has_nodata, wanted,
            counts, sums):
    """Per feature: ``counts`` (sum of float32 coverage of valid cells) and ``sums[:, k]`` (of cells of class
    ``wanted[k]``). ``feat_box`` holds each feature's window (row0, col0, nrows, ncols) in grid cells,
    ``xs/ys`` ring coordinates in grid cells; ``data`` is the raster window starting at grid cell
    (``d_row0``, ``d_col0``)."""
    h, w = data.shape
    nk = wanted.shape[0]
    for f in range(feat_box.shape[0]):
        r0 = feat_box[f, 0]
        c0 = feat_box[f, 1]
        nr = feat_box[f, 2]
        nc = feat_box[f, 3]
        acc = np.zeros((nr, nc + 1))
        for g in range(feat_rings[f], feat_rings[f + 1]):
            s = ring_bounds[g]
            e = ring_bounds[g + 1]
            lx = xs[s:e] - c0
            ly = ys[s:e] - r0
            _accumulate(acc, lx, ly, 0, e - s)
        total = 0.0
        part = np.zeros(nk)
        for r in range(nr):
            rr = r0 + r - d_row0
            run = 0.0
            for c in range(nc):
                run += acc[r, c]
                cov = abs(run)
                if cov <= _NOISE:
                    continue
                if cov > 1.0:
                    cov = 1.0
                cc = c0 + c - d_col0
                if rr < 0 or rr >= h or cc < 0 or cc >= w:
                    continue
                v = np.float64(data[rr, cc])
                if v != v:  # NaN
                    continue
                if has_nodata and v == nodata:
                    continue
                c32 = np.float64(np.float32(cov))
                total += c32
                for k in range(nk):
                    if v == wanted[k]:
                        part[k] += c32
                        break
        counts[f] = total
        for k in range(nk):
            sums[f, k] = part[k]


def class_shares_exact(raster_path: str | Path, geoms, classes: Iterable[int | float]) -> np.ndarray:
    """Share (0-1) of each polygon's valid area (fractional cell coverage, nodata left out) in a cell whose
    value is in ``classes``; NaN where a polygon covers no valid cell.

    ``geoms`` are polygons (or multipolygons) in the raster's CRS; the raster must be north-up (no rotation).
    The shares are summed class by class as exactextract's ``frac`` is, so they agree with
    :func:`geo.zonal_class_shares` to about 1e-12.
    """
    geoms = np.asarray(geoms, dtype=object)
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    parts, part_of = shapely.get_parts(geoms[valid], return_index=True)
    feat_of_part = np.flatnonzero(valid)[part_of]
    parts = shapely.orient_polygons(parts)  # shells one way, holes the other: signed areas add up
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring_of_coord = shapely.get_coordinates(rings, return_index=True)
    ring_feat = feat_of_part[ring_part]  # rings in feature order (get_parts and get_rings keep order)
    return _ring_shares(raster_path, coords, ring_of_coord, ring_feat, len(geoms), classes)


def disc_class_shares(raster_path: str | Path, xy: np.ndarray, radius: float, quad_segs: int,
                      classes: Iterable[int | float]) -> np.ndarray:
    """:func:`class_shares_exact` of the discs ``shapely.buffer(Point(x, y), radius, quad_segs)`` around the
    points ``xy`` (n x 2, in the raster's CRS), without making them: every such disc has the vertices of the
    disc around (0, 0) plus (x, y), the same numbers GEOS computes (x + r cos a, y + r sin a)."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    disc = shapely.orient_polygons(shapely.buffer(shapely.Point(0.0, 0.0), radius, quad_segs=quad_segs))
    template = shapely.get_coordinates(disc.exterior)
    n, m = len(xy), len(template)
    coords = (template[None, :, :] + xy[:, None, :]).reshape(-1, 2)
    ring_of_coord = np.repeat(np.arange(n), m)
    return _ring_shares(raster_path, coords, ring_of_coord, np.arange(n), n, classes)


def _ring_shares(raster_path: str | Path, coords: np.ndarray, ring_of_coord: np.ndarray, ring_feat: np.ndarray,
                 n: int, classes: Iterable[int | float]) -> np.ndarray:
    """The shares of ``n`` features given as closed rings: ``coords`` (ring after ring), the ring of each
    coordinate and the feature of each ring (ascending), in the raster's CRS."""
    wanted = np.array(sorted({float(c) for c in classes}), dtype=float)
    out = np.full(n, np.nan)
    if n == 0 or len(coords) == 0:
        return out
    try:
        ds = rasterio.open(raster_path)
    except rasterio.errors.RasterioIOError as exc:
        raise GeoError(f"{raster_path}: cannot be read as a raster: {exc}") from None
    with ds:
        t = ds.transform
        if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
            raise GeoError(f"{raster_path}: exact coverage needs a north-up raster (transform {tuple(t)[:6]})")
        height, width = ds.height, ds.width
        nodata = ds.nodata
        dtype = np.dtype(ds.dtypes[0])
        gx0, gy0, dx, dy = t.c, t.f, t.a, -t.e
        n_rings = int(ring_feat.shape[0])
        gx = (coords[:, 0] - gx0) / dx
        gy = (gy0 - coords[:, 1]) / dy
        ring_len = np.bincount(ring_of_coord, minlength=n_rings)
        ring_bounds = np.concatenate([[0], np.cumsum(ring_len)]).astype(np.int64)
        feat_rings = np.searchsorted(ring_feat, np.arange(n + 1), side="left").astype(np.int64)

        # each feature's window in grid cells (its bounding box, whole cells)
        has = np.zeros(n, dtype=bool)
        has[ring_feat] = True
        lo_x = np.full(n, np.inf)
        hi_x = np.full(n, -np.inf)
        lo_y = np.full(n, np.inf)
        hi_y = np.full(n, -np.inf)
        cf = ring_feat[ring_of_coord]
        np.minimum.at(lo_x, cf, gx)
        np.maximum.at(hi_x, cf, gx)
        np.minimum.at(lo_y, cf, gy)
        np.maximum.at(hi_y, cf, gy)
        box = np.zeros((n, 4), dtype=np.int64)
        box[has, 0] = np.floor(lo_y[has])
        box[has, 1] = np.floor(lo_x[has])
        box[has, 2] = np.ceil(hi_y[has]) - box[has, 0] + 1
        box[has, 3] = np.ceil(hi_x[has]) - box[has, 1] + 1
        # features touching the raster at all, by their first row
        touches = has & (box[:, 0] < height) & (box[:, 0] + box[:, 2] > 0) & (box[:, 1] < width) & \
            (box[:, 1] + box[:, 3] > 0)
        order = np.flatnonzero(touches)
        order = order[np.argsort(box[order, 0], kind="stable")]
        counts = np.zeros(n)
        sums = np.zeros((n, len(wanted)))
        nd = float(nodata) if nodata is not None else 0.0
        for batch in _batches(order, box, height, width):
            sub = box[batch]
            r0 = max(int(sub[:, 0].min()), 0)
            r1 = min(int((sub[:, 0] + sub[:, 2]).max()), height)
            c0 = max(int(sub[:, 1].min()), 0)
            c1 = min(int((sub[:, 1] + sub[:, 3]).max()), width)
            data = ds.read(1, window=Window(c0, r0, c1 - c0, r1 - r0))
            if dtype.kind not in "iuf":
                data = data.astype(np.float64)
            # only the features of the batch: their rings, renumbered
            fr = np.concatenate([np.arange(feat_rings[i], feat_rings[i + 1]) for i in batch])
            rb_len = (ring_bounds[fr + 1] - ring_bounds[fr])
            pts = np.concatenate([np.arange(ring_bounds[g], ring_bounds[g + 1]) for g in fr])
            b_bounds = np.concatenate([[0], np.cumsum(rb_len)]).astype(np.int64)
            b_feat = np.concatenate([[0], np.cumsum(feat_rings[batch + 1] - feat_rings[batch])]).astype(np.int64)
            b_counts = np.zeros(len(batch))
            b_sums = np.zeros((len(batch), len(wanted)))
            bx, by, sub = gx[pts], gy[pts], np.ascontiguousarray(sub)
            cuts = np.linspace(0, len(batch), THREADS + 1).astype(int) if len(batch) >= 64 else np.array([0, len(batch)])
            # features lo..hi of the batch each; each feature's sums are its own: any split, the same result
            parts = [(bx, by, b_bounds, b_feat[lo:hi + 1], sub[lo:hi], data, r0, c0, nd, nodata is not None, wanted,
                      b_counts[lo:hi], b_sums[lo:hi]) for lo, hi in zip(cuts[:-1], cuts[1:])]
            if len(parts) > 1:  # the kernel releases the GIL
                with ThreadPoolExecutor(len(parts)) as pool:
                    list(pool.map(lambda args: _shares(*args), parts))
            else:
                _shares(*parts[0])
            counts[batch] = b_counts
            sums[batch] = b_sums
    ok = counts > 0
    share = np.zeros(n)
    for k in range(len(wanted)):  # class by class, as frac is summed
        share[ok] += sums[ok, k] / counts[ok]
    out[ok] = share[ok]
    return out


def north_up(raster_path: str | Path) -> bool:
    """Whether the raster's grid has no rotation and rows run from north to south (what
    :func:`class_shares_exact` reads)."""
    with rasterio.open(raster_path) as ds:
        t = ds.transform
    return t.b == 0 and t.d == 0 and t.a > 0 and t.e < 0


def _batches(order: np.ndarray, box: np.ndarray, height: int, width: int):
    """Runs of ``order`` (features sorted by first row) whose common raster window stays under
    :data:`WINDOW_CELLS`."""
    start = 0
    while start < len(order):
        r0 = max(int(box[order[start], 0]), 0)
        end = start + 1
        c_lo, c_hi = int(box[order[start], 1]), int(box[order[start], 1] + box[order[start], 3])
        r_hi = int(box[order[start], 0] + box[order[start], 2])
        while end < len(order):
            b = box[order[end]]
            lo, hi, rh = min(c_lo, int(b[1])), max(c_hi, int(b[1] + b[3])), max(r_hi, int(b[0] + b[2]))
            cells = (min(rh, height) - r0) * (min(hi, width) - max(lo, 0))
            if cells > WINDOW_CELLS:
                break
            c_lo, c_hi, r_hi = lo, hi, rh
            end += 1
        yield order[start:end]
        start = end
