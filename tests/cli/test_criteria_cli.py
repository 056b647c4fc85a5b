"""Criteria from the command line: explain, what-if, scenarios, sensitivity, the evidence template."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from layers.sample.generate import FACTORY_IDS
from maps.cli.main import app

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _rows(p):
    with open(p, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_explain_town_shows_indicators_and_gap():
    r = _run("explain", "town", "--year", "2026")
    assert r.exit_code == 0, r.output
    assert "หนองโพ" in r.output and "green_industry_share" in r.output
    assert "To reach level 4" in r.output and "smallest change" in r.output


def test_explain_unknown_subject_suggests_ids():
    r = _run("explain", FACTORY_IDS["F01"][:-1], "--year", "2026")  # a registration number missing a digit
    assert r.exit_code == 4 and "Did you mean" in r.output and "Traceback" not in r.output


@pytest.mark.slow  # assesses the whole sample twice (about 3 s)
def test_what_if_for_one_factory_changes_only_what_follows(tmp_path):
    base, what_if = tmp_path / "base", tmp_path / "whatif"
    assert _run("assess", "--year", "2026", "--out", str(base), "-q").exit_code == 0
    f06, f07 = FACTORY_IDS["F06"], FACTORY_IDS["F07"]
    r = _run("assess", "--year", "2026", "--out", str(what_if), "-q", "--set", f"{f06}:gi_level=5")
    assert r.exit_code == 0, r.output
    b = {(x["subject_id"], x["indicator_id"]): x for x in _rows(base / "indicators.csv")}
    w = {(x["subject_id"], x["indicator_id"]): x for x in _rows(what_if / "indicators.csv")}
    assert w[(f06, "gi_level")]["value"] == "5" and w[(f06, "gi_level")]["status"] == "what-if"
    assert w[(f07, "gi_level")]["value"] == b[(f07, "gi_level")]["value"]
    assert float(w[("TH600706", "green_industry_share")]["value"]) > float(b[("TH600706", "green_industry_share")]["value"])


def test_scenario_with_a_typo_is_refused_with_its_place(tmp_path):
    p = tmp_path / "plan.yaml"
    p.write_text("changes:\n  - {indicator: gi_levle, subject: F06, value: 3}\n", encoding="utf-8")
    r = _run("assess", "--year", "2026", "--out", str(tmp_path / "o"), "--scenario", str(p))
    assert r.exit_code == 4
    assert "change 1, field 'indicator'" in r.output and "gi_levle" in r.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


@pytest.mark.slow  # a full assess with the sensitivity run (1 to 1.5 s)
def test_sensitivity_writes_its_table(tiny_town, tmp_path):
    out = tmp_path / "o"
    r = _run("assess", "--catalog", str(tiny_town), "--year", "2026", "--out", str(out), "--sensitivity")
    assert r.exit_code == 0, r.output
    rows = _rows(out / "sensitivity.csv")
    assert {x["subject_id"] for x in rows} >= {"F1", "M1", "V1", "V2", "V3"}
    assert "Sensitivity" in r.output
    assert (out / "gaps.csv").is_file()


def test_evidence_template_then_check(tmp_path):
    p = tmp_path / "evidence-2027.csv"
    r = _run("evidence", "template", "--year", "2027", "--from-year", "2026", "--out", str(p))
    assert r.exit_code == 0, r.output
    rows = _rows(p)
    # 27 + the two yearly audit steps + the two exchange measures that a town without an exchanges table types in
    assert len(rows) == 31 and all(x["subject_id"] == "TH600706" for x in rows)
    assert next(x for x in rows if x["indicator_id"] == "symbiosis_links")["value"] == "6"
    assert _run("evidence", "check", str(p)).exit_code == 0
    again = _run("evidence", "template", "--year", "2027", "--out", str(p))
    assert again.exit_code == 4 and "already exists" in again.output


@pytest.mark.slow  # two full assess runs (about 2 s)
def test_outputs_of_an_earlier_run_do_not_linger(tiny_town, tmp_path):
    out = tmp_path / "o"
    assert _run("assess", "--catalog", str(tiny_town), "--year", "2026", "--out", str(out), "-q",
                "--sensitivity").exit_code == 0
    assert (out / "sensitivity.csv").exists()
    assert _run("assess", "--catalog", str(tiny_town), "--year", "2026", "--out", str(out), "-q").exit_code == 0
    assert not (out / "sensitivity.csv").exists()
