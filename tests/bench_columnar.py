"""Benchmark: writing ``ecotown buffer``'s tables as CSV and as Parquet/GeoParquet, each table timed alone with the
extra peak memory of its writer (not a timed test: it prints figures).

    python tests/bench_columnar.py nation /tmp/cn            # the seeded nation project (tests/scale_data.py)
    python tests/bench_columnar.py --rows 28600000 /tmp/big  # a synthetic exposure table of 28.6 M pairs

The first form measures the tables of one ``buffer_analysis`` run (exposure, facilities, communities, rings); the
second an exposure table of the kernel benchmark's nation size (facility and community ids as categories, distance,
ring, bearing), which is the table that "must not need a CSV". Peak memory is the process's resident high-water mark
above what it held before the write (Linux: VmHWM, reset through /proc/self/clear_refs before each write). On a
machine shared with other work the times are noisy; run it on a quiet one for figures to quote.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _status(key: str) -> int:
    """A line of /proc/self/status in bytes (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def _measure(fn) -> tuple[float, int]:
    """(seconds, extra peak bytes) of ``fn()``."""
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    base = _status("VmRSS")
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0, _status("VmHWM") - base


def synthetic_exposure(rows: int, seed: int = 2570) -> pd.DataFrame:
    """An exposure table of ``rows`` pairs shaped like the kernel's (150,000 facilities x 80,000 villages)."""
    rng = np.random.default_rng(seed)
    fac = pd.Categorical.from_codes(np.sort(rng.integers(0, 150_000, rows)).astype(np.int32),
                                    [f"F{i:06d}" for i in range(150_000)])
    com = pd.Categorical.from_codes(rng.integers(0, 80_000, rows).astype(np.int32),
                                    [f"V{i:05d}" for i in range(80_000)])
    d = np.round(rng.random(rows) * 5000, 3)
    ring = np.select([d <= 500, d <= 1000, d <= 3000], [500, 1000, 3000], 5000).astype(np.int64)
    return pd.DataFrame({"facility_id": fac, "community_id": com, "distance_m": d, "ring_m": ring,
                         "bearing_deg": np.round(rng.random(rows) * 360, 2)})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scale", nargs="?", default=None, help="a scale of tests/scale_data.py (project written there)")
    ap.add_argument("folder", type=Path)
    ap.add_argument("--rows", type=int, default=None, help="a synthetic exposure table of this many rows instead")
    ap.add_argument("--skip-csv", action="store_true", help="write Parquet only")
    a = ap.parse_args()

    from maps.exports import write_csv, write_parquet
    from maps.exports.files import plain_types

    a.folder.mkdir(parents=True, exist_ok=True)
    if a.rows:
        frames = {"exposure": synthetic_exposure(a.rows)}
    else:
        from layers import load_catalog
        from maps.exports import buffer_analysis, buffer_rings
        from tests.scale_data import write_project

        cat_path = a.folder / "catalog.yaml"
        if not cat_path.exists():
            write_project(a.scale or "nation", a.folder)
        cat = load_catalog(cat_path)
        t0 = time.perf_counter()
        res = buffer_analysis(cat, year=2026, rings=buffer_rings(cat))
        print(f"buffer_analysis: {time.perf_counter() - t0:.1f} s (reading, measuring, ring polygons)")
        frames = dict(res.layers)
    out = a.folder / "bench-out"
    out.mkdir(exist_ok=True)
    print(f"{'table':<12}{'rows':>12}  {'format':<8}{'seconds':>9}{'extra peak MB':>15}{'file MB':>10}")
    for name, df in frames.items():
        jobs = [("parquet", out / f"{name}.parquet", lambda df=df, name=name: write_parquet(df, out / f"{name}.parquet"))]
        if not a.skip_csv:
            jobs.append(("csv", out / f"{name}.csv",
                         lambda df=df, name=name: write_csv(plain_types(df.drop(columns="geometry", errors="ignore")),
                                                            out / f"{name}.csv")))
        for fmt, path, fn in jobs:
            secs, peak = _measure(fn)
            print(f"{name:<12}{len(df):>12,}  {fmt:<8}{secs:>9.2f}{peak / 2**20:>15.0f}{path.stat().st_size / 2**20:>10.1f}")
            os.sync()


if __name__ == "__main__":
    main()
