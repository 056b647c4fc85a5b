"""Compiled sums over the pairs of an exposure matrix (numba): per row and ring band, nearest, burden.

The matrix names its rows by codes (the Categorical codes of its id columns); ``code_row`` maps a code to
the row of the summary table (-1 for an id the table does not have, which the caller reports). Each function
is one pass over the pairs in matrix order, adding in the same order as ``np.bincount`` did, so the sums are
the same to the last bit; where the pairs come grouped by row they are split over threads at row boundaries,
which keeps that order.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .kernels import run_threads

__all__ = ["band_sums", "nearest_in_pairs", "burden_sums"]


@nb.njit(cache=True, nogil=True)
def _band_sums(i0, i1, codes, code_row, other_codes, code_other, dist, rings, table, pair_w, w_col, out):
    k = len(rings)
    m = table.shape[1]
    use_w = len(pair_w) > 0
    for i in range(i0, i1):
        r = code_row[codes[i]]
        d = dist[i]
        b = 0
        for j in range(k):  # no early exit: a branch per ring mispredicts on shuffled distances
            b += d > rings[j]
        o = code_other[other_codes[i]]
        for j in range(m):
            out[r, b, j] += table[o, j]
        out[r, b, m] += 1.0
        if use_w:
            out[r, b, m + 1] += table[o, w_col] * pair_w[i]


def band_sums(codes: np.ndarray, code_row: np.ndarray, n_rows: int, dist: np.ndarray, rings: np.ndarray, *,
              other_codes: np.ndarray | None = None, code_other: np.ndarray | None = None,
              table: np.ndarray | None = None, pair_w: np.ndarray | None = None, w_col: int = 0,
              threads: int = 1) -> np.ndarray:
    """Cumulative sums within each ring distance, per row: ``(n_rows, len(rings), m + 1 [+ 1])``.

    Pair ``i`` belongs to row ``code_row[codes[i]]`` and to every ring ``d >= dist[i]``. Column ``j < m`` sums
    ``table[code_other[other_codes[i]], j]`` (values of the pair's other side, e.g. a village's population),
    column ``m`` counts pairs, and with ``pair_w`` column ``m + 1`` sums ``table[.., w_col] * pair_w[i]``.
    """
    rings = np.ascontiguousarray(rings, dtype=np.float64)
    if table is None:  # counts only: any valid "other" index will do
        table = np.zeros((1, 0))
        other_codes, code_other = codes, np.zeros(len(code_row), dtype=np.int64)
    elif other_codes is None or code_other is None:
        raise TypeError("band_sums: a table needs other_codes and code_other")
    table = np.ascontiguousarray(table, dtype=np.float64)
    pw = np.zeros(0) if pair_w is None else np.ascontiguousarray(pair_w, dtype=np.float64)
    width = table.shape[1] + 1 + (pair_w is not None)
    out = np.zeros((n_rows, len(rings) + 1, width))
    codes = _c(codes)
    args = (codes, _map(code_row), _c(other_codes), _map(code_other), np.ascontiguousarray(dist, dtype=np.float64),
            rings, table, pw, int(w_col))
    # counts only are whole numbers: exact whatever the order of adding
    parts, private = _split(codes, threads, any_order=table.shape[1] == 0 and pair_w is None)
    if private:  # each thread its own table, added up after
        outs = [out] + [np.zeros_like(out) for _ in parts[1:]]
        run_threads([(_band_sums, a, b, *args, o) for (a, b), o in zip(parts, outs)], len(parts))
        out = np.sum(outs, axis=0)
    else:
        run_threads([(_band_sums, a, b, *args, out) for a, b in parts], len(parts))
    return np.cumsum(out[:, : len(rings), :], axis=1)


@nb.njit(cache=True, nogil=True)
def _nearest(i0, i1, codes, code_row, other_codes, dist, best, code):
    for i in range(i0, i1):
        r = code_row[codes[i]]
        d = dist[i]
        o = other_codes[i]
        if d < best[r] or (d == best[r] and o < code[r]):
            best[r] = d
            code[r] = o


def nearest_in_pairs(codes: np.ndarray, code_row: np.ndarray, n_rows: int, other_codes: np.ndarray,
                     dist: np.ndarray, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the least pair distance (NaN without pairs) and that pair's other code (-1 without pairs);
    ties go to the smallest other code."""
    best = np.full(n_rows, np.inf)
    code = np.full(n_rows, np.iinfo(np.int64).max, dtype=np.int64)
    codes = _c(codes)
    args = (codes, _map(code_row), _c(other_codes), np.ascontiguousarray(dist, dtype=np.float64))
    parts, private = _split(codes, threads, any_order=True)  # a minimum is the same in any order
    if private:  # each thread its own minimum, merged by (distance, code)
        pairs = [(best, code)] + [(best.copy(), code.copy()) for _ in parts[1:]]
        run_threads([(_nearest, a, b, *args, bb, cc) for (a, b), (bb, cc) in zip(parts, pairs)], len(parts))
        for bb, cc in pairs[1:]:
            better = (bb < best) | ((bb == best) & (cc < code))
            best[better], code[better] = bb[better], cc[better]
    else:
        run_threads([(_nearest, a, b, *args, best, code) for a, b in parts], len(parts))
    none = np.isinf(best)
    best[none] = np.nan
    code[none] = -1
    return best, code


