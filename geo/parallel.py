"""Running the pair kernel over chunks of facilities: serially, or with dask-geopandas on threads or a cluster.

Every backend runs the same kernel (:func:`geo.pairs.chunk_pairs`) on consecutive facility positions and
concatenates the chunks in order, so the results are identical whatever the backend or the number of workers.

* ``workers=None`` or ``1`` and no scheduler: one process; the grid kernel spreads the facilities over
  threads, one per core it may use.
* ``workers=N``: a dask-geopandas frame of the facilities in ``N * 4`` partitions computed by dask's threaded
  scheduler with ``N`` threads, each partition on one of them (numpy and GEOS release the GIL).
* ``scheduler='tcp://host:8786'`` (or a ``distributed.Client``): the same frame computed on that dask cluster;
  the communities travel once to each worker as a delayed object.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import GeoError
from .kernels import default_threads
from .pairs import MATRIX_DTYPES, FacilityChunk, Targets, chunk_bounds, chunk_pairs, measurable
from .ringspec import RingSpec

__all__ = ["run_pairs", "DEFAULT_CHUNK"]

#: facilities per chunk measured with GEOS: small enough to keep the candidate arrays near 2 million rows
DEFAULT_CHUNK = 8192

_INDEX_CACHE: dict[tuple[str, float], Any] = {}


def _dtypes(bearing: bool) -> dict[str, type]:
    return {k: t for k, t in MATRIX_DTYPES.items() if bearing or k != "bearing_deg"}


def _empty(bearing: bool = True) -> dict[str, np.ndarray]:
    return {k: np.zeros(0, dtype=t) for k, t in _dtypes(bearing).items()}


def _concat(parts: list[dict[str, np.ndarray]], bearing: bool = True) -> dict[str, np.ndarray]:
    if not parts:
        return _empty(bearing)
    out: dict[str, np.ndarray] = {}
    for k, t in _dtypes(bearing).items():  # column by column, freeing each column's chunks as it goes
        out[k] = np.concatenate([p.pop(k) for p in parts]).astype(t, copy=False)
    return out


def _reach(spec: RingSpec) -> float:
    return float(spec.radius(np.arange(len(spec.count))).max())


def _serial(fgeom: np.ndarray, kind_code: np.ndarray, targets: Targets, spec: RingSpec,
            chunk: int, bearing: bool = True) -> dict[str, np.ndarray]:
    """One process; the grid kernel on all cores. Chunks bound the memory of the GEOS pairs only (the
    grid kernel bounds its own by measuring ranges of facilities), so when every facility is a point or
    polygon and every target a point there is a single chunk."""
    index = targets.index(_reach(spec))
    if not index.has_other and not _any_other_facility(fgeom):
        chunk = len(fgeom)
    parts = [chunk_pairs(FacilityChunk(s, fgeom[s:e], kind_code[s:e]), targets, index, spec,
                         threads=default_threads(), bearing=bearing)
             for s, e in chunk_bounds(len(fgeom), chunk)]
    return parts[0] if len(parts) == 1 else _concat(parts, bearing)


def _any_other_facility(fgeom: np.ndarray) -> bool:
    """Whether any facility goes through GEOS (a line, a collection: neither a point nor a (multi)polygon).
    Points and (multi)polygons never do (measurable ones go through the grid kernel, the others have no pairs),
    so only the other types are looked at."""
    odd = ~np.isin(shapely.get_type_id(fgeom), (0, 3, 6))
    return bool(odd.any() and measurable(fgeom[odd]).any())


def _partition(part: gpd.GeoDataFrame, targets: Targets, spec: RingSpec, bearing: bool = True) -> pd.DataFrame:
    """dask-geopandas partition -> matrix columns (a tree per worker process, built once per target set)."""
    if len(part) == 0:
        return pd.DataFrame(_empty(bearing))
    pos = part["_pos"].to_numpy()
    if (np.diff(pos) != 1).any():  # partitions are consecutive slices of the id-ordered facilities
        raise GeoError("internal: a facility partition is not a consecutive range of positions")
    key = (targets.token, _reach(spec))
    index = _INDEX_CACHE.get(key)
    if index is None:
        _INDEX_CACHE.clear()
        index = _INDEX_CACHE[key] = targets.index(key[1])
    geoms = np.asarray(part.geometry.array, dtype=object)
    # one thread per partition: dask's threads run the partitions side by side
    res = chunk_pairs(FacilityChunk(int(pos[0]), geoms, part["_kind"].to_numpy()), targets, index, spec,
                      bearing=bearing)
    return pd.DataFrame(res)


def _dask(fgeom: np.ndarray, kind_code: np.ndarray, targets: Targets, spec: RingSpec, crs: Any, *,
          workers: int | None, scheduler: Any, bearing: bool = True) -> dict[str, np.ndarray]:
    import dask  # noqa: F401 - dask_geopandas needs dask; importing it first gives the clearer error
    import dask_geopandas

    n_workers = workers or 1
    gdf = gpd.GeoDataFrame({"_pos": np.arange(len(fgeom)), "_kind": kind_code}, geometry=fgeom, crs=crs)
    nparts = max(1, min(len(gdf), n_workers * 4 if scheduler is None else max(n_workers, 8) * 4))
    ddf = dask_geopandas.from_geopandas(gdf, npartitions=nparts, sort=False)
    meta = pd.DataFrame(_empty(bearing))
    if scheduler is None:
        out = ddf.map_partitions(_partition, targets, spec, bearing, meta=meta, align_dataframes=False)
        df = out.compute(scheduler="threads", num_workers=n_workers)
    else:
        from distributed import Client

        client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
        try:
            tgt = client.scatter(targets, broadcast=True)
            out = ddf.map_partitions(_partition, tgt, spec, bearing, meta=meta, align_dataframes=False)
            df = client.compute(out).result()
        finally:
            if client is not scheduler:
                client.close()
    return {k: df[k].to_numpy().astype(t, copy=False) for k, t in _dtypes(bearing).items()}


def run_pairs(fgeom: np.ndarray, kind_code: np.ndarray, targets: Targets, spec: RingSpec, *, crs: Any = None,
              workers: int | None = None, scheduler: Any = None,
              chunk: int = DEFAULT_CHUNK, bearing: bool = True) -> dict[str, np.ndarray]:
    """All pairs of the id-ordered facilities ``fgeom`` with ``targets``, in (facility, target) order (with a
    ``bearing_deg`` column when ``bearing``)."""
    if workers is not None and workers < 1:
        raise GeoError(f"workers must be 1 or more, got {workers}")
    if len(fgeom) == 0 or len(targets.geom) == 0:
        return _empty(bearing)
    if scheduler is None and (workers is None or workers == 1):
        return _serial(fgeom, kind_code, targets, spec, chunk, bearing)
    return _dask(fgeom, kind_code, targets, spec, crs, workers=workers, scheduler=scheduler, bearing=bearing)
