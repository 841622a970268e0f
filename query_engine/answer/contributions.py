"""How much each segment moved a metric between two periods, with ratios split into mix and rate effects."""
from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from query_engine.semantics.formula import parse_formula
from query_engine.semantics.model import SemanticModel

Measures = dict[str, float]
Segment = tuple[str, ...]


@dataclass(frozen=True)
class Contribution:
    """One segment's part in a change: its metric before and after, and what it added to the total's change.

    For ratios (ROAS = revenue / spend) `contribution` = `rate` + `mix`: rate is the segment's own ratio moving
    (weighted by its current share of the denominator); mix is its share moving, valued against the old average.
    The contributions of all segments add up to the total's change exactly.
    """

    dimensions: tuple[str, ...]
    segment: Segment
    before: float | None
    after: float | None
    contribution: float
    rate: float | None = None
    mix: float | None = None
    share_before: float | None = None
    share_after: float | None = None

    @property
    def label(self) -> str:
        """The segment in words, e.g. 'Meta · Europe'."""
        return " · ".join(self.segment) if self.segment else "All"

    def describe(self) -> str:
        """The segment with its dimensions, e.g. 'channel Meta + region Europe'."""
        return " + ".join(f"{d} {v}" for d, v in zip(self.dimensions, self.segment, strict=False))


def metric_value(model: SemanticModel, metric: str, measures: Measures) -> float | None:
    """The metric computed from base measure totals (None when it divides by zero or a measure is missing)."""
    item = model.metric(metric)
    try:
        if item.formula:
            return _evaluate(parse_formula(item.formula, model.base_measures()), measures)
        if item.is_ratio:
            denominator = measures[item.denominator or ""]
            return None if not denominator else measures[item.numerator or ""] / denominator * item.multiplier
        return measures[metric]
    except KeyError:
        return None


def _evaluate(node: exp.Expr, measures: Measures) -> float | None:
    """Arithmetic over the allow-listed formula tree (metric_formula admits nothing else)."""
    if isinstance(node, exp.Paren):
        return _evaluate(node.this, measures)
    if isinstance(node, exp.Column):
        return measures[node.name.lower()]
    if isinstance(node, exp.Literal):
        return float(node.this)
    if isinstance(node, exp.Neg):
        inner = _evaluate(node.this, measures)
        return None if inner is None else -inner
    if not isinstance(node, exp.Binary):
        raise TypeError(f"{type(node).__name__} is not an allow-listed formula node")
    left, right = _evaluate(node.left, measures), _evaluate(node.right, measures)
    if left is None or right is None:
        return None
    if isinstance(node, exp.Div):
        return None if right == 0 else left / right
    results: dict[type[exp.Expr], float] = {exp.Add: left + right, exp.Sub: left - right, exp.Mul: left * right}
    return results[type(node)]


def contributions(model: SemanticModel, metric: str, before: dict[Segment, Measures], after: dict[Segment, Measures],
                  dimensions: tuple[str, ...] = ()) -> list[Contribution]:
    """Every segment's contribution to the metric's change, the largest in the change's direction first."""
    item = model.metric(metric)
    measures = tuple(m.name for m in model.measures_of(metric))
    zero = {m: 0.0 for m in measures}
    segments = list(dict.fromkeys([*before, *after]))
    total0 = _sum(before.values(), measures)
    total1 = _sum(after.values(), measures)
    if item.is_ratio:
        found = _ratio_parts(model, metric, segments, before, after, total0, total1, dimensions)
    elif item.formula and "/" in item.formula:
        found = _counterfactual(model, metric, segments, before, after, total1, dimensions)
    else:
        found = [Contribution(dimensions, s, metric_value(model, metric, before.get(s, zero)),
                              metric_value(model, metric, after.get(s, zero)),
                              (metric_value(model, metric, after.get(s, zero)) or 0.0)
                              - (metric_value(model, metric, before.get(s, zero)) or 0.0)) for s in segments]
    change = (metric_value(model, metric, total1) or 0.0) - (metric_value(model, metric, total0) or 0.0)
    return sorted(found, key=lambda c: c.contribution if change < 0 else -c.contribution)


def _sum(rows, measures: tuple[str, ...]) -> Measures:
    rows = list(rows)
    return {m: sum(r.get(m, 0.0) for r in rows) for m in measures}


def _ratio_parts(model: SemanticModel, metric: str, segments: list[Segment], before: dict[Segment, Measures],
                 after: dict[Segment, Measures], total0: Measures, total1: Measures,
                 dimensions: tuple[str, ...]) -> list[Contribution]:
    item = model.metric(metric)
    den = item.denominator or ""
    average0 = metric_value(model, metric, total0) or 0.0
    found = []
    for segment in segments:
        b, a = before.get(segment, {}), after.get(segment, {})
        w0 = b.get(den, 0.0) / total0[den] if total0[den] else 0.0
        w1 = a.get(den, 0.0) / total1[den] if total1[den] else 0.0
        r0, r1 = metric_value(model, metric, b), metric_value(model, metric, a)
        base = r0 if r0 is not None else (r1 or 0.0)  # a new segment has no rate change of its own
        rate = w1 * ((r1 or 0.0) - base) if r1 is not None else 0.0
        mix = (w1 - w0) * (base - average0)
        found.append(Contribution(dimensions, segment, r0, r1, rate + mix, rate, mix, w0, w1))
    return found


def _counterfactual(model: SemanticModel, metric: str, segments: list[Segment], before: dict[Segment, Measures],
                    after: dict[Segment, Measures], total1: Measures,
                    dimensions: tuple[str, ...]) -> list[Contribution]:
    """For formulas that divide: how much higher the metric would be had this segment stayed as it was."""
    now = metric_value(model, metric, total1) or 0.0
    found = []
    for segment in segments:
        b, a = before.get(segment, {}), after.get(segment, {})
        kept = {m: total1[m] - a.get(m, 0.0) + b.get(m, 0.0) for m in total1}
        found.append(Contribution(dimensions, segment, metric_value(model, metric, b), metric_value(model, metric, a),
                                  now - (metric_value(model, metric, kept) or 0.0)))
    return found
