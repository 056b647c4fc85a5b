"""--workers N (a local dask cluster of N processes) gives the same bytes as one process, for buffer and assess."""

from __future__ import annotations

import hashlib

import pytest
from typer.testing import CliRunner

from maps.cli.main import app

runner = CliRunner()


def digests(folder, suffixes=(".csv",)):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.suffix in suffixes}


@pytest.mark.slow  # starts a dask LocalCluster of two processes (a few seconds)
def test_buffer_on_two_workers_is_byte_identical(tmp_path):
    from tests.scale_data import write_project

    cat = write_project("tiny", tmp_path / "p")
    outs = {}
    for name, extra in (("one", []), ("two", ["--workers", "2"])):
        r = runner.invoke(app, ["buffer", "-c", str(cat), "-o", str(tmp_path / name), *extra],
                          catch_exceptions=False)
        assert r.exit_code == 0, r.output
        outs[name] = digests(tmp_path / name, (".csv", ".gpkg"))
    assert "local dask cluster of 2 worker processes" in " ".join(r.output.split())
    assert outs["one"] == outs["two"] and len(outs["one"]) == 4


@pytest.mark.slow  # two assessments of the sample, one on a dask LocalCluster
def test_assess_on_two_workers_is_byte_identical(tmp_path):
    outs = {}
    for name, extra in (("one", []), ("two", ["--workers", "2"])):
        r = runner.invoke(app, ["assess", "-y", "2026", "-q", "-o", str(tmp_path / name / "out"),
                                "--history", str(tmp_path / name / "h.sqlite"), *extra], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        outs[name] = digests(tmp_path / name / "out")
    assert outs["one"] == outs["two"] and "exposure.csv" in outs["one"]


@pytest.mark.slow  # the client tries for its 20 s timeout before it gives up
def test_unreachable_scheduler_is_a_plain_error(tiny_town, tmp_path):
    r = runner.invoke(app, ["buffer", "-c", str(tiny_town), "--scheduler", "tcp://127.0.0.1:9", "-o",
                            str(tmp_path / "o")])
    assert r.exit_code == 3, r.output
    assert "cannot reach a dask scheduler" in " ".join(r.output.split())
    assert not (tmp_path / "o").exists()
