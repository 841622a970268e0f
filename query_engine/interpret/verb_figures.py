"""A rate named by a verb ('which age group converts best'): the rate, or the count it is built on (conversions),
as the other reading. The verbs are the lexicon's `rate_verbs`."""
from __future__ import annotations

from functools import cache
from typing import Protocol

from query_engine.interpret.question_lexicon import Phrase, folded_phrases, lexicon_section
from query_engine.interpret.question_text import Token
from query_engine.semantics.model import SemanticModel


class Parsed(Protocol):
    """What a verb's rate is read from (interpret.parser.ParsedQuestion)."""

    tokens: list[Token]
    metrics: list[str]
    metric_spans: list[tuple[int, int, str]]
    metric_alternatives: dict[str, list[str]]


@cache
def _verbs() -> frozenset[Phrase]:
    return folded_phrases(lexicon_section("rate_verbs"))


def read_rate_verbs(parsed: Parsed, model: SemanticModel) -> None:
    """Offer a rate's count beside the rate when a verb named the rate."""
    keys = [t.key for t in parsed.tokens]
    for start, end, name in parsed.metric_spans:
        metric = model.metrics.get(name)
        if metric is None or not metric.is_ratio or tuple(keys[start:end]) not in _verbs():
            continue
        count = metric.numerator
        if count and count in model.metrics and parsed.metrics[:1] == [name] and \
                name not in parsed.metric_alternatives:
            parsed.metric_alternatives[name] = [name, count]
