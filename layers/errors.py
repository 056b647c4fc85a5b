"""Errors raised while reading, validating and cataloguing layers."""

from __future__ import annotations

from dataclasses import dataclass

from geo.errors import EcotownError

__all__ = [
    "LayerError",
    "CatalogError",
    "LayerNotFoundError",
    "LayerReadError",
    "LayerValidationError",
    "Problem",
]


class LayerError(EcotownError):
    """A layer or the catalog cannot be used as given."""


class CatalogError(LayerError, ValueError):
    """The catalog file is missing, unreadable or has a wrong entry."""


class LayerNotFoundError(LayerError, KeyError):
    """No layer of that name or role is in the catalog."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class LayerReadError(LayerError, OSError):
    """The source file of a layer cannot be opened or read."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a layer, precise enough to find and fix it.

    ``severity`` is ``"error"`` (the layer cannot be used) or ``"warning"``.
    """

    layer: str
    source: str
    message: str
    feature: str | None = None
    field: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = [self.source]
        if self.feature is not None:
            where.append(f"feature {self.feature}")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        return f"{self.severity}: layer '{self.layer}' ({', '.join(where)}): {self.message}"


class LayerValidationError(LayerError, ValueError):
    """A layer has problems that make it unusable; ``problems`` lists every one."""

    def __init__(self, layer: str, problems: list[Problem]):
        self.layer = layer
        self.problems = problems
        shown = "\n  ".join(str(p) for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"layer '{layer}' cannot be used ({len(problems)} problem(s)):\n  {shown}{more}")
