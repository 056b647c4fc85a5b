"""Two years of the bundled Nong Pho sample with known changes between them, and their stored history.

2026 is the sample as shipped, except that factory F02 is renamed to a name with the Thai test strings (so the
PDF text can be checked). 2025 differs in these known ways:
* factory F15 does not exist yet (so it is "added" in 2026);
* factory F99 stood 10 m east of factory F14 (so it is "closed" in 2026; every village within a ring of F99
  is also within that ring of F14, so closing it moves no village out of a ring);
* village V04 stood 200 m east of factory F01 (so it is "newly outside" the 500 m and 1 km rings in 2026);
* factory F01 reported Green Industry level 2 (4 in 2026);
* the town's renewable energy share (evidence) was 0.30 (0.42 in 2026).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import yaml
from shapely.geometry import Point

import layers

SAMPLE = Path(layers.__file__).resolve().parent / "sample"
THAI_TEST_NAME = "นี้ ที่ ทั้ง เชียงใหม่ ผู้ใหญ่"  # the Thai shaping test strings, as a factory name
METRIC = "EPSG:32647"


def _copy_sample(folder: Path) -> None:
    folder.mkdir(parents=True)
    for name in ("nong_pho.gpkg", "landcover.tif", "evidence-2026.csv"):
        shutil.copy2(SAMPLE / name, folder / name)


def _rewrite_gpkg(path: Path, changes: dict) -> None:
    """Rewrite the GeoPackage with ``changes[layer](gdf) -> gdf`` applied (other layers copied as read)."""
    frames = {name: gpd.read_file(path, layer=name) for name, _t in pyogrio.list_layers(path)}
    tmp = path.with_suffix(".new.gpkg")
    for name, g in frames.items():
        g = changes.get(name, lambda x: x)(g)
        g.to_file(tmp, layer=name, driver="GPKG")
    tmp.replace(path)


def _catalog(folder: Path, **edit) -> Path:
    data = yaml.safe_load((SAMPLE / "catalog.yaml").read_text(encoding="utf-8"))
    data["evidence"] = {2025: "evidence-2025.csv", 2026: "evidence-2026.csv"}
    data.update(edit)
    p = folder / "catalog.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def _evidence_2025(folder: Path) -> None:
    rows = list(csv.DictReader((folder / "evidence-2026.csv").open(encoding="utf-8-sig")))
    for r in rows:
        if r["indicator_id"] == "energy_renewable_share":
            r["value"] = "0.30"
    with (folder / "evidence-2025.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _rename_f02(g: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    g = g.copy()
    g.loc[g["fac_id"] == "F02", "ชื่อโรงงาน"] = THAI_TEST_NAME
    return g


def _factories_2025(g: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    g = _rename_f02(g)
    g = g[g["fac_id"] != "F15"].copy()
    g.loc[g["fac_id"] == "F01", "gi_level"] = 2
    extra = g[g["fac_id"] == "F14"].copy()
    extra["fac_id"] = "F99"
    extra["ชื่อโรงงาน"] = "โรงงานที่ปิดแล้ว"
    f14 = extra.to_crs(METRIC).geometry.iloc[0]
    extra["geometry"] = gpd.GeoSeries([Point(f14.x + 10, f14.y)], crs=METRIC).to_crs(g.crs).values
    return pd.concat([g, extra], ignore_index=True)


def _villages_2025(factories_src: Path):
    def change(g: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        f = gpd.read_file(factories_src, layer="factories")
        f01 = f[f["fac_id"] == "F01"].to_crs(METRIC).geometry.iloc[0]
        g = g.copy()
        moved = gpd.GeoSeries([Point(f01.x + 200, f01.y)], crs=METRIC).to_crs(g.crs)
        g.loc[g["vill_id"] == "V04", "geometry"] = moved.values
        return g
    return change


@pytest.fixture(scope="session")
def two_years(tmp_path_factory) -> dict:
    """Folders ``y2025`` and ``y2026`` (catalogs with evidence for both years) and a history holding both years,
    stored from the assessments ``a2025`` and ``a2026``."""
    from criteria import run_assessment
    from maps.publish import record_history

    root = tmp_path_factory.mktemp("two-years")
    y25, y26 = root / "y2025", root / "y2026"
    _copy_sample(y25)
    _copy_sample(y26)
    _rewrite_gpkg(y26 / "nong_pho.gpkg", {"factories": _rename_f02})
    _rewrite_gpkg(y25 / "nong_pho.gpkg", {"factories": _factories_2025,
                                          "villages": _villages_2025(SAMPLE / "nong_pho.gpkg")})
    for f in (y25, y26):
        _evidence_2025(f)
    cat25, cat26 = _catalog(y25), _catalog(y26)
    a25 = run_assessment(cat25, year=2025)
    a26 = run_assessment(cat26, year=2026)
    history = root / "out" / "ecotown-history.sqlite"
    record_history(a25, history)
    record_history(a26, history)
    return {"root": root, "y2025": y25, "y2026": y26, "cat2025": cat25, "cat2026": cat26, "a2025": a25,
            "a2026": a26, "history": history}
