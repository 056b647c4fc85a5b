"""Criteria editions: YAML files that list levels, dimensions and indicators, loaded and validated.

An edition is data. This module reads it, checks every entry (reporting the line and field of each
problem) and gives the engine a typed, read-only view of it.
"""

from __future__ import annotations

import difflib
import math
import os
import warnings
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from layers import sha256_file

from .aggregates import AGGREGATORS
from .errors import EditionError, EditionFormatWarning
from .measures import GREEN_MEASURE, IMPLIED_RING_M, known_column, measure_problem, ring_column, split_column

__all__ = ["Edition", "Indicator", "Level", "Target", "EntryRequirement", "with_target", "EditionProblem", "load_edition",
           "list_editions", "validate_edition_file", "editions_dirs", "SUBJECT_KINDS", "BASES", "Provenance"]

SUBJECT_KINDS = ("town", "factory", "mine", "community")
METHODS = ("share", "weighted")

SOURCE_KINDS = ("measure", "aggregate", "evidence")
DIRECTIONS = ("higher", "lower")
LEVELS = (1, 2, 3, 4, 5)

#: whose words an item of an edition is (``basis:``): DIW's own (quoted, with its reference), corroborated by a
#: source close to DIW, taken from a related scheme (``scheme:`` names it), or modelled by the ecotown authors.
#: Every basis but ``modelled`` needs a ``reference:`` (an address or a document).
BASES = ("diw", "corroborated", "related_scheme", "modelled")


@dataclass(frozen=True)
class Provenance:
    """Whose words an item is: ``basis`` (one of :data:`BASES`), the ``reference`` (address or document; empty
    only when modelled) and, for ``related_scheme``, the ``scheme`` (IEAT, Green Industry, ...)."""

    basis: str = "modelled"
    reference: str = ""
    scheme: str = ""
    #: why, in a few words (``note:``), e.g. where a modelled name was borrowed from
    note: str = ""

    def label(self, lang: str = "en") -> str:
        if self.basis == "related_scheme":
            return f"{_BASIS_WORDS[lang][self.basis]} ({self.scheme})"
        return _BASIS_WORDS[lang][self.basis]


_BASIS_WORDS = {
    "en": {"diw": "DIW's own words", "corroborated": "corroborated", "related_scheme": "from a related scheme",
           "modelled": "modelled"},
    "th": {"diw": "ถ้อยคำของกรมโรงงานอุตสาหกรรม", "corroborated": "มีแหล่งยืนยัน",
           "related_scheme": "จากเกณฑ์ที่เกี่ยวข้อง", "modelled": "จำลองขึ้น"},
}


