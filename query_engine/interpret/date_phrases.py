"""Date phrases in a question, resolved against the data's as-of date into explicit windows."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from query_engine.interpret.date_windows import DateOption, month_window
from query_engine.interpret.explicit_dates import ExplicitDates, ImpossibleDate
from query_engine.interpret.question_text import NUMBER_WORDS, Token, tokenize
from query_engine.interpret.relative_periods import RelativePeriods
from query_engine.interpret.weeks_and_days import HOLIDAY_WORDS, WeeksAndDays
from query_engine.spec.calendar import MONTH_WORDS, add_months
from query_engine.spec.query import DateRange

UNIT = r"(day|week|month|quarter|year)s?"
NUM = r"(\d{1,3}|" + "|".join(w for w in NUMBER_WORDS if w not in ("a", "an", "single", "couple")) + ")"
YEAR = r"((?:19|20)\d\d)"
MONTH = "(" + MONTH_WORDS + ")"
ISO = r"(\d{4}-\d{2}-\d{2})"
# One day, named in any of the ways analysts write it (no groups of its own: the resolver reads the text again).
DAY = (rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|(?:{MONTH_WORDS}) \d{{1,2}}(?!\d)(?: (?:19|20)\d\d)?|"
       rf"\d{{1,2}} (?:of )?(?:{MONTH_WORDS})(?: (?:19|20)\d\d)?)")
HOLIDAY = "(" + HOLIDAY_WORDS + ")"


@dataclass(frozen=True)
class DatePhrase:
    """A date phrase found in a question, its token span and its readings (the first is preferred)."""

    start: int
    end: int
    options: tuple[DateOption, ...]
    future: bool = False
    years: tuple[int, ...] = ()
    kind: str = ""  # the pattern that read it: 'holiday', 'month', 'day_range', ...


PATTERNS: tuple[tuple[str, str], ...] = (
    (rf"(?:the )?(?:next|coming|upcoming|following) {NUM} {UNIT}", "next_n"),
    (rf"(?:the )?(?:next|coming|upcoming|following) {UNIT}", "next_unit"),
    (rf"(?:the )?(?:rest|remainder|balance|end) of (?:the |this )?{UNIT}", "rest_of"),
    (rf"(?:between|from) {ISO} (?:and|to|until|till|through) {ISO}", "iso_range"),
    (rf"since {ISO}|since (?:the (?:start|beginning) of )?{MONTH}(?: {YEAR})?|since {YEAR}", "since"),
    (rf"(?:the |a )?week (?:of|starting|beginning|commencing|from|starting on|beginning on|commencing on) "
     rf"(?:the )?{DAY}", "week_from"),
    (rf"(?:the )?week (?:ending|ended|ending on) (?:the )?{DAY}", "week_ending"),
    (rf"(?:the )?week (?:of|around) (?:the )?{HOLIDAY}(?: {YEAR})?|{HOLIDAY}(?: {YEAR})? week", "holiday_week"),
    (rf"(?:the )?(first|second|third|fourth|fifth|last|final|1|2|3|4|5) week (?:of|in) (?:the month of )?{MONTH}"
     rf"(?: {YEAR})?", "month_week"),
    (rf"(?:the )?(first|second|last|1|2) half of {MONTH}(?: {YEAR})?", "month_half"),
    (rf"(early|mid|late) {MONTH}(?: {YEAR})?|(?:the )?(beginning|start|middle|end) of {MONTH}(?: {YEAR})?",
     "month_third"),
    (rf"(?:the )?(first|last) {NUM} days? of {MONTH}(?: {YEAR})?", "month_edge_days"),
    (rf"(?:from |between )?(\d{{1,2}})(?: {MONTH})? (?:to|and|through|thru|until|till) (\d{{1,2}}) (?:of )?{MONTH}"
     rf"(?: {YEAR})?", "days_then_month"),
    (rf"{HOLIDAY}(?: {YEAR})?", "holiday"),
    (rf"{ISO}", "iso_day"),
    (rf"(?:the )?same {UNIT} (?:of |in )?(?:last|the previous|the prior|a|one) year(?: ago| before| earlier)?|"
     rf"(?:the )?same {UNIT} a year (?:ago|earlier|before)", "same_last_year"),
    (rf"(last|past|previous|prior|trailing|recent|over the last|in the last|over the past|in the past|for the last|"
     rf"for the past|during the last|within the last|over|within|for|during) {NUM} {UNIT}", "last_n"),
    (rf"(?:the )?(first|last) (quarter|month|week) of {YEAR}", "edge_of_year"),
    (rf"(last|past|previous|prior) {UNIT}", "last_unit"),
    (rf"(?:so far )?(?:this|current) {UNIT}(?: so far| to date)?|{UNIT} to date|(wtd|mtd|qtd|ytd)", "to_date"),
    (r"yesterday", "yesterday"),
    (r"today|latest day|most recent day", "today"),
    (rf"(q[1-4])(?: (?:of )?{YEAR})?|{YEAR} (q[1-4])|"
     rf"(?:the )?(first|second|third|fourth) quarter(?: (?:of )?{YEAR})?", "quarter"),
    (rf"(h1|h2|first|second) half(?: (?:of )?{YEAR})?|(h1|h2)(?: {YEAR})?", "half"),
    (rf"(?:from |between )?{MONTH} (\d{{1,2}})(?: {YEAR})? (?:to|and|through|thru|until|till) "
     rf"(?:{MONTH} )?(\d{{1,2}})(?!\d)(?: {YEAR})?", "day_range"),
    (rf"(?:from|between) {MONTH}(?: {YEAR})? (?:to|and|through|thru|until|till) {MONTH}(?: {YEAR})?|"
     rf"{MONTH}(?: {YEAR})? (?:to|through|thru|until|till) {MONTH}(?: {YEAR})?", "month_range"),
    (rf"{MONTH} (\d{{1,2}})(?!\d)(?: {YEAR})?|(?<!top )(?<!bottom )(\d{{1,2}}) (?:of )?{MONTH}(?: {YEAR})?",
     "month_day"),
    (rf"(?<!\w){MONTH}(?: (?:of )?{YEAR})?(?!\w)", "month"),
    (rf"(?:from|between) {YEAR} (?:to|and|through|until) {YEAR}", "year_range"),
    (rf"(?<![\w-]){YEAR}(?![\w-])", "year"),
    (r"all time|ever|lifetime|since launch|since the beginning|since inception|to date", "all_time"),
)
FUTURE = re.compile(r"\b(next|upcoming|coming|forecast|forecasts|forecasted|forecasting|predict|predicted|prediction|"
                    r"projected|projection|projections|will|going to|outlook|on track|on pace|"
                    r"run rate)\b")
_DATE_PREPOSITIONS = ("in", "during", "for", "of", "since", "from", "until", "through", "to", "and")
_SPAN_WORDS = {("from", w) for w in ("to", "through", "thru", "until", "till")} | {("between", "and")}
_LIST_WORDS = ("vs", "versus", "and", "or", "against", "to", "through")
_MONTH_TOKEN = re.compile(MONTH_WORDS)
_COMPILED = tuple((re.compile(rf"(?<![\w])(?:{p})(?![\w])"), name) for p, name in PATTERNS)


def find_date_phrases(tokens: list[Token], as_of: dt.date, skip: set[int] | frozenset[int] = frozenset(),
                      impossible: list[str] | None = None) -> list[DatePhrase]:
    """Every date phrase in the question, left to right, resolved against `as_of`; tokens in `skip` (a campaign
    called "Black Friday Retargeting 2024") are names, not dates. A day the calendar lacks ('May 32') is no phrase:
    what is wrong with it goes to `impossible`."""
    keys = [t.key for t in tokens]
    text, starts = _joined(keys)
    resolvers, taken = _resolvers(as_of), [False] * len(text)
    for index in skip:
        taken[starts[index]:starts[index] + len(keys[index])] = [True] * len(keys[index])
    phrases: list[DatePhrase] = []
    for pattern, name in _COMPILED:
        for m in pattern.finditer(text):
            if any(taken[m.start():m.end()]) or not _month_word_ok(m, name, text) or _is_amount(m, name, text):
                continue
            try:
                options = resolvers[name](m)
            except ValueError as exc:  # ImpossibleDate, or a date in a shape no resolver checks
                taken[m.start():m.end()] = [True] * (m.end() - m.start())
                if impossible is not None:
                    impossible.append(f"'{m.group(0)}': {exc}" if isinstance(exc, ImpossibleDate) else
                                      f"'{m.group(0)}' is not a date on the calendar")
                continue
            if not options:
                continue
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
            first, last = _token_span(starts, m.start(), m.end())
            years = tuple(int(y) for y in re.findall(r"(?:19|20)\d\d", m.group(0)))
            phrases.append(DatePhrase(first, last, options, years=years, kind=name))
    phrases = _in_named_years(_spans(sorted(phrases, key=lambda p: p.start), keys), keys)
    return [replace(p, future=_is_future(p, as_of)) for p in phrases]


_YEAR_JOINERS = frozenset({"day", "of", "in", "during", "for", "on"})


def _in_named_years(phrases: list[DatePhrase], keys: list[str]) -> list[DatePhrase]:
    """'Christmas day last year', 'May 5 this year', 'Black Friday in 2024': a day or a month named without its year,
    then a whole year, is that day of that year; one window, not the two side by side."""
    out: list[DatePhrase] = []
    for phrase in phrases:
        before = out[-1] if out else None
        year = _whole_year(phrase)
        gap = keys[before.end:phrase.start] if before else []
        if before and year and not before.years and len(gap) <= 2 and set(gap) <= _YEAR_JOINERS:
            moved = _moved_to_year(before, year)
            if moved is not None:
                out[-1] = moved
                continue
        out.append(phrase)
    return out


def _whole_year(phrase: DatePhrase) -> int | None:
    """The year a phrase names as a whole ('last year', 'in 2024', 'this year' to date), else None."""
    window = phrase.options[0].window if phrase.options else None
    if window is None or (window.start.month, window.start.day) != (1, 1) or window.end.year != window.start.year:
        return None
    return window.start.year if (window.end.month, window.end.day) == (12, 31) or phrase.kind == "to_date" else None


def _moved_to_year(phrase: DatePhrase, year: int) -> DatePhrase | None:
    """The phrase's first window in `year` (None for a window longer than a quarter, or one across years)."""
    window = phrase.options[0].window if phrase.options else None
    if window is None or window.start.year != window.end.year or (window.end - window.start).days > 92:
        return None
    try:
        start, end = window.start.replace(year=year), window.end.replace(year=year)
    except ValueError:  # February 29 in a year without it
        return None
    label = window.label.replace(str(window.start.year), str(year)) if str(window.start.year) in window.label \
        else f"{window.label} {year}"
    return replace(phrase, options=(DateOption(DateRange(start, end, label, window.field)),), years=(year,))


