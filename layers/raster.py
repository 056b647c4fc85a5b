"""Checking raster layers (land cover and the like): CRS, nodata, classes and coverage of the study area."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import rasterio
from rasterio.errors import RasterioIOError
from rasterio.warp import transform_bounds

from .catalog import LayerSpec, sha256_file
from .errors import LayerReadError, LayerValidationError, Problem

__all__ = ["RasterInfo", "inspect_raster", "read_raster_spec"]


@dataclass
class RasterInfo:
    """Facts about a raster layer, and what is wrong with it."""

    spec: LayerSpec
    crs: str | None = None
    bounds: tuple[float, float, float, float] | None = None
    resolution: tuple[float, float] | None = None
    nodata: float | None = None
    dtype: str | None = None
    shape: tuple[int, int] | None = None
    sha256: str | None = None
    values: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def inspect_raster(spec: LayerSpec, *, must_cover: tuple[float, float, float, float] | None = None,
                   cover_crs: str = "EPSG:32647") -> RasterInfo:
    """Open a raster and check it; ``must_cover`` is a bounding box (in ``cover_crs``) it must cover."""
    info = RasterInfo(spec=spec, sha256=sha256_file(spec.source))

    def problem(msg: str, severity: str = "error") -> None:
        info.problems.append(Problem(layer=spec.name, source=str(spec.source), message=msg, severity=severity))

    try:
        with rasterio.open(spec.source) as ds:
            info.crs = ds.crs.to_string() if ds.crs else None
            info.bounds = tuple(ds.bounds)
            info.resolution = ds.res
            info.nodata = ds.nodata
            info.dtype = ds.dtypes[0]
            info.shape = (ds.height, ds.width)
            if ds.crs is None:
                problem("the raster has no CRS; write one with gdal_edit.py -a_srs EPSG:32647 (or the right code)")
                return info
            if ds.crs.is_geographic:
                problem("the raster is in a geographic CRS; its cells are not equal-area. Zonal shares will be "
                        "computed with fractional coverage, but a projected raster (EPSG:32647) is better",
                        severity="warning")
            if ds.nodata is None:
                problem("the raster has no nodata value; every cell is taken as data", severity="warning")
            if spec.classes and ds.width * ds.height <= 25_000_000:
                arr = ds.read(1)
                vals = np.unique(arr)
                if ds.nodata is not None:
                    vals = vals[vals != ds.nodata]
                info.values = [int(v) for v in vals]
                unknown = sorted(set(info.values) - set(spec.classes))
                if unknown:
                    problem(f"cell values {unknown} are not among the catalog's classes "
                            f"{sorted(spec.classes)}; they count as not green", severity="warning")
            if must_cover is not None:
                bb = transform_bounds(cover_crs, ds.crs, *must_cover)
                rb = ds.bounds
                if bb[0] < rb.left or bb[1] < rb.bottom or bb[2] > rb.right or bb[3] > rb.top:
                    problem("the raster does not cover the study area (the town plus the largest ring); "
                            "shares near the edge would be computed from part of each ring")
    except RasterioIOError as exc:
        raise LayerReadError(f"{spec.source}: cannot be read as a raster (catalog entry '{spec.name}'): {exc}") \
            from None
    return info


def read_raster_spec(spec: LayerSpec, **kw) -> RasterInfo:
    """Like :func:`inspect_raster`, but raise :class:`LayerValidationError` when the raster has errors."""
    info = inspect_raster(spec, **kw)
    if info.errors:
        raise LayerValidationError(spec.name, info.errors)
    return info