@dataclass(frozen=True)
class Level:
    level: int
    name_en: str
    name_th: str
    color: str
    #: whose words the level's name is
    provenance: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class EntryRequirement:
    """One of DIW's entry requirements (``entry_requirements:``): its indicators are prerequisites of every
    level 2-5."""

    id: str
    name_en: str
    name_th: str
    indicators: tuple[str, ...]
    provenance: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it scores, where its value comes from, and the value each level needs."""

    id: str
    subject: str
    dimension: str
    aspect: str
    name_en: str
    name_th: str
    unit: str
    source: dict[str, Any]
    direction: str
    thresholds: dict[int, float]
    core: bool = False
    basis: str = "modelled"
    weight: float = 1.0
    line: int | None = None
    #: False (``counted: false``): a prerequisite only, left out of the share that decides a level (the measure
    #: of an entry requirement, which is not one of the scheme's indicators)
    counted: bool = True
    #: whose words the indicator (its name and theme) is; ``basis`` repeats ``provenance.basis``
    provenance: Provenance = field(default_factory=Provenance)
    #: whose numbers the thresholds are (modelled unless a published source gives them)
    thresholds_provenance: Provenance = field(default_factory=Provenance)

    @cached_property  # read per subject while scoring: computed once (the fields are frozen)
    def source_kind(self) -> str:
        return next(k for k in SOURCE_KINDS if k in self.source)

    @cached_property
    def reads_evidence(self) -> bool:
        """Whether the evidence file gives the value: always (``evidence: true``), or when the measure has no data
        (``or_evidence: true``, e.g. typed-in exchange links when there is no exchanges table)."""
        return self.source_kind == "evidence" or bool(self.source.get("or_evidence"))

    @cached_property
    def ring_m(self) -> int | None:
        """The distance the indicator's measure (or aggregated column) is taken at, in metres; None without one."""
        if self.source_kind == "aggregate":
            return self.source["aggregate"].get("ring_m")
        return self.source.get("ring_m")

    @cached_property
    def measure(self) -> str | None:
        """The measure read (``pop_within``), or the column a town aggregate reads; None for evidence."""
        if self.source_kind == "aggregate":
            return self.source["aggregate"]["column"]
        return self.source.get("measure")

    @cached_property
    def measured_kinds(self) -> tuple[str, ...]:
        """The subject kinds whose table holds the column read (the aggregate's ``from`` kinds)."""
        if self.source_kind == "aggregate":
            frm = self.source["aggregate"]["from"]
            return (frm,) if isinstance(frm, str) else tuple(frm)
        return (self.subject,) if self.source_kind == "measure" else ()

    @cached_property
    def column(self) -> str | None:
        """The table column read: the measure at its distance (``pop_within_500``); None for evidence."""
        m = self.measure
        return None if m is None else ring_column(m, self.ring_m)

    @property
    def aggregate_spec(self) -> dict[str, Any]:
        """The ``aggregate`` source with ``column`` naming the table column (``fac_within_500``)."""
        spec = {k: v for k, v in self.source["aggregate"].items() if k != "ring_m"}
        spec["column"] = self.column
        return spec

    def level_of(self, value: float) -> int:
        """The highest level whose threshold ``value`` meets (1 when it meets none)."""
        reached = 1
        for lv in sorted(self.thresholds):
            if self.meets(value, lv):
                reached = lv
            else:
                break
        return reached

    def meets(self, value: float, level: int) -> bool:
        """Whether ``value`` meets the threshold of ``level`` (a level without a threshold is met)."""
        t = self.thresholds.get(level)
        if t is None:
            return True
        return value >= t if self.direction == "higher" else value <= t

    def describe_source(self) -> str:
        kind = self.source_kind
        if kind == "measure":
            return f"column '{self.column}'"
        if kind == "aggregate":
            a = self.aggregate_spec
            frm = a["from"] if isinstance(a["from"], str) else "+".join(a["from"])
            extra = f" {a['value']}" if "value" in a else ""
            return f"{a['fn']}({frm}.{a['column']}{extra})"
        return "evidence file"


@dataclass(frozen=True)
class Edition:
    id: str
    path: Path
    sha256: str
    title_en: str
    title_th: str
    version: str
    levels: list[Level]
    pass_share: dict[int, float]
    dimensions: list[dict[str, str]]
    subjects: dict[str, dict[str, str]]
    indicators: list[Indicator] = field(default_factory=list)
    method: str = "share"
    weights_sum: float | None = None
    prerequisites: dict[int, list[str]] = field(default_factory=dict)
    green_industry_levels: dict[int, dict[str, str]] = field(default_factory=dict)
    target: Target | None = None
    entry_requirements: list[EntryRequirement] = field(default_factory=list)
    #: the edition's own reference (``reference:``)
    reference: str = ""

    def prerequisite_levels(self, ind: Indicator) -> set[int]:
        """The levels (2-5) that ``ind`` is a prerequisite of: listed under ``prerequisites``, marked ``core``,
        or the measure of an entry requirement (a prerequisite of every level)."""
        out = {lv for lv, ids in self.prerequisites.items() if ind.id in ids}
        if ind.core or self.entry_requirement_of(ind.id) is not None:
            out |= {2, 3, 4, 5}
        return out

    def entry_requirement_of(self, ind_id: str) -> EntryRequirement | None:
        """The entry requirement ``ind_id`` measures, if any."""
        return next((r for r in self.entry_requirements if ind_id in r.indicators), None)

    def level(self, n: int) -> Level:
        return self.levels[n - 1]

    def for_subject(self, kind: str) -> list[Indicator]:
        return [i for i in self.indicators if i.subject == kind]

    def ring_distances(self, *, green: bool = False) -> tuple[int, ...]:
        """Every distance the indicators read (metres, ascending): of the exposure measures (and the burden's
        radius when it is read), or with ``green=True`` of the green-land share. The assessment measures all of them, whatever the catalog's
        rings."""
        out = {i.ring_m for i in self.indicators if i.ring_m is not None and (i.measure == GREEN_MEASURE) == green}
        if not green:  # a measure that reads pairs out to a fixed distance (the burden: 5 km)
            out |= {IMPLIED_RING_M[i.measure] for i in self.indicators if i.measure in IMPLIED_RING_M}
        return tuple(sorted(out))

    def indicator(self, ind_id: str) -> Indicator:
        for i in self.indicators:
            if i.id == ind_id:
                return i
        raise EditionError(f"edition '{self.id}' ({self.path}) has no indicator '{ind_id}'")

    def dimension_name(self, dim_id: str) -> dict[str, str]:
        for d in self.dimensions:
            if d["id"] == dim_id:
                return d
        raise EditionError(f"edition '{self.id}' has no dimension '{dim_id}'")


