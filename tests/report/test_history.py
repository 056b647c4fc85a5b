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


def test_a_record_saved_without_its_digest_gets_it_while_its_rows_go_in(two_years, tmp_path):
    """ecotown assess stores record_of(a, digest=False): save computes the digest on a second thread, the same
    as record_of's, into the stored run and into the record."""
    a = two_years["a2026"]
    want = record_of(a).run["results_sha256"]
    rec = record_of(a, digest=False)
    assert rec.run["results_sha256"] == ""
    store = HistoryStore(tmp_path / "h.sqlite")
    store.save(rec)
    assert rec.run["results_sha256"] == want and len(want) == 64
    assert store.runs()["results_sha256"].tolist() == [want]
    assert store.load(2026).run["results_sha256"] == want


def test_same_year_is_replaced_other_years_kept(two_years, tmp_path):
    store = HistoryStore(tmp_path / "h.sqlite")
    first = store.save(record_of(two_years["a2026"]))
    store.save(record_of(two_years["a2025"]))
    second = store.save(record_of(two_years["a2026"]))
    runs = store.runs()
    assert sorted(runs["year"]) == [2025, 2026]
    assert first not in set(runs["run_id"]) and second in set(runs["run_id"])
    con = sqlite3.connect(store.path)
    seqs = dict(con.execute("SELECT run_id, seq FROM runs"))
    assert first not in seqs
    for table in TABLES:  # every table holds the rows of the two stored records only, as a cascade would leave it
        assert {r for (r,) in con.execute(f'SELECT DISTINCT run FROM "{table}"')} == set(seqs.values()), table
        assert con.execute(f'SELECT COUNT(*) FROM "{table}" WHERE run = ?', (seqs[second],)).fetchone()[0] > 0


def test_failed_save_leaves_the_old_record(two_years, tmp_path, monkeypatch):
    store = HistoryStore(tmp_path / "h.sqlite")
    old = store.save(record_of(two_years["a2026"]))
    before = store.path.read_bytes()
    _break_insert_of_exposure(monkeypatch)
    new = record_of(two_years["a2026"])
    with pytest.raises(HistoryError, match="history is unchanged"):
        store.save(new)
    monkeypatch.undo()
    assert store.path.read_bytes() == before  # the old record was deleted inside the transaction: rolled back
    assert list(store.runs()["run_id"]) == [old]
    assert len(store.load(2026).exposure) == len(two_years["a2026"].exposure)


def _break_insert_of_exposure(monkeypatch) -> None:
    """Make the next saves fail while inserting the exposure pairs (after the earlier record was deleted and the
    other tables written)."""
    real = HistoryStore._insert

    def broken(con, name, cols, run, df):
        if name == "exposure":
            raise sqlite3.OperationalError("disk I/O error (simulated)")
        return real(con, name, cols, run, df)

    monkeypatch.setattr(HistoryStore, "_insert", staticmethod(broken))


# -- files written by the first schema (version 1: the run id's text on every row) --------------------------------

def _write_v1(path, records) -> None:
    """A version-1 history as the code of schema version 1 wrote it (its DDL and inserts, kept here as they were):
    the text run_id on every row of every table, an index on it; one transaction per record."""
    from maps.history.store import RUN_COLUMNS

    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", ("1",))
    con.execute("CREATE TABLE IF NOT EXISTS runs (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT UNIQUE "
                "NOT NULL, year INTEGER NOT NULL, edition_id TEXT NOT NULL, edition_sha256 TEXT, created TEXT, "
                "version TEXT, town_id TEXT, town_name TEXT, town_name_en TEXT, level INTEGER, "
                "level_name_en TEXT, level_name_th TEXT, rings_m TEXT, results_sha256 TEXT, manifest TEXT)")
    for name, cols in TABLES.items():
        body = ", ".join(f'"{c}" {t}' for c, t in cols)
        con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" (run_id TEXT NOT NULL REFERENCES runs(run_id) '
                    f"ON DELETE CASCADE, {body})")
        con.execute(f'CREATE INDEX IF NOT EXISTS "{name}_run" ON "{name}" (run_id)')
    for rec in records:
        run_id = rec.run["run_id"]
        con.execute(f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) VALUES ({', '.join('?' * len(RUN_COLUMNS))})",
                    [rec.run[c] for c in RUN_COLUMNS])
        for name, cols in TABLES.items():
            names = [c for c, _t in cols]
            df = rec.table(name)
            rows = list(zip([run_id] * len(df), *[df[c].tolist() for c in names]))
            con.executemany(f'INSERT INTO "{name}" (run_id, {", ".join(f"{chr(34)}{c}{chr(34)}" for c in names)}) '
                            f'VALUES ({", ".join("?" * (len(names) + 1))})', rows)
    con.execute("COMMIT")
    con.close()


def _columns(path, table) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
    finally:
        con.close()


def test_version_1_file_is_read_compared_and_upgraded_by_the_next_save(two_years, tmp_path):
    from maps.history import compare

    r25, r26 = record_of(two_years["a2025"]), record_of(two_years["a2026"])
    path = tmp_path / "v1.sqlite"
    _write_v1(path, [r25, r26])
    store = HistoryStore(path)
    for rec in (r25, r26):  # read as it is
        back = store.load(rec.year)
        for name in TABLES:
            assert back.table(name).equals(rec.table(name)), name
        assert back.run["run_id"] == rec.run["run_id"] and record_digest(back) == rec.run["results_sha256"]
    assert [r.year for r in store.load_all()] == [2025, 2026]
    want = compare(r25, r26)
    got = compare(*store.load_all())
    for name, table in want.tables().items():
        assert got.tables()[name].equals(table), name
    assert len(want.level_changes) and got.counts == want.counts
    assert "run" not in _columns(path, "exposure") and "run_id" in _columns(path, "exposure")

    again = record_of(two_years["a2026"])
    store.save(again)  # upgrades the file to version 2, then replaces 2026
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "2"
    con.close()
    for name in TABLES:
        assert _columns(path, name)[0] == "run" and "run_id" not in _columns(path, name), name
    assert list(store.runs()["run_id"]) == [r25.run["run_id"], again.run["run_id"]]
    for rec in (r25, again):
        back = store.load(rec.year)
        for name in TABLES:
            assert back.table(name).equals(rec.table(name)), name
        assert record_digest(back) == rec.run["results_sha256"]


def test_failed_save_into_a_version_1_file_leaves_it_as_it_was(two_years, tmp_path, monkeypatch):
    path = tmp_path / "v1.sqlite"
    r26 = record_of(two_years["a2026"])
    _write_v1(path, [record_of(two_years["a2025"]), r26])
    before = path.read_bytes()
    _break_insert_of_exposure(monkeypatch)
    with pytest.raises(HistoryError, match="history is unchanged"):
        HistoryStore(path).save(record_of(two_years["a2026"]))  # fails after the upgrade and the delete
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert "run_id" in _columns(path, "levels")
    assert HistoryStore(path).load(2026).levels.equals(r26.levels)


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
