"""The interpreter's dataset-independent words, read from data/question_lexicon.yaml."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from query_engine.interpret.question_text import phrase_key, tokenize

LEXICON_PATH = Path(__file__).resolve().parents[2] / "data" / "question_lexicon.yaml"

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """Word tables: name noise, weak head words, platform names, person identifiers, audience breakdowns."""

    name_noise: frozenset[Phrase]
    weak_heads: frozenset[str]
    platforms: dict[Phrase, str]  # folded phrase -> platform
    person_identifiers: frozenset[Phrase]
    person_words: frozenset[Phrase]
    identifier_words: frozenset[Phrase]
    audience_breakdowns: frozenset[Phrase]
    ratio_words: frozenset[Phrase] = frozenset()  # "per", "/": between two measures, one ratio of their sums
    cost_words: frozenset[str] = frozenset()  # "expensive": a ratio of the cost measure
    cost_measure: str = "spend"
    cheap_words: frozenset[str] = frozenset()  # the cost words that rank the lowest cost first
    ratio_scales: dict[str, int] = field(default_factory=dict)  # "thousand" in "per thousand impressions"
    grouping_fillers: frozenset[str] = frozenset()  # "ad" in "spend by ad": a grouping, though filler elsewhere
    grouping_verbs: frozenset[str] = frozenset()  # "drop" in "why did spend by channel drop": no grouping
    platform_headers: dict[str, frozenset[Phrase]] = field(default_factory=dict)  # headers of one platform only
    weak_platform_words: frozenset[Phrase] = frozenset()  # too common to say a question is about a platform
    status_words: frozenset[Phrase] = frozenset()  # "paused": a delivery state, asked of a file that may lack one
    delivery_units: frozenset[Phrase] = frozenset()  # "pin", "site": what a platform reports by
    breakdown_values: dict[Phrase, str] = field(default_factory=dict)  # "android" -> "operating system"


@dataclass(frozen=True)
class KnownMetric:
    """A well-known ad or analytics metric: the name a refusal gives it and the words that ask for it."""

    label: str
    words: frozenset[Phrase]  # as written (unfolded): "saves" asks for the metric, "save" does not
    requires: tuple[tuple[str, ...], ...] = ()  # sets of measures it can be computed from
    not_before: frozenset[str] = frozenset()  # next words that make a word a verb; "#" is any number
    needs: str = ""  # why no column of the data holds it


def folded_phrases(words: list[object]) -> frozenset[Phrase]:
    return frozenset(key for key in (phrase_key(str(w)) for w in words) if key)


def written(phrase: str) -> Phrase:
    """A phrase's token texts, lower-cased but not plural-folded."""
    return tuple(t.text for t in tokenize(phrase))


@cache
def _raw() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    return loaded


@cache
def known_metrics() -> dict[Phrase, KnownMetric]:
    """Every phrase (as written) of the well-known metrics, to the metric it asks for; loaded once."""
    table: dict[Phrase, KnownMetric] = {}
    for label, entry in _raw()["known_metrics"].items():
        metric = KnownMetric(str(label), frozenset(written(str(w)) for w in entry["words"]),
                             tuple(tuple(str(m) for m in need) for need in entry.get("requires", ())),
                             frozenset(str(w) for w in entry.get("not_before", ())), str(entry.get("needs", "")))
        table.update({words: metric for words in metric.words if words})
    return table


@cache
def lexicon() -> Lexicon:
    """The lexicon, loaded once."""
    raw = _raw()
    platforms = {key: str(name) for name, words in raw["platforms"].items()
                 for key in folded_phrases([name, *words])}
    return Lexicon(folded_phrases(raw["name_noise"]), frozenset(str(w) for w in raw["weak_heads"]), platforms,
                   folded_phrases(raw["person_identifiers"]), folded_phrases(raw["person_words"]),
                   folded_phrases(raw["identifier_words"]), folded_phrases(raw["audience_breakdowns"]),
                   folded_phrases(raw.get("ratio_words") or []), _words(raw.get("cost_words") or []),
                   str(raw.get("cost_measure") or "spend"), _words(raw.get("cheap_words") or []),
                   {str(k): int(v) for k, v in (raw.get("ratio_scales") or {}).items()},
                   _words(raw.get("grouping_fillers") or []), _words(raw.get("grouping_verbs") or []),
                   {str(k): folded_phrases(v) for k, v in (raw.get("platform_headers") or {}).items()},
                   folded_phrases(raw.get("weak_platform_words") or []), folded_phrases(raw.get("status_words") or []),
                   folded_phrases(raw.get("delivery_units") or []),
                   {key: str(name) for name, words in (raw.get("breakdown_values") or {}).items()
                    for key in folded_phrases(words)})


