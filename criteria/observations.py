"""Field notes counted per facility and village for the assessed year (the measures ``observations`` and
``observations_<kind>`` criteria can read).

A note of the assessed year (its own time) counts for the subject whose id it carries (``subject_id``, when that
facility or village is assessed), else for the nearest facility or village within ``counted_within_m`` metres
(``layers/observation_kinds.yaml``), measured in EPSG:32647 between geometries like every distance of the analysis
(to a mine's concession edge, 0 inside). A note near no subject is still listed (maps, report annex) but counted
for none. With no observations layer in the catalog the counts are "no data", not zero.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.observations import ROLE, counting_distance_m, in_year, observation_kinds

__all__ = ["OBSERVATION_MEASURES", "count_observations", "observation_columns"]


def observation_columns() -> tuple[str, ...]:
    """The count columns: all notes, then one per kind."""
    return ("observations",) + tuple(f"observations_{k['id']}" for k in observation_kinds())


#: the columns added to the factory, mine and community tables
OBSERVATION_MEASURES = observation_columns()


def _assign(notes: gpd.GeoDataFrame, subjects: gpd.GeoDataFrame, within_m: float) -> tuple[list, list]:
    """For each note: the subject it counts for ('' for none) and the distance to it (m)."""
    ids = subjects.index.astype(str)
    known = set(ids)
    geoms = subjects.geometry.to_numpy()
    out, dist = [], []
    for sid, pt in zip(notes["subject_id"], notes.geometry):
        sid = "" if sid is None or pd.isna(sid) else str(sid)
        if sid in known:
            out.append(sid)
            dist.append(float(pt.distance(geoms[ids.get_loc(sid)])))
            continue
        if not len(ids):
            out.append(""), dist.append(np.nan)
            continue
        d = np.array([pt.distance(g) for g in geoms], dtype=float)
        order = np.lexsort((np.asarray(ids), d))  # nearest; ties by id
        k = int(order[0])
        if d[k] <= within_m:
            out.append(ids[k]), dist.append(float(d[k]))
        else:
            out.append(""), dist.append(float(d[k]))
    return out, dist


def count_observations(context: dict[str, gpd.GeoDataFrame], fac: gpd.GeoDataFrame, com: gpd.GeoDataFrame,
                       year: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """``fac`` and ``com`` with the count columns; ``context['observations']`` becomes the notes of ``year``
    with ``counted_for`` (subject id or '') and ``counted_m`` (distance to it)."""
    notes = context.get(ROLE)
    if notes is None:
        return fac, com
    notes = in_year(notes, year).copy()
    subjects = pd.concat([fac[["geometry"]], com[["geometry"]]])
    subjects = gpd.GeoDataFrame(subjects, geometry="geometry", crs=fac.crs)
    if len(notes):
        notes["counted_for"], notes["counted_m"] = _assign(notes, subjects, counting_distance_m())
    else:
        notes["counted_for"], notes["counted_m"] = pd.Series(dtype=object), pd.Series(dtype=float)
    context[ROLE] = notes.sort_values(["time", "id"], kind="stable").reset_index(drop=True)
    cols = observation_columns()

    def counts(df: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        out = df.copy()
        mine = notes[notes["counted_for"].isin(set(df.index.astype(str)))]
        for col in cols:
            sel = mine if col == "observations" else mine[mine["kind"] == col[len("observations_"):]]
            n = sel["counted_for"].value_counts()
            out[col] = n.reindex(df.index.astype(str)).fillna(0).astype(int).to_numpy()
        return out

    return counts(fac), counts(com)
