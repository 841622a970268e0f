"""'Revenue per session', 'cost per outbound click': two measures joined by a ratio word are one ratio of sums.

'per' is also a grouping word ('spend per campaign'): it joins a ratio only where the words after it name a measure
the model sums. A question that asks what something costs ('the most expensive keyword per conversion') divides
the cost measure. The model's own ratio is used where it has one (spend per click is its CPC); any other pair gets an
asked ratio (semantics.asked_ratios), which the interpreter and the pipeline add to the model by its name.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from query_engine.interpret.question_lexicon import lexicon
from query_engine.interpret.question_text import Token
from query_engine.semantics.asked_ratios import can_divide, existing_ratio, ratio_name
from query_engine.semantics.model import SemanticModel

Span = tuple[int, int, str]  # (start token, end token, metric)


class Parsed(Protocol):
    """What the parser has read that a ratio changes (interpret.parser.ParsedQuestion)."""

    tokens: list[Token]
    metrics: list[str]
    metric_spans: list[Span]
    metric_choices: dict[str, list[str]]
    metric_alternatives: dict[str, list[str]]
    extreme: str | None


@dataclass(frozen=True)
class Joined:
    """A ratio read from the question: the span it covers, its metric and the two measures it replaces."""

    start: int
    end: int
    metric: str
    parts: tuple[str, ...]


def ratio_of(model: SemanticModel, numerator: str, denominator: str, multiplier: int = 1) -> str | None:
    """The metric for numerator / denominator: the model's own ratio, an asked one, or None when they don't divide."""
    if not can_divide(model, numerator, denominator):
        return None
    return existing_ratio(model, numerator, denominator, multiplier) or ratio_name(numerator, denominator, multiplier)


def joined_ratios(keys: list[str], spans: list[Span], model: SemanticModel) -> list[Joined]:
    """Every 'A per B' (and 'expensive ... per B') in the question's token keys, over its metric spans."""
    ordered = sorted(spans)
    found: list[Joined] = []
    used: set[int] = set()
    for i, (start, _end, _name) in enumerate(ordered):
        width, multiplier = _ratio_word_before(keys, start)
        before = next((j for j, s in enumerate(ordered) if s[1] == start - width and j not in used), None)
        joined = _joined(keys, ordered, i, before, (width, multiplier), model) if width and i not in used else None
        if joined:
            used.update({i} if before is None else {i, before})
            found.append(joined)
    return found


def _joined(keys: list[str], ordered: list[Span], i: int, before: int | None, per: tuple[int, int],
            model: SemanticModel) -> Joined | None:
    """The ratio of the measure before the ratio word (or the cost measure) over the measure after it."""
    start, end, denominator = ordered[i]
    width, multiplier = per
    if before is not None:
        numerator = ordered[before][2]
        metric = ratio_of(model, numerator, denominator, multiplier)
        return Joined(ordered[before][0], end, metric, (numerator, denominator)) if metric else None
    cost = _cost_measure(keys, model)
    metric = ratio_of(model, cost, denominator, multiplier) if cost else None
    return Joined(start - width, end, metric, (denominator,)) if metric else None


def _opened_rates(keys: list[str], spans: list[Span], model: SemanticModel) -> list[Span]:
    """'revenue per click': a rate matched by its 'per ...' words ('per click' of CPC) right after another measure is
    that rate's denominator, so the measure before it is divided by it (revenue / clicks, not revenue and CPC)."""
    ends = {end: name for _, end, name in spans}
    opened = []
    for start, end, name in spans:
        metric = model.metrics.get(name)
        width = _ratio_word_after(keys, start)
        numerator, denominator = (metric.numerator, metric.denominator) if metric else (None, None)
        if width and denominator in model.metrics and start in ends and ends[start] != numerator:
            opened.append((start + width, end, denominator))
        else:
            opened.append((start, end, name))
    return opened


def _ratio_word_after(keys: list[str], start: int) -> int:
    """How many tokens of a ratio word start at `start` ('per' of 'per click')."""
    words = lexicon().ratio_words
    return next((n for n in (2, 1) if tuple(keys[start:start + n]) in words), 0)


def _ratio_word_before(keys: list[str], start: int) -> tuple[int, int]:
    """How many tokens of a ratio word ('per', 'for each', 'per 1,000') end right before `start`, and the scale."""
    scale = _scale(keys[start - 1]) if start > 0 else None
    end = start - 1 if scale else start
    words = lexicon().ratio_words
    width = next((n for n in (2, 1) if end - n >= 0 and tuple(keys[end - n:end]) in words), 0)
    return (width + (start - end), scale or 1) if width else (0, 1)


