"""The target level and year come from the criteria edition (``target:``); a catalog may set its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from criteria import load_edition, validate_edition_file
from criteria.edition import with_target
from criteria.errors import EditionError
from layers import CatalogError, load_catalog, sample_catalog_path

EDITION = load_edition("eit-2022-modelled")


def test_the_bundled_edition_aims_at_level_4_by_2027():
    t = EDITION.target
    assert (t.level, t.year, t.year_be) == (4, 2027, 2570)
    assert "2570" in t.note_th and "2027" in t.note_en


def _edition_with(tmp_path: Path, target_yaml: str) -> Path:
    text = EDITION.path.read_text(encoding="utf-8")
    start = text.index("target:\n")
    end = text.index("\n\n", start)
    p = tmp_path / "edition.yaml"
    p.write_text(text[:start] + target_yaml + text[end:], encoding="utf-8")
    return p


@pytest.mark.parametrize("target, field", [("target: {level: 7, year: 2027}", "target.level"),
                                           ("target: {level: 4, year: 2570}", "target.year"),
                                           ("target: {level: 4, year: 2027, by: me}", "target.by"),
                                           ("target: level 4", "target")])
def test_a_wrong_target_is_named_with_file_and_field(tmp_path, target, field):
    p = _edition_with(tmp_path, target)
    assert [x.field for x in validate_edition_file(p)] == [field]
    with pytest.raises(EditionError, match=field.replace(".", r"\.")):
        load_edition(p)


def test_an_edition_may_leave_the_target_out(tmp_path):
    assert load_edition(_edition_with(tmp_path, "# no target")).target is None


def _sample_with(tmp_path: Path, line: str) -> Path:
    folder = tmp_path / "sample"
    shutil.copytree(sample_catalog_path().parent, folder)
    cat = folder / "catalog.yaml"
    cat.write_text(cat.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    return cat


def test_the_catalog_target_overrides_the_edition(tmp_path):
    assert load_catalog().target is None
    c = load_catalog(_sample_with(tmp_path, "target: {level: 3, year: 2030}"))
    assert c.target == {"level": 3, "year": 2030}
    t = with_target(EDITION, c.target).target
    assert (t.level, t.year, t.year_be) == (3, 2030, 2573)
    assert with_target(EDITION, None) is EDITION
    with pytest.raises(EditionError, match="target level 9"):
        with_target(EDITION, {"level": 9, "year": 2030})


@pytest.mark.parametrize("target", ["{level: 4}", "{level: four, year: 2027}", "{level: 4, year: 2570}"])
def test_a_wrong_catalog_target_is_named(tmp_path, target):
    with pytest.raises(CatalogError, match="target"):
        load_catalog(_sample_with(tmp_path, f"target: {target}"))


def test_the_assessment_and_its_report_use_the_catalog_target(tmp_path):
    from criteria import run_assessment
    from maps.report import build_report

    a = run_assessment(_sample_with(tmp_path, "target: {level: 3, year: 2030}"), year=2026)
    assert (a.edition.target.level, a.edition.target.year) == (3, 2030)
    summary = build_report(a, lang="en", figures=False).tables["summary"].iloc[0]
    assert (summary["target_level"], summary["target_year"], summary["target_year_be"]) == (3, 2030, 2573)
