"""load_yaml (libyaml where PyYAML has it) reads every YAML file of the project as yaml.safe_load does, and a bad
file fails with the pure-Python loader's message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from geo.yamltext import FAST_LOADER, load_yaml

ROOT = Path(__file__).resolve().parents[2]


def test_libyaml_is_there():
    assert FAST_LOADER is not None  # the wheels of PyYAML carry it; without it load_yaml is only slower


@pytest.mark.parametrize("path", sorted(p for d in ("geo", "layers", "criteria", "maps") for p in (ROOT / d).rglob("*.yaml")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_every_project_yaml_reads_the_same(path):
    text = path.read_text(encoding="utf-8")
    assert load_yaml(text) == yaml.safe_load(text)


def test_bad_yaml_gives_the_pure_python_message():
    bad = "layers:\n  factories:\n    source: a.gpkg\n   role: factories\n"
    with pytest.raises(yaml.YAMLError) as want:
        yaml.safe_load(bad)
    with pytest.raises(yaml.YAMLError) as got:
        load_yaml(bad)
    assert str(got.value) == str(want.value) and "line 4" in str(got.value)
