"""Seeded projects at province, region and nation scale, written as files a user would add (GeoPackage + catalog).

Used by the end-to-end benchmarks (``tests/bench_commands.py``) and the kernel side-by-side
(``tests/bench_kernel_peers.py``), and by tests that compare outputs on a small case.

    python tests/scale_data.py region /tmp/region        # writes /tmp/region/{layers.gpkg,landcover.tif,catalog.yaml}

Densities follow the issue's held-out layers: about 28 k / 0.69 M / 2.7 M facility-village pairs within 5 km at
province / region / nation. Factories are points (half of them in industrial clusters), mines 400 x 300 m
polygons, villages points with a population; the boundary is the whole extent (a region-wide "town"), so every
facility is the town's. The land-cover raster (30 m, uint8 classes 1..9 as the sample's) is written only when
asked (``raster=True``), tiled and deflated.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402

#: scale -> (factories, mines, villages, side of the square extent in metres)
SCALES = {
    "tiny": (200, 10, 150, 30_000),
    "province": (2_000, 50, 1_500, 92_000),
    "region": (30_000, 800, 20_000, 264_000),
    "nation": (150_000, 5_000, 80_000, 596_000),
}
X0, Y0 = 450_000, 1_500_000  # lower-left corner in EPSG:32647 (central Thailand)
RINGS = [500, 1000, 3000, 5000]

LANDCOVER_CLASSES = """\
    classes:
      1: {name: urban, green: false}
      2: {name: industrial, green: false}
      3: {name: paddy, green: false}
      4: {name: sugarcane_field_crops, green: false}
      5: {name: forest, green: true}
      6: {name: orchard, green: true}
      7: {name: water, green: false}
      8: {name: bare_quarry, green: false}
      9: {name: grass_shrub, green: true}
