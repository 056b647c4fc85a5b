"""Publishing the annual report (``ecotown report``): the report as HTML / PDF / XLSX, its tables as CSV, its
figures as PNG and ``report-manifest.json``, all or nothing; and re-creating a report from its manifest."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from criteria import Assessment, run_assessment, software_version
from layers import sha256_file

from ..errors import MapsError, ReproducibilityError
from ..exports import staged_output, write_csv
from ..history import HistoryStore, Record
from ..report import build_report, render_annual_html, report_tables_order, write_figures, write_pdf, write_xlsx

__all__ = ["publish_report", "rerun_report", "input_changes", "report_file_name", "REPORT_FORMATS", "REPORT_MANIFEST"]

REPORT_FORMATS = ("pdf", "html", "xlsx")
REPORT_MANIFEST = "report-manifest.json"


class _TablesDiffer(Exception):
    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names


def report_file_name(year: int, lang: str, ext: str) -> str:
    return f"report-{year}-{lang}.{ext}"


def _parse_formats(formats) -> list[str]:
    fs = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats) if f.strip()]
    bad = [f for f in fs if f not in REPORT_FORMATS]
    if bad or not fs:
        raise MapsError(f"report formats must be among {', '.join(REPORT_FORMATS)}; got {', '.join(bad) or 'none'}")
    return [f for f in REPORT_FORMATS if f in fs]


def publish_report(a: Assessment, out: str | Path, *, lang: str = "th", formats=REPORT_FORMATS,
                   history: list[Record] | None = None, history_path: str | Path | None = None,
                   atlas: bool = False, expect_tables: dict[str, str] | None = None,
                   progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write the annual report of ``a`` into ``out``: ``report-<table>.csv`` for every table, the report as
    HTML / PDF / XLSX, PNGs of the maps and charts and ``report-manifest.json``. All or nothing.

    ``history``: stored records to compare with and chart (default: every year in ``history_path``).
    ``expect_tables``: CSV name -> sha256 from an earlier manifest; when any table differs, nothing is written
    and :class:`_TablesDiffer` is raised (``rerun_report`` turns it into a plain message).
    """
    say = progress or (lambda _m: None)
    fmts = _parse_formats(formats)
    out = Path(out)
    if history is None:
        history = HistoryStore(history_path).load_all() if history_path and Path(history_path).exists() else []
    used = [r for r in history if r.year != a.year]
    with staged_output(out) as tmp:
        say("Building the report tables and figures")
        rep = build_report(a, lang=lang, history=used, history_path=history_path, atlas=atlas)
        hashes: dict[str, str] = {}
        for name in report_tables_order():
            p = tmp / f"report-{name}.csv"
            write_csv(rep.tables[name], p)
            hashes[p.name] = sha256_file(p)
        if expect_tables is not None:
            differ = sorted(n for n in set(hashes) | set(expect_tables) if hashes.get(n) != expect_tables.get(n))
            if differ:
                raise _TablesDiffer(differ)
        manifest = {
            "software": "ecotown", "version": a.manifest.get("version", ""), "kind": "annual-report",
            "year": a.year, "year_be": a.year_be, "lang": lang, "formats": fmts, "atlas": bool(atlas),
            "assessment": a.manifest,
            "history": {"path": str(Path(history_path).resolve()) if history_path else None,
                        "runs": [{"year": r.year, "run_id": r.run["run_id"], "edition_id": r.edition_id,
                                  "results_sha256": r.run.get("results_sha256")} for r in sorted(used, key=lambda r: r.year)]},
            "tables": hashes,
        }
        html = render_annual_html(rep, manifest=manifest)
        if "html" in fmts:
            say("Writing the HTML report")
            (tmp / report_file_name(a.year, lang, "html")).write_text(html, encoding="utf-8")
        if "pdf" in fmts:
            say("Laying out the PDF")
            write_pdf(render_annual_html(rep, manifest=manifest, for_pdf=True),
                      tmp / report_file_name(a.year, lang, "pdf"), manifest=manifest)
        if "xlsx" in fmts:
            say("Writing the XLSX workbook")
            write_xlsx({n: rep.tables[n] for n in report_tables_order()}, tmp / report_file_name(a.year, lang, "xlsx"))
        say("Saving the figures as PNG")
        write_figures(rep, tmp)
        (tmp / REPORT_MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                           encoding="utf-8")
        names = sorted(p.name for p in tmp.iterdir())
    return [out / n for n in names]


