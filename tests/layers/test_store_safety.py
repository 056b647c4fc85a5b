"""A store that never loses a layer: bad and awkward inputs found by trying them (issue 13, item 8).

Two writers at once, a damaged ``layers.gpkg``, a mapping file that cannot be written, a run killed mid-write,
a folder given as the layer, a truncated FlatGeobuf, decimal commas in a CSV, ``--replace`` of nothing, Thai
layer names, ids numbered alike in two facility layers. Every refusal exits with code 3, names the file, and
leaves the catalog and ``layers.gpkg`` byte for byte as they were.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point, box

from criteria.errors import CriteriaError
from criteria.tables import read_facilities
from layers import load_catalog, read_layer
from layers.add import check_layer_name
from layers.store import project_lock
from tests.conftest import X0, Y0
from tests.layers.addkit import LAT0, LON0, cli, factories, project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def proj(tmp_path) -> Path:
    return project(tmp_path)


def _snapshot(cat: Path) -> dict[str, bytes | None]:
    store = cat.parent / "layers.gpkg"
    return {p.name: (p.read_bytes() if p.exists() else None) for p in (cat, store)}


def _refused(cat: Path, *args, command: str = "add", exit_code: int = 3) -> str:
    """Run ``layers COMMAND`` and check it failed, left catalog and store unchanged; return the message."""
    before = _snapshot(cat)
    r = cli("layers", command, *args, "--catalog", cat)
    assert r.exit_code == exit_code, r.output
    assert "Traceback" not in r.output
    assert _snapshot(cat) == before, "the catalog or the store changed"
    return " ".join(r.output.split())  # the console wraps long lines


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def _fac_file(folder: Path, name: str, n: int = 3, driver: str | None = None) -> Path:
    p = folder / name
    factories(n).to_file(p, driver=driver)
    return p


# --- two writers at once ---------------------------------------------------------------------------------------

_WAIT_THEN_RUN = """
import sys, time
from pathlib import Path
from maps.cli.main import app          # the heavy imports first, so that every process is ready when released
ready, go = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
while not go.exists():
    time.sleep(0.002)