def _scale(key: str) -> int | None:
    """'1,000' or 'thousand' after a ratio word: the ratio per that many."""
    value = int(key.replace(",", "")) if key.replace(",", "").isdigit() else lexicon().ratio_scales.get(key)
    return value if value and 1 < value <= 1_000_000 else None


def _cost_measure(keys: list[str], model: SemanticModel) -> str | None:
    """The cost measure, when the question asks what something costs ('most expensive', 'cheapest')."""
    measure = lexicon().cost_measure
    return measure if measure in model.metrics and set(keys) & lexicon().cost_words else None


def read_ratios(parsed: Parsed, model: SemanticModel) -> set[int]:
    """Each ratio the question names takes the place of the measures it divides, in the metrics and their spans;
    the tokens the ratios cover ('per', 'thousand') are returned as read."""
    covered: set[int] = set()
    keys = [t.key for t in parsed.tokens]
    opened = _opened_rates(keys, parsed.metric_spans, model)
    for (_, _, was), (_, _, now) in zip(parsed.metric_spans, opened, strict=True):
        if was != now and was in parsed.metrics:
            parsed.metrics[parsed.metrics.index(was)] = now
    parsed.metric_spans = opened
    for joined in joined_ratios(keys, parsed.metric_spans, model):
        covered.update(range(joined.start, joined.end))
        inside = [s for s in parsed.metric_spans if joined.start <= s[0] and s[1] <= joined.end]
        outside = [s for s in parsed.metric_spans if s not in inside]
        parsed.metric_spans = sorted([*outside, (joined.start, joined.end, joined.metric)])
        kept = {s[2] for s in outside}
        at = min((parsed.metrics.index(p) for p in joined.parts if p in parsed.metrics), default=len(parsed.metrics))
        parsed.metrics.insert(at, joined.metric)
        parsed.metrics[:] = list(dict.fromkeys(m for m in parsed.metrics if m not in joined.parts or m in kept))
        _ratio_choices(parsed, joined, model)
    return covered | _read_cost(parsed, model)


def _read_cost(parsed: Parsed, model: SemanticModel) -> set[int]:
    """'The most expensive interest', 'the cheapest campaign': with no figure named, what a thing costs is the cost
    measure, highest first, or lowest first for the cheap words."""
    keys, words = [t.key for t in parsed.tokens], lexicon()
    cost = _cost_measure(keys, model)
    at = next((i for i, key in enumerate(keys) if key in words.cost_words), None)
    if cost is None or at is None:
        return set()
    if parsed.metrics:
        return _cost_of_a_figure(parsed, model, cost, at)
    parsed.metrics.append(cost)
    parsed.metric_spans = sorted([*parsed.metric_spans, (at, at + 1, cost)])
    per_unit = [m for m in model.performance_metrics.get("efficiency", ()) if m in model.metrics
                and model.metrics[m].numerator == cost and model.metrics[m].multiplier == 1]
    if per_unit:  # "the most expensive channel": the most spent, or the dearest per conversion or per click
        parsed.metric_alternatives[cost] = [cost, *per_unit]
    if keys[at] in words.cheap_words:
        parsed.extreme = "min"
    elif keys[at].endswith("est"):  # "the priciest", "the costliest": the one highest
        parsed.extreme = parsed.extreme or "max"
    return {at}


def _cost_of_a_figure(parsed: Parsed, model: SemanticModel, cost: str, at: int) -> set[int]:
    """'the cheapest leads', 'the most expensive clicks': a cost word right before a counted figure asks what each
    costs, the cost measure per that figure (cost per lead), lowest or highest first."""
    keys = [t.key for t in parsed.tokens]
    following = [s for s in parsed.metric_spans if at < s[0] <= at + 2 and s[2] != cost]
    metric = ratio_of(model, cost, following[0][2]) if len(following) == 1 and len(parsed.metrics) == 1 else None
    if metric is None:
        return set()
    _, end, figure = following[0]
    parsed.metrics[parsed.metrics.index(figure)] = metric
    parsed.metric_spans = sorted([*(s for s in parsed.metric_spans if s != following[0]), (at, end, metric)])
    parsed.extreme = "min" if keys[at] in lexicon().cheap_words else "max"
    return {at}


def _ratio_choices(parsed: Parsed, joined: Joined, model: SemanticModel) -> None:
    """A measure two columns carry gives one ratio per column ('revenue' of two revenue columns, per session)."""
    if len(joined.parts) != 2:
        return
    numerator, denominator = joined.parts
    tops, bottoms = parsed.metric_choices.get(numerator, [numerator]), parsed.metric_choices.get(denominator,
                                                                                                   [denominator])
    options = [m for m in (ratio_of(model, a, b) for a in tops for b in bottoms) if m]
    if len(options) > 1 and joined.metric in options:
        parsed.metric_choices[joined.metric] = [joined.metric, *(m for m in options if m != joined.metric)]