@dataclass(frozen=True)
class EditionProblem:
    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}" + (f", line {self.line}" if self.line else "")
        fld = f", field '{self.field}'" if self.field else ""
        return f"{where}{fld}: {self.message}"


# --------------------------------------------------------------------------- the target level and year


@dataclass(frozen=True)
class Target:
    """The level towns aim at and the Gregorian year to reach it by (``target:`` of the edition file, which the
    catalog may override), e.g. the national target: level 4 by พ.ศ. 2570 (2027)."""

    level: int
    year: int
    note_th: str = ""
    note_en: str = ""

    @property
    def year_be(self) -> int:
        return self.year + 543


def _target_problems(raw: Any, path: str) -> list[EditionProblem]:
    """What is wrong with the edition's ``target:`` (it may be left out)."""
    if not isinstance(raw, dict) or raw.get("target") is None:
        return []
    t = raw["target"]
    line = getattr(t, "line", None) or getattr(raw, "line", None)
    if not isinstance(t, dict):
        return [EditionProblem(path, line, "target", "must be a mapping like {level: 4, year: 2027}")]
    probs = []
    levels = {lv.get("level") for lv in raw.get("levels") or [] if isinstance(lv, dict)}
    if not isinstance(t.get("level"), int) or isinstance(t.get("level"), bool) or t["level"] not in levels:
        probs.append(EditionProblem(path, line, "target.level", f"must be one of the edition's levels "
                                    f"{sorted(x for x in levels if isinstance(x, int))}, got {t.get('level')!r}"))
    if not isinstance(t.get("year"), int) or isinstance(t.get("year"), bool) or not 1900 <= t["year"] <= 2200:
        probs.append(EditionProblem(path, line, "target.year", f"must be a Gregorian year such as 2027 "
                                    f"(พ.ศ. 2570 - 543), got {t.get('year')!r}"))
    for k in set(t) - {"level", "year", "note_th", "note_en"}:
        probs.append(EditionProblem(path, line, f"target.{k}", "unknown key (known: level, year, note_th, note_en)"))
    return probs


def _target(raw: dict) -> Target | None:
    t = raw.get("target")
    if t is None:
        return None
    return Target(level=int(t["level"]), year=int(t["year"]), note_th=str(t.get("note_th") or ""),
                  note_en=str(t.get("note_en") or ""))


def with_target(edition: Edition, target: dict[str, int] | None) -> Edition:
    """``edition`` aiming at ``target`` (``{"level": 4, "year": 2027}``, a catalog's own target) instead of its
    own; unchanged when ``target`` is None."""
    if target is None:
        return edition
    if target["level"] not in {lv.level for lv in edition.levels}:
        raise EditionError(f"the catalog's target level {target['level']} is not a level of the criteria edition "
                           f"'{edition.id}' ({edition.path}): levels are {[lv.level for lv in edition.levels]}")
    return replace(edition, target=Target(level=int(target["level"]), year=int(target["year"])))


# --------------------------------------------------------------------------- YAML with line numbers

class _LineDict(dict):
    line: int | None = None


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    d = _LineDict(loader.construct_mapping(node, deep=True))
    d.line = node.start_mark.line + 1
    return d


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# --------------------------------------------------------------------------- finding editions

def editions_dirs() -> list[Path]:
    """Folders searched for edition files: $ECOTOWN_CRITERIA_DIR (if set), then the bundled ones."""
    out = []
    extra = os.environ.get("ECOTOWN_CRITERIA_DIR")
    if extra:
        out.append(Path(extra))
    out.append(Path(str(files("criteria") / "editions")))
    return out


def list_editions() -> list[str]:
    """Ids (file stems) of every edition found, sorted."""
    ids: set[str] = set()
    for d in editions_dirs():
        if d.is_dir():
            ids.update(p.stem for p in d.glob("*.yaml"))
    return sorted(ids)


