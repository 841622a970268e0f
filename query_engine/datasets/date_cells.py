"""Date cells in any shape an export writes: the strptime formats that read a column, judged from its values.

ISO dates and date-times, `M/D/YYYY` or `D/M/YYYY` (a first part over 12 settles it, else the file's locale:
a decimal comma or ';' columns mean day first), `DD.MM.YYYY`, `YYYY/MM/DD`, `Aug 20, 2024`, month names in
French, German or Spanish (`20 août 2024`, `20. März 2024`, `20 de agosto de 2024`; the names live in
spec/calendar.py) and GA4's `YYYYMMDD` integers. Each returns SQL that converts every row in DuckDB.
"""
from __future__ import annotations

import datetime as dt
import re

from query_engine.spec.calendar import EXPORT_MONTH_SPELLINGS, MONTH_SPELLINGS

DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%SZ",
                "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y/%m/%d",
                "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y.%m.%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y",
                "%d-%m-%Y", "%m-%d-%Y", "%d/%m/%y", "%m/%d/%y", "%d.%m.%y", "%b %d, %Y", "%B %d, %Y", "%d %b %Y",
                "%d %B %Y", "%b %d %Y", "%d-%b-%Y", "%d-%b-%y", "%a, %b %d, %Y", "%A, %B %d, %Y", "%d. %b %Y",
                "%d. %B %Y", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M",
                "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M")
_DAY_FIRST = {"%d/%m/%Y": "%m/%d/%Y", "%d-%m-%Y": "%m-%d-%Y", "%d/%m/%y": "%m/%d/%y",
              "%d/%m/%Y %H:%M:%S": "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M": "%m/%d/%Y %H:%M"}
_DATE_SHAPE = re.compile(r"[\w ,./:+-]{6,40}")
_COMPACT = re.compile(r"(?:199\d|20\d\d|2100)\d{4}")
# Month words of other languages, each read as the English short form strptime's %b knows; "de" is Spanish.
_ABBREVIATION = {w: dt.date(2000, n, 1).strftime("%b").lower() for w, n in EXPORT_MONTH_SPELLINGS.items()}
_FOREIGN = {w: a for w, a in _ABBREVIATION.items() if w not in MONTH_SPELLINGS}
_FILLERS = {"de": ""}
_WORD = re.compile(r"[^\W\d_]+\.?")


def date_formats(values: list[str], european_hint: bool = False) -> tuple[str, ...]:
    """The strptime formats that read every value (day-first or month-first decided by the values)."""
    if not all(_DATE_SHAPE.fullmatch(v) and any(ch.isdigit() for ch in v) for v in values):
        return ()
    found = [f for f in DATE_FORMATS if all(parses(v, f) for v in values)]
    if not found:
        found = _cover(values)
    for day_first, month_first in _DAY_FIRST.items():
        if day_first in found and month_first in found:
            found.remove(month_first if european_hint else day_first)
    return tuple(found)


def parses(value: str, fmt: str) -> bool:
    """Whether `value` reads as a date or time in the strptime format `fmt`."""
    try:
        dt.datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def _cover(values: list[str]) -> list[str]:
    """Up to three formats that together read every value (exports that mix date styles)."""
    chosen: list[str] = []
    left = list(values)
    if not any(parses(left[0], f) for f in DATE_FORMATS):
        return []  # every value must be covered; one no format reads ends the search at once
    while left and len(chosen) < 3:
        best = max(DATE_FORMATS, key=lambda f: sum(parses(v, f) for v in left[:500]))
        hits = [v for v in left if parses(v, best)]
        if not hits:
            return []
        chosen.append(best)
        left = [v for v in left if v not in set(hits)]
    return chosen if not left else []


def english_months(value: str) -> str:
    """`value` with other languages' month words as English short forms ('20 août 2024' -> '20 aug 2024')."""
    def swap(match: re.Match[str]) -> str:
        word = match.group(0).lower()
        bare = word.rstrip(".")
        if bare in _FILLERS:
            return _FILLERS[bare]
        return _ABBREVIATION.get(bare, match.group(0))
    return re.sub(r"\s+", " ", _WORD.sub(swap, value)).strip()


def _foreign_sql(column: str, words: set[str]) -> str:
    """SQL doing `english_months` for the words seen (lower-cased, split on spaces, each word swapped)."""
    cases = " ".join(f"WHEN '{w}' THEN '{_FILLERS.get(w, _ABBREVIATION.get(w, ''))}'" for w in sorted(words))
    swapped = (f"list_transform(string_split(lower(trim({column})), ' '), "
               f"lambda w: CASE rtrim(w, '.') {cases} ELSE w END)")
    return f"trim(regexp_replace(array_to_string({swapped}, ' '), '\\s+', ' ', 'g'))"


def date_plan_sql(column: str, values: list[str], european_hint: bool) -> tuple[str, tuple[str, ...]] | None:
    """(SQL giving a timestamp for each row, the formats) when every value is a date, else None."""
    words = {m.group(0).lower().rstrip(".") for v in values for m in _WORD.finditer(v)}
    foreign = {w for w in words if w in _FOREIGN or w in _FILLERS}
    if foreign and not words - foreign - set(MONTH_SPELLINGS) - {"t", "z", "am", "pm"}:
        formats = date_formats([english_months(v) for v in values], european_hint)
        source = _foreign_sql(column, set(_ABBREVIATION) | set(_FILLERS))
    else:
        formats = date_formats(values, european_hint)
        source = f"trim({column})"
    if not formats:
        return None
    listing = "[" + ", ".join(f"'{f}'" for f in formats) + "]"
    return f"try_strptime({source}, {listing})", formats


def compact_date_sql(column: str, values: list[str]) -> str | None:
    """SQL giving a DATE for GA4-style `YYYYMMDD` cells when every value is one (years 1990-2100), else None."""
    if not values or not all(_COMPACT.fullmatch(v) and parses(v, "%Y%m%d") for v in values):
        return None
    return f"CASE WHEN regexp_full_match(trim({column}), '\\d{{8}}') THEN " \
           f"CAST(try_strptime(trim({column}), '%Y%m%d') AS DATE) END"
