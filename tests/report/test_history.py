"""The results history: stored records equal fresh ones; a year is replaced only when the new record is complete."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from maps.cli.main import app
from maps.history import HistoryError, HistoryStore, record_digest, record_of
from maps.history.store import TABLES


def test_stored_record_equals_fresh_record(two_years, tmp_path):
    a = two_years["a2026"]
    rec = record_of(a)
    store = HistoryStore(tmp_path / "h.sqlite")
    store.save(rec)
    back = store.load(2026)
    for name in ("levels", "indicators", "dimensions", "facilities", "communities", "exposure", "exposure_summary"):
        assert back.table(name).equals(rec.table(name)), name
    assert record_digest(back) == rec.run["results_sha256"]
    assert back.run["edition_id"] == a.edition.id and back.run["level"] == int(a.town["level"])
    assert len(back.exposure) == len(a.exposure)


def test_same_year_is_replaced_other_years_kept(two_years, tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite")
    first = store.save(record_of(two_years["a2026"]))
    store.save(record_of(two_years["a2025"]))
    second = store.save(record_of(two_years["a2026"]))
    runs = store.runs()
    assert sorted(runs["year"]) == [2025, 2026]
    assert first not in set(runs["run_id"]) and second in set(runs["run_id"])
    con = sqlite3.connect(store.path)
    for table in TABLES:  # every table of the replaced record is emptied, as a cascade would
        assert con.execute(f'SELECT COUNT(*) FROM "{table}" WHERE run_id = ?', (first,)).fetchone()[0] == 0
        assert con.execute(f'SELECT COUNT(*) FROM "{table}" WHERE run_id = ?', (second,)).fetchone()[0] > 0


def test_failed_save_leaves_the_old_record(two_years, tmp_path, monkeypatch):
    store = HistoryStore(tmp_path / "h.sqlite")
    old = store.save(record_of(two_years["a2026"]))
    real = HistoryStore._insert

    def broken(con, name, cols, run_id, df):
        if name == "exposure":
            raise sqlite3.OperationalError("disk I/O error (simulated)")
        return real(con, name, cols, run_id, df)

    monkeypatch.setattr(HistoryStore, "_insert", staticmethod(broken))
    new = record_of(two_years["a2026"])
    with pytest.raises(HistoryError, match="history is unchanged"):
        store.save(new)
    monkeypatch.undo()
    assert list(store.runs()["run_id"]) == [old]
    con = sqlite3.connect(store.path)
    for table in ("runs", "levels", "indicators"):
        assert con.execute(f"SELECT COUNT(*) FROM {table} WHERE run_id = ?", (new.run["run_id"],)).fetchone()[0] == 0
    assert len(store.load(2026).exposure) == len(two_years["a2026"].exposure)


def test_not_a_history_file(tmp_path):
    p = tmp_path / "notes.sqlite"
    p.write_text("hello", encoding="utf-8")
    with pytest.raises(HistoryError, match="notes.sqlite"):
        HistoryStore(p).load(2026)
    with pytest.raises(HistoryError, match="no results history"):
        HistoryStore(tmp_path / "missing.sqlite").load(2026)


@pytest.mark.slow  # assesses the sample twice (2 to 5 s)
def test_assess_stores_the_year_beside_the_output_folder(two_years, tmp_path):
    out = tmp_path / "results" / "2026"
    r = CliRunner().invoke(app, ["assess", "--catalog", str(two_years["cat2026"]), "--year", "2026", "--out",
                                 str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    store = HistoryStore(tmp_path / "results" / "ecotown-history.sqlite")
    assert store.years() == [2026]
    assert store.load(2026).run["results_sha256"] == record_of(two_years["a2026"]).run["results_sha256"]
    # a what-if run is not stored
    r = CliRunner().invoke(app, ["assess", "--catalog", str(two_years["cat2026"]), "--year", "2025", "--out",
                                 str(tmp_path / "results" / "w"), "--set", "gi_level=5"])
    assert r.exit_code == 0, r.output
    assert "not stored" in r.output and store.years() == [2026]