def input_changes(manifest: dict) -> list[str]:
    """What differs now from what ``manifest`` (a report manifest) read: files, edition, history records."""
    am = manifest.get("assessment", {})
    notes: list[str] = []
    by_file: dict[str, list[dict]] = {}
    for i in am.get("inputs", []):
        by_file.setdefault(i["source"], []).append(i)
    cat = am.get("catalog", {})
    if cat.get("path"):
        by_file.setdefault(cat["path"], []).append({"layer": "catalog", "sha256": cat.get("sha256")})
    ed = am.get("edition", {})
    if ed.get("path"):
        by_file.setdefault(ed["path"], []).append({"layer": f"criteria edition {ed.get('id')}",
                                                   "sha256": ed.get("sha256")})
    for src, items in by_file.items():
        p = Path(src)
        layers = ", ".join(sorted({str(i["layer"]) for i in items}))
        if not p.exists():
            notes.append(f"{p} (used by {layers}) is missing")
            continue
        now = sha256_file(p)
        was = items[0].get("sha256")
        if was and now != was:
            notes.append(f"{p.name} (used by {layers}) changed: sha256 {was[:12]}… is now {now[:12]}…")
    hist = manifest.get("history") or {}
    if hist.get("runs"):
        store = HistoryStore(hist["path"])
        have = store.runs() if Path(hist["path"]).exists() else None
        for r in hist["runs"]:
            if have is None or r["run_id"] not in set(have["run_id"]):
                now = have[have["year"] == r["year"]]["run_id"].tolist() if have is not None else []
                notes.append(f"history record of {r['year']} (run {r['run_id']}) is no longer in {hist['path']}"
                             + (f"; it was replaced by run {now[-1]}" if now else ""))
    ver = software_version()
    if manifest.get("version") and ver != manifest["version"]:
        notes.append(f"ecotown version {manifest['version']} made the report; this is {ver}")
    return notes


def rerun_report(manifest_path: str | Path, out: str | Path | None = None,
                 progress: Callable[[str], None] | None = None) -> tuple[list[Path], list[str]]:
    """Re-create a report from its manifest. Returns (paths written, input changes that did not alter the
    tables). Raises :class:`ReproducibilityError` naming the changed inputs when any table differs; then
    nothing is written."""
    mp = Path(manifest_path)
    try:
        m = json.loads(mp.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise MapsError(f"{mp}: cannot read the report manifest ({e})") from None
    if not isinstance(m, dict) or m.get("kind") != "annual-report" or "tables" not in m:
        raise MapsError(f"{mp}: not a report manifest (written by `ecotown report` as {REPORT_MANIFEST})")
    changes = input_changes(m)
    am = m["assessment"]
    missing = [c for c in changes if c.endswith("is missing") or "no longer in" in c]
    if missing:
        raise ReproducibilityError(f"cannot re-create the {m['year']} report of {mp}: " + "; ".join(missing))
    ed = am.get("edition", {})
    edition = ed.get("path") if ed.get("path") and Path(ed["path"]).exists() else ed.get("id")
    a = run_assessment(am["catalog"]["path"], year=int(m["year"]), edition=edition,
                       overrides=am.get("parameters", {}).get("overrides") or None, progress=progress)
    hist = m.get("history") or {}
    store = HistoryStore(hist["path"]) if hist.get("path") else None
    records = [store.load(r["year"], run_id=r["run_id"]) for r in hist.get("runs", [])] if store else []
    target = Path(out) if out else mp.parent
    try:
        paths = publish_report(a, target, lang=m.get("lang", "th"), formats=m.get("formats", REPORT_FORMATS),
                               history=records, history_path=hist.get("path"), atlas=bool(m.get("atlas")),
                               expect_tables=m["tables"], progress=progress)
    except _TablesDiffer as d:
        why = "; ".join(changes) if changes else "no input file changed (the software or its libraries may have)"
        raise ReproducibilityError(f"re-running {mp} gives different tables ({', '.join(d.names)}); inputs that "
                                   f"changed: {why}. Nothing was written.") from None
    return paths, changes
