"""Words analysts use for a dimension's values ("women" for "female", "ctv" for "Connected TV"), on any dataset.

The table is data (the `value_words` section of data/question_lexicon.yaml); a word applies only where one of the
dataset's own columns holds the value it stands for."""
from __future__ import annotations

from functools import cache

import yaml

from query_engine.interpret.question_lexicon import LEXICON_PATH, Phrase
from query_engine.interpret.question_text import phrase_key


@cache
def value_words() -> dict[Phrase, tuple[str, ...]]:
    """Folded value -> the other words for it."""
    raw = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8")).get("value_words") or {}
    return {phrase_key(str(value)): tuple(str(w) for w in words) for value, words in raw.items()}


def words_for(value: str) -> tuple[str, ...]:
    """The other words for one of a dataset's values (none when the table does not know it)."""
    return value_words().get(phrase_key(value), ())
