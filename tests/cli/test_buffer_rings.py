"""``ecotown buffer`` takes the catalog's rings per facility kind (``cat.rings.shown_arg()``), not their union."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from layers import load_catalog
from maps.cli.main import app
from maps.exports import buffer_rings

PER_KIND = {"default": [500, 1000], "mine": [1000, 3000]}


def _csv(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    head = lines[0].split(",")
    return [dict(zip(head, ln.split(","))) for ln in lines[1:]]


def _with_rings(catalog: Path, rings) -> Path:
    data = yaml.safe_load(catalog.read_text(encoding="utf-8"))
    data["parameters"] = {"rings_m": rings}
    catalog.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return catalog


def test_buffer_rings_per_kind_from_the_catalog(tiny_town):
    cat = load_catalog(_with_rings(tiny_town, PER_KIND))
    assert buffer_rings(cat) == PER_KIND
    assert buffer_rings(cat, kind_rings={"mine": [2000]}) == {"default": [500, 1000], "mine": [2000]}
    assert buffer_rings(cat, [250, 750]) == [250, 750]  # --rings replaces the catalog's rings for every kind
    assert buffer_rings(cat, [250], {"mine": [900]}) == {"default": [250], "mine": [900]}


def test_ecotown_buffer_uses_the_catalogs_rings_per_kind(tiny_town, tmp_path):
    """Factory F1: villages at 400 m, 800 m and 4 km; mine M1: V3 at 300 m, V1 and V2 at 4.4-4.7 km. With rings
    {default: [500, 1000], mine: [1000, 3000]} the factory reaches V1 (500) and V2 (1000), the mine V3 in its
    1000 m ring; with the union of the rings for every kind (500, 1000, 3000) the mine's V3 would be in a 500 m
    ring."""
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["buffer", "-c", str(_with_rings(tiny_town, PER_KIND)), "-o", str(out), "-q"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    pairs = [(e["facility_id"], e["community_id"], e["ring_m"]) for e in _csv(out / "exposure.csv")]
    assert pairs == [("F1", "V1", "500"), ("F1", "V2", "1000"), ("M1", "V3", "1000")]
    com = {c["community_id"]: c for c in _csv(out / "communities.csv")}
    assert com["V3"]["mine_within_1000"] == "1" and com["V3"]["mine_within_3000"] == "1"
    assert com["V1"]["default_within_500"] == "1" and "mine_within_500" not in com["V1"]
