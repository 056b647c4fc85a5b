"""Reading the dates offices write in attribute tables: ISO (as Excel cells come out of ``read_table``),
day/month/year with ``/``, ``-`` or ``.``, and Thai or English month names ("15 มี.ค. 2567", "15 มีนาคม 2567").

Years above 2400 are Buddhist era (พ.ศ.) and have 543 taken off. Day and month are never swapped to make a date
fit: ``13/25/2026`` is refused, not read as 25 December. The month names live in ``months.yaml`` beside this
module.
"""

from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache
from importlib.resources import files

from geo.yamltext import load_yaml


__all__ = ["parse_date", "DateError", "BE_OFFSET"]

#: Buddhist era year - Gregorian year
BE_OFFSET = 543

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + r"$")
_DMY = re.compile(r"^(\d{1,2})\s*([/\-.])\s*(\d{1,2})\s*\2\s*(\d{4})" + _TIME + r"$")
_NAMED = re.compile(r"^(\d{1,2})\s*(?:-\s*)?([^\d]+?)\s*(?:-\s*)?(\d{4})" + _TIME + r"$")


class DateError(ValueError):
    """A text that is not a date ecotown can read; the message says what was expected."""


def _squash(word: str) -> str:
    return re.sub(r"[.\s]+", "", word).lower()


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[dict[str, int], tuple[str, ...]]:
    data = load_yaml((files(__package__) / "months.yaml").read_text(encoding="utf-8"))
    months = {_squash(str(name)): int(m) for m, names in data["months"].items() for name in names}
    eras = tuple(sorted((_squash(str(w)) for w in data.get("era_words") or []), key=len, reverse=True))
    return months, eras


def _year(y: int, text: str) -> int:
    if y > 2400:
        y -= BE_OFFSET
    if not 1900 <= y <= 2200:
        raise DateError(f"{text!r}: the year {y} is not plausible (give a four-digit year, Gregorian or พ.ศ.)")
    return y


def _make(y: int, m: int, d: int, text: str) -> _dt.date:
    try:
        return _dt.date(_year(y, text), m, d)
    except ValueError as exc:
        raise DateError(f"{text!r} is not a real date ({exc})") from None


def parse_date(value: object) -> _dt.date:
    """The date ``value`` stands for, or :class:`DateError` saying why it is not one.

    >>> parse_date("15 มี.ค. 2567"), parse_date("15/3/2567"), parse_date("2024-03-15 00:00:00")
    (datetime.date(2024, 3, 15), datetime.date(2024, 3, 15), datetime.date(2024, 3, 15))
    """
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip()
    if not text:
        raise DateError("the date is empty")
    if m := _ISO.match(text):
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    if m := _DMY.match(text):
        return _make(int(m.group(4)), int(m.group(3)), int(m.group(1)), text)
    if m := _NAMED.match(text):
        months, eras = _vocabulary()
        word = _squash(m.group(2))
        for era in eras:  # "มีนาคม พ.ศ." -> "มีนาคม"
            if word.endswith(era) and word[: -len(era)] in months:
                word = word[: -len(era)]
                break
        if word in months:
            return _make(int(m.group(3)), months[word], int(m.group(1)), text)
        raise DateError(f"{text!r}: '{m.group(2).strip()}' is not a month name ecotown knows (see layers/months.yaml)")
    raise DateError(f"{text!r} is not a date ecotown reads; write it as 2026-03-15, 15/3/2569 or 15 มี.ค. 2569")
