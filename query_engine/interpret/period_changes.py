"""Change between two periods per group: 'which channel grew revenue the most this year', 'which campaigns are
declining', 'biggest movers in CPA last month'. The later period is compared with the one before it (the same days
for a period to date), and the groups are ranked by the change in percent, or by the difference. The words are the
lexicon's `period_changes`."""
from __future__ import annotations

import datetime as dt
from functools import cache

from query_engine.interpret.cues import Cue
from query_engine.interpret.parser import ParsedQuestion
from query_engine.interpret.question_lexicon import Phrase, find_phrases, folded_phrases, lexicon_section
from query_engine.interpret.question_text import blanked, phrase_key
from query_engine.interpret.reading_axes import Option, like_for_like, window_shape
from query_engine.interpret.reading_weights import weights
from query_engine.semantics.model import SemanticModel
from query_engine.spec.calendar import UNIT_MONTHS, months_moved
from query_engine.spec.query import DateRange, OrderBy
from query_engine.sql.period_changes import CHANGE, CHANGE_PCT

TRAILING_DAYS = 30  # with no window named: the last 30 days against the 30 before


@cache
def _words() -> tuple[frozenset[Phrase], frozenset[Phrase]]:
    raw = lexicon_section("period_changes")
    return folded_phrases(raw["up"]), folded_phrases(raw["down"])


@cache
def _step_words() -> frozenset[Phrase]:
    return folded_phrases(lexicon_section("period_changes")["step"])


def step_axis(parsed: ParsedQuestion, model: SemanticModel) -> list[Option]:
    """'Month-over-month growth in revenue': each period beside the one before it, with the change."""
    grains = parsed.grain in model.time_grains and parsed.grain not in ("day_of_week", "week_part")
    named = parsed.metrics or parsed.weak_metrics
    if not grains or parsed.dimensions or not named or not find_phrases([t.key for t in parsed.tokens],
                                                                        _step_words()):
        return [Option(1.0, ())]
    return [Option(1.0, (("change", "step"),))]


def change_direction(parsed: ParsedQuestion, covered: set[str] | frozenset[str] = frozenset()) -> str | None:
    """'up' or 'down' when the question ranks groups by how a figure changed, else None; words of the data's own
    names (`covered`: a 'Summer Drop' campaign) say nothing."""
    if not (parsed.dimensions or parsed.qualifier_dimensions) or parsed.grain or parsed.compare and not parsed.metrics:
        return None
    named = set(covered) | {w for values, _ in parsed.filters.values() for v in values for w in phrase_key(v)}
    keys = blanked([t.key for t in parsed.tokens], named)
    up, down = _words()
    falls, rises = find_phrases(keys, down), find_phrases(keys, up)
    return "down" if falls else "up" if rises else None


def change_axis(parsed: ParsedQuestion, as_of: dt.date, direction: str) -> list[Option]:
    """The two periods and the ranking: by the change in percent (first), or by the difference."""
    periods = change_windows(parsed, as_of)
    if periods is None:
        return [Option(1.0, ())]
    earlier, later = periods
    span = DateRange(earlier.start, later.end, f"{earlier.label} against {later.label}")
    parsed.cues.discard(Cue.TREND)  # 'grew' ranks groups by a change; it asks for no series over time
    likely, other = weights().pair("likely")
    rising = direction == "up"
    # "which channel grew the most" shows the whole ranking, the winner first, unless a number is asked for
    base = (("periods", (earlier, later)), ("date_range", span), ("limit", parsed.limit))
    return [Option(likely, (*base, ("change", "pct"), ("order_by", (OrderBy(CHANGE_PCT, rising),))),
                   "by the change in percent"),
            Option(other, (*base, ("change", "abs"), ("order_by", (OrderBy(CHANGE, rising),))),
                   "by the change in value")]


def change_windows(parsed: ParsedQuestion, as_of: dt.date) -> tuple[DateRange, DateRange] | None:
    """The earlier and the later period: two named ones (like for like where one is to date), or the one named and
    the one before it, or the last 30 days and the 30 before."""
    windows = [p.options[0].window for p in parsed.date_phrases if p.options and p.options[0].window]
    if len(windows) >= 2:
        alike = like_for_like(windows[:2], as_of) or sorted(windows[:2], key=lambda w: w.start)
        return alike[0], alike[-1]
    if windows:
        return _before(windows[0], as_of), windows[0]
    later = DateRange(as_of - dt.timedelta(days=TRAILING_DAYS - 1), as_of, f"last {TRAILING_DAYS} days")
    return _before(later, as_of), later


def _before(window: DateRange, as_of: dt.date) -> DateRange:
    """The period before `window`: the same days of the one before for a period to date, the whole one before for a
    whole month, quarter or year, else as many days just before."""
    unit = next((u for u in ("year", "quarter", "month") if u in window.label), None) if window.end >= as_of else None
    shape = window_shape(window)
    months = UNIT_MONTHS.get(unit or "") or UNIT_MONTHS.get(shape or "")
    if months:
        start, end = months_moved(window.start, window.end, -months, whole=shape in UNIT_MONTHS and not unit)
        return DateRange(start, end, f"the same days a {unit} before" if unit else f"the {shape} before")
    days = (window.end - window.start).days + 1
    end = window.start - dt.timedelta(days=1)
    return DateRange(end - dt.timedelta(days=days - 1), end, f"the {days} days before")
