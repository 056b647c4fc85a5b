"""``layers show``: everything about one catalog layer — fields, counts, extent, CRS, vintage and hashes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .catalog import Catalog, LayerSpec
from .errors import Problem
from .raster import inspect_raster
from .read import inspect_layer

__all__ = ["LayerFacts", "FieldFacts", "describe_layer"]


@dataclass
class FieldFacts:
    name: str
    type: str
    filled: int
    example: str


@dataclass
class LayerFacts:
    """What ``layers show`` prints."""

    spec: LayerSpec
    kind: str  # 'vector' | 'raster' | 'table'
    features: int | None = None
    geometry_types: dict[str, int] = field(default_factory=dict)
    fields: list[FieldFacts] = field(default_factory=list)
    crs: str | None = None
    extent_m: tuple[float, float, float, float] | None = None  # EPSG:32647
    extent_lonlat: tuple[float, float, float, float] | None = None
    sha256: str | None = None
    raster: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: the tables joined to the layer, as read (layers.join.JoinReport)
    joins: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs for printing."""
        s = self.spec
        out = [("name", s.name), ("role", s.role), ("file", str(s.source) + (f"  layer '{s.layer}'" if s.layer
                                                                             else ""))]
        if self.kind == "vector":
            out.append(("features", "" if self.features is None else f"{self.features:,}"))
            out.append(("geometry", ", ".join(f"{k} {v:,}" for k, v in sorted(self.geometry_types.items()))))
        elif self.kind == "table":
            out.append(("rows", "" if self.features is None else f"{self.features:,} (a table without geometry)"))
        else:
            r = self.raster
            out += [("size", f"{r.get('width')} x {r.get('height')} cells"),
                    ("cell size", f"{r.get('res')}"), ("nodata", str(r.get("nodata"))),
                    ("data type", str(r.get("dtype"))), ("values", str(r.get("values", ""))[:200])]
        if self.kind != "table":
            out.append(("CRS", f"{self.crs or 'none'} (read as EPSG:32647)" if self.kind == "vector"
                        else f"{self.crs or 'none'}"))
        if s.source_crs:
            out.append(("original CRS", s.source_crs))
        if self.extent_m:
            x0, y0, x1, y1 = self.extent_m
            out.append(("extent (EPSG:32647)", f"x {x0:,.1f} to {x1:,.1f}, y {y0:,.1f} to {y1:,.1f} "
                                               f"({(x1 - x0) / 1000:,.2f} x {(y1 - y0) / 1000:,.2f} km)"))
        if self.extent_lonlat:
            a, b, c, d = self.extent_lonlat
            out.append(("extent (lon/lat)", f"lon {a:.5f} to {c:.5f}, lat {b:.5f} to {d:.5f}"))
        out.append(("vintage", str(s.vintage) if s.vintage is not None else "not recorded"))
        out.append(("added", s.added or "not recorded (entry written by hand)"))
        if s.source_file:
            out.append(("source file", s.source_file))
        out.append(("source sha256", s.source_sha256 or "not recorded"))
        out.append(("file sha256", self.sha256 or ""))
        return out


def _example(series: pd.Series) -> str:
    vals = series.dropna()
    return "" if vals.empty else str(vals.iloc[0])[:40]


def describe_layer(catalog: Catalog, name: str) -> LayerFacts:
    """Read and describe one layer of ``catalog`` (problems are listed, not raised)."""
    spec = catalog.get(name)
    if spec.is_table:  # a table without geometry (exchanges): its rows, checked against the catalog's facilities
        from .catalog import sha256_file
        from .exchanges import catalog_facility_ids, exchange_problems

        df, probs = exchange_problems(spec, catalog_facility_ids(catalog))
        return LayerFacts(spec=spec, kind="table", features=len(df), sha256=sha256_file(spec.source), problems=probs)
    if spec.is_raster:
        info = inspect_raster(spec)
        facts = LayerFacts(spec=spec, kind="raster", crs=info.crs, sha256=info.sha256, problems=info.problems)
        if info.shape:
            facts.raster = {"height": info.shape[0], "width": info.shape[1], "res": info.resolution,
                            "nodata": info.nodata, "dtype": info.dtype, "values": info.values or ""}
        if info.bounds and info.crs:
            from rasterio.warp import transform_bounds

            facts.extent_m = tuple(transform_bounds(info.crs, "EPSG:32647", *info.bounds))
            facts.extent_lonlat = tuple(transform_bounds(info.crs, "EPSG:4326", *info.bounds))
        return facts
    res = inspect_layer(spec)
    facts = LayerFacts(spec=spec, kind="vector", features=res.feature_count, crs=res.source_crs, sha256=res.sha256,
                       problems=res.problems, joins=res.joins)
    gdf = res.gdf
    if gdf is None:
        return facts
    types = gdf.geometry.geom_type.fillna("none").value_counts()
    facts.geometry_types = {str(k): int(v) for k, v in types.items()}
    for col in gdf.columns:
        if col == "geometry":
            continue
        s = gdf[col]
        facts.fields.append(FieldFacts(name=str(col), type=str(s.dtype), filled=int(s.notna().sum()),
                                       example=_example(s)))
    if len(gdf) and not gdf.geometry.is_empty.all():
        b = gdf.total_bounds
        if np.all(np.isfinite(b)):
            facts.extent_m = tuple(float(v) for v in b)
            facts.extent_lonlat = tuple(float(v) for v in gdf.to_crs("EPSG:4326").total_bounds)
    return facts
