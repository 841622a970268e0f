"""Calendar facts and arithmetic: month and weekday names with their short forms, and month steps.

The one home for them: the interpreter reads them in questions, uploads convert them, tables sort by them.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

MONTH_NAMES = tuple(calendar.month_name[1:])  # "January" ... "December"
WEEKDAY_NAMES = tuple(calendar.day_name)  # "Monday" ... "Sunday"
# Short forms analysts and exports write: "Jan", "Sept", "Tue", "Thurs".
MONTH_SPELLINGS: dict[str, int] = {
    **{name.lower(): i + 1 for i, name in enumerate(MONTH_NAMES)},
    **{name[:3].lower(): i + 1 for i, name in enumerate(MONTH_NAMES)},
    "sept": 9,
}
WEEKDAY_SPELLINGS: dict[str, int] = {
    **{name.lower(): i for i, name in enumerate(WEEKDAY_NAMES)},
    **{name[:3].lower(): i for i, name in enumerate(WEEKDAY_NAMES)},
    "tues": 1, "weds": 2, "thur": 3, "thurs": 3,
}
# Month names other languages' exports write ("20 août 2024", "Mois: mars"), with their usual short forms.
# Kept apart from MONTH_SPELLINGS, which reads English questions ("mar" is March there, not "mars").
FOREIGN_MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "de": ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "dezember"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
}
FOREIGN_MONTH_SHORT: dict[str, int] = {
    "janv": 1, "févr": 2, "fevr": 2, "fév": 2, "fev": 2, "avr": 4, "juil": 7, "aout": 8, "déc": 12,
    "fevrier": 2, "decembre": 12, "jän": 1, "jänner": 1, "mär": 3, "marz": 3, "mrz": 3, "okt": 10, "dez": 12,
    "ene": 1, "abr": 4, "ago": 8, "dic": 12, "setiembre": 9,
}
# Every month word an export may hold, in any of these languages (English included) -> 1-12.
EXPORT_MONTH_SPELLINGS: dict[str, int] = {
    **{name: i + 1 for names in FOREIGN_MONTH_NAMES.values() for i, name in enumerate(names)},
    **FOREIGN_MONTH_SHORT,
    **{name.lower(): i + 1 for i, name in enumerate(calendar.month_name[1:])},
    **{name[:3].lower(): i + 1 for i, name in enumerate(calendar.month_name[1:])},
    "sept": 9,
}
# Month words as a regular-expression alternation (no group of its own), longest first: "march" before "mar".
MONTH_WORDS = "|".join(sorted(MONTH_SPELLINGS, key=len, reverse=True))


def month_number(word: str) -> int:
    """1-12 for a month name or a short form of it ("sep", "Sept", "september"); ValueError otherwise."""
    text = word.strip().lower().rstrip(".")
    if text in MONTH_SPELLINGS:
        return MONTH_SPELLINGS[text]
    found = next((n for name, n in MONTH_SPELLINGS.items() if len(text) >= 3 and name.startswith(text)), None)
    if found is None:
        raise ValueError(f"{word!r} is not a month")
    return found


def weekday_number(word: str) -> int | None:
    """0 (Monday) to 6 (Sunday) for a weekday name or a short form of it, else None."""
    text = word.strip().lower().rstrip(".")
    if len(text) < 3:
        return None
    if text in WEEKDAY_SPELLINGS:
        return WEEKDAY_SPELLINGS[text]
    return next((n for name, n in WEEKDAY_SPELLINGS.items() if name.startswith(text) or text.startswith(name)),
                None)


UNIT_MONTHS = {"month": 1, "quarter": 3, "year": 12}  # a calendar period's length in months


def months_moved(start: dt.date, end: dt.date, months: int, whole: bool = False) -> tuple[dt.date, dt.date]:
    """A window moved by whole months; with `whole`, a window of whole months stays whole (January moved one month
    is February to its last day, not to the 31st clamped)."""
    if whole:
        return add_months(start, months), add_months(end + dt.timedelta(days=1), months) - dt.timedelta(days=1)
    return add_months(start, months), add_months(end, months)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day-of-month `months` later (clamped to the month's end)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def month_end(year: int, month: int) -> dt.date:
    """The last day of a calendar month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def month_label(year: int, month: int) -> str:
    """'October 2025'."""
    return f"{MONTH_NAMES[month - 1]} {year}"


@dataclass(frozen=True)
class Holiday:
    """A named day, or run of days, that falls on the same date or the same weekday of a month every year."""

    label: str
    names: tuple[str, ...]  # how questions write it, lower-case
    month: int
    day: int = 0  # a fixed date; 0 when counted by weekday
    weekday: int = 0  # with nth: the nth such weekday of the month, -1 the last
    nth: int = 0
    offset: int = 0  # days after that day (Black Friday is the day after the fourth Thursday of November)
    days: int = 1  # how many days it runs

    def window(self, year: int) -> tuple[dt.date, dt.date]:
        """Its first and last day in `year`."""
        if self.day:
            first = dt.date(year, self.month, self.day)
        else:
            weekdays = [d for d in range(1, month_end(year, self.month).day + 1)
                        if dt.date(year, self.month, d).weekday() == self.weekday]
            first = dt.date(year, self.month, weekdays[self.nth - 1 if self.nth > 0 else self.nth])
        first += dt.timedelta(days=self.offset)
        return first, first + dt.timedelta(days=self.days - 1)


# The one table of named days a question may use as a date; US retail calendar where countries differ.
HOLIDAYS: tuple[Holiday, ...] = (
    Holiday("Black Friday", ("black friday",), 11, weekday=3, nth=4, offset=1),
    Holiday("Cyber Monday", ("cyber monday",), 11, weekday=3, nth=4, offset=4),
    Holiday("Black Friday to Cyber Monday", ("bfcm", "black friday weekend", "black friday cyber monday",
                                             "cyber weekend", "cyber five"), 11, weekday=3, nth=4, offset=1, days=4),
    Holiday("Thanksgiving", ("thanksgiving", "thanksgiving day"), 11, weekday=3, nth=4),
    Holiday("Singles' Day", ("singles day", "singles' day"), 11, 11),
    Holiday("Halloween", ("halloween",), 10, 31),
    Holiday("Christmas Eve", ("christmas eve", "xmas eve"), 12, 24),
    Holiday("Christmas", ("christmas", "christmas day", "xmas"), 12, 25),
    Holiday("Boxing Day", ("boxing day",), 12, 26),
    Holiday("New Year's Eve", ("new year's eve", "new years eve", "nye"), 12, 31),
    Holiday("New Year's Day", ("new year's day", "new years day"), 1, 1),
    Holiday("Valentine's Day", ("valentine's day", "valentines day", "valentine's", "valentines"), 2, 14),
    Holiday("St Patrick's Day", ("st patrick's day", "saint patrick's day", "st paddy's day"), 3, 17),
    Holiday("Mother's Day", ("mother's day", "mothers day"), 5, weekday=6, nth=2),
    Holiday("Memorial Day", ("memorial day",), 5, weekday=0, nth=-1),
    Holiday("Father's Day", ("father's day", "fathers day"), 6, weekday=6, nth=3),
    Holiday("Independence Day", ("independence day", "fourth of july", "july fourth"), 7, 4),
    Holiday("Labor Day", ("labor day", "labour day"), 9, weekday=0, nth=1),
)
