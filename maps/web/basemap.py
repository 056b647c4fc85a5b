"""A base map that needs no tiles: the land-cover raster as a picture, water and roads drawn from the layers.

Offline, tile servers are out of reach and a Leaflet map shows a blank grey page under the data. This module
draws the study area's own land cover (coloured by the catalog's class colours, reprojected to Web Mercator so
it lies exactly where Leaflet puts it, shrunk to ``basemap.max_px``) as a PNG inlined as a ``data:`` URI, plus
the water and road layers as simplified vectors.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from criteria import Assessment
from geo import LONLAT_CRS, to_lonlat
from layers import load_catalog

from ..errors import MapsError
from ..style import load_styles
from .features import round_geojson

__all__ = ["basemap_payload", "landcover_png", "landcover_classes"]


def landcover_classes(a: Assessment) -> dict[int, dict[str, Any]]:
    """The land-cover classes (value -> name, th, color) from the catalog the assessment read; {} if none."""
    path = (a.manifest.get("catalog") or {}).get("path")
    if not path or not Path(path).is_file():
        return {}
    try:
        spec = load_catalog(path).one("landcover", required=False)
    except Exception:  # a catalog that no longer reads: draw no land cover rather than fail the map
        return {}
    return dict(spec.classes) if spec is not None else {}


def _hex_rgb(c: str) -> tuple[int, int, int]:
    c = c.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    try:
        return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
    except ValueError:
        raise MapsError(f"land-cover class colour '#{c}' is not a #rrggbb colour") from None


@lru_cache(maxsize=4)
def _png(path: str, mtime: float, colors: tuple[tuple[int, str], ...], max_px: int
         ) -> tuple[str, list[list[float]]] | None:
    import rasterio
    from PIL import Image
    from rasterio.enums import Resampling
    from rasterio.warp import calculate_default_transform, reproject, transform_bounds

    with rasterio.open(path) as ds:
        if ds.crs is None:
            return None
        dst_crs = "EPSG:3857"
        tr, w, h = calculate_default_transform(ds.crs, dst_crs, ds.width, ds.height, *ds.bounds)
        scale = max(w, h) / max_px if max(w, h) > max_px else 1.0
        w2, h2 = max(1, int(round(w / scale))), max(1, int(round(h / scale)))
        tr2 = tr @ tr.scale(w / w2, h / h2)
        nodata = ds.nodata if ds.nodata is not None else 0
        dst = np.full((h2, w2), nodata, dtype=ds.dtypes[0])
        reproject(rasterio.band(ds, 1), dst, src_transform=ds.transform, src_crs=ds.crs, dst_transform=tr2,
                  dst_crs=dst_crs, resampling=Resampling.mode, src_nodata=nodata, dst_nodata=nodata)
        left, top = tr2 @ (0, 0)
        right, bottom = tr2 @ (w2, h2)
        west, south, east, north = transform_bounds(dst_crs, LONLAT_CRS, left, bottom, right, top)
    rgba = np.zeros((h2, w2, 4), dtype=np.uint8)
    for value, color in colors:
        r, g, b = _hex_rgb(color)
        rgba[dst == value] = (r, g, b, 255)
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG", optimize=True)
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return uri, [[round(south, 6), round(west, 6)], [round(north, 6), round(east, 6)]]


def landcover_png(a: Assessment, max_px: int) -> tuple[str, list[list[float]]] | None:
    """(data URI, [[south, west], [north, east]]) of the land-cover picture, or None without a raster."""
    if a.landcover is None or not Path(a.landcover).is_file():
        return None
    classes = landcover_classes(a)
    colors = tuple(sorted((int(k), str(v["color"])) for k, v in classes.items() if v.get("color")))
    if not colors:
        return None
    p = Path(a.landcover)
    return _png(str(p.resolve()), p.stat().st_mtime, colors, int(max_px))


def basemap_payload(a: Assessment, *, decimals: int = 6, tolerance_m: float = 2.0) -> dict[str, Any]:
    """The drawn base map for the engine: land-cover picture, water and roads, plus the minimap outline."""
    st = load_styles()["basemap"]
    out: dict[str, Any] = {"layers": []}
    img = landcover_png(a, st["max_px"])
    if img:
        out["image"] = {"url": img[0], "bounds": img[1], "opacity": float(st["opacity"])}
        classes = landcover_classes(a)
        out["legend"] = [(str(v["color"]), f"{v.get('name', k)} / {v.get('th', '')}".strip(" /"))
                         for k, v in sorted(classes.items()) if v.get("color")]
    for role in ("water", "roads"):
        g = a.context.get(role)
        if g is None or not len(g):
            continue
        w = to_lonlat(g[["geometry"]], max(tolerance_m, 5.0))
        feats = [{"type": "Feature", "properties": {}, "geometry": round_geojson(geom, decimals)}
                 for geom in w.geometry if geom is not None and not geom.is_empty]
        out["layers"].append({"role": role, "style": st[role],
                              "geojson": {"type": "FeatureCollection", "features": feats}})
    return out
