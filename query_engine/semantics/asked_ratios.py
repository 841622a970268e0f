"""Ratios an analyst names from two of a model's summed measures ("revenue per session"), built when asked.

No model lists every ratio of two of its measures. A question that names one gets it under a name that says what
it is, `<numerator>_per_<denominator>`, so a reading that uses it can be compiled, described, stored and run again
by any stage that holds the model: `with_asked_ratios` adds the ratios such names call for.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from query_engine.semantics.calculated_metrics import infer_direction, infer_format
from query_engine.semantics.model import Metric, SemanticModel

JOIN = "_per_"


def ratio_name(numerator: str, denominator: str) -> str:
    """The name of an asked ratio: 'revenue_per_sessions'."""
    return f"{numerator}{JOIN}{denominator}"


def can_divide(model: SemanticModel, numerator: str, denominator: str) -> bool:
    """Whether both are distinct measures the model sums (rates and counts of names are not divided again)."""
    parts = [model.metrics.get(numerator), model.metrics.get(denominator)]
    return numerator != denominator and all(m is not None and not m.is_derived and m.aggregation == "sum"
                                            for m in parts)


def existing_ratio(model: SemanticModel, numerator: str, denominator: str) -> str | None:
    """The model's own metric that is this ratio of sums ('cpc' for spend per click), if it has one."""
    return next((n for n, m in model.metrics.items() if m.numerator == numerator and m.denominator == denominator
                 and m.multiplier == 1), None)


def asked_ratio(model: SemanticModel, numerator: str, denominator: str) -> Metric:
    """The ratio of two summed measures as a metric of the model."""
    top, bottom = model.metric(numerator), model.metric(denominator)
    formula = f"{numerator} / {denominator}"
    label = f"{top.label} per {_singular(bottom.label.lower())}"
    return Metric(name=ratio_name(numerator, denominator), label=label, format=infer_format(formula, model),
                  direction=infer_direction(formula, model),  # type: ignore[arg-type]
                  description=f"{label} = {top.label.lower()} / {bottom.label.lower()}, a ratio of sums.",
                  numerator=numerator, denominator=denominator)


def parts_of(model: SemanticModel, name: str) -> tuple[str, str] | None:
    """The two measures an asked ratio's name divides, or None when the name is not one."""
    if name in model.metrics or JOIN not in name:
        return None
    pieces = name.split(JOIN)
    for cut in range(1, len(pieces)):
        numerator, denominator = JOIN.join(pieces[:cut]), JOIN.join(pieces[cut:])
        if can_divide(model, numerator, denominator):
            return numerator, denominator
    return None


def with_asked_ratios(model: SemanticModel, names: Iterable[str]) -> SemanticModel:
    """The model with every asked ratio among `names` it lacks (the same model when there is none)."""
    added: dict[str, Metric] = {}
    for name in names:
        parts = parts_of(model, name)
        if parts and name not in added:
            added[name] = asked_ratio(model, *parts)
    return replace(model, metrics={**model.metrics, **added}) if added else model


def _singular(label: str) -> str:
    words = label.split()
    if words and words[-1].endswith("s") and not words[-1].endswith("ss"):
        words[-1] = words[-1][:-1]
    return " ".join(words)
