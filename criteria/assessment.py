"""The result of one assessment run: what every output (maps, report, tables) is drawn from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

__all__ = ["Assessment"]


@dataclass
class Assessment:
    """Everything one ``ecotown assess`` run computed, in EPSG:32647.

    Attributes
    ----------
    year : int
        Gregorian year assessed (the Buddhist-era year is ``year + 543``).
    town : pandas.Series
        ``town_id, name, name_en, level, level_name_en, level_name_th, population, households, area_km2``.
    edition : criteria.edition.Edition
        The criteria edition used.
    facilities : GeoDataFrame
        Index ``facility_id``. Columns ``kind`` ('factory' | 'mine'), ``name``, ``category``, ``level``,
        ``level_name_en``, ``level_name_th``, ``gap_text``, the role attributes, and the analysis columns
        ``pop_within_<d>``, ``hh_within_<d>``, ``villages_within_<d>``, ``receptors_within_<d>``,
        ``nearest_community_m``, ``green_share_within_<green_ring_m>``.
    communities : GeoDataFrame
        Index ``community_id``. Columns ``name``, ``population``, ``households``, ``level``, ``level_name_en``,
        ``level_name_th``, ``gap_text``, ``fac_within_<d>``, ``nearest_facility_id``, ``nearest_facility_m``,
        ``burden``, ``in_town`` (inside the boundary) and ``relation`` ('inside' | 'affected': outside the
        boundary but within the largest ring of a town facility).
    indicators : DataFrame
        Long table, one row per subject x indicator (see ``criteria.score``).
    levels : DataFrame
        One row per subject: ``subject_kind, subject_id, name, level, level_name_en, level_name_th, rule,
        next_level, gap_text``.
    dimensions : DataFrame
        Town results per dimension: ``dimension_id, name_en, name_th, indicators, met_current, met_next,
        share_met_next``.
    exposure : DataFrame
        ``facility_id, community_id, distance_m, ring_m, bearing_deg``.
    rings : GeoDataFrame
        ``facility_id, ring_m, geometry``: ring bands (donuts) around each facility.
    context : dict of GeoDataFrame
        Optional context layers by role: ``boundary``, ``receptors``, ``water``, ``roads``, ``green``, ``landuse``.
    rings_m : list of int
        Ring distances in metres, ascending.
    green_ring_m : int
        Ring distance used for the green-land share.
    landcover : Path or None
        The land-cover raster read, if any.
    manifest : dict
        What the run read: software version, edition id and sha256, inputs and their sha256, parameters.
    gaps : DataFrame
        The smallest set of changes that lifts each subject one level: ``subject_kind, subject_id,
        next_level, step, indicator_id, value_from, value_to, action``.
    tables : dict of DataFrame
        The subject tables that were scored (``town``, ``factory``, ``mine``, ``community``).
    evidence : DataFrame or None
        The evidence read for the year.
    sensitivity : DataFrame or None
        Levels when thresholds or ring distances move (see ``criteria.sensitivity``), when computed.
    data_gaps : DataFrame
        Layer fields that some subjects lack, per subject kind and field, with the indicators they would let
        the tool score and the action in English and Thai (see ``criteria.missing``).
    scope : criteria.scope.Scope or None
        What the run covered: communities inside the boundary, affected ones outside it, and those left out
        (beyond every ring), and facilities outside the boundary that were left out.
    """

    year: int
    town: pd.Series
    edition: Any
    facilities: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    indicators: pd.DataFrame
    levels: pd.DataFrame
    dimensions: pd.DataFrame
    exposure: pd.DataFrame
    rings: gpd.GeoDataFrame
    context: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    rings_m: list[int] = field(default_factory=lambda: [500, 1000, 3000, 5000])
    green_ring_m: int = 1000
    landcover: Path | None = None
    manifest: dict = field(default_factory=dict)
    gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    evidence: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    scope: Any = None
    data_gaps: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def year_be(self) -> int:
        """The assessed year in the Buddhist era (พ.ศ.)."""
        return self.year + 543
