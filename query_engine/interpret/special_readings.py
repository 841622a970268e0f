"""Readings for questions about the future (forecasts) and about causes ("why did ROAS drop?")."""
from __future__ import annotations

import datetime as dt
import re

from query_engine.interpret.date_phrases import DatePhrase
from query_engine.interpret.date_windows import period_end
from query_engine.interpret.descriptions import describe_spec
from query_engine.interpret.parser import ParsedQuestion
from query_engine.interpret.reading_weights import weights
from query_engine.interpret.weeks_and_days import holiday_called
from query_engine.semantics.model import SemanticModel
from query_engine.semantics.profile import DataProfile
from query_engine.spec.calendar import add_months
from query_engine.spec.numbers import SCALE_WORDS, scale_of
from query_engine.spec.query import (
    DateRange,
    Filter,
    Forecast,
    ForecastMethod,
    Interpretation,
    QuerySpec,
)

WHY = re.compile(r"^\s*(why|how come|what caused|what drove|what explains|what is behind|what's behind|explain|"
                 r"reasons? for|root cause|what happened to|diagnose)\b", re.IGNORECASE)
_TARGET = re.compile(r"\b(?:hit|reach|exceed|make|get to|achieve|cross|pass|beat|top|surpass|above|over)\s+"
                     r"(?:\$ )?(\d[\d,]*(?:\.\d+)?)(?: (" + SCALE_WORDS + r"))?\b")
METHODS: tuple[tuple[ForecastMethod, float, str], ...] = (
    ("trend", weights().forecast["trend"], "trend extrapolation: a statistical model (ETS) chosen by backtest"),
    ("last_year", weights().forecast["last_year"], "same period last year, scaled by the recent year-over-year change"))


def is_why_question(text: str) -> bool:
    """True for questions that ask for a cause rather than a number."""
    return bool(WHY.search(text))


def forecast_readings(parsed: ParsedQuestion, model: SemanticModel, profile: DataProfile, as_of: dt.date,
                      certainty: float) -> list[Interpretation]:
    """Two readings of a forecast question: trend extrapolation, and same period last year."""
    metric = _metric(parsed, model)
    horizon = _horizon(_phrases(parsed), as_of)
    days = (horizon.end - horizon.start).days + 1
    grain = "day" if days <= 45 else "week" if days <= 200 else "month"
    dims = (grain, *(d for d in parsed.dimensions if d not in model.time_grains))
    target = _target(" ".join(t.key for t in parsed.tokens))
    # Enough history to fit weekly seasonality and to look a year back, without fitting every day ever.
    history_days = 450 if grain == "day" else 730
    history = DateRange(as_of - dt.timedelta(days=history_days - 1), as_of, f"history, last {history_days} days")
    readings = []
    for rank, (method, weight, how) in enumerate(METHODS, start=1):
        spec = QuerySpec(metrics=(metric,), dimensions=dims, filters=_filters(parsed), date_range=history,
                         forecast=Forecast(horizon.start, horizon.end, method, target))
        label = model.metric(metric).label
        text = (f"Forecast of {label} ({model.metric(metric).description.rstrip('.')}) by {grain} for "
                f"{horizon.describe()}, from {history.describe()}, by {how}")
        if target is not None:
            text += f"; checks whether the total reaches {target:,.0f}"
        readings.append(Interpretation(spec, text + ".", how, round(certainty * weight, 3), rank,
                                       choices=(("forecast method", how),)))
    return readings


def why_readings(parsed: ParsedQuestion, model: SemanticModel, profile: DataProfile, as_of: dt.date,
                 certainty: float) -> list[Interpretation]:
    """The period against the one before, overall and split by each dimension: where a change came from."""
    metric = _metric(parsed, model, fallback_group="higher")
    period = _why_period(_phrases(parsed), as_of)
    baseline, grain = _baseline(period)
    window = DateRange(baseline.start, period.end, f"{baseline.label} and {period.label}")
    measures = model.measures_of(metric) if model.metric(metric).is_derived else ()
    parts = tuple(dict.fromkeys((metric, *(m.name for m in measures))))
    # Lifecycle-like groupings (status) explain little about a change between periods: try them last.
    candidates = sorted((d for d, dim in model.dimensions.items() if not dim.entity), key=lambda d: d == "status")
    splits = [None, *candidates][:5]
    readings = []
    for rank, (split, weight) in enumerate(zip(splits, weights().ladder("why_splits"), strict=False), start=1):
        dims = (grain,) if split is None else (grain, split)
        spec = QuerySpec(metrics=parts, dimensions=dims, filters=_filters(parsed), date_range=window)
        distinction = "overall" if split is None else f"split by {model.dimensions[split].label.lower()}"
        text = f"Why it changed: {describe_spec(spec, model, profile)[:-1]}; {period.label} against {baseline.label}."
        readings.append(Interpretation(spec, text, distinction, round(certainty * weight, 3), rank,
                                       choices=(("why split", distinction),)))
    return readings


