"""Ring distances as one value: the catalog's rings never change what the edition scores (issue 16)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

import geo
from criteria import load_edition, run_assessment, score, validate_edition_file
from criteria.errors import EditionFormatWarning, ScoringError
from layers import CatalogError, load_catalog, sample_catalog_path

ED = load_edition("eit-2022-modelled")


def _sample_with(tmp_path: Path, parameters: str) -> Path:
    """A copy of the bundled sample (with its subfolders) whose catalog has other ``parameters``."""
    folder = tmp_path / "sample"
    shutil.copytree(sample_catalog_path().parent, folder)
    cat = folder / "catalog.yaml"
    text = cat.read_text(encoding="utf-8")
    old = "parameters: {rings_m: [500, 1000, 3000, 5000], green_ring_m: 1000}"
    assert old in text
    cat.write_text(text.replace(old, f"parameters: {parameters}"), encoding="utf-8")
    return cat


@pytest.fixture(scope="module")
def default_run():
    return run_assessment(year=2026)


def test_other_catalog_rings_give_the_same_levels_and_values(tmp_path, default_run):
    a = run_assessment(_sample_with(tmp_path, "{rings_m: [300, 2000], green_ring_m: 1000}"), year=2026)
    assert a.rings_m == [300, 2000] and a.headline_ring_m == 2000  # 1000 m is no ring here: the second ring
    pd.testing.assert_frame_equal(a.levels, default_run.levels)  # every row of levels.csv
    key = ["subject_kind", "subject_id", "indicator_id"]
    got, want = (x.set_index(key)[["value", "status"]] for x in (a.indicators, default_run.indicators))
    pd.testing.assert_frame_equal(got, want)
    assert not (a.indicators["status"].eq("no data") & a.indicators["source_kind"].ne("evidence")
                & a.indicators["indicator_id"].isin([i.id for i in ED.indicators if i.ring_m])).any()
    # the maps and tables show the catalog's rings; the edition's distances are measured for scoring
    assert sorted(a.rings["ring_m"].unique()) == [300, 2000]
    assert set(a.exposure["ring_m"]) <= {300, 2000} and a.exposure["distance_m"].max() <= 2000
    assert {"pop_within_300", "pop_within_500", "pop_within_1000", "pop_within_2000"} <= set(a.facilities.columns)
    assert a.manifest["parameters"]["rings_m"] == [300, 2000]
    assert a.manifest["parameters"]["rings_m_for_scoring"] == [500, 1000, 5000]


def test_an_unmeasured_distance_stops_scoring_naming_indicator_and_distance():
    """The old silent path: a ring column the tables lack used to score as "no data"."""
    fac = pd.DataFrame({"name": ["A"], "gi_level": [3], "green_share_within_1000": [0.2], "pop_within_300": [10.0]},
                       index=pd.Index(["F1"], name="facility_id"))
    with pytest.raises(ScoringError, match=r"'factory_people_within_500m' reads pop_within within 500 m.*"
                                           r"no column 'pop_within_500'"):
        score(ED, {"factory": fac})


def test_edition_measures_name_their_distance():
    ind = ED.indicator("factory_people_within_500m")
    assert ind.source == {"measure": "pop_within", "ring_m": 500} and ind.column == "pop_within_500"
    agg = ED.indicator("population_beyond_500m")
    assert agg.ring_m == 500 and agg.aggregate_spec["column"] == "fac_within_500"
    assert ED.ring_distances() == (500, 1000, 5000)  # 5000: the burden's radius
    assert ED.ring_distances(green=True) == (1000,)


def _edition_with(tmp_path: Path, source: dict, index: int = 0) -> Path:
    raw = yaml.safe_load(Path(ED.path).read_text(encoding="utf-8"))
    ids = [i["id"] for i in raw["indicators"]]
    raw["indicators"][ids.index("factory_people_within_500m") if index is None else index]["source"] = source
    p = tmp_path / "ed.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


@pytest.mark.parametrize("source, words", [
    ({"measure": "pop_within"}, "add ring_m"),
    ({"measure": "pop_within", "ring_m": -5}, "positive whole number"),
    ({"measure": "pop_within", "ring_m": 500.5}, "positive whole number"),
    ({"measure": "gi_level", "ring_m": 500}, "takes no ring_m"),
    ({"measure": "pop_witin", "ring_m": 500}, "no measure 'pop_witin'"),
])
def test_edition_ring_measures_are_checked(tmp_path, source, words):
    texts = [str(x) for x in validate_edition_file(_edition_with(tmp_path, source, index=None))]
    assert any("field 'source.measure'" in t and "factory_people_within_500m" in t and words in t for t in texts), texts


def test_old_style_ring_columns_are_read_with_a_warning(tmp_path):
    p = _edition_with(tmp_path, {"measure": "pop_within_500"}, index=None)
    assert validate_edition_file(p) == []
    with pytest.warns(EditionFormatWarning, match=r"line \d+.*\{measure: pop_within, ring_m: 500\}"):
        ed = load_edition(p)
    assert ed.indicator("factory_people_within_500m").source == {"measure": "pop_within", "ring_m": 500}


def test_ring_distances_are_checked_once_with_the_catalog_named(tmp_path):
    for bad, words in (("{rings_m: [1000, 500]}", "strictly ascending"), ("{rings_m: [500, -1]}", "positive"),
                       ("{rings_m: [500.5]}", "whole number"), ("{ring_m: [500]}", "unknown parameter")):
        with pytest.raises(CatalogError, match=rf"catalog.yaml, field 'parameters': .*{words}"):
            load_catalog(_sample_with(tmp_path / str(abs(hash(bad))), bad))
    with pytest.raises(geo.GeoError, match="unusable ring distances"):
        geo.RingDistances.parse([1000, 1001]).scaled(0.001)


def test_ring_distances_nominal_actual_and_headline():
    r = geo.RingDistances.parse([500, 1000, 3000], green_m=1000, headline_m=1000).with_needed([500, 2000])
    assert r.shown == (500, 1000, 3000) and r.measured == (500, 1000, 2000, 3000) and r.extra == (2000,)
    assert r.headline_m == 1000 and geo.headline_ring([300, 2000], 1000) == 2000 and geo.headline_ring([700], 1) == 700
    s = r.scaled(1.2)
    assert s.measure_arg() == [600, 1200, 2400, 3600] and s.shown_arg(nominal=True) == [500, 1000, 3000]
    assert s.name_of(600) == 500 and s.green_actual_m == 1200
    k = geo.RingDistances.parse({"default": [500, 1000], "mine": [1000, 3000]}).with_needed([500])
    assert k.per_kind and k.measure_arg() == {"default": [500, 1000], "mine": [500, 1000, 3000]}
    assert k.shown == (500, 1000, 3000)


def test_rings_per_kind_in_the_catalog(tmp_path, default_run):
    a = run_assessment(_sample_with(tmp_path, "{rings_m: {default: [500, 1000], mine: [1000, 3000, 5000]}}"),
                       year=2026)
    mines = set(a.facilities.index[a.facilities["kind"] == "mine"])
    bands = a.rings.groupby("facility_id")["ring_m"].apply(tuple)
    assert all(bands[f] == ((1000, 3000, 5000) if f in mines else (500, 1000)) for f in bands.index)
    assert a.manifest["parameters"]["rings_m_by_kind"] == {"default": [500, 1000], "mine": [1000, 3000, 5000]}
    # the edition's distances are measured for every kind: the mines' people within 500 m, the factories' 5 km
    assert not math.isnan(a.facilities.loc[sorted(mines)[0], "pop_within_500"])
    pd.testing.assert_frame_equal(a.indicators.set_index(["subject_kind", "subject_id", "indicator_id"])[["value"]]
                                  .loc[["factory", "mine"]],
                                  default_run.indicators.set_index(["subject_kind", "subject_id", "indicator_id"])
                                  [["value"]].loc[["factory", "mine"]])


def test_the_sensitivity_run_measures_scaled_distances_under_nominal_names():
    a = run_assessment(year=2026, ring_scale=0.8)
    assert a.rings_m == [500, 1000, 3000, 5000] and a.ring_distances.scale == 0.8
    assert sorted(a.rings["ring_m"].unique()) == [400, 800, 2400, 4000]
    assert "pop_within_500" in a.facilities.columns and "pop_within_400" not in a.facilities.columns