def _find(ref: str | Path) -> Path:
    p = Path(ref)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.exists():
            raise EditionError(f"criteria edition file not found: {p}")
        return p
    for d in editions_dirs():
        cand = d / f"{ref}.yaml"
        if cand.exists():
            return cand
    known = ", ".join(list_editions()) or "none"
    raise EditionError(f"no criteria edition named '{ref}' (known editions: {known})")


# --------------------------------------------------------------------------- validation

def _measure_problem(kind: str, name: Any, ring_m: Any) -> str | None:
    """Why ``name`` (at ``ring_m``) is not a column of ``kind`` tables; an old-style ring column passes."""
    if isinstance(name, str) and ring_m is None and known_column(kind, name):
        return None
    return measure_problem(kind, name, ring_m)


def _provenance_problems(item: dict, line: int | None, label: str, path: str, *, prefix: str = ""
                         ) -> list[EditionProblem]:
    """What is wrong with an item's ``basis`` / ``reference`` / ``scheme`` (``prefix``: ``thresholds_``)."""
    b, r, sch = item.get(f"{prefix}basis"), item.get(f"{prefix}reference"), item.get(f"{prefix}scheme")
    fb, fr, fs = f"{prefix}basis", f"{prefix}reference", f"{prefix}scheme"
    if b is None:
        if prefix:  # thresholds without a basis are modelled
            b = "modelled"
        else:
            return [EditionProblem(path, line, fb, f"{label} has no basis: say whose words it is, one of "
                                   f"{', '.join(BASES)}")]
    if b == "published":
        return [EditionProblem(path, line, fb, f"{label}: basis 'published' no longer says whose words these are; "
                               "write diw (DIW's own words, with reference:), corroborated (with reference:), "
                               "related_scheme (with scheme: and reference:) or modelled")]
    if b not in BASES:
        return [EditionProblem(path, line, fb, f"{label}: basis {b!r} must be one of {', '.join(BASES)}")]
    out = []
    if b != "modelled" and (not isinstance(r, str) or not r.strip()):
        out.append(EditionProblem(path, line, fr, f"{label}: basis '{b}' needs a source: give reference: (the "
                                  "address or the document that says it), or mark it modelled"))
    if b == "related_scheme" and (not isinstance(sch, str) or not sch.strip()):
        out.append(EditionProblem(path, line, fs, f"{label}: basis 'related_scheme' needs scheme: (which scheme: "
                                  "IEAT, Green Industry, Eco Factory, MIND, UNIDO/World Bank/GIZ EIP framework ...)"))
    if b != "related_scheme" and sch:
        out.append(EditionProblem(path, line, fs, f"{label}: scheme: is only for basis related_scheme "
                                  f"(basis is '{b}')"))
    return out


def _provenance(item: dict, prefix: str = "") -> Provenance:
    return Provenance(basis=str(item.get(f"{prefix}basis") or "modelled"),
                      reference=str(item.get(f"{prefix}reference") or "").strip(),
                      scheme=str(item.get(f"{prefix}scheme") or "").strip(),
                      note="" if prefix else str(item.get("note") or "").strip())


