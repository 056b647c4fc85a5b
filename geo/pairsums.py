"""Sums over the pairs of an exposure matrix (numpy): per row and ring band, nearest, burden.

The matrix names its rows by codes (the Categorical codes of its id columns); ``code_row`` maps a code to
the row of the summary table (-1 for an id the table does not have, which the caller reports). Every sum is one
``np.bincount`` over the pairs in matrix order (adding in pair order, so the sums are the same to the last bit
whatever else changes); a minimum is one ``np.fmin.reduceat`` over runs of a row's pairs (the facility side of a
matrix, sorted by facility) or one ``np.fmin.at``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["band_sums", "nearest_in_pairs", "burden_sums", "pair_rows"]


def pair_rows(codes: np.ndarray, code_row: np.ndarray | None) -> np.ndarray:
    """The row of every pair (``code_row[codes]``; ``codes`` themselves when ``code_row`` is None: rows already,
    computed once by a caller that runs several of these sums)."""
    if code_row is None:
        return np.asarray(codes)
    return np.asarray(code_row, dtype=np.int64)[codes]


def _cells(codes: np.ndarray, code_row: np.ndarray | None, dist: np.ndarray, rings: np.ndarray) -> np.ndarray:
    """Cell of every pair in a (row, ring band) table: ``row * (len(rings) + 1) + band``, the band being the
    number of ring distances the pair lies beyond (``len(rings)``: beyond all)."""
    cell = pair_rows(codes, code_row) * (len(rings) + 1)
    for r in rings:
        cell += dist > r
    return cell


def band_sums(codes: np.ndarray, code_row: np.ndarray | None, n_rows: int, dist: np.ndarray, rings: np.ndarray, *,
              other_codes: np.ndarray | None = None, code_other: np.ndarray | None = None,
              table: np.ndarray | None = None, pair_w: np.ndarray | None = None, w_col: int = 0,
              threads: int = 1) -> np.ndarray:
    """Cumulative sums within each ring distance, per row: ``(n_rows, len(rings), m + 1 [+ 1])``.

    Pair ``i`` belongs to row ``code_row[codes[i]]`` (``codes[i]`` when ``code_row`` is None) and to every ring
    ``d >= dist[i]``. Column ``j < m`` sums
    ``table[code_other[other_codes[i]], j]`` (values of the pair's other side, e.g. a village's population),
    column ``m`` counts pairs, and with ``pair_w`` column ``m + 1`` sums ``table[.., w_col] * pair_w[i]``.
    (``threads`` is accepted for the callers and not used: every sum is one pass.)
    """
    rings = np.asarray(rings, dtype=np.float64)
    if table is None:
        table = np.zeros((1, 0))
    elif other_codes is None or code_other is None:
        raise TypeError("band_sums: a table needs other_codes and code_other")
    table = np.asarray(table, dtype=np.float64)
    m = table.shape[1]
    k = len(rings) + 1
    width = m + 1 + (pair_w is not None)
    cell = _cells(codes, code_row, np.asarray(dist, dtype=np.float64), rings)
    size = n_rows * k
    out = np.zeros((size, width))
    if m or pair_w is not None:
        other = np.asarray(code_other, dtype=np.int64)[other_codes]
        for j in range(m):
            col = np.ascontiguousarray(table[:, j])
            if col.any():  # a column of zeros (no households given, no unknown population) sums to zeros
                out[:, j] = np.bincount(cell, weights=col[other], minlength=size)
        if pair_w is not None:
            out[:, m + 1] = np.bincount(cell, weights=table[other, w_col] * np.asarray(pair_w, dtype=np.float64),
                                        minlength=size)
    out[:, m] = np.bincount(cell, minlength=size)
    return np.cumsum(out.reshape(n_rows, k, width)[:, : len(rings), :], axis=1)


def nearest_in_pairs(codes: np.ndarray, code_row: np.ndarray | None, n_rows: int, other_codes: np.ndarray,
                     dist: np.ndarray, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the least pair distance (NaN without pairs) and that pair's other code (-1 without pairs);
    ties go to the smallest other code."""
    rows = pair_rows(codes, code_row)
    dist = np.asarray(dist, dtype=np.float64)
    best = np.full(n_rows, np.inf)
    code = np.full(n_rows, np.iinfo(np.int64).max, dtype=np.int64)
    grouped = len(rows) > 0 and bool((rows[1:] >= rows[:-1]).all())
    if grouped:  # rows in runs (the facility side of a matrix): minimum per run, no scatter
        start = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
        run_min = np.fmin.reduceat(dist, start)
        best[rows[start]] = run_min
        tie = np.flatnonzero(dist == np.repeat(run_min, np.diff(np.append(start, len(rows)))))
    else:
        np.fmin.at(best, rows, dist)
        tie = np.flatnonzero(dist == best[rows])
    np.minimum.at(code, rows[tie], np.asarray(other_codes)[tie].astype(np.int64))
    none = np.isinf(best)
    best[none] = np.nan
    code[none] = -1
    return best, code


def burden_sums(codes: np.ndarray, code_row: np.ndarray | None, n_rows: int, dist: np.ndarray, radius_m: float,
                min_distance_km: float, pair_w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Per row: the sum of ``1 / max(distance_km, min_distance_km)`` over pairs within ``radius_m``, and with
    ``pair_w`` the same sum weighted by it."""
    dist = np.asarray(dist, dtype=np.float64)
    within = dist <= radius_m
    sel = slice(None) if within.all() else np.flatnonzero(within)  # all of them when the radius is the reach
    rows = pair_rows(np.asarray(codes)[sel], code_row)
    inv = 1.0 / np.maximum(dist[sel] / 1000.0, float(min_distance_km))
    out = np.bincount(rows, weights=inv, minlength=n_rows).astype(float)
    if pair_w is None:
        return out, None
    out_w = np.bincount(rows, weights=inv * np.asarray(pair_w, dtype=np.float64)[sel], minlength=n_rows)
    return out, out_w.astype(float)
