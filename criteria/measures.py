"""What an indicator reads from a subject table: a layer field, an analysis result, or an analysis result at a
ring distance.

An edition names a distance as a parameter: ``{measure: pop_within, ring_m: 500}`` (and, in a town aggregate,
``{column: fac_within, ring_m: 500, ...}``). The assessment measures every distance an edition names, whatever
the catalog's rings, and the table column is :func:`ring_column` (``pop_within_500``): one rule, here.
Editions written before (``{measure: pop_within_500}``) are still read, with an :class:`EditionFormatWarning`
that gives the new form.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from layers import load_roles

from .observations import OBSERVATION_MEASURES

__all__ = ["RING_MEASURES", "ANALYSIS_RESULTS", "SUBJECT_ROLES", "GREEN_MEASURE", "BURDEN_RADIUS_M",
           "IMPLIED_RING_M", "DIMENSIONS_MEASURE", "ring_column", "split_column",
           "known_column", "measure_problem"]

#: role of the layers each subject kind is read from (their canonical fields are measurable columns)
SUBJECT_ROLES = {"factory": "factories", "mine": "mines", "community": "communities", "town": None}

#: analysis results measured at a ring distance, per subject kind (the edition gives the distance as ring_m)
RING_MEASURES: dict[str, tuple[str, ...]] = {
    "factory": ("pop_within", "hh_within", "villages_within", "receptors_within", "pop_unknown_within",
                "green_share_within"),
    "community": ("fac_within",),
    "town": (),
}
RING_MEASURES["mine"] = RING_MEASURES["factory"]

#: the ring measure computed from land cover (each distance an extra zonal pass) rather than from the exposure
GREEN_MEASURE = "green_share_within"

#: analysis results without a distance, per subject kind (see DESIGN.md)
ANALYSIS_RESULTS: dict[str, tuple[str, ...]] = {
    "factory": ("nearest_community_m", "in_industrial_zone", "kind", "category", "name"),
    "community": ("nearest_facility_m", "nearest_facility_id", "burden", "name"),
    "town": ("name", "name_en", "population", "households", "area_km2", "green_share", "industrial_zone_share",
             "communities", "dimensions_covered", "exchange_links", "exchange_tonnes_inside",
             "residues_used_inside_share"),
}
ANALYSIS_RESULTS["factory"] = ANALYSIS_RESULTS["factory"] + ("residues_used_inside_share",)
ANALYSIS_RESULTS["factory"] += OBSERVATION_MEASURES  # field notes counted per subject (criteria/observations.py)
ANALYSIS_RESULTS["community"] += OBSERVATION_MEASURES
ANALYSIS_RESULTS["mine"] = ANALYSIS_RESULTS["factory"]

#: a town measure computed while scoring: in how many of the edition's dimensions the subject's other indicators
#: have data (DIW's entry requirement: development across the 5 dimensions)
DIMENSIONS_MEASURE = "dimensions_covered"

#: the proximity burden sums 1/d over the facilities within this distance (metres); an edition that reads
#: ``burden`` needs pairs that far, so the assessment measures it like a ring_m
BURDEN_RADIUS_M = 5000
#: distances a measure without ring_m reads all the same
IMPLIED_RING_M: dict[str, int] = {"burden": BURDEN_RADIUS_M}

_OLD_STYLE = re.compile(r"(?P<measure>[a-z_]+_within)_(?P<ring>\d+)")


def ring_column(measure: str, ring_m: int | None) -> str:
    """The table column of ``measure`` at ``ring_m`` metres (``pop_within_500``), or ``measure`` itself."""
    return measure if ring_m is None else f"{measure}_{int(ring_m)}"


def split_column(kind: str, column: str) -> tuple[str, int] | None:
    """``(measure, ring_m)`` when ``column`` is an old-style ring column of ``kind`` (``pop_within_500``)."""
    m = _OLD_STYLE.fullmatch(column)
    if m and m["measure"] in RING_MEASURES.get(kind, ()):
        return m["measure"], int(m["ring"])
    return None


def _role_fields(kind: str) -> tuple[str, ...]:
    role = SUBJECT_ROLES.get(kind)
    return tuple(load_roles()[role].fields) if role else ()


def known_column(kind: str, column: str) -> bool:
    """Whether ``column`` is in the table of subject ``kind``: a role field, an analysis result, or a ring
    measure at some distance."""
    return (column in _role_fields(kind) or column in ANALYSIS_RESULTS.get(kind, ())
            or split_column(kind, column) is not None)


def measure_problem(kind: str, name: Any, ring_m: Any) -> str | None:
    """Why ``name`` at ``ring_m`` cannot be read from a ``kind`` table (None when it can)."""
    if not isinstance(name, str) or not name:
        return "must name a measure (a layer field or an analysis result)"
    ring_names = RING_MEASURES.get(kind, ())
    if name in ring_names:
        if ring_m is None:
            return (f"'{name}' is measured at a distance: add ring_m, e.g. {{measure: {name}, ring_m: 500}} "
                    "(metres)")
        if isinstance(ring_m, bool) or not isinstance(ring_m, int) or ring_m <= 0:
            return f"ring_m {ring_m!r} must be a positive whole number of metres"
        return None
    plain = set(_role_fields(kind)) | set(ANALYSIS_RESULTS.get(kind, ()))
    if name not in plain:
        known = sorted(plain | set(ring_names))
        near = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        return (f"{kind} tables have no measure '{name}'{hint}: neither a field of its layer role in layers/roles.yaml "
                f"nor an analysis result (known: {', '.join(known)})")
    if ring_m is not None:
        return (f"'{name}' is not measured at a distance, so it takes no ring_m (measures with ring_m: "
                f"{', '.join(ring_names) or 'none'})")
    return None
