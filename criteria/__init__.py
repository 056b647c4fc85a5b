"""Criteria: editions as data files, the indicator engine, levels, explanations and the assessment run.

Public API::

    from criteria import run_assessment, load_edition, score, explain
    a = run_assessment(year=2026)          # the bundled Nong Pho sample
    print(a.town["level"], explain(a, "town"))
"""

from .assess import DEFAULT_EDITION, run_assessment, software_version
from .assessment import Assessment
from .edition import Edition, Indicator, list_editions, load_edition, validate_edition_file
from .errors import CriteriaError, EditionError, EvidenceError, ScoringError
from .evidence import load_evidence
from .explain import explain, explain_table, missing_data, provenance_lines
from .provenance_text import level_provenance, level_tag, provenance_sentences, provenance_text, thresholds_note, names_note
from .formatting import format_value, needs_text
from .gap import Change, as_overrides
from .scenario import ScenarioError, load_scenario
from .score import Scores, score
from .sensitivity import sensitivity
from .evidence import evidence_template, write_evidence_template

__all__ = ["provenance_lines", "provenance_sentences", "provenance_text", "level_provenance", "level_tag", "thresholds_note", "names_note",
    "Assessment", "run_assessment", "DEFAULT_EDITION", "software_version",
    "Edition", "Indicator", "load_edition", "list_editions", "validate_edition_file",
    "load_evidence", "evidence_template", "write_evidence_template", "score", "Scores", "explain",
    "explain_table",
    "missing_data", "format_value", "needs_text", "Change", "as_overrides", "load_scenario", "ScenarioError", "sensitivity",
    "CriteriaError", "EditionError", "EvidenceError", "ScoringError",
]
