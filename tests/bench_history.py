"""Benchmark: storing and reading back a region's results history (prints figures; not a timed test).

    python tests/bench_history.py ASSESSMENT.pkl [--repeat 3]

ASSESSMENT.pkl is a pickled region Assessment (``criteria.run_assessment`` of the region project that
``tests/scale_data.py`` writes: 30,000 factories, 800 mines, 20,000 villages). Prints, each the median of
``--repeat`` runs (wall clock, and the process's CPU time, which a busy machine inflates less): building the record (``record_of`` without the digest), the digest, storing it into a fresh file,
storing it again in place of the same year (what ``ecotown assess`` does the second time), loading it back
(``HistoryStore.load``), and ``load_all`` of a file holding two years; then the file's size. Checks that the record
read back equals the one stored and has the same digest.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from maps.history import HistoryStore, record_digest, record_of  # noqa: E402
from maps.history.store import TABLES  # noqa: E402


CPU: dict[str, list[float]] = {}


def _timed(fn, *args, **kwargs):
    t, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    _timed.cpu = time.process_time() - c
    return time.perf_counter() - t, out


def _keep(fig: dict, name: str, t: float) -> None:
    fig.setdefault(name, []).append(t)
    CPU.setdefault(name, []).append(_timed.cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("assessment", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with open(args.assessment, "rb") as fh:
        a = pickle.load(fh)
    fig: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        for i in range(args.repeat):
            path = Path(tmp) / f"h{i}.sqlite"
            t, rec = _timed(record_of, a, digest=False)
            _keep(fig, "record_of (no digest)", t)
            t, digest = _timed(record_digest, rec)
            _keep(fig, "record_digest", t)
            rec.run["results_sha256"] = digest
            store = HistoryStore(path)
            _keep(fig, "save into a fresh file", _timed(store.save, rec)[0])
            again = record_of(a, digest=False)
            again.run["results_sha256"] = digest
            _keep(fig, "save again (replaces the year)", _timed(store.save, again)[0])
            t, back = _timed(store.load, int(a.year))
            _keep(fig, "load", t)
            other = record_of(a, digest=False)
            other.run["year"] = int(a.year) - 1
            other.run["results_sha256"] = digest
            store.save(other)
            t, both = _timed(store.load_all)
            _keep(fig, "load_all (2 years)", t)
            for name in TABLES:
                assert back.table(name).equals(rec.table(name)), name
            assert record_digest(back) == digest and len(both) == 2
            size = path.stat().st_size
            path.unlink()
    rows = {name: len(rec.table(name)) for name in TABLES}
    print(f"record: {rows['exposure']:,} exposure pairs, {rows['indicators']:,} indicator rows, "
          f"{rows['levels']:,} levels; digest {digest[:12]}")
    for name, ts in fig.items():
        print(f"{name:32s} {statistics.median(ts):6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in ts)}; "
              f"CPU of the process {statistics.median(CPU[name]):.2f} s)")
    print(f"file with two years: {size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
