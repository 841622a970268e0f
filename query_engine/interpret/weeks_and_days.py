"""Days, weeks and parts of a month a question names, resolved into windows.

Rules (each one window, no second reading):
- a day range inside a month: 'Oct 8-9', 'feb 10 to 14', 'Oct 8 to Oct 9', '8-9 October', 'between 3 and 7 March';
- the week of a day: 'the week of Nov 18' (seven days from that day), 'the week ending Nov 24' (seven days to it);
- the nth week of a month: seven-day blocks counted from the 1st ('first week of March' is 1-7 March, the
  second 8-14, the third 15-21, the fourth 22-28, the fifth the 29th to the end); 'last week of June' is the
  month's final seven days (24-30 June);
- halves of a month: 1st-15th and 16th to the end; thirds: 'early' / 'the beginning of' is the 1st-10th, 'mid' /
  'the middle of' the 11th-20th, 'late' / 'the end of' the 21st to the end; 'the first / last N days of May';
- holidays (the table in spec/calendar.HOLIDAYS), and a holiday's week: 'Black Friday week', 'the week of
  Thanksgiving' is the Monday-to-Sunday week that contains the holiday's first day.
A month or holiday named without a year is its latest occurrence up to the as-of date.
"""
from __future__ import annotations

import datetime as dt
import re

from query_engine.interpret.date_windows import DateOption, latest_year, latest_year_of_day
from query_engine.interpret.question_text import NUMBER_WORDS, phrase_key
from query_engine.spec.calendar import HOLIDAYS, MONTH_NAMES, MONTH_WORDS, Holiday, month_end, month_number
from query_engine.spec.query import DateRange

# Each holiday's spellings as question keys (folded like the question's words), longest first.
HOLIDAY_KEYS: dict[str, Holiday] = {" ".join(phrase_key(name)): h for h in HOLIDAYS for name in h.names}
HOLIDAY_WORDS = "|".join(sorted((re.escape(k) for k in HOLIDAY_KEYS), key=len, reverse=True))
WEEK_ORDINALS = {"first": 1, "1": 1, "second": 2, "2": 2, "third": 3, "3": 3, "fourth": 4, "4": 4, "fifth": 5,
                 "5": 5, "last": -1, "final": -1}
_NAMED_DAY = re.compile(rf"(?:({MONTH_WORDS}) (\d{{1,2}})|(\d{{1,2}}) (?:of )?({MONTH_WORDS}))(?: ((?:19|20)\d\d))?$")
THIRDS = {"early": 1, "beginning": 1, "start": 1, "mid": 2, "middle": 2, "late": 3, "end": 3}


def holiday_called(label: str) -> Holiday | None:
    """The holiday a window's label names ('Black Friday 2024'), else None."""
    return next((h for h in HOLIDAYS if re.fullmatch(rf"{re.escape(h.label)} \d{{4}}", label)), None)


