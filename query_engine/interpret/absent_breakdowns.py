"""Breakdown values asked of a file that holds none of them: 'iOS vs Android swipe ups' of a report without an
operating system, 'Pangle vs TikTok placement spend' of one without placements. Refused with the breakdown the
data lacks, instead of a total that silently ignores the split."""
from __future__ import annotations

from query_engine.interpret.dataset_words import in_a_value, names
from query_engine.interpret.question_lexicon import find_phrases, lexicon
from query_engine.interpret.question_text import clean_question, tokenize
from query_engine.interpret.vocabulary import Vocabulary


def absent_breakdown(text: str, vocabulary: Vocabulary, covered: set[str]) -> tuple[str, str] | None:
    """(the breakdown, the value asked) for the first breakdown value the dataset holds nowhere, not as a value,
    a word inside one, or a column; None when every value asked is the data's own."""
    table = lexicon().breakdown_values
    keys = [t.key for t in tokenize(clean_question(text))]
    for start, end in find_phrases(keys, table):
        words = tuple(keys[start:end])
        if set(words) <= covered or names(words, vocabulary) or in_a_value(words, vocabulary):
            continue
        breakdown = table[words]
        if names(tuple(breakdown.split()), vocabulary):
            continue  # the data has the breakdown, only not this value: the answer says so
        return breakdown, " ".join(words)
    return None
