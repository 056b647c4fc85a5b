"""Names of a package's face imported on first use (PEP 562), shared by the faces of geo, layers, criteria and maps.

A command then loads only the libraries it uses: ``ecotown buffer`` never imports rasterio, folium, weasyprint or
matplotlib.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, table: dict[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``name`` is imported from the module ``table[name]`` (relative to
    ``package``) on first use and kept in ``namespace`` (the package's globals), so later uses cost nothing."""

    def __getattr__(name: str) -> Any:
        if name in table:
            value = getattr(import_module(table[name], package), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
