"""The window of a follow-up: the one it names ('in Q3 instead'), the last answer's dates moved ('same for last
year': those dates a year earlier, a comparison moved whole) or stepped back ('the month before')."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from query_engine.interpret.date_parts import DateParts
from query_engine.interpret.parser import ParsedQuestion
from query_engine.interpret.question_lexicon import find_phrases, follow_up_words
from query_engine.interpret.reading_axes import ADDED_FILTERS, date_axis, window_shape
from query_engine.interpret.reading_weights import weights
from query_engine.semantics.model import SemanticModel
from query_engine.spec.calendar import UNIT_MONTHS, months_moved
from query_engine.spec.query import DateRange, Filter, QuerySpec

LEADING, OTHER = weights().pair("clear")  # the more likely and the other reading of one change


@dataclass(frozen=True)
class Change:
    """One way to change the last reading: its weight, the change, and how to say it."""

    weight: float
    apply: Callable[[QuerySpec], QuerySpec]
    said: str


def window_change(parsed: ParsedQuestion, previous: QuerySpec, model: SemanticModel, as_of: dt.date,
                   parts: DateParts | None) -> list[Change]:
    """The window the follow-up names; 'same for last year' also reads as the last answer's dates moved a year, and
    'the previous month' or 'the month before' is the period before the last answer's."""
    stepped = stepped_back(parsed, previous)
    if stepped is not None:
        return [Change(1.0, lambda s: s.with_changes(date_range=stepped, periods=()), stepped.label)]
    if not parsed.date_phrases:
        return []
    options = date_axis(parsed, as_of, parts, model)
    changes = [Change(o.weight, partial(_dated, changes=o.changes), _window_said(o.changes) or o.distinction)
               for o in options]
    found = _moved(previous.date_range, dict(options[0].changes).get("date_range") if options else None)
    if found is None:
        return changes
    moved, step = found
    again = bool(find_phrases([t.key for t in parsed.tokens], follow_up_words().again))
    to_date = previous.date_range is not None and previous.date_range.end >= as_of
    lead, rest = (LEADING, OTHER) if again and (not to_date or previous.periods) else (OTHER, LEADING)
    same = Change(lead, lambda s: s.with_changes(date_range=moved, periods=tuple(_shifted(p, step) for p in s.periods)),
                  moved.label)
    return sorted([same, *(Change(c.weight * rest, c.apply, c.said) for c in changes)], key=lambda c: -c.weight)


_UNIT_DAYS = {"week": 7, "day": 1}


def stepped_back(parsed: ParsedQuestion, previous: QuerySpec) -> DateRange | None:
    """'the previous month', 'and the month before?', 'prior week': the last answer's window moved back one such
    period (October 2025 then 'the month before' is September 2025)."""
    window = previous.date_range
    keys = [t.key for t in parsed.tokens]
    if window is None or not find_phrases(keys, follow_up_words().back):
        return None
    unit = next((k for k in keys if k in UNIT_MONTHS or k in _UNIT_DAYS), None)
    if unit is None:
        return None
    if unit in _UNIT_DAYS:
        step = dt.timedelta(days=_UNIT_DAYS[unit])
        return DateRange(window.start - step, window.end - step, f"the {unit} before", window.field)
    whole = window.start.day == 1 and (window.end + dt.timedelta(days=1)).day == 1
    start, end = months_moved(window.start, window.end, -UNIT_MONTHS[unit], whole)
    return DateRange(start, end, f"the {unit} before", window.field)


def _dated(spec: QuerySpec, changes: tuple[tuple[str, Any], ...]) -> QuerySpec:
    found = dict(changes)
    window = found.get("date_range")
    added: tuple[Filter, ...] = tuple(found.get(ADDED_FILTERS) or ())
    return spec.with_changes(date_range=window if isinstance(window, DateRange) else spec.date_range,
                             filters=spec.filters + added, periods=())  # a new window ends a comparison


def _window_said(changes: tuple[tuple[str, Any], ...]) -> str:
    window = dict(changes).get("date_range")
    return window.describe() if isinstance(window, DateRange) else ""


def _shifted(window: DateRange, months: int) -> DateRange:
    return DateRange(*months_moved(window.start, window.end, months), "", window.field)


def _moved(previous: DateRange | None, named: object) -> tuple[DateRange, int] | None:
    """The last answer's window moved to the named month, quarter or year: October 2025 then 'last year' is
    October 2024; the first half of November then 'last month' is the first half of October (like for like)."""
    if previous is None or not isinstance(named, DateRange):
        return None
    months = UNIT_MONTHS.get(window_shape(named) or "", 0)
    if not months or (previous.end - previous.start) >= (named.end - named.start):
        return None
    step = (_index(named.start, months) - _index(previous.start, months)) * months
    if step == 0 or _index(previous.start, months) != _index(previous.end, months):
        return None
    start, end = months_moved(previous.start, previous.end, step)
    when = {-12: "a year earlier", -3: "a quarter earlier", -1: "a month earlier"}.get(
        step, f"{abs(step)} months {'earlier' if step < 0 else 'later'}")
    return DateRange(start, end, f"the same dates {when}", previous.field), step


def _index(day: dt.date, months: int) -> int:
    """Which month, quarter or year (`months` long) a day falls in, counted from year 0."""
    return (day.year * 12 + day.month - 1) // months
