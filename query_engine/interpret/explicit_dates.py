"""Dates and ranges a question names, resolved into windows.

ISO days and ranges, months, quarters, halves, years, day and month ranges and 'since ...'; a month or quarter
named without a year is its latest occurrence up to the as-of date.
"""
from __future__ import annotations

import datetime as dt
import re

from query_engine.interpret.date_windows import (
    DateOption,
    latest_year,
    latest_year_of_day,
    month_window,
    quarter_window,
    year_window,
)
from query_engine.spec.calendar import MONTH_NAMES, add_months, month_label, month_number
from query_engine.spec.query import DateRange

ORDINALS = {"first": 1, "1": 1, "second": 2, "2": 2, "third": 3, "3": 3, "fourth": 4, "4": 4, "last": 4}


class ImpossibleDate(ValueError):
    """A day the calendar does not have ('February 30', '2025-13-01'): the question is refused, not widened."""


def calendar_day(year: int, month: int, day: int) -> dt.date:
    """The date, or ImpossibleDate naming what is wrong with it."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        if not 1 <= month <= 12:
            raise ImpossibleDate(f"there is no month {month}") from None
        raise ImpossibleDate(f"{MONTH_NAMES[month - 1]} {year} has no day {day}") from None


def iso_date(text: str) -> dt.date:
    """A YYYY-MM-DD date, or ImpossibleDate."""
    year, month, day = (int(part) for part in text.split("-"))
    return calendar_day(year, month, day)


class ExplicitDates:
    """Turns each matched named date or range into readings; one method per kind of phrase."""

    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of

    def iso_range(self, m: re.Match) -> tuple[DateOption, ...]:
        a, b = sorted((iso_date(m.group(1)), iso_date(m.group(2))))
        return (DateOption(DateRange(a, b, f"{a} to {b}")),)

    def iso_day(self, m: re.Match) -> tuple[DateOption, ...]:
        day = iso_date(m.group(1))
        return (DateOption(DateRange(day, day, day.isoformat())),)

    def quarter(self, m: re.Match) -> tuple[DateOption, ...]:
        text = m.group(0)
        which = re.search(r"q([1-4])|(first|second|third|fourth)", text)
        q = int(which.group(1)) if which and which.group(1) else ORDINALS[which.group(2)] if which else 1
        year = re.search(r"(?:19|20)\d\d", text)
        if year:
            return (DateOption(quarter_window(int(year.group(0)), q)),)
        latest = self.as_of.year if dt.date(self.as_of.year, 3 * q - 2, 1) <= self.as_of else self.as_of.year - 1
        return self._latest_or_whole(quarter_window(latest, q), quarter_window(latest - 1, q))

    def half(self, m: re.Match) -> tuple[DateOption, ...]:
        text = m.group(0)
        h = 1 if text.startswith(("h1", "first")) else 2
        found = re.search(r"(?:19|20)\d\d", text)
        latest = self.as_of.year if h == 1 or self.as_of.month > 6 else self.as_of.year - 1
        year = int(found.group(0)) if found else latest
        start = dt.date(year, 1 if h == 1 else 7, 1)
        return (DateOption(DateRange(start, add_months(start, 6) - dt.timedelta(days=1), f"H{h} {year}")),)

    def day_range(self, m: re.Match) -> tuple[DateOption, ...]:
        m1, d1, y1 = month_number(m.group(1)), int(m.group(2)), m.group(3)
        m2 = month_number(m.group(4)) if m.group(4) else m1
        d2, y2 = int(m.group(5)), m.group(6)
        wraps = (m1, d1) > (m2, d2)  # 'dec 28 to jan 3' runs into the next year
        start_year = int(y1) if y1 else int(y2) - wraps if y2 else latest_year_of_day(self.as_of, m1, d1)
        end_year = int(y2) if y2 else start_year + wraps
        start, end = calendar_day(start_year, m1, d1), calendar_day(end_year, m2, d2)
        return (DateOption(DateRange(start, end, f"{start.isoformat()} to {end.isoformat()}")),)

    def edge_of_year(self, m: re.Match) -> tuple[DateOption, ...]:
        which, unit, year = m.group(1), m.group(2), int(m.group(3))
        if unit == "quarter":
            return (DateOption(quarter_window(year, 1 if which == "first" else 4)),)
        if unit == "month":
            return (DateOption(month_window(year, 1 if which == "first" else 12)),)
        start = dt.date(year, 1, 1) if which == "first" else dt.date(year, 12, 25)
        return (DateOption(DateRange(start, start + dt.timedelta(days=6), f"{which} week of {year}")),)

    def month_range(self, m: re.Match) -> tuple[DateOption, ...]:
        groups = [g for g in m.groups()]
        if groups[0] is None:  # the second alternative: no "from"/"between"
            groups = groups[4:]
        m1, y1, m2, y2 = month_number(groups[0]), groups[1], month_number(groups[2]), groups[3]
        end_year = int(y2 or y1 or latest_year(self.as_of, m2))
        start_year = int(y1) if y1 else (end_year if m1 <= m2 else end_year - 1)
        start, end = month_window(start_year, m1).start, month_window(end_year, m2).end
        return (DateOption(DateRange(start, end, f"{MONTH_NAMES[m1 - 1]} to {month_label(end_year, m2)}")),)

    def since(self, m: re.Match) -> tuple[DateOption, ...]:
        if m.group(1):
            start = dt.date.fromisoformat(m.group(1))
        elif m.group(2):
            month = month_number(m.group(2))
            start = dt.date(int(m.group(3)) if m.group(3) else latest_year(self.as_of, month), month, 1)
        else:
            start = dt.date(int(m.group(4)), 1, 1)
        return (DateOption(DateRange(start, self.as_of, f"since {start.isoformat()}")),)

    def month_day(self, m: re.Match) -> tuple[DateOption, ...]:
        month = month_number(m.group(1) or m.group(5))
        day = int(m.group(2) or m.group(4))
        year_text = m.group(3) or m.group(6)
        year = int(year_text) if year_text else latest_year_of_day(self.as_of, month, day)
        date = calendar_day(year, month, day)
        return (DateOption(DateRange(date, date, date.isoformat())),)

    def month(self, m: re.Match) -> tuple[DateOption, ...]:
        month = month_number(m.group(1))
        if m.group(2):
            return (DateOption(month_window(int(m.group(2)), month)),)
        year = latest_year(self.as_of, month)
        return self._latest_or_whole(month_window(year, month), month_window(year - 1, month))

    def _latest_or_whole(self, latest: DateRange, year_before: DateRange) -> tuple[DateOption, ...]:
        """A month or quarter named without a year: its latest occurrence; while that is not over ('November' on
        November 15), the same period a year earlier, whole, is the other reading."""
        if latest.end <= self.as_of:
            return (DateOption(latest),)
        return (DateOption(latest, f"{latest.label} so far"), DateOption(year_before, f"{year_before.label}, complete"))

    def year_range(self, m: re.Match) -> tuple[DateOption, ...]:
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        return (DateOption(DateRange(dt.date(a, 1, 1), dt.date(b, 12, 31), f"{a} to {b}")),)

    def year(self, m: re.Match) -> tuple[DateOption, ...]:
        return (DateOption(year_window(int(m.group(1)))),)
