"""Year over year: two years of the sample with known changes, compared from the stored history."""

from __future__ import annotations


import pytest
import yaml
from typer.testing import CliRunner

from criteria import run_assessment
from maps.cli.main import app
from maps.history import compare
from maps.history import HistoryStore, record_of
from layers.sample.generate import FACTORY_IDS, VILLAGE_IDS

from .conftest import CLOSED_ID

F01, F03, F14, F15 = (FACTORY_IDS[k] for k in ("F01", "F03", "F14", "F15"))
V04 = VILLAGE_IDS["V04"]


def _cmp(two_years):
    store = HistoryStore(two_years["history"])
    return compare(store.load(2025), store.load(2026))


def test_facilities_added_and_closed(two_years):
    c = _cmp(two_years)
    got = {(r.facility_id, r.status) for r in c.facility_changes.itertuples()}
    assert got == {(F15, "added"), (CLOSED_ID, "closed")}
    assert c.counts["added"] == 1 and c.counts["closed"] == 1
    assert not c.warning


def test_village_moved_out_of_rings(two_years):
    c = _cmp(two_years)
    v04 = c.ring_changes[c.ring_changes["community_id"] == V04]
    rows = {int(r.ring_m): (r.status, r.facility_ids.split(), r.facilities_new) for r in v04.itertuples()}
    # 2025: V04 stood 200 m from F01 (the only facility within 500 m); in 2026 nothing is within 1 km of it
    assert rows[500] == ("newly outside", [F01], 0)
    assert rows[1000][0] == "newly outside" and F01 in rows[1000][1] and rows[1000][2] == 0
    assert int(two_years["a2026"].communities.loc[V04, "fac_within_1000"]) == 0
    # the closed factory stood beside F14, which stays: closing it moves no village in or out of a ring
    assert not any(CLOSED_ID in ids.split() and F14 not in ids.split() for ids in c.ring_changes["facility_ids"])


def test_indicator_deltas(two_years):
    c = _cmp(two_years)
    ind = c.indicator_changes.set_index(["subject_id", "indicator_id"])
    gi = ind.loc[(F01, "gi_level")]
    assert (gi["value_old"], gi["value_new"], gi["delta"], gi["trend"]) == (2.0, 4.0, 2.0, "better")
    en = ind.loc[("TH600706", "energy_renewable_share")]
    assert en["value_old"] == pytest.approx(0.30) and en["value_new"] == pytest.approx(0.42)
    assert en["delta"] == pytest.approx(0.12) and en["trend"] == "better"
    # an indicator that did not change is not listed
    assert (F03, "gi_level") not in ind.index


def test_level_changes_match_each_years_levels(two_years):
    c = _cmp(two_years)
    lv = c.level_changes.set_index(["subject_kind", "subject_id"])
    old = two_years["a2025"].levels.set_index(["subject_kind", "subject_id"])["level"]
    new = two_years["a2026"].levels.set_index(["subject_kind", "subject_id"])["level"]
    for key in set(old.index) & set(new.index):
        r = lv.loc[key]
        assert (r["level_old"], r["level_new"]) == (int(old[key]), int(new[key]))
        want = "up" if new[key] > old[key] else "down" if new[key] < old[key] else "same"
        assert r["status"] == want
    assert lv.loc[("factory", F15), "status"] == "new"
    assert lv.loc[("factory", CLOSED_ID), "status"] == "gone"


@pytest.mark.slow  # assesses a year again under another edition (1 to 2 s)
def test_different_editions_are_flagged(two_years, tmp_path):
    a = two_years["a2026"]
    src = a.edition.path
    data = yaml.safe_load(open(src, encoding="utf-8"))
    data["id"] = "eit-test-other"
    ed = tmp_path / "other.yaml"
    ed.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    other = run_assessment(two_years["cat2026"], year=2026, edition=ed)
    old = HistoryStore(two_years["history"]).load(2025)
    c = compare(old, record_of(other))
    assert c.editions_differ and "eit-test-other" in c.warning and "eit-2022-modelled" in c.warning
    # same id but a changed file is flagged too
    data["id"] = a.edition.id
    data["levels"][0]["name_en"] = "Engagement (edited)"
    ed2 = tmp_path / "edited.yaml"
    ed2.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    edited = run_assessment(two_years["cat2026"], year=2026, edition=ed2)
    c2 = compare(old, record_of(edited))
    assert c2.editions_differ and "was changed" in c2.warning


def test_compare_command(two_years, tmp_path):
    r = CliRunner().invoke(app, ["compare", "2025", "2026", "--history", str(two_years["history"]),
                                 "--out", str(tmp_path / "cmp")], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert F15 in r.output and "added" in r.output and CLOSED_ID in r.output and "closed" in r.output
    assert V04 in r.output and "newly outside" in r.output
    assert (tmp_path / "cmp" / "compare-2025-2026-facility_changes.csv").read_text(encoding="utf-8-sig").count(
        "\n") == 3


def test_compare_missing_year_is_a_plain_error(two_years):
    r = CliRunner().invoke(app, ["compare", "2019", "2026", "--history", str(two_years["history"])])
    assert r.exit_code == 6
    assert "no stored results for 2019" in r.output and "2025, 2026" in r.output
    assert "Traceback" not in r.output
