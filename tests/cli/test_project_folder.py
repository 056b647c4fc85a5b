"""Commands run in a project folder read its ``catalog.yaml`` without ``--catalog``, and say which catalog."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.layers.addkit import project

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # the CLI in subprocesses


def _ecotown(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "maps.cli.main", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=600)


def test_commands_read_the_catalog_of_the_current_folder(tmp_path):
    cat = project(tmp_path)  # a boundary and villages added with `layers add`
    r = _ecotown(cat.parent, "layers", "list")
    assert r.returncode == 0, r.stderr
    assert f"catalog: {cat.resolve()}" in r.stderr
    assert "villages" in r.stdout and "factories" not in r.stdout  # not the sample's layers
    r = _ecotown(cat.parent, "layers", "check")
    assert r.returncode == 0, r.stderr
    assert "boundary" in r.stdout and "receptors" not in r.stdout
    r = _ecotown(cat.parent, "layers", "show", "villages")
    assert r.returncode == 0 and "villages" in r.stdout


def test_without_a_catalog_here_the_sample_is_read_and_named(tmp_path):
    r = _ecotown(tmp_path, "layers", "list")
    assert r.returncode == 0, r.stderr
    assert "bundled Nong Pho sample" in r.stderr and "factories" in r.stdout


def test_quiet_says_nothing_about_the_catalog(tmp_path):
    cat = project(tmp_path)
    r = _ecotown(cat.parent, "layers", "check", "--quiet")
    assert r.returncode == 0, r.stderr
    assert r.stderr == "" and r.stdout == ""
