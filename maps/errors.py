"""Every error class of the maps package: web maps, report, history, exports and publishing.

All derive from :class:`geo.errors.EcotownError`, so the CLI turns them into a plain message and a non-zero exit
code (see ``maps/cli/errors.py``).
"""

from __future__ import annotations

from geo.errors import EcotownError

__all__ = ["MapsError", "TemplateError", "HistoryError", "PdfError", "ReproducibilityError"]


class MapsError(EcotownError):
    """A map, report or output file cannot be built or written, e.g. it needs an internet resource with no
    offline copy."""


class TemplateError(MapsError):
    """A template, a settings file of the maps package or the offline asset table is missing or broken."""


class HistoryError(MapsError):
    """The history file cannot be read or written, or holds no record of the year asked for."""


class PdfError(MapsError):
    """The PDF cannot be made (WeasyPrint or its system libraries missing, or layout failed)."""


class ReproducibilityError(MapsError):
    """A re-run of a report did not give the same tables (the message names the inputs that changed)."""
