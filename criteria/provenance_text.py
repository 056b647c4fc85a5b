"""What of an edition is DIW's and what is modelled, in plain sentences (Thai or English).

The report's methods page, the level map's legend and ``ecotown explain`` show these sentences, so that the office
that signs a level sees which parts of it are DIW's own words, which come from a related scheme or a corroborating
source, and which the ecotown authors modelled ("level 4: name and all thresholds modelled").
"""

from __future__ import annotations

from collections import Counter

from .edition import Edition, Level, Provenance
from .formatting import phrases

__all__ = ["provenance_sentences", "provenance_text", "level_provenance", "level_tag", "thresholds_note", "names_note"]

def _words(lang: str) -> dict[str, str]:
    """The sentences' words in ``lang``, from the ``provenance`` section of ``phrases.yaml``."""
    return phrases()["provenance"][lang]


def _what(p: Provenance, lang: str) -> str:
    return _words(lang)[p.basis].format(scheme=p.scheme)


def _src(p: Provenance, lang: str, with_sources: bool) -> str:
    return _words(lang)["src"].format(ref=p.reference) if with_sources and p.reference else ""


def level_provenance(edition: Edition, level: Level, lang: str = "th", *, with_sources: bool = True) -> str:
    """One sentence on whose words level ``level`` is: its name and its thresholds."""
    w = _words(lang)
    th = [i.thresholds_provenance for i in edition.indicators if level.level in i.thresholds]
    k, m = len(th), sum(1 for p in th if p.basis == "modelled")
    head = level.name_th if lang == "th" and level.name_th.startswith("ระดับ") else \
        w["level"].format(n=level.level, name=level.name_th if lang == "th" else level.name_en)
    if level.provenance.basis == "modelled" and k and m == k:
        body = w["name_and_all"].format(k=k)
    else:
        body = w["name_is"].format(what=_what(level.provenance, lang))
        body += "; " + (w["no_th"] if not k else w["all_th"].format(k=k) if m == k
                        else w["some_th"].format(m=m, k=k))
    note = f" ({level.provenance.note})" if lang == "en" and level.provenance.note else ""
    return f"{head}: {body}{note}{_src(level.provenance, lang, with_sources)}"


def provenance_sentences(edition: Edition, lang: str = "th", *, with_sources: bool = True) -> list[str]:
    """What is DIW's and what is modelled, one sentence per level, one for the indicators and one for the entry
    requirements (``lang``: ``th`` or ``en``)."""
    w = _words(lang)
    out = [level_provenance(edition, lv, lang, with_sources=with_sources) for lv in edition.levels]
    bases = Counter(i.provenance.basis for i in edition.indicators)
    schemes = Counter(i.provenance.scheme for i in edition.indicators if i.provenance.basis == "related_scheme")
    parts = [w["ind_diw"].format(k=bases["diw"]) if bases["diw"] else w["ind_diw_none"]]
    if bases["corroborated"]:
        parts.append(w["ind_corr"].format(k=bases["corroborated"]))
    if bases["related_scheme"]:
        parts.append(w["ind_rel"].format(k=bases["related_scheme"], schemes=", ".join(
            f"{s} {n}" for s, n in sorted(schemes.items(), key=lambda kv: (-kv[1], kv[0])))))
    parts.append(w["ind_mod"].format(k=bases["modelled"]))
    out.append(w["ind_head"].format(n=len(edition.indicators)) + "; ".join(parts))
    if edition.entry_requirements:
        groups: dict[tuple[str, str, str], list[str]] = {}
        for r in edition.entry_requirements:
            key = (r.provenance.basis, r.provenance.scheme, r.provenance.reference)
            groups.setdefault(key, []).append(r.name_th if lang == "th" else r.name_en)
        for (basis, scheme, ref), names in groups.items():
            p = Provenance(basis, ref, scheme)
            out.append(w["entry"].format(names="; ".join(names), what=_what(p, lang)) + _src(p, lang, with_sources))
    return out


def provenance_text(edition: Edition, lang: str = "en", *, with_sources: bool = True) -> str:
    """The sentences of :func:`provenance_sentences` as plain text, one per line."""
    title = {"en": f"What is DIW's and what is modelled in '{edition.id}':",
             "th": f"ส่วนใดเป็นของกรมโรงงานอุตสาหกรรม ส่วนใดจำลองขึ้น ในเกณฑ์ '{edition.id}':"}[lang]
    return "\n".join([title, *(f"  - {s}" for s in provenance_sentences(edition, lang, with_sources=with_sources))])


_TAG = {"diw": "DIW / กรมโรงงานฯ", "corroborated": "corroborated / มีแหล่งยืนยัน",
        "related_scheme": "{scheme} / เกณฑ์ {scheme}", "modelled": "modelled / จำลองขึ้น"}


def level_tag(level: Level) -> str:
    """Whose words a level's name is, in a few bilingual words for a map legend ("modelled / จำลองขึ้น")."""
    return _TAG[level.provenance.basis].format(scheme=level.provenance.scheme)


def thresholds_note(edition: Edition) -> str:
    """One short bilingual line on whose numbers the thresholds are, for a map legend."""
    th = [i.thresholds_provenance.basis for i in edition.indicators]
    m = sum(1 for b in th if b == "modelled")
    if m == len(th):
        return "thresholds: all modelled / เกณฑ์จำลองทั้งหมด"
    return f"thresholds: {m} of {len(th)} modelled / เกณฑ์จำลอง {m}/{len(th)}"


_SHORT = {"diw": "DIW", "corroborated": "corroborated", "related_scheme": "{scheme}", "modelled": "modelled"}


def names_note(edition: Edition) -> str:
    """One short line on whose words the level names are ("names: DIW 1-2 · corroborated 3 · modelled 4-5")."""
    groups: dict[str, list[int]] = {}
    for lv in edition.levels:
        groups.setdefault(_SHORT[lv.provenance.basis].format(scheme=lv.provenance.scheme), []).append(lv.level)

    def span(ns: list[int]) -> str:
        return f"{ns[0]}-{ns[-1]}" if len(ns) > 1 and ns[-1] - ns[0] == len(ns) - 1 else ",".join(map(str, ns))
    return "names / ชื่อระดับ: " + " · ".join(f"{k} {span(v)}" for k, v in groups.items())
