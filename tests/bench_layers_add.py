"""Benchmark: `layers add` of 100,000 factory points (target: under 10 s on this machine).

Run:  .venv/bin/python tests/bench_layers_add.py [N]

Prints the seconds taken by ``layers.add_layer`` (open, validate every feature and field, convert WGS 84 ->
EPSG:32647, write the store and catalog safely) for a GeoPackage and for a CSV, next to the time of a bare
conversion with the same libraries and no checks (pyogrio read -> to_crs -> pyogrio write), as a ratio.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from layers import FieldMapping, add_layer, load_catalog  # noqa: E402

CATEGORIES = ["sugar_mill", "ethanol", "rice_mill", "food", "concrete", "other"]


def make_points(n: int, seed: int = 7) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(99.5, 101.0, n)
    lat = rng.uniform(14.5, 16.0, n)
    return gpd.GeoDataFrame({
        "ทะเบียนโรงงาน": [f"3-{i:06d}" for i in range(n)],
        "ชื่อโรงงาน": [f"โรงงานที่ {i}" for i in range(n)],
        "ประเภท": rng.choice(CATEGORIES, n),
        "gi_level": rng.integers(0, 6, n),
        "complaints": rng.integers(0, 20, n),
        "workers": rng.integers(1, 900, n),
        "waste_reused_share": np.round(rng.uniform(0, 1, n), 3),
    }, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def bare_conversion(src: Path, dst: Path) -> float:
    t = time.perf_counter()
    g = pyogrio.read_dataframe(src)
    pyogrio.write_dataframe(g.to_crs("EPSG:32647"), dst, layer="plain", driver="GPKG")
    return time.perf_counter() - t


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        g = make_points(n)
        gpkg = d / "factories.gpkg"
        pyogrio.write_dataframe(g, gpkg, layer="factories", driver="GPKG")
        csv = d / "factories.csv"
        df = pd.DataFrame(g.drop(columns="geometry"))
        df["ลองจิจูด"], df["ละติจูด"] = g.geometry.x, g.geometry.y
        df.to_csv(csv, index=False, encoding="utf-8-sig")
        mapping = FieldMapping(id_field="ทะเบียนโรงงาน", fields={"ประเภท": "category"})
        base = bare_conversion(gpkg, d / "plain.gpkg")
        rows = []
        for label, src in (("GeoPackage", gpkg), ("CSV lon/lat", csv)):
            cat = d / label.split()[0].lower() / "catalog.yaml"
            t = time.perf_counter()
            res = add_layer(src, role="factories", catalog=cat, name="factories", mapping=mapping, year=2026)
            secs = time.perf_counter() - t
            assert res.features == n and len(load_catalog(cat).layers) == 1
            rows.append((label, secs))
        # adding into a store that already holds a big layer (the store is copied, then swapped in)
        cat = d / "geopackage" / "catalog.yaml"
        t = time.perf_counter()
        add_layer(gpkg, role="factories", catalog=cat, name="factories_2", mapping=mapping, year=2026)
        rows.append(("GeoPackage, store already holding one", time.perf_counter() - t))
    print(f"layers add, {n:,} points (role factories, 7 attributes, WGS 84 -> EPSG:32647)")
    print(f"  bare conversion (pyogrio read, to_crs, write; no checks): {base:6.2f} s")
    for label, secs in rows:
        verdict = "ok" if secs < 10 else "OVER the 10 s target"
        print(f"  layers add from {label:<38} {secs:6.2f} s  ({secs / base:4.1f} x bare)  {verdict}")


if __name__ == "__main__":
    main()
