"""Parts of the week: 'spend on weekends', 'weekday CTR', 'excluding weekends', 'weekday vs weekend'.

One part named filters the dates to it (the `week_part` grain's value); both named split by it. After a grouping
word ('by weekday') the word groups by day of the week, as before. The words are the lexicon's `week_parts`.
"""
from __future__ import annotations

from typing import Protocol

from query_engine.interpret.question_lexicon import find_phrases, week_part_words
from query_engine.interpret.question_text import GROUPING_CUES, Token
from query_engine.semantics.asked_ratios import period_name, period_parts
from query_engine.semantics.model import SemanticModel
from query_engine.spec.query import FilterOp

GRAIN = "week_part"


class Parsed(Protocol):
    """What the parser has read that a part of the week changes (interpret.parser.ParsedQuestion)."""

    tokens: list[Token]
    grain: str | None
    filters: dict[str, tuple[list[str], FilterOp]]
    filter_starts: dict[str, int]
    metrics: list[str]
    metric_alternatives: dict[str, list[str]]


def read_week_parts(parsed: Parsed, model: SemanticModel, taken: set[int], negations: frozenset[str]) -> set[int]:
    """Read the parts of the week the question names; the tokens they cover."""
    if GRAIN not in model.time_grains:
        return set()
    keys = [t.key for t in parsed.tokens]
    table = week_part_words()
    spans = [(s, e) for s, e in find_phrases(keys, table) if not taken & set(range(s, e))]
    cues = {cue for cue in GROUPING_CUES if " " not in cue} | {"which", "what"}  # "which weekday": a grouping
    if not spans or any(set(keys[max(0, s - 2):s]) & cues for s, _ in spans):
        return set()
    parts = list(dict.fromkeys(table[tuple(keys[s:e])] for s, e in spans))
    if len(parts) > 1:
        parsed.grain = GRAIN
    else:
        negated = any(set(keys[max(0, s - 2):s]) & negations for s, _ in spans)
        parsed.filters[GRAIN] = (parts, "not_in" if negated else "in")
        parsed.filter_starts.setdefault(GRAIN, spans[0][0])
    return {i for s, e in spans for i in range(s, e)}


def per_day_too(parsed: Parsed, model: SemanticModel) -> None:
    """'weekday vs weekend spend': five days against two, so the average per day is the other reading."""
    first = parsed.metrics[0] if parsed.metrics and parsed.grain == GRAIN else None
    per_day = period_name(first, "day") if first else None
    if first and per_day and first not in parsed.metric_alternatives and (per_day in model.metrics or
                                                                         period_parts(model, per_day)):
        parsed.metric_alternatives[first] = [first, per_day]
