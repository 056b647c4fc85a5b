"""Adding a raster (GeoTIFF) to the store: kept as it is, checked for CRS, nodata, place and coverage."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import rasterio
from rasterio.errors import RasterioError
from rasterio.warp import transform_bounds

from .catalog import LayerSpec
from .errors import LayerReadError, LayerValidationError, Problem
from .raster import inspect_raster
from .read import THAILAND_BOUNDS
from .store import Transaction

__all__ = ["stage_raster"]


def _write_with_crs(src: Path, dst: Path, crs: str) -> None:
    """Copy a raster, writing ``crs`` into it (the source has none)."""
    with rasterio.open(src) as ds:
        profile = ds.profile.copy()
        profile.update(crs=crs, driver="GTiff")
        with rasterio.open(dst, "w", **profile) as out:
            for i in range(1, ds.count + 1):
                out.write(ds.read(i), i)


def stage_raster(txn: Transaction, src: Path, target: Path, *, name: str, role: str, crs: str | None,
                 classes: dict[int, dict[str, Any]], must_cover) -> tuple[dict[str, Any], list[str]]:
    """Stage ``src`` to replace ``target`` after checking it; return facts about it and the warnings.

    Raises :class:`LayerValidationError` (problems name the source file) when the raster cannot be used.
    """
    def problem(msg: str) -> Problem:
        return Problem(layer=name, source=str(src), message=msg)

    try:
        with rasterio.open(src) as ds:
            file_crs = ds.crs
            if ds.count < 1 or ds.width == 0 or ds.height == 0:
                raise LayerValidationError(name, [problem("the raster has no cells")])
            bounds = ds.bounds
    except RasterioError as exc:
        raise LayerReadError(f"{src}: cannot be read as a GeoTIFF: {exc}. The file may be truncated or damaged; "
                             "export it again") from None
    if file_crs is None and crs is None:
        raise LayerValidationError(name, [problem(
            "the raster has no CRS. Say which it is with --crs (e.g. --crs EPSG:32647 for UTM 47N)")])
    use_crs = crs or file_crs.to_string()
    source_crs = f"EPSG:{file_crs.to_epsg()}" if file_crs is not None and file_crs.to_epsg() else \
        (file_crs.to_string() if file_crs is not None else crs)
    try:
        lon0, lat0, lon1, lat1 = transform_bounds(use_crs, "EPSG:4326", *bounds)
    except Exception as exc:
        raise LayerValidationError(name, [problem(f"cannot convert the raster's extent from {use_crs}: {exc}")]) \
            from None
    xmin, ymin, xmax, ymax = THAILAND_BOUNDS
    if lon1 < xmin or lon0 > xmax or lat1 < ymin or lat0 > ymax:
        raise LayerValidationError(name, [problem(
            f"the raster lies outside Thailand (lon {lon0:.3f} to {lon1:.3f}, lat {lat0:.3f} to {lat1:.3f}): "
            f"check its CRS ({use_crs})")])
    tmp = txn.stage_new(target)
    try:
        if file_crs is None or (crs is not None and not file_crs.equals(rasterio.crs.CRS.from_user_input(crs))):
            _write_with_crs(src, tmp, use_crs)
        else:
            shutil.copyfile(src, tmp)
    except (RasterioError, OSError) as exc:
        raise LayerReadError(f"{src}: copying the raster into the store failed: {exc}") from None
    spec = LayerSpec(name=name, role=role, source=tmp, classes=classes)
    info = inspect_raster(spec, must_cover=must_cover)
    problems = [replace(p, source=str(src)) for p in info.problems]
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise LayerValidationError(name, errors)
    facts = {"source_crs": source_crs, "crs": info.crs, "shape": info.shape, "nodata": info.nodata}
    return facts, [str(p) for p in problems if p.severity != "error"]
