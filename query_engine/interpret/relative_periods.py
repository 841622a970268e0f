"""Date phrases counted from the as-of date, resolved into windows.

Last N days, last month, this quarter to date, yesterday, today, next week, the rest of the year and all time.
"""
from __future__ import annotations

import datetime as dt
import re

from query_engine.interpret.date_windows import (
    DateOption,
    month_window,
    period_start,
    quarter_window,
    trailing,
    year_window,
)
from query_engine.interpret.question_text import NUMBER_WORDS
from query_engine.spec.calendar import UNIT_MONTHS, add_months, month_label
from query_engine.spec.query import DateRange


class RelativePeriods:
    """Turns each matched relative phrase into readings; one method per kind of phrase."""

    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of

    def last_n(self, m: re.Match) -> tuple[DateOption, ...]:
        n, unit = _number(m.group(2)), m.group(3)
        if n <= 0:
            return ()
        return self._trailing_units(n, unit, calendar_first=False)

    def last_unit(self, m: re.Match) -> tuple[DateOption, ...]:
        return self._trailing_units(1, m.group(2), calendar_first=m.group(1) != "past")

    def _trailing_units(self, n: int, unit: str, calendar_first: bool) -> tuple[DateOption, ...]:
        as_of, plural = self.as_of, "s" if n > 1 else ""
        if unit == "day":
            return (DateOption(trailing(as_of, n, f"last {n} day{plural}")),)
        days = {"week": 7, "month": 30, "quarter": 90, "year": 365}[unit] * n
        if unit in ("month", "quarter", "year") and n > 1:
            start = add_months(as_of, -n * UNIT_MONTHS[unit]) + dt.timedelta(days=1)
            rolling = DateOption(DateRange(start, as_of, f"last {n} {unit}s, rolling"),
                                 f"rolling {n} {unit}s to the as-of date")
        else:
            rolling = DateOption(trailing(as_of, days, f"last {days} days"), f"trailing {days} days to the as-of date")
        whole = self._complete_units(n, unit)
        return (whole, rolling) if calendar_first else (rolling, whole)

    def _complete_units(self, n: int, unit: str) -> DateOption:
        as_of = self.as_of
        if unit == "week":
            this_monday = as_of - dt.timedelta(days=as_of.weekday())
            start, end = this_monday - dt.timedelta(weeks=n), this_monday - dt.timedelta(days=1)
        elif unit == "month":
            first = as_of.replace(day=1)
            start, end = add_months(first, -n), first - dt.timedelta(days=1)
        elif unit == "quarter":
            q_first = dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
            start, end = add_months(q_first, -3 * n), q_first - dt.timedelta(days=1)
        else:
            start, end = dt.date(as_of.year - n, 1, 1), dt.date(as_of.year - 1, 12, 31)
        label = _calendar_label(start, end, n, unit)
        return DateOption(DateRange(start, end, label), f"previous calendar {unit}{'s' if n > 1 else ''}")

    def same_last_year(self, m: re.Match) -> tuple[DateOption, ...]:
        """'the same month last year' (on November 15): November of the year before, whole."""
        unit = next(g for g in m.groups() if g)
        as_of = self.as_of
        if unit == "day":
            day = add_months(as_of, -12)
            return (DateOption(DateRange(day, day, f"the same day last year, {day.isoformat()}")),)
        if unit == "week":
            start = as_of - dt.timedelta(days=as_of.weekday() + 364)
            return (DateOption(DateRange(start, start + dt.timedelta(days=6), "the same week last year")),)
        if unit == "month":
            window = month_window(as_of.year - 1, as_of.month)
        elif unit == "quarter":
            window = quarter_window(as_of.year - 1, (as_of.month - 1) // 3 + 1)
        else:
            window = year_window(as_of.year - 1)
        return (DateOption(DateRange(window.start, window.end, f"the same {unit} last year, {window.label}")),)

    def to_date(self, m: re.Match) -> tuple[DateOption, ...]:
        unit = next(g for g in m.groups() if g)
        unit = {"wtd": "week", "mtd": "month", "qtd": "quarter", "ytd": "year"}.get(unit, unit)
        as_of = self.as_of
        starts = {"week": as_of - dt.timedelta(days=as_of.weekday()), "month": as_of.replace(day=1),
                  "quarter": dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1),
                  "year": as_of.replace(month=1, day=1)}
        label = {"week": "week", "month": "month", "quarter": "quarter", "year": "year"}[unit] + " to date"
        return (DateOption(DateRange(starts[unit], as_of, label)),)

    def yesterday(self, m: re.Match) -> tuple[DateOption, ...]:
        day = self.as_of - dt.timedelta(days=1)
        return (DateOption(DateRange(day, day, "yesterday"), "the day before the as-of date"),
                DateOption(DateRange(self.as_of, self.as_of, "latest day"), "the latest day in the data"))

    def today(self, m: re.Match) -> tuple[DateOption, ...]:
        return (DateOption(DateRange(self.as_of, self.as_of, "latest day")),)

    def next_n(self, m: re.Match) -> tuple[DateOption, ...]:
        n, unit = _number(m.group(1)), m.group(2)
        if n <= 0:
            return ()
        start = self.as_of + dt.timedelta(days=1)
        if unit in ("day", "week"):
            end = self.as_of + dt.timedelta(days=n * (7 if unit == "week" else 1))
        else:
            end = add_months(self.as_of, n * UNIT_MONTHS[unit])
        return (DateOption(DateRange(start, end, f"next {n} {unit}{'s' if n > 1 else ''}")),)

    def next_unit(self, m: re.Match) -> tuple[DateOption, ...]:
        unit, as_of = m.group(1), self.as_of
        if unit == "day":
            day = as_of + dt.timedelta(days=1)
            return (DateOption(DateRange(day, day, "next day")),)
        if unit == "week":
            monday = as_of - dt.timedelta(days=as_of.weekday()) + dt.timedelta(weeks=1)
            return (DateOption(DateRange(monday, monday + dt.timedelta(days=6), f"next week, from {monday}")),)
        start = period_start(as_of, unit)
        start = add_months(start, UNIT_MONTHS[unit])
        end = add_months(start, UNIT_MONTHS[unit]) - dt.timedelta(days=1)
        return (DateOption(DateRange(start, end, f"next {unit}")),)

    def rest_of(self, m: re.Match) -> tuple[DateOption, ...]:
        unit, as_of = m.group(1), self.as_of
        start = period_start(as_of, unit)
        if unit == "week":
            end = start + dt.timedelta(days=6)
        elif unit == "day":
            end = as_of
        else:
            end = add_months(start, UNIT_MONTHS[unit]) - dt.timedelta(days=1)
        if end <= as_of:
            return ()
        return (DateOption(DateRange(as_of + dt.timedelta(days=1), end, f"rest of the {unit}")),)

    def all_time(self, m: re.Match) -> tuple[DateOption, ...]:
        return (DateOption(None, "all time"),)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def _calendar_label(start: dt.date, end: dt.date, n: int, unit: str) -> str:
    if n == 1 and unit == "month":
        return f"last month, {month_label(start.year, start.month)}"
    if n == 1 and unit == "quarter":
        return f"last quarter, Q{(start.month - 1) // 3 + 1} {start.year}"
    if n == 1 and unit == "year":
        return f"last year, {start.year}"
    if n == 1:
        return f"last {unit}, week of {start.isoformat()}"
    return f"last {n} complete {unit}s"
