"""Date phrases in a question, resolved against the data's as-of date into explicit windows."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from query_engine.interpret.question_text import NUMBER_WORDS, Token
from query_engine.spec.calendar import (
    MONTH_NAMES,
    MONTH_WORDS,
    add_months,
    month_end,
    month_label,
    month_number,
)
from query_engine.spec.query import DateRange

UNIT = r"(day|week|month|quarter|year)s?"
NUM = r"(\d{1,3}|" + "|".join(w for w in NUMBER_WORDS if w not in ("a", "an", "single", "couple")) + ")"
YEAR = r"((?:19|20)\d\d)"
MONTH = "(" + MONTH_WORDS + ")"
ISO = r"(\d{4}-\d{2}-\d{2})"
ORDINALS = {"first": 1, "1": 1, "second": 2, "2": 2, "third": 3, "3": 3, "fourth": 4, "4": 4, "last": 4}


@dataclass(frozen=True)
class DateOption:
    """One reading of a date phrase: the window and what tells it apart from the others."""

    window: DateRange | None
    distinction: str = ""


@dataclass(frozen=True)
class DatePhrase:
    """A date phrase found in a question, its token span and its readings (the first is preferred)."""

    start: int
    end: int
    options: tuple[DateOption, ...]
    future: bool = False
    years: tuple[int, ...] = ()


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


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


def _latest_year_for(as_of: dt.date, month: int) -> int:
    return as_of.year if month <= as_of.month else as_of.year - 1


class _Resolver:
    """Turns each matched pattern into readings; one method per kind of phrase."""

    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of

    def iso_range(self, m: re.Match) -> tuple[DateOption, ...]:
        a, b = sorted((dt.date.fromisoformat(m.group(1)), dt.date.fromisoformat(m.group(2))))
        return (DateOption(DateRange(a, b, f"{a} to {b}")),)

    def iso_day(self, m: re.Match) -> tuple[DateOption, ...]:
        day = dt.date.fromisoformat(m.group(1))
        return (DateOption(DateRange(day, day, day.isoformat())),)

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
            start = add_months(as_of, -n * {"month": 1, "quarter": 3, "year": 12}[unit]) + dt.timedelta(days=1)
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

    def quarter(self, m: re.Match) -> tuple[DateOption, ...]:
        text = m.group(0)
        which = re.search(r"q([1-4])|(first|second|third|fourth)", text)
        q = int(which.group(1)) if which and which.group(1) else ORDINALS[which.group(2)] if which else 1
        year = re.search(r"(?:19|20)\d\d", text)
        if year:
            return (DateOption(quarter_window(int(year.group(0)), q)),)
        latest = self.as_of.year if dt.date(self.as_of.year, 3 * q - 2, 1) <= self.as_of else self.as_of.year - 1
        return (DateOption(quarter_window(latest, q)),)

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
        end_year = int(y2 or y1 or _latest_year_for(self.as_of, m2))
        start_year = int(y1) if y1 else (end_year if (m1, d1) <= (m2, d2) else end_year - 1)
        try:
            start, end = dt.date(start_year, m1, d1), dt.date(end_year, m2, d2)
        except ValueError:
            return ()
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
        end_year = int(y2 or y1 or _latest_year_for(self.as_of, m2))
        start_year = int(y1) if y1 else (end_year if m1 <= m2 else end_year - 1)
        start, end = month_window(start_year, m1).start, month_window(end_year, m2).end
        return (DateOption(DateRange(start, end, f"{MONTH_NAMES[m1 - 1]} to {month_label(end_year, m2)}")),)

    def since(self, m: re.Match) -> tuple[DateOption, ...]:
        if m.group(1):
            start = dt.date.fromisoformat(m.group(1))
        elif m.group(2):
            month = month_number(m.group(2))
            start = dt.date(int(m.group(3)) if m.group(3) else _latest_year_for(self.as_of, month), month, 1)
        else:
            start = dt.date(int(m.group(4)), 1, 1)
        return (DateOption(DateRange(start, self.as_of, f"since {start.isoformat()}")),)

    def month_day(self, m: re.Match) -> tuple[DateOption, ...]:
        month = month_number(m.group(1) or m.group(5))
        day = int(m.group(2) or m.group(4))
        year_text = m.group(3) or m.group(6)
        year = int(year_text) if year_text else _latest_year_for(self.as_of, month)
        try:
            date = dt.date(year, month, day)
        except ValueError:
            return ()
        return (DateOption(DateRange(date, date, date.isoformat())),)

    def month(self, m: re.Match) -> tuple[DateOption, ...]:
        month = month_number(m.group(1))
        year = int(m.group(2)) if m.group(2) else _latest_year_for(self.as_of, month)
        return (DateOption(month_window(year, month)),)

    def year_range(self, m: re.Match) -> tuple[DateOption, ...]:
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        return (DateOption(DateRange(dt.date(a, 1, 1), dt.date(b, 12, 31), f"{a} to {b}")),)

    def year(self, m: re.Match) -> tuple[DateOption, ...]:
        return (DateOption(year_window(int(m.group(1)))),)

    def shopping_day(self, m: re.Match) -> tuple[DateOption, ...]:
        as_of = self.as_of
        latest = as_of.year if as_of.month == 12 or (as_of.month == 11 and as_of.day >= 28) else as_of.year - 1
        year = int(m.group(2)) if m.group(2) else latest
        thursdays = [d for d in range(1, 31) if dt.date(year, 11, d).weekday() == 3]
        friday = dt.date(year, 11, thursdays[3] + 1)
        monday = friday + dt.timedelta(days=3)
        kind = m.group(1)
        if kind == "black friday":
            return (DateOption(DateRange(friday, friday, f"Black Friday {year}")),)
        if kind == "cyber monday":
            return (DateOption(DateRange(monday, monday, f"Cyber Monday {year}")),)
        return (DateOption(DateRange(friday, monday, f"Black Friday to Cyber Monday {year}")),)

    def next_n(self, m: re.Match) -> tuple[DateOption, ...]:
        n, unit = _number(m.group(1)), m.group(2)
        if n <= 0:
            return ()
        start = self.as_of + dt.timedelta(days=1)
        if unit in ("day", "week"):
            end = self.as_of + dt.timedelta(days=n * (7 if unit == "week" else 1))
        else:
            end = add_months(self.as_of, n * {"month": 1, "quarter": 3, "year": 12}[unit])
        return (DateOption(DateRange(start, end, f"next {n} {unit}{'s' if n > 1 else ''}")),)

    def next_unit(self, m: re.Match) -> tuple[DateOption, ...]:
        unit, as_of = m.group(1), self.as_of
        if unit == "day":
            day = as_of + dt.timedelta(days=1)
            return (DateOption(DateRange(day, day, "next day")),)
        if unit == "week":
            monday = as_of - dt.timedelta(days=as_of.weekday()) + dt.timedelta(weeks=1)
            return (DateOption(DateRange(monday, monday + dt.timedelta(days=6), f"next week, from {monday}")),)
        start = _period_start(as_of, unit)
        start = add_months(start, {"month": 1, "quarter": 3, "year": 12}[unit])
        end = add_months(start, {"month": 1, "quarter": 3, "year": 12}[unit]) - dt.timedelta(days=1)
        return (DateOption(DateRange(start, end, f"next {unit}")),)

    def rest_of(self, m: re.Match) -> tuple[DateOption, ...]:
        unit, as_of = m.group(1), self.as_of
        start = _period_start(as_of, unit)
        if unit == "week":
            end = start + dt.timedelta(days=6)
        elif unit == "day":
            end = as_of
        else:
            end = add_months(start, {"month": 1, "quarter": 3, "year": 12}[unit]) - dt.timedelta(days=1)
        if end <= as_of:
            return ()
        return (DateOption(DateRange(as_of + dt.timedelta(days=1), end, f"rest of the {unit}")),)

    def all_time(self, m: re.Match) -> tuple[DateOption, ...]:
        return (DateOption(None, "all time"),)


def _period_start(day: dt.date, unit: str) -> dt.date:
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
    start = _period_start(day, unit)
    if unit == "week":
        return start + dt.timedelta(days=6)
    if unit in ("month", "quarter", "year"):
        return add_months(start, {"month": 1, "quarter": 3, "year": 12}[unit]) - dt.timedelta(days=1)
    return day


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


PATTERNS: tuple[tuple[str, str], ...] = (
    (rf"(?:the )?(?:next|coming|upcoming|following) {NUM} {UNIT}", "next_n"),
    (rf"(?:the )?(?:next|coming|upcoming|following) {UNIT}", "next_unit"),
    (rf"(?:the )?(?:rest|remainder|balance|end) of (?:the |this )?{UNIT}", "rest_of"),
    (rf"(?:between|from) {ISO} (?:and|to|until|till|through) {ISO}", "iso_range"),
    (rf"since {ISO}|since {MONTH}(?: {YEAR})?|since {YEAR}", "since"),
    (rf"{ISO}", "iso_day"),
    (rf"(last|past|previous|prior|trailing|recent|over the last|in the last|over the past|in the past|for the last|"
     rf"for the past|during the last|within the last|over|within|for|during) {NUM} {UNIT}", "last_n"),
    (rf"(?:the )?(first|last) (quarter|month|week) of {YEAR}", "edge_of_year"),
    (rf"(last|past|previous|prior) {UNIT}", "last_unit"),
    (rf"(?:so far )?(?:this|current) {UNIT}(?: so far| to date)?|{UNIT} to date|(wtd|mtd|qtd|ytd)", "to_date"),
    (rf"(black friday|cyber monday|bfcm|black friday weekend)(?: {YEAR})?", "shopping_day"),
    (r"yesterday", "yesterday"),
    (r"today|latest day|most recent day", "today"),
    (rf"(q[1-4])(?: (?:of )?{YEAR})?|{YEAR} (q[1-4])|"
     rf"(?:the )?(first|second|third|fourth) quarter(?: (?:of )?{YEAR})?", "quarter"),
    (rf"(h1|h2|first|second) half(?: (?:of )?{YEAR})?|(h1|h2)(?: {YEAR})?", "half"),
    (rf"(?:from |between )?{MONTH} (\d{{1,2}})(?: {YEAR})? (?:to|and|through|thru|until|till) "
     rf"(?:{MONTH} )?(\d{{1,2}})(?!\d)(?: {YEAR})?", "day_range"),
    (rf"(?:from|between) {MONTH}(?: {YEAR})? (?:to|and|through|thru|until|till) {MONTH}(?: {YEAR})?|"
     rf"{MONTH}(?: {YEAR})? (?:to|through|thru|until|till) {MONTH}(?: {YEAR})?", "month_range"),
    (rf"{MONTH} (\d{{1,2}})(?!\d)(?: {YEAR})?|(\d{{1,2}}) {MONTH}(?: {YEAR})?", "month_day"),
    (rf"(?<!\w){MONTH}(?: (?:of )?{YEAR})?(?!\w)", "month"),
    (rf"(?:from|between) {YEAR} (?:to|and|through|until) {YEAR}", "year_range"),
    (rf"(?<![\w-]){YEAR}(?![\w-])", "year"),
    (r"all time|ever|lifetime|since launch|since the beginning|since inception|to date", "all_time"),
)
FUTURE = re.compile(r"\b(next|upcoming|coming|forecast|forecasts|forecasted|forecasting|predict|predicted|prediction|"
                    r"projected|projection|projections|will we|will it|will our|going to|outlook|on track|on pace|"
                    r"run rate)\b")
_DATE_PREPOSITIONS = ("in", "during", "for", "of", "since", "from", "until", "through", "to", "and")
_COMPILED = tuple((re.compile(rf"(?<![\w])(?:{p})(?![\w])"), name) for p, name in PATTERNS)


def find_date_phrases(tokens: list[Token], as_of: dt.date,
                      skip: set[int] | frozenset[int] = frozenset()) -> list[DatePhrase]:
    """Every date phrase in the question, left to right, resolved against `as_of`; tokens in `skip` (a campaign
    called "Black Friday Retargeting 2024") are names, not dates."""
    keys = [t.key for t in tokens]
    text, starts = _joined(keys)
    resolver, taken = _Resolver(as_of), [False] * len(text)
    for index in skip:
        taken[starts[index]:starts[index] + len(keys[index])] = [True] * len(keys[index])
    phrases: list[DatePhrase] = []
    for pattern, name in _COMPILED:
        for m in pattern.finditer(text):
            if any(taken[m.start():m.end()]) or not _month_word_ok(m, name, text) or _is_amount(m, name, text):
                continue
            options = getattr(resolver, name)(m)
            if not options:
                continue
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
            first, last = _token_span(starts, m.start(), m.end())
            years = tuple(int(y) for y in re.findall(r"(?:19|20)\d\d", m.group(0)))
            phrases.append(DatePhrase(first, last, options, years=years))
    phrases.sort(key=lambda p: p.start)
    return [DatePhrase(p.start, p.end, p.options, _is_future(p, as_of), p.years) for p in phrases]


def _is_future(phrase: DatePhrase, as_of: dt.date) -> bool:
    return any(o.window is not None and o.window.start > as_of for o in phrase.options)


def mentions_future(tokens: list[Token]) -> bool:
    """True when the question asks about what will happen (forecast, next month, will we hit ...)."""
    return bool(FUTURE.search(" ".join(t.key for t in tokens)))


def _month_word_ok(m: re.Match, name: str, text: str) -> bool:
    """'may' and 'march' are words too: only read them as months with a year or a preposition before."""
    if name != "month" or m.group(1) not in ("may", "march", "mar", "jan", "dec", "sept"):
        return True
    before = text[:m.start()].split()[-1:] or [""]
    return bool(m.group(2)) or before[0] in _DATE_PREPOSITIONS


def _is_amount(m: re.Match, name: str, text: str) -> bool:
    """'more than 2000 conversions': a number after a comparison is an amount, not a year."""
    if name != "year":
        return False
    before = text[:m.start()].split()[-2:]
    if not before or before[-1] in _DATE_PREPOSITIONS:
        return False
    if before[-1] in ("least", "most"):  # "at least 2000" is an amount; "the most in 2024" is a year
        return before[:1] == ["at"]
    return before[-1] in {"than", "above", "over", "under", "below", "$", ">", "<", "exceeding", "exceeds"}


def _joined(keys: list[str]) -> tuple[str, list[int]]:
    starts, pos = [], 0
    for key in keys:
        starts.append(pos)
        pos += len(key) + 1
    return " ".join(keys), starts


def _token_span(starts: list[int], begin: int, end: int) -> tuple[int, int]:
    first = max(i for i, s in enumerate(starts) if s <= begin)
    last = max(i for i, s in enumerate(starts) if s < end)
    return first, last + 1
