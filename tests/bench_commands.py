"""Benchmark: ecotown's commands end to end, as whole processes, at province, region and nation scale.

Run: .venv/bin/python tests/bench_commands.py [--scales province,region,nation] [--repeat 3]
     [--assess-at province,region] [--no-duckdb] [--keep DIR]

For each scale it writes a seeded project once (tests/scale_data.py: layers.gpkg, a 30 m land-cover raster where
``assess`` runs, catalog.yaml) and times, each as a fresh process under ``/usr/bin/time`` (wall time and peak
resident memory, median of ``--repeat`` runs):

* ``ecotown buffer -q --out DIR`` with the default outputs (CSV + buffer.gpkg);
* ``ecotown buffer -q --format csv`` (the three CSV tables the DuckDB script writes, no GeoPackage) and
  ``--format parquet``, when the command has ``--format``;
* the same work scripted in DuckDB from the same GeoPackage (tests/peers/duckdb_buffer.py), whose tables are
  checked against ecotown's cell by cell (pairs, distances, rings, people and villages per ring, facilities per
  ring, nearest distances);
* ``ecotown assess -q --out DIR`` (the whole assessment: scoring, tables, maps, report) at ``--assess-at``.

The machine's load average is printed before and after: figures taken while other work runs are not figures.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from tests.scale_data import RINGS, SCALES, write_project  # noqa: E402

PY = sys.executable


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak resident MiB) of one fresh process; raises with its output when it fails."""
    fmt = "BENCH %e %M"
    r = subprocess.run(["/usr/bin/time", "-f", fmt, *cmd], cwd=cwd, capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    m = re.search(r"BENCH ([\d.]+) (\d+)", r.stderr)
    if r.returncode != 0 or not m:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return float(m.group(1)), int(m.group(2)) / 1024


def median_run(cmd: list[str], cwd: Path, out: Path, repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        runs.append(timed(cmd, cwd))
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def has_format_option() -> bool:
    r = subprocess.run([PY, "-m", "maps.cli.main", "buffer", "--help"], capture_output=True, text=True, cwd=ROOT)
    return "--format" in r.stdout


def check_duckdb(eco: Path, ddb: Path) -> str:
    """Compare DuckDB's tables with ecotown's, cell by cell; a line saying what was compared."""
    read = {"dtype": {"facility_id": str, "community_id": str, "nearest_facility_id": str}}
    e = pd.read_csv(eco / "exposure.csv", encoding="utf-8-sig", **read)
    d = pd.read_csv(ddb / "exposure.csv", **read)
    key = ["facility_id", "community_id"]
    e, d = e.sort_values(key).reset_index(drop=True), d.sort_values(key).reset_index(drop=True)
    assert len(e) == len(d), f"pairs: ecotown {len(e)}, duckdb {len(d)}"
    assert (e[key].to_numpy() == d[key].to_numpy()).all(), "the pairs differ"
    assert (e["ring_m"].to_numpy() == d["ring_m"].to_numpy()).all(), "rings differ"
    assert np.allclose(e["distance_m"], d["distance_m"], atol=0.0015), "distances differ"
    ef = pd.read_csv(eco / "facilities.csv", encoding="utf-8-sig", **read).set_index("facility_id").sort_index()
    df = pd.read_csv(ddb / "facilities.csv", **read).set_index("facility_id").sort_index()
    cols = [f"{w}_within_{r}" for r in RINGS for w in ("pop", "villages")]
    assert (ef[cols].to_numpy() == df[cols].to_numpy()).all(), "facility ring sums differ"
    ec = pd.read_csv(eco / "communities.csv", encoding="utf-8-sig", **read).set_index("community_id").sort_index()
    dc = pd.read_csv(ddb / "communities.csv", **read).set_index("community_id").sort_index()
    cols = [f"fac_within_{r}" for r in RINGS]
    assert (ec[cols].to_numpy() == dc[cols].to_numpy()).all(), "community ring counts differ"
    near = dc["nearest_facility_m"].notna()
    assert np.allclose(ec.loc[near, "nearest_facility_m"], dc.loc[near, "nearest_facility_m"], atol=0.0015)
    return (f"verified: {len(e):,} pairs, {len(ef):,} facilities x {2 * len(RINGS)} ring sums, "
            f"{len(ec):,} communities x {len(RINGS)} ring counts and nearest distances equal")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="province,region,nation")
    ap.add_argument("--assess-at", default="province,region")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--assess-repeat", type=int, default=1)
    ap.add_argument("--no-duckdb", action="store_true")
    ap.add_argument("--keep", help="folder for the projects (kept between runs; default a temporary folder)")
    a = ap.parse_args()
    root = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="ecotown-bench-"))
    scales = [s for s in a.scales.split(",") if s]
    assess_at = {s for s in a.assess_at.split(",") if s}
    parquet = has_format_option()
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores); projects in {root}")
    rows = []
    for scale in scales:
        folder = root / scale
        raster = scale in assess_at
        if not (folder / "catalog.yaml").exists() or (raster and not (folder / "landcover.tif").exists()):
            write_project(scale, folder, raster=raster)
        n_fac, n_mine, n_vill, _ = SCALES[scale]
        what = f"{scale} ({n_fac:,} / {n_mine:,} / {n_vill:,})"
        eco = folder / "out-buffer"
        t, mem = median_run([PY, "-m", "maps.cli.main", "buffer", "-q", "--out", str(eco)], folder, eco, a.repeat)
        rows.append((what, "ecotown buffer (CSV + buffer.gpkg)", t, mem))
        print(rows[-1], flush=True)
        if parquet:
            for fmt, label in (("csv", "ecotown buffer --format csv (the DuckDB script's tables and more)"),
                               ("parquet", "ecotown buffer --format parquet")):
                dest = folder / f"out-{fmt}"
                t, mem = median_run([PY, "-m", "maps.cli.main", "buffer", "-q", "--format", fmt, "--out", str(dest)],
                                    folder, dest, a.repeat)
                rows.append((what, label, t, mem))
                print(rows[-1], flush=True)
                shutil.rmtree(dest, ignore_errors=True)
        if not a.no_duckdb:
            ddb = folder / "out-duckdb"
            t, mem = median_run([PY, str(ROOT / "tests" / "peers" / "duckdb_buffer.py"), "layers.gpkg", str(ddb)],
                                folder, ddb, a.repeat)
            rows.append((what, "DuckDB script, same tables (tests/peers/duckdb_buffer.py)", t, mem))
            print(rows[-1], flush=True)
            print("   ", check_duckdb(eco, ddb), flush=True)
            shutil.rmtree(ddb, ignore_errors=True)
        shutil.rmtree(eco, ignore_errors=True)
        if scale in assess_at:
            out = folder / "out-assess"
            t, mem = median_run([PY, "-m", "maps.cli.main", "assess", "-q", "--out", str(out)], folder, out,
                                a.assess_repeat)
            rows.append((what, "ecotown assess (all outputs)", t, mem))
            print(rows[-1], flush=True)
            shutil.rmtree(out, ignore_errors=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}\n")
    print("| scale (factories / mines / villages) | command | wall time | peak memory |")
    print("|---|---|---|---|")
    for what, cmd, t, mem in rows:
        print(f"| {what} | {cmd} | {t:.2f} s | {mem:,.0f} MiB |")
    if not a.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
