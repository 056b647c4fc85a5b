"""A new user, in an empty folder, with layers in the shapes offices hand over (README: "Layers as offices hand
them over"): a DIW registry CSV in cp874, a concession shapefile in Indian 1975 with Thai text, village points
without population and a boundary; then a certificate list and a population table joined by key; then `assess`
and `buffer` with no --catalog. The commands are the README's, run as processes in the project folder."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.offices import write_office_files

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow  # the whole CLI, command by command, in subprocesses


def _readme_commands() -> list[str]:
    """The commands of the README section, as written there."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Layers as offices hand them over", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    joined = re.sub(r"\\\n\s*", " ", block)
    return [ln.split("  #", 1)[0].strip() for ln in joined.splitlines()
            if ln.strip().startswith("ecotown ")]


def _run(cwd: Path, line: str) -> subprocess.CompletedProcess:
    args = line.split()[1:]  # "ecotown ..." as the installed command would run it
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "maps.cli.main", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=900)


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def office_project(tmp_path_factory):
    root = tmp_path_factory.mktemp("offices")
    write_office_files(root)  # the files lie beside the project folder, as downloads do
    town = root / "my-town"
    town.mkdir()
    outputs = []
    for line in _readme_commands():
        r = _run(town, line)
        assert r.returncode == 0, f"{line}\n{r.stdout}\n{r.stderr}"
        outputs.append((line, r.stdout + r.stderr))
    return town, outputs


def test_the_readme_commands_are_the_whole_path(office_project):
    town, outputs = office_project
    lines = [ln for ln, _ in outputs]
    assert sum(ln.startswith("ecotown layers add") for ln in lines) == 4
    assert sum(ln.startswith("ecotown layers join") for ln in lines) == 2
    assert any(ln.startswith("ecotown assess") for ln in lines) and any(ln.startswith("ecotown buffer") for ln in lines)
    assert not any("--catalog" in ln for ln in lines)
    for line, out in outputs:
        if line.startswith(("ecotown assess", "ecotown buffer")):
            assert f"catalog: {(town / 'catalog.yaml').resolve()}" in out  # the project's, not the sample
    join_out = dict(outputs)
    gi = next(o for ln, o in outputs if "gi_certificates" in ln)
    assert "3 of 4 features matched" in " ".join(gi.split())
    assert "1 feature key(s) have no row" in " ".join(gi.split())
    assert join_out  # every command printed something


def test_joined_values_appear_and_the_missing_ones_are_no_data(office_project):
    town, _ = office_project
    out = town / "out" / "2026"
    fac = {r["facility_id"]: r for r in _rows(out / "facilities.csv")}
    # registration numbers stay text (the leading zero too), the sector comes from the DIW type
    assert set(fac) == {"36001301000138", "36004400000351", "36008802000249", "06001001000841",
                        "27104/15873", "27311/16020"}
    assert fac["06001001000841"]["category"] == "rice_mill" and fac["36001301000138"]["category"] == "sugar_mill"
    assert fac["36001301000138"]["diw_type"] == "13(1)"
    # the latest valid certificate counts; a lapsed one and a factory without any are no data, never 0
    assert fac["36001301000138"]["gi_level"] == "4" and fac["36008802000249"]["gi_level"] == "3"
    assert fac["36004400000351"]["gi_level"] == "" and fac["06001001000841"]["gi_level"] == ""
    ind = {(r["subject_id"], r["indicator_id"]): r for r in _rows(out / "indicators.csv")}
    assert ind[("36004400000351", "gi_level")]["status"] == "no data"
    assert ind[("36001301000138", "gi_level")]["value"] == "4"
    # Thai concession words mapped; the mine keeps its licence number as id
    assert fac["27104/15873"]["mineral"] == "limestone" and fac["27104/15873"]["status"] == "active"
    assert fac["27311/16020"]["status"] == "suspended"
    com = {r["community_id"]: r for r in _rows(out / "communities.csv")}
    assert com["60070601"]["population"] == "812" and com["60070603"]["population"] == ""
    assert com["60070204"]["relation"] == "affected" and "60140302" not in com
    left = {r["id"]: r for r in _rows(out / "left-out.csv")}
    assert set(left) == {"60140302"}
    gaps = [r for r in _rows(out / "gaps.csv") if r["gap_kind"] == "collect"]
    assert any(r["action"].startswith("collect gi_level for 2 of 4 factories") for r in gaps)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    joined = {i["layer"] for i in manifest["inputs"] if i["role"] == "join"}
    assert joined == {"factories/gi_certificates", "villages/ประชากร_2569"}
    for name in ("level-map.html", "buffer-map.html", "report.html", "results.gpkg", "results.qgs"):
        assert (out / name).stat().st_size > 0, name
    html = (out / "level-map.html").read_text(encoding="utf-8")
    assert "บริษัท น้ำตาลทดสอบ จำกัด" in html


def test_buffer_reads_the_project_with_its_joined_population(office_project):
    town, _ = office_project
    out = town / "out" / "buffer"
    fac = {r["facility_id"]: r for r in _rows(out / "facilities.csv")}
    # the sugar mill: villages 60070601 (812 people, 400 m) and 60070602 (640, 949 m) within 1 km
    assert float(fac["36001301000138"]["pop_within_1000"]) == 812 + 640
    assert int(float(fac["36001301000138"]["villages_within_1000"])) == 2


def test_the_data_health_page_names_each_conversion(office_project):
    from maps.report.model import _layer_health
    from criteria import run_assessment

    town, _ = office_project
    a = run_assessment(town / "catalog.yaml", year=2026)
    health = _layer_health(a).set_index("layer")
    assert health.loc["quarries", "conversion"] == "EPSG:24047 → EPSG:32647"  # Indian 1975, datum shifted
    assert health.loc["factories", "conversion"] == "EPSG:4326 → EPSG:32647"
    assert health.loc["factories/gi_certificates", "role"] == "join"
    assert health.loc["factories/gi_certificates", "conversion"] == ""  # a table has no coordinates
