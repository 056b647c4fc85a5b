"""Field mappings: --map parsing, mapping files, and refusing mappings that cannot be right."""

from __future__ import annotations

import pytest

from layers import CatalogError, FieldMapping, load_mapping, parse_map_options, save_mapping
from tests.layers.addkit import cli, factories, tree


def test_parse_map_options():
    assert parse_map_options(["ชื่อโรงงาน=name", " fac_reg = registry_no "]) == {
        "ชื่อโรงงาน": "name", "fac_reg": "registry_no"}
    with pytest.raises(CatalogError, match=r"--map 'name'.*SOURCE_FIELD=CANONICAL_FIELD"):
        parse_map_options(["name"])


def test_mapping_round_trip(tmp_path):
    m = FieldMapping(role="factories", fields={"ชื่อโรงงาน": "name", "ละติจูด": "lat"}, id_field="ทะเบียน",
                     crs="EPSG:24047", encoding="cp874", classes={})
    p = tmp_path / "m.yaml"
    save_mapping(m, p, made_by="test")
    assert load_mapping(p) == m
    assert "ชื่อโรงงาน: name" in p.read_text(encoding="utf-8")  # Thai stays readable
    assert m.coords == {"lat": "ละติจูด"} and m.attributes == {"ชื่อโรงงาน": "name"}


@pytest.mark.parametrize("text, pattern", [
    ("fields: [a, b]\n", r"field 'fields': expected SOURCE: canonical pairs"),
    ("role: factory\n", r"unknown role 'factory'"),
    ("fields: {a: name}\nfeilds: {}\n", r"unknown key\(s\) feilds"),
    ("fields: {a: name\n", r"not valid YAML"),
    ("classes: {forest: {green: true}}\n", r"class key 'forest' is not an integer"),
])
def test_bad_mapping_files(tmp_path, text, pattern):
    p = tmp_path / "m.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match=pattern):
        load_mapping(p)


def test_two_sources_for_one_field_refused():
    with pytest.raises(CatalogError, match=r"several source fields are mapped to name"):
        FieldMapping(fields={"a": "name", "b": "name"}).check("factories", "--map")


def test_mapping_for_another_role_refused(tmp_path):
    p = tmp_path / "m.yaml"
    p.write_text("role: mines\nfields: {}\n", encoding="utf-8")
    src = tmp_path / "f.gpkg"
    factories().to_file(src)
    cat = tmp_path / "p" / "catalog.yaml"
    cat.parent.mkdir()
    before = tree(cat.parent)
    r = cli("layers", "add", src, "--role", "factories", "--mapping", p, "--catalog", cat)
    assert r.exit_code == 3 and "mapping is for role 'mines'" in r.output
    assert tree(cat.parent) == before


def test_catalog_defaults_to_catalog_yaml_in_the_current_folder(tmp_path, monkeypatch):
    src = tmp_path / "f.gpkg"
    factories().to_file(src)
    work = tmp_path / "town"
    work.mkdir()
    monkeypatch.chdir(work)
    r = cli("layers", "add", src, "--role", "factories", "--id-field", "fac_reg")
    assert r.exit_code == 0, r.output
    assert (work / "catalog.yaml").exists() and (work / "layers.gpkg").exists()
    r = cli("layers", "remove", "f")
    assert r.exit_code == 0 and "removed layer 'f'" in r.output
    assert not (work / "layers.gpkg").exists()  # its only layer is gone, and so is the store
