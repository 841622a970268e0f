"""Calendar windows for date phrases: one reading of a phrase, and whole months, quarters, years and periods."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from query_engine.spec.calendar import UNIT_MONTHS, add_months, month_end, month_label
from query_engine.spec.query import DateRange


@dataclass(frozen=True)
class DateOption:
    """One reading of a date phrase: the window and what tells it apart from the others."""

    window: DateRange | None
    distinction: str = ""


def latest_year(as_of: dt.date, month: int) -> int:
    """The year of a month named without one: its latest occurrence up to the as-of date."""
    return as_of.year if month <= as_of.month else as_of.year - 1


def latest_year_of_day(as_of: dt.date, month: int, day: int) -> int:
    """The year of a day named without one ('Nov 18'): its latest occurrence up to the as-of date."""
    return as_of.year if (month, day) <= (as_of.month, as_of.day) else as_of.year - 1


def month_window(year: int, month: int, label: str = "") -> DateRange:
    """The whole calendar month."""
    return DateRange(dt.date(year, month, 1), month_end(year, month), label or month_label(year, month))


def quarter_window(year: int, quarter: int, label: str = "") -> DateRange:
    """The whole calendar quarter."""
    start = dt.date(year, 3 * quarter - 2, 1)
    return DateRange(start, add_months(start, 3) - dt.timedelta(days=1), label or f"Q{quarter} {year}")


def year_window(year: int, label: str = "") -> DateRange:
    """The whole calendar year."""
    return DateRange(dt.date(year, 1, 1), dt.date(year, 12, 31), label or str(year))


def trailing(as_of: dt.date, days: int, label: str) -> DateRange:
    """The `days` days ending on the as-of date, inclusive."""
    return DateRange(as_of - dt.timedelta(days=days - 1), as_of, label)


def period_start(day: dt.date, unit: str) -> dt.date:
    """The first day of the week, month, quarter or year that contains `day`."""
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if unit == "year":
        return day.replace(month=1, day=1)
    return day


def period_end(day: dt.date, unit: str) -> dt.date:
    """The last day of the week, month, quarter or year that contains `day`."""
    start = period_start(day, unit)
    if unit == "week":
        return start + dt.timedelta(days=6)
    if unit in ("month", "quarter", "year"):
        return add_months(start, UNIT_MONTHS[unit]) - dt.timedelta(days=1)
    return day
