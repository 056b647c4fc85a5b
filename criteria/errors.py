"""Errors of the criteria package: plain messages that name the file, the line and the field."""

from __future__ import annotations

from geo.errors import EcotownError

__all__ = ["CriteriaError", "EditionError", "EvidenceError", "ScoringError", "EditionFormatWarning"]


class CriteriaError(EcotownError):
    """Something is wrong with the criteria, the evidence, or the data they score."""


class EditionError(CriteriaError):
    """A criteria edition file cannot be used (missing, unreadable or inconsistent)."""


class EvidenceError(CriteriaError):
    """A yearly evidence file cannot be used (unknown indicator or subject, bad value)."""


class ScoringError(CriteriaError):
    """An indicator cannot be computed from the tables it is given."""


class EditionFormatWarning(FutureWarning):
    """An edition file uses a form that is still read but will not be for long (the message gives the new one)."""
