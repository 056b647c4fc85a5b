"""Every bad input to ``ecotown layers add`` is refused: a message naming file, feature and field, exit code 3,
and the catalog and store exactly as they were (byte for byte, no temporary files left behind)."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

from layers import load_catalog, read_layer
from tests.conftest import X0, Y0
from tests.layers.addkit import LAT0, LON0, cli, factories, project, tree, write_tif


@pytest.fixture
def proj(tmp_path) -> Path:
    return project(tmp_path)


def _refused(cat: Path, *args, exit_code: int = 3) -> str:
    """Run ``layers add`` and check it failed and changed nothing; return the message."""
    before = tree(cat.parent)
    r = cli("layers", "add", *args, "--catalog", cat)
    assert r.exit_code == exit_code, r.output
    assert "Traceback" not in r.output
    assert tree(cat.parent) == before, "the project folder changed"
    return " ".join(r.output.split())  # the console wraps long lines


def _fac(tmp_path: Path, name: str = "fac.gpkg", **kw) -> Path:
    p = tmp_path / name
    factories(**kw).to_file(p)
    return p


def test_corrupt_file(proj, tmp_path):
    bad = tmp_path / "broken.gpkg"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x07" * 300)
    msg = _refused(proj, bad, "--role", "factories")
    assert "broken.gpkg" in msg and "cannot be read" in msg


def test_truncated_geojson(proj, tmp_path):
    good = tmp_path / "fac.geojson"
    factories(crs="EPSG:4326").to_file(good, driver="GeoJSON")
    cut = tmp_path / "cut.geojson"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    msg = _refused(proj, cut, "--role", "factories")
    assert "cut.geojson" in msg and "truncated or damaged" in msg


def test_truncated_zip(proj, tmp_path):
    d = tmp_path / "s"
    d.mkdir()
    factories().to_file(d / "fac.shp")
    z = tmp_path / "fac.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in d.iterdir():
            zf.write(f, f.name)
    z.write_bytes(z.read_bytes()[:200])
    msg = _refused(proj, z, "--role", "factories")
    assert "fac.zip" in msg and "zip" in msg


def test_zip_without_shp(proj, tmp_path):
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("readme.txt", "no data here")
        zf.writestr("fac.dbf", b"\x03")
    msg = _refused(proj, z, "--role", "factories")
    assert "export.zip" in msg and "no shapefile (.shp)" in msg and "readme.txt" in msg


def test_zip_with_shp_but_no_dbf(proj, tmp_path):
    d = tmp_path / "s"
    d.mkdir()
    factories().to_file(d / "fac.shp", encoding="cp874")
    z = tmp_path / "fac.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for ext in ("shp", "shx", "prj"):
            zf.write(d / f"fac.{ext}", f"fac.{ext}")
    msg = _refused(proj, z, "--role", "factories")
    assert "fac.zip" in msg and "fac.dbf" in msg


def test_empty_layer(proj, tmp_path):
    src = _fac(tmp_path)
    empty = tmp_path / "empty.gpkg"
    gpd.read_file(src).iloc[0:0].to_file(empty)
    msg = _refused(proj, empty, "--role", "factories", "--id-field", "fac_reg")
    assert "empty.gpkg" in msg and "empty" in msg and "no features" in msg


def test_missing_crs(proj, tmp_path):
    shp = tmp_path / "noprj.shp"
    factories().to_file(shp, encoding="cp874")
    (tmp_path / "noprj.prj").unlink()
    msg = _refused(proj, shp, "--role", "factories", "--id-field", "fac_reg")
    assert "noprj.shp" in msg and "no CRS" in msg and "--crs EPSG:32647" in msg


def test_unknown_crs(proj, tmp_path):
    msg = _refused(proj, _fac(tmp_path), "--role", "factories", "--crs", "EPSG:999999")
    assert "unknown CRS 'EPSG:999999'" in msg and "--crs" in msg


def test_garbage_prj_is_no_usable_crs(proj, tmp_path):
    shp = tmp_path / "odd.shp"
    factories().to_file(shp, encoding="cp874")
    (tmp_path / "odd.prj").write_text("this is not a projection", encoding="ascii")
    msg = _refused(proj, shp, "--role", "factories", "--id-field", "fac_reg")
    assert "odd.shp" in msg and "CRS" in msg


def test_lat_lon_swapped(proj, tmp_path):
    csv = tmp_path / "swapped.csv"
    csv.write_text(f"fac_reg,name,category,gi_level,complaints,lat,lon\n"
                   f"F01,a,food,1,0,{LON0},{LAT0}\n", encoding="utf-8")
    msg = _refused(proj, csv, "--role", "factories", "--id-field", "fac_reg")
    assert "swapped.csv" in msg and "feature F01" in msg and "swapped" in msg


def test_coordinates_in_another_country(proj, tmp_path):
    src = tmp_path / "paris.geojson"
    gpd.GeoDataFrame({"fac_reg": ["PARIS"], "name": ["x"], "category": ["food"], "gi_level": [1],
                      "complaints": [0]}, geometry=[Point(2.35, 48.85)], crs="EPSG:4326").to_file(src)
    msg = _refused(proj, src, "--role", "factories", "--id-field", "fac_reg")
    assert "paris.geojson" in msg and "feature PARIS" in msg and "outside Thailand" in msg


def test_utm_numbers_given_the_wrong_zone_are_outside_thailand(proj, tmp_path):
    """UTM 47N numbers declared as UTM 48N land ~650 km east — in Laos or Vietnam — and are refused."""
    src = tmp_path / "zone.gpkg"
    factories(1).set_crs("EPSG:32648", allow_override=True).to_file(src)
    msg = _refused(proj, src, "--role", "factories", "--id-field", "fac_reg")
    assert "feature F01" in msg and "outside Thailand" in msg


def _bowtie():
    return Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])


def _mines(geoms, ids) -> gpd.GeoDataFrame:
    n = len(ids)
    return gpd.GeoDataFrame({"licence": ids, "name": ["หิน"] * n, "mineral": ["limestone"] * n,
                             "mine_type": ["quarry"] * n, "status": ["active"] * n, "complaints": [0] * n},
                            geometry=geoms, crs="EPSG:32647")


def test_invalid_geometry_named_with_reason(proj, tmp_path):
    src = tmp_path / "mines.gpkg"
    _mines([_bowtie(), Point(X0, Y0).buffer(50)], ["BOW", "OK"]).to_file(src)
    msg = _refused(proj, src, "--role", "mines", "--id-field", "licence")
    assert "mines.gpkg" in msg and "feature BOW" in msg and "Self-intersection" in msg and "--repair" in msg
    assert "feature OK" not in msg


def test_repair_fixes_and_reports_area_change(proj, tmp_path):
    src = tmp_path / "mines.gpkg"
    _mines([_bowtie(), Point(X0, Y0).buffer(50)], ["BOW", "OK"]).to_file(src)
    r = cli("layers", "add", src, "--role", "mines", "--id-field", "licence", "--repair", "--catalog", proj)
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "feature BOW: repaired (Self-intersection" in out and "m² -> 5,000.0 m²" in out
    g = read_layer(load_catalog(proj).get("mines"))
    bow = g.set_index("id").geometry["BOW"]
    assert bow.is_valid and bow.area == pytest.approx(5000.0)


def test_empty_and_null_geometries(proj, tmp_path):
    src = tmp_path / "v.gpkg"
    gpd.GeoDataFrame({"vid": ["V1", "NULL", "EMPTY"], "name": ["a", "b", "c"], "population": [1, 2, 3]},
                     geometry=[Point(X0, Y0), None, Point()], crs="EPSG:32647").to_file(src)
    msg = _refused(proj, src, "--role", "communities", "--id-field", "vid", "--name", "v2")
    assert "feature NULL" in msg and "feature EMPTY" in msg and "empty or missing" in msg


def test_geometry_kind_must_match_role(proj, tmp_path):
    src = tmp_path / "poly.gpkg"
    g = factories(1)
    g.geometry = [Point(X0, Y0).buffer(30)]
    g.to_file(src)
    msg = _refused(proj, src, "--role", "factories", "--id-field", "fac_reg")
    assert "feature F01" in msg and "is a Polygon, but role 'factories' needs point" in msg


def test_duplicate_ids(proj, tmp_path):
    src = _fac(tmp_path, fac_reg=["F01", "F01", "F03"])
    msg = _refused(proj, src, "--role", "factories", "--id-field", "fac_reg")
    assert "fac.gpkg" in msg and "feature F01" in msg and "field 'fac_reg'" in msg and "(#1, #2)" in msg


def test_missing_required_field(proj, tmp_path):
    src = tmp_path / "fac.gpkg"
    factories().drop(columns=["ชื่อโรงงาน"]).to_file(src)
    msg = _refused(proj, src, "--role", "factories", "--id-field", "fac_reg")
    assert "fac.gpkg" in msg and "field 'name'" in msg and "required field 'name' is missing" in msg
    assert "--map SOURCE=name" in msg and "gi_level" in msg


def test_attributes_only_criteria_read_may_be_missing(proj, tmp_path):
    """A registry has no Green Industry level or complaints: the layer is added, those values are no data."""
    src = tmp_path / "fac.gpkg"
    factories().drop(columns=["gi_level", "complaints", "category"]).to_file(src)
    r = cli("layers", "add", src, "--role", "factories", "--id-field", "fac_reg", "--catalog", proj)
    assert r.exit_code == 0, r.output
    g = read_layer(load_catalog(proj).get("fac"))
    assert g["gi_level"].isna().all() and g["complaints"].isna().all() and g["category"].isna().all()


def test_wrong_field_type(proj, tmp_path):
    src = _fac(tmp_path, gi_level=["1", "two", "3"])
    msg = _refused(proj, src, "--role", "factories", "--id-field", "fac_reg")
    assert "feature F02" in msg and "field 'gi_level'" in msg and "'two'" in msg and "whole number" in msg


def test_value_not_allowed(proj, tmp_path):
    src = _fac(tmp_path, category=["sugar_mill", "spaceport", "food"])
    msg = _refused(proj, src, "--role", "factories", "--id-field", "fac_reg")
    assert "feature F02" in msg and "field 'category'" in msg and "'spaceport'" in msg


def test_unknown_role(proj, tmp_path):
    msg = _refused(proj, _fac(tmp_path), "--role", "factory")
    assert "unknown role 'factory'" in msg and "factories" in msg


def test_name_already_taken(proj, tmp_path):
    src = tmp_path / "v.gpkg"
    gpd.read_file(tmp_path / "src" / "villages.gpkg").to_file(src)
    msg = _refused(proj, src, "--role", "communities", "--name", "villages", "--id-field", "vid")
    assert "a layer named 'villages' is already in the catalog" in msg and "--replace" in msg


@pytest.mark.parametrize("name", ["../escape", "/etc/passwd", "a/b", "..", "two words"])
def test_name_that_would_leave_the_project(proj, tmp_path, name):
    msg = _refused(proj, _fac(tmp_path), "--role", "factories", "--name", name)
    assert "cannot be used" in msg and "inside the project" in msg


def test_catalog_in_the_bundled_sample_is_refused(tmp_path):
    from layers import sample_catalog_path

    sample = sample_catalog_path()
    before = tree(sample.parent)
    r = cli("layers", "add", _fac(tmp_path), "--role", "factories", "--catalog", sample)
    assert r.exit_code == 3 and "read-only" in r.output
    assert tree(sample.parent) == before


def test_file_that_is_not_spatial_csv(proj, tmp_path):
    csv = tmp_path / "budget.csv"
    csv.write_text("item,amount\nroads,100\n", encoding="utf-8")
    msg = _refused(proj, csv, "--role", "factories")
    assert "budget.csv" in msg and "not a spatial layer" in msg and "item, amount" in msg


def test_file_that_is_not_spatial_table_in_gpkg(proj, tmp_path):
    gp = tmp_path / "table.gpkg"
    import pyogrio

    pyogrio.write_dataframe(pd.DataFrame({"fac_reg": ["F1"], "name": ["x"]}), gp, layer="registry", driver="GPKG")
    msg = _refused(proj, gp, "--role", "factories")
    assert "table.gpkg" in msg and "not a spatial layer" in msg


def test_file_that_is_not_a_layer_at_all(proj, tmp_path):
    doc = tmp_path / "notes.docx"
    doc.write_bytes(b"PK\x03\x04 not really a document")
    msg = _refused(proj, doc, "--role", "factories")
    assert "notes.docx" in msg and "not a file format ecotown reads" in msg


def test_csv_coordinate_that_is_not_a_number(proj, tmp_path):
    csv = tmp_path / "f.csv"
    csv.write_text(f"fac_reg,name,category,gi_level,complaints,lon,lat\nF01,a,food,1,0,{LON0},{LAT0}\n"
                   f"F02,b,food,1,0,100.2x,{LAT0}\n", encoding="utf-8")
    msg = _refused(proj, csv, "--role", "factories", "--id-field", "fac_reg")
    assert "f.csv" in msg and "feature F02" in msg and "field 'lon'" in msg and "'100.2x'" in msg


def test_raster_given_a_vector_role_and_the_reverse(proj, tmp_path):
    tif = write_tif(tmp_path / "lc.tif", x0=X0 - 10_000, y0=Y0 + 10_000)
    msg = _refused(proj, tif, "--role", "factories")
    assert "lc.tif" in msg and "raster" in msg
    msg = _refused(proj, _fac(tmp_path), "--role", "landcover")
    assert "needs a raster" in msg


def test_map_to_a_field_the_role_does_not_have(proj, tmp_path):
    msg = _refused(proj, _fac(tmp_path), "--role", "factories", "--map", "ชื่อโรงงาน=colour")
    assert "'ชื่อโรงงาน' is mapped to 'colour'" in msg and "gi_level" in msg


def test_map_from_a_field_the_file_does_not_have(proj, tmp_path):
    msg = _refused(proj, _fac(tmp_path), "--role", "factories", "--map", "fac_nm=name")
    assert "fac.gpkg" in msg and "field 'fac_nm'" in msg and "ชื่อโรงงาน" in msg


def test_interrupted_write_of_a_new_layer_leaves_store_and_catalog(proj, tmp_path, monkeypatch):
    """The writer dies half-way through the GeoPackage: the old store and catalog must be intact."""
    import layers.store as store

    real = store._write_gpkg_layer

    def dying(gdf, path, layer):
        real(gdf.iloc[: len(gdf) // 2], path, layer)  # half the features are on disk ...
        raise OSError("No space left on device")  # ... then the disk fills up

    monkeypatch.setattr(store, "_write_gpkg_layer", dying)
    msg = _refused(proj, _fac(tmp_path), "--role", "factories", "--id-field", "fac_reg")
    assert "No space left on device" in msg and "not changed" in msg
    assert set(load_catalog(proj).layers) == {"boundary", "villages"}
    assert len(read_layer(load_catalog(proj).get("villages"))) == 2


def test_interrupted_replace_keeps_the_previous_version(proj, tmp_path, monkeypatch):
    import layers.store as store

    old_villages = read_layer(load_catalog(proj).get("villages"))
    src = tmp_path / "v2026.gpkg"
    gpd.GeoDataFrame({"vid": ["N1"], "name": ["ใหม่"], "population": [7]}, geometry=[Point(X0, Y0)],
                     crs="EPSG:32647").to_file(src)
    real = store._write_gpkg_layer

    def dying(gdf, path, layer):
        real(gdf, path, layer)
        with sqlite3.connect(path) as con:  # the new version is written, then the machine stops
            con.execute("select 1")
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "_write_gpkg_layer", dying)
    msg = _refused(proj, src, "--role", "communities", "--name", "villages", "--replace", "--id-field", "vid",
                   exit_code=130)
    assert "interrupted" in msg
    again = read_layer(load_catalog(proj).get("villages"))
    assert list(again["id"]) == list(old_villages["id"]) == ["V1", "V2"]


def test_interrupted_catalog_write(proj, tmp_path, monkeypatch):
    """The store is swapped in but renaming the catalog fails: the store is put back."""
    import os

    import layers.store as store

    real_replace = os.replace
    calls = []

    def failing_replace(src, dst):
        calls.append(Path(dst).name)
        if Path(dst).name == "catalog.yaml" and calls.count("catalog.yaml") == 1:
            raise PermissionError(13, "Permission denied", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", failing_replace)
    msg = _refused(proj, _fac(tmp_path), "--role", "factories", "--id-field", "fac_reg")
    assert "Permission denied" in msg and "catalog.yaml" in msg and "not changed" in msg
    assert calls[:3] == ["layers.gpkg", "catalog.yaml", "layers.gpkg"]  # store swapped in, then put back
    assert len(read_layer(load_catalog(proj).get("villages"))) == 2


def test_shapefile_with_utf8_thai_field_names_cut_mid_letter(proj, tmp_path):
    """A DBF keeps 10 bytes of a field name; UTF-8 Thai names get cut inside a letter. Say so, plainly."""
    shp = tmp_path / "cut.shp"
    factories().to_file(shp)  # UTF-8: 'ชื่อโรงงาน' is 30 bytes
    msg = _refused(proj, shp, "--role", "factories", "--id-field", "fac_reg")
    assert "cut.shp" in msg and "10 bytes" in msg and "--encoding" in msg
