"""Publishing an assessment (``ecotown assess``): maps, report, tables and manifest into one folder, all or nothing;
then its results into the history."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from criteria import Assessment

from ..exports import DEFAULT_FORMATS, staged_output, write_manifest, write_project, write_tables
from ..history import HistoryStore, default_history_path, record_of
from ..report import write_report
from ..web import buffer_map, level_map, write_map

__all__ = ["publish", "OUTPUT_FILES", "record_history", "store_in_history"]

OUTPUT_FILES = ("level-map.html", "buffer-map.html", "report.html", "results.gpkg", "results.qgs", "town.csv",
                "facilities.csv", "communities.csv", "exposure.csv", "indicators.csv", "levels.csv",
                "dimensions.csv", "gaps.csv", "left-out.csv", "sensitivity.csv", "manifest.json",
                # --format parquet: the same tables as Parquet (facilities, communities as GeoParquet)
                "town.parquet", "facilities.parquet", "communities.parquet", "exposure.parquet",
                "indicators.parquet", "levels.parquet", "dimensions.parquet", "gaps.parquet", "left-out.parquet",
                "sensitivity.parquet")


def publish(a: Assessment, out: str | Path, *, offline: bool = True, formats: tuple[str, ...] = DEFAULT_FORMATS,
            progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write every output of ``a`` into ``out``; files already there are replaced only when all are ready.
    ``formats`` (of gpkg, csv, parquet) are the tables' (``results.qgs`` comes with ``results.gpkg``).

    Returns the paths written, in a fixed order.
    """
    say = progress or (lambda _m: None)
    out = Path(out)
    with staged_output(out) as tmp:
        say("Writing tables")
        names = [p.name for p in write_tables(a, tmp, formats)]
        if "gpkg" in formats:  # the QGIS project opens results.gpkg
            say("Writing the QGIS project")
            names.append(write_project(a, tmp).name)
        say("Drawing the level map")
        write_map(level_map(a), tmp / "level-map.html", offline=offline)
        say("Drawing the buffer map")
        write_map(buffer_map(a), tmp / "buffer-map.html", offline=offline)
        say("Writing the report")
        write_report(a, tmp / "report.html")
        names += ["level-map.html", "buffer-map.html", "report.html"]
        write_manifest(a, tmp, names + ["manifest.json"])
    produced = set(names) | {"manifest.json"}
    # an output of an earlier run that this run did not make (e.g. sensitivity.csv) would contradict
    # the new manifest: remove it
    for n in OUTPUT_FILES:
        if n not in produced:
            (out / n).unlink(missing_ok=True)
    return [out / n for n in OUTPUT_FILES if n in produced]


def record_history(a: Assessment, path: str | Path) -> str:
    """Store the results of ``a`` in the history file ``path``; returns the run id."""
    return HistoryStore(path).save(record_of(a, digest=False))  # the digest is computed while the rows go in


def store_in_history(a: Assessment, out: str | Path, history: str | Path | None = None, *, what_if: bool = False,
                     progress: Callable[[str], None] | None = None) -> str:
    """After ``ecotown assess``: store the year's results in the history (``history`` or the default file in the
    parent folder of ``out``). What-if runs are not stored. Returns a line for the terminal."""
    path = Path(history) if history else default_history_path(out)
    if what_if:
        return f"What-if run: not stored in the results history {path}."
    say = progress or (lambda _m: None)
    say("Storing the results in the history")
    run_id = record_history(a, path)
    say("Stored")  # the last step's time shows on the progress lines too
    return f"Stored the {a.year} results in the history {path} (run {run_id})."