def _spans(phrases: list[DatePhrase], keys: list[str]) -> list[DatePhrase]:
    """'from Black Friday to the end of December', 'between Oct 8 and Cyber Monday': two phrases, one window."""
    out: list[DatePhrase] = []
    for phrase in phrases:
        before = out[-1] if out else None
        to_its_end = _to_the_end_of_its_month(before, phrase, keys)
        if before and (to_its_end or before.start > 0 and phrase.start == before.end + 1 and before.options[0].window
                       and phrase.options[0].window and (keys[before.start - 1], keys[before.end]) in _SPAN_WORDS):
            assert before.options[0].window and phrase.options[0].window
            start, end = before.options[0].window.start, phrase.options[0].window.end
            label = f"{before.options[0].window.label} to {phrase.options[0].window.label}"
            if to_its_end:  # 'April 20 to the end of the month': the end of April, not of the as-of month
                end = month_window(start.year, start.month).end
                label = f"{start.isoformat()} to {end.isoformat()}"
            if start > end and not before.years:  # 'from Oct 8 to Black Friday': the Oct 8 before it
                start = add_months(start, -12)
                label = f"{start.isoformat()} to {phrase.options[0].window.label}"
            if start <= end:
                first = before.start - 1 if before.start > 0 and keys[before.start - 1] in ("from", "between") \
                    else before.start
                out[-1] = DatePhrase(first, phrase.end, (DateOption(DateRange(start, end, label)),),
                                     years=before.years + phrase.years, kind="span")
                continue
        out.append(phrase)
    return out


