"""Ratios an analyst names from two of a model's summed measures ("revenue per session"), built when asked.

No model lists every ratio of two of its measures. A question that names one gets it under a name that says what
it is, `<numerator>_per_<denominator>` (`<numerator>_per_1000_<denominator>` for "per 1,000 impressions"), so a
reading that uses it can be compiled, described, stored and run again by any stage that holds the model:
`with_asked_ratios` adds the ratios such names call for.

An average per period ("average daily spend") is asked the same way: `<measure>_per_<grain>` (`spend_per_day`) is
the measure's sum over the window divided by the number of days (weeks, months) it has data in.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from query_engine.semantics.calculated_metrics import infer_direction, infer_format
from query_engine.semantics.model import Metric, SemanticModel

JOIN = "_per_"


def ratio_name(numerator: str, denominator: str, multiplier: int = 1) -> str:
    """The name of an asked ratio: 'revenue_per_sessions', 'conversions_per_1000_impressions'."""
    return f"{numerator}{JOIN}{f'{multiplier}_' if multiplier != 1 else ''}{denominator}"


def can_divide(model: SemanticModel, numerator: str, denominator: str) -> bool:
    """Whether both are distinct measures the model sums (rates and counts of names are not divided again)."""
    parts = [model.metrics.get(numerator), model.metrics.get(denominator)]
    return numerator != denominator and all(m is not None and not m.is_derived and m.aggregation == "sum"
                                            for m in parts)


def existing_ratio(model: SemanticModel, numerator: str, denominator: str, multiplier: int = 1) -> str | None:
    """The model's own metric that is this ratio of sums ('cpc' for spend per click), if it has one."""
    return next((n for n, m in model.metrics.items() if m.numerator == numerator and m.denominator == denominator
                 and m.multiplier == multiplier), None)


def asked_ratio(model: SemanticModel, numerator: str, denominator: str, multiplier: int = 1) -> Metric:
    """The ratio of two summed measures (per one, or per `multiplier`) as a metric of the model."""
    top, bottom = model.metric(numerator), model.metric(denominator)
    formula = f"{numerator} / {denominator}"
    per = _singular(bottom.label.lower()) if multiplier == 1 else f"{multiplier:,} {bottom.label.lower()}"
    label = f"{top.label} per {per}"
    return Metric(name=ratio_name(numerator, denominator, multiplier), label=label,
                  format=infer_format(formula, model), direction=infer_direction(formula, model),  # type: ignore[arg-type]
                  description=f"{label} = {top.label.lower()} / {bottom.label.lower()}"
                              + (f" x {multiplier:,}" if multiplier != 1 else "") + ", a ratio of sums.",
                  numerator=numerator, denominator=denominator, multiplier=float(multiplier))


def parts_of(model: SemanticModel, name: str) -> tuple[str, str, int] | None:
    """The two measures an asked ratio's name divides and its multiplier, or None when the name is not one."""
    if name in model.metrics or JOIN not in name:
        return None
    pieces = name.split(JOIN)
    for cut in range(1, len(pieces)):
        numerator, rest = JOIN.join(pieces[:cut]), JOIN.join(pieces[cut:])
        scaled = re.fullmatch(r"([1-9][0-9]*)_(.+)", rest)
        multiplier, denominator = (int(scaled.group(1)), scaled.group(2)) if scaled else (1, rest)
        if can_divide(model, numerator, denominator):
            return numerator, denominator, multiplier
    return None


PERIOD_UNITS = ("day", "week", "month", "quarter", "year")


def period_name(measure: str, unit: str) -> str:
    """The name of an average per period: 'spend_per_day'."""
    return f"{measure}{JOIN}{unit}"


def period_parts(model: SemanticModel, name: str) -> tuple[str, str] | None:
    """The measure and the period (or grouping) of an average's name ('spend_per_day', 'conversions_per_campaign'),
    or None."""
    measure, _, unit = name.rpartition(JOIN)
    found = model.metrics.get(measure)
    per_period = unit in PERIOD_UNITS and model.time_column
    if name in model.metrics or found is None or not (per_period or unit in model.dimensions):
        return None
    return (measure, unit) if not found.is_derived and found.aggregation == "sum" else None


def period_average(model: SemanticModel, measure: str, unit: str) -> Metric:
    """A summed measure averaged per day (week, month...) of the window it covers, as a metric of the model."""
    base = model.metric(measure)
    if unit in model.dimensions:  # "average conversions per campaign": the sum over the number of campaigns
        things = model.dimensions[unit].label.lower()
        label = f"Average {base.label.lower()} per {things}"
        description = f"{base.label.lower()} / number of {things}s with rows"
    else:
        adjective = {"day": "daily", "week": "weekly", "month": "monthly", "quarter": "quarterly",
                     "year": "yearly"}[unit]
        label = f"Average {adjective} {base.label.lower()}"
        description = f"{base.label.lower()} / number of {unit}s with data"
    return Metric(name=period_name(measure, unit), label=label, format=base.format, direction=base.direction,
                  description=description, per_period=(measure, unit))


def with_asked_ratios(model: SemanticModel, names: Iterable[str]) -> SemanticModel:
    """The model with every asked ratio and average per period among `names` it lacks (the same model when none)."""
    added: dict[str, Metric] = {}
    for name in names:
        parts = parts_of(model, name)
        if parts and name not in added:
            added[name] = asked_ratio(model, *parts)
        period = period_parts(model, name) if not parts else None
        if period and name not in added:
            added[name] = period_average(model, *period)
    return replace(model, metrics={**model.metrics, **added}) if added else model


def _singular(label: str) -> str:
    words = label.split()
    if words and words[-1].endswith("s") and not words[-1].endswith("ss"):
        words[-1] = words[-1][:-1]
    return " ".join(words)
