"""Value vocabularies: source words (Thai or English, any case) turned into the canonical values of a field.

A field of a role can name a vocabulary in ``roles.yaml`` (``vocabulary: mine_vocab.yaml#status``): a section of a
YAML file beside this module. A section is::

    status:
      match: words          # words (case, spaces, dashes folded; Thai digits read) or diw_code
      unknown: keep         # keep (kept as written, one warning listing them) | refuse (did you mean ...)
      unknown_note: ...     # optional sentence added to the warning about unknown values
      terms:                # canonical value -> the words that mean it (the value itself always does)
        active: [ยังไม่หมดอายุ, operating]

A section with ``entries`` instead of ``terms`` is a code list (the DIW factory types): each code is a canonical
value, and its entry carries data another field is derived from (``derive:`` in ``roles.yaml``).

The vocabularies are data: adding a word is an edit of the YAML file, nothing else.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd
import yaml

from geo.yamltext import load_yaml

from .errors import CatalogError

__all__ = ["Vocabulary", "Translation", "load_vocabulary", "fold", "diw_code", "derive_fields"]

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SEPARATORS = re.compile(r"[\s_\-.]+")
_CODE = re.compile(r"^0*(\d{1,3})(?:\(0*(\d{1,3})\))?$")
_CODE_PREFIX = re.compile(r"^(ลำดับที่|ลำดับ|ประเภทที่|ประเภท|no\.?|type)\s*", re.IGNORECASE)


def fold(text: Any) -> str:
    """How words are compared: NFC, lower case, Thai digits as 0-9, runs of spaces, '_', '-' and '.' as one '_'."""
    s = unicodedata.normalize("NFC", str(text)).translate(_THAI_DIGITS).strip().lower()
    return _SEPARATORS.sub("_", s).strip("_")


def diw_code(text: Any) -> str:
    """A DIW factory type code written as ``13(1)``: ``13 (1)``, ``๑๓(๑)``, ``ลำดับที่ 13(1)``, ``013(01)`` and the
    five-digit form ``01301`` all give ``13(1)``; ``89`` stays ``89``. Text that is not a code comes back trimmed."""
    s = unicodedata.normalize("NFC", str(text)).translate(_THAI_DIGITS).strip()
    s = s.replace("（", "(").replace("）", ")")
    s = _CODE_PREFIX.sub("", s)
    s = re.sub(r"\s+", "", s)
    if re.fullmatch(r"\d{5}", s):  # DIW's five-digit form: three digits of the type, two of the sub-type
        main, sub = int(s[:3]), int(s[3:])
        return f"{main}({sub})" if sub else str(main)
    m = _CODE.match(s)
    if m is None:
        return str(text).strip()
    return f"{int(m.group(1))}({int(m.group(2))})" if m.group(2) else str(int(m.group(1)))


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


_UNSEEN = object()

#: a text column of this many values is translated by its distinct words (pandas.factorize), not value by value
FACTORIZE_FROM = 1000


def _remember(seen: dict, v: Any, res: Any) -> None:
    try:
        if len(seen) < 100_000:
            seen[(type(v), v)] = res
    except TypeError:  # unhashable
        pass


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


@dataclass(frozen=True)
class Translation:
    """A column translated: canonical values where known; unknown values kept (``kept``) or refused (``refused``)."""

    values: list
    kept: frozenset = frozenset()
    refused: dict = field(default_factory=dict)  # source value -> message
    warning: str | None = None


@dataclass(frozen=True)
class Vocabulary:
    """One section of a vocabulary file."""

    ref: str
    match: str  # "words" or "diw_code"
    unknown: str  # "keep" or "refuse"
    lookup: dict[str, str]  # folded word (or normalised code) -> canonical value
    canon: tuple[str, ...]
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    unknown_note: str = ""

    def key(self, v: Any) -> str:
        return diw_code(v) if self.match == "diw_code" else fold(v)

    def find(self, v: Any) -> str | None:
        """The canonical value ``v`` stands for, or None. A DIW code ``13(4)`` not listed falls back to ``13``."""
        k = self.key(v)
        hit = self.lookup.get(k)
        if hit is None and self.match == "diw_code" and "(" in k:
            hit = self.lookup.get(k.split("(", 1)[0])
        return hit

    def entry(self, v: Any) -> dict[str, Any] | None:
        """The code list entry of ``v`` (for ``entries`` sections), or None."""
        hit = self.find(v)
        return None if hit is None else self.entries.get(hit)

    def translate(self, values: list, field_name: str) -> Translation:
        kept: dict[str, None] = {}
        refused: dict[str, str] = {}
        if len(values) >= FACTORIZE_FROM and set(map(type, values)) <= {str, float, type(None)} and \
                all(v != v for v in values if type(v) is float):
            # text with blanks (None / NaN), the usual column: each distinct word looked up once, in order of
            # first appearance (so the warning lists them as the loop below would), then spread by its codes
            arr = np.empty(len(values), dtype=object)
            arr[:] = values
            codes, uniques = pd.factorize(arr, use_na_sentinel=True)
            words = [u if _missing(u) else self._word(u, field_name, kept, refused) for u in uniques]
            out = np.array(words + [None], dtype=object)[codes]
            blank = codes < 0
            out[blank] = arr[blank]  # None stays None and NaN stays NaN, as written
            return self._translation(out.tolist(), kept, refused, field_name)
        out: list = []
        seen: dict[tuple[type, Any], Any] = {}  # a column repeats few words: look each one up once
        for v in values:
            if _missing(v):
                out.append(v)
                continue
            try:
                memo = seen.get((type(v), v), _UNSEEN)
            except TypeError:  # unhashable
                memo = _UNSEEN
            if memo is not _UNSEEN:
                out.append(memo)
                continue
            res = self._word(v, field_name, kept, refused)
            out.append(res)
            _remember(seen, v, res)
        return self._translation(out, kept, refused, field_name)

    def _word(self, v: Any, field_name: str, kept: dict[str, None], refused: dict[str, str]) -> Any:
        """The canonical value of one (not missing) source value; an unknown one is noted in ``kept`` or
        ``refused``."""
        hit = self.find(v)
        if hit is not None:
            # a code keeps the sub-type it was written with (13(4)), in its normal form
            return self.key(v) if self.match == "diw_code" else hit
        text = self.key(v) if self.match == "diw_code" else _text(v)
        if self.unknown == "keep":
            kept[text] = None
        elif text not in refused:
            near = difflib.get_close_matches(fold(text), list(self.canon), n=1, cutoff=0.6)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            refused[text] = (f"value {text!r} is not a known {field_name}{hint} Use one of: "
                             f"{', '.join(self.canon)} (or a word listed in layers/{self.ref.split('#')[0]})")
        return text

    def _translation(self, out: list, kept: dict[str, None], refused: dict[str, str],
                     field_name: str) -> Translation:
        warning = None
        if kept:
            listed = ", ".join(repr(k) for k in list(kept)[:20]) + (" ..." if len(kept) > 20 else "")
            warning = (f"{len(kept)} value(s) of '{field_name}' are not in layers/{self.ref.split('#')[0]} and are "
                       f"kept as written: {listed}" + (f"; {self.unknown_note}" if self.unknown_note else "") +
                       f". Add them to the '{self.ref.split('#')[1]}' section of that file to map them")
        return Translation(values=out, kept=frozenset(kept), refused=refused, warning=warning)


@lru_cache(maxsize=None)
def _file(name: str) -> dict[str, Any]:
    try:
        data = load_yaml((files(__package__) / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"vocabulary file layers/{name} not found (named in layers/roles.yaml)") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"layers/{name}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CatalogError(f"layers/{name}: expected sections of terms")
    return data


@lru_cache(maxsize=None)
def load_vocabulary(ref: str) -> Vocabulary:
    """The vocabulary ``FILE.yaml#SECTION`` beside this module."""
    name, sep, section = ref.partition("#")
    if not sep:
        raise CatalogError(f"vocabulary '{ref}': write it as FILE.yaml#SECTION")
    raw = _file(name).get(section)
    if not isinstance(raw, dict):
        raise CatalogError(f"layers/{name}: has no section '{section}' (named in layers/roles.yaml)")
    match = str(raw.get("match", "words"))
    unknown = str(raw.get("unknown", "keep"))
    if match not in ("words", "diw_code") or unknown not in ("keep", "refuse"):
        raise CatalogError(f"layers/{name}, section '{section}': match is words or diw_code, unknown is keep or "
                           "refuse")
    key = diw_code if match == "diw_code" else fold
    lookup: dict[str, str] = {}
    entries: dict[str, dict[str, Any]] = {}
    if "entries" in raw:
        for code, entry in (raw.get("entries") or {}).items():
            canon = diw_code(code) if match == "diw_code" else str(code)
            entries[canon] = dict(entry or {})
            for word in [code, *(entries[canon].get("aliases") or [])]:
                lookup[key(word)] = canon
    else:
        for canon, words in (raw.get("terms") or {}).items():
            for word in [canon, *(words or [])]:
                k = key(word)
                if lookup.get(k, canon) != canon:
                    raise CatalogError(f"layers/{name}, section '{section}': '{word}' is listed for both "
                                       f"'{lookup[k]}' and '{canon}'")
                lookup[k] = str(canon)
    canon_values = tuple(dict.fromkeys(lookup.values()))
    return Vocabulary(ref=ref, match=match, unknown=unknown, lookup=lookup, canon=canon_values, entries=entries,
                      unknown_note=str(raw.get("unknown_note", "")).strip())


def derive_fields(frame: pd.DataFrame, role) -> pd.DataFrame:
    """``frame`` (canonical column names) with each absent field that ``roles.yaml`` derives (``derive:``) filled
    in from the field it is derived from, through a code list: e.g. ``category`` from ``diw_type``."""
    out = frame
    for name, fspec in role.fields.items():
        rule = dict(fspec.derive or ())
        if not rule or name in frame.columns or rule["from"] not in frame.columns:
            continue
        vocab = load_vocabulary(rule["via"])
        key, otherwise = rule.get("key", name), rule.get("otherwise")
        values = []
        for v in frame[rule["from"]].tolist():
            if _missing(v):
                values.append(None)
                continue
            entry = vocab.entry(v)
            values.append(entry.get(key, otherwise) if entry is not None else otherwise)
        if out is frame:
            out = frame.copy()
        out[name] = pd.Series(values, index=frame.index, dtype=object)
    return out