def _entry_problems(raw: dict, path: str, known: set[str]) -> list[EditionProblem]:
    """What is wrong with ``entry_requirements:`` (a list of requirements, each naming its indicators)."""
    er = raw.get("entry_requirements")
    if er is None:
        return []
    top = getattr(raw, "line", 1)
    if not isinstance(er, list):
        return [EditionProblem(path, top, "entry_requirements", "must be a list of requirements, each with id, "
                               "name_en, name_th, basis, reference and indicators")]
    probs: list[EditionProblem] = []
    for req in er:
        line = getattr(req, "line", top)
        if not isinstance(req, dict):
            probs.append(EditionProblem(path, line, "entry_requirements", f"a requirement must be a mapping, "
                                        f"found {req!r}"))
            continue
        label = f"entry requirement '{req.get('id')}'"
        for k in ("id", "name_en", "name_th"):
            if not req.get(k):
                probs.append(EditionProblem(path, line, k, f"{label} has no {k}"))
        probs += _provenance_problems(req, line, label, path)
        ids = req.get("indicators")
        if not isinstance(ids, list) or not ids:
            probs.append(EditionProblem(path, line, "indicators", f"{label}: indicators must list the indicator "
                                        "ids that measure it"))
            continue
        for iid in ids:
            if iid not in known:
                near = difflib.get_close_matches(str(iid), sorted(known), n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                probs.append(EditionProblem(path, line, "indicators", f"{label}: unknown indicator id '{iid}'{hint}"))
    return probs


def _check(raw: Any, path: str) -> list[EditionProblem]:
    probs: list[EditionProblem] = []

    def bad(line, fld, msg):
        probs.append(EditionProblem(path, line, fld, msg))

    if not isinstance(raw, dict):
        return [EditionProblem(path, 1, None, "an edition file must be a YAML mapping (id, levels, indicators, ...)")]
    top = getattr(raw, "line", 1)
    for key in ("id", "title_en", "levels", "pass_share", "dimensions", "indicators"):
        if key not in raw:
            bad(top, key, "missing")
    levels = raw.get("levels") or []
    if isinstance(levels, list):
        got = [lv.get("level") for lv in levels if isinstance(lv, dict)]
        if got != list(LEVELS):
            bad(getattr(levels[0], "line", top) if levels else top, "levels",
                f"must list levels 1 to 5 in order, found {got}")
        for lv in levels:
            if isinstance(lv, dict):
                for k in ("name_en", "name_th"):
                    if not lv.get(k):
                        bad(getattr(lv, "line", None), k, f"level {lv.get('level')} has no {k}")
                probs.extend(_provenance_problems(lv, getattr(lv, "line", None),
                                                  f"the name of level {lv.get('level')}", path))
    ps = raw.get("pass_share") or {}
    if isinstance(ps, dict):
        for k, v in ps.items():
            if k not in (2, 3, 4, 5):
                bad(getattr(ps, "line", None), "pass_share", f"level {k!r} must be 2, 3, 4 or 5")
            elif not isinstance(v, (int, float)) or not 0 < v <= 1:
                bad(getattr(ps, "line", None), "pass_share", f"level {k}: share {v!r} must be between 0 and 1")
    dims = {d.get("id") for d in raw.get("dimensions") or [] if isinstance(d, dict)}
    seen: set[str] = set()
    for ind in raw.get("indicators") or []:
        line = getattr(ind, "line", None)
        if not isinstance(ind, dict):
            bad(line, None, f"an indicator must be a mapping, found {ind!r}")
            continue
        iid = ind.get("id")
        label = f"indicator '{iid}'"
        if not iid or not isinstance(iid, str):
            bad(line, "id", "an indicator has no id")
        elif iid in seen:
            bad(line, "id", f"{label} is listed twice")
        seen.add(str(iid))
        for k in ("name_en", "name_th", "aspect"):
            if not ind.get(k):
                bad(line, k, f"{label} has no {k}")
        if ind.get("subject") not in SUBJECT_KINDS:
            bad(line, "subject", f"{label}: subject {ind.get('subject')!r} must be one of {', '.join(SUBJECT_KINDS)}")
        if ind.get("dimension") not in dims:
            bad(line, "dimension", f"{label}: dimension {ind.get('dimension')!r} is not one of {', '.join(sorted(map(str, dims)))}")
        if ind.get("direction") not in DIRECTIONS:
            bad(line, "direction", f"{label}: direction {ind.get('direction')!r} must be 'higher' or 'lower'")
        src = ind.get("source")
        kinds = [k for k in SOURCE_KINDS if isinstance(src, dict) and k in src]
        if not isinstance(src, dict) or len(kinds) != 1 or set(src) - {kinds[0], "ring_m", "or_evidence"} or (
                "ring_m" in src and kinds[0] != "measure") or ("or_evidence" in src and (
                kinds[0] != "measure" or src["or_evidence"] is not True)):
            bad(line, "source", f"{label}: source must be one of {{measure: NAME}}, {{measure: NAME, ring_m: METRES}}, "
                "{measure: NAME, or_evidence: true} (the evidence file when the measure has no data), "
                "{aggregate: ...}, {evidence: true}")
        elif "aggregate" in src:
            agg = src["aggregate"]
            if not isinstance(agg, dict):
                bad(line, "source", f"{label}: aggregate must be a mapping with from, fn, column")
            else:
                if agg.get("fn") not in AGGREGATORS:
                    bad(line, "source.aggregate.fn", f"{label}: unknown aggregate function {agg.get('fn')!r} "
                        f"(known: {', '.join(sorted(AGGREGATORS))})")
                frm = agg.get("from")
                frm_l = [frm] if isinstance(frm, str) else (frm or [])
                if not frm_l or any(f not in SUBJECT_KINDS for f in frm_l):
                    bad(line, "source.aggregate.from", f"{label}: 'from' {frm!r} must name subject kinds")
                if not agg.get("column"):
                    bad(line, "source.aggregate.column", f"{label}: aggregate needs a column")
                for k in (f for f in frm_l if f in SUBJECT_KINDS):
                    why = _measure_problem(k, agg["column"], agg.get("ring_m")) if agg.get("column") else None
                    if why:
                        bad(line, "source.aggregate.column", f"{label}: {why}")
        elif "measure" in src and ind.get("subject") in SUBJECT_KINDS:
            why = _measure_problem(ind["subject"], src["measure"], src.get("ring_m"))
            if why:
                bad(line, "source.measure", f"{label}: {why}")
        probs.extend(_provenance_problems(ind, line, label, path))
        probs.extend(_provenance_problems(ind, line, f"{label} (its thresholds)", path, prefix="thresholds_"))
        w = ind.get("weight", 1)
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not w > 0:
            bad(line, "weight", f"{label}: weight {w!r} must be a positive number")
        th = ind.get("thresholds")
        if not isinstance(th, dict) or not th:
            bad(line, "thresholds", f"{label}: thresholds must map levels 2-5 to values")
        else:
            prev = None
            for k in sorted(th, key=lambda x: (not isinstance(x, int), x)):
                v = th[k]
                if k not in (2, 3, 4, 5):
                    bad(line, "thresholds", f"{label}: level {k!r} must be 2, 3, 4 or 5")
                    continue
                if not isinstance(v, (int, float)) or isinstance(v, bool):
                    bad(line, "thresholds", f"{label}: level {k} threshold {v!r} is not a number")
                    continue
                if prev is not None:
                    worse = v < prev if ind.get("direction") == "higher" else v > prev
                    if worse:
                        bad(line, "thresholds", f"{label}: level {k} asks less ({v}) than a lower level ({prev})")
                prev = v
    scoring = raw.get("scoring") or {}
    method = scoring.get("method", "share") if isinstance(scoring, dict) else None
    if method not in METHODS:
        bad(getattr(scoring, "line", top), "scoring.method", f"method {method!r} must be one of {', '.join(METHODS)}")
    if method == "weighted":
        target = scoring.get("weights_sum", 1.0)
        for kind in SUBJECT_KINDS:
            ws = [i.get("weight", 1) for i in raw.get("indicators") or []
                  if isinstance(i, dict) and i.get("subject") == kind and isinstance(i.get("weight", 1), (int, float))
                  and i.get("counted", True) is not False]
            if ws and not math.isclose(sum(ws), float(target), rel_tol=1e-6, abs_tol=1e-9):
                bad(getattr(scoring, "line", top), "weight",
                    f"the weights of {kind} indicators add up to {sum(ws):g}, not {target:g} (scoring.weights_sum)")
    pre = raw.get("prerequisites") or {}
    if not isinstance(pre, dict):
        bad(top, "prerequisites", "must map levels 2-5 to lists of indicator ids")
    else:
        for lv, ids in pre.items():
            where = getattr(pre, "line", top)
            if lv not in (2, 3, 4, 5):
                bad(where, "prerequisites", f"level {lv!r} must be 2, 3, 4 or 5")
            for iid in ids if isinstance(ids, list) else [ids]:
                if iid not in seen:
                    near = difflib.get_close_matches(str(iid), sorted(seen), n=1)
                    hint = f" (did you mean '{near[0]}'?)" if near else ""
                    bad(where, "prerequisites", f"level {lv}: unknown indicator id '{iid}'{hint}")
    probs.extend(_entry_problems(raw, path, seen))
    return probs


def _read_raw(p: Path) -> Any:
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise EditionError(f"cannot read criteria edition {p}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise EditionError(f"{p}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark else ""
        raise EditionError(f"{p}{line}: not valid YAML ({getattr(e, 'problem', None) or e})") from None


def validate_edition_file(path: str | Path) -> list[EditionProblem]:
    """Every problem of an edition file (empty when it is fine)."""
    p = Path(path)
    try:
        raw = _read_raw(p)
    except EditionError as e:
        return [EditionProblem(str(p), None, None, str(e))]
    return _check(raw, str(p)) + _target_problems(raw, str(p))


def load_edition(ref: str | Path) -> Edition:
    """Load an edition by id (e.g. ``eit-2022-modelled``) or by file path; raise EditionError if it is invalid."""
    p = _find(ref)
    raw = _read_raw(p)
    probs = _check(raw, str(p)) + _target_problems(raw, str(p))
    if probs:
        raise EditionError(f"criteria edition {p} has {len(probs)} problem(s):\n  " +
                           "\n  ".join(str(x) for x in probs))
    inds = [Indicator(id=i["id"], subject=i["subject"], dimension=i["dimension"], aspect=i["aspect"],
                      name_en=i["name_en"], name_th=i["name_th"], unit=str(i.get("unit", "")),
                      source=_source(i, p), direction=i["direction"],
                      thresholds={int(k): float(v) for k, v in i["thresholds"].items()},
                      core=bool(i.get("core", False)), basis=str(i.get("basis", "modelled")),
                      weight=float(i.get("weight", 1.0)), line=getattr(i, "line", None),
                      provenance=_provenance(i), thresholds_provenance=_provenance(i, "thresholds_"),
                      counted=bool(i.get("counted", True)))
            for i in raw["indicators"]]
    return Edition(
        id=str(raw["id"]), path=p.resolve(), sha256=sha256_file(p),
        title_en=str(raw["title_en"]), title_th=str(raw.get("title_th", raw["title_en"])),
        version=str(raw.get("version", "")),
        levels=[Level(int(lv["level"]), lv["name_en"], lv["name_th"], lv.get("color", "#888888"), _provenance(lv))
                for lv in raw["levels"]],
        pass_share={int(k): float(v) for k, v in raw["pass_share"].items()},
        dimensions=[dict(d) for d in raw["dimensions"]],
        subjects={k: dict(v) for k, v in (raw.get("subjects") or {}).items()},
        indicators=inds,
        method=str((raw.get("scoring") or {}).get("method", "share")),
        weights_sum=(raw.get("scoring") or {}).get("weights_sum"),
        prerequisites={int(k): list(v) for k, v in (raw.get("prerequisites") or {}).items()},
        green_industry_levels={int(k): dict(v) for k, v in (raw.get("green_industry_levels") or {}).items()},
        target=_target(raw),
        entry_requirements=[EntryRequirement(id=str(r["id"]), name_en=str(r["name_en"]), name_th=str(r["name_th"]),
                                             indicators=tuple(map(str, r["indicators"])), provenance=_provenance(r))
                            for r in raw.get("entry_requirements") or []],
        reference=str(raw.get("reference") or ""),
    )


def _source(ind: dict, path: Path) -> dict[str, Any]:
    """An indicator's source in the current form: a distance is ``ring_m``, never part of a column name.

    An old-style ring column (``{measure: pop_within_500}``) is read as ``{measure: pop_within, ring_m: 500}``
    with an :class:`EditionFormatWarning` that names the file, the line and the new form.
    """
    src = dict(ind["source"])
    kind = next(k for k in SOURCE_KINDS if k in src)
    where = f"{path}" + (f", line {ind.line}" if getattr(ind, "line", None) else "") + f": indicator '{ind['id']}'"
    if kind == "measure":
        old = split_column(ind["subject"], src["measure"]) if "ring_m" not in src else None
        if old:
            warnings.warn(f"{where}: 'measure: {src['measure']}' names its distance in the column; write "
                          f"{{measure: {old[0]}, ring_m: {old[1]}}} (the old form will stop being read)",
                          EditionFormatWarning, stacklevel=3)
            return {"measure": old[0], "ring_m": old[1]}
        return {"measure": src["measure"], **({"ring_m": int(src["ring_m"])} if "ring_m" in src else {}),
                **({"or_evidence": True} if src.get("or_evidence") else {})}
    if kind == "aggregate":
        agg = dict(src["aggregate"])
        frm = agg["from"] if isinstance(agg["from"], str) else agg["from"][0]
        old = split_column(frm, agg["column"]) if "ring_m" not in agg else None
        if old:
            warnings.warn(f"{where}: 'column: {agg['column']}' names its distance in the column; write "
                          f"column: {old[0]}, ring_m: {old[1]} (the old form will stop being read)",
                          EditionFormatWarning, stacklevel=3)
            agg["column"], agg["ring_m"] = old
        return {"aggregate": agg}
    return src
