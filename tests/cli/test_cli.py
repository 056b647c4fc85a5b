"""The command line as a user meets it: help, exit codes, plain errors, nothing half-written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maps.cli.main import app
from tests.conftest import write_catalog

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_help_lists_the_commands():
    r = _run("--help")
    assert r.exit_code == 0
    for cmd in ("assess", "explain", "layers", "criteria"):
        assert cmd in r.output


def test_version():
    r = _run("--version")
    assert r.exit_code == 0 and r.output.startswith("ecotown ")


def test_layers_list_sample_shows_roles():
    r = _run("layers", "list")
    assert r.exit_code == 0, r.output
    for role in ("boundary", "factories", "mines", "communities", "landcover"):
        assert role in r.output


def test_layers_check_sample_is_clean():
    r = _run("layers", "check")
    assert r.exit_code == 0, r.output
    assert "error" not in r.output.lower()


def test_layers_check_reports_bad_layer_with_exit_3(tiny_town):
    import geopandas as gpd
    from shapely.geometry import Point

    bad = tiny_town.parent / "bad.gpkg"
    gpd.GeoDataFrame({"vid": ["X1", "X1"], "name": ["a", "b"], "population": [5, "lots"]},
                     geometry=[Point(637000, 1703000), Point(637010, 1703000)], crs="EPSG:32647").to_file(bad)
    write_catalog(tiny_town.parent, {"v": {"role": "communities", "source": "bad.gpkg", "id_field": "vid"}})
    r = _run("layers", "check", "--catalog", str(tiny_town))
    assert r.exit_code == 3
    out = r.output.replace("\n", "")  # the console wraps long paths anywhere
    assert "bad.gpkg" in out and "field 'population'" in out and "'lots'" in out
    assert "Traceback" not in r.output


def _tree_hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_assess_tiny_town_writes_everything(tiny_town, tmp_path):
    out = tmp_path / "out"
    r = _run("assess", "--catalog", str(tiny_town), "--year", "2026", "--out", str(out))
    assert r.exit_code == 0, r.output
    for name in ("level-map.html", "buffer-map.html", "report.html", "results.gpkg", "facilities.csv",
                 "communities.csv", "exposure.csv", "indicators.csv", "manifest.json"):
        assert (out / name).is_file(), name
    assert "Town level" in r.output
    assert not [p for p in out.iterdir() if p.name.startswith(".ecotown-")], "temporary folder left behind"


def test_failed_assess_leaves_earlier_results_untouched(tiny_town, tmp_path):
    out = tmp_path / "out"
    assert _run("assess", "--catalog", str(tiny_town), "--year", "2026", "--out", str(out), "-q").exit_code == 0
    before = _tree_hashes(out)
    # a GIS editor saves the village layer with a negative population: the next run must fail, change nothing
    import geopandas as gpd

    v = gpd.read_file(tiny_town.parent / "town.gpkg", layer="villages")
    v.loc[1, "ประชากร"] = -5
    v.to_file(tiny_town.parent / "town.gpkg", layer="villages", driver="GPKG")
    r = _run("assess", "--catalog", str(tiny_town), "--year", "2026", "--out", str(out))
    assert r.exit_code == 3
    assert "population" in r.output and "Traceback" not in r.output
    assert "V2" in r.output and "town.gpkg" in r.output  # names the feature and the file
    assert _tree_hashes(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".ecotown-")]


def test_quiet_prints_nothing(tiny_town, tmp_path):
    r = _run("assess", "--catalog", str(tiny_town), "--year", "2026", "--out", str(tmp_path / "o"), "--quiet")
    assert r.exit_code == 0 and r.stdout.strip() == ""


def test_missing_catalog_is_a_plain_error(tmp_path):
    r = _run("assess", "--catalog", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o"))
    assert r.exit_code == 3
    assert "catalog not found" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_bad_set_value(tiny_town, tmp_path):
    r = _run("assess", "--catalog", str(tiny_town), "--set", "ENV-03=lots", "--out", str(tmp_path / "o"))
    assert r.exit_code == 4 and "not a number" in r.output


@pytest.mark.parametrize("content, pattern", [("levels: [", "YAML"), ("id: x\n", "")])
def test_criteria_check_bad_file(tmp_path, content, pattern):
    f = tmp_path / "ed.yaml"
    f.write_text(content, encoding="utf-8")
    r = _run("criteria", "check", str(f))
    assert r.exit_code == 4, r.output
    assert pattern in r.output and "Traceback" not in r.output


def test_criteria_list_has_bundled_edition():
    r = _run("criteria", "list")
    assert r.exit_code == 0 and "eit-2022-modelled" in r.output


def test_error_text_is_not_treated_as_markup(tmp_path):
    bad = tmp_path / "[bold]nope[/].yaml"
    r = _run("assess", "--catalog", str(bad), "--out", str(tmp_path / "o"))
    assert r.exit_code == 3 and "[bold]nope[/].yaml" in r.output


def test_unwritable_output_folder_is_a_plain_error(tiny_town, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "out").write_text("a file where a folder should be", encoding="utf-8")
    r = _run("assess", "--catalog", str(tiny_town), "--year", "2026", "--out", str(ro / "out" / "x"))
    assert r.exit_code != 0 and "Traceback" not in r.output and "error:" in r.output