@nb.njit(cache=True, nogil=True)
def _burden(codes, code_row, dist, radius, min_km, pair_w, out, out_w):
    use_w = len(pair_w) > 0
    for i in range(len(codes)):
        d = dist[i]
        if d <= radius:
            r = code_row[codes[i]]
            inv = 1.0 / max(d / 1000.0, min_km)
            out[r] += inv
            if use_w:
                out_w[r] += inv * pair_w[i]


def burden_sums(codes: np.ndarray, code_row: np.ndarray, n_rows: int, dist: np.ndarray, radius_m: float,
                min_distance_km: float, pair_w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Per row: the sum of ``1 / max(distance_km, min_distance_km)`` over pairs within ``radius_m``, and with
    ``pair_w`` the same sum weighted by it."""
    out = np.zeros(n_rows)
    out_w = np.zeros(n_rows if pair_w is not None else 0)
    pw = np.zeros(0) if pair_w is None else np.ascontiguousarray(pair_w, dtype=np.float64)
    _burden(_c(codes), _map(code_row), np.ascontiguousarray(dist, dtype=np.float64), float(radius_m),
            float(min_distance_km), pw, out, out_w)
    return out, (out_w if pair_w is not None else None)


def _split(codes: np.ndarray, threads: int, *, any_order: bool) -> tuple[list[tuple[int, int]], bool]:
    """Ranges of pairs for ``threads`` threads, and whether each range needs its own output (merged after).

    Pairs grouped by row (codes ascending: the facility side of a matrix from :func:`geo.exposure_matrix`) are
    cut at row boundaries and share one output: every row is still summed by one thread in pair order, so float
    sums stay the same to the last bit. Other pairs are cut into equal ranges with private outputs when the
    result does not depend on the order (``any_order``), else they stay one range."""
    n = len(codes)
    if threads <= 1 or n < 100_000:
        return [(0, n)], False
    if bool((codes[1:] >= codes[:-1]).all()):
        cuts = np.searchsorted(codes, codes[np.arange(1, threads) * n // threads], side="left")
        bounds = np.unique(np.concatenate([[0], cuts, [n]]))
        return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])], False
    if not any_order:
        return [(0, n)], False
    step = -(-n // threads)
    return [(a, min(a + step, n)) for a in range(0, n, step)], True


def _c(a: np.ndarray) -> np.ndarray:
    """Per-pair integer codes, contiguous, in their own width (int16 or int32 Categorical codes: converting
    millions of them would cost more than compiling a second signature once)."""
    a = np.ascontiguousarray(a)
    return a if a.dtype in (np.int16, np.int32, np.int64) else a.astype(np.int64)


def _map(a: np.ndarray) -> np.ndarray:
    """A (short) code -> row map as contiguous int64."""
    return np.ascontiguousarray(a, dtype=np.int64)