@cache
def known_metric_phrases() -> frozenset[Phrase]:
    """Every well-known metric's words, folded as question tokens are ('active users', 'cpc')."""
    return frozenset(phrase_key(" ".join(words)) for words in known_metrics())


@cache
def known_words() -> frozenset[str]:
    """Every single word of the lexicon's own phrases (audience breakdowns, people, identifiers, platforms and
    well-known metrics), folded: real words of the domain, which the spelling corrector never turns into another
    word ('country' is not a misspelt 'count'; a dataset without it says it has no country)."""
    table = lexicon()
    phrases = (*table.audience_breakdowns, *table.person_words, *table.identifier_words,
               *table.person_identifiers, *table.platforms, *table.status_words,
               *known_metric_phrases(),
               *(phrase_key(str(w)) for w in _raw().get("plain_english") or ()))
    return frozenset(word for phrase in phrases for word in phrase if word.isalpha() and len(word) > 3)


def _words(words: list[object]) -> frozenset[str]:
    """Single words, folded as question tokens are."""
    return frozenset(key[0] for key in folded_phrases(words) if len(key) == 1)


def find_phrases(keys: list[str], table: frozenset[Phrase] | dict[Phrase, Any],
                 longest: int = 4) -> list[tuple[int, int]]:
    """(start, end) spans of `keys` that spell a phrase of `table`, longest first, left to right."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(keys):
        size = next((n for n in range(min(longest, len(keys) - i), 0, -1) if tuple(keys[i:i + n]) in table), 0)
        if size:
            spans.append((i, i + size))
            i += size
        else:
            i += 1
    return spans


@dataclass(frozen=True)
class FollowUpWords:
    """The words that make a question a follow-up of the last answer, and what each says to change."""

    openers: frozenset[Phrase]
    weak_openers: frozenset[Phrase]
    anywhere: frozenset[Phrase]
    referring: frozenset[Phrase]
    verbs: frozenset[Phrase]
    add: frozenset[Phrase]
    replace: frozenset[Phrase]
    remove: frozenset[Phrase]
    widen: frozenset[Phrase]
    add_openers: frozenset[Phrase]
    restore: frozenset[Phrase]
    totals: frozenset[Phrase]
    back: frozenset[Phrase]
    again: frozenset[Phrase]


@cache
def follow_up_words() -> FollowUpWords:
    """The lexicon's `follow_ups` section, folded as question tokens are; loaded once."""
    raw = _raw()["follow_ups"]
    return FollowUpWords(**{name: folded_phrases(raw.get(name) or []) for name in FollowUpWords.__dataclass_fields__})


@dataclass(frozen=True)
class PeriodWords:
    """The words that ask for an average per period: average words, and each period's words."""

    average: frozenset[Phrase]
    units: dict[Phrase, str]  # "daily", "per day" -> "day"


@cache
def period_words() -> PeriodWords:
    """The lexicon's `period_averages` section, folded as question tokens are; loaded once."""
    raw = _raw()["period_averages"]
    return PeriodWords(folded_phrases(raw["average_words"]),
                       {key: str(unit) for unit, words in raw["units"].items() for key in folded_phrases(words)})


@cache
def week_part_words() -> dict[Phrase, str]:
    """The lexicon's `week_parts`: each folded phrase to the part of the week it names ('weekends' -> 'Weekend')."""
    return {key: str(part) for part, words in _raw()["week_parts"].items() for key in folded_phrases(words)}


def lexicon_section(name: str) -> Any:
    """One section of the lexicon as loaded from YAML (for the modules that type it themselves)."""
    return _raw()[name]
