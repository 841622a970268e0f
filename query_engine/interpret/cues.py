"""The cues a question gives: the parser's own words by role (the lexicon's `question_words`), and the typed set of
sentence-level cues they add ('vs' compares, 'combined' asks for one total, 'list' lists the things themselves).

ParsedQuestion keeps its cues in one set; what used to be a boolean flag on it is a property read from that set.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from query_engine.interpret.question_lexicon import lexicon_section


class Cue(StrEnum):
    """One thing a question's words say about the reading it asks for."""

    COMPARE = "compare"  # 'vs', 'compared with': values or periods side by side
    SHARE = "share"  # 'share', '% of': a part of a whole
    WHEN = "when"  # 'when did we spend the most': which period
    COMBINED = "combined"  # 'Meta and Google combined': one total, not a split
    SEPARATELY = "separately"  # 'for A and B separately': the split leads
    LISTING = "listing"  # 'list all campaigns': the things themselves
    TREND = "trend"  # 'trend', 'over time' with no grain named: a series whose grain is chosen
    SORTING = "sorting"  # 'sorted highest first': a ranking, never one row
    WHICH_ONE = "which_one"  # 'which campaign' (singular): one row is asked
    ONE_ROW = "one_row"  # 'the best campaign': one row; 'the best campaigns' a ranking


@dataclass(frozen=True)
class QuestionWords:
    """The parser's own words, by role; single words as token keys, phrases as text matched between spaces."""

    best: frozenset[str]
    worst: frozenset[str]
    performance: frozenset[str]
    efficiency: frozenset[str]
    engagement: frozenset[str]
    quality_adjectives: frozenset[str]
    max: frozenset[str]
    min: frozenset[str]
    grouping_cues: frozenset[str]
    negations: frozenset[str]
    trend: frozenset[str]
    share: tuple[str, ...]
    rank_cues: frozenset[str]
    compare: frozenset[str]
    count_cues: tuple[str, ...]
    size: frozenset[str]
    filler: frozenset[str]
    unit_grains: dict[str, str]
    combined: tuple[str, ...]
    separately: frozenset[str]
    sorting: frozenset[str]
    listing_openers: tuple[str, ...]
    when: tuple[str, ...]
    when_openers: tuple[str, ...]


_ORDERED = {"share", "count_cues", "combined", "listing_openers", "when", "when_openers"}


@cache
def question_words() -> QuestionWords:
    """The lexicon's `question_words`, loaded once."""
    raw = lexicon_section("question_words")
    fields: dict[str, object] = {}
    for name in QuestionWords.__dataclass_fields__:
        value = raw[name]
        if name == "unit_grains":
            fields[name] = {str(k): str(v) for k, v in value.items()}
        elif name in _ORDERED:
            fields[name] = tuple(str(w) for w in value)
        else:
            fields[name] = frozenset(str(w) for w in value)
    return QuestionWords(**fields)  # type: ignore[arg-type]


def sentence_cues(keys: list[str], has_grain: bool) -> set[Cue]:
    """The cues the question's words give as a whole (`keys`: its token keys)."""
    words = question_words()
    text = " " + " ".join(keys) + " "
    found = {Cue.COMPARE: bool(set(keys) & words.compare),
             Cue.SHARE: any(f" {w} " in text for w in words.share),
             Cue.WHEN: keys[:1] == list(words.when_openers[:1]) or any(f" {w} " in text for w in words.when),
             Cue.SORTING: bool(words.sorting & set(keys)),
             Cue.COMBINED: any(f" {w} " in text for w in words.combined),
             Cue.SEPARATELY: bool(words.separately & set(keys)),
             Cue.LISTING: any(text.startswith(f" {w} ") for w in words.listing_openers),
             Cue.TREND: not has_grain and any(f" {w} " in text for w in words.trend)}
    return {cue for cue, present in found.items() if present}
