"""PostGIS as a layer source, against a real PostgreSQL + PostGIS server started for the tests on loopback.

The bundled sample's factories (the DIW registry CSV) and villages (the 2012 village GeoJSON) are loaded into the
database as their sources hold them; a catalog reads them from there (factories as a table through $ECOTOWN_PG,
villages as a query through a pg_service.conf service), keeps their joined tables (certificates, complaints,
questionnaire; population, committee) and the assessment must equal the one read from the files.

PostgreSQL keeps 63 bytes of a column name (21 Thai characters in UTF-8), so the registry's 23-character headers
เลขทะเบียนโรงงานแบบใหม่ and เลขทะเบียนโรงงานแบบเดิม cannot be column names there: the table names them fac_reg and
fac_reg_old, as an office's database would (both are aliases ecotown knows); the other Thai headers stay.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from criteria import run_assessment
from layers import load_catalog, read_layer
from layers.catalog import sample_catalog_path
from layers.errors import CatalogError, LayerReadError, LayerValidationError
from layers.join import open_raw
from layers.sample.generate import FACTORY_IDS, VILLAGE_IDS
from maps.cli.main import app
from tests.gis.pgserver import PgMissing, load_layer, start_server


#: registry header -> column name in the database (PostgreSQL keeps 63 bytes of a name)
PG_COLUMNS = {"เลขทะเบียนโรงงานแบบใหม่": "fac_reg", "เลขทะเบียนโรงงานแบบเดิม": "fac_reg_old"}
#: catalog keys that say where a file layer is and how to read the file
FILE_KEYS = ("source", "layer", "encoding", "sheet", "coords", "crs", "id_field")

pytestmark = pytest.mark.postgis  # starts PostgreSQL with PostGIS on loopback


@pytest.fixture(scope="module")
def pg():
    try:
        srv = start_server()
    except PgMissing as e:
        pytest.fail(str(e))
    try:
        sample = load_catalog(sample_catalog_path())
        factories, _ = open_raw(sample.get("factories"))  # the registry CSV as read: every column as text
        villages, _ = open_raw(sample.get("villages"))
        load_layer(srv, factories.rename(columns=PG_COLUMNS), "gis.factories")
        load_layer(srv, villages, "census.villages")
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
    """The sample catalog with factories and villages read from PostGIS, with their joins (the tables and the
    other layers from the sample's files)."""
    src = sample_catalog_path()
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    base = src.parent
    for spec in data["layers"].values():
        spec["source"] = str(base / spec["source"])
        for j in spec.get("joins") or ():
            j["source"] = str(base / j["source"])
    data["evidence"] = {y: str(base / p) for y, p in data["evidence"].items()}
    f = data["layers"]["factories"]
    assert f["joins"]
    data["layers"]["factories"] = {"role": "factories", "source": "postgis", "table": "gis.factories",
                                   "id_field": PG_COLUMNS[f["id_field"]],
                                   **{k: v for k, v in f.items() if k not in FILE_KEYS and k != "role"}}
    v = data["layers"]["villages"]
    assert v["joins"]
    data["layers"]["villages"] = {"role": "communities", "source": "postgis", "service": "nongpho",
                                  "sql": 'SELECT * FROM census.villages WHERE "VILL_CODE" IS NOT NULL',
                                  "id_field": v["id_field"],
                                  **{k: x for k, x in v.items() if k not in FILE_KEYS and k != "role"}}
    for name, entry in overrides.items():
        data["layers"][name] = entry
    p = folder / "catalog.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def test_assessment_from_postgis_equals_the_one_from_the_files(pg_env, tmp_path):
    cat = pg_catalog(tmp_path)
    spec = load_catalog(cat).get("factories")
    assert spec.is_postgis and "PostGIS table gis.factories" in spec.label
    assert [j.name for j in spec.joins] == ["gi_certificates", "complaints", "factory_survey", "factory_orders",
                                           "iso_certificates"]
    assert "s3cret" not in cat.read_text(encoding="utf-8")
    from_files = run_assessment(None, year=2026)
    from_pg = run_assessment(cat, year=2026)
    pd.testing.assert_frame_equal(from_pg.levels.reset_index(drop=True), from_files.levels.reset_index(drop=True))
    pd.testing.assert_frame_equal(from_pg.indicators.reset_index(drop=True),
                                  from_files.indicators.reset_index(drop=True))
    pd.testing.assert_frame_equal(from_pg.exposure.reset_index(drop=True),
                                  from_files.exposure.reset_index(drop=True))
    assert from_pg.town["level"] == from_files.town["level"]
    # the town's 17 villages and the 4 beyond the boundary within 5 km of a facility
    assert len(from_pg.facilities) == len(from_files.facilities) and len(from_pg.communities) == 21
    # the layer read has the Thai names, the joined tables' values and its content hash
    vil = read_layer(load_catalog(cat).get("villages"), 2026).set_index("id")
    assert "บ้านหนองโพ" in set(vil["name"])
    assert vil.loc[VILLAGE_IDS["V01"], "population"] == 1480 and pd.isna(vil.loc["60070503", "population"])
    fac = read_layer(spec, 2026).set_index("id")
    assert fac.loc[FACTORY_IDS["F01"], "gi_level"] == 4 and pd.isna(fac.loc[FACTORY_IDS["F08"], "gi_level"])
    assert fac.loc[FACTORY_IDS["F01"], "registry_no_old"] == "จ3-13(1)-1/38นว"
    assert len(vil.attrs["ecotown"]["sha256"]) == 64
    # the manifest records the rows read, not the catalog file, as the input's hash
    inp = {i["layer"]: i for i in from_pg.manifest["inputs"]}
    assert inp["villages"]["source"] == "postgis:villages"
    assert inp["villages"]["sha256"] == vil.attrs["ecotown"]["sha256"]

    # the keys really come from the database: renumber a factory there and the tables joined to it no longer
    # match it (no certificate, no questionnaire): its level drops
    f05 = FACTORY_IDS["F05"]
    renumbered = "36004201009999"
    level = from_pg.levels.set_index("subject_id").loc[f05, "level"]
    data = yaml.safe_load(cat.read_text(encoding="utf-8"))
    del data["layers"]["exchanges"]  # the exchanges name F05: with it the renumbered plant is refused (below)
    cat_noex = tmp_path / "catalog-no-exchanges.yaml"
    cat_noex.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pg_env.connect() as con:
        con.execute("UPDATE gis.factories SET fac_reg = %s WHERE fac_reg = %s", [renumbered, f05])
    try:
        with pytest.raises(LayerValidationError, match=f"line 6.*to_id '{f05}' is not a facility of the catalog"):
            run_assessment(cat, year=2026)
        changed = run_assessment(cat_noex, year=2026)
    finally:
        with pg_env.connect() as con:
            con.execute("UPDATE gis.factories SET fac_reg = %s WHERE fac_reg = %s", [f05, renumbered])
    levels = changed.levels.set_index("subject_id")["level"]
    assert f05 not in levels.index and pd.isna(changed.facilities.loc[renumbered, "gi_level"])
    assert level >= 2 and levels[renumbered] < level
    sha_before = read_layer(load_catalog(cat).get("factories")).attrs["ecotown"]["sha256"]
    assert sha_before == read_layer(load_catalog(cat).get("factories")).attrs["ecotown"]["sha256"]


def test_layers_check_reads_postgis(pg_env, tmp_path):
    r = CliRunner().invoke(app, ["layers", "check", "factories", "villages", "--catalog", str(pg_catalog(tmp_path))],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output


def test_role_checks_apply_to_postgis_layers(pg_env, tmp_path):
    f03 = FACTORY_IDS["F03"]
    dup = {"role": "factories", "source": "postgis", "id_field": "fac_reg",
           "sql": f"SELECT * FROM gis.factories UNION ALL SELECT * FROM gis.factories WHERE fac_reg = '{f03}'",
           "fields": {"ชื่อโรงงาน": "name", "fac_reg": "registry_no"}}
    cat = pg_catalog(tmp_path, factories=dup)
    with pytest.raises(LayerValidationError) as e:
        read_layer(load_catalog(cat).get("factories"))
    assert f03 in str(e.value)


def test_a_password_in_the_catalog_is_refused(tmp_path):
    entry = {"role": "factories", "source": "postgis", "table": "gis.factories", "id_field": "fac_reg",
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
    entry = {"role": "factories", "source": "postgis", "table": "gis.factories", "id_field": "fac_reg",
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


def test_a_thai_column_name_cut_by_postgresql_is_explained(pg_env, tmp_path):
    """PostgreSQL keeps 63 bytes of a name: the registry's 23-letter header comes back cut, and the error says so."""
    long = "เลขทะเบียนโรงงานแบบใหม่"
    entry = {"role": "factories", "source": "postgis", "id_field": long,
             "sql": f'SELECT fac_reg AS "{long}", "ชื่อโรงงาน", geom FROM gis.factories',
             "fields": {"ชื่อโรงงาน": "name"}}
    cat = pg_catalog(tmp_path, factories=entry)
    with pytest.raises(LayerValidationError) as e:
        read_layer(load_catalog(cat).get("factories"))
    msg = str(e.value)
    assert "cuts column names to 63 bytes" in msg and "(the table has 'เลขทะเบียนโรงงานแบบให')" in msg
