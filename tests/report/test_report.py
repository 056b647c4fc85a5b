"""The annual report on two years of the sample: Thai PDF (looked at as PNG, text extracted), HTML in Chromium,
XLSX and CSV tables, and re-creating it from its manifest."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from maps.cli.main import app

from layers.sample.generate import FACTORY_IDS, VILLAGE_IDS

from .conftest import CLOSED_ID, THAI_TEST_NAME, edit_registry, rename_factory

F02, F03, F15 = FACTORY_IDS["F02"], FACTORY_IDS["F03"], FACTORY_IDS["F15"]
V04 = VILLAGE_IDS["V04"]

ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts"

pytestmark = pytest.mark.slow  # renders the annual PDF report (about 8 s, shared by most tests here)


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def th_report(two_years) -> Path:
    out = two_years["root"] / "out" / "report-2026"
    r = CliRunner().invoke(app, ["report", "--catalog", str(two_years["cat2026"]), "--year", "2026", "--out",
                                 str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    return out


def test_report_files_and_tables(th_report):
    names = {p.name for p in th_report.iterdir()}
    for n in ("report-2026-th.pdf", "report-2026-th.html", "report-2026-th.xlsx", "report-manifest.json",
              "report-summary.csv", "report-facilities.csv", "report-communities.csv", "report-level_changes.csv",
              "report-level-map.png", "report-buffer-map.png", "report-level-per-year.png"):
        assert n in names, n
    assert not [n for n in names if n.startswith(".")]  # no temp files left
    fac = pd.read_csv(th_report / "report-facilities.csv", encoding="utf-8-sig", dtype={"facility_id": str})
    fac = fac.set_index("facility_id")
    assert fac.loc[F15, "change"] == "new" and pd.isna(fac.loc[F15, "level_last_year"])
    assert CLOSED_ID not in fac.index
    assert fac.loc[F02, "name"] == THAI_TEST_NAME
    hist = pd.read_csv(th_report / "report-level_history.csv", encoding="utf-8-sig")
    assert list(hist["year"]) == [2025, 2026] and list(hist["year_be"]) == [2568, 2569]
    summary = pd.read_csv(th_report / "report-summary.csv", encoding="utf-8-sig").iloc[0]
    assert (summary["name"], summary["year_be"], summary["target_level"], summary["target_year_be"]) == (
        "หนองโพ", 2569, 4, 2570)
    assert summary["previous_year"] == 2025
    rc = pd.read_csv(th_report / "report-ring_changes.csv", encoding="utf-8-sig", dtype={"community_id": str})
    assert ((rc["community_id"] == V04) & (rc["ring_m"] == 500) & (rc["status"] == "newly outside")).sum() == 1
    ti = pd.read_csv(th_report / "report-town_indicators.csv", encoding="utf-8-sig").set_index("indicator_id")
    # gap to the next level: what a failing indicator lacks, in its own unit
    failing = ti[ti["passes_next"] == "no"]
    assert len(failing) and (failing["gap"] > 0).all()
    for r in failing.itertuples():
        want = r.threshold_next - r.value if r.direction == "higher" else r.value - r.threshold_next
        assert r.gap == pytest.approx(max(want, 0)) or r.unit == "yes/no"


def _as_source(text: str) -> str:
    """Extracted PDF text in the source's spelling. Two things differ only in encoding, not in text:
    * HarfBuzz draws SARA AM (U+0E33) as NIKHAHIT + SARA AA glyphs (a tone mark sits between consonant and
      NIKHAHIT), so extraction spells it U+0E4D [tone] U+0E32; that is folded back to U+0E33;
    * marks above and below come out in drawing order (tone before SARA UU); Unicode NFC puts them in canonical
      order, in which the source already is (NFC of the source is the source)."""
    folded = re.sub("\u0e4d([\u0e48-\u0e4b]?)\u0e32", "\\1\u0e33", text)
    return unicodedata.normalize("NFC", folded)


def test_pdf_thai_text_is_the_source_text(th_report):
    pdf = th_report / "report-2026-th.pdf"
    raw = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True,
                         text=True).stdout
    flat = _as_source(" ".join(raw.split()))
    assert unicodedata.normalize("NFC", THAI_TEST_NAME) == THAI_TEST_NAME
    f02 = [line for line in raw.splitlines() if line.startswith(F02)]
    assert f02 and THAI_TEST_NAME in _as_source(f02[0]), f02  # tone marks over upper vowels, above and below
    assert "หนองโพ" in flat and "บทสรุปผู้บริหาร" in flat and "พ.ศ. 2569" in flat
    assert "บ้านหนองตะเคียน" in flat  # village V04
    assert "\ufffd" not in raw and "\u25cc" not in raw  # no replacement characters, no dotted circles
    # words with SARA AM: the same text once SARA AM is folded back
    assert "สำนักงานอุตสาหกรรมจังหวัด" in flat and "ประจำปี พ.ศ. 2569" in flat


def test_pdf_pages_as_png(th_report):
    pdf = th_report / "report-2026-th.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 9
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / "report-2026-th"
    for old in ARTIFACTS.glob("report-2026-th-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(prefix)], check=True)
    pngs = sorted(ARTIFACTS.glob("report-2026-th-*.png"))
    assert len(pngs) == pages
    from PIL import Image

    for i, p in enumerate(pngs):
        im = Image.open(p).convert("L")
        dark = sum(im.histogram()[:128])
        # the last page may hold only the closing note (a heading and one line: about 270 dark pixels at 60 dpi;
        # the grey page number counts none)
        assert dark > (150 if i == len(pngs) - 1 else 500), f"{p.name} is (nearly) blank"
    # the manifest travels inside the PDF as an attachment, equal to report-manifest.json
    listing = subprocess.run(["pdfdetach", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "manifest.json" in listing
    got = ARTIFACTS / "report-2026-th-manifest.json"
    subprocess.run(["pdfdetach", "-save", "1", "-o", str(got), str(pdf)], check=True)
    assert json.loads(got.read_text(encoding="utf-8")) == json.loads(
        (th_report / "report-manifest.json").read_text(encoding="utf-8"))


def test_html_report_in_browser(th_report, browser_page):
    page, requests, errors = browser_page
    html = th_report / "report-2026-th.html"
    page.goto(html.as_uri())
    assert page.title().startswith("รายงานระดับเมืองอุตสาหกรรมเชิงนิเวศ")
    embedded = page.evaluate("JSON.parse(document.getElementById('ecotown-manifest').textContent)")
    on_disk = json.loads((th_report / "report-manifest.json").read_text(encoding="utf-8"))
    assert embedded == on_disk
    imgs = page.evaluate("Array.from(document.images).map(i => [i.naturalWidth, i.complete])")
    assert len(imgs) >= 4 and all(w > 100 and ok for w, ok in imgs)
    assert THAI_TEST_NAME in page.inner_text("#facilities ~ table")
    assert not errors
    assert all(u.startswith(("file:", "data:")) for u in requests)
    page.screenshot(path=str(ARTIFACTS / "report-2026-th-html.png"), full_page=False)


def test_xlsx_one_sheet_per_table(th_report):
    from openpyxl import load_workbook

    wb = load_workbook(th_report / "report-2026-th.xlsx", read_only=True)
    csvs = sorted(p.name[len("report-"):-4] for p in th_report.glob("report-*.csv"))
    assert sorted(wb.sheetnames) == csvs
    ws = wb["facilities"]
    rows = list(ws.iter_rows(values_only=True))
    fac = pd.read_csv(th_report / "report-facilities.csv", encoding="utf-8-sig", dtype={"facility_id": str})
    assert list(rows[0]) == list(fac.columns) and len(rows) == len(fac) + 1
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id[F02][2] == THAI_TEST_NAME and by_id[F15][list(fac.columns).index("change")] == "new"


def test_rerun_gives_the_same_tables_byte_for_byte(th_report, two_years, tmp_path):
    out = tmp_path / "again"
    r = CliRunner().invoke(app, ["report", "--rerun", str(th_report / "report-manifest.json"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "byte for byte" in r.output
    csvs = sorted(th_report.glob("report-*.csv"))
    assert csvs and all(_sha(p) == _sha(out / p.name) for p in csvs)
    assert _sha(th_report / "report-2026-th.xlsx") == _sha(out / "report-2026-th.xlsx")


def test_rerun_names_the_changed_input(th_report, two_years, tmp_path):
    # a copy of the 2026 folder and of its report, then the evidence file changes
    y = tmp_path / "y2026"
    shutil.copytree(two_years["y2026"], y)
    hist = tmp_path / "out" / "ecotown-history.sqlite"
    hist.parent.mkdir()
    shutil.copy2(two_years["history"], hist)
    rep = tmp_path / "out" / "report"
    r = CliRunner().invoke(app, ["report", "--catalog", str(y / "catalog.yaml"), "--year", "2026", "--out",
                                 str(rep), "--format", "html", "--quiet"])
    assert r.exit_code == 0, r.output
    before = {p.name: _sha(p) for p in rep.iterdir()}
    ev = y / "evidence-2026.csv"
    ev.write_text(ev.read_text(encoding="utf-8-sig").replace("energy_renewable_share,0.42",
                                                             "energy_renewable_share,0.55"), encoding="utf-8")
    r = CliRunner().invoke(app, ["report", "--rerun", str(rep / "report-manifest.json")], env={"COLUMNS": "300"})
    assert r.exit_code == 6, r.output
    msg = " ".join(r.output.split())
    assert "evidence-2026.csv" in msg and "changed" in msg and "report-town_indicators.csv" in msg
    assert "Nothing was written" in msg
    assert {p.name: _sha(p) for p in rep.iterdir()} == before


def test_english_report_and_escaping(two_years, tmp_path):
    y = tmp_path / "y"
    shutil.copytree(two_years["y2026"], y)
    edit_registry(y, rename_factory(F03, "<script>alert(1)</script> & Co"))
    cat = (y / "catalog.yaml").read_text(encoding="utf-8")
    (y / "catalog.yaml").write_text(cat.replace("name: Nong Pho eco-industrial town (sample)",
                                                "name: '</script><b>x</b>'"), encoding="utf-8")
    out = tmp_path / "en"
    r = CliRunner().invoke(app, ["report", "--catalog", str(y / "catalog.yaml"), "--year", "2026", "--lang", "en",
                                 "--format", "html", "--out", str(out), "--history", str(tmp_path / "none.sqlite")])
    assert r.exit_code == 0, r.output
    html = (out / "report-2026-en.html").read_text(encoding="utf-8")
    assert "Eco-industrial town level report" in html and "Executive summary" in html
    assert "บทสรุปผู้บริหาร" not in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert "</script><b>" not in html and "\\u003c/script\\u003e" in html
    assert html.count("</script>") == 1  # only the manifest's own closing tag
    assert "No earlier year in the history" in html


def test_report_usage_errors(two_years, tmp_path):
    r = CliRunner().invoke(app, ["report", "--catalog", str(two_years["cat2026"]), "--year", "2026", "--format",
                                 "docx", "--out", str(tmp_path / "x")])
    assert r.exit_code == 6 and "docx" in r.output
    bad = tmp_path / "m.json"
    bad.write_text("{}", encoding="utf-8")
    r = CliRunner().invoke(app, ["report", "--rerun", str(bad)])
    assert r.exit_code == 6 and "not a report manifest" in r.output


def test_atlas_has_one_page_per_facility_with_its_thai_gap(two_years):
    out = two_years["root"] / "out" / "atlas"
    r = CliRunner().invoke(app, ["report", "--catalog", str(two_years["cat2026"]), "--year", "2026", "--out",
                                 str(out), "--format", "html", "--atlas", "--quiet"])
    assert r.exit_code == 0, r.output
    html = (out / "report-2026-th.html").read_text(encoding="utf-8")
    a = two_years["a2026"]
    ids = re.findall(r'<section class="atlas" id="atlas-([^"]+)"', html)
    assert sorted(ids) == sorted(map(str, a.facilities.index))
    below5 = a.facilities[a.facilities["level"] < 5]
    fid = str(below5.index[0])
    section = html.split(f'id="atlas-{fid}"', 1)[1].split("</section>", 1)[0]
    assert "เพื่อให้ถึงระดับ" in section  # the Thai gap, not the English one
    assert section.count("<tr>") >= len(a.edition.for_subject(below5.loc[fid, "kind"]))
    assert f'alt="{fid}"' in section  # the facility's own map excerpt