class WeeksAndDays:
    """Turns each matched day range, week, part of a month or holiday into readings; one method per kind."""

    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of

    def days_then_month(self, m: re.Match) -> tuple[DateOption, ...]:
        """'8 to 9 october', 'between 3 and 7 march', '28 oct to 2 nov'."""
        d1, m1, d2, m2, year = m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)
        end_month = month_number(m2)
        start_month = month_number(m1) if m1 else end_month
        wraps = (start_month, int(d1)) > (end_month, int(d2))  # '28 dec to 3 jan' runs into the next year
        start_year = int(year) - wraps if year else latest_year_of_day(self.as_of, start_month, int(d1))
        return _window(start_year, start_month, int(d1), start_year + wraps, end_month, int(d2))

    def week_from(self, m: re.Match) -> tuple[DateOption, ...]:
        day = self._named_day(m.group(0))
        if day is None:
            return ()
        end = day + dt.timedelta(days=6)
        return (DateOption(DateRange(day, end, f"the week of {day:%B} {day.day}, {day.year}")),)

    def week_ending(self, m: re.Match) -> tuple[DateOption, ...]:
        day = self._named_day(m.group(0))
        if day is None:
            return ()
        start = day - dt.timedelta(days=6)
        return (DateOption(DateRange(start, day, f"the week ending {day:%B} {day.day}, {day.year}")),)

    def month_week(self, m: re.Match) -> tuple[DateOption, ...]:
        which, month, year = WEEK_ORDINALS[m.group(1)], month_number(m.group(2)), m.group(3)
        year_n = int(year) if year else latest_year(self.as_of, month)
        last = month_end(year_n, month).day
        if which == -1:
            first_day, last_day, label = last - 6, last, "last week"
        else:
            first_day, last_day = 7 * which - 6, min(7 * which, last)
            label = f"{m.group(1)} week" if not m.group(1).isdigit() else f"week {which}"
        if first_day > last:
            return ()
        start, end = dt.date(year_n, month, first_day), dt.date(year_n, month, last_day)
        named = f"{label} of {MONTH_NAMES[month - 1]} {year_n}"
        days = DateOption(DateRange(start, end, named), f"days {first_day}-{last_day}")
        if which < 1 or start.weekday() == 0:  # the days are a Monday-to-Sunday week already
            return (days,)
        monday = dt.date(year_n, month, 1) + dt.timedelta(days=(7 - dt.date(year_n, month, 1).weekday()) % 7)
        monday += dt.timedelta(days=7 * (which - 1))
        if monday.month != month:
            return (days,)
        week = DateRange(monday, monday + dt.timedelta(days=6), f"the {label} starting in {MONTH_NAMES[month - 1]}")
        return (days, DateOption(week, f"the Monday-to-Sunday week from {monday.isoformat()}"))

    def month_half(self, m: re.Match) -> tuple[DateOption, ...]:
        half = 1 if m.group(1) in ("first", "1") else 2
        month = month_number(m.group(2))
        year = int(m.group(3)) if m.group(3) else latest_year(self.as_of, month)
        first_day, last_day = (1, 15) if half == 1 else (16, month_end(year, month).day)
        label = f"{'first' if half == 1 else 'second'} half of {MONTH_NAMES[month - 1]} {year}"
        return (DateOption(DateRange(dt.date(year, month, first_day), dt.date(year, month, last_day), label)),)

    def month_third(self, m: re.Match) -> tuple[DateOption, ...]:
        word = m.group(1) or m.group(4)
        month = month_number(m.group(2) or m.group(5))
        year_text = m.group(3) or m.group(6)
        year = int(year_text) if year_text else latest_year(self.as_of, month)
        third = THIRDS[word]
        first_day, last_day = 10 * third - 9, 10 * third if third < 3 else month_end(year, month).day
        label = f"{('early', 'mid', 'late')[third - 1]} {MONTH_NAMES[month - 1]} {year}"
        return (DateOption(DateRange(dt.date(year, month, first_day), dt.date(year, month, last_day), label)),)

    def month_edge_days(self, m: re.Match) -> tuple[DateOption, ...]:
        edge, n = m.group(1), int(m.group(2)) if m.group(2).isdigit() else NUMBER_WORDS.get(m.group(2), 0)
        month = month_number(m.group(3))
        year = int(m.group(4)) if m.group(4) else latest_year(self.as_of, month)
        last = month_end(year, month).day
        if not 0 < n <= last:
            return ()
        first_day, last_day = (1, n) if edge == "first" else (last - n + 1, last)
        label = f"{edge} {n} days of {MONTH_NAMES[month - 1]} {year}"
        return (DateOption(DateRange(dt.date(year, month, first_day), dt.date(year, month, last_day), label)),)

    def holiday(self, m: re.Match) -> tuple[DateOption, ...]:
        holiday = HOLIDAY_KEYS[m.group(1)]
        year = int(m.group(2)) if m.group(2) else self._latest_year_of(holiday)
        start, end = holiday.window(year)
        return (DateOption(DateRange(start, end, f"{holiday.label} {year}")),)

    def holiday_week(self, m: re.Match) -> tuple[DateOption, ...]:
        holiday = HOLIDAY_KEYS[m.group(1) or m.group(3)]
        year_text = m.group(2) or m.group(4)
        year = int(year_text) if year_text else self._latest_year_of(holiday)
        day = holiday.window(year)[0]
        monday = day - dt.timedelta(days=day.weekday())
        return (DateOption(DateRange(monday, monday + dt.timedelta(days=6), f"the week of {holiday.label} {year}")),)

    def _latest_year_of(self, holiday: Holiday) -> int:
        return self.as_of.year if holiday.window(self.as_of.year)[0] <= self.as_of else self.as_of.year - 1

    def _named_day(self, text: str) -> dt.date | None:
        """The one day a phrase names: an ISO date, 'nov 18 (2024)' or '18 (of) nov (2024)'."""
        iso = re.search(r"\d{4}-\d{2}-\d{2}", text)
        if iso:
            return dt.date.fromisoformat(iso.group(0))
        found = _NAMED_DAY.search(text)
        if not found:
            return None
        month = month_number(found.group(1) or found.group(4))
        day = int(found.group(2) or found.group(3))
        year = int(found.group(5)) if found.group(5) else latest_year_of_day(self.as_of, month, day)
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None


def _window(y1: int, m1: int, d1: int, y2: int, m2: int, d2: int) -> tuple[DateOption, ...]:
    try:
        start, end = dt.date(y1, m1, d1), dt.date(y2, m2, d2)
    except ValueError:
        return ()
    return (DateOption(DateRange(start, end, f"{start.isoformat()} to {end.isoformat()}")),)

