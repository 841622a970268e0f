"""Counts of things asked in the present: 'how many YouTube campaigns do we have' is every campaign the data holds,
or, as the other reading, only the live ones (a status value of the lexicon's `live_counts.live_values`)."""
from __future__ import annotations

from functools import cache

from query_engine.interpret.parser import ParsedQuestion
from query_engine.interpret.question_lexicon import Phrase, find_phrases, folded_phrases, lexicon_section
from query_engine.interpret.reading_axes import ADDED_FILTERS, Option
from query_engine.interpret.reading_weights import weights
from query_engine.semantics.model import SemanticModel
from query_engine.semantics.profile import DataProfile
from query_engine.spec.query import Filter


@cache
def _words() -> tuple[frozenset[Phrase], frozenset[str]]:
    raw = lexicon_section("live_counts")
    return folded_phrases(raw["asked"]), frozenset(str(v).lower() for v in raw["live_values"])


def live_count_axis(parsed: ParsedQuestion, model: SemanticModel, profile: DataProfile) -> list[Option]:
    """Every thing counted, or only the live ones, when a count is asked in the present and a column says live."""
    asked, live = _words()
    counts = parsed.counted or any(model.metric(m).aggregation == "count_distinct" for m in parsed.metrics)
    if not counts or not find_phrases([t.key for t in parsed.tokens], asked):
        return [Option(1.0, ())]
    found = next(((d, v) for d, values in profile.values.items() if d in model.dimensions and d not in parsed.filters
                  for v in values if str(v).lower() in live), None)
    if found is None:
        return [Option(1.0, ())]
    dimension, value = found
    likely, other = weights().pair("likely")
    return [Option(likely, (), "every one the data holds"),
            Option(other, ((ADDED_FILTERS, (Filter(dimension, (value,)),)),), f"only the {value} ones")]
