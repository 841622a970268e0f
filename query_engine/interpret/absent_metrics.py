"""Well-known metrics a question names that the dataset does not hold: refused, never answered with another metric.

The metrics are data (`known_metrics` in data/question_lexicon.yaml). One counts as held when any of its words
names a metric of the dataset's own model (its names, labels, synonyms and column words), or when the model has
every measure it is computed from. Words the dataset holds otherwise are read as what they are there: a value
("reach" of a campaign named "Reach - US"), a grouping, or a value's word before a metric the dataset has
("organic sales" where a channel is "Organic Search").
"""
from __future__ import annotations

from dataclasses import dataclass

from query_engine.interpret.dataset_words import in_a_metric_name, in_a_value, names, names_metric
from query_engine.interpret.question_lexicon import KnownMetric, Phrase, find_phrases, known_metrics, lexicon
from query_engine.interpret.question_text import Token, clean_question, fold, in_figure_slot, tokenize
from query_engine.interpret.vocabulary import Vocabulary
from query_engine.semantics.model import SemanticModel

NUMBER_MARK = "#"


@dataclass(frozen=True)
class AbsentMetric:
    """A metric the question asks for that the data does not hold, and the words that asked for it."""

    metric: KnownMetric
    words: str


def absent_metric(question: str, model: SemanticModel, vocabulary: Vocabulary) -> AbsentMetric | None:
    """The first well-known metric `question` names that this dataset neither holds nor can compute, or None."""
    tokens = tokenize(clean_question(question))
    texts = [t.text for t in tokens]
    table = known_metrics()
    for start, end in find_phrases(texts, table, longest=6):
        metric = table[tuple(texts[start:end])]
        keys = tuple(t.key for t in tokens[start:end])
        if _verb(metric, texts, start, end) or held(metric, model, vocabulary) or _a_segment(tokens, start):
            continue
        slotted = in_figure_slot([t.key for t in tokens], start, end)  # 'how many installs': the figure itself
        if _read_otherwise(keys, vocabulary, whole_values=not slotted):
            continue
        return AbsentMetric(metric, " ".join(texts[start:end]))
    return None


def held(metric: KnownMetric, model: SemanticModel, vocabulary: Vocabulary) -> bool:
    """Whether the dataset holds the metric: one of its words names a metric of the model (or, of two words or more,
    is part of a metric's name: 'play time' of 'average play time per video view'), or the model has every measure
    of one way to compute it."""
    if any(all(name in model.metrics for name in need) for need in metric.requires):
        return True
    keys = [tuple(fold(w) for w in words) for words in metric.words]
    return any(names_metric(k, vocabulary) or (len(k) > 1 and in_a_metric_name(k, vocabulary)) for k in keys)


_SEGMENT_WORDS = ("from", "among", "of", "for", "by")


def _a_segment(tokens: list[Token], start: int) -> bool:
    """'purchases from male users', 'ctr among mobile users': people of a breakdown value the question's figure
    comes from, not the Users metric."""
    keys = [t.key for t in tokens]
    return start >= 2 and (keys[start - 1],) in lexicon().breakdown_values and keys[start - 2] in _SEGMENT_WORDS


def _verb(metric: KnownMetric, texts: list[str], start: int, end: int) -> bool:
    """'reach the target', 'reach 10,000': the one word is a verb here, not the metric."""
    if end - start != 1 or end >= len(texts) or not metric.not_before:
        return False
    following = texts[end]
    return following in metric.not_before or (NUMBER_MARK in metric.not_before and following[:1].isdigit())


def _read_otherwise(keys: Phrase, vocabulary: Vocabulary, whole_values: bool = True) -> bool:
    """Whether the dataset reads these words as something of its own: a name or value it holds (unless not
    `whole_values`: 'how many installs' asks for installs, though a campaign is called 'App Installs'), or a
    value's words before a metric it has ('organic sales')."""
    if names(keys, vocabulary) or whole_values and in_a_value(keys, vocabulary):
        return True
    return any(in_a_value(keys[:cut], vocabulary) and names_metric(keys[cut:], vocabulary)
               for cut in range(1, len(keys)))
