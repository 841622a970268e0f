"""The weights readings are ranked by, read from the lexicon's `reading_weights` (named judgements, not numbers in
code): the certainty a reading starts from, the two readings of one choice, and ladders of several."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from query_engine.interpret.question_lexicon import lexicon_section


@dataclass(frozen=True)
class Certainty:
    """What a reading's confidence starts from and how spelling corrections and unplaced words lower it."""

    base: float
    per_correction: float
    per_unplaced_word: float
    floor: float
    cap: float

    def of(self, corrections: int, unplaced: int) -> float:
        """The certainty of a question with this many corrected and unplaced words."""
        return max(self.floor, self.base - self.per_correction * corrections - self.per_unplaced_word * unplaced)


@dataclass(frozen=True)
class ReadingWeights:
    """Every weight the interpreter ranks readings by."""

    certainty: Certainty
    learned_preference: float
    pairs: dict[str, tuple[float, float]]
    ladders: dict[str, tuple[float, ...]]
    every_name: float
    share_breakdown: float
    forecast: dict[str, float]

    def pair(self, name: str) -> tuple[float, float]:
        """The leading and the other weight of a two-way choice ('clear', 'likely', 'close')."""
        return self.pairs[name]

    def ladder(self, name: str) -> tuple[float, ...]:
        """The weights of several readings in order ('metrics', 'trend_grains', 'when_grains', 'why_splits')."""
        return self.ladders[name]


@cache
def weights() -> ReadingWeights:
    """The weights, loaded once."""
    raw = lexicon_section("reading_weights")
    return ReadingWeights(Certainty(**{k: float(v) for k, v in raw["certainty"].items()}),
                          float(raw["learned_preference"]),
                          {k: (float(v[0]), float(v[1])) for k, v in raw["pairs"].items()},
                          {k: tuple(float(x) for x in v) for k, v in raw["ladders"].items()},
                          float(raw["every_name"]), float(raw["share_breakdown"]),
                          {k: float(v) for k, v in raw["forecast"].items()})
