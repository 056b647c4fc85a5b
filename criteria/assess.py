"""One assessment run: read the catalog's layers, run the spatial analysis, score every subject.

``run_assessment`` reads as the list of its steps; each is a small function here or in :mod:`criteria.analysis`
(the spatial steps) and :mod:`criteria.provenance` (what was read).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

import geo
from layers import Catalog, load_catalog, load_roles

from .analysis import Exposure, Green, Inputs, green_shares, industrial_zone_share, measure_exposure, ring_bands
from .assessment import Assessment
from .edition import Edition, load_edition, with_target
from .evidence import load_evidence
from .exchanges import exchange_facility_shares, exchange_town_values, read_town_exchanges
from .missing import data_gaps
from .provenance import build_manifest, layer_inputs, software_version
from .score import Scores, score
from .observations import count_observations
from .tables import read_boundary, read_communities, read_context, read_facilities, town_row

__all__ = ["run_assessment", "DEFAULT_EDITION", "software_version", "run_rings"]

DEFAULT_EDITION = "eit-2022-modelled"

Progress = Callable[[str], None]

#: what every subject carries from its level row
LEVEL_FIELDS = ["level", "level_name_en", "level_name_th", "rule", "gap_text", "gap_text_th"]

def run_rings(catalog: Catalog, edition: Edition, ring_scale: float = 1.0) -> geo.RingDistances:
    """The run's ring distances: the catalog's rings, plus every distance the edition reads (measured for
    scoring whatever the catalog's rings), measured at nominal x ``ring_scale``."""
    rings = catalog.rings.with_needed(edition.ring_distances())
    return rings.scaled(ring_scale) if ring_scale != 1.0 else rings


def read_inputs(catalog: Catalog, year: int) -> Inputs:
    """Every layer the assessment uses, read for ``year`` (joined tables count that year's rows)."""
    facts: dict[str, dict] = {}
    boundary = read_boundary(catalog, year, facts)
    facilities = read_facilities(catalog, year, facts)
    communities = read_communities(catalog, year, facts)
    context = {"boundary": boundary, **read_context(catalog, year, facts)}
    return Inputs(boundary, facilities, communities, context, facts)


def subject_tables(inputs: Inputs, x: Exposure, green: Green, zone: tuple[float, pd.Series]
                   ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    """The facilities and communities with their analysis columns, and the one-row town table."""
    share, in_zone = zone
    fac = x.facilities.join(x.facility_table, how="left")
    for col, values in green.columns.items():
        fac[col] = values.reindex(fac.index).astype(float)
    fac["in_industrial_zone"] = in_zone.reindex(fac.index)
    com = x.communities.join(x.community_table, how="left")
    town = town_row(inputs.boundary, x.communities[x.communities["in_town"]], green_share=green.town,
                    industrial_zone_share=share)
    return fac, com, town


def score_subjects(edition: Edition, fac: gpd.GeoDataFrame, com: gpd.GeoDataFrame, town: pd.DataFrame,
                   evidence_path: Path | None, overrides: dict[str, float] | None
                   ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame | None, Scores]:
    """Score every subject: the tables scored (by kind), the evidence read and the scores."""
    subjects = {"town": list(town.index), "factory": list(fac.index[fac["kind"] == "factory"]),
                "mine": list(fac.index[fac["kind"] == "mine"]), "community": list(com.index)}
    evidence = load_evidence(evidence_path, edition, subjects=subjects) if evidence_path else None
    tables = {
        "town": town,
        "factory": pd.DataFrame(fac[fac["kind"] == "factory"].drop(columns="geometry")),
        "mine": pd.DataFrame(fac[fac["kind"] == "mine"].drop(columns="geometry")),
        "community": pd.DataFrame(com.drop(columns="geometry")),
    }
    return tables, evidence, score(edition, tables, evidence, overrides=overrides)


def attach_levels(levels: pd.DataFrame, fac: gpd.GeoDataFrame, com: gpd.GeoDataFrame, town: pd.DataFrame
                  ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.Series]:
    """Each facility, community and the town with its level, rule and gap text."""
    lv = levels.set_index(["subject_kind", "subject_id"])

    def attach(df: gpd.GeoDataFrame, kinds: list[str]) -> gpd.GeoDataFrame:
        sub = lv.reindex(pd.MultiIndex.from_arrays([kinds, list(df.index)]))[LEVEL_FIELDS]
        sub.index = df.index
        return df.join(sub)

    t = lv.loc[("town", town.index[0])]
    town_s = town.iloc[0].copy()
    town_s["town_id"] = town.index[0]
    for k in LEVEL_FIELDS + ["next_level"]:
        town_s[k] = t[k]
    return attach(fac, list(fac["kind"])), attach(com, ["community"] * len(com)), town_s


def run_assessment(catalog: Catalog | str | Path | None = None, *, year: int,
                   edition: str | Path | None = None, overrides: dict[str, float] | None = None,
                   evidence_path: str | Path | None = None, progress: Progress | None = None,
                   ring_scale: float = 1.0, parallel: dict | None = None) -> Assessment:
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
        Measure every distance (rings, the edition's distances, the green distance) at nominal x this factor,
        names unchanged, so that the same indicators are scored; used by the sensitivity analysis.
    parallel
        ``{"workers": N, "scheduler": client}``: measure the pairs on a dask cluster (:func:`geo.exposure_matrix`);
        the results are identical.

    Raises
    ------
    CriteriaError
        Among others when a distance the edition reads was not measured (never a silent "no data").
    """
    say = progress or (lambda _msg: None)
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    ed = with_target(load_edition(edition or DEFAULT_EDITION), cat.target)  # the catalog's target wins
    rings = run_rings(cat, ed, ring_scale)
    say("Reading layers")
    inputs = read_inputs(cat, year)
    say("Measuring distances from facilities to communities")
    x = measure_exposure(inputs, rings, where=f"{cat.path}: ", parallel=parallel)
    say("Computing green land around facilities")
    green = green_shares(cat, x.facilities, inputs.boundary, inputs.context, rings,
                         ed.ring_distances(green=True), facts=inputs.facts)
    zone = industrial_zone_share(x.facilities, inputs.context)
    say("Drawing rings")
    bands = ring_bands(x.facilities, rings)
    fac, com, town = subject_tables(inputs, x, green, zone)
    fac, com = count_observations(inputs.context, fac, com, year)  # field notes of the year, per subject
    exchanges = read_town_exchanges(cat, year, fac, inputs.facts)  # None without an exchanges layer
    town = town.assign(**exchange_town_values(exchanges))
    fac["residues_used_inside_share"] = exchange_facility_shares(exchanges, fac.index)
    say("Scoring against the criteria")
    ev_path = Path(evidence_path) if evidence_path else cat.evidence.get(year)
    tables, evidence, scores = score_subjects(ed, fac, com, town, ev_path, overrides)
    missing = data_gaps(ed, tables, layer_fields=_role_fields())  # analysis columns are never "to collect"
    fac, com, town_s = attach_levels(scores.levels, fac, com, town)
    inputs_read = layer_inputs(cat, inputs.facts, year=year, evidence=ev_path)
    manifest = build_manifest(cat, ed, rings, year=year, inputs=inputs_read, overrides=overrides,
                              methods={"population_method": x.population_method, "green_method": green.method},
                              landcover=green.landcover, scope=x.scope.as_dict())
    lc = cat.one("landcover", required=False)
    return Assessment(
        year=year, town=town_s, edition=ed, facilities=fac, communities=com,
        indicators=scores.indicators, levels=scores.levels, dimensions=scores.dimensions,
        exposure=x.matrix, rings=bands, context=inputs.context, ring_distances=rings,
        landcover=lc.source if lc is not None else None, manifest=manifest, inputs=inputs_read,
        gaps=scores.gaps, tables={k: v.copy() for k, v in tables.items()}, evidence=evidence,
        scope=x.scope, data_gaps=missing, exchanges=exchanges,
    )


def _role_fields() -> dict[str, set[str]]:
    """The canonical fields of the factories, mines and communities roles (what a layer or a join can carry)."""
    roles = load_roles()
    return {kind: set(roles[role].fields) for kind, role in
            (("factory", "factories"), ("mine", "mines"), ("community", "communities"))}
