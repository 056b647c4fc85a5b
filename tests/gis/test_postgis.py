"""PostGIS as a layer source, against a real PostgreSQL + PostGIS server started for the tests on loopback.

The bundled sample's factories and villages are loaded into the database; a catalog reads them from there
(factories as a table through $ECOTOWN_PG, villages as a query through a pg_service.conf service) and the
assessment must equal the one read from the GeoPackage.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from criteria import run_assessment
from layers import load_catalog, read_layer
from layers.catalog import sample_catalog_path
from layers.errors import CatalogError, LayerReadError, LayerValidationError
from maps.cli.main import app
from tests.gis.pgserver import PgMissing, load_layer, start_server


@pytest.fixture(scope="module")
def pg():
    try:
        srv = start_server()
    except PgMissing as e:
        pytest.fail(str(e))
    try:
        gpkg = sample_catalog_path().parent / "nong_pho.gpkg"
        load_layer(srv, gpd.read_file(gpkg, layer="factories"), "gis.factories")
        load_layer(srv, gpd.read_file(gpkg, layer="villages"), "census.villages")
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def pg_env(pg, tmp_path, monkeypatch):
    """Connection as an office would set it: ECOTOWN_PG and a service file; the password only in PGPASSWORD."""
    for var in ("PGHOST", "PGDATABASE", "PGUSER", "PGSERVICE", "PGPORT", "ECOTOWN_PG"):
        monkeypatch.delenv(var, raising=False)
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[nongpho]\nhost=127.0.0.1\nport={pg.port}\ndbname={pg.dbname}\nuser={pg.user}\n",
                        encoding="utf-8")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    monkeypatch.setenv("ECOTOWN_PG", pg.conninfo)
    monkeypatch.setenv("PGPASSWORD", pg.password)
    return pg


def pg_catalog(folder, **overrides):
    """The sample catalog with factories and villages read from PostGIS (other layers from the sample files)."""
    src = sample_catalog_path()
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    base = src.parent
    for spec in data["layers"].values():
        spec["source"] = str(base / spec["source"])
    data["evidence"] = {y: str(base / p) for y, p in data["evidence"].items()}
    f = data["layers"]["factories"]
    data["layers"]["factories"] = {"role": "factories", "source": "postgis", "table": "gis.factories",
                                   "id_field": f["id_field"], "fields": f["fields"]}
    v = data["layers"]["villages"]
    data["layers"]["villages"] = {"role": "communities", "source": "postgis", "service": "nongpho",
                                  "sql": "SELECT * FROM census.villages WHERE vill_id IS NOT NULL",
                                  "id_field": v["id_field"], "fields": v["fields"]}
    for name, entry in overrides.items():
        data["layers"][name] = entry
    p = folder / "catalog.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def test_assessment_from_postgis_equals_the_one_from_the_geopackage(pg_env, tmp_path):
    cat = pg_catalog(tmp_path)
    spec = load_catalog(cat).get("factories")
    assert spec.is_postgis and "PostGIS table gis.factories" in spec.label
    assert "s3cret" not in cat.read_text(encoding="utf-8")
    from_gpkg = run_assessment(None, year=2026)
    from_pg = run_assessment(cat, year=2026)
    pd.testing.assert_frame_equal(from_pg.levels.reset_index(drop=True), from_gpkg.levels.reset_index(drop=True))
    pd.testing.assert_frame_equal(from_pg.indicators.reset_index(drop=True),
                                  from_gpkg.indicators.reset_index(drop=True))
    pd.testing.assert_frame_equal(from_pg.exposure.reset_index(drop=True), from_gpkg.exposure.reset_index(drop=True))
    assert from_pg.town["level"] == from_gpkg.town["level"]
    assert len(from_pg.facilities) == len(from_gpkg.facilities) and len(from_pg.communities) == 17
    # the layer read has the Thai names and its content hash
    vil = read_layer(load_catalog(cat).get("villages"))
    assert "บ้านหนองโพ" in set(vil["name"])
    assert len(vil.attrs["ecotown"]["sha256"]) == 64
    # the manifest records the rows read, not the catalog file, as the input's hash
    inp = {i["layer"]: i for i in from_pg.manifest["inputs"]}
    assert inp["villages"]["source"] == "postgis:villages"
    assert inp["villages"]["sha256"] == vil.attrs["ecotown"]["sha256"]

    # the values really come from the database: change one there and the factory's level follows
    f05 = from_pg.levels.set_index("subject_id").loc["F05", "level"]
    with pg_env.connect() as con:
        con.execute("UPDATE gis.factories SET gi_level = 1 WHERE fac_id = 'F05'")
    try:
        changed = run_assessment(cat, year=2026)
    finally:
        with pg_env.connect() as con:
            con.execute("UPDATE gis.factories SET gi_level = %s WHERE fac_id = 'F05'",
                        [int(from_gpkg.facilities.loc["F05", "gi_level"])])
    assert f05 >= 2 and changed.levels.set_index("subject_id").loc["F05", "level"] < f05
    sha_before = read_layer(load_catalog(cat).get("factories")).attrs["ecotown"]["sha256"]
    assert sha_before == read_layer(load_catalog(cat).get("factories")).attrs["ecotown"]["sha256"]


def test_layers_check_reads_postgis(pg_env, tmp_path):
    r = CliRunner().invoke(app, ["layers", "check", "factories", "villages", "--catalog", str(pg_catalog(tmp_path))],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output


def test_role_checks_apply_to_postgis_layers(pg_env, tmp_path):
    dup = {"role": "factories", "source": "postgis", "id_field": "fac_id",
           "sql": "SELECT * FROM gis.factories UNION ALL SELECT * FROM gis.factories WHERE fac_id = 'F03'",
           "fields": {"ชื่อโรงงาน": "name", "ทะเบียนโรงงาน": "registry_no"}}
    cat = pg_catalog(tmp_path, factories=dup)
    with pytest.raises(LayerValidationError) as e:
        read_layer(load_catalog(cat).get("factories"))
    assert "F03" in str(e.value)


def test_a_password_in_the_catalog_is_refused(tmp_path):
    entry = {"role": "factories", "source": "postgis", "table": "gis.factories", "id_field": "fac_id",
             "password": "hunter2"}
    cat = pg_catalog(tmp_path, factories=entry)
    with pytest.raises(CatalogError, match=r"layer 'factories', field 'password'.*never written in the catalog"):
        load_catalog(cat)
    cat = pg_catalog(tmp_path, factories={**entry, "password": None, "table": None})
    with pytest.raises(CatalogError):
        load_catalog(cat)
    raster = {"role": "landcover", "source": "postgis", "table": "x.landcover"}
    with pytest.raises(CatalogError, match="raster layer cannot come from PostGIS"):
        load_catalog(pg_catalog(tmp_path, landcover=raster))


def test_connection_problems_are_plain_errors(pg, tmp_path, monkeypatch):
    for var in ("PGHOST", "PGDATABASE", "PGUSER", "PGSERVICE", "PGSERVICEFILE", "PGPORT", "ECOTOWN_PG",
                "PGPASSWORD"):
        monkeypatch.delenv(var, raising=False)
    entry = {"role": "factories", "source": "postgis", "table": "gis.factories", "id_field": "fac_id",
             "fields": {"ชื่อโรงงาน": "name"}}
    spec = load_catalog(pg_catalog(tmp_path, factories=entry)).get("factories")
    with pytest.raises(LayerReadError, match="no connection. Set the environment variable ECOTOWN_PG"):
        read_layer(spec)
    monkeypatch.setenv("ECOTOWN_PG", pg.conninfo)
    monkeypatch.setenv("PGPASSWORD", "wrong-password")
    with pytest.raises(LayerReadError, match=r"layer 'factories' \(PostGIS table gis.factories.*cannot be read") as e:
        read_layer(spec)
    assert "wrong-password" not in str(e.value)
    monkeypatch.setenv("PGPASSWORD", pg.password)
    missing = load_catalog(pg_catalog(tmp_path, factories={**entry, "table": "gis.nope"})).get("factories")
    with pytest.raises(LayerReadError, match="nope"):
        read_layer(missing)
    r = CliRunner().invoke(app, ["layers", "check", "factories", "--catalog",
                                 str(pg_catalog(tmp_path, factories={**entry, "table": "gis.nope"}))])
    assert r.exit_code != 0 and "Traceback" not in r.output
