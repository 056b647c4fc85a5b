"""Publishing an assessment: maps, report, tables and manifest into one folder, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from criteria import Assessment

from .buffer_map import buffer_map
from .level_map import level_map
from .outputs import staged_output, write_manifest, write_tables
from .report import write_report
from .offline import write_map

__all__ = ["publish", "OUTPUT_FILES"]

OUTPUT_FILES = ("level-map.html", "buffer-map.html", "report.html", "results.gpkg", "town.csv",
                "facilities.csv", "communities.csv", "exposure.csv", "indicators.csv", "levels.csv",
                "dimensions.csv", "manifest.json")


def publish(a: Assessment, out: str | Path, *, offline: bool = True,
            progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write every output of ``a`` into ``out``; files already there are replaced only when all are ready.

    Returns the paths written, in a fixed order.
    """
    say = progress or (lambda _m: None)
    out = Path(out)
    with staged_output(out) as tmp:
        say("Writing tables")
        names = [p.name for p in write_tables(a, tmp)]
        say("Drawing the level map")
        write_map(level_map(a), tmp / "level-map.html", offline=offline)
        say("Drawing the buffer map")
        write_map(buffer_map(a), tmp / "buffer-map.html", offline=offline)
        say("Writing the report")
        write_report(a, tmp / "report.html")
        names += ["level-map.html", "buffer-map.html", "report.html"]
        write_manifest(a, tmp, names + ["manifest.json"])
    return [out / n for n in OUTPUT_FILES if (out / n).exists()]
