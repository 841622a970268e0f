"""Questions beyond what the data can answer, answered honestly: what-if scenarios, advice, other attribution
models, and definitions ('what does CPA mean'), which come from the semantic model. The words are the lexicon's
`question_limits`."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from query_engine.interpret.question_lexicon import Phrase, find_phrases, folded_phrases, lexicon_section
from query_engine.interpret.question_text import clean_question, tokenize
from query_engine.semantics.model import SemanticModel
from query_engine.spec.query import Refusal

DETERMINERS = frozenset({"our", "my", "the", "we", "us", "total", "overall"})  # 'what is our ROAS' asks its value


@dataclass(frozen=True)
class LimitWords:
    """The phrases that mark each kind of question beyond the data."""

    what_if: frozenset[Phrase]
    advice: frozenset[Phrase]
    attribution_models: frozenset[Phrase]
    definition_openers: frozenset[Phrase]
    definition_endings: frozenset[Phrase]


@cache
def limit_words() -> LimitWords:
    """The lexicon's `question_limits`, folded as question tokens are; loaded once."""
    raw = lexicon_section("question_limits")
    return LimitWords(**{name: folded_phrases(raw[name]) for name in LimitWords.__dataclass_fields__})


def limit_refusal(text: str, model: SemanticModel, examples: tuple[str, ...]) -> Refusal | None:
    """What Clarify can't do for a scenario, an advice or an attribution-model question, and what it can show."""
    keys = [t.key for t in tokenize(clean_question(text))]
    words = limit_words()
    if find_phrases(keys, words.attribution_models):
        return Refusal("The data holds conversions and revenue as the platforms attributed them; Clarify can't "
                       "re-attribute them under another model (last click, linear, data-driven, a lift study). It "
                       "can show them as attributed:", examples)
    if find_phrases(keys, words.what_if):
        return Refusal("That is a scenario: Clarify answers from the figures the data holds and does not simulate "
                       "changes to budgets or campaigns. These show the figures a scenario would start from:",
                       examples)
    if find_phrases(keys, words.advice):
        return Refusal("Clarify shows what the data says; it doesn't recommend what to do. These answers inform "
                       "the decision:", examples)
    return None


def definition(text: str, metrics: list[str], model: SemanticModel) -> str | None:
    """The model's definition of the one metric a 'what is X' / 'what does X mean' question names, else None."""
    keys = [t.key for t in tokenize(clean_question(text))]
    words = limit_words()
    opens = any(tuple(keys[:n]) in words.definition_openers for n in (1, 2, 3, 4))
    ends = any(tuple(keys[-n:]) in words.definition_endings for n in (1, 2, 3) if len(keys) > n)
    if len(metrics) != 1 or not (opens or ends) or (DETERMINERS & set(keys) and not ends):
        return None
    metric = model.metric(metrics[0])
    how = metric.description.rstrip(".") or metric.label
    summed = " Clarify computes it as a ratio of sums over the rows asked about, never as an average of daily ratios."
    return f"{metric.label}: {how}." + (summed if metric.is_ratio else "")
