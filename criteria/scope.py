"""Which facilities and communities an assessment covers.

The town is its boundary: the factories and mines that stand in it (a concession that crosses the line counts).
The people it must care for live around those facilities, not only inside the subdistrict line: a village outside
the boundary but within the largest ring of a town facility is assessed as an *affected community*. A village
outside the boundary and beyond every ring is left out, and the outputs say which (``Scope.left_out``).

Layers often cover more than the town (a province's DIW registry, a national village layer), so this is where
they are cut down to the town, once, before any measuring or scoring.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["Scope", "town_facilities", "community_scope", "RELATION_INSIDE", "RELATION_AFFECTED"]

RELATION_INSIDE = "inside"
RELATION_AFFECTED = "affected"


@dataclass
class Scope:
    """What the assessment covers, and what it left out and why."""

    facilities_outside: pd.DataFrame = field(default_factory=pd.DataFrame)  # id, kind, name, layer
    left_out: pd.DataFrame = field(default_factory=pd.DataFrame)  # community_id, name, reason
    communities_inside: int = 0
    communities_affected: int = 0
    reach_m: float = 0.0

    def summary(self) -> str:
        """One line for the console and the manifest."""
        parts = [f"{self.communities_inside} communities inside the boundary",
                 f"{self.communities_affected} outside it within {self.reach_m:,.0f} m of a town facility "
                 "(assessed as affected communities)"]
        if len(self.left_out):
            parts.append(f"{len(self.left_out)} left out, beyond every ring")
        if len(self.facilities_outside):
            parts.append(f"{len(self.facilities_outside)} facilities outside the boundary left out")
        return "; ".join(parts)

    def as_dict(self) -> dict:
        return {"communities_inside": int(self.communities_inside),
                "communities_affected": int(self.communities_affected),
                "communities_left_out": sorted(str(i) for i in self.left_out.get("community_id", [])),
                "facilities_outside": sorted(str(i) for i in self.facilities_outside.get("facility_id", [])),
                "reach_m": float(self.reach_m)}


def _town_shape(boundary: gpd.GeoDataFrame):
    return boundary.geometry.union_all()


def town_facilities(facilities: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame
                    ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The facilities that stand in the town (touching or inside the boundary), and those left out."""
    inside = facilities.intersects(_town_shape(boundary)).to_numpy()
    out = facilities.loc[~inside]
    cols = [c for c in ("kind", "name", "layer") if c in out.columns]
    outside = pd.DataFrame(out[cols]).reset_index()
    if "facility_id" not in outside.columns:
        outside = outside.rename(columns={outside.columns[0]: "facility_id"})
    return facilities.loc[inside], outside


def community_scope(communities: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame, reached: pd.Index | np.ndarray,
                    reach_m: float) -> tuple[gpd.GeoDataFrame, Scope]:
    """Keep the communities inside the boundary or reached by a town facility's rings (``reached``: the ids
    that appear in the exposure matrix); mark each with ``in_town`` and ``relation``."""
    inside = communities.intersects(_town_shape(boundary)).to_numpy()
    hit = communities.index.isin(pd.Index(reached))
    keep = inside | hit
    kept = communities.loc[keep].copy()
    kept["in_town"] = inside[keep]
    kept["relation"] = np.where(inside[keep], RELATION_INSIDE, RELATION_AFFECTED)
    gone = communities.loc[~keep]
    left = pd.DataFrame({
        "community_id": gone.index.astype(str),
        "name": gone["name"].astype(object).to_numpy() if "name" in gone.columns else None,
        "reason": f"outside the boundary and more than {reach_m:,.0f} m from every town facility",
    })
    scope = Scope(left_out=left, communities_inside=int(inside.sum()),
                  communities_affected=int((hit & ~inside).sum()), reach_m=float(reach_m))
    return kept, scope
