"""Named months on a file's own month and day-of-month columns.

A file with 'Month' and 'Day of the month' columns but no year has no date: 'spend in May' then filters the
month column, 'the first half of May' the month and the days 1-15, 'May 3' the month and day 3, and 'April vs
May' groups by the month column. A window those columns cannot say (one that leaves a month part-way into
another, or runs past a year) gets no such reading. On a file that has a date as well, a comparison of named
months still shows the months as the file writes them, grouped by its month column.
"""
from __future__ import annotations

from dataclasses import dataclass

from query_engine.semantics.model import SemanticModel
from query_engine.semantics.profile import DataProfile
from query_engine.spec.calendar import EXPORT_MONTH_SPELLINGS, MONTH_NAMES, month_end
from query_engine.spec.query import DateRange, Filter

MONTH_PARTS = ("month", "month_number")  # the time_part of a dimension that holds months (names or 1-12)


@dataclass(frozen=True)
class DateParts:
    """The file's month and day-of-month columns, and how it writes each month."""

    month: str | None = None
    day: str | None = None
    spellings: tuple[tuple[int, str], ...] = ()  # month number -> the value as the file writes it
    dated: bool = True  # the model has a full date as well

    @classmethod
    def of(cls, model: SemanticModel, profile: DataProfile) -> DateParts:
        """The parts `model` has, with the month values `profile` found."""
        month = next((n for n, d in model.dimensions.items() if d.time_part in MONTH_PARTS), None)
        day = next((n for n, d in model.dimensions.items() if d.time_part == "day_of_month"), None)
        spellings: dict[int, str] = {}
        for value in profile.values.get(month or "", ()):
            number = int(value) if value.isdigit() else EXPORT_MONTH_SPELLINGS.get(value.strip().lower().rstrip("."))
            if number and 1 <= number <= 12:
                spellings.setdefault(number, value)
        return cls(month, day, tuple(sorted(spellings.items())), bool(model.time_column))

    @property
    def usable(self) -> bool:
        """True when named months can be read on the month column instead of a date."""
        return self.month is not None and not self.dated

    def month_value(self, number: int) -> str:
        """The month as the file writes it ('May', 'mai', '5'), else its English name."""
        return dict(self.spellings).get(number, MONTH_NAMES[number - 1])

    def filters(self, windows: list[DateRange]) -> tuple[Filter, ...] | None:
        """Filters on the month (and day) columns that keep exactly `windows`, or None when they cannot."""
        if self.month is None or not windows:
            return None
        months: list[int] = []
        days: set[int] = set()
        for window in windows:
            read = _month_days(window)
            if read is None:
                return None
            months.extend(m for m in read[0] if m not in months)
            days |= read[1]
        if days and (len(months) > 1 or self.day is None):  # days apply to one month only
            return None
        found = [Filter(self.month, tuple(self.month_value(m) for m in months))]
        if days:
            found.append(Filter(self.day or "", tuple(str(d) for d in sorted(days))))
        return tuple(found)


def _month_days(window: DateRange) -> tuple[list[int], set[int]] | None:
    """The months a window covers whole (and no days), or its one month and the days in it; None otherwise."""
    start, end = window.start, window.end
    if (end - start).days > 366:
        return None
    whole_start = start.day == 1
    whole_end = end == month_end(end.year, end.month)
    if whole_start and whole_end:
        months, year, month = [], start.year, start.month
        while (year, month) <= (end.year, end.month):
            months.append(month)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return (months, set()) if len(set(months)) == len(months) else None
    if (start.year, start.month) != (end.year, end.month):
        return None
    return [start.month], set(range(start.day, end.day + 1))
