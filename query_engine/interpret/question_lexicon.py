"""The interpreter's dataset-independent words, read from data/question_lexicon.yaml."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from query_engine.interpret.question_text import phrase_key

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
    ratio_scales: dict[str, int] = field(default_factory=dict)  # "thousand" in "per thousand impressions"


def _phrases(words: list[object]) -> frozenset[Phrase]:
    return frozenset(key for key in (phrase_key(str(w)) for w in words) if key)


@cache
def lexicon() -> Lexicon:
    """The lexicon, loaded once."""
    raw = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    platforms = {key: str(name) for name, words in raw["platforms"].items()
                 for key in _phrases([name, *words])}
    return Lexicon(_phrases(raw["name_noise"]), frozenset(str(w) for w in raw["weak_heads"]), platforms,
                   _phrases(raw["person_identifiers"]), _phrases(raw["person_words"]),
                   _phrases(raw["identifier_words"]), _phrases(raw["audience_breakdowns"]),
                   _phrases(raw.get("ratio_words") or []), _words(raw.get("cost_words") or []),
                   str(raw.get("cost_measure") or "spend"),
                   {str(k): int(v) for k, v in (raw.get("ratio_scales") or {}).items()})


def _words(words: list[object]) -> frozenset[str]:
    """Single words, folded as question tokens are."""
    return frozenset(key[0] for key in _phrases(words) if len(key) == 1)


def find_phrases(keys: list[str], table: frozenset[Phrase] | dict[Phrase, str],
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
