"""Reading layers: field mapping, CRS conversion, and every kind of bad input refused with a precise message."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, Polygon

from layers import (
    CatalogError,
    LayerReadError,
    LayerValidationError,
    inspect_layer,
    load_catalog,
    read_layer,
)
from tests.conftest import X0, Y0, write_catalog


def _villages(tmp_path: Path, gdf: gpd.GeoDataFrame, *, entry: dict | None = None, name="v.gpkg"):
    path = tmp_path / name
    gdf.to_file(path, layer="villages", driver="GPKG")
    e = {"role": "communities", "source": name, "layer": "villages", "id_field": "vid"}
    e.update(entry or {})
    return load_catalog(write_catalog(tmp_path, {"villages": e})).get("villages")


def test_thai_fields_are_mapped_and_typed(tiny_town):
    g = read_layer(load_catalog(tiny_town).get("villages"))
    assert list(g["id"]) == ["V1", "V2", "V3"]
    assert list(g["name"]) == ["บ้านหนึ่ง", "บ้านสอง", "บ้านสาม"]
    assert list(g["population"]) == [100, 200, 300]
    assert g.crs.to_epsg() == 32647


def test_aliases_map_without_catalog_mapping(tmp_path):
    gdf = gpd.GeoDataFrame({"vid": ["A"], "ชื่อหมู่บ้าน": ["บ้านเอ"], "ประชากร": [10]},
                           geometry=[Point(X0, Y0)], crs="EPSG:32647")
    g = read_layer(_villages(tmp_path, gdf))
    assert g.loc[0, "name"] == "บ้านเอ" and g.loc[0, "population"] == 10


def test_wgs84_is_converted_to_utm(tmp_path):
    lon, lat = 100.28, 15.40
    gdf = gpd.GeoDataFrame({"vid": ["A"], "name": ["a"], "population": [1]}, geometry=[Point(lon, lat)],
                           crs="EPSG:4326")
    g = read_layer(_villages(tmp_path, gdf))
    x, y = Transformer.from_crs(4326, 32647, always_xy=True).transform(lon, lat)
    assert g.geometry.iloc[0].distance(Point(x, y)) < 0.01


def test_indian_1975_lands_near_its_wgs84_position(tmp_path):
    """A point given in Indian 1975 / UTM 47N must land within a few metres of where WGS 84 puts it."""
    lon, lat = 100.28, 15.40
    tr = Transformer.from_crs(4326, 24047, always_xy=True)
    x75, y75 = tr.transform(lon, lat)
    gdf = gpd.GeoDataFrame({"vid": ["A"], "name": ["a"], "population": [1]}, geometry=[Point(x75, y75)],
                           crs="EPSG:24047")
    g = read_layer(_villages(tmp_path, gdf))
    x, y = Transformer.from_crs(4326, 32647, always_xy=True).transform(lon, lat)
    assert g.geometry.iloc[0].distance(Point(x, y)) < 5.0
    # and the naive reading (treating Indian 1975 numbers as WGS 84 UTM) would be far off
    assert Point(x75, y75).distance(Point(x, y)) > 50


def test_missing_crs_is_refused_with_the_fix(tmp_path):
    gdf = gpd.GeoDataFrame({"vid": ["A"], "name": ["a"], "population": [1]}, geometry=[Point(X0, Y0)])
    spec = _villages(tmp_path, gdf)
    with pytest.raises(LayerValidationError, match=r"no CRS.*crs: EPSG"):
        read_layer(spec)


def test_missing_crs_accepted_when_catalog_gives_it(tmp_path):
    gdf = gpd.GeoDataFrame({"vid": ["A"], "name": ["a"], "population": [1]}, geometry=[Point(X0, Y0)])
    g = read_layer(_villages(tmp_path, gdf, entry={"crs": "EPSG:32647"}))
    assert g.geometry.iloc[0].x == pytest.approx(X0)


def test_swapped_lat_lon_is_explained(tmp_path):
    gdf = gpd.GeoDataFrame({"vid": ["A"], "name": ["a"], "population": [1]}, geometry=[Point(15.40, 100.28)],
                           crs="EPSG:4326")
    with pytest.raises(LayerValidationError) as ei:
        read_layer(_villages(tmp_path, gdf))
    msg = str(ei.value)
    assert "swapped" in msg and "feature A" in msg and "v.gpkg" in msg


def test_coordinates_in_another_country(tmp_path):
    gdf = gpd.GeoDataFrame({"vid": ["PARIS"], "name": ["a"], "population": [1]}, geometry=[Point(2.35, 48.85)],
                           crs="EPSG:4326")
    with pytest.raises(LayerValidationError, match=r"feature PARIS.*outside Thailand"):
        read_layer(_villages(tmp_path, gdf))


def test_duplicate_ids_named(tmp_path):
    gdf = gpd.GeoDataFrame({"vid": ["A", "A"], "name": ["a", "b"], "population": [1, 2]},
                           geometry=[Point(X0, Y0), Point(X0 + 1, Y0)], crs="EPSG:32647")
    with pytest.raises(LayerValidationError, match=r"id 'A' is used by more than one feature \(#1, #2\)"):
        read_layer(_villages(tmp_path, gdf))


def test_missing_required_field_names_field_and_choices(tmp_path):
    gdf = gpd.GeoDataFrame({"vid": ["A"], "ชื่อ_หมู่บ้าน": ["a"], "people": [5]}, geometry=[Point(X0, Y0)],
                           crs="EPSG:32647")
    with pytest.raises(LayerValidationError) as ei:
        read_layer(_villages(tmp_path, gdf))
    msg = str(ei.value)
    assert "required field 'name' is missing" in msg and "people" in msg and "ชื่อ_หมู่บ้าน" in msg


def test_villages_without_population_are_read_with_population_unknown(tmp_path):
    gdf = gpd.GeoDataFrame({"vid": ["A", "B"], "name": ["a", "b"]}, geometry=[Point(X0, Y0), Point(X0 + 9, Y0)],
                           crs="EPSG:32647")
    g = read_layer(_villages(tmp_path, gdf))
    assert g["population"].isna().all() and list(g["id"]) == ["A", "B"]


def test_wrong_type_names_feature_and_field(tmp_path):
    gdf = gpd.GeoDataFrame({"vid": ["A", "B"], "name": ["a", "b"], "population": ["120", "many"]},
                           geometry=[Point(X0, Y0), Point(X0 + 5, Y0)], crs="EPSG:32647")
    with pytest.raises(LayerValidationError) as ei:
        read_layer(_villages(tmp_path, gdf))
    (p,) = ei.value.problems
    assert (p.feature, p.field) == ("B", "population") and "'many'" in p.message


def test_value_out_of_range_and_not_allowed(tmp_path):
    path = tmp_path / "f.gpkg"
    gpd.GeoDataFrame({"fid_": ["F1", "F2"], "name": ["a", "b"], "category": ["sugar_mill", "spaceport"],
                      "gi_level": [7, 1], "complaints": [0, 0]},
                     geometry=[Point(X0, Y0), Point(X0 + 9, Y0)], crs="EPSG:32647").to_file(path, layer="f")
    cat = load_catalog(write_catalog(tmp_path, {"f": {"role": "factories", "source": "f.gpkg", "id_field": "fid_"}}))
    problems = inspect_layer(cat.get("f")).errors
    got = {(p.feature, p.field) for p in problems}
    assert got == {("F1", "gi_level"), ("F2", "category")}


def test_invalid_and_empty_geometries_reported(tmp_path):
    bow = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    bow = Polygon([(X0 + x, Y0 + y) for x, y in bow.exterior.coords])
    gdf = gpd.GeoDataFrame({"vid": ["BOW", "NONE"], "name": ["a", "b"], "population": [1, 2]},
                           geometry=[bow, None], crs="EPSG:32647")
    res = inspect_layer(_villages(tmp_path, gdf))
    msgs = {p.feature: p.message for p in res.errors}
    assert "Self-intersection" in msgs["BOW"]
    assert "empty or missing" in msgs["NONE"]


def test_wrong_geometry_kind_for_role(tmp_path):
    path = tmp_path / "f.gpkg"
    gpd.GeoDataFrame({"fid_": ["F1"], "name": ["a"], "category": ["food"], "gi_level": [1], "complaints": [0]},
                     geometry=[Point(X0, Y0).buffer(50)], crs="EPSG:32647").to_file(path, layer="f")
    cat = load_catalog(write_catalog(tmp_path, {"f": {"role": "factories", "source": "f.gpkg", "id_field": "fid_"}}))
    with pytest.raises(LayerValidationError, match="is a Polygon, but role 'factories' needs point"):
        read_layer(cat.get("f"))


def test_empty_layer_refused(tmp_path):
    gdf = gpd.GeoDataFrame({"vid": [], "name": [], "population": []}, geometry=[], crs="EPSG:32647")
    with pytest.raises(LayerValidationError, match="has 0 features"):
        read_layer(_villages(tmp_path, gdf))


def test_corrupt_file_is_a_read_error_naming_the_file(tmp_path):
    bad = tmp_path / "broken.gpkg"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 50)
    cat = load_catalog(write_catalog(tmp_path, {"v": {"role": "communities", "source": "broken.gpkg"}}))
    with pytest.raises(LayerReadError, match="broken.gpkg"):
        read_layer(cat.get("v"))


def test_missing_layer_in_file_lists_the_layers(tiny_town):
    cat = load_catalog(tiny_town)
    spec = cat.get("villages")
    from dataclasses import replace

    with pytest.raises(LayerReadError, match=r"has no layer 'vilages'.*villages"):
        read_layer(replace(spec, layer="vilages"))


@pytest.mark.parametrize("entry, pattern", [
    ({"role": "factory", "source": "town.gpkg"}, r"field 'role': unknown role 'factory'.*factories"),
    ({"role": "factories", "source": "nowhere.gpkg"}, r"source file not found.*nowhere.gpkg"),
    ({"role": "factories"}, r"field 'source' is missing"),
    ({"role": "factories", "source": "town.gpkg", "fields": {"x": "colour"}}, r"maps to 'colour'"),
])
def test_bad_catalog_entries(tiny_town, entry, pattern):
    write_catalog(tiny_town.parent, {"bad": entry})
    with pytest.raises(CatalogError, match=pattern):
        load_catalog(tiny_town)


def test_catalog_not_yaml(tmp_path):
    p = tmp_path / "catalog.yaml"
    p.write_text("layers: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(p)
