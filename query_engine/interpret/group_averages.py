"""Averages per group: 'conversions per campaign' is one row per campaign, or the average per campaign (the sum over
the number of campaigns, `<measure>_per_<grouping>`); with an average word ('average spend per campaign') the
average leads."""
from __future__ import annotations

from typing import Protocol

from query_engine.interpret.period_averages import averages
from query_engine.interpret.question_lexicon import find_phrases, period_words
from query_engine.interpret.question_text import Token
from query_engine.interpret.reading_axes import Option
from query_engine.interpret.reading_weights import weights
from query_engine.semantics.asked_ratios import period_name
from query_engine.semantics.model import SemanticModel

DROPPED_DIMENSIONS = "drop_dimensions"  # an option's change that takes groupings away


class Grouped(Protocol):
    """What the average per group is read from (interpret.parser.ParsedQuestion)."""

    tokens: list[Token]
    metrics: list[str]
    dimensions: list[str]
    per_dimensions: list[str]
    polarity: str | None
    extreme: str | None
    limit: int | None


def per_group_axis(parsed: Grouped, model: SemanticModel) -> list[Option]:
    """'conversions per campaign': one row per campaign, or the average per campaign (the average first when an
    average word is said: 'average spend per campaign')."""
    named = [d for d in parsed.per_dimensions if d in parsed.dimensions]
    summed = [m for m in parsed.metrics if averages(model, period_name(m, named[0]))] if named else []
    if len(named) != 1 or len(parsed.dimensions) != 1 or not summed or parsed.polarity or parsed.extreme or \
            parsed.limit:
        return [Option(1.0, ())]
    dimension, measure = named[0], summed[0]
    label = model.dimensions[dimension].label.lower()
    averaged = bool(find_phrases([t.key for t in parsed.tokens], period_words().average))
    likely, other = weights().pair("likely" if averaged else "minor")
    split, average = (other, likely) if averaged else (likely, other)
    return [Option(split, (), f"one row per {label}"),
            Option(average, (("metrics", (period_name(measure, dimension), measure)), ("order_by", ()),
                             (DROPPED_DIMENSIONS, (dimension,))), f"the average per {label}")]
