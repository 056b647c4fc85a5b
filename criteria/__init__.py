"""Criteria: editions as data files, the indicator engine, levels, explanations and the assessment run.

Public API::

    from criteria import run_assessment, load_edition, score, explain
    a = run_assessment(year=2026)          # the bundled Nong Pho sample
    print(a.town["level"], explain(a, "town"))
"""

from .errors import CriteriaError, EditionError, EvidenceError, ScoringError

# a module and a function of the same name: imported now, or importing the module would hide the function
from .explain import explain, explain_table, missing_data, provenance_lines
from .provenance_text import level_provenance, level_tag, names_note, provenance_sentences, provenance_text, thresholds_note
from .score import Scores, score
from .sensitivity import sensitivity

from geo.lazy import lazy_attributes

#: every public name but the errors is imported on first use: the CLI's error table needs the error classes in
#: every command, and the engine's modules (editions, scoring, rasters) only where a command assesses
_LAZY = {
    "DEFAULT_EDITION": ".assess",
    "run_assessment": ".assess",
    "software_version": ".assess",
    "Assessment": ".assessment",
    "Edition": ".edition",
    "Indicator": ".edition",
    "list_editions": ".edition",
    "load_edition": ".edition",
    "validate_edition_file": ".edition",
    "load_evidence": ".evidence",
    "format_value": ".formatting",
    "needs_text": ".formatting",
    "Change": ".gap",
    "as_overrides": ".gap",
    "ScenarioError": ".scenario",
    "load_scenario": ".scenario",
    "evidence_template": ".evidence",
    "write_evidence_template": ".evidence",
}


__getattr__ = lazy_attributes(__name__, _LAZY, globals())

__all__ = ["provenance_lines", "provenance_sentences", "provenance_text", "level_provenance", "level_tag", "thresholds_note", "names_note",
    "Assessment", "run_assessment", "DEFAULT_EDITION", "software_version",
    "Edition", "Indicator", "load_edition", "list_editions", "validate_edition_file",
    "load_evidence", "evidence_template", "write_evidence_template", "score", "Scores", "explain",
    "explain_table",
    "missing_data", "format_value", "needs_text", "Change", "as_overrides", "load_scenario", "ScenarioError", "sensitivity",
    "CriteriaError", "EditionError", "EvidenceError", "ScoringError",
]
