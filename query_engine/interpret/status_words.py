"""Delivery states asked of a file that records none: 'which campaigns are active' over an export with no status
column is refused by name instead of listing every campaign."""
from __future__ import annotations

from query_engine.interpret.question_lexicon import find_phrases, known_metric_phrases, lexicon
from query_engine.interpret.question_text import clean_question, tokenize

_DEGREE = (["most"], ["more"], ["least"], ["less"], ["very"], ["fairly"])  # 'the most active': busy, no status


def absent_status(text: str, covered: set[str]) -> str | None:
    """The status words of `text` ('paused') when no column, value or metric of the dataset spells them, else None.
    A status word inside a well-known metric's name ('active users', 'active view') is that metric's."""
    keys = [t.key for t in tokenize(clean_question(text))]
    metric_spans = find_phrases(keys, known_metric_phrases())
    inside_metric = {i for start, end in metric_spans if end - start > 1 for i in range(start, end)}
    for start, end in find_phrases(keys, lexicon().status_words):
        span = set(range(start, end))
        if span & inside_metric or set(keys[start:end]) <= covered or keys[start - 1:start] in _DEGREE:
            continue
        return " ".join(keys[start:end])
    return None
