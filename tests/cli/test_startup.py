"""`ecotown buffer` starts without what it does not use, and errors still get their exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from criteria.errors import EditionError
from geo.errors import EcotownError
from layers import LayerReadError
from maps.cli.errors import exit_code_for

HEAVY = ["criteria", "criteria.errors", "rasterio", "folium", "weasyprint", "matplotlib", "pyarrow.parquet",
         "numba", "jinja2"]


def test_buffer_runs_without_loading_the_criteria_engine_or_the_renderers(tiny_town, tmp_path):
    code = f"""
import json, sys
sys.argv = ["ecotown", "buffer", "-c", {str(tiny_town)!r}, "--format", "csv", "-q", "-o", {str(tmp_path / "out")!r}]
from maps.cli.main import main
try:
    main()
except SystemExit as e:
    assert not e.code, e.code
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(r.stdout.strip().splitlines()[-1]) == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["communities.csv", "exposure.csv",
                                                                   "facilities.csv"]


def test_exit_codes_by_package():
    assert exit_code_for(LayerReadError("x")) == 3
    assert exit_code_for(EditionError("x")) == 4  # criteria's errors, once criteria is loaded (as here)
    assert exit_code_for(EcotownError("x")) == 1
    assert exit_code_for(ValueError("x")) == 1
