"""Benchmark: ecotown's commands end to end, as whole processes, at province, region and nation scale.

Run: .venv/bin/python tests/bench_commands.py [--scales province,region,nation] [--repeat 3]
     [--assess-at province,region] [--no-duckdb] [--keep DIR]

For each scale it writes a seeded project once (tests/scale_data.py: layers.gpkg, a 30 m land-cover raster where
``assess`` runs, catalog.yaml) and times, each as a fresh process under ``/usr/bin/time`` (wall time and peak
resident memory, median of ``--repeat`` runs):

* ``ecotown buffer -q --out DIR`` with the default outputs (CSV + buffer.gpkg);
* ``ecotown buffer -q --format csv`` (the three CSV tables the DuckDB script writes, no GeoPackage) and
  ``--format parquet``, when the command has ``--format``;
* the same work scripted in DuckDB from the same GeoPackage (tests/peers/duckdb_buffer.py: every column of
  ecotown's three CSV tables), whose tables are checked against ecotown's, every column cell by cell
  (``check_duckdb``: text and counts exactly, distances to 1.5 mm, bearings to 0.01 degree, the burden to a
  relative 1e-9; the line printed says what was compared and the largest deviations), and the earlier lighter
  script (``--light``: fewer columns, checked on those), so that both figures stand beside ecotown's;
* ``ecotown assess -q --out DIR`` (the whole assessment: scoring, tables, maps, report) at ``--assess-at``;
* with ``ecotown server`` running (unless ``--no-server``): ``ecotown buffer`` and ``ecotown buffer --format csv``
  again, the client's wall time under ``/usr/bin/time`` and the command's peak memory from the server's log (the
  client holds almost nothing); the CSV tables are checked byte for byte against the ones written without it.

Every ecotown command is run as a user runs it: the ``ecotown`` console script (``ECOTOWN_NO_SERVER=1`` for the
runs without the server).

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

from tests.scale_data import SCALES, write_project  # noqa: E402

PY = sys.executable
#: the console script, as a user runs it
ECO = str(Path(PY).with_name("ecotown"))
#: the environment of the runs without a server. Python's bytecode cache is on, as on a user's machine (pip
#: compiles an installed package; an editable checkout writes its cache on first run): this project's machine sets
#: PYTHONDONTWRITEBYTECODE=1, which would make every process compile ecotown's own modules again (0.05-0.1 s)
COLD = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "PYTHONPATH": str(ROOT),
        "ECOTOWN_NO_SERVER": "1"}


def timed(cmd: list[str], cwd: Path, env: dict | None = None, server_log: Path | None = None
          ) -> tuple[float, float]:
    """(wall seconds, peak resident MiB) of one fresh process; raises with its output when it fails. With
    ``server_log``, the peak memory is the command's, as the server logged it (the process timed is the client)."""
    fmt = "BENCH %e %M"
    r = subprocess.run(["/usr/bin/time", "-f", fmt, *cmd], cwd=cwd, capture_output=True, text=True,
                       env=env or COLD)
    m = re.search(r"BENCH ([\d.]+) (\d+)", r.stderr)
    if r.returncode != 0 or not m:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    peak_kb = int(m.group(2))
    if server_log is not None:
        served = re.findall(r"exit 0: [\d.]+ s, peak (\d+) KB", server_log.read_text(encoding="utf-8"))
        if not served:
            raise SystemExit(f"the server ran no command: see {server_log}")
        peak_kb = int(served[-1])
    return float(m.group(1)), peak_kb / 1024


def median_run(cmd: list[str], cwd: Path, out: Path, repeat: int, env: dict | None = None,
               server_log: Path | None = None) -> tuple[float, float, float]:
    """(median wall time, largest peak memory, fastest wall time) of ``repeat`` runs. The fastest is printed
    beside the median: on a machine whose memory is reclaimed behind the processes' backs, a start that has to
    read GDAL's or DuckDB's library from disk again costs seconds."""
    runs = []
    for _ in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        runs.append(timed(cmd, cwd, env, server_log))
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs), min(r[0] for r in runs)


