"""Small files for the ``layers add`` tests, made on the spot, with known answers."""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin
from shapely.geometry import Point, box
from typer.testing import CliRunner

from maps.cli.main import app
from tests.conftest import X0, Y0

runner = CliRunner()

#: lon/lat of (X0, Y0)
LON0, LAT0 = Transformer.from_crs(32647, 4326, always_xy=True).transform(X0, Y0)


def cli(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def tree(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (hidden temporary files included), by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def factories(n: int = 3, crs: str = "EPSG:32647", **columns) -> gpd.GeoDataFrame:
    """``n`` valid factories 100 m apart east of (X0, Y0), in ``crs``; ``columns`` override attributes."""
    data = {
        "fac_reg": [f"F{i + 1:02d}" for i in range(n)],
        "ชื่อโรงงาน": [f"โรงงานที่ {i + 1}" for i in range(n)],
        "category": ["sugar_mill"] * n,
        "gi_level": [i % 5 for i in range(n)],
        "complaints": [i for i in range(n)],
    }
    data.update(columns)
    g = gpd.GeoDataFrame(data, geometry=[Point(X0 + 100 * i, Y0) for i in range(n)], crs="EPSG:32647")
    return g.to_crs(crs) if crs != "EPSG:32647" else g


def villages(n: int = 2, crs: str = "EPSG:32647") -> gpd.GeoDataFrame:
    g = gpd.GeoDataFrame({"vid": [f"V{i + 1}" for i in range(n)],
                          "ชื่อหมู่บ้าน": [f"บ้านที่ {i + 1}" for i in range(n)],
                          "ประชากร": [100 * (i + 1) for i in range(n)]},
                         geometry=[Point(X0 + 200 * i, Y0 + 500) for i in range(n)], crs="EPSG:32647")
    return g.to_crs(crs) if crs != "EPSG:32647" else g


def boundary(half: float = 3000) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": ["T1"], "name": ["ตำบลทดสอบ"]},
                            geometry=[box(X0 - half, Y0 - half, X0 + half, Y0 + half)], crs="EPSG:32647")


def write_tif(path: Path, *, x0: float, y0: float, size: int = 100, res: float = 200.0,
              crs: str | None = "EPSG:32647", nodata: int | None = 0) -> Path:
    """A land-cover GeoTIFF of ``size`` x ``size`` cells whose top-left corner is (x0, y0)."""
    arr = (np.arange(size * size, dtype="uint8").reshape(size, size) % 6) + 1
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 1, "dtype": "uint8",
               "transform": from_origin(x0, y0, res, res)}
    if crs:
        profile["crs"] = crs
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(arr, 1)
    return path


def _make_project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    proj.mkdir()
    src = tmp_path / "src"
    src.mkdir()
    boundary().to_file(src / "tambon.gpkg", layer="tambon")
    villages().to_file(src / "villages.gpkg", layer="villages")
    cat = proj / "catalog.yaml"
    r = cli("layers", "add", src / "tambon.gpkg", "--role", "boundary", "--name", "boundary", "--id-field", "code",
            "--catalog", cat)
    assert r.exit_code == 0, r.output
    r = cli("layers", "add", src / "villages.gpkg", "--role", "communities", "--name", "villages", "--id-field",
            "vid", "--year", "2025", "--catalog", cat)
    assert r.exit_code == 0, r.output
    return cat


_template: list[Path] = []  # the folder project() made through the CLI once in this test session


def project(tmp_path: Path) -> Path:
    """A project folder whose catalog already holds a boundary and villages (added through the CLI).

    The CLI adds them once per test session, into a template folder (removed at exit); every call copies its
    ``proj/`` and ``src/`` into ``tmp_path`` and points the catalog's ``source_file`` paths at the copy, so each
    test gets what ``layers add`` would have written there (about 10 ms instead of 0.2 s, for some 80 tests).
    """
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="ecotown-project-")).resolve()
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _make_project(folder)
        _template.append(folder)
    folder = _template[0]
    for sub in ("proj", "src"):
        shutil.copytree(folder / sub, tmp_path / sub)
    cat = tmp_path / "proj" / "catalog.yaml"
    text = cat.read_text(encoding="utf-8")
    assert text.count(f"source_file: {folder}/src/") == 2, text
    cat.write_text(text.replace(f"source_file: {folder}/src/", f"source_file: {tmp_path.resolve()}/src/"), encoding="utf-8")
    return cat
