"""The store and catalog after ``layers add``: provenance recorded, --replace, show, remove, rasters, comments kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import rasterio
from shapely.geometry import Point

from layers import FieldMapping, add_layer, check_catalog, load_catalog, read_layer, read_raster_spec, remove_layer
from layers.catalog import sha256_file
from layers.catalog_edit import catalog_text_with, read_catalog_data
from tests.conftest import X0, Y0
from tests.layers.addkit import cli, factories, project, tree, write_tif


@pytest.fixture
def proj(tmp_path) -> Path:
    return project(tmp_path)


def test_entry_records_sha256_time_vintage_and_original_crs(tmp_path):
    src = tmp_path / "fac.geojson"
    factories(crs="EPSG:4326").to_file(src, driver="GeoJSON")
    cat = tmp_path / "p" / "catalog.yaml"
    t0 = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    add_layer(src, role="factories", catalog=cat, name="factories", year=2026,
              mapping=FieldMapping(id_field="fac_reg"))
    spec = load_catalog(cat).get("factories")
    assert spec.source_sha256 == sha256_file(src)
    assert spec.vintage == 2026 and spec.source_crs == "EPSG:4326"
    assert spec.source == (cat.parent / "layers.gpkg").resolve() and spec.layer == "factories"
    assert t0 <= dt.datetime.fromisoformat(spec.added) <= dt.datetime.now(dt.timezone.utc)
    assert spec.source_file == str(src.resolve())
    assert all(r.ok for r in check_catalog(load_catalog(cat)))


def test_show_prints_fields_counts_extent_crs_vintage_and_hash(proj):
    r = cli("layers", "show", "villages", "--catalog", proj)
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    spec = load_catalog(proj).get("villages")
    for text in ("communities", "features │ 2", "Point 2", "EPSG:32647", "vintage │ 2025",
                 "x 637,000.0 to 637,200.0", "y 1,703,500.0 to 1,703,500.0", "population", "บ้านที่ 1"):
        assert text in out, text
    assert spec.source_sha256[:20] in out.replace(" │ ", "").replace("│", "")


def test_show_unknown_layer(proj):
    r = cli("layers", "show", "vilages", "--catalog", proj)
    assert r.exit_code == 3 and "no layer named 'vilages'" in r.output


def test_replace_updates_one_layer_and_leaves_the_others_alone(proj, tmp_path):
    store = proj.parent / "layers.gpkg"
    boundary_before = pyogrio.read_dataframe(store, layer="boundary")
    src = tmp_path / "v2026.gpkg"
    gpd.GeoDataFrame({"vid": ["N1", "N2", "N3"], "name": ["ก", "ข", "ค"], "population": [1, 2, 3]},
                     geometry=[Point(X0 + i, Y0) for i in range(3)], crs="EPSG:32647").to_file(src)
    r = cli("layers", "add", src, "--role", "communities", "--name", "villages", "--replace", "--id-field", "vid",
            "--year", "2026", "--catalog", proj)
    assert r.exit_code == 0, r.output
    cat = load_catalog(proj)
    assert list(read_layer(cat.get("villages"))["id"]) == ["N1", "N2", "N3"]
    assert cat.get("villages").vintage == 2026 and cat.get("villages").source_sha256 == sha256_file(src)
    assert pyogrio.read_dataframe(store, layer="boundary").equals(boundary_before)
    assert list(cat.layers) == ["boundary", "villages"]
    assert not [p for p in proj.parent.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_hand_written_catalog_keeps_its_comments(tmp_path):
    proj = tmp_path / "p"
    proj.mkdir()
    factories().to_file(proj / "own.gpkg")
    cat = proj / "catalog.yaml"
    cat.write_text("# Nong Pho layers, kept by the GIS unit\nname: หนองโพ\ntown: null\nlayers:\n"
                   "  # factories exported from the DIW registry by hand\n"
                   "  own: {role: factories, source: own.gpkg, id_field: fac_reg}   # keep this\n"
                   "parameters:\n  rings_m: [500, 1000]\n", encoding="utf-8")
    src = tmp_path / "v.gpkg"
    gpd.GeoDataFrame({"vid": ["A"], "name": ["a"], "population": [1]}, geometry=[Point(X0, Y0)],
                     crs="EPSG:32647").to_file(src)
    add_layer(src, role="communities", catalog=cat, name="villages", mapping=FieldMapping(id_field="vid"))
    text = cat.read_text(encoding="utf-8")
    assert "# factories exported from the DIW registry by hand" in text and "# keep this" in text
    assert text.index("villages:") < text.index("parameters:")  # added inside the layers block
    c = load_catalog(cat)
    assert list(c.layers) == ["own", "villages"] and c.rings_m == (500, 1000) and c.name == "หนองโพ"
    remove_layer("villages", catalog=cat)
    assert "# keep this" in cat.read_text(encoding="utf-8") and list(load_catalog(cat).layers) == ["own"]
    assert (proj / "own.gpkg").exists()  # a file the user keeps is never deleted
    remove_layer("own", catalog=cat)
    assert (proj / "own.gpkg").exists()
    _, data = read_catalog_data(cat)
    assert data["layers"] == {} and data["parameters"] == {"rings_m": [500, 1000]}


def test_catalog_edit_falls_back_to_a_full_rewrite_when_text_is_unusual(tmp_path):
    cat = tmp_path / "catalog.yaml"
    cat.write_text("name: x\nlayers: {a: {role: roads, source: r.gpkg}}\n", encoding="utf-8")
    text, data = read_catalog_data(cat)
    out = catalog_text_with(cat, text, data, "b", {"role": "water", "source": "w.gpkg"})
    import yaml

    assert yaml.safe_load(out)["layers"] == {"a": {"role": "roads", "source": "r.gpkg"},
                                             "b": {"role": "water", "source": "w.gpkg"}}


def test_remove_takes_the_layer_out_of_catalog_and_store(proj):
    r = cli("layers", "remove", "villages", "--catalog", proj)
    assert r.exit_code == 0, r.output
    assert list(load_catalog(proj).layers) == ["boundary"]
    assert [str(n) for n, _ in pyogrio.list_layers(proj.parent / "layers.gpkg")] == ["boundary"]
    assert len(read_layer(load_catalog(proj).get("boundary"))) == 1


def test_remove_refuses_unknown_name_and_the_town(proj):
    before = tree(proj.parent)
    r = cli("layers", "remove", "vilages", "--catalog", proj)
    assert r.exit_code == 3 and "no layer named 'vilages'" in r.output
    text = proj.read_text(encoding="utf-8").replace("\ncrs: EPSG:32647\n", "\ncrs: EPSG:32647\ntown: boundary\n", 1)
    proj.write_text(text, encoding="utf-8")
    before = tree(proj.parent)
    r = cli("layers", "remove", "boundary", "--catalog", proj)
    assert r.exit_code == 3 and "is the catalog's town" in r.output
    assert tree(proj.parent) == before


def test_landcover_raster_is_stored_as_is_and_checked(proj, tmp_path):
    tif = write_tif(tmp_path / "lc.tif", x0=X0 - 10_000, y0=Y0 + 10_000)
    m = tmp_path / "lc.yaml"
    m.write_text("role: landcover\nclasses:\n  5: {name: forest, green: true}\n  6: {name: grass, green: true}\n",
                 encoding="utf-8")
    r = cli("layers", "add", tif, "--role", "landcover", "--name", "landcover", "--mapping", m, "--year", "2024",
            "--catalog", proj)
    assert r.exit_code == 0, r.output
    stored = proj.parent / "rasters" / "landcover.tif"
    assert stored.read_bytes() == tif.read_bytes()
    spec = load_catalog(proj).get("landcover")
    assert spec.source == stored.resolve() and spec.green_classes == [5, 6] and spec.vintage == 2024
    assert read_raster_spec(spec).crs == "EPSG:32647"
    r = cli("layers", "show", "landcover", "--catalog", proj)
    assert r.exit_code == 0 and "100 x 100 cells" in r.output
    r = cli("layers", "remove", "landcover", "--catalog", proj)
    assert r.exit_code == 0 and not stored.exists()


def test_raster_without_crs_refused_then_given_one(proj, tmp_path):
    tif = write_tif(tmp_path / "nocrs.tif", x0=X0 - 10_000, y0=Y0 + 10_000, crs=None)
    before = tree(proj.parent)
    r = cli("layers", "add", tif, "--role", "landcover", "--catalog", proj)
    assert r.exit_code == 3 and "nocrs.tif" in r.output and "no CRS" in r.output
    assert tree(proj.parent) == before
    r = cli("layers", "add", tif, "--role", "landcover", "--crs", "EPSG:32647", "--catalog", proj)
    assert r.exit_code == 0, r.output
    with rasterio.open(proj.parent / "rasters" / "nocrs.tif") as ds:
        assert ds.crs.to_epsg() == 32647


def test_raster_that_misses_the_study_area_or_thailand(proj, tmp_path):
    small = write_tif(tmp_path / "small.tif", x0=X0 - 1000, y0=Y0 + 1000, size=10)
    before = tree(proj.parent)
    r = cli("layers", "add", small, "--role", "landcover", "--catalog", proj)
    assert r.exit_code == 3 and "small.tif" in r.output and "does not cover the study area" in r.output
    far = write_tif(tmp_path / "far.tif", x0=X0, y0=Y0, crs="EPSG:32631")  # same numbers, zone 31 (Africa)
    r = cli("layers", "add", far, "--role", "landcover", "--catalog", proj)
    assert r.exit_code == 3 and "outside Thailand" in r.output
    assert tree(proj.parent) == before


def test_raster_without_nodata_is_a_warning(proj, tmp_path):
    tif = write_tif(tmp_path / "lc.tif", x0=X0 - 10_000, y0=Y0 + 10_000, nodata=None)
    r = cli("layers", "add", tif, "--role", "landcover", "--catalog", proj)
    assert r.exit_code == 0 and "no nodata value" in r.output


def test_truncated_geotiff(proj, tmp_path):
    tif = write_tif(tmp_path / "lc.tif", x0=X0 - 10_000, y0=Y0 + 10_000)
    cut = tmp_path / "cut.tif"
    cut.write_bytes(tif.read_bytes()[:300])
    before = tree(proj.parent)
    r = cli("layers", "add", cut, "--role", "landcover", "--catalog", proj)
    assert r.exit_code == 3 and "cut.tif" in r.output
    assert tree(proj.parent) == before


def test_added_layers_feed_the_layers_check_command(proj):
    r = cli("layers", "check", "--catalog", proj)
    assert r.exit_code == 0, r.output
    r = cli("layers", "list", "--catalog", proj)
    assert r.exit_code == 0 and "villages" in r.output and "2025" in r.output