app(sys.argv[3:], prog_name="ecotown")
"""


@pytest.mark.slow  # CLI writers in subprocesses
def test_concurrent_adds_keep_every_layer(proj, tmp_path):
    src = tmp_path / "many"
    src.mkdir()
    names = [f"f{i}" for i in range(4)]
    go = tmp_path / "go"
    procs = []
    for i, name in enumerate(names):
        f = _fac_file(src, f"{name}.gpkg", n=3 + i)
        args = ["layers", "add", str(f), "--role", "factories", "--name", name, "--id-field", "fac_reg",
                "--catalog", str(proj)]
        procs.append(subprocess.Popen([sys.executable, "-c", _WAIT_THEN_RUN, str(tmp_path / f"ready{i}"), str(go),
                                       *args], cwd=ROOT, env=_env(), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    deadline = time.monotonic() + 300
    while not all((tmp_path / f"ready{i}").exists() for i in range(len(names))):  # a barrier, not a guess
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "a writer did not start"
        time.sleep(0.05)
    go.touch()
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, out + err
        assert "added" in out
    cat = load_catalog(proj)
    assert set(names) <= set(cat.layers), list(cat.layers)
    in_store = {str(n) for n, _ in pyogrio.list_layers(proj.parent / "layers.gpkg")}
    assert set(names) | {"boundary", "villages"} <= in_store
    for i, name in enumerate(names):
        assert len(read_layer(cat.get(name))) == 3 + i
    assert not [p.name for p in proj.parent.iterdir() if p.name.startswith(".")]  # no lock or temporary left


@pytest.mark.slow  # the CLI in a subprocess
@pytest.mark.parametrize("command", ["add", "remove"])
def test_second_writer_waits_then_refuses_clearly(proj, tmp_path, command):
    src = _fac_file(tmp_path, "fac.gpkg")
    args = ([str(src), "--role", "factories", "--id-field", "fac_reg"] if command == "add" else ["villages"])
    before = _snapshot(proj)
    with project_lock(proj):
        t0 = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "maps.cli.main", "layers", command, *args, "--catalog", str(proj)],
                           cwd=ROOT, env=_env(ECOTOWN_LOCK_TIMEOUT="1"), capture_output=True, text=True,
                           timeout=300)
        waited = time.monotonic() - t0
    msg = " ".join((r.stdout + r.stderr).split())
    assert r.returncode == 3, msg
    assert "another ecotown command is changing this project" in msg and ".ecotown.lock" in msg
    assert "waited 1 s" in msg and waited >= 1
    assert _snapshot(proj) == before


# --- a damaged store -------------------------------------------------------------------------------------------

def _truncate(store: Path) -> None:
    data = store.read_bytes()
    store.write_bytes(data[: len(data) // 2])


def _not_a_geopackage(store: Path) -> None:
    store.write_text("this is a spreadsheet someone saved over layers.gpkg\n", encoding="utf-8")


def _plain_sqlite(store: Path) -> None:
    import sqlite3

    store.unlink()
    con = sqlite3.connect(store)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()


@pytest.mark.parametrize("damage", [_truncate, _not_a_geopackage, _plain_sqlite])
def test_damaged_store_is_refused_never_replaced(proj, tmp_path, damage):
    store = proj.parent / "layers.gpkg"
    damage(store)
    src = _fac_file(tmp_path, "fac.gpkg")
    msg = _refused(proj, src, "--role", "factories", "--id-field", "fac_reg")
    assert "layers.gpkg" in msg and "damaged" in msg and "will not write over it" in msg
    assert "backup" in msg and "boundary, villages" in msg
    msg = _refused(proj, "villages", command="remove")
    assert "layers.gpkg" in msg and "damaged" in msg
    # the recovery the message gives: move it away, add the layers again
    store.rename(proj.parent / "layers.damaged.gpkg")
    r = cli("layers", "add", tmp_path / "src" / "villages.gpkg", "--role", "communities", "--name", "villages",
            "--id-field", "vid", "--replace", "--catalog", proj)
    assert r.exit_code == 0, r.output
    assert [str(n) for n, _ in pyogrio.list_layers(store)] == ["villages"]


# --- --save-mapping that cannot be written ---------------------------------------------------------------------

def test_save_mapping_that_cannot_be_written_changes_nothing(proj, tmp_path):
    src = _fac_file(tmp_path, "fac.gpkg")
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    target = blocker / "mapping.yaml"
    msg = _refused(proj, src, "--role", "factories", "--id-field", "fac_reg", "--save-mapping", target)
    assert "--save-mapping" in msg and "mapping.yaml" in msg and "notes.txt is a file" in msg
    assert "factories" not in load_catalog(proj).layers and not target.exists()


# --- a run killed mid-write ------------------------------------------------------------------------------------

_KILLED_WHILE_WRITING = """
import os, signal, sys
import layers.store as store
from maps.cli.main import app
real = store._write_gpkg_layer
def write_then_die(gdf, path, layer):
    real(gdf, path, layer)
    os.kill(os.getpid(), signal.SIGKILL)   # the power cut: no cleanup, no finally
