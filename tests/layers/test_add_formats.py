"""``layers add`` reads every supported format, converts the CRS correctly and stores canonical, typed fields."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from layers import FieldMapping, LayerReadError, LayerValidationError, add_layer, load_catalog, read_layer
from tests.conftest import X0, Y0
from tests.layers.addkit import LAT0, LON0, cli, factories, villages

THAI = ["โรงงานที่ 1", "โรงงานที่ 2", "โรงงานที่ 3"]
FAC_MAP = FieldMapping(id_field="fac_reg", fields={"ชื่อโรงงาน": "name"})


def _stored(cat: Path, name: str) -> gpd.GeoDataFrame:
    return read_layer(load_catalog(cat).get(name))


def _near(g: gpd.GeoDataFrame, x: float, y: float, tol: float) -> None:
    d = g.geometry.iloc[0].distance(Point(x, y))
    assert d < tol, f"{d:.2f} m from where it should be"


def test_geopackage_any_layer(tmp_path):
    src = tmp_path / "diw.gpkg"
    villages().to_file(src, layer="villages")
    factories().to_file(src, layer="factories_2026")
    cat = tmp_path / "p" / "catalog.yaml"
    with pytest.raises(LayerReadError, match=r"diw.gpkg: holds 2 layers \(.*factories_2026.*\); say which one"):
        add_layer(src, role="factories", catalog=cat, mapping=FAC_MAP)
    assert not cat.exists()
    res = add_layer(src, role="factories", catalog=cat, mapping=FieldMapping(
        id_field="fac_reg", fields={"ชื่อโรงงาน": "name"}, layer="factories_2026"))
    assert res.name == "diw" and res.features == 3
    g = _stored(cat, "diw")
    assert list(g["id"]) == ["F01", "F02", "F03"] and list(g["name"]) == THAI
    assert list(g["gi_level"]) == [0, 1, 2] and g.crs.to_epsg() == 32647
    # the store holds canonical fields in EPSG:32647
    raw = pyogrio.read_dataframe(cat.parent / "layers.gpkg", layer="diw")
    assert raw.crs.to_epsg() == 32647 and "ชื่อโรงงาน" not in raw.columns and "name" in raw.columns


def test_shapefile_with_cpg_cp874_gives_thai(tmp_path):
    src = tmp_path / "fac.shp"
    factories().to_file(src, encoding="cp874")
    assert (tmp_path / "fac.cpg").exists()
    add_layer(src, role="factories", catalog=tmp_path / "catalog.yaml", mapping=FAC_MAP)
    # in cp874 a Thai letter is one byte, so the 10-letter field name fits a DBF field name whole
    assert list(_stored(tmp_path / "catalog.yaml", "fac")["name"]) == THAI


def test_shapefile_cp874_without_cpg_is_detected(tmp_path):
    src = tmp_path / "fac.shp"
    factories().to_file(src, encoding="cp874")
    (tmp_path / "fac.cpg").unlink()
    dbf = bytearray((tmp_path / "fac.dbf").read_bytes())
    dbf[29] = 0  # no language driver id either: GDAL would read it as Latin-1
    (tmp_path / "fac.dbf").write_bytes(bytes(dbf))
    assert pyogrio.read_dataframe(src)["fac_reg"].iloc[0] == "F01"
    assert "โรงงาน" not in str(pyogrio.read_dataframe(src).iloc[0].tolist())  # plain GDAL gets mojibake
    res = add_layer(src, role="factories", catalog=tmp_path / "catalog.yaml", mapping=FAC_MAP)
    assert list(_stored(tmp_path / "catalog.yaml", "fac")["name"]) == THAI
    assert any("cp874" in w and ".cpg" in w for w in res.warnings)


def test_zipped_shapefile(tmp_path):
    d = tmp_path / "shp"
    d.mkdir()
    factories(crs="EPSG:4326").to_file(d / "fac.shp", encoding="cp874")
    z = tmp_path / "fac.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in d.iterdir():
            zf.write(f, f"export/{f.name}")
    add_layer(z, role="factories", catalog=tmp_path / "catalog.yaml", name="zipped", mapping=FAC_MAP)
    g = _stored(tmp_path / "catalog.yaml", "zipped")
    assert list(g["name"]) == THAI
    _near(g, X0, Y0, 0.01)


@pytest.mark.parametrize("suffix, driver", [(".geojson", "GeoJSON"), (".fgb", "FlatGeobuf")])
def test_geojson_and_flatgeobuf(tmp_path, suffix, driver):
    src = tmp_path / f"fac{suffix}"
    factories(crs="EPSG:4326").to_file(src, driver=driver)
    add_layer(src, role="factories", catalog=tmp_path / "catalog.yaml", mapping=FAC_MAP)
    g = _stored(tmp_path / "catalog.yaml", "fac").sort_values("id")  # FlatGeobuf keeps a spatial order
    assert list(g["name"]) == THAI
    _near(g, X0, Y0, 0.01)


def _google_earth_kml(path: Path) -> None:
    """Placemarks as Google Earth saves them: name, ExtendedData <Data> values, lon,lat,alt coordinates."""
    lon1, lat1 = Transformer.from_crs(32647, 4326, always_xy=True).transform(X0, Y0 + 500)
    marks = "".join(
        f"<Placemark><name>บ้านที่ {i}</name><ExtendedData><Data name=\"vid\"><value>V{i}</value></Data>"
        f"<Data name=\"population\"><value>{100 * i}</value></Data></ExtendedData>"
        f"<Point><coordinates>{lon1 + (i - 1) * 0.001:.8f},{lat1:.8f},0</coordinates></Point></Placemark>"
        for i in (1, 2))
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
                    f"<Document><name>หมู่บ้าน</name><Folder><name>villages</name>{marks}</Folder></Document></kml>",
                    encoding="utf-8")


@pytest.mark.parametrize("kind", ["kml", "kmz"])
def test_kml_and_kmz_from_google_earth(tmp_path, kind):
    kml = tmp_path / "v.kml"
    _google_earth_kml(kml)
    src = kml
    if kind == "kmz":
        src = tmp_path / "v.kmz"
        with zipfile.ZipFile(src, "w") as zf:
            zf.write(kml, "doc.kml")
    add_layer(src, role="communities", catalog=tmp_path / "catalog.yaml", mapping=FieldMapping(id_field="vid"))
    got = _stored(tmp_path / "catalog.yaml", "v")
    assert list(got["id"]) == ["V1", "V2"]
    assert list(got["name"]) == ["บ้านที่ 1", "บ้านที่ 2"] and list(got["population"]) == [100, 200]
    assert not got.geometry.has_z.any()
    _near(got, X0, Y0 + 500, 0.01)


def test_csv_with_thai_lat_lon_columns(tmp_path):
    src = tmp_path / "ทะเบียนโรงงาน.csv"
    src.write_text("ทะเบียนโรงงาน,ชื่อโรงงาน,ประเภท,ระดับอุตสาหกรรมสีเขียว,เรื่องร้องเรียน,ละติจูด,ลองจิจูด\n"
                   f"3-1-12/50,โรงงานน้ำตาล,sugar_mill,3,0,{LAT0:.7f},{LON0:.7f}\n"
                   f"3-2-01/61,โรงงานเอทานอล,ethanol,2,1,{LAT0:.7f},{LON0 + 0.001:.7f}\n", encoding="utf-8-sig")
    res = add_layer(src, role="factories", catalog=tmp_path / "catalog.yaml", name="factories",
                    mapping=FieldMapping(id_field="ทะเบียนโรงงาน"))
    g = _stored(tmp_path / "catalog.yaml", "factories")
    assert list(g["id"]) == ["3-1-12/50", "3-2-01/61"] and list(g["name"]) == ["โรงงานน้ำตาล", "โรงงานเอทานอล"]
    assert list(g["registry_no"]) == ["3-1-12/50", "3-2-01/61"]  # an alias, mapped as well
    _near(g, X0, Y0, 0.05)
    assert res.source_crs == "EPSG:4326"


def test_csv_cp874_with_english_lon_lat(tmp_path):
    src = tmp_path / "v.csv"
    src.write_bytes(f"id,village,pop,Longitude,Latitude\nV1,บ้านหนองโพ,120,{LON0},{LAT0}\n".encode("cp874"))
    res = add_layer(src, role="communities", catalog=tmp_path / "catalog.yaml", mapping=FieldMapping(id_field="id"))
    g = _stored(tmp_path / "catalog.yaml", "v")
    assert g.loc[0, "name"] == "บ้านหนองโพ" and g.loc[0, "population"] == 120
    assert any("cp874" in w for w in res.warnings)


def test_csv_utm_easting_northing_needs_and_uses_crs(tmp_path):
    src = tmp_path / "v.csv"
    src.write_text(f"vid,name,population,Easting,Northing\nV1,a,5,{X0},{Y0}\n", encoding="utf-8")
    with pytest.raises(LayerValidationError, match=r"v.csv.*no CRS.*--crs EPSG:32647"):
        add_layer(src, role="communities", catalog=tmp_path / "catalog.yaml", mapping=FieldMapping(id_field="vid"))
    assert not (tmp_path / "catalog.yaml").exists()
    add_layer(src, role="communities", catalog=tmp_path / "catalog.yaml",
              mapping=FieldMapping(id_field="vid", crs="EPSG:32647"))
    _near(_stored(tmp_path / "catalog.yaml", "v"), X0, Y0, 0.001)


def test_csv_columns_named_with_map(tmp_path):
    src = tmp_path / "v.csv"
    src.write_text(f"vid,name,population,พิกัดตะวันออกUTM,พิกัดเหนือUTM\nV1,a,5,{X0},{Y0}\n", encoding="utf-8")
    add_layer(src, role="communities", catalog=tmp_path / "catalog.yaml", mapping=FieldMapping(
        id_field="vid", crs="32647", fields={"พิกัดตะวันออกUTM": "x", "พิกัดเหนือUTM": "y"}))
    _near(_stored(tmp_path / "catalog.yaml", "v"), X0, Y0, 0.001)


def test_utm_48n_is_converted(tmp_path):
    x48, y48 = Transformer.from_crs(32647, 32648, always_xy=True).transform(X0, Y0)
    src = tmp_path / "v.gpkg"
    gpd.GeoDataFrame({"vid": ["A"], "name": ["a"], "population": [1]}, geometry=[Point(x48, y48)],
                     crs="EPSG:32648").to_file(src)
    res = add_layer(src, role="communities", catalog=tmp_path / "catalog.yaml", mapping=FieldMapping(id_field="vid"))
    assert res.source_crs == "EPSG:32648"
    _near(_stored(tmp_path / "catalog.yaml", "v"), X0, Y0, 0.01)


def test_indian_1975_shapefile_lands_within_metres_of_wgs84(tmp_path):
    """A .prj of Indian 1975 / UTM 47N: the datum shift must be applied (the naive reading is ~80+ m off)."""
    x75, y75 = Transformer.from_crs(4326, 24047, always_xy=True).transform(LON0, LAT0)
    src = tmp_path / "v.shp"
    gpd.GeoDataFrame({"vid": ["A"], "name": ["a"], "population": [1]}, geometry=[Point(x75, y75)],
                     crs="EPSG:24047").to_file(src)
    res = add_layer(src, role="communities", catalog=tmp_path / "catalog.yaml", mapping=FieldMapping(id_field="vid"))
    assert res.source_crs == "EPSG:24047"
    _near(_stored(tmp_path / "catalog.yaml", "v"), X0, Y0, 5.0)
    assert Point(x75, y75).distance(Point(X0, Y0)) > 50
    # the same numbers with --crs (no .prj) give the same place
    for ext in ("prj",):
        (tmp_path / f"v.{ext}").unlink()
    add_layer(src, role="communities", catalog=tmp_path / "catalog.yaml", name="v2",
              mapping=FieldMapping(id_field="vid", crs="EPSG:24047"))
    _near(_stored(tmp_path / "catalog.yaml", "v2"), X0, Y0, 5.0)


def test_wgs84_geojson_position(tmp_path):
    src = tmp_path / "v.geojson"
    gpd.GeoDataFrame({"vid": ["A"], "name": ["a"], "population": [1]}, geometry=[Point(LON0, LAT0)],
                     crs="EPSG:4326").to_file(src, driver="GeoJSON")
    add_layer(src, role="communities", catalog=tmp_path / "catalog.yaml", mapping=FieldMapping(id_field="vid"))
    _near(_stored(tmp_path / "catalog.yaml", "v"), X0, Y0, 0.01)


def test_map_option_thai_names_and_save_mapping_for_next_year(tmp_path):
    src = tmp_path / "diw_2025.gpkg"
    factories(**{"ประเภท": ["food"] * 3}).drop(columns=["category"]).rename(
        columns={"fac_reg": "ทะเบียน"}).to_file(src)
    cat = tmp_path / "p" / "catalog.yaml"
    m = tmp_path / "p" / "factories-mapping.yaml"
    r = cli("layers", "add", src, "--role", "factories", "--name", "factories", "--id-field", "ทะเบียน",
            "--map", "ชื่อโรงงาน=name", "--map", "ประเภท=category", "--year", "2025", "--save-mapping", m,
            "--catalog", cat)
    assert r.exit_code == 0, r.output
    assert "ชื่อโรงงาน -> name" in r.output and "mapping saved" in r.output
    saved = m.read_text(encoding="utf-8")
    assert "ชื่อโรงงาน: name" in saved and "id_field: ทะเบียน" in saved and "role: factories" in saved
    # next year's file, same field names, more factories: only --mapping and --replace are needed
    nxt = tmp_path / "diw_2026.gpkg"
    factories(5, **{"ประเภท": ["food"] * 5}).drop(columns=["category"]).rename(
        columns={"fac_reg": "ทะเบียน"}).to_file(nxt)
    r = cli("layers", "add", nxt, "--mapping", m, "--name", "factories", "--replace", "--year", "2026",
            "--catalog", cat)
    assert r.exit_code == 0, r.output
    assert "replaced layer 'factories'" in r.output
    g = _stored(cat, "factories")
    assert len(g) == 5 and list(g["category"]) == ["food"] * 5 and g.loc[4, "name"] == "โรงงานที่ 5"
    assert load_catalog(cat).get("factories").vintage == 2026


def test_layer_copied_into_project_survives_source_deletion(tmp_path):
    src = tmp_path / "src" / "fac.gpkg"
    src.parent.mkdir()
    factories().to_file(src)
    cat = tmp_path / "p" / "catalog.yaml"
    add_layer(src, role="factories", catalog=cat, mapping=FAC_MAP)
    shutil.rmtree(src.parent)
    assert list(_stored(cat, "fac")["name"]) == THAI
