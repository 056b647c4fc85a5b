"""``ecotown buffer``: matrix and summaries written as CSV and GeoPackage, known answers, clean failures."""

from __future__ import annotations

import hashlib

import pyogrio
from typer.testing import CliRunner

from maps.cli.main import app

runner = CliRunner()


def _csv(path):
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    head = lines[0].split(",")
    return [dict(zip(head, ln.split(","))) for ln in lines[1:]]


def test_buffer_writes_known_answers(tiny_town, tmp_path):
    out = tmp_path / "out"
    r = runner.invoke(app, ["buffer", "-c", str(tiny_town), "--around", "factories,mines", "--communities",
                            "villages", "--rings", "500,1000,5000", "-o", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["buffer.gpkg", "communities.csv", "exposure.csv",
                                                     "facilities.csv"]
    ex = _csv(out / "exposure.csv")
    assert [(e["facility_id"], e["community_id"], e["distance_m"], e["ring_m"]) for e in ex] == [
        ("F1", "V1", "400", "500"), ("F1", "V2", "800", "1000"), ("F1", "V3", "4000", "5000"),
        ("M1", "V1", "4700", "5000"), ("M1", "V2", "4356.604", "5000"), ("M1", "V3", "300", "500")]
    fac = {f["facility_id"]: f for f in _csv(out / "facilities.csv")}
    assert fac["F1"]["pop_within_1000"] == "300" and fac["F1"]["kind"] == "factory"
    assert fac["M1"]["kind"] == "mine" and fac["M1"]["population_method"] == "point"
    com = {c["community_id"]: c for c in _csv(out / "communities.csv")}
    assert com["V3"]["nearest_facility_id"] == "M1" and com["V3"]["fac_within_5000"] == "2"
    assert com["V1"]["name"] == "บ้านหนึ่ง" and com["V1"]["population_method"] == "point"
    layers = {name for name, _ in pyogrio.list_layers(out / "buffer.gpkg")}
    assert layers == {"facilities", "communities", "rings", "exposure"}
    rings = pyogrio.read_dataframe(out / "buffer.gpkg", layer="rings")
    assert len(rings) == 2 * 3 and rings.crs.to_epsg() == 32647


def test_buffer_is_byte_identical_and_kind_rings(tiny_town, tmp_path):
    args = ["buffer", "-c", str(tiny_town), "-q", "--rings", "500,1000,5000", "--kind-rings", "mine=500,1000"]
    digests = []
    for name in ("a", "b"):
        r = runner.invoke(app, [*args, "-o", str(tmp_path / name)], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (tmp_path / name).iterdir()})
    assert digests[0] == digests[1]
    ex = _csv(tmp_path / "a" / "exposure.csv")
    # with rings to 1000 m the mine reaches only V3 (300 m); V1 and V2 (4.7 and 4.4 km) are beyond them
    mine = [(e["community_id"], e["ring_m"]) for e in ex if e["facility_id"] == "M1"]
    assert mine == [("V3", "500")] and {e["kind"] for e in ex} == {"factory", "mine"}
    com = {c["community_id"]: c for c in _csv(tmp_path / "a" / "communities.csv")}
    assert com["V3"]["mine_within_500"] == "1" and com["V3"]["default_within_5000"] == "1"


def test_buffer_bad_input_fails_cleanly(tiny_town, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "exposure.csv").write_text("old", encoding="utf-8")
    r = runner.invoke(app, ["buffer", "-c", str(tiny_town), "--around", "chimneys", "-o", str(out)])
    assert r.exit_code == 3 and "chimneys" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["buffer", "-c", str(tiny_town), "--rings", "1000,500", "-o", str(out)])
    assert r.exit_code == 3 and "ascending" in r.output
    assert (out / "exposure.csv").read_text(encoding="utf-8") == "old"
    assert [p.name for p in out.iterdir()] == ["exposure.csv"]


