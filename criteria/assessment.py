"""The result of one assessment run: what every output (maps, report, tables) is drawn from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo import RingDistances
from layers import default_parameters

__all__ = ["Assessment"]


def _default_rings() -> RingDistances:
    p = default_parameters()
    return RingDistances.parse(p["rings_m"], green_m=p["green_ring_m"], headline_m=p["headline_ring_m"])


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
        ``nearest_community_m``, ``green_share_within_<green_ring_m>`` (``<d>``: every ring distance, and every
        distance the edition reads, in nominal metres).
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
    ring_distances : geo.RingDistances
        The run's ring distances: the catalog's (shown) rings per kind, the distances the edition reads, the
        green distance, the headline ring, nominal and actual (see ``rings_m``, ``green_ring_m``,
        ``headline_ring_m``).
    landcover : Path or None
        The land-cover raster read, if any.
    manifest : dict
        What the run read: software version, edition id and sha256, inputs and their sha256, parameters.
    inputs : list of dict
        Every input (also ``manifest['inputs']``): ``layer, role, source, layer_in_file, sha256, vintage``, and
        for a layer the run read ``read_crs`` (the CRS it was converted from to EPSG:32647) and ``features``;
        joined tables add ``joined_to, on, fields, aggregate``.
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
    exchanges : DataFrame or None
        The year's resource exchanges (``from_id, to_id, material, tonnes_per_year, year, line, from_name,
        to_name, from_inside, to_inside, source``), None when the catalog has no ``exchanges`` layer.
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
    ring_distances: RingDistances = field(default_factory=_default_rings)
    landcover: Path | None = None
    manifest: dict = field(default_factory=dict)
    inputs: list[dict] = field(default_factory=list)
    gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    evidence: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    scope: Any = None
    data_gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: the resource exchanges of the year (see ``criteria.exchanges.FLOW_COLUMNS``); None without an exchanges layer
    exchanges: pd.DataFrame | None = None

    @property
    def rings_m(self) -> list[int]:
        """The catalog's ring distances in nominal metres, ascending (every kind's): what maps and tables show."""
        return list(self.ring_distances.shown)

    @property
    def green_ring_m(self) -> int:
        """Nominal distance of the green-land share (column ``green_share_within_<green_ring_m>``)."""
        return self.ring_distances.green_m

    @property
    def headline_ring_m(self) -> int:
        """The ring maps and reports show first (:attr:`geo.RingDistances.headline_m`)."""
        return self.ring_distances.headline_m

    @property
    def year_be(self) -> int:
        """The assessed year in the Buddhist era (พ.ศ.)."""
        return self.year + 543
