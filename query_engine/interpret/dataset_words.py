"""What a dataset names itself: the words of its own metrics, groupings and values, from its vocabulary.

The refusals ask this before they refuse a word: a word the dataset holds (a channel called "Email", a
campaign called "Reach - US") is that value, not a person identifier or a metric the data lacks.
"""
from __future__ import annotations

from query_engine.interpret.question_lexicon import Phrase
from query_engine.interpret.vocabulary import Vocabulary

METRIC_KINDS = ("metric", "weak_metric")


def names(words: Phrase, vocabulary: Vocabulary) -> bool:
    """True when the dataset names these very words: a metric, a grouping, a value or a run of a column's name."""
    return bool(vocabulary.index.get(words) or vocabulary.partial.get(words))


def names_metric(words: Phrase, vocabulary: Vocabulary) -> bool:
    """True when these words name one of the dataset's metrics (by its name, label, synonyms or main words)."""
    terms = [*vocabulary.index.get(words, ()), *vocabulary.partial.get(words, ())]
    return any(t.kind in METRIC_KINDS for t in terms)


def in_a_value(words: Phrase, vocabulary: Vocabulary) -> bool:
    """True when the words are a value of one of the dataset's groupings or a run of words inside one
    ("email" of the source / medium "klaviyo / email"), also when written apart ("e mail")."""
    if not words:
        return False
    forms = {words, ("".join(words),)}
    return any(bool(vocabulary.fragments.get(form)) or _inside(form, vocabulary, ("value",)) for form in forms)


def in_a_metric_name(words: Phrase, vocabulary: Vocabulary) -> bool:
    """True when the words are a run inside a phrase that names one of the dataset's metrics."""
    return bool(words) and _inside(words, vocabulary, METRIC_KINDS)


def _inside(words: Phrase, vocabulary: Vocabulary, kinds: tuple[str, ...]) -> bool:
    size = len(words)
    return any(len(key) >= size and any(t.kind in kinds for t in terms)
               and any(key[i:i + size] == words for i in range(len(key) - size + 1))
               for key, terms in vocabulary.index.items())
