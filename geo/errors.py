"""Error classes for ecotown.

``EcotownError`` is the root of every error the project raises on purpose; each
package derives its own classes from it, so the CLI can turn any of them into a
plain message and a non-zero exit code without a traceback.
"""

from __future__ import annotations

__all__ = ["EcotownError", "GeoError", "CRSError"]


class EcotownError(Exception):
    """Root of all errors raised on purpose by ecotown (message is for people)."""


class GeoError(EcotownError):
    """A spatial computation cannot be done on the data given."""


class CRSError(GeoError, ValueError):
    """A layer has no CRS, a geographic CRS where a metric one is needed, or an unknown CRS."""
