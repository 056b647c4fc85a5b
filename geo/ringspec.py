"""Ring distances, one list for every facility or one list per facility kind (quarries wider than factories)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np

from ._validate import check_rings
from .errors import GeoError

__all__ = ["RingSpec", "ring_spec", "DEFAULT_KIND"]

#: key of a ring mapping that applies to every kind not named in it
DEFAULT_KIND = "default"


@dataclass(frozen=True)
class RingSpec:
    """Ring distances resolved for a facility table.

    ``union`` is every distance used by any kind (ascending); ``by_kind`` maps a kind to its own distances
    (empty when one list applies to all); ``table`` holds one row of distances per kind code, padded with
    +inf, and ``kind_code`` the row of each facility.
    """

    union: np.ndarray
    by_kind: dict[str, np.ndarray]
    table: np.ndarray
    count: np.ndarray
    kind_code: np.ndarray

    @property
    def per_kind(self) -> bool:
        return bool(self.by_kind)

    def ring_index(self, kc: np.ndarray, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For pairs (facility kind code, distance): the index of the smallest ring containing the pair and
        whether any ring of the facility's kind contains it."""
        if self.table.shape[0] == 1:  # one list for every facility: a binary search
            idx = np.searchsorted(self.table[0], dist, side="left")
            return idx, idx < self.count[0]
        idx = np.zeros(len(dist), dtype=np.int64)
        for j in range(self.table.shape[1]):
            idx += dist > self.table[kc, j]
        return idx, idx < self.count[kc]

    def ring_value(self, kc: np.ndarray, idx: np.ndarray) -> np.ndarray:
        if self.table.shape[0] == 1:
            return self.table[0].astype(np.int64)[idx]
        return self.table[kc, idx].astype(np.int64)

    def radius(self, kc: np.ndarray) -> np.ndarray:
        """Largest ring distance of each kind code."""
        return self.table[kc, self.count[kc] - 1]


def union_rings(rings_m: Sequence[float] | Mapping[str, Sequence[float]]) -> np.ndarray:
    """Every ring distance of a list or a kind mapping, ascending and checked."""
    if isinstance(rings_m, Mapping):
        if not rings_m:
            raise GeoError("the ring mapping is empty; give at least one kind with its ring distances")
        for k, v in rings_m.items():
            try:
                check_rings(v)
            except GeoError as exc:
                raise GeoError(f"rings of kind '{k}': {exc}") from None
        return np.unique(np.concatenate([np.asarray(list(v), dtype=float) for v in rings_m.values()]))
    return check_rings(rings_m)


def ring_spec(rings_m: Sequence[float] | Mapping[str, Sequence[float]], facilities: gpd.GeoDataFrame, *,
              kind_col: str = "kind") -> RingSpec:
    """Resolve ``rings_m`` (a list, or a mapping kind -> list with an optional 'default') for ``facilities``."""
    n = len(facilities)
    if not isinstance(rings_m, Mapping):
        rings = check_rings(rings_m)
        return RingSpec(rings, {}, rings[None, :], np.array([len(rings)]), np.zeros(n, dtype=np.int64))
    union = union_rings(rings_m)
    by_kind = {str(k): check_rings(v) for k, v in rings_m.items()}
    names = sorted(by_kind)
    width = max(len(v) for v in by_kind.values())
    table = np.full((len(names), width), np.inf)
    for i, k in enumerate(names):
        table[i, : len(by_kind[k])] = by_kind[k]
    count = np.array([len(by_kind[k]) for k in names])
    if kind_col not in facilities.columns:
        if DEFAULT_KIND in by_kind:
            code = np.full(n, names.index(DEFAULT_KIND), dtype=np.int64)
            return RingSpec(union, by_kind, table, count, code)
        raise GeoError(f"rings are given per kind ({', '.join(names)}) but the facilities have no '{kind_col}' "
                       "column; add it or give one list of rings")
    kinds = facilities[kind_col].astype(str).to_numpy()
    lookup = {k: i for i, k in enumerate(names)}
    fallback = lookup.get(DEFAULT_KIND, -1)
    uniq, inv = np.unique(kinds, return_inverse=True)
    ucode = np.array([lookup.get(k, fallback) for k in uniq], dtype=np.int64)
    if (ucode < 0).any():
        missing = [str(k) for k in uniq[ucode < 0]]
        raise GeoError(f"no ring distances for facility kind(s) {', '.join(missing)}; the ring mapping names "
                       f"{', '.join(names)} (add them, or a '{DEFAULT_KIND}' entry)")
    return RingSpec(union, by_kind, table, count, ucode[inv].reshape(-1) if n else np.zeros(0, dtype=np.int64))
