"""Error classes for the maps package (HTML maps, templates, offline assets).

Both derive from :class:`geo.errors.EcotownError`, so the CLI turns them into a
plain message and a non-zero exit code.
"""

from __future__ import annotations

from geo.errors import EcotownError

__all__ = ["MapsError", "TemplateError"]


class MapsError(EcotownError):
    """A map cannot be built or written, e.g. it needs an internet resource with no offline copy."""


class TemplateError(MapsError):
    """A map template or the offline asset table is missing or broken."""
