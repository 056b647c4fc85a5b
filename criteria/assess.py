"""One assessment run: read the catalog's layers, run the spatial analysis, score every subject."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

import geo
from layers import Catalog, load_catalog, read_layer, read_raster_spec, sha256_file

from .assessment import Assessment
from .edition import load_edition, with_target
from .errors import CriteriaError
from .evidence import load_evidence
from .missing import data_gaps
from .scope import community_scope, town_facilities
from .score import score
from .tables import read_communities, read_context, read_facilities, town_row

__all__ = ["run_assessment", "DEFAULT_EDITION", "software_version"]

DEFAULT_EDITION = "eit-2022-modelled"

Progress = Callable[[str], None]


def software_version() -> str:
    """The installed ecotown version (or 'unknown' when run from an uninstalled tree)."""
    try:
        return version("ecotown")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _green_shares(catalog: Catalog, facilities: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame,
                  context: dict[str, gpd.GeoDataFrame], ring_m: int) -> tuple[pd.Series, float, str, dict]:
    """Green share within ``ring_m`` of each facility and over the town, from land cover or green polygons."""
    zones = gpd.GeoDataFrame(geometry=facilities.geometry.buffer(ring_m, 32), crs=facilities.crs,
                             index=facilities.index)
    lc = catalog.one("landcover", required=False)
    if lc is not None:
        x0, y0, x1, y1 = boundary.total_bounds
        pad = max(catalog.rings_m)
        fx0, fy0, fx1, fy1 = facilities.total_bounds
        info = read_raster_spec(lc, must_cover=(min(x0, fx0) - ring_m, min(y0, fy0) - ring_m,
                                                max(x1, fx1) + ring_m, max(y1, fy1) + ring_m))
        classes = lc.green_classes
        fac = geo.zonal_class_shares(lc.source, zones, classes)
        town = geo.zonal_class_shares(lc.source, boundary[["geometry"]], classes)
        meta = {"layer": lc.name, "source": str(lc.source), "sha256": info.sha256, "green_classes": classes,
                "pad_m": pad}
        return fac, float(town.iloc[0]), f"land cover raster '{lc.name}' (classes {classes})", meta
    green = context.get("green")
    if green is not None and len(green):
        fac = geo.area_share(zones, green)
        town = geo.area_share(boundary[["geometry"]], green)
        return fac, float(town.iloc[0]), "green-area polygons", {}
    nan = pd.Series(np.nan, index=facilities.index)
    return nan, float("nan"), "none (no land cover or green layer)", {}


def _industrial_zone_share(facilities: gpd.GeoDataFrame, context: dict[str, gpd.GeoDataFrame]) -> tuple[float, pd.Series]:
    landuse = context.get("landuse")
    factories = facilities[facilities["kind"] == "factory"]
    if landuse is None or not len(landuse) or not len(factories):
        return float("nan"), pd.Series(pd.NA, index=facilities.index, dtype="boolean")
    is_factory = facilities["kind"] == "factory"
    zone = geo.in_zone(facilities, landuse, zone_col="zone", values=("industrial",))
    inside = zone["in_zone"].reindex(facilities.index).astype("boolean")
    inside[~is_factory] = pd.NA
    share = float(inside[is_factory].astype(bool).mean())
    return share, inside


def run_assessment(catalog: Catalog | str | Path | None = None, *, year: int,
                   edition: str | Path | None = None, overrides: dict[str, float] | None = None,
                   evidence_path: str | Path | None = None, progress: Progress | None = None,
                   ring_scale: float = 1.0) -> Assessment:
    """Assess the town of ``catalog`` for ``year`` against a criteria edition.

    Parameters
    ----------
    catalog
        A loaded catalog, or the path of a catalog file (None: the bundled Nong Pho sample).
    year
        Gregorian year (2026 = พ.ศ. 2569). Selects the evidence file of that year in the catalog.
    edition
        Edition id or file (default: the bundled modelled DIW edition).
    overrides
        What-if values by indicator id, applied to every subject of that indicator.
    evidence_path
        An evidence CSV to use instead of the catalog's file for ``year``.
    progress
        Called with a short text before each step.
    ring_scale
        Multiply every ring distance (and the green ring) by this factor while keeping the column names of
        the nominal rings, so that the same indicators can be scored; used by the sensitivity analysis.
    """
    say = progress or (lambda _msg: None)
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    ed = with_target(load_edition(edition or DEFAULT_EDITION), cat.target)  # the catalog's target wins
    nominal = list(cat.rings_m)
    rings = [int(round(d * ring_scale)) for d in nominal]
    green_ring = int(round(cat.green_ring_m * ring_scale))
    if len(set(rings)) != len(rings) or min(rings) <= 0:
        raise CriteriaError(f"ring scale {ring_scale} gives unusable ring distances {rings}")

    say("Reading layers")
    read_facts: dict[str, dict] = {}  # per layer: the CRS it was read in, for the data-health page
    town_spec = cat.get(cat.town) if cat.town else cat.one("boundary")
    boundary = read_layer(town_spec, year)
    read_facts[town_spec.name] = dict(boundary.attrs.get("ecotown", {}))
    all_facilities = read_facilities(cat, year, read_facts)
    all_communities = read_communities(cat, year, read_facts)
    context = read_context(cat, year, read_facts)
    context = {"boundary": boundary, **context}
    facilities, fac_outside = town_facilities(all_facilities, boundary)
    if not len(facilities):
        raise CriteriaError(
            f"{cat.path}: none of the {len(all_facilities)} factories and mines stands inside the town boundary "
            f"(layer '{cat.town}'); check that the boundary and the facility layers are of the same place")

    say("Measuring distances from facilities to communities")
    matrix = geo.exposure_matrix(facilities, all_communities, rings)
    # who is covered is decided at the nominal rings, so that a sensitivity run scores the same villages
    reach = matrix if ring_scale == 1.0 else geo.exposure_matrix(facilities, all_communities, [max(nominal)])
    communities, scope = community_scope(all_communities, boundary, reach["community_id"].unique(), max(nominal))
    matrix = matrix[matrix["community_id"].isin(communities.index)].reset_index(drop=True)
    scope.facilities_outside = fac_outside
    com_x = geo.community_exposure(matrix, communities, rings, facilities=facilities)
    fac_x = geo.facility_exposure(matrix, communities, rings, facilities=facilities,
                                  receptors=context.get("receptors"))
    pop_method = fac_x.attrs.get("population_method", "point")

    say("Computing green land around facilities")
    green_col = f"green_share_within_{cat.green_ring_m}"
    fac_green, town_green, green_method, lc_meta = _green_shares(cat, facilities, boundary, context,
                                                                 green_ring)
    ind_share, in_zone = _industrial_zone_share(facilities, context)

    say("Drawing rings")
    ring_bands = geo.ring_buffers(facilities, rings)

    if ring_scale != 1.0:  # keep the nominal column names so the edition's indicators still apply
        names = {f"_within_{r}": f"_within_{n}" for r, n in zip(rings, nominal)}
        ren = {c: next((c.replace(k, v) for k, v in names.items() if c.endswith(k)), c)
               for c in list(fac_x.columns) + list(com_x.columns)}
        fac_x, com_x = fac_x.rename(columns=ren), com_x.rename(columns=ren)
    fac = facilities.join(fac_x, how="left")
    fac[green_col] = fac_green.reindex(fac.index).astype(float)
    fac["in_industrial_zone"] = in_zone.reindex(fac.index)
    com = communities.join(com_x, how="left")
    town = town_row(boundary, communities[communities["in_town"]], green_share=town_green,
                    industrial_zone_share=ind_share)

    say("Scoring against the criteria")
    ev_path = Path(evidence_path) if evidence_path else cat.evidence.get(year)
    subjects = {
        "town": list(town.index),
        "factory": list(fac.index[fac["kind"] == "factory"]),
        "mine": list(fac.index[fac["kind"] == "mine"]),
        "community": list(com.index),
    }
    evidence = load_evidence(ev_path, ed, subjects=subjects) if ev_path else None
    tables = {
        "town": town,
        "factory": pd.DataFrame(fac[fac["kind"] == "factory"].drop(columns="geometry")),
        "mine": pd.DataFrame(fac[fac["kind"] == "mine"].drop(columns="geometry")),
        "community": pd.DataFrame(com.drop(columns="geometry")),
    }
    scores = score(ed, tables, evidence, overrides=overrides)
    # fields the layers could have carried (analysis columns such as pop_within_500 are never "to collect")
    missing = data_gaps(ed, tables, layer_fields=_role_fields())
    tables = {k: v.copy() for k, v in tables.items()}
    lv = scores.levels.set_index(["subject_kind", "subject_id"])
    keep = ["level", "level_name_en", "level_name_th", "rule", "gap_text", "gap_text_th"]

    def attach(df: gpd.GeoDataFrame, kind_of: Callable[[pd.Series], str]) -> gpd.GeoDataFrame:
        keys = [(kind_of(r), i) for i, r in df.iterrows()]
        sub = lv.reindex(pd.MultiIndex.from_tuples(keys))[keep]
        sub.index = df.index
        return df.join(sub)

    fac = attach(fac, lambda r: r["kind"])
    com = attach(com, lambda r: "community")
    t = lv.loc[("town", town.index[0])]
    town_s = town.iloc[0].copy()
    town_s["town_id"] = town.index[0]
    for k in keep + ["next_level"]:
        town_s[k] = t[k]

    inputs = []
    for spec in cat.layers.values():
        if getattr(spec, "is_postgis", False):
            # a database table has no file: hash the rows read (columns, values, geometries)
            from layers.postgis import read_postgis_layer

            digest, source = read_postgis_layer(spec)[1], f"postgis:{spec.name}"
        else:
            digest, source = sha256_file(spec.source), str(spec.source)
        entry = {"layer": spec.name, "role": spec.role, "source": source,
                 "layer_in_file": spec.layer, "sha256": digest, "vintage": spec.vintage}
        if read_facts.get(spec.name, {}).get("source_crs"):
            entry["read_crs"] = read_facts[spec.name]["source_crs"]  # converted from this to EPSG:32647
        # a layer added to the store (`ecotown layers add`) also names the file it came from
        for key in ("source_file", "source_sha256", "source_crs", "added"):
            if getattr(spec, key, None):
                entry[key] = str(getattr(spec, key))
        inputs.append(entry)
        for j in getattr(spec, "joins", ()):  # tables joined to the layer (`ecotown layers join`)
            inputs.append({"layer": f"{spec.name}/{j.name}", "role": "join", "source": str(j.source),
                           "layer_in_file": j.sheet or j.layer, "sha256": sha256_file(j.source),
                           "vintage": j.vintage, "joined_to": spec.name, "on": j.on,
                           "fields": dict(j.fields), "aggregate": j.aggregate})
    if ev_path:
        inputs.append({"layer": f"evidence-{year}", "role": "evidence", "source": str(ev_path),
                       "layer_in_file": None, "sha256": sha256_file(ev_path), "vintage": year})
    manifest = {
        "software": "ecotown",
        "version": software_version(),
        "created": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "year": year,
        "year_be": year + 543,
        "catalog": {"path": str(cat.path), "sha256": sha256_file(cat.path), "name": cat.name},
        "edition": {"id": ed.id, "path": str(ed.path), "sha256": ed.sha256},
        "inputs": inputs,
        "parameters": {"crs": geo.METRIC_CRS, "rings_m": rings, "green_ring_m": green_ring,
                       "population_method": pop_method, "green_method": green_method,
                       "overrides": dict(sorted((overrides or {}).items()))},
        "landcover": lc_meta,
        "scope": scope.as_dict(),
    }
    lc = cat.one("landcover", required=False)
    return Assessment(
        year=year,
        town=town_s,
        edition=ed,
        facilities=fac,
        communities=com,
        indicators=scores.indicators,
        levels=scores.levels,
        dimensions=scores.dimensions,
        exposure=matrix,
        rings=ring_bands,
        context=context,
        rings_m=nominal,
        green_ring_m=cat.green_ring_m,
        landcover=lc.source if lc is not None else None,
        manifest=manifest,
        gaps=scores.gaps,
        tables=tables,
        evidence=evidence,
        scope=scope,
        data_gaps=missing,
    )


def _role_fields() -> dict[str, set[str]]:
    """The canonical fields of the factories, mines and communities roles (what a layer or a join can carry)."""
    from layers import load_roles

    roles = load_roles()
    return {kind: set(roles[role].fields) for kind, role in
            (("factory", "factories"), ("mine", "mines"), ("community", "communities"))}
