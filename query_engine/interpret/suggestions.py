"""Questions a dataset can answer, built from its own model: what refusals suggest and the Ask page offers.

Each is answerable on that data: a date phrase only where the data has dates, no ranking of a grouping by a
count of its own rows, and only the dataset's own metric and grouping names.
"""
from __future__ import annotations

from query_engine.semantics.model import Metric, SemanticModel

RATIO_PREFERENCE = ("roas", "ctr", "cpa", "conversion_rate", "cpc", "cpm")
COUNTING = ("count", "count_distinct")
ALTERNATIVES = ("_reported", "_mean")  # a stored rate read as reported, a rate's plain mean: another reading


def example_questions(model: SemanticModel) -> tuple[str, ...]:
    """Up to four questions: a breakdown, a trend (when dated), a best-of by a ratio, a total, a top five."""
    plain = _plain_metrics(model)
    if not plain:
        return ()
    first, second = plain[0], plain[min(1, len(plain) - 1)]
    dims = [d.label for d in model.dimensions.values() if not d.time_part]
    ratio = next((model.metrics[r] for r in RATIO_PREFERENCE if r in model.metrics), None)
    questions = []
    if dims:
        questions.append(f"{_words(first).capitalize()} by {_words_of(dims[0])}")
    if model.time_column:
        questions.append(f"Monthly {_words(second)} trend")
    if dims and ratio is not None:
        questions.append(f"Which {_words_of(dims[0])} has the best {_words(ratio)}?")
    questions.append(f"Total {_words(second)} last month" if model.time_column else f"Total {_words(second)}")
    if dims:
        questions.append(f"Top 5 {_plural(_words_of(dims[-1]))} by {_words(first)}")
    return tuple(dict.fromkeys(questions))[:4]


def suggestions(model: SemanticModel) -> tuple[str, ...]:
    """Three questions this dataset can answer, for a refusal to offer instead."""
    found = example_questions(model)
    extra = tuple(f"Total {_words(m)}" for m in _plain_metrics(model))
    return tuple(dict.fromkeys((*found, *extra)))[:3] or ("Show the data's key figures",)


def held_figures(model: SemanticModel, most: int = 8) -> tuple[str, ...]:
    """The names of the figures the data holds, as a refusal lists them: plain metrics first, each once, without
    the notes of its alternative readings ('(as reported, averaged)')."""
    labels = [m.label.split(" (")[0].strip() for m in _plain_metrics(model) if not m.name.endswith(ALTERNATIVES)]
    return tuple(dict.fromkeys(labels))[:most]


def _plain_metrics(model: SemanticModel) -> list[Metric]:
    """The model's headline metrics that are not counts of rows or keys, in the model's order."""
    named = [model.metrics[m] for m in model.default_metrics if m in model.metrics]
    rest = [m for m in model.metrics.values() if m not in named]
    return [m for m in (*named, *rest) if m.aggregation not in COUNTING]


def _words(metric: Metric) -> str:
    return _words_of(metric.label or metric.name.replace("_", " "))


def _words_of(label: str) -> str:
    # Acronyms such as CTR keep their case; ordinary labels read as words inside a sentence.
    return label if label.isupper() else label.lower()


def _plural(words: str) -> str:
    return words if words.endswith("s") or not words[-1:].isalpha() else words + "s"
