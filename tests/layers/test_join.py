"""``ecotown layers join``: attribute tables joined to a layer by key — certificate lists, population tables,
complaint logs — checked, kept in tables/, applied on every read for the assessed year; bad tables change nothing."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from layers import LayerValidationError, inspect_layer, load_catalog, read_layer
from layers.catalog import sha256_file
from layers.dates import DateError, parse_date
from tests.layers.addkit import cli, factories, project, tree

REG = ["10600000125469", "10600000125470", "10600000125471"]


@pytest.fixture
def proj(tmp_path) -> Path:
    """boundary, villages V1 (100 people), V2 (200), and three factories keyed by DIW registration number,
    without gi_level or complaints of their own."""
    cat = project(tmp_path)
    src = tmp_path / "src" / "fac.gpkg"
    factories(3, fac_reg=REG).drop(columns=["gi_level", "complaints"]).to_file(src)
    r = cli("layers", "add", src, "--role", "factories", "--name", "factories", "--id-field", "fac_reg",
            "--catalog", cat)
    assert r.exit_code == 0, r.output
    return cat


def cp874_csv(path: Path, rows: list[list[str]]) -> Path:
    """A CSV as Thai Excel saves it: cp874, CRLF."""
    path.write_bytes("\r\n".join(",".join(r) for r in rows).encode("cp874") + b"\r\n")
    return path


def certificates(tmp_path: Path) -> Path:
    # the key comes out of Excel as a float ("...469.0"); dates in Thai writing with Buddhist-era years
    return cp874_csv(tmp_path / "gi_certificates.csv", [
        ["เลขทะเบียนโรงงาน", "ระดับ", "วันที่ออก", "วันหมดอายุ"],
        [f"{REG[0]}.0", "3", "15 มี.ค. 2567", "14 มีนาคม 2570"],      # 2024-03-15 .. 2027-03-14
        [REG[1], "2", "1/6/2565", "31/5/2568"],                       # 2022-06-01 .. 2025-05-31: lapsed in 2026
        [REG[1], "1", "2020-01-10", "2021-01-09"],
    ])


def join_gi(cat: Path, table: Path, *extra: str):
    return cli("layers", "join", table, "--to", "factories", "--on", "เลขทะเบียนโรงงาน", "--map", "ระดับ=gi_level",
               "--aggregate", "max", "--date-field", "วันที่ออก", "--expires-field", "วันหมดอายุ", "--year", "2026",
               "--catalog", cat, *extra)


def gi(cat: Path, year: int) -> dict[str, object]:
    g = read_layer(load_catalog(cat).get("factories"), year)
    return {i: (None if pd.isna(v) else int(v)) for i, v in zip(g["id"], g["gi_level"])}


def test_joined_gi_level_reaches_read_layer_and_an_expired_certificate_does_not_count(proj, tmp_path):
    table = certificates(tmp_path)
    r = join_gi(proj, table)
    assert r.exit_code == 0, r.output
    kept = proj.parent / "tables" / "gi_certificates.csv"
    assert kept.read_bytes() == table.read_bytes()  # byte for byte, cp874 as delivered
    entry = yaml.safe_load(proj.read_text(encoding="utf-8"))["layers"]["factories"]["joins"][0]
    assert entry["name"] == "gi_certificates" and entry["source"] == "tables/gi_certificates.csv"
    assert entry["on"] == "เลขทะเบียนโรงงาน" and entry["fields"] == {"ระดับ": "gi_level"}
    assert entry["aggregate"] == "max" and entry["vintage"] == 2026
    assert entry["source_sha256"] == sha256_file(table) and entry["source_file"] == str(table.resolve())
    # 2026: the first factory's certificate runs to 2027; the second's lapsed on 31 May 2025
    assert gi(proj, 2026) == {REG[0]: 3, REG[1]: None, REG[2]: None}
    # 2024: the second factory's level-2 certificate was valid (its 2020 one had lapsed)
    assert gi(proj, 2024) == {REG[0]: 3, REG[1]: 2, REG[2]: None}
    # 2023: the first factory's certificate was not issued yet
    assert gi(proj, 2023) == {REG[0]: None, REG[1]: 2, REG[2]: None}
    out = " ".join(r.output.split())
    assert "2 of 3 features matched" in out and f"'{REG[2]}'" in out
    assert "2 expired before 1 January 2026; 1 rows used" in out


def test_unmatched_keys_are_reported_at_join_and_at_read(proj, tmp_path):
    table = cp874_csv(tmp_path / "gi.csv", [["เลขทะเบียนโรงงาน", "ระดับ"], [REG[0], "4"], ["10600000999999", "2"],
                                           ["10600000888888", "5"]])
    r = cli("layers", "join", table, "--to", "factories", "--on", "เลขทะเบียนโรงงาน", "--map", "ระดับ=gi_level",
            "--catalog", proj)
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "1 of 3 features matched" in out
    assert "2 feature key(s) have no row in the table" in out and f"'{REG[1]}', '{REG[2]}'" in out
    assert "2 key(s) of the table match no feature: '10600000999999', '10600000888888'" in out
    res = inspect_layer(load_catalog(proj).get("factories"), 2026)
    assert res.gdf is not None and not res.errors
    warn = " ".join(str(p) for p in res.warnings)
    assert "tables/gi.csv" in warn and "'10600000999999'" in warn and f"'{REG[2]}'" in warn
    assert res.joins[0].matched == 1 and res.joins[0].unmatched_keys == ["10600000999999", "10600000888888"]
    r = cli("layers", "check", "factories", "--catalog", proj)
    assert r.exit_code == 0 and "match no feature" in " ".join(r.output.split())


def test_population_from_an_xlsx_reaches_the_villages(proj, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "ประชากร 2569"
    ws.append(["รหัสหมู่บ้าน", "หมู่ที่", "ประชากร", "ครัวเรือน"])
    ws.append(["V1", 1, 1234, 410])
    ws.append(["V2", 2, 87, None])  # households not known: the layer keeps its own (none)
    path = tmp_path / "population.xlsx"
    wb.save(path)
    r = cli("layers", "join", path, "--to", "villages", "--on", "รหัสหมู่บ้าน", "--year", "2026", "--catalog", proj)
    assert r.exit_code == 0, r.output
    entry = yaml.safe_load(proj.read_text(encoding="utf-8"))["layers"]["villages"]["joins"][0]
    # mapped by the role's aliases; the name column is never guessed
    assert entry["fields"] == {"หมู่ที่": "village_no", "ประชากร": "population", "ครัวเรือน": "households"}
    g = read_layer(load_catalog(proj).get("villages"), 2026).set_index("id")
    assert g.loc["V1", "population"] == 1234 and g.loc["V2", "population"] == 87  # was 100 and 200
    assert g.loc["V1", "households"] == 410 and pd.isna(g.loc["V2", "households"])
    r = cli("layers", "show", "villages", "--catalog", proj)
    out = " ".join(r.output.split())
    assert r.exit_code == 0 and "joined table 'population'" in out and "ประชากร→population" in out
    assert "key │ รหัสหมู่บ้าน = id" in out and "rows │ 2; 2 of 2 features matched" in out
    assert sha256_file(path)[:20] in out.replace(" │ ", "").replace("│", "")


def test_count_of_a_complaints_log_counts_only_the_assessed_year(proj, tmp_path):
    rows = [["ลำดับ", "เลขทะเบียนโรงงาน", "วันที่รับเรื่อง", "เรื่อง"]]
    dates0 = ["3/2/2568", "9/11/2568",                            # 2025
              "5 ม.ค. 2569", "20 มิ.ย. 2569", "31/12/2569",       # 2026
              "2 ม.ค. 2570"]                                       # 2027
    for i, d in enumerate(dates0):
        rows.append([str(i + 1), REG[0], d, "กลิ่นเหม็น"])
    rows.append(["7", REG[1], "2026-07-01", "ฝุ่น"])
    log = cp874_csv(tmp_path / "complaints.csv", rows)
    r = cli("layers", "join", log, "--to", "factories", "--on", "เลขทะเบียนโรงงาน", "--map", "เรื่อง=complaints",
            "--aggregate", "count", "--date-field", "วันที่รับเรื่อง", "--catalog", proj)
    assert r.exit_code == 0, r.output
    spec = load_catalog(proj).get("factories")

    def counts(year):
        g = read_layer(spec, year)
        return dict(zip(g["id"], (int(v) for v in g["complaints"])))

    assert counts(2026) == {REG[0]: 3, REG[1]: 1, REG[2]: 0}  # a factory with no complaint has 0, not "no data"
    assert counts(2025) == {REG[0]: 2, REG[1]: 0, REG[2]: 0}
    assert counts(2027) == {REG[0]: 1, REG[1]: 0, REG[2]: 0}


def test_joined_values_reach_the_assessment_and_its_manifest(proj, tmp_path):
    from criteria.assess import run_assessment

    table = certificates(tmp_path)
    assert join_gi(proj, table).exit_code == 0
    a = run_assessment(proj, year=2024)
    assert a.facilities.loc[REG[1], "gi_level"] == 2
    inputs = [i for i in a.manifest["inputs"] if i["role"] == "join"]
    assert inputs == [{"layer": "factories/gi_certificates", "role": "join",
                       "source": str(proj.parent / "tables" / "gi_certificates.csv"), "layer_in_file": None,
                       "sha256": sha256_file(table), "vintage": 2026, "joined_to": "factories",
                       "on": "เลขทะเบียนโรงงาน", "fields": {"ระดับ": "gi_level"}, "aggregate": "max"}]


def test_replace_and_name_taken(proj, tmp_path):
    table = certificates(tmp_path)
    assert join_gi(proj, table).exit_code == 0
    before = tree(proj.parent)
    r = join_gi(proj, table)
    assert r.exit_code == 3 and "already has a join named 'gi_certificates'" in r.output
    assert tree(proj.parent) == before
    r = join_gi(proj, table, "--replace")
    assert r.exit_code == 0, r.output
    assert len(load_catalog(proj).get("factories").joins) == 1


# --- bad input: exit 3, a message naming the file, row and field, and nothing changed ---

def _refused(proj: Path, args: list, *expected: str) -> str:
    before = tree(proj.parent)
    r = cli("layers", "join", *args, "--catalog", proj)
    out = " ".join(r.output.split())
    assert r.exit_code == 3, r.output
    for text in expected:
        assert text in out, (text, out)
    assert tree(proj.parent) == before  # catalog, store and tables byte for byte as they were
    assert not (proj.parent / "tables").exists()
    return out


def test_key_column_that_does_not_exist(proj, tmp_path):
    table = certificates(tmp_path)
    _refused(proj, [table, "--to", "factories", "--on", "ทะเบียน", "--map", "ระดับ=gi_level"],
             str(table.resolve()), "key column (on) 'ทะเบียน' is not in the table",
             "Columns: เลขทะเบียนโรงงาน, ระดับ, วันที่ออก, วันหมดอายุ")


def test_keys_that_match_nothing(proj, tmp_path):
    table = cp874_csv(tmp_path / "gi.csv", [["เลขทะเบียนโรงงาน", "ระดับ"], ["3-20-1/44สบ", "2"],
                                           ["3-20-2/45สบ", "3"]])
    _refused(proj, [table, "--to", "factories", "--on", "เลขทะเบียนโรงงาน", "--map", "ระดับ=gi_level"],
             "no key of the table's column 'เลขทะเบียนโรงงาน' matches layer field 'id'",
             "'3-20-1/44สบ', '3-20-2/45สบ'", f"'{REG[0]}', '{REG[1]}', '{REG[2]}'")


def test_duplicate_keys_without_aggregate(proj, tmp_path):
    table = certificates(tmp_path)
    _refused(proj, [table, "--to", "factories", "--on", "เลขทะเบียนโรงงาน", "--map", "ระดับ=gi_level"],
             "1 key(s) of column 'เลขทะเบียนโรงงาน' appear on more than one row",
             f"'{REG[1]}' on line 3, line 4", "--aggregate")


def test_join_to_a_layer_that_does_not_exist(proj, tmp_path):
    table = certificates(tmp_path)
    _refused(proj, [table, "--to", "factory", "--on", "เลขทะเบียนโรงงาน", "--map", "ระดับ=gi_level"],
             "no layer named 'factory'", "Layers: boundary, villages, factories")


def test_xlsx_with_several_sheets_and_no_sheet(proj, tmp_path):
    wb = openpyxl.Workbook()
    for title in ("2568", "2569"):
        ws = wb.create_sheet(title)
        ws.append(["เลขทะเบียนโรงงาน", "ระดับ"])
        ws.append([REG[0], 2])
    wb.remove(wb["Sheet"])
    path = tmp_path / "gi.xlsx"
    wb.save(path)
    _refused(proj, [path, "--to", "factories", "--on", "เลขทะเบียนโรงงาน", "--map", "ระดับ=gi_level"],
             str(path), "2 sheets (2568, 2569)", "--sheet")
    r = cli("layers", "join", path, "--to", "factories", "--on", "เลขทะเบียนโรงงาน", "--map", "ระดับ=gi_level",
            "--sheet", "2569", "--catalog", proj)
    assert r.exit_code == 0, r.output
    assert load_catalog(proj).get("factories").joins[0].sheet == "2569"
    assert gi(proj, 2026)[REG[0]] == 2


def test_a_date_the_certificate_table_cannot_parse(proj, tmp_path):
    table = cp874_csv(tmp_path / "gi.csv", [["เลขทะเบียนโรงงาน", "ระดับ", "วันที่ออก", "วันหมดอายุ"],
                                           [REG[0], "3", "15 มี.ค. 2567", "14 มี.ค. 2570"],
                                           [REG[1], "2", "1/6/2565", "31 พฤษภา 68"]])
    _refused(proj, [table, "--to", "factories", "--on", "เลขทะเบียนโรงงาน", "--map", "ระดับ=gi_level",
                    "--aggregate", "max", "--date-field", "วันที่ออก", "--expires-field", "วันหมดอายุ"],
             str(table.resolve()), "line 3", "field 'วันหมดอายุ'", "'31 พฤษภา 68'")


def test_a_value_the_role_refuses_names_table_row_and_field(proj, tmp_path):
    table = cp874_csv(tmp_path / "gi.csv", [["เลขทะเบียนโรงงาน", "ระดับ"], [REG[0], "3"], [REG[1], "สูง"]])
    _refused(proj, [table, "--to", "factories", "--on", "เลขทะเบียนโรงงาน", "--map", "ระดับ=gi_level"],
             str(table.resolve()), "line 3", "field 'ระดับ'", "expected a whole number, got 'สูง'", "gi_level")


def test_the_bundled_sample_is_read_only(tmp_path):
    table = certificates(tmp_path)
    r = cli("layers", "join", table, "--to", "factories", "--on", "เลขทะเบียนโรงงาน", "--map", "ระดับ=gi_level",
            "--catalog", load_catalog().path)
    assert r.exit_code == 3 and "read-only" in r.output


def test_a_hand_edited_table_is_checked_at_read_time(proj, tmp_path):
    """Someone edits tables/*.csv by hand: a bad date makes the layer unusable, named by file, line and field."""
    assert join_gi(proj, certificates(tmp_path)).exit_code == 0
    kept = proj.parent / "tables" / "gi_certificates.csv"
    kept.write_bytes(kept.read_bytes().replace("1/6/2565".encode("cp874"), "1/13/2565".encode("cp874")))
    with pytest.raises(LayerValidationError) as err:
        read_layer(load_catalog(proj).get("factories"), 2026)
    msg = str(err.value)
    assert str(kept) in msg and "line 3" in msg and "field 'วันที่ออก'" in msg and "1/13/2565" in msg
    r = cli("layers", "check", "--catalog", proj)
    assert r.exit_code == 3


def test_catalog_join_entries_are_checked(proj, tmp_path):
    data = yaml.safe_load(proj.read_text(encoding="utf-8"))
    (proj.parent / "t.csv").write_text("k,v\nF,1\n", encoding="utf-8")
    data["layers"]["factories"]["joins"] = [{"source": "t.csv", "on": "k", "fields": {"v": "gi_levl"}}]
    proj.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    r = cli("layers", "list", "--catalog", proj)
    assert r.exit_code == 3 and "join 't'" in r.output and "'gi_levl'" in r.output


@pytest.mark.parametrize("text, want", [
    ("15 มี.ค. 2567", (2024, 3, 15)), ("15 มีนาคม 2567", (2024, 3, 15)), ("15 มีนาคม พ.ศ. 2567", (2024, 3, 15)),
    ("15/3/2567", (2024, 3, 15)), ("15-03-2024", (2024, 3, 15)), ("2024-03-15", (2024, 3, 15)),
    ("2024-03-15 00:00:00", (2024, 3, 15)), ("1 ต.ค. 2568", (2025, 10, 1)), ("31 ธค 2569", (2026, 12, 31)),
])
def test_dates_as_offices_write_them(text, want):
    assert parse_date(text).timetuple()[:3] == want


@pytest.mark.parametrize("text", ["13/25/2026", "31/2/2567", "15 มีค. 67", "15 foo 2567", "", "ปีนี้"])
def test_dates_that_are_refused(text):
    with pytest.raises(DateError):
        parse_date(text)


def test_replacing_the_layer_keeps_its_joins_and_removing_it_deletes_its_tables(proj, tmp_path):
    assert join_gi(proj, certificates(tmp_path)).exit_code == 0
    src = tmp_path / "src" / "fac2027.gpkg"
    factories(2, fac_reg=REG[:2]).drop(columns=["gi_level"]).to_file(src)
    r = cli("layers", "add", src, "--role", "factories", "--name", "factories", "--id-field", "fac_reg", "--replace",
            "--catalog", proj)
    assert r.exit_code == 0, r.output
    assert [j.name for j in load_catalog(proj).get("factories").joins] == ["gi_certificates"]
    assert gi(proj, 2026) == {REG[0]: 3, REG[1]: None}
    kept = proj.parent / "tables" / "gi_certificates.csv"
    r = cli("layers", "remove", "factories", "--catalog", proj)
    assert r.exit_code == 0, r.output
    assert not kept.exists() and "factories" not in load_catalog(proj).layers


def test_buffer_reads_joined_tables_for_its_year(proj, tmp_path):
    table = cp874_csv(tmp_path / "pop.csv", [["รหัส", "ประชากร"], ["V1", "5000"], ["V2", "7"]])
    r = cli("layers", "join", table, "--to", "villages", "--on", "รหัส", "--catalog", proj)
    assert r.exit_code == 0, r.output
    out = tmp_path / "buf"
    r = cli("buffer", "--catalog", proj, "--around", "factories", "--year", "2026", "--out", out, "--quiet")
    assert r.exit_code == 0, r.output
    com = pd.read_csv(out / "communities.csv", dtype={"community_id": str}).set_index("community_id")
    assert com.loc["V1", "population"] == 5000 and com.loc["V2", "population"] == 7


@pytest.mark.parametrize("to_field", ["registry_no", "fac_reg"])
def test_to_field_by_canonical_or_source_name_on_a_hand_written_layer(tmp_path, to_field):
    """A catalog written by hand points at the office's own file; the key field is named either way."""
    from layers import join_table

    proj = tmp_path / "p"
    proj.mkdir()
    factories(3, fac_reg=["0105", "0106", "0107"]).to_file(proj / "diw.gpkg")  # registration numbers with a leading zero
    cat = proj / "catalog.yaml"
    cat.write_text("# by hand\nlayers:\n  factories:\n    role: factories\n    source: diw.gpkg\n"
                   "    id_field: ชื่อโรงงาน\n", encoding="utf-8")
    table = cp874_csv(tmp_path / "gi.csv", [["ทะเบียน", "ระดับ"], ["0105", "5"], ["0107", "4"]])
    res = join_table(table, to="factories", on="ทะเบียน", to_field=to_field, fields={"ระดับ": "gi_level"},
                     catalog=cat)
    assert res.report.matched == 2 and res.report.key_field == "fac_reg"
    g = read_layer(load_catalog(cat).get("factories"), 2026).set_index("registry_no")
    assert g["gi_level"].tolist() == [5, 1, 4]  # the second keeps the gi_level of the layer itself
    assert cat.read_text(encoding="utf-8").startswith("# by hand\n")