def _to_the_end_of_its_month(before: DatePhrase | None, phrase: DatePhrase, keys: list[str]) -> bool:
    """'April 20 to the end of the month', 'from March 1 through the end of the month': a day, a joining word and
    the end of 'the month', which is that day's month."""
    if before is None or phrase.kind != "rest_of" or phrase.start != before.end + 1 or not before.options[0].window:
        return False
    joined = keys[before.end] in ("to", "through", "thru", "until", "till")
    said = keys[phrase.start:phrase.end]
    return joined and before.kind in ("month_day", "iso_day") and "end" in said and said[-1] == "month"


def _resolvers(as_of: dt.date) -> dict[str, Callable[[re.Match], tuple[DateOption, ...]]]:
    """The method that reads each pattern's matches into readings, by the pattern's name."""
    readers = (RelativePeriods(as_of), ExplicitDates(as_of), WeeksAndDays(as_of))
    return {name: next(getattr(r, name) for r in readers if hasattr(r, name)) for _, name in PATTERNS}


def _is_future(phrase: DatePhrase, as_of: dt.date) -> bool:
    return any(o.window is not None and o.window.start > as_of for o in phrase.options)


def mentions_future(tokens: list[Token]) -> bool:
    """True when the question asks about what will happen (forecast, next month, will we hit ...)."""
    return bool(FUTURE.search(" ".join(t.key for t in tokens)))


def _month_word_ok(m: re.Match, name: str, text: str) -> bool:
    """'may' and 'march' are words too: only read them as months with a year or a preposition before, or in a
    list of months ('april vs may', 'may and june', 'jan vs feb vs march')."""
    if name != "month" or m.group(1) not in ("may", "march", "mar", "jan", "dec", "sept"):
        return True
    before = text[:m.start()].split()[-2:]
    after = text[m.end():].split()[:2]
    listed = (len(before) == 2 and before[1] in _LIST_WORDS and _MONTH_TOKEN.fullmatch(before[0])) or \
        (len(after) == 2 and after[0] in _LIST_WORDS and _MONTH_TOKEN.fullmatch(after[1]))
    return bool(m.group(2)) or (before[-1:] or [""])[0] in _DATE_PREPOSITIONS or bool(listed)


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


def bracketed(text: str, tokens: list[Token], phrases: list[DatePhrase]) -> list[DatePhrase]:
    """Date phrases that fill a pair of brackets: the dates of the period named before them ('Prime Day (Jul 8-9)')."""
    found = []
    for m in re.finditer(r"\(([^()]*)\)", text):
        first, size = len(tokenize(text[:m.start()])), len(tokenize(m.group(1)))
        if first + size <= len(tokens):
            found += [p for p in phrases if p.start == first and p.end == first + size]
    return found
