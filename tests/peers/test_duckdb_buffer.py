"""The DuckDB peer of ``ecotown buffer`` (tests/peers/duckdb_buffer.py) writes ecotown's three tables, every column,
on a small town with the awkward cases: villages inside a mine and on its edge (bearing from the centroid), near a
mine's corner and side (bearing from the nearest edge point, not the centroid), households, unknown populations,
a village and a factory with nothing within the last ring (nearest over the whole other layer)."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from maps.cli.main import app
from tests.bench_commands import check_duckdb
from tests.peers.duckdb_buffer import main as duckdb_main
from tests.scale_data import frames, write_project


def _awkward_project(root: Path) -> Path:
    cat = write_project("tiny", root)
    _, fac, mines, vill = frames("tiny")
    m0 = mines.geometry.iloc[0]
    x0, y0, x1, y1 = m0.bounds
    cx, cy = m0.centroid.x, m0.centroid.y
    extra = [
        ("inside", shapely.Point(cx + 37.5, cy - 20.25)),
        ("on_edge", shapely.Point(x0, cy + 10.0)),
        ("corner", shapely.Point(x1 + 300.0, y1 + 400.0)),
        ("side", shapely.Point(cx + 50.0, y0 - 812.345)),
        ("far", shapely.Point(fac.total_bounds[2] + 20_000, fac.total_bounds[3] + 20_000)),
    ]
    add = gpd.GeoDataFrame({"vill_code": [f"7000000{i}" for i in range(len(extra))],
                            "name": [f"บ้าน {n}" for n, _ in extra],
                            "population": [350, 420, 510, 640, 90]},
                           geometry=[g for _, g in extra], crs=vill.crs)
    vill = pd.concat([vill, add], ignore_index=True)
    rng = np.random.default_rng(7)
    vill["households"] = rng.integers(50, 600, len(vill)).astype(float)
    vill.loc[rng.random(len(vill)) < 0.1, "households"] = np.nan
    vill["population"] = vill["population"].astype(float)
    vill.loc[rng.random(len(vill)) < 0.1, "population"] = np.nan
    lonely = gpd.GeoDataFrame({"reg_no": ["99999999999999"], "name": ["โรงงาน ไกล"], "category": ["food"],
                               "gi_level": [1], "complaints": [0]},
                              geometry=[shapely.Point(fac.total_bounds[0] - 30_000, fac.total_bounds[1] - 30_000)],
                              crs=fac.crs)
    fac = pd.concat([fac, lonely], ignore_index=True)
    gpkg = root / "layers.gpkg"
    for name, df in (("factories", fac), ("villages", vill)):
        df.to_file(gpkg, layer=name, driver="GPKG", engine="pyogrio")  # replaces the layer
    return cat


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("peer")
    cat = _awkward_project(root / "project")
    eco = root / "eco"
    r = CliRunner().invoke(app, ["buffer", "-c", str(cat), "-q", "--format", "csv", "-o", str(eco)],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    ddb = root / "ddb"
    assert duckdb_main([str(root / "project" / "layers.gpkg"), str(ddb)]) == 0
    light = root / "light"
    assert duckdb_main([str(root / "project" / "layers.gpkg"), str(light), "--light"]) == 0
    return eco, ddb, light


def test_duckdb_writes_every_column_of_ecotowns_tables(outputs):
    eco, ddb, _ = outputs
    msg = check_duckdb(eco, ddb)
    assert "headers (with the BOM) identical" in msg and "not compared" not in msg
    com = pd.read_csv(ddb / "communities.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    exp = pd.read_csv(ddb / "exposure.csv", dtype={"community_id": str}, encoding="utf-8-sig")
    fac = pd.read_csv(ddb / "facilities.csv", dtype={"facility_id": str}, encoding="utf-8-sig")
    # the cases are there: a village inside a mine (0 m), one with nothing within 5 km, a lonely factory,
    # unknown populations and households
    assert (exp.loc[exp["community_id"] == "70000000", "distance_m"] == 0).any()
    far = com.set_index("community_id").loc["70000004"]
    assert far["fac_within_5000"] == "0" and float(far["nearest_facility_m"]) > 5000 and far["nearest_facility_id"]
    assert float(fac.set_index("facility_id").loc["99999999999999", "nearest_community_m"]) > 5000
    assert fac["pop_unknown_within_5000"].sum() > 0 and fac["hh_within_5000"].sum() > 0


def test_a_mines_bearing_is_from_its_nearest_point_not_its_centroid(outputs):
    eco, ddb, light = outputs
    read = {"dtype": {"facility_id": str, "community_id": str}, "encoding": "utf-8-sig"}
    b = {name: pd.read_csv(d / "exposure.csv", **read).set_index(["facility_id", "community_id"])["bearing_deg"]
         for name, d in (("eco", eco), ("ddb", ddb), ("light", light))}
    for village, expect in (("70000002", 36.87), ("70000003", 180.0), ("70000000", 118.37)):
        key = ("00000/2560", village)
        assert b["eco"][key] == b["ddb"][key] == pytest.approx(expect, abs=0.01)
    # from the centroid the corner and side villages lie elsewhere: the light script's bearings are not ecotown's
    assert abs(b["light"][("00000/2560", "70000002")] - 36.87) > 1
    assert abs(b["light"][("00000/2560", "70000003")] - 180.0) > 1


def test_the_light_script_is_compared_on_its_columns_only(outputs):
    eco, _, light = outputs
    msg = check_duckdb(eco, light, light=True)
    assert "not compared: bearing_deg" in msg and "burden" in msg


def test_a_differing_cell_is_reported(outputs, tmp_path):
    eco, ddb, _ = outputs
    for table, col, row, value in (("exposure.csv", "bearing_deg", 0, None), ("communities.csv", "burden", 3, None),
                                   ("facilities.csv", "name", 1, "ชื่ออื่น")):
        bad = tmp_path / f"bad-{col}"
        shutil.copytree(ddb, bad)
        t = pd.read_csv(bad / table, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        t.loc[row, col] = value if value is not None else repr(float(t.loc[row, col]) + 0.02 * (1 + float(t.loc[row, col])))
        t.to_csv(bad / table, index=False, encoding="utf-8-sig", lineterminator="\n")
        with pytest.raises(SystemExit, match=f"{table}: column {col}"):
            check_duckdb(eco, bad)