"""

CATEGORIES = ["sugar_mill", "ethanol", "biomass_power", "rice_mill", "cassava_starch", "feed_mill", "concrete", "metal_works", "plastics", "food", "other"]


def frames(scale: str, seed: int = 2570):
    """(boundary, factories, mines, villages) GeoDataFrames in EPSG:32647 for ``scale``."""
    n_fac, n_mine, n_vill, side = SCALES[scale]
    rng = np.random.default_rng(seed)
    # half of the factories in industrial clusters (estates), half spread out
    n_cl = n_fac // 2
    centres = rng.random((max(n_fac // 150, 1), 2)) * side
    pick = rng.integers(0, len(centres), n_cl)
    clustered = np.clip(centres[pick] + rng.normal(0, 1500, (n_cl, 2)), 0, side - 1)
    spread = rng.random((n_fac - n_cl, 2)) * side
    fxy = np.vstack([clustered, spread]) + (X0, Y0)
    mxy = rng.random((n_mine, 2)) * (side - 400) + (X0, Y0)
    vxy = rng.random((n_vill, 2)) * side + (X0, Y0)
    crs = "EPSG:32647"
    boundary = gpd.GeoDataFrame({"code": ["R1"], "name": [f"{scale} (seeded)"]},
                                geometry=[shapely.box(X0, Y0, X0 + side, Y0 + side)], crs=crs)
    fac = gpd.GeoDataFrame({
        "reg_no": [f"{10000000000000 + i:014d}" for i in range(n_fac)],
        "name": [f"โรงงาน {i}" for i in range(n_fac)],
        "category": rng.choice(CATEGORIES, n_fac),
        "gi_level": rng.integers(0, 6, n_fac),
        "complaints": rng.poisson(0.3, n_fac),
    }, geometry=shapely.points(fxy), crs=crs)
    mines = gpd.GeoDataFrame({
        "licence": [f"{i:05d}/2560" for i in range(n_mine)],
        "name": [f"เหมือง {i}" for i in range(n_mine)],
        "mineral": rng.choice(["limestone", "marble", "dolomite"], n_mine),
        "status": "active",
    }, geometry=shapely.box(mxy[:, 0], mxy[:, 1], mxy[:, 0] + 400, mxy[:, 1] + 300), crs=crs)
    vill = gpd.GeoDataFrame({
        "vill_code": [f"{60000000 + i:08d}" for i in range(n_vill)],
        "name": [f"บ้าน {i}" for i in range(n_vill)],
        "population": rng.integers(200, 2000, n_vill),
    }, geometry=shapely.points(vxy), crs=crs)
    return boundary, fac, mines, vill


def write_landcover(path: Path, scale: str, seed: int = 2570, cell: int = 30) -> Path:
    """A 30 m land-cover GeoTIFF over the extent and the largest ring around it (``assess`` wants the rings of
    facilities at the edge covered): patches of classes 1..9 (about a third green)."""
    import rasterio
    from rasterio.transform import from_origin

    pad = max(RINGS)
    side = SCALES[scale][3] + 2 * pad
    n = int(np.ceil(side / cell))
    rng = np.random.default_rng(seed)
    # patches of 32 x 32 cells (about 1 km), upsampled with np.repeat, then 10 % of cells noise
    coarse_n = int(np.ceil(n / 32))
    coarse = rng.choice(np.arange(1, 10, dtype=np.uint8), (coarse_n, coarse_n),
                        p=[.08, .04, .25, .22, .12, .08, .05, .03, .13])
    prof = dict(driver="GTiff", dtype="uint8", nodata=0, width=n, height=n, count=1, crs="EPSG:32647",
                transform=from_origin(X0 - pad, Y0 - pad + n * cell, cell, cell), tiled=True, blockxsize=512,
                blockysize=512, compress="deflate")
    with rasterio.open(path, "w", **prof) as dst:
        band = 4096
        for r0 in range(0, n, band):
            rows = min(band, n - r0)
            block = np.repeat(np.repeat(coarse[r0 // 32:(r0 + rows + 31) // 32 + 1], 32, axis=0), 32, axis=1)
            off = r0 % 32
            block = block[off:off + rows, :n].copy()
            noise = rng.random(block.shape) < 0.10
            block[noise] = rng.integers(1, 10, int(noise.sum()), dtype=np.uint8)
            dst.write(block, 1, window=rasterio.windows.Window(0, r0, n, rows))
    return path


def write_project(scale: str, folder: str | Path, raster: bool = False, seed: int = 2570) -> Path:
    """Write ``layers.gpkg`` (+ ``landcover.tif``) and ``catalog.yaml`` into ``folder``; the catalog's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    boundary, fac, mines, vill = frames(scale, seed)
    gpkg = folder / "layers.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    for name, df in (("boundary", boundary), ("factories", fac), ("mines", mines), ("villages", vill)):
        df.to_file(gpkg, layer=name, driver="GPKG", engine="pyogrio")
    text = f"""name: {scale} (seeded, tests/scale_data.py)
town: boundary
crs: EPSG:32647
parameters: {{rings_m: {RINGS}, green_ring_m: 1000}}
layers:
  boundary: {{role: boundary, source: layers.gpkg, layer: boundary, id_field: code}}
  factories: {{role: factories, source: layers.gpkg, layer: factories, id_field: reg_no}}
  mines: {{role: mines, source: layers.gpkg, layer: mines, id_field: licence}}
  villages: {{role: communities, source: layers.gpkg, layer: villages, id_field: vill_code}}
"""
    if raster:
        write_landcover(folder / "landcover.tif", scale, seed)
        text += "  landcover:\n    role: landcover\n    source: landcover.tif\n" + LANDCOVER_CLASSES
    cat = folder / "catalog.yaml"
    cat.write_text(text, encoding="utf-8")
    return cat


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scale", choices=list(SCALES))
    ap.add_argument("folder")
    ap.add_argument("--raster", action="store_true", help="also write the 30 m land-cover raster")
    a = ap.parse_args()
    print(write_project(a.scale, a.folder, raster=a.raster))
