"""What-if scenarios: planned actions as a YAML file, turned into indicator values to re-score with.

::

    name: แผนปี 2570 / Plan for 2027
    changes:
      - {indicator: gi_level, subject: F06, value: 3, note: GI level 3 audit booked}
      - {indicator: town_green_share, value: 0.21}
      - {indicator: internal_audit_done, value: yes}

A change without ``subject`` applies to every subject the indicator scores. A change to a measured
indicator of a factory, mine or village also changes the town values aggregated from it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from geo.yamltext import load_yaml

from .edition import Edition
from .errors import CriteriaError
from .evidence import parse_value

__all__ = ["load_scenario", "ScenarioError"]


class ScenarioError(CriteriaError):
    """A scenario file cannot be used."""


def load_scenario(path: str | Path, edition: Edition) -> tuple[str, dict[str, float]]:
    """(scenario name, what-if values keyed ``INDICATOR`` or ``SUBJECT:INDICATOR``)."""
    p = Path(path)
    try:
        raw = load_yaml(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise ScenarioError(f"cannot read scenario {p}: {e.strerror or e}") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise ScenarioError(f"{p}{f', line {mark.line + 1}' if mark else ''}: not valid YAML") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("changes"), list):
        raise ScenarioError(f"{p}: a scenario needs a list 'changes' of {{indicator, subject?, value}}")
    known = {i.id for i in edition.indicators}
    out: dict[str, float] = {}
    problems = []
    for n, ch in enumerate(raw["changes"], start=1):
        where = f"{p}, change {n}"
        if not isinstance(ch, dict):
            problems.append(f"{where}: must be a mapping with indicator and value")
            continue
        iid = str(ch.get("indicator", ""))
        if iid not in known:
            problems.append(f"{where}, field 'indicator': edition '{edition.id}' has no indicator '{iid}'")
            continue
        try:
            v = parse_value(str(ch.get("value", "")).replace("True", "yes").replace("False", "no"))
        except ValueError as e:
            problems.append(f"{where}, field 'value': {e}")
            continue
        key = f"{ch['subject']}:{iid}" if ch.get("subject") else iid
        out[key] = v
    if problems:
        raise ScenarioError(f"scenario {p} has {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return str(raw.get("name") or p.stem), out