def test_large_runs_leave_ring_polygons_and_pairs_out_unless_asked(tiny_town, tmp_path, monkeypatch):
    """Above the limits buffer.gpkg keeps facilities and communities only, says so and how to ask; asking puts
    the layers back; the CSV tables are the same either way."""
    from maps.exports import buffer as buffer_mod

    monkeypatch.setattr(buffer_mod, "RING_POLYGONS_MAX", 5)  # 2 facilities x 3 rings = 6 polygons
    monkeypatch.setattr(buffer_mod, "PAIRS_LAYER_LIMIT", 5)   # 6 pairs
    args = ["buffer", "-c", str(tiny_town), "--rings", "500,1000,5000"]
    r = runner.invoke(app, [*args, "-o", str(tmp_path / "auto")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "no ring polygons: 6 (more than 5)" in text and "--ring-polygons" in text
    assert "no exposure layer: its 6 pairs" in text and "--pairs-layer" in text
    assert {n for n, _ in pyogrio.list_layers(tmp_path / "auto" / "buffer.gpkg")} == {"facilities", "communities"}
    r = runner.invoke(app, [*args, "--ring-polygons", "--pairs-layer", "-o", str(tmp_path / "asked")],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "no ring polygons" not in r.output
    assert {n for n, _ in pyogrio.list_layers(tmp_path / "asked" / "buffer.gpkg")} == {
        "facilities", "communities", "rings", "exposure"}
    for name in ("exposure.csv", "facilities.csv", "communities.csv"):
        assert (tmp_path / "auto" / name).read_bytes() == (tmp_path / "asked" / name).read_bytes()
    monkeypatch.undo()  # small runs: --no-ring-polygons leaves them out without a note
    r = runner.invoke(app, [*args, "--no-ring-polygons", "-o", str(tmp_path / "no")], catch_exceptions=False)
    assert "rings" not in {n for n, _ in pyogrio.list_layers(tmp_path / "no" / "buffer.gpkg")}
    assert "no ring polygons" not in r.output


def test_a_town_without_mines_runs_with_the_default_around(tmp_path):
    """The default --around factories,mines passes over a role the catalog has none of; a word that is no layer
    and no role is still refused, and so is a list that names no layer at all."""
    from tests.scale_data import write_project

    cat = write_project("tiny", tmp_path / "p")
    text = cat.read_text(encoding="utf-8")
    cat.write_text("\n".join(ln for ln in text.splitlines() if not ln.strip().startswith("mines:")) + "\n",
                   encoding="utf-8")
    r = runner.invoke(app, ["buffer", "-c", str(cat), "-q", "-o", str(tmp_path / "o")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert {row["kind"] for row in _csv(tmp_path / "o" / "facilities.csv")} == {"factory"}
    r = runner.invoke(app, ["buffer", "-c", str(cat), "--around", "factories,quarries", "-o", str(tmp_path / "x")])
    assert r.exit_code == 3 and "'quarries' is neither a layer name nor a role" in " ".join(r.output.split())
    r = runner.invoke(app, ["buffer", "-c", str(cat), "--around", "mines", "-o", str(tmp_path / "y")])
    assert r.exit_code == 3 and "no layer of role 'mines'" in " ".join(r.output.split())


def test_csv_alone_draws_no_ring_polygons_and_writes_the_same_tables(tiny_town, tmp_path):
    """--format csv writes no layer, so nothing is drawn for one (at province scale the ring polygons were a
    third of the run); the tables are those of the default run."""
    args = ["buffer", "-c", str(tiny_town), "--rings", "500,1000,5000"]
    full = runner.invoke(app, [*args, "-o", str(tmp_path / "full")], catch_exceptions=False)
    assert full.exit_code == 0 and "Drawing 6 ring polygons" in full.output
    r = runner.invoke(app, [*args, "--format", "csv", "--ring-polygons", "-o", str(tmp_path / "csv")],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "Drawing" not in r.output and "buffer.gpkg" not in r.output
    names = sorted(p.name for p in (tmp_path / "csv").iterdir())
    assert names == ["communities.csv", "exposure.csv", "facilities.csv"]
    for n in names:
        assert (tmp_path / "csv" / n).read_bytes() == (tmp_path / "full" / n).read_bytes()
