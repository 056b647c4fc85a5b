"""Checking every layer of a catalog at once, without stopping at the first problem."""

from __future__ import annotations

from dataclasses import dataclass, field

from .catalog import Catalog, sha256_file
from .errors import LayerError, Problem
from .raster import inspect_raster
from .read import inspect_layer

__all__ = ["LayerReport", "check_catalog"]


@dataclass
class LayerReport:
    """One catalog layer as checked: counts, CRS, hash and problems."""

    name: str
    role: str
    source: str
    features: int | None = None
    crs: str | None = None
    sha256: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def check_catalog(catalog: Catalog, names: list[str] | None = None) -> list[LayerReport]:
    """Read and check each layer (all, or those named) and report every problem found."""
    specs = [catalog.get(n) for n in names] if names else list(catalog.layers.values())
    reports: list[LayerReport] = []
    town_bounds = None
    town = catalog.layers.get(catalog.town)
    for spec in specs:
        rep = LayerReport(name=spec.name, role=spec.role, source=str(spec.source))
        try:
            if spec.is_table:  # the exchanges table: every row's ids against the catalog's facilities
                from .exchanges import catalog_facility_ids, exchange_problems

                df, rep.problems = exchange_problems(spec, catalog_facility_ids(catalog))
                rep.features = len(df)
                rep.sha256 = sha256_file(spec.source)
            elif spec.is_raster:
                if town_bounds is None and town is not None:
                    t = inspect_layer(town)
                    if t.gdf is not None:
                        x0, y0, x1, y1 = t.gdf.total_bounds
                        m = max(catalog.rings_m)
                        town_bounds = (x0 - m, y0 - m, x1 + m, y1 + m)
                info = inspect_raster(spec, must_cover=town_bounds)
                rep.features = None
                rep.crs = info.crs
                rep.sha256 = info.sha256
                rep.problems = info.problems
            else:
                res = inspect_layer(spec)
                rep.features = res.feature_count
                rep.crs = res.source_crs
                rep.sha256 = res.sha256
                rep.problems = res.problems
        except LayerError as exc:
            rep.problems = [Problem(layer=spec.name, source=str(spec.source), message=str(exc))]
        reports.append(rep)
    return reports
