"""One report model, two templates: the summary ``report.html`` of ``ecotown assess`` and the annual report render
the same :class:`~maps.report.ReportModel`; no template or report module writes a ring distance; the ring columns
follow the catalog's rings; the data health rows come from what the run recorded."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from criteria import run_assessment
from layers.sample.generate import FACTORY_IDS
from maps.cli.main import app
from maps.history import HistoryStore
from maps.report import build_report, render_annual_html, render_summary_html

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "maps" / "report" / "templates"
ARTIFACTS = ROOT / "tests" / "_artifacts"
F02 = FACTORY_IDS["F02"]


def _section(html: str, section_id: str) -> str:
    """The HTML from the heading ``id=section_id`` to the next ``<h2``."""
    return html.split(f'id="{section_id}"', 1)[1].split("<h2", 1)[0]


def _first_cells(table_html: str) -> list[str]:
    return re.findall(r"<tr><td>([^<]*)</td>", table_html)


@pytest.fixture(scope="module")
def model(two_years):
    """The 2026 model with the stored 2025 record as the comparison base."""
    history = HistoryStore(two_years["history"]).load_all()
    return build_report(two_years["a2026"], lang="th", history=history, figures=False)


def test_summary_and_annual_show_the_model_rows(model):
    summary, annual = render_summary_html(model), render_annual_html(model)
    want_fac = list(model.tables["facilities"]["facility_id"])
    want_com = list(model.tables["communities"]["community_id"])
    for html in (summary, annual):
        assert _first_cells(_section(html, "facilities")) == want_fac
        assert _first_cells(_section(html, "communities")) == want_com
    # the summary's town indicators are the model's, in its order
    ids = re.findall(r"· (\w+) · \w+</span>", _section(summary, "indicators"))
    assert ids == list(model.tables["town_indicators"]["indicator_id"])


def test_a_value_changed_in_the_model_shows_in_both_reports(two_years):
    rep = build_report(two_years["a2026"], lang="en", figures=False)
    fac = rep.tables["facilities"]
    row = fac.index[fac["facility_id"] == F02][0]
    head = rep.context["headline_ring"]
    fac.loc[row, "name"] = "Renamed in the model"
    fac.loc[row, f"pop_within_{head}"] = 987654
    rep.tables["town_indicators"].loc[0, "needs_next"] = "needs set in the model"
    rep.context["summary"][0] = "A sentence written into the model."
    for html in (render_summary_html(rep), render_annual_html(rep)):
        assert "Renamed in the model" in html and "987,654" in html
        assert "needs set in the model" in html and "A sentence written into the model." in html


#: ring distances as numbers of their own (not inside a longer number, a sha256 or a colour)
RING_NUMBER = re.compile(r"(?<![\w#.,])(?:500|1,?000|2,?000|3,?000|5,?000)(?![\w.,])|\b1 ?(?:km|กม)")


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.j2")) + [TEMPLATES / "report-strings.yaml"],
                         ids=lambda p: p.name)
def test_no_template_writes_a_ring_distance(path):
    found = [(i, line.strip()) for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if RING_NUMBER.search(line)]
    assert found == [], f"{path.name} writes ring distances: {found}"


@pytest.mark.parametrize("module", ["maps/report/model.py", "maps/report/render.py", "maps/web/buffer_map.py"])
def test_no_report_or_buffer_map_module_picks_a_ring_distance(module):
    code = (ROOT / module).read_text(encoding="utf-8")
    assert not RING_NUMBER.search(code), RING_NUMBER.search(code)
    assert "_within_(" not in code and "1000 in" not in code


def test_the_ring_regex_catches_what_it_should():
    assert RING_NUMBER.search("<th>People ≤ 500 m</th>") and RING_NUMBER.search("within 1,000 m")
    assert RING_NUMBER.search("ในระยะ 1 กม.") and RING_NUMBER.search("rings[1000]")
    assert not RING_NUMBER.search("#f5000a") and not RING_NUMBER.search("max: 1000000000")
    assert not RING_NUMBER.search("width: 1100px") and not RING_NUMBER.search("5000.5")


def _tiny_with_rings(tiny_town: Path, rings) -> Path:
    data = yaml.safe_load(tiny_town.read_text(encoding="utf-8"))
    data["parameters"] = {"rings_m": rings}
    tiny_town.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return tiny_town


def _ring_heads(table_html: str) -> list[str]:
    return re.findall(r'<th class="num ring" data-ring="(\d+)">', table_html)


def test_summary_ring_columns_follow_the_catalog_rings(tiny_town):
    a = run_assessment(_tiny_with_rings(tiny_town, [300, 2000]), year=2026)
    assert a.rings_m == [300, 2000] and a.headline_ring_m == 2000
    rep = build_report(a, lang="en", figures=False)
    assert rep.context["near_rings"] == [300, 2000]
    html = render_summary_html(rep)
    fac, com = _section(html, "facilities"), _section(html, "communities")
    assert _ring_heads(fac) == ["300", "2000"] and _ring_heads(com) == ["300", "2000"]
    assert "Village / หมู่บ้าน ≤ 2000 m" in fac  # villages within the headline ring
    assert not re.search(r"(Population|Facility|Village) / \S+ ≤ (500|1000) m", fac + com)
    assert "Green land / พื้นที่สีเขียว ≤ 1000 m" in fac  # the green distance is the catalog's green_ring_m
    assert list(rep.tables["facilities"].columns[7:9]) == ["pop_within_300", "pop_within_2000"]
    assert "villages_within_2000" in rep.tables["facilities"]
    # the default rings: the columns up to the headline ring (1000 m)
    default = build_report(run_assessment(_tiny_with_rings(tiny_town, [500, 1000, 3000, 5000]), year=2026),
                           lang="en", figures=False)
    assert _ring_heads(_section(render_summary_html(default), "facilities")) == ["500", "1000"]


def test_data_health_is_what_the_run_recorded_without_reopening_inputs(tiny_town, two_years):
    a = run_assessment(tiny_town, year=2026)
    gpkg = tiny_town.parent / "town.gpkg"
    sha = {i["layer"]: i["sha256"] for i in a.inputs}
    gpkg.unlink()  # the report must not need the input files any more
    health = build_report(a, lang="en", figures=False).tables["data_health"].set_index("layer")
    assert health.loc["factories", "sha256"] == sha["factories"] and health.loc["factories", "features"] == 1
    assert health.loc["villages", "features"] == 3 and health.loc["villages", "conversion"] == "none"
    assert health.loc["villages", "source_crs"] == "EPSG:32647"
    # the sample: lon/lat and Indian 1975 layers converted, joined tables and the evidence file without conversion
    h26 = build_report(two_years["a2026"], lang="en", figures=False).tables["data_health"]
    by_role = h26.set_index("layer")
    assert by_role.loc["factories", "conversion"] == "EPSG:4326 → EPSG:32647"
    assert by_role.loc["mines", "conversion"] == "EPSG:24047 → EPSG:32647"
    tables = h26[h26["role"].isin(["join", "evidence"])]
    assert len(tables) >= 8 and (tables["conversion"] == "").all() and tables["features"].isna().all()


@pytest.mark.browser
def test_assess_summary_report_in_chromium(tiny_town, tmp_path, browser_page):
    page, requests, errors = browser_page
    out = tmp_path / "out"
    cat = _tiny_with_rings(tiny_town, [300, 2000])
    r = CliRunner().invoke(app, ["assess", "-c", str(cat), "--year", "2026", "--out", str(out), "-q",
                                 "--history", str(tmp_path / "h.sqlite")])
    assert r.exit_code == 0, r.output
    page.goto((out / "report.html").as_uri())
    page.wait_for_selector("#inputs ~ table")
    assert page.title().startswith("รายงานระดับเมืองอุตสาหกรรมเชิงนิเวศ")
    heads = page.eval_on_selector_all("#facilities + table th.ring", "els => els.map(e => e.dataset.ring)")
    assert heads[:2] == ["300", "2000"]
    # one row per facility and per village, every input with its full sha256
    assert page.locator("#facilities + table tr").count() == 1 + 2
    assert page.locator("#communities + table tr").count() == 1 + 3
    shas = page.eval_on_selector_all("#inputs ~ table td.mono", "els => els.map(e => e.textContent)")
    assert len(shas) == 4 and all(re.fullmatch(r"[0-9a-f]{64}", s) for s in shas)
    for heading in ("level", "summary", "dimensions", "indicators", "methods"):
        assert page.locator(f"#{heading}").is_visible()
    assert not errors and all(u.startswith(("file:", "data:")) for u in requests)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "summary-report-300-2000.png"), full_page=True)
    shutil.copy(out / "report.html", ARTIFACTS / "summary-report-300-2000.html")
