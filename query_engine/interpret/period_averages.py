"""Averages per period: 'average daily spend', 'avg revenue per day', 'mean weekly clicks', 'daily average CPC'.

A summed measure the question averages per day (week, month...) becomes `<measure>_per_<unit>`
(semantics.asked_ratios.period_average): its sum over the window divided by the number of periods with data, one
figure (or one per group), not a day-by-day series. The words are the lexicon's `period_averages`.
"""
from __future__ import annotations

from typing import Protocol

from query_engine.interpret.question_lexicon import find_phrases, period_words
from query_engine.interpret.question_text import Token
from query_engine.semantics.asked_ratios import period_name, period_parts
from query_engine.semantics.model import SemanticModel

NEAR = 6  # how many words after an average word its period may stand ('average spend on tiktok per day')


class Parsed(Protocol):
    """What the parser has read that an average per period changes (interpret.parser.ParsedQuestion)."""

    tokens: list[Token]
    metrics: list[str]
    metric_spans: list[tuple[int, int, str]]
    grain: str | None


def read_period_averages(parsed: Parsed, model: SemanticModel, dates: set[int]) -> set[int]:
    """Turn averaged measures into averages per period; the tokens of the period words they used. Tokens in
    `dates` belong to date phrases ('this month') and name no period."""
    keys = [t.key for t in parsed.tokens]
    words = period_words()
    average_at = [start for start, _ in find_phrases(keys, words.average)]
    units = [(start, end, words.units[tuple(keys[start:end])]) for start, end in find_phrases(keys, words.units)
             if not dates & set(range(start, end))]
    for at in average_at:
        found = next(((s, e, u) for s, e, u in units if at - 1 <= s <= at + NEAR and s != at), None)
        if found is None:
            continue
        start, end, unit = found
        named = {m: period_name(m, unit) for m in parsed.metrics if averages(model, period_name(m, unit))}
        if not named:
            continue
        parsed.metrics = [named.get(m, m) for m in parsed.metrics]
        parsed.metric_spans = [(s, e, named.get(m, m)) for s, e, m in parsed.metric_spans]
        others = [u for s, _, u in units if s != start]
        parsed.grain = parsed.grain if parsed.grain in others else None
        return set(range(start, end))
    return set()



def averages(model: SemanticModel, name: str) -> bool:
    """Whether `name` is an average per period the model holds (asked before) or can build."""
    held = model.metrics.get(name)
    return held.per_period is not None if held is not None else period_parts(model, name) is not None