store._write_gpkg_layer = write_then_die
app(sys.argv[1:], prog_name="ecotown")
"""


@pytest.mark.slow  # the CLI in a subprocess
def test_temporaries_of_a_killed_run_are_removed_by_the_next_writer(proj, tmp_path):
    folder = proj.parent
    own = [folder / ".layers.gpkg.keep", folder / "notes.tmp-abcdefgh.gpkg", folder / ".mine.tmp-abcdefgh.gpkg"]
    for p in own:  # the user's own files, whatever their names: never touched
        p.write_text("mine")
    before = _snapshot(proj)
    src = _fac_file(tmp_path, "fac.gpkg")
    r = subprocess.run([sys.executable, "-c", _KILLED_WHILE_WRITING, "layers", "add", str(src), "--role",
                        "factories", "--id-field", "fac_reg", "--catalog", str(proj)],
                       cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == -9, r.stdout + r.stderr
    left = sorted(p.name for p in folder.glob(".layers.tmp-*"))
    assert left, "the killed run left no temporary store (the test did not kill it mid-write)"
    assert _snapshot(proj) == before
    r = cli("layers", "add", _fac_file(tmp_path, "other.gpkg"), "--role", "factories", "--name", "other",
            "--id-field", "fac_reg", "--catalog", proj)
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "temporary file(s) left by an interrupted ecotown run" in out and left[0] in out
    assert not list(folder.glob(".layers.tmp-*")) and not (folder / ".ecotown.lock").exists()
    assert all(p.read_text() == "mine" for p in own)
    assert "other" in load_catalog(proj).layers


# --- a folder, a truncated FlatGeobuf --------------------------------------------------------------------------

def test_shapefile_folder_given_as_path(proj, tmp_path):
    shp_dir = tmp_path / "โรงงาน_shp"
    shp_dir.mkdir()
    factories().to_file(shp_dir / "diw.shp", encoding="utf-8")
    msg = _refused(proj, shp_dir, "--role", "factories")
    assert "is a folder" in msg and "give that file" in msg and str(shp_dir / "diw.shp") in msg
    assert "diw.dbf" in msg  # what the folder holds
    factories().to_file(shp_dir / "second.shp", encoding="utf-8")
    msg = _refused(proj, shp_dir, "--role", "factories")
    assert "2 shapefiles" in msg and "diw.shp" in msg and "second.shp" in msg
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "It is empty" in _refused(proj, empty, "--role", "factories")


def test_truncated_flatgeobuf_is_called_damaged(proj, tmp_path):
    good = tmp_path / "fac.fgb"
    factories(crs="EPSG:4326").to_file(good, driver="FlatGeobuf")
    cut = tmp_path / "cut.fgb"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    msg = _refused(proj, cut, "--role", "factories")
    assert "cut.fgb" in msg and "truncated or damaged" in msg and "encoding" not in msg


def test_unknown_encoding_is_still_named(proj, tmp_path):
    src = _fac_file(tmp_path, "fac.fgb", driver="FlatGeobuf")
    msg = _refused(proj, src, "--role", "factories", "--encoding", "klingon")
    assert "unknown text encoding 'klingon'" in msg


# --- decimal commas --------------------------------------------------------------------------------------------

def _comma(v: float, digits: int) -> str:
    return f"{v:.{digits}f}".replace(".", ",")


@pytest.mark.parametrize("sep", [";", ","])
def test_decimal_commas_in_csv_coordinates(proj, tmp_path, sep):
    q = '"' if sep == "," else ""
    rows = [f"fac_reg{sep}name{sep}lat{sep}lon"]
    for i in range(3):
        rows.append(f"F{i}{sep}โรงงาน {i}{sep}{q}{_comma(LAT0, 5)}{q}{sep}{q}{_comma(LON0 + i * 0.001, 4)}{q}")
    src = tmp_path / "diw.csv"
    src.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp874"))
    r = cli("layers", "add", src, "--role", "factories", "--id-field", "fac_reg", "--catalog", proj)
    assert r.exit_code == 0, r.output
    assert "decimal mark" in " ".join(r.output.split())
    g = read_layer(load_catalog(proj).get("diw"))
    assert g.geometry.iloc[0].distance(Point(X0, Y0)) < 15  # 5 decimals of latitude, 4 of longitude: ~11 m


def test_thousands_separators_in_utm_columns_stay_thousands(proj, tmp_path):
    src = tmp_path / "utm.csv"
    src.write_text('fac_reg,name,x,y\nF1,a,"637,000","1,703,000"\nF2,b,"637,100","1,703,000"\n', encoding="utf-8")
    r = cli("layers", "add", src, "--role", "factories", "--id-field", "fac_reg", "--crs", "EPSG:32647",
            "--catalog", proj)
    assert r.exit_code == 0, r.output
    g = read_layer(load_catalog(proj).get("utm"))
    assert g.geometry.iloc[0].distance(Point(X0, Y0)) < 0.01


# --- --replace of nothing, Thai names --------------------------------------------------------------------------

def test_replace_of_a_name_that_does_not_exist_is_refused(proj, tmp_path):
    src = _fac_file(tmp_path, "fac.gpkg")
    msg = _refused(proj, src, "--role", "factories", "--name", "factorys", "--replace", "--id-field", "fac_reg")
    assert "catalog.yaml" in msg and "no layer named 'factorys' to replace" in msg
    assert "Layers: boundary, villages" in msg


def test_default_name_keeps_thai_vowels_and_tone_marks(proj, tmp_path):
    src = tmp_path / "หมู่บ้านใหม่.csv"
    src.write_text(f"vid,ชื่อหมู่บ้าน,lat,lon\nV9,บ้านใหม่,{LAT0:.6f},{LON0:.6f}\n", encoding="utf-8")
    r = cli("layers", "add", src, "--role", "communities", "--id-field", "vid", "--catalog", proj)
    assert r.exit_code == 0, r.output
    assert "หมู่บ้านใหม่" in load_catalog(proj).layers
    assert "หมู่บ้านใหม่" in {str(n) for n, _ in pyogrio.list_layers(proj.parent / "layers.gpkg")}
    check_layer_name("โรงงาน_ปี2569-ฉบับที่๒")


# --- ids numbered alike in two facility layers -----------------------------------------------------------------

def _numbered(tmp_path: Path, n: int = 30) -> tuple[Path, Path]:
    fac = gpd.GeoDataFrame({"no": list(range(n)), "name": [f"โรงงาน {i}" for i in range(n)]},
                           geometry=[Point(X0 + 50 * i, Y0) for i in range(n)], crs="EPSG:32647")
    mines = gpd.GeoDataFrame({"no": list(range(n)), "name": [f"เหมือง {i}" for i in range(n)]},
                             geometry=[box(X0 + 100 * i, Y0 - 2000, X0 + 100 * i + 50, Y0 - 1950) for i in range(n)],
                             crs="EPSG:32647")
    fac.to_file(tmp_path / "fac.gpkg")
    mines.to_file(tmp_path / "mines.gpkg")
    return tmp_path / "fac.gpkg", tmp_path / "mines.gpkg"


def test_ids_repeated_across_facility_layers_named_briefly_with_a_fix(proj, tmp_path):
    fac, mines = _numbered(tmp_path)
    for f, role, name in ((fac, "factories", "factories"), (mines, "mines", "mines")):
        r = cli("layers", "add", f, "--role", role, "--name", name, "--id-field", "no", "--catalog", proj)
        assert r.exit_code == 0, r.output
    with pytest.raises(CriteriaError) as ei:
        read_facilities(load_catalog(proj))
    msg = str(ei.value)
    assert "30 id(s) repeat" in msg and "and 25 more" in msg
    assert "'0' in layers 'factories', 'mines'" in msg and "'4' in layers" in msg and "'5' in" not in msg
    assert "id_prefix: M-" in msg and "--id-prefix" in msg and "--id-field" in msg
    assert len(msg) < 700 and "\n" not in msg
    r = cli("layers", "add", mines, "--role", "mines", "--name", "mines", "--id-field", "no", "--id-prefix", "M-",
            "--replace", "--catalog", proj)
    assert r.exit_code == 0, r.output
    cat = load_catalog(proj)
    assert cat.get("mines").id_prefix == "M-" and "id_prefix: M-" in proj.read_text(encoding="utf-8")
    got = read_facilities(cat)
    assert len(got) == 60 and {"M-0", "M-29", "0", "29"} <= set(got.index)
    # --replace without --id-prefix keeps the prefix recorded in the catalog
    r = cli("layers", "add", mines, "--role", "mines", "--name", "mines", "--id-field", "no", "--replace",
            "--catalog", proj)
    assert r.exit_code == 0, r.output
    assert load_catalog(proj).get("mines").id_prefix == "M-"


def test_bad_id_prefix_is_refused(proj, tmp_path):
    src = _fac_file(tmp_path, "fac.gpkg")
    msg = _refused(proj, src, "--role", "factories", "--id-field", "fac_reg", "--id-prefix", "M -")
    assert "--id-prefix" in msg and "'M -'" in msg
