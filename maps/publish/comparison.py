"""Publishing a year comparison (``ecotown compare --out``): the changes as CSV tables and the year-slider map."""

from __future__ import annotations

from pathlib import Path

from ..exports import staged_output, write_csv
from ..history import Comparison, Record
from ..web import write_map, years_map_from_records

__all__ = ["publish_comparison"]


def publish_comparison(c: Comparison, records: list[Record], out: str | Path) -> list[Path]:
    """Write ``compare-<old>-<new>-<table>.csv`` for every table of ``c`` and ``years-map.html`` of ``records``
    (every year compared) into ``out``, all or nothing; the paths written."""
    m = years_map_from_records(records)  # built before anything is written: a failure leaves `out` as it was
    old, new = c.old["year"], c.new["year"]
    with staged_output(Path(out)) as tmp:
        for name, df in c.tables().items():
            write_csv(df, tmp / f"compare-{old}-{new}-{name}.csv")
        write_map(m, tmp / "years-map.html", offline=True)
        names = sorted(p.name for p in tmp.iterdir())
    return [Path(out) / n for n in names]
