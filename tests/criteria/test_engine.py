"""The indicator engine on hand-made tables whose levels are known."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from criteria import (EditionError, EvidenceError, ScoringError, load_edition, load_evidence, score,
                      validate_edition_file)
from criteria.score import decide_level

ED = load_edition("eit-2022-modelled")


def test_indicator_level_follows_thresholds_in_both_directions():
    gi = ED.indicator("gi_level")  # higher: 2:2 3:3 4:4 5:5
    assert [gi.level_of(v) for v in (0, 1, 2, 3, 4, 5)] == [1, 1, 2, 3, 4, 5]
    c = ED.indicator("factory_complaints")  # lower: 2:5 3:3 4:1 5:0
    assert [c.level_of(v) for v in (9, 5, 4, 3, 1, 0)] == [1, 2, 2, 3, 4, 5]


def test_decide_level_needs_share_and_core():
    ps = {2: 0.5, 3: 0.6, 4: 0.75, 5: 0.9}
    # 4 indicators: levels 5, 4, 3, 2 -> L2: 4/4, L3: 3/4 >= 3 (ceil 2.4), L4: 2/4 < 3 -> level 3
    lvl, rule, fail = decide_level([5, 4, 3, 2], [False] * 4, ps)
    assert lvl == 3 and (fail["level"], fail["reach"], fail["needed"], fail["core_missing"]) == (4, 2, 3, [])
    assert "3 of 4" in rule
    # a core indicator at level 2 caps the subject at 2 whatever the others do
    lvl, _, fail = decide_level([5, 5, 5, 2], [False, False, False, True], ps)
    assert lvl == 2 and fail["core_missing"] == [3]
    # no data counts as not reaching: two of four missing -> only 2 of 4 reach 3
    lvl, _, _ = decide_level([5, 5, math.nan, math.nan], [False] * 4, ps)
    assert lvl == 2


def _tables(**factory_cols):
    # the distances the edition reads are always measured (an unmeasured one is an error, see test_rings)
    measured = {"green_share_within_1000": [math.nan, math.nan], "pop_within_500": [math.nan, math.nan]}
    fac = pd.DataFrame({"name": ["A", "B"], **measured, **factory_cols},
                       index=pd.Index(["F1", "F2"], name="facility_id"))
    return {"factory": fac}


def test_missing_value_is_no_data_not_zero():
    s = score(ED, _tables(gi_level=[4, None], complaints=[0, 0]))
    ind = s.indicators.set_index(["subject_id", "indicator_id"])
    assert ind.loc[("F2", "gi_level"), "status"] == "no data"
    assert pd.isna(ind.loc[("F2", "gi_level"), "level_reached"])
    assert ind.loc[("F1", "gi_level"), "level_reached"] == 4
    # complaints lower-is-better: 0 complaints reaches 5, a missing column is no data
    assert ind.loc[("F1", "factory_complaints"), "level_reached"] == 5
    assert ind.loc[("F1", "waste_reused_share"), "status"] == "no data"
    # F2 lacks its core indicator: level 1, and the gap says so
    lv = s.levels.set_index("subject_id")
    assert lv.loc["F2", "level"] == 1
    assert "gi_level" in lv.loc["F2", "gap_text"] and "prerequisite of level 2" in lv.loc["F2", "gap_text"]
    assert "without data" in lv.loc["F2", "rule"]


def test_full_factory_reaches_5_and_what_if_lowers_it():
    cols = dict(gi_level=[5, 5], complaints=[0, 0], waste_reused_share=[0.95, 0.95],
                renewable_energy_share=[0.7, 0.7], water_reuse_share=[0.6, 0.6], local_workers_share=[0.9, 0.9],
                monitoring_disclosed=[True, True], green_share_within_1000=[0.3, 0.3], pop_within_500=[0, 0])
    s = score(ED, _tables(**cols))
    assert list(s.levels["level"]) == [5, 5]
    # GI level 3 caps the factories at 3: gi_level is a core indicator
    s2 = score(ED, _tables(**cols), overrides={"gi_level": 3})
    assert list(s2.levels["level"]) == [3, 3]
    with pytest.raises(ScoringError, match="unknown indicator"):
        score(ED, _tables(**cols), overrides={"nope": 1})


def test_town_aggregate_weights_population():
    com = pd.DataFrame({"name": ["a", "b"], "population": [900, 100], "fac_within_500": [0, 2]},
                       index=pd.Index(["V1", "V2"]))
    town = pd.DataFrame({"name": ["t"]}, index=pd.Index(["T"]))
    s = score(ED, {"town": town, "community": com})
    ind = s.indicators.set_index(["subject_id", "indicator_id"])
    assert ind.loc[("T", "population_beyond_500m"), "value"] == pytest.approx(0.9)
    assert ind.loc[("T", "population_beyond_500m"), "level_reached"] == 4


def test_evidence_errors_name_file_line_and_field(tmp_path: Path):
    p = tmp_path / "ev.csv"
    p.write_text("subject_kind,subject_id,indicator_id,value\n"
                 "town,T,committee_established,yes\n"
                 "town,T,no_such_indicator,1\n"
                 "town,T,energy_renewable_share,lots\n"
                 "town,X,symbiosis_links,3\n", encoding="utf-8")
    with pytest.raises(EvidenceError) as e:
        load_evidence(p, ED, subjects={"town": ["T"]})
    msg = str(e.value)
    assert "line 3, field 'indicator_id'" in msg and "no_such_indicator" in msg
    assert "line 4, field 'value'" in msg and "'lots'" in msg
    assert "line 5, field 'subject_id'" in msg


def test_evidence_reads_thai_excel_cp874_and_percent(tmp_path: Path):
    p = tmp_path / "ev.csv"
    p.write_bytes("subject_kind,subject_id,indicator_id,value,source\n"
                  "town,town,committee_established,มี,คำสั่งจังหวัด\n"
                  "town,town,energy_renewable_share,42%,รายงาน\n".encode("cp874"))
    ev = load_evidence(p, ED, subjects={"town": ["TH600706"]})
    assert ev.loc[("town", "TH600706", "committee_established"), "value"] == 1.0
    assert ev.loc[("town", "TH600706", "energy_renewable_share"), "value"] == pytest.approx(0.42)
    assert ev.loc[("town", "TH600706", "committee_established"), "source"] == "คำสั่งจังหวัด"


def test_edition_problems_carry_line_and_field(tmp_path: Path):
    src = Path(ED.path).read_text(encoding="utf-8")
    bad = src.replace("direction: lower\n    thresholds: {2: 4, 3: 3, 4: 2, 5: 1}",
                      "direction: sideways\n    thresholds: {2: 4, 3: 3, 4: 2, 5: 1}", 1)
    bad = bad.replace("thresholds: {2: 0.10, 3: 0.15, 4: 0.20, 5: 0.30}", "thresholds: {2: 0.10, 3: 0.05}", 1)
    p = tmp_path / "bad.yaml"
    p.write_text(bad, encoding="utf-8")
    probs = validate_edition_file(p)
    texts = [str(x) for x in probs]
    assert any("field 'direction'" in t and "complaints_per_facility" in t and ", line " in t for t in texts)
    assert any("field 'thresholds'" in t and "town_green_share" in t and "asks less" in t for t in texts)
    line = next(x.line for x in probs if x.field == "direction")
    assert "complaints_per_facility" in bad.splitlines()[line - 1]
    with pytest.raises(EditionError):
        load_edition(p)
    assert validate_edition_file(ED.path) == []


def test_unknown_edition_lists_known_ones():
    with pytest.raises(EditionError, match="eit-2022-modelled"):
        load_edition("eit-1999")