def _metric(parsed: ParsedQuestion, model: SemanticModel, fallback_group: str = "") -> str:
    if parsed.metrics or parsed.weak_metrics:
        return (parsed.metrics or parsed.weak_metrics)[0]
    group = model.performance_metrics.get(parsed.metric_group or fallback_group, ())
    return (group or model.default_metrics or tuple(model.metrics))[0]


def _filters(parsed: ParsedQuestion) -> tuple[Filter, ...]:
    named = parsed.named_day  # 'the Black Friday campaign': its first reading, the things so named
    own = (Filter(named.dimension, named.values),) if named and named.name_first else ()
    return tuple(Filter(d, tuple(v), op) for d, (v, op) in parsed.filters.items()) + own


def _phrases(parsed: ParsedQuestion) -> list[DatePhrase]:
    """The question's date phrases, with a holiday that also names things when the day is its first reading."""
    named = parsed.named_day
    if named is None or named.name_first:
        return parsed.date_phrases
    return sorted([*parsed.date_phrases, named.phrase], key=lambda p: p.start)


def _horizon(phrases: list[DatePhrase], as_of: dt.date) -> DateRange:
    """The future window asked about; a month named without a year means its next occurrence."""
    for phrase in phrases:
        window = phrase.options[0].window if phrase.options else None
        if window is None:
            continue
        if window.start > as_of:
            return window
        if window.end == as_of and window.label.endswith("to date"):
            unit = window.label.split()[0]
            return DateRange(as_of + dt.timedelta(days=1), period_end(as_of, unit), f"rest of the {unit}")
        if window.end < as_of and not phrase.years:
            shifted = _a_year_later(phrase, window)
            if shifted.start > as_of:
                return shifted
    return DateRange(as_of + dt.timedelta(days=1), as_of + dt.timedelta(days=30), "next 30 days")


def _a_year_later(phrase: DatePhrase, window: DateRange) -> DateRange:
    """The same period a year on; a holiday on its own date that year (Black Friday moves with the weekdays)."""
    holiday = holiday_called(window.label) if phrase.kind == "holiday" else None
    start, end = holiday.window(window.start.year + 1) if holiday else \
        (add_months(window.start, 12), add_months(window.end, 12))
    return DateRange(start, end, window.label.replace(str(window.start.year), str(window.start.year + 1)))


def _target(text: str) -> float | None:
    found = _TARGET.search(text)
    if not found:
        return None
    scale = scale_of(found.group(2))
    return float(found.group(1).replace(",", "")) * scale


def _why_period(phrases: list[DatePhrase], as_of: dt.date) -> DateRange:
    for phrase in phrases:
        if phrase.options and phrase.options[0].window:
            return phrase.options[0].window
    first = as_of.replace(day=1)
    start = add_months(first, -1)
    return DateRange(start, first - dt.timedelta(days=1), f"{start:%B %Y}")


def _baseline(period: DateRange) -> tuple[DateRange, str]:
    """The period just before, of the same calendar shape, and the grain that separates the two."""
    length = (period.end - period.start).days + 1
    if period.start.day == 1 and (period.end + dt.timedelta(days=1)).day == 1:
        months = round(length / 30.4)
        start = add_months(period.start, -max(1, months))
        grain = "month" if months <= 1 else "quarter" if months == 3 else "year" if months == 12 else "month"
        label = f"{start:%B %Y}" if months <= 1 else "the period before"
        return DateRange(start, period.start - dt.timedelta(days=1), label), grain
    start = period.start - dt.timedelta(days=length)
    grain = "week" if length % 7 == 0 and period.start.weekday() == 0 else "day"
    return DateRange(start, period.start - dt.timedelta(days=1), "the period before"), grain
