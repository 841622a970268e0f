"""Person-level identifiers in a question: refused unless the dataset itself holds them as ordinary figures.

Aggregated audience breakdowns (age, gender, job function, ...) are never personal data here: a dataset that
has such a column answers by it, and one that lacks it says so like any other missing grouping. A word that is a
value of the dataset's own groupings, or part of one (a channel "Email", a source / medium "klaviyo / email"),
is that value, not a person identifier.
"""
from __future__ import annotations

from query_engine.interpret.dataset_words import in_a_value, names
from query_engine.interpret.question_lexicon import Phrase, find_phrases, lexicon
from query_engine.interpret.question_text import clean_question, phrase_key, tokenize
from query_engine.interpret.vocabulary import Vocabulary

_LINKS = ("of", "for", "from")
_ARTICLES = ("the", "our", "all", "these", "those", "every", "each", "my")
_GROUPING = ("by", "each", "every", "which")  # not "per": "cost per lead" is a ratio
_LISTING = ("list", "show", "give", "export", "name", "who", "which", "get", "download", "find", "identify")


def person_identifier(question: str, vocabulary: Vocabulary | None = None,
                      model_words: tuple[str, ...] = ()) -> str | None:
    """The words of `question` that ask for a person-level identifier the dataset does not hold as an ordinary
    figure, or None. `model_words` are the phrases the dataset's model marks as naming its person-level columns:
    they are refused even though the data has them, unless they are a value of the dataset's own groupings."""
    tokens = tokenize(clean_question(question))
    keys = [t.key for t in tokens]
    marked = frozenset(phrase_key(w) for w in model_words) - {()}
    for start, end in find_phrases(keys, marked, longest=6):
        if vocabulary is None or not in_a_value(tuple(keys[start:end]), vocabulary):
            return " ".join(t.text for t in tokens[start:end])
    for start, end in _identifier_spans(keys):
        if vocabulary is None or not any(_held(tuple(keys[start:stop]), vocabulary)  # "by member job function"
                                         for stop in range(end, min(len(keys), end + 3) + 1)):
            return " ".join(t.text for t in tokens[start:end])
    return None


def _held(words: Phrase, vocabulary: Vocabulary) -> bool:
    """True when the dataset holds these very words itself: a column, a value or a part of one, a run of a
    column's name."""
    return names(words, vocabulary) or in_a_value(words, vocabulary)


def _identifier_spans(keys: list[str]) -> list[tuple[int, int]]:
    """Spans that ask for an identifier: alone, after a person word, or before 'of' and a person word."""
    words = lexicon()
    spans = find_phrases(keys, words.person_identifiers)
    for start, end in find_phrases(keys, words.identifier_words):
        if start > 0 and (keys[start - 1],) in words.person_words:
            spans.append((start - 1, end))
        after = end
        if after < len(keys) and keys[after] in _LINKS:
            after += 1
            while after < len(keys) and keys[after] in _ARTICLES:
                after += 1
            if after < len(keys) and (keys[after],) in words.person_words:
                spans.append((start, after + 1))
        if start > 0 and (keys[start - 1],) in words.platforms:  # "twitter handles", "instagram profiles"
            spans.append((start - 1, end))
    spans.extend(_people_asked(keys))
    return sorted(spans)


def _people_asked(keys: list[str]) -> list[tuple[int, int]]:
    """People asked for one by one: grouped by ('spend by user', 'per snapchat user'), or listed ('list the
    customers who bought', 'which users clicked')."""
    words, spans = lexicon(), []
    listing = keys[:1] and keys[0] in _LISTING
    for i, key in enumerate(keys):
        if (key,) not in words.person_words:
            continue
        before = [k for k in keys[max(0, i - 3):i]
                  if (k,) not in words.platforms and (k not in _ARTICLES or k in _GROUPING)]
        grouped = before[-1:] and before[-1] in _GROUPING
        listed = listing and i + 1 < len(keys) and keys[i + 1] in ("who", "that", "whose")
        if grouped or listed:
            spans.append((i, i + 1))
    return spans
