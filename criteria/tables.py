"""Building the subject tables that the indicator engine scores, from layers and the spatial analysis."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from layers import Catalog, LayerSpec, read_layer

from .errors import CriteriaError

__all__ = ["read_facilities", "read_communities", "read_context", "read_boundary", "town_row"]

CONTEXT_ROLES = ("receptors", "water", "roads", "green", "landuse", "observations")


def _with_id(gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    out = gdf.rename(columns={"id": name}).set_index(name, drop=False)
    out.index.name = name
    return out


def _read(spec: LayerSpec, year: int | None, facts: dict | None) -> gpd.GeoDataFrame:
    """One layer, read for ``year``; what the reading found out (source CRS, sha256, feature count) goes into
    ``facts``."""
    g = read_layer(spec, year)
    if facts is not None:
        facts[spec.name] = {**g.attrs.get("ecotown", {}), "features": int(len(g))}
    return g


def read_boundary(catalog: Catalog, year: int | None = None, facts: dict | None = None) -> gpd.GeoDataFrame:
    """The town boundary: the catalog's ``town`` layer, else its boundary layer."""
    spec = catalog.get(catalog.town) if catalog.town else catalog.one("boundary")
    return _read(spec, year, facts)


def read_facilities(catalog: Catalog, year: int | None = None, facts: dict | None = None) -> gpd.GeoDataFrame:
    """Every factory and mine layer of the catalog as one table, ``facility_id`` unique across them.

    ``year``: the year assessed, for the tables joined to the layers (default: this year). ``facts`` (a dict)
    receives, per layer name, what reading it found out (``source_crs``, ``sha256``).
    """
    parts: list[gpd.GeoDataFrame] = []
    for role, kind in (("factories", "factory"), ("mines", "mine")):
        for spec in catalog.by_role(role):
            g = _read(spec, year, facts)
            g = g.rename(columns={"id": "facility_id"})
            g.insert(1, "kind", kind)
            if kind == "mine":
                g.insert(2, "category", g["mine_type"].astype(object))
            g["layer"] = spec.name
            parts.append(g)
    if not parts:
        raise CriteriaError(
            f"{catalog.path}: the catalog has no layer with role 'factories' or 'mines'; "
            "an assessment needs at least one facility layer"
        )
    fac = pd.concat(parts, ignore_index=True)
    fac = gpd.GeoDataFrame(fac, geometry="geometry", crs=parts[0].crs)
    dup = fac["facility_id"][fac["facility_id"].duplicated(keep=False)]
    if len(dup):
        raise CriteriaError(_repeated_ids_message(fac.loc[dup.index, ["facility_id", "layer"]]))
    fac = fac.sort_values("facility_id", kind="stable")
    return _with_id(fac.rename(columns={"facility_id": "id"}), "facility_id")


def _repeated_ids_message(rows: pd.DataFrame, shown: int = 5) -> str:
    """A few of the ids that repeat across facility layers, with their layers, the count, and how to fix it."""
    layers_of = rows.groupby("facility_id", sort=False)["layer"].agg(lambda s: list(dict.fromkeys(s)))
    examples = "; ".join(f"'{i}' in layers {', '.join(repr(x) for x in ls)}"
                         for i, ls in list(layers_of.items())[:shown])
    more = f" and {len(layers_of) - shown:,} more" if len(layers_of) > shown else ""
    involved = list(dict.fromkeys(rows["layer"]))
    return (f"facility ids must be unique across factory and mine layers, but {len(layers_of):,} id(s) repeat: "
            f"{examples}{more}. Give each layer its own id field (ecotown layers add FILE --id-field REGISTRY_NO "
            f"--replace), or a prefix per layer: 'id_prefix: M-' in the catalog entry of '{involved[-1]}' (or "
            f"ecotown layers add FILE --name {involved[-1]} --id-prefix M- --replace)")


def read_communities(catalog: Catalog, year: int | None = None, facts: dict | None = None) -> gpd.GeoDataFrame:
    """Every community layer as one table indexed by ``community_id``."""
    specs = catalog.by_role("communities")
    if not specs:
        raise CriteriaError(f"{catalog.path}: the catalog has no layer with role 'communities' (villages)")
    parts = [_read(s, year, facts) for s in specs]
    com = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=parts[0].crs)
    if com["id"].duplicated().any():
        raise CriteriaError("community ids repeat across community layers: "
                            + ", ".join(sorted(set(com["id"][com["id"].duplicated()]))))
    com = com.sort_values("id", kind="stable")
    return _with_id(com, "community_id")


def read_context(catalog: Catalog, year: int | None = None, facts: dict | None = None
                 ) -> dict[str, gpd.GeoDataFrame]:
    """The optional context layers (receptors, water, roads, green, land use), one table per role."""
    out: dict[str, gpd.GeoDataFrame] = {}
    for role in CONTEXT_ROLES:
        specs: list[LayerSpec] = catalog.by_role(role)
        if not specs:
            continue
        parts = [_read(s, year, facts) for s in specs]
        g = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=parts[0].crs)
        out[role] = g.sort_values("id", kind="stable").reset_index(drop=True)
    return out


def town_row(boundary: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, *, green_share: float,
             industrial_zone_share: float) -> pd.DataFrame:
    """The one-row town table."""
    b = boundary.iloc[0]
    town_id = str(b.get("code") or b["id"])
    area_km2 = float(boundary.geometry.union_all().area / 1e6)
    pop = pd.to_numeric(communities["population"], errors="coerce")
    hh = pd.to_numeric(communities.get("households", pd.Series(dtype=float)), errors="coerce")
    row = {
        "name": str(b["name"]),
        "name_en": str(b.get("name_en") or b["name"]),
        "population": float(pop.sum()) if pop.notna().any() else np.nan,
        "households": float(hh.sum()) if hh.notna().any() else np.nan,
        "area_km2": round(area_km2, 6),
        "green_share": green_share,
        "industrial_zone_share": industrial_zone_share,
        "communities": int(len(communities)),
    }
    df = pd.DataFrame([row], index=pd.Index([town_id], name="town_id"))
    return df
