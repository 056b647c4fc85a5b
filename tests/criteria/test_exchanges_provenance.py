"""Issue 17: whose words the criteria are, DIW's entry requirements, and resource exchanges as data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from criteria import load_edition, provenance_sentences, run_assessment, validate_edition_file
from layers import load_catalog
from layers.sample.generate import CANE_FARMERS, FACTORY_IDS
from maps.cli.main import app

runner = CliRunner()
ED = load_edition("eit-2022-modelled")


class _Out:
    def __init__(self, r):
        self.exit_code = r.exit_code
        self.output = " ".join(r.output.split())  # the terminal wraps long lines


def _run(*args: str):
    return _Out(runner.invoke(app, list(args), catch_exceptions=False))


def _edit_edition(tmp_path: Path, fn) -> Path:
    raw = yaml.safe_load(ED.path.read_text(encoding="utf-8"))
    fn(raw)
    p = tmp_path / "edited.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


# ----------------------------------------------------------------------------- provenance

def test_criteria_check_refuses_diw_without_a_source(tmp_path):
    def strip(raw):
        ind = next(i for i in raw["indicators"] if i["id"] == "town_green_share")
        ind["basis"] = "diw"
        ind.pop("scheme", None)
        ind.pop("reference", None)
    p = _edit_edition(tmp_path, strip)
    r = _run("criteria", "check", str(p))
    assert r.exit_code == 4
    assert "field 'reference'" in r.output and "indicator 'town_green_share'" in r.output
    assert "basis 'diw' needs a source" in r.output
    line = next(x.line for x in validate_edition_file(p) if x.field == "reference")
    assert p.read_text(encoding="utf-8").splitlines()[line - 1].lstrip("- ").startswith("id: town_green_share")


@pytest.mark.parametrize("basis,extra,field", [("related_scheme", {"reference": "x"}, "scheme"),
                                                ("corroborated", {}, "reference"),
                                                ("published", {}, "basis"),
                                                ("official", {}, "basis")])
def test_every_basis_rule_is_checked(tmp_path, basis, extra, field):
    def edit(raw):
        ind = next(i for i in raw["indicators"] if i["id"] == "csr_projects")
        ind.update({"basis": basis, **extra})
        ind.pop("scheme", None)
        if "reference" not in extra:
            ind.pop("reference", None)
    probs = validate_edition_file(_edit_edition(tmp_path, edit))
    assert [x.field for x in probs] == [field], probs


def test_level_names_carry_their_basis_and_the_summary_says_level_4_is_modelled():
    en = provenance_sentences(ED, "en", with_sources=False)
    assert en[0].startswith("Level 1 Engagement: name DIW's own words")
    assert en[2].startswith("Level 3 Efficiency: name corroborated")
    assert en[3].startswith("Level 4 Excellence: name and all") and "thresholds modelled" in en[3]
    assert any("none in DIW's own words" in s for s in en)
    th = provenance_sentences(ED, "th")
    assert "ชื่อระดับและเกณฑ์ทั้ง" in th[3] and "จำลองขึ้น" in th[3]


# ----------------------------------------------------------------------------- entry requirements

def test_entry_requirements_are_prerequisites_of_every_level_and_an_open_order_blocks_level_2(tmp_path):
    for r in ED.entry_requirements:
        for iid in r.indicators:
            assert ED.prerequisite_levels(ED.indicator(iid)) == {2, 3, 4, 5}
    a = run_assessment(None, year=2026)
    town = a.indicators[a.indicators["subject_kind"] == "town"].set_index("indicator_id")
    assert town.loc["no_outstanding_orders", "value"] == 1.0
    assert town.loc["certified_management_share", "value"] == pytest.approx(8 / 15, abs=1e-6)
    assert town.loc["dimensions_covered", "value"] == 5
    assert int(a.town["level"]) == 3
    # the same town with one order under the Factory Act still open in 2569: no level above 1
    src = load_catalog().path.parent
    dst = tmp_path / "s"
    shutil.copytree(src, dst)
    orders = dst / "tables" / "factory_orders.csv"
    text = orders.read_text(encoding="utf-8-sig").rstrip("\n")
    orders.write_text(text + f"\nค.003/2569,15/3/2569,{FACTORY_IDS['F09']},บริษัท พลาสติก,มาตรา 37,น้ำเสีย,\n",
                      encoding="utf-8-sig")
    b = run_assessment(dst / "catalog.yaml", year=2026)
    assert int(b.town["level"]) == 1
    assert "no_outstanding_orders" in b.levels.set_index("subject_kind").loc["town", "gap_text"]


# ----------------------------------------------------------------------------- exchanges

def test_exchange_indicators_are_computed_from_the_table_not_the_evidence():
    a = run_assessment(None, year=2026)
    town = a.indicators[a.indicators["subject_kind"] == "town"].set_index("indicator_id")
    assert town.loc["symbiosis_links", "value"] == 10  # the evidence file says 6
    assert town.loc["symbiosis_links", "source_detail"] == "exchange_links"
    assert town.loc["exchange_tonnes_inside", "value"] == 2_039_000
    assert town.loc["residues_used_inside_share", "value"] == pytest.approx(2_039_000 / 2_124_000, abs=1e-6)
    assert set(a.exchanges["year"]) == {2026}  # last year's rows are left out
    sugar = a.facilities.loc[FACTORY_IDS["F01"], "residues_used_inside_share"]
    assert sugar == 1.0
    fert = a.facilities.loc[FACTORY_IDS["F04"], "residues_used_inside_share"]
    assert fert == 0.0  # all of its fertiliser goes to the farmers outside
    r = _run("explain", "town", "--year", "2026")
    assert "Resource exchanges of the year" in r.output and "ชานอ้อย (bagasse)" in r.output


def test_without_an_exchanges_table_the_evidence_number_is_used(tmp_path):
    src = load_catalog().path.parent
    dst = tmp_path / "s"
    shutil.copytree(src, dst)
    cat = dst / "catalog.yaml"
    data = yaml.safe_load(cat.read_text(encoding="utf-8"))
    del data["layers"]["exchanges"]
    cat.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    a = run_assessment(cat, year=2026)
    town = a.indicators[a.indicators["subject_kind"] == "town"].set_index("indicator_id")
    assert town.loc["symbiosis_links", "value"] == 6
    assert "evidence-2026.csv line" in town.loc["symbiosis_links", "source_detail"]
    assert town.loc["exchange_tonnes_inside", "status"] == "no data"
    assert a.exchanges is None


def _project(tmp_path: Path) -> Path:
    src = load_catalog().path.parent
    dst = tmp_path / "p"
    shutil.copytree(src, dst)
    cat = dst / "catalog.yaml"
    data = yaml.safe_load(cat.read_text(encoding="utf-8"))
    del data["layers"]["exchanges"]
    cat.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (dst / "tables" / "exchanges.csv").unlink()
    return cat


def test_layers_add_exchanges_refuses_an_unknown_facility_with_its_line(tmp_path):
    cat = _project(tmp_path)
    bad = tmp_path / "exchanges.csv"
    bad.write_text("from_id,to_id,material,tonnes_per_year,year\n"
                   f"{FACTORY_IDS['F01']},{FACTORY_IDS['F03']},bagasse,650000,2026\n"
                   f"{FACTORY_IDS['F01']},36009999999999,molasses,1000,2026\n", encoding="utf-8")
    before = cat.read_text(encoding="utf-8")
    r = _run("layers", "add", str(bad), "--role", "exchanges", "--catalog", str(cat))
    assert r.exit_code == 3, r.output
    assert "line 3" in r.output and "36009999999999" in r.output and "to_id" in r.output
    assert cat.read_text(encoding="utf-8") == before and not (cat.parent / "tables" / "exchanges.csv").exists()


def test_layers_add_exchanges_stores_a_copy_and_records_it(tmp_path):
    cat = _project(tmp_path)
    good = tmp_path / "flows.csv"
    good.write_text("from_id,to_id,material,tonnes_per_year,year\n"
                    f"{FACTORY_IDS['F01']},{FACTORY_IDS['F03']},bagasse,\"650,000\",2026\n"
                    f"{FACTORY_IDS['F04']},{CANE_FARMERS},fertiliser,70000,2026\n", encoding="utf-8")
    r = _run("layers", "add", str(good), "--role", "exchanges", "--catalog", str(cat))
    assert r.exit_code == 0, r.output
    c = load_catalog(cat)
    spec = c.by_role("exchanges")[0]
    assert spec.source == (cat.parent / "tables" / "flows.csv").resolve()
    assert spec.source.read_bytes() == good.read_bytes()
    chk = _run("layers", "check", "--catalog", str(cat))
    assert chk.exit_code == 0, chk.output
    a = run_assessment(cat, year=2026)
    town = a.indicators[a.indicators["subject_kind"] == "town"].set_index("indicator_id")
    assert town.loc["symbiosis_links", "value"] == 1
    assert town.loc["exchange_tonnes_inside", "value"] == 650_000


# ----------------------------------------------------------------------------- a second edition

def test_the_eip_framework_edition_runs_on_the_sample(tmp_path):
    eip = load_edition("eip-2021")
    assert validate_edition_file(eip.path) == []
    assert [d["id"] for d in eip.dimensions] == ["park_management", "environmental", "social", "economic"]
    assert {lv.provenance.basis for lv in eip.levels} == {"modelled"}
    assert {i.thresholds_provenance.basis for i in eip.indicators} == {"modelled"}
    assert all(r.provenance.scheme == "UNIDO/World Bank/GIZ EIP framework" for r in eip.entry_requirements)
    r = _run("assess", "--edition", "eip-2021", "--year", "2026", "--out", str(tmp_path / "eip"), "-q")
    assert r.exit_code == 0, r.output
    levels = (tmp_path / "eip" / "levels.csv").read_text(encoding="utf-8-sig")
    assert "Partly meets the performance requirements" in levels or "Prerequisites met" in levels
    # the year's evidence file serves both editions; a mistyped id is still refused
    from criteria import load_evidence
    from layers import load_catalog as _lc
    ev = load_evidence(_lc().evidence[2026], eip, subjects={"town": ["TH600706"]})
    assert "csr_projects" not in set(ev.index.get_level_values("indicator_id"))
    bad = tmp_path / "ev.csv"
    bad.write_text("subject_kind,subject_id,indicator_id,value\ntown,TH600706,symbosis_links,3\n", encoding="utf-8")
    with pytest.raises(Exception, match="has no indicator 'symbosis_links'"):
        load_evidence(bad, eip, subjects={"town": ["TH600706"]})