class Server:
    """``ecotown server`` in a private runtime folder, for the runs that go through it."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="et-bench-"))
        self.env = {**COLD, "ECOTOWN_RUNTIME_DIR": str(self.folder)}
        del self.env["ECOTOWN_NO_SERVER"]

    def __enter__(self) -> Server:
        subprocess.run([ECO, "server", "start", "--idle", "0", "-q"], env=self.env, check=True)
        (self.log,) = self.folder.glob("server-*.log")
        return self

    def resident_mib(self) -> float:
        pid = re.findall(r"ready: pid (\d+)", self.log.read_text(encoding="utf-8"))[-1]
        with open(f"/proc/{pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024

    def __exit__(self, *exc) -> None:
        subprocess.run([ECO, "server", "stop", "-q"], env=self.env, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def same_files(a: Path, b: Path) -> str:
    """'identical' when the two folders hold the same files byte for byte; SystemExit otherwise."""
    names = sorted(p.name for p in a.iterdir())
    if names != sorted(p.name for p in b.iterdir()):
        raise SystemExit(f"{a} and {b} hold different files")
    for name in names:
        if (a / name).read_bytes() != (b / name).read_bytes():
            raise SystemExit(f"{name} differs between {a} and {b}")
    return f"identical ({', '.join(names)})"


def has_format_option() -> bool:
    r = subprocess.run([ECO, "buffer", "--help"], capture_output=True, text=True, cwd=ROOT, env=COLD)
    return "--format" in r.stdout


#: how each column of the buffer tables is compared with DuckDB's: exactly (text, counts, sums of whole people)
#: unless named here; distances to 1.5 mm (each side rounds to the millimetre), bearings to 0.01 degree around the
#: circle (each side rounds to 0.01), the burden (a sum of 1 / km in another order) to a relative 1e-9
TOLERANCES = {"distance_m": ("abs", 0.0015), "nearest_facility_m": ("abs", 0.0015),
              "nearest_community_m": ("abs", 0.0015), "bearing_deg": ("deg", 0.01), "burden": ("rel", 1e-9)}
TABLES = {"exposure.csv": ["facility_id", "community_id"], "facilities.csv": ["facility_id"],
          "communities.csv": ["community_id"]}


def _cells_equal(col: str, a: pd.Series, b: pd.Series) -> tuple[np.ndarray, float]:
    """Which cells of one column agree, and the largest deviation of a toleranced column (0 for exact ones)."""
    blank_a, blank_b = a.eq(""), b.eq("")
    rule = TOLERANCES.get(col)
    if rule is None:
        x, y = pd.to_numeric(a, errors="coerce"), pd.to_numeric(b, errors="coerce")
        numeric = (x.notna() | blank_a) & (y.notna() | blank_b)  # 7100 and 7100.0 are one number
        same = np.where(numeric, (x == y) | (blank_a & blank_b), a.to_numpy() == b.to_numpy())
        return np.asarray(same, dtype=bool), 0.0
    kind, tol = rule
    x, y = pd.to_numeric(a, errors="coerce").to_numpy(), pd.to_numeric(b, errors="coerce").to_numpy()
    dev = np.abs(x - y)
    if kind == "deg":
        dev = np.minimum(dev % 360.0, 360.0 - dev % 360.0)
        lim = tol + 1e-9
    elif kind == "rel":
        lim = tol * np.maximum(np.abs(x), np.abs(y))
    else:
        lim = tol
    both_nan = np.isnan(x) & np.isnan(y)
    same = both_nan | (dev <= lim)
    worst = float(np.nanmax(np.where(both_nan, 0.0, dev))) if len(dev) else 0.0
    return same, worst


def check_duckdb(eco: Path, ddb: Path, light: bool = False) -> str:
    """Compare DuckDB's three tables with ecotown's, every column cell by cell (``TOLERANCES``); a line saying
    what was compared, or SystemExit naming the first differing cells.

    The full script must have ecotown's header (names, order, the UTF-8 BOM) and rows in the same order. The
    ``light`` script's columns are a subset: each is compared, except its bearings (from a mine's centroid, not
    its nearest point) and its nearest distances where it has none (it looks only within the last ring)."""
    parts, worst = [], {}
    for name, key in TABLES.items():
        e = pd.read_csv(eco / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        d = pd.read_csv(ddb / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if not light:
            he, hd = (open(p / name, "rb").readline() for p in (eco, ddb))
            if he != hd:
                raise SystemExit(f"{name}: headers differ\n ecotown {he[:200]!r}\n duckdb  {hd[:200]!r}")
        missing = [c for c in d.columns if c not in e.columns]
        if missing:
            raise SystemExit(f"{name}: DuckDB writes columns ecotown does not: {missing}")
        if len(e) != len(d):
            raise SystemExit(f"{name}: ecotown {len(e):,} rows, duckdb {len(d):,}")
        if light:  # the light script's rows are in id order too; ecotown's are
            e = e.sort_values(key, kind="stable").reset_index(drop=True)
            d = d.sort_values(key, kind="stable").reset_index(drop=True)
        cols = [c for c in d.columns if not (light and c == "bearing_deg")]
        cells = 0
        for col in cols:
            a, b = e[col], d[col]
            if light and col.startswith("nearest_"):
                keep = b.ne("").to_numpy()
                a, b = a[keep], b[keep]
            same, dev = _cells_equal(col, a.reset_index(drop=True), b.reset_index(drop=True))
            if not same.all():
                i = int(np.flatnonzero(~same)[0])
                row = {k: e[k].iloc[i] for k in key} if not (light and col.startswith("nearest_")) else {}
                raise SystemExit(f"{name}: column {col}: {int((~same).sum()):,} of {len(same):,} cells differ; "
                                 f"first {row} ecotown {a.iloc[i]!r}, duckdb {b.iloc[i]!r}")
            if col in TOLERANCES:
                worst[col] = max(worst.get(col, 0.0), dev)
            cells += len(same)
        skipped = [c for c in e.columns if c not in cols]
        parts.append(f"{name} {len(e):,} rows x {len(cols)} columns ({cells:,} cells)"
                     + (f", not compared: {', '.join(skipped)}" if skipped else ""))
    dev = ", ".join(f"{c} {worst[c]:.3g}" for c in worst)
    tol = ", ".join(f"{c} {'±' if k != 'rel' else 'rel '}{t:g}{'°' if k == 'deg' else ''}"
                    for c, (k, t) in TOLERANCES.items() if c in worst)
    return (f"verified{' (light)' if light else ''}: " + "; ".join(parts)
            + f". Exact: text, counts and people; tolerances {tol}; largest deviations {dev}"
            + ("" if light else "; headers (with the BOM) identical"))


SERVED_DEFAULT = "ecotown buffer (CSV + buffer.gpkg), through ecotown server"
SERVED_CSV = "ecotown buffer --format csv, through ecotown server"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="province,region,nation")
    ap.add_argument("--assess-at", default="province,region")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--assess-repeat", type=int, default=1)
    ap.add_argument("--no-duckdb", action="store_true")
    ap.add_argument("--no-server", action="store_true", help="leave out the runs through ecotown server")
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
        t, mem, fast = median_run([ECO, "buffer", "-q", "--out", str(eco)], folder, eco, a.repeat)
        rows.append((what, "ecotown buffer (CSV + buffer.gpkg)", t, mem, fast))
        print(rows[-1], flush=True)
        if parquet:
            for fmt, label in (("csv", "ecotown buffer --format csv (the DuckDB script's tables)"),
                               ("parquet", "ecotown buffer --format parquet")):
                dest = folder / f"out-{fmt}"
                t, mem, fast = median_run([ECO, "buffer", "-q", "--format", fmt, "--out", str(dest)],
                                    folder, dest, a.repeat)
                rows.append((what, label, t, mem, fast))
                print(rows[-1], flush=True)
                if fmt == "parquet":
                    shutil.rmtree(dest, ignore_errors=True)
        if not a.no_server:
            with Server() as srv:
                for flags, label, cold in (([], SERVED_DEFAULT, None),
                                           (["--format", "csv"], SERVED_CSV, folder / "out-csv")):
                    dest = folder / "out-served"
                    t, mem, fast = median_run([ECO, "buffer", "-q", *flags, "--out", str(dest)], folder, dest,
                                              a.repeat, env=srv.env, server_log=srv.log)
                    rows.append((what, label, t, mem, fast))
                    print(rows[-1], flush=True)
                    if cold is not None and cold.exists():
                        print("    through the server and in its own process:", same_files(dest, cold), flush=True)
                    shutil.rmtree(dest, ignore_errors=True)
                print(f"    the server's own resident memory: {srv.resident_mib():,.0f} MiB", flush=True)
        shutil.rmtree(folder / "out-csv", ignore_errors=True)
        if not a.no_duckdb:
            for flags, label in (([], "DuckDB script, same tables (tests/peers/duckdb_buffer.py)"),
                                 (["--light"], "DuckDB script --light (fewer columns)")):
                ddb = folder / "out-duckdb"
                t, mem, fast = median_run([PY, str(ROOT / "tests" / "peers" / "duckdb_buffer.py"), "layers.gpkg", str(ddb),
                                     *flags], folder, ddb, a.repeat)
                rows.append((what, label, t, mem, fast))
                print(rows[-1], flush=True)
                print("   ", check_duckdb(eco, ddb, light=bool(flags)), flush=True)
                shutil.rmtree(ddb, ignore_errors=True)
        shutil.rmtree(eco, ignore_errors=True)
        if scale in assess_at:
            out = folder / "out-assess"
            t, mem, fast = median_run([ECO, "assess", "-q", "--out", str(out)], folder, out,
                                a.assess_repeat)
            rows.append((what, "ecotown assess (all outputs)", t, mem, fast))
            print(rows[-1], flush=True)
            shutil.rmtree(out, ignore_errors=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}\n")
    side: dict[str, dict[str, tuple[float, float]]] = {}
    for what, cmd, t, _mem, fast in rows:
        side.setdefault(what, {})[cmd] = (t, fast)
    csv_label = "ecotown buffer --format csv (the DuckDB script's tables)"
    full, light = "DuckDB script, same tables (tests/peers/duckdb_buffer.py)", "DuckDB script --light (fewer columns)"
    if any(full in v for v in side.values()):
        served = any(SERVED_CSV in v for v in side.values())
        print("| scale | ecotown buffer --format csv, median (fastest) | DuckDB, same tables, median (fastest) | "
              "ecotown / DuckDB, medians (fastest runs) |"
              + (" the same through ecotown server | through the server / DuckDB |" if served else "")
              + " DuckDB --light, median |")
        print("|---|---|---|---|" + ("---|---|" if served else "") + "---|")
        for what, v in side.items():
            e = v.get(csv_label, v.get("ecotown buffer (CSV + buffer.gpkg)"))
            d = v[full]
            w = v.get(SERVED_CSV)
            print(f"| {what} | {e[0]:.2f} s ({e[1]:.2f} s) | {d[0]:.2f} s ({d[1]:.2f} s) | {e[0] / d[0]:.2f} "
                  f"({e[1] / d[1]:.2f}) |"
                  + (f" {w[0]:.2f} s ({w[1]:.2f} s) | {w[0] / d[0]:.2f} ({w[1] / d[1]:.2f}) |" if w else
                     (" – | – |" if served else ""))
                  + f" {v[light][0]:.2f} s |")
        print()
    print("| scale (factories / mines / villages) | command | wall time (median) | fastest run | peak memory |")
    print("|---|---|---|---|---|")
    for what, cmd, t, mem, fast in rows:
        print(f"| {what} | {cmd} | {t:.2f} s | {fast:.2f} s | {mem:,.0f} MiB |")
    if not a.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
