"""Questions beyond what the data can answer, answered honestly: what-if scenarios, advice, other attribution
models, and definitions ('what does CPA mean'), which come from the semantic model. The words are the lexicon's
`question_limits`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from query_engine.interpret.question_lexicon import Phrase, find_phrases, folded_phrases, lexicon_section
from query_engine.interpret.question_text import Token, blanked, clean_question, tokenize
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
    requests: frozenset[Phrase]


@cache
def limit_words() -> LimitWords:
    """The lexicon's `question_limits`, folded as question tokens are; loaded once."""
    raw = lexicon_section("question_limits")
    return LimitWords(**{name: folded_phrases(raw[name]) for name in LimitWords.__dataclass_fields__})


SCENARIO_REASON = ("That is a scenario: Clarify answers from the figures the data holds and does not simulate "
                   "changes to budgets or campaigns. It computes one kind as plain arithmetic: one figure moved by a "
                   "percentage at today's rates ('if spend rose 20% at the same ROAS'). These show the figures a "
                   "scenario would start from:")


def is_scenario(text: str, covered: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether a question asks 'what if' (a scenario), simple or not; words of the data's own names (`covered`)
    ask nothing."""
    keys = blanked([t.key for t in tokenize(clean_question(text))], covered)
    return bool(find_phrases(keys, limit_words().what_if) or SIMPLE_SCENARIO.search(" ".join(keys)))


def limit_refusal(text: str, model: SemanticModel, examples: tuple[str, ...],
                  covered: set[str] | frozenset[str] = frozenset()) -> Refusal | None:
    """What Clarify can't do for a scenario, an advice or an attribution-model question, and what it can show. Words
    that spell the data's own names (`covered`: a 'What If Sale' campaign) mark nothing."""
    keys = blanked([t.key for t in tokenize(clean_question(text))], covered)
    words = limit_words()
    if find_phrases(keys, words.attribution_models):
        return Refusal("The data holds conversions and revenue as the platforms attributed them; Clarify can't "
                       "re-attribute them under another model (last click, linear, data-driven, a lift study). It "
                       "can show them as attributed:", examples)
    if find_phrases(keys, words.what_if) and not SIMPLE_SCENARIO.search(" ".join(keys)):
        return Refusal(SCENARIO_REASON, examples)
    if find_phrases(keys, words.advice) and not find_phrases(keys, words.requests):
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


# 'if spend rose 20%', 'if we doubled spend', 'if we cut spend by 10% at the same CPA': one measure moved by a
# factor, every rate kept; Clarify computes it as arithmetic on today's figures, not as a forecast.
_UP = r"rose|rise|rises|risen|increased|increase|increases|grew|grow|grows|went up|goes up|raised|raise|boosted|boost"
_DOWN = r"fell|fall|falls|dropped|drop|drops|decreased|decrease|went down|goes down|cut|reduced|reduce|lowered|lower"
SIMPLE_SCENARIO = re.compile(
    rf"\bif\b.*?(?:\b(?P<up>{_UP})\b|\b(?P<down>{_DOWN})\b|\b(?P<double>doubled|double)\b|\b(?P<half>halved|halve)\b)"
    r"(?:.*?\b(?P<pct>\d+(?:\.\d+)?) ?(?:%|percent|pct)(?!\w))?")


class Parsed(Protocol):
    """What a scenario is read from (interpret.parser.ParsedQuestion)."""

    tokens: list[Token]
    metric_spans: list[tuple[int, int, str]]


def read_scenario(parsed: Parsed, model: SemanticModel) -> tuple[str, float] | None:
    """The measure a simple what-if moves and by what factor ('if spend rose 20%': ('spend', 1.2)), or None."""
    keys = [t.key for t in parsed.tokens]
    found = SIMPLE_SCENARIO.search(" ".join(keys))
    if found is None:
        return None
    factor = 2.0 if found.group("double") else 0.5 if found.group("half") else None
    if factor is None and found.group("pct"):
        step = float(found.group("pct")) / 100
        factor = 1 + step if found.group("up") else 1 - step
    verbs = {word.split()[0] for word in f"{_UP}|{_DOWN}|doubled|double|halved|halve".split("|")}
    verb = next((i for i, k in enumerate(keys) if k in verbs), None)
    if factor is None or factor <= 0 or verb is None:
        return None
    summed = [(start, end, name) for start, end, name in parsed.metric_spans
              if not model.metric(name).is_derived and model.metric(name).aggregation == "sum"]
    before = [name for _, end, name in summed if verb - 2 <= end <= verb]
    after = [name for start, _, name in summed if verb < start <= verb + 3]
    named = before[-1:] or after[:1]
    return (named[0], round(factor, 6)) if named else None
